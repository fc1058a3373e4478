/** Grid responsibility (包抓): who holds a grid on a given date. History is kept, never overwritten. */
export interface HolderPeriod {
  departmentId: number
  validFrom: Date
  /** exclusive; null = still holds */
  validTo: Date | null
}

export function holdsOn(period: HolderPeriod, at: Date): boolean {
  return period.validFrom.getTime() <= at.getTime() && (period.validTo === null || at.getTime() < period.validTo.getTime())
}

/** The holder of a grid at an instant (the latest-starting period covering it), or null if unheld. */
export function holderOn<T extends HolderPeriod>(periods: readonly T[], at: Date): T | null {
  let best: T | null = null
  for (const p of periods) if (holdsOn(p, at) && (!best || p.validFrom > best.validFrom)) best = p
  return best
}
