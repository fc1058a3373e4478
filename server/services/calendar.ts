/**
 * The holiday calendar (节假日安排) in the database and in memory.
 *
 * CalendarDay rows hold the statutory holidays (`holiday`) and adjusted working weekend days (`workday`,
 * 调休上班); CalendarYear rows mark which years are known and whether a year is provisional. The bundled
 * data/calendar/cn-holidays-<year>.json files are loaded once, for years not in the database yet
 * (`ensureBundledCalendar`, idempotent, at every start). Admins edit later years (`setCalendarDay`,
 * `removeCalendarDay`, audited). Each server keeps the calendar in memory (`HolidayStore`, held by the
 * GridCatalog) and reloads it after an edit and, on other processes, on the catalog's watch poll.
 * A year with no row at all counts Monday–Friday as working days (basis 'weekendsOnly').
 */
import { BUNDLED_HOLIDAY_YEARS, buildCalendar, CalendarError, type HolidayCalendar, type HolidayYear } from '../domain/calendar/workingDays.ts'
import { AppError, badInput, notFound } from '../domain/errors.ts'
import type { SessionUser } from '../domain/user.ts'
import type { Db } from '../db/client.ts'
import { writeAudit } from './audit.ts'

export type CalendarDayKind = 'holiday' | 'workday'

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

/** Loads the bundled years that the database does not hold yet. Idempotent; safe when two processes start together. */
export async function ensureBundledCalendar(db: Db, files: readonly HolidayYear[] = BUNDLED_HOLIDAY_YEARS): Promise<number[]> {
  const known = new Set((await db.calendarYear.findMany({ select: { year: true } })).map((y) => y.year))
  const added: number[] = []
  for (const f of files) {
    if (known.has(f.year)) continue
    try {
      await db.$transaction(async (tx) => {
        await tx.calendarYear.create({ data: { year: f.year, provisional: f.provisional === true, source: [f.source.issuer, f.source.title, f.source.number].filter(Boolean).join(' ') } })
        await tx.calendarDay.deleteMany({ where: { year: f.year } })
        await tx.calendarDay.createMany({ data: [
          ...f.holidays.map((d) => ({ day: d.date, kind: 'holiday', name: d.name, year: f.year })),
          ...f.workdays.map((d) => ({ day: d.date, kind: 'workday', name: d.name, year: f.year })),
        ] })
      })
      added.push(f.year)
    } catch (e) {
      // another process loaded the same year first (unique year): nothing to do
      if (!(await db.calendarYear.findUnique({ where: { year: f.year } }))) throw e
    }
  }
  return added
}

/** The calendar as stored in the database. */
export async function loadCalendar(db: Db): Promise<HolidayCalendar> {
  const [years, days] = await Promise.all([db.calendarYear.findMany(), db.calendarDay.findMany({ orderBy: { day: 'asc' } })])
  const files = years.map((y) => ({
    year: y.year, provisional: y.provisional, source: { issuer: '', title: y.source },
    holidays: days.filter((d) => d.year === y.year && d.kind === 'holiday').map((d) => ({ date: d.day, name: d.name })),
    workdays: days.filter((d) => d.year === y.year && d.kind === 'workday').map((d) => ({ date: d.day, name: d.name })),
  }))
  return buildCalendar(files, { missingYear: 'weekendsOnly' })
}

async function fingerprint(db: Db): Promise<string> {
  const [d, y] = await Promise.all([
    db.calendarDay.aggregate({ _count: { _all: true }, _max: { updatedAt: true } }),
    db.calendarYear.aggregate({ _count: { _all: true }, _max: { updatedAt: true } }),
  ])
  return `${d._count._all}:${d._max.updatedAt?.getTime() ?? 0}:${y._count._all}:${y._max.updatedAt?.getTime() ?? 0}`
}

/** The holiday calendar in memory, reloaded from the database after edits and when another process changed it. */
export class HolidayStore {
  /** until the first load: the bundled years */
  calendar: HolidayCalendar = buildCalendar(BUNDLED_HOLIDAY_YEARS, { missingYear: 'weekendsOnly' })
  private print = ''

  async reload(db: Db): Promise<void> {
    const print = await fingerprint(db)
    this.calendar = await loadCalendar(db)
    this.print = print
  }

  async reloadIfChanged(db: Db): Promise<boolean> {
    if ((await fingerprint(db)) === this.print) return false
    await this.reload(db)
    return true
  }
}

/** calendar.list: the days of a year and whether the year is known / provisional. */
export async function listCalendar(db: Db, year: number) {
  const [y, days] = await Promise.all([
    db.calendarYear.findUnique({ where: { year } }),
    db.calendarDay.findMany({ where: { year }, orderBy: { day: 'asc' } }),
  ])
  return {
    year, known: y !== null, provisional: y?.provisional ?? false, source: y?.source ?? '',
    days: days.map((d) => ({ day: d.day, kind: d.kind as CalendarDayKind, name: d.name })),
  }
}

function checkDay(day: string): number {
  const m = DAY.exec(day)
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN
  if (!m || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) throw badInput(`日期 ${day} 无效，应为 YYYY-MM-DD`, 'CALENDAR_BAD_DAY')
  return t
}

/**
 * calendar.set: marks a day as a holiday (放假) or an adjusted working day (调休上班, weekends only).
 * A year not in the calendar yet is added (not provisional: the admin enters the published notice).
 * Audited; `store` is reloaded.
 */
export async function setCalendarDay(db: Db, store: HolidayStore, user: SessionUser, input: { day: string; kind: CalendarDayKind; name: string }, now: Date) {
  const t = checkDay(input.day)
  const weekday = new Date(t).getUTCDay()
  if (input.kind === 'workday' && weekday !== 0 && weekday !== 6) throw badInput(`${input.day} 是工作日，只有周末可以设为调休上班`, 'CALENDAR_WORKDAY_NOT_WEEKEND')
  const year = Number(input.day.slice(0, 4))
  const name = input.name.trim()
  if (!name) throw badInput('请填写节日名称', 'CALENDAR_BAD_DAY')
  await db.$transaction(async (tx) => {
    const before = await tx.calendarDay.findUnique({ where: { day: input.day } })
    if (!(await tx.calendarYear.findUnique({ where: { year } }))) await tx.calendarYear.create({ data: { year, provisional: false, source: `admin ${user.login}` } })
    await tx.calendarDay.upsert({ where: { day: input.day }, create: { day: input.day, kind: input.kind, name, year }, update: { kind: input.kind, name } })
    await writeAudit(tx, { actorId: user.id, action: 'calendar.set', entity: 'CalendarDay', entityId: input.day, before: before ? { kind: before.kind, name: before.name } : null, after: { kind: input.kind, name }, at: now })
  })
  await reloadStore(db, store)
  return listCalendar(db, year)
}

/** calendar.remove: the day goes back to the weekly rule (Mon–Fri working). Audited; `store` is reloaded. */
export async function removeCalendarDay(db: Db, store: HolidayStore, user: SessionUser, input: { day: string }, now: Date) {
  checkDay(input.day)
  const year = Number(input.day.slice(0, 4))
  await db.$transaction(async (tx) => {
    const before = await tx.calendarDay.findUnique({ where: { day: input.day } })
    if (!before) throw notFound(`日历中的 ${input.day}`, 'CALENDAR_DAY_NOT_FOUND')
    await tx.calendarDay.delete({ where: { day: input.day } })
    await tx.calendarYear.update({ where: { year }, data: { updatedAt: now } })
    await writeAudit(tx, { actorId: user.id, action: 'calendar.remove', entity: 'CalendarDay', entityId: input.day, before: { kind: before.kind, name: before.name }, at: now })
  })
  await reloadStore(db, store)
  return listCalendar(db, year)
}

/**
 * calendar.setYear: marks a year as entered from the State Council notice (provisional false, with its
 * source) or as provisional. Audited; `store` is reloaded.
 */
export async function setCalendarYear(db: Db, store: HolidayStore, user: SessionUser, input: { year: number; provisional: boolean; source: string }, now: Date) {
  await db.$transaction(async (tx) => {
    const before = await tx.calendarYear.findUnique({ where: { year: input.year } })
    const data = { provisional: input.provisional, source: input.source.trim() }
    await tx.calendarYear.upsert({ where: { year: input.year }, create: { year: input.year, ...data }, update: data })
    await writeAudit(tx, { actorId: user.id, action: 'calendar.setYear', entity: 'CalendarYear', entityId: input.year, before: before ? { provisional: before.provisional, source: before.source } : null, after: data, at: now })
  })
  await reloadStore(db, store)
  return listCalendar(db, input.year)
}

async function reloadStore(db: Db, store: HolidayStore) {
  try {
    await store.reload(db)
  } catch (e) {
    if (e instanceof CalendarError) throw new AppError('CONFLICT', 'CALENDAR_INVALID', `节假日日历无效：${e.message}`)
    throw e
  }
}
