/** Number formats a person reads (pure). Dates are in ../time.ts. */

/** A share 0..1 as a percentage with one decimal ("87.5%"); '—' when there is none. */
export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : `${(v * 100).toFixed(1)}%`
}

/** A number with a fixed count of decimals; '—' when there is none. */
export function fixed(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits)
}

/** Square metres in km² with two decimals (a grid's area). */
export function km2(m2: number): string {
  return (m2 / 1e6).toFixed(2)
}
