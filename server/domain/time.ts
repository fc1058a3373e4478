/**
 * Calendar rules. The monthly duty (每月一次实地检查) is judged in China Standard Time
 * (Asia/Shanghai, UTC+8, no daylight saving), whatever the server's own time zone.
 */
import type { Lang } from './vocabulary/lang.ts'

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

// ---------------------------------------------------------------------------------------------
// Days and display. Every date a person reads is a Beijing date: the helpers below are the only
// place in client/ and server/ that knows the offset (the `+08:00` of ISO strings included).

const DAY_MS = 86_400_000
/** The ISO offset suffix of Beijing time (for W3C date-times). */
const CHINA_OFFSET_SUFFIX = '+08:00'


/** The instant as if UTC were Beijing: its UTC fields are Beijing's wall clock. */
function wall(instant: Date | string | number): Date | null {
  const d = instant instanceof Date ? instant : new Date(instant)
  const ms = d.getTime()
  return Number.isNaN(ms) ? null : new Date(ms + CHINA_OFFSET_MS)
}

/** The Beijing calendar day "YYYY-MM-DD" an instant falls in. */
export function dayOf(instant: Date | string | number): string {
  const w = wall(instant)
  if (!w) throw new Error(`invalid instant "${String(instant)}"`)
  return w.toISOString().slice(0, 10)
}

/** Today's date "YYYY-MM-DD" in Beijing. */
export function todayInChina(now: Date = new Date()): string {
  return dayOf(now)
}

/** The current month "YYYY-MM" in Beijing. */
export function thisMonth(now: Date = new Date()): MonthKey {
  return monthOf(now)
}

/** The Beijing calendar year an instant falls in. */
export function yearOf(instant: Date | string | number): number {
  return Number(dayOf(instant).slice(0, 4))
}

/** The day `delta` days after "YYYY-MM-DD". */
export function addDays(isoDate: string, delta: number): string {
  return new Date(chinaDate(isoDate).getTime() + CHINA_OFFSET_MS + delta * DAY_MS).toISOString().slice(0, 10)
}

/** Start (00:00 Beijing) of a calendar day, as an instant. Same as chinaDate. */
export const startOfChinaDay = chinaDate

/**
 * End of a calendar day, as an instant: the next day's 00:00 Beijing (exclusive end). Deadlines
 * ("整改期限 2026-12-03") are stored like this; `formatDeadline` shows them as that day again.
 */
export function endOfChinaDay(isoDate: string): Date {
  return new Date(chinaDate(isoDate).getTime() + DAY_MS)
}

/** An instant at a Beijing wall-clock time ("HH:mm" or "HH:mm:ss") on a calendar day. */
export function chinaInstant(isoDate: string, time = '00:00'): Date {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time)
  if (!m) throw new Error(`invalid time "${time}", expected HH:mm`)
  return new Date(chinaDate(isoDate).getTime() + ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * 1000)
}

/**
 * The instant a person means by picking a calendar day for something that happened (an
 * inspection, a meeting): now if the day is today, else that day at `time` Beijing.
 */
export function instantForDay(isoDate: string, time = '12:00', now: Date = new Date()): string {
  return isoDate === todayInChina(now) ? now.toISOString() : chinaInstant(isoDate, time).toISOString()
}

/** An instant shown as its Beijing date "YYYY-MM-DD"; '—' for none, the input itself if unreadable. */
export function formatDate(instant: Date | string | null | undefined): string {
  if (instant === null || instant === undefined || instant === '') return '—'
  const w = wall(instant)
  return w ? w.toISOString().slice(0, 10) : String(instant)
}

/** An instant shown as Beijing "YYYY-MM-DD HH:mm"; '—' for none. */
export function formatDateTime(instant: Date | string | null | undefined): string {
  if (instant === null || instant === undefined || instant === '') return '—'
  const w = wall(instant)
  return w ? w.toISOString().slice(0, 16).replace('T', ' ') : String(instant)
}

/** An instant as a W3C date-time in Beijing time, e.g. 2026-11-23T19:22:08+08:00. */
export function w3cChinaDateTime(instant: Date): string {
  return wall(instant)!.toISOString().slice(0, 19) + CHINA_OFFSET_SUFFIX
}

/** Is the instant exactly 00:00:00.000 Beijing (the exclusive end of the day before)? */
function isChinaMidnight(instant: Date | string): boolean {
  const w = wall(instant)
  return w !== null && w.getTime() % DAY_MS === 0
}

/**
 * A deadline as a person reads it: a deadline at the end of a day (stored as the next 00:00, see
 * endOfChinaDay) is that day, never the next day at 00:00. `withTime`: "2026-12-03 23:59" instead of
 * "2026-12-03"; deadlines at another time of day show that time.
 */
export function formatDeadline(instant: Date | string | null | undefined, withTime = false): string {
  if (instant === null || instant === undefined || instant === '') return '—'
  const w = wall(instant)
  if (!w) return String(instant)
  if (isChinaMidnight(instant)) {
    const day = new Date(w.getTime() - DAY_MS).toISOString().slice(0, 10)
    return withTime ? `${day} 23:59` : day
  }
  return withTime ? formatDateTime(instant) : formatDate(instant)
}

/** "2026-11" as 2026年11月 / Nov 2026. */
export function formatMonth(month: MonthKey, lang: Lang): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  if (lang === 'zh-CN') return `${y}年${m}月`
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' })
}
