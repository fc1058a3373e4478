/**
 * Calendar rules. The monthly duty (每月一次实地检查) is judged in China Standard Time
 * (Asia/Shanghai, UTC+8, no daylight saving), whatever the server's own time zone.
 */
export const CHINA_OFFSET_MS = 8 * 3600 * 1000

/** "YYYY-MM" */
export type MonthKey = string
export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/

/** The month (Asia/Shanghai) an instant falls in. */
export function monthOf(instant: Date): MonthKey {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 7)
}

/** [start, end) of a month as instants. */
export function monthRange(month: MonthKey): { start: Date; end: Date } {
  if (!MONTH_PATTERN.test(month)) throw new Error(`invalid month "${month}", expected YYYY-MM`)
  const [y, m] = month.split('-').map(Number) as [number, number]
  return { start: new Date(Date.UTC(y, m - 1, 1) - CHINA_OFFSET_MS), end: new Date(Date.UTC(y, m, 1) - CHINA_OFFSET_MS) }
}

/** The month `delta` months after `month` (negative: before). */
export function addMonths(month: MonthKey, delta: number): MonthKey {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const d = new Date(Date.UTC(y, m - 1 + delta, 1))
  return d.toISOString().slice(0, 7)
}

/** Midnight (Asia/Shanghai) of a calendar date "YYYY-MM-DD", as an instant. */
export function chinaDate(isoDate: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate)
  if (!m) throw new Error(`invalid date "${isoDate}", expected YYYY-MM-DD`)
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - CHINA_OFFSET_MS)
}

/** Whole days left in the month after `now` (Asia/Shanghai), counting today. */
export function daysLeftInMonth(now: Date): number {
  const { end } = monthRange(monthOf(now))
  return Math.ceil((end.getTime() - now.getTime()) / 86_400_000)
}
