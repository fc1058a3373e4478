/** Calendar-day arithmetic for the date picker (pure: dates as "YYYY-MM-DD", no time zone involved). */

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/
export const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

/** A real calendar day "YYYY-MM-DD" (2026-02-30 is not one). */
export function isCalendarDay(s: string): boolean {
  const m = ISO.exec(s)
  if (!m) return false
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!))
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!
}
/** Loosely typed input (2026/3/1, 2026.03.01, 2026年3月1日) → "2026-03-01", or null. */
export function normaliseDay(s: string): string | null {
  const m = /^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$/.exec(s)
  if (!m) return null
  const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`
  return isCalendarDay(iso) ? iso : null
}
/** 0 = Monday … 6 = Sunday (a calendar computation on the date itself, no time zone involved). */
export const weekdayOf = (iso: string) => { const [y, m, d] = iso.split('-').map(Number); return (new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay() + 6) % 7 }
export const monthStart = (iso: string) => `${iso.slice(0, 7)}-01`
export const addMonthsDay = (iso: string, n: number) => {
  const [y, m, d] = iso.split('-').map(Number)
  const t = new Date(Date.UTC(y!, m! - 1 + n, 1))
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate()
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(Math.min(d!, last)).padStart(2, '0')}`
}

