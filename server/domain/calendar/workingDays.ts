/**
 * Working days (工作日) and problem deadlines (处置时限) on China's holiday calendar. Pure.
 *
 * The calendar is data: data/calendar/cn-holidays-<year>.json lists, per year, the statutory holidays with
 * their bridging days (放假调休日, `holidays`) and the weekend days worked instead (调休上班, `workdays`),
 * as published by the State Council (国务院办公厅关于<year>年部分节假日安排的通知). A day is a working day
 * when it is listed in `workdays`, or it is Monday–Friday and not listed in `holidays`. Days are Beijing
 * calendar days (Asia/Shanghai, UTC+8).
 *
 * A year whose file is missing is handled by the calendar's `missingYear` policy:
 *   'error'        (default) — a CalendarError CALENDAR_YEAR_MISSING; a deadline is never silently wrong;
 *   'weekendsOnly' — Monday–Friday are working days, and every result says so (`basis: 'weekendsOnly'`)
 *                    so the caller can flag the deadline as estimated.
 * A year file marked `provisional: true` (e.g. 2027 before its notice) is used, and results say
 * `basis: 'provisional'`.
 *
 * Deadlines:
 *   - normal limits are counted in working days: the deadline is the END of the Nth working day after
 *     the day the limit starts (the start day itself is day 0, whatever the hour), i.e. 23:59:59.999
 *     Beijing time of that day — so it is displayed as that day, never as the next day at 00:00;
 *   - urgent limits are counted in hours AROUND THE CLOCK from the start instant (数字城管 practice for
 *     紧急案件: handled at once, nights and holidays included). `addWorkingHours` can also count office
 *     hours only (mode 'office') for cities that define 工作时.
 */
import { z } from 'zod'
import { CHINA_OFFSET_MS } from '../time.ts'
import y2025 from '../../../data/calendar/cn-holidays-2025.json' with { type: 'json' }
import y2026 from '../../../data/calendar/cn-holidays-2026.json' with { type: 'json' }
import y2027 from '../../../data/calendar/cn-holidays-2027.json' with { type: 'json' }
import categoryLimitsFile from '../../../data/calendar/category-limits.json' with { type: 'json' }

/** A Beijing calendar day, "YYYY-MM-DD". */
export type DayKey = string

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

/** Stable codes of calendar errors. */
export type CalendarErrorCode = 'CALENDAR_YEAR_MISSING' | 'BAD_CALENDAR' | 'UNKNOWN_CATEGORY' | 'BAD_LIMIT'

/** A refusal of the calendar module, with a stable code. */
export class CalendarError extends Error {
  constructor(readonly code: CalendarErrorCode, message: string) {
    super(message)
    this.name = 'CalendarError'
  }
}

const dayEntry = z.object({ date: z.string().regex(DAY_PATTERN), name: z.string().min(1) })
/** Schema of one data/calendar/cn-holidays-<year>.json file. */
export const holidayYearSchema = z.object({
  year: z.number().int().min(2000).max(2100),
  provisional: z.boolean().optional(),
  source: z.object({ issuer: z.string(), title: z.string(), date: z.string().optional(), number: z.string().optional(), note: z.string().optional() }),
  holidays: z.array(dayEntry),
  workdays: z.array(dayEntry),
})
/** One year of the holiday calendar, as stored in data/calendar. */
export type HolidayYear = z.infer<typeof holidayYearSchema>

/** How a day's status was known. Ordered from most to least certain. */
export type DayBasis = 'official' | 'provisional' | 'weekendsOnly'
const BASIS_RANK: Record<DayBasis, number> = { official: 0, provisional: 1, weekendsOnly: 2 }
const worse = (a: DayBasis, b: DayBasis): DayBasis => (BASIS_RANK[b] > BASIS_RANK[a] ? b : a)

interface YearData { provisional: boolean; holidays: ReadonlyMap<DayKey, string>; workdays: ReadonlyMap<DayKey, string> }

/** A holiday calendar ready for lookups. Build it with `buildCalendar`. */
export interface HolidayCalendar {
  years: ReadonlyMap<number, YearData>
  missingYear: 'error' | 'weekendsOnly'
}

/**
 * Build a calendar from year files (validated; a day listed both as holiday and workday, a date outside
 * its file's year, a duplicate year or a listed workday on a weekday is refused with BAD_CALENDAR).
 */
export function buildCalendar(files: readonly unknown[], options: { missingYear?: 'error' | 'weekendsOnly' } = {}): HolidayCalendar {
  const years = new Map<number, YearData>()
  for (const raw of files) {
    const parsed = holidayYearSchema.safeParse(raw)
    if (!parsed.success) throw new CalendarError('BAD_CALENDAR', `holiday calendar file is invalid: ${parsed.error.issues[0]?.message ?? ''}`)
    const f = parsed.data
    if (years.has(f.year)) throw new CalendarError('BAD_CALENDAR', `holiday calendar year ${f.year} given twice`)
    const holidays = new Map(f.holidays.map((d) => [d.date, d.name]))
    const workdays = new Map(f.workdays.map((d) => [d.date, d.name]))
    for (const d of [...holidays.keys(), ...workdays.keys()]) {
      if (!d.startsWith(`${f.year}-`)) throw new CalendarError('BAD_CALENDAR', `${d} is not in year ${f.year}`)
      parseDay(d)
    }
    for (const d of workdays.keys()) {
      if (holidays.has(d)) throw new CalendarError('BAD_CALENDAR', `${d} is listed both as a holiday and as a working day`)
      if (!isWeekend(d)) throw new CalendarError('BAD_CALENDAR', `${d} is a weekday; only weekend days can be adjusted working days (调休上班)`)
    }
    years.set(f.year, { provisional: f.provisional === true, holidays, workdays })
  }
  return { years, missingYear: options.missingYear ?? 'error' }
}

/** The bundled calendar files (data/calendar/cn-holidays-2025..2027.json), in year order. */
export const BUNDLED_HOLIDAY_YEARS: readonly HolidayYear[] = [y2025, y2026, y2027] as HolidayYear[]

/** A calendar of the bundled years. */
export function bundledCalendar(options: { missingYear?: 'error' | 'weekendsOnly' } = {}): HolidayCalendar {
  return buildCalendar(BUNDLED_HOLIDAY_YEARS, options)
}

function parseDay(day: DayKey): number {
  const m = DAY_PATTERN.exec(day)
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) throw new CalendarError('BAD_CALENDAR', `invalid day "${day}", expected YYYY-MM-DD`)
  return t
}
const dayFromUtc = (t: number): DayKey => new Date(t).toISOString().slice(0, 10)
const isWeekend = (day: DayKey) => { const w = new Date(parseDay(day)).getUTCDay(); return w === 0 || w === 6 }

/** The Beijing calendar day an instant falls on. */
export function beijingDay(instant: Date): DayKey {
  return dayFromUtc(instant.getTime() + CHINA_OFFSET_MS)
}

/** The day `n` calendar days after `day` (negative: before). */
export function addDays(day: DayKey, n: number): DayKey {
  return dayFromUtc(parseDay(day) + n * DAY_MS)
}

/** Midnight at the start of a Beijing day, as an instant. */
export function startOfBeijingDay(day: DayKey): Date {
  return new Date(parseDay(day) - CHINA_OFFSET_MS)
}

/** The last millisecond (23:59:59.999 Beijing time) of a Beijing day, as an instant. */
export function endOfBeijingDay(day: DayKey): Date {
  return new Date(parseDay(day) + DAY_MS - 1 - CHINA_OFFSET_MS)
}

/** Is the day a working day, and how is that known (official notice, provisional file, weekends only)? */
export function dayInfo(day: DayKey | Date, calendar: HolidayCalendar): { working: boolean; basis: DayBasis; name: string | null } {
  const key = typeof day === 'string' ? day : beijingDay(day)
  const year = Number(key.slice(0, 4))
  const data = calendar.years.get(year)
  if (!data) {
    if (calendar.missingYear === 'error') throw new CalendarError('CALENDAR_YEAR_MISSING', `节假日日历缺少 ${year} 年的数据 (no holiday calendar for ${year}); add data/calendar/cn-holidays-${year}.json`)
    return { working: !isWeekend(key), basis: 'weekendsOnly', name: null }
  }
  const basis: DayBasis = data.provisional ? 'provisional' : 'official'
  const workday = data.workdays.get(key)
  if (workday !== undefined) return { working: true, basis, name: workday }
  const holiday = data.holidays.get(key)
  if (holiday !== undefined) return { working: false, basis, name: holiday }
  return { working: !isWeekend(key), basis, name: null }
}

/** Is the day (a "YYYY-MM-DD" Beijing day, or the Beijing day of an instant) a working day? */
export function isWorkingDay(day: DayKey | Date, calendar: HolidayCalendar): boolean {
  return dayInfo(day, calendar).working
}

/** A deadline with how certain the calendar behind it is. */
export interface CalendarResult { deadline: Date; basis: DayBasis }

/**
 * The end (23:59:59.999 Beijing) of the `n`th working day after the Beijing day of `start`; the start
 * day is day 0 whatever the hour. n = 0: the end of the start day if it is a working day, else of the
 * next working day. `n` must be a whole number ≥ 0 (BAD_LIMIT otherwise).
 */
export function addWorkingDaysDetailed(start: Date, n: number, calendar: HolidayCalendar): CalendarResult {
  if (!Number.isInteger(n) || n < 0) throw new CalendarError('BAD_LIMIT', `working days must be a whole number ≥ 0, got ${n}`)
  let day = beijingDay(start)
  let info = dayInfo(day, calendar)
  let basis = info.basis
  let left = n
  if (left === 0 && info.working) return { deadline: endOfBeijingDay(day), basis }
  if (left === 0) left = 1
  while (left > 0) {
    day = addDays(day, 1)
    info = dayInfo(day, calendar)
    basis = worse(basis, info.basis)
    if (info.working) left--
  }
  return { deadline: endOfBeijingDay(day), basis }
}

/** `addWorkingDaysDetailed`'s deadline alone. */
export function addWorkingDays(start: Date, n: number, calendar: HolidayCalendar): Date {
  return addWorkingDaysDetailed(start, n, calendar).deadline
}

/**
 * Working days after the Beijing day of `from` up to and including the Beijing day of `to`
 * (0 when both fall on the same day; negative when `to` is before `from`). For example from a Friday to
 * the next Monday is 1 on an ordinary week.
 */
export function workingDaysBetween(from: Date, to: Date, calendar: HolidayCalendar): number {
  const a = beijingDay(from), b = beijingDay(to)
  if (b < a) return -workingDaysBetween(to, from, calendar)
  let count = 0
  for (let d = addDays(a, 1); d <= b; d = addDays(d, 1)) if (isWorkingDay(d, calendar)) count++
  return count
}

/** How `addWorkingHours` counts hours. */
export interface WorkingHoursOptions {
  /** 'clock' (default): around the clock; 'office': only office hours of working days */
  mode?: 'clock' | 'office'
  /** office hours [from, to) in Beijing hours of the day, default [9, 17] (mode 'office' only) */
  officeHours?: readonly [number, number]
}

/**
 * `hours` after `start`. Mode 'clock' (the default, used for urgent limits) counts every hour, nights and
 * holidays included, and needs no calendar data (basis 'official'). Mode 'office' counts only the office
 * hours of working days: a start outside them begins at the next opening.
 */
export function addWorkingHours(start: Date, hours: number, calendar: HolidayCalendar, options: WorkingHoursOptions = {}): CalendarResult {
  if (!(hours >= 0) || !Number.isFinite(hours)) throw new CalendarError('BAD_LIMIT', `hours must be ≥ 0, got ${hours}`)
  if ((options.mode ?? 'clock') === 'clock') return { deadline: new Date(start.getTime() + hours * HOUR_MS), basis: 'official' }
  const [open, close] = options.officeHours ?? [9, 17]
  if (!(open >= 0 && close <= 24 && open < close)) throw new CalendarError('BAD_LIMIT', `office hours must satisfy 0 ≤ from < to ≤ 24`)
  let left = hours * HOUR_MS
  let day = beijingDay(start)
  let basis: DayBasis = 'official'
  let first = true
  for (;;) {
    const info = dayInfo(day, calendar)
    basis = worse(basis, info.basis)
    if (info.working) {
      const dayStart = startOfBeijingDay(day).getTime()
      const from = Math.max(dayStart + open * HOUR_MS, first ? start.getTime() : 0)
      const to = dayStart + close * HOUR_MS
      if (from < to || (left === 0 && from <= to)) {
        if (from + left <= to) return { deadline: new Date(from + left), basis }
        left -= to - from
      }
    }
    first = false
    day = addDays(day, 1)
  }
}

/** A category's time limit: working days when normal, hours (around the clock) when urgent. */
export interface CategoryLimit { normal: { workingDays: number }; urgent: { hours: number } }

/** The bundled limits (data/calendar/category-limits.json), by category code. */
export const CATEGORY_LIMITS: Readonly<Record<string, CategoryLimit & { name: string; kind: string }>> = categoryLimitsFile.categories

/** The deadline of a problem, and the limit and calendar certainty behind it. */
export interface ProblemDeadline extends CalendarResult {
  /** the limit applied */
  limit: { workingDays: number } | { hours: number }
  urgent: boolean
}

/**
 * The deadline (处置时限) of a problem of `category` whose time limit starts at `reportedAt`
 * (the caller passes the start it uses: report, registration or dispatch).
 * `category` is a code of `limits` (default: the bundled CATEGORY_LIMITS; unknown code →
 * UNKNOWN_CATEGORY) or a limit object (for categories kept only in the database).
 * Normal: `addWorkingDays(reportedAt, workingDays)`; urgent: `reportedAt + hours`, around the clock.
 */
export function deadlineFor(
  category: string | CategoryLimit,
  reportedAt: Date,
  urgent: boolean,
  calendar: HolidayCalendar,
  limits: Readonly<Record<string, CategoryLimit>> = CATEGORY_LIMITS,
): ProblemDeadline {
  const limit = typeof category === 'string' ? (Object.hasOwn(limits, category) ? limits[category] : undefined) : category
  if (!limit) throw new CalendarError('UNKNOWN_CATEGORY', `问题类别「${String(category)}」没有处置时限 (no time limit for category ${String(category)})`)
  if (urgent) {
    if (!(limit.urgent.hours > 0)) throw new CalendarError('BAD_LIMIT', `urgent limit must be > 0 hours`)
    return { ...addWorkingHours(reportedAt, limit.urgent.hours, calendar), limit: { hours: limit.urgent.hours }, urgent }
  }
  if (!(limit.normal.workingDays >= 1)) throw new CalendarError('BAD_LIMIT', `normal limit must be ≥ 1 working day`)
  return { ...addWorkingDaysDetailed(reportedAt, limit.normal.workingDays, calendar), limit: { workingDays: limit.normal.workingDays }, urgent }
}
