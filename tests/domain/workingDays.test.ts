import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  addWorkingDays, addWorkingHours, buildCalendar, bundledCalendar, CalendarError, CATEGORY_LIMITS, deadlineFor, endOfBeijingDay,
  isWorkingDay, workingDaysBetween, type CategoryLimit,
} from '../../server/domain/calendar/workingDays.ts'
import { fixtureTable } from './fixtureTable.ts'

interface Input { category: string | CategoryLimit; reportedAt: Date; urgent: boolean; missingYear?: 'error' | 'weekendsOnly' }

describe('deadline fixtures (tests/fixtures/deadlines)', () => {
  fixtureTable<Input>('deadlines', (input) => {
    try {
      return deadlineFor(input.category, input.reportedAt, input.urgent, bundledCalendar({ missingYear: input.missingYear }))
    } catch (e) {
      if (e instanceof CalendarError) return { error: e.code }
      throw e
    }
  }, 10)
})

describe('the holiday calendar', () => {
  const cal = bundledCalendar()
  it('knows the 2026 National Day week and its adjusted working weekend days', () => {
    expect(isWorkingDay('2026-10-01', cal)).toBe(false)
    expect(isWorkingDay('2026-10-07', cal)).toBe(false)
    expect(isWorkingDay('2026-10-08', cal)).toBe(true)
    expect(isWorkingDay('2026-10-10', cal)).toBe(true) // Saturday 调休上班
    expect(isWorkingDay('2026-09-20', cal)).toBe(true) // Sunday 调休上班
    expect(isWorkingDay('2026-10-11', cal)).toBe(false) // ordinary Sunday
  })
  it('judges an instant by its Beijing day', () => {
    // 23:30 UTC on Fri 9 Oct 2026 is 07:30 on Sat 10 Oct in Beijing (a working Saturday)
    expect(isWorkingDay(new Date('2026-10-09T23:30:00Z'), cal)).toBe(true)
    expect(isWorkingDay(new Date('2026-10-10T16:30:00Z'), cal)).toBe(false) // 00:30 Sun 11 Oct Beijing
  })
  it('every bundled year file: holidays and workdays well-formed, 2025 and 2026 official, 2027 provisional', () => {
    expect([...cal.years.keys()]).toEqual([2025, 2026, 2027])
    expect(cal.years.get(2025)!.provisional).toBe(false)
    expect(cal.years.get(2026)!.provisional).toBe(false)
    expect(cal.years.get(2027)!.provisional).toBe(true)
    // counts as in the notices: 2025: 1+8+3+5+3+8 = 28 days off, 5 adjusted days; 2026: 3+9+3+5+3+3+7 = 33, 6
    expect([cal.years.get(2025)!.holidays.size, cal.years.get(2025)!.workdays.size]).toEqual([28, 5])
    expect([cal.years.get(2026)!.holidays.size, cal.years.get(2026)!.workdays.size]).toEqual([33, 6])
  })
  it('refuses a malformed calendar', () => {
    const base = { year: 2030, source: { issuer: 'x', title: 'y' }, holidays: [], workdays: [] }
    expect(() => buildCalendar([{ ...base, workdays: [{ date: '2030-01-02', name: 'x' }] }])).toThrow(/weekday/)
    expect(() => buildCalendar([{ ...base, holidays: [{ date: '2031-01-01', name: 'x' }] }])).toThrow(/not in year/)
    expect(() => buildCalendar([base, base])).toThrow(/twice/)
    expect(() => buildCalendar([{ ...base, holidays: [{ date: '2030-02-30', name: 'x' }] }])).toThrow(/invalid day/)
  })
  it('every bundled category limit is positive', () => {
    const limits = Object.values(CATEGORY_LIMITS)
    expect(limits.length).toBeGreaterThanOrEqual(20)
    for (const l of limits) { expect(l.normal.workingDays).toBeGreaterThanOrEqual(1); expect(l.urgent.hours).toBeGreaterThan(0) }
  })
  it('the data files name their source notice', () => {
    for (const y of [2025, 2026]) expect(JSON.parse(fs.readFileSync(`data/calendar/cn-holidays-${y}.json`, 'utf8')).source.title).toContain(`关于${y}年部分节假日安排的通知`)
  })
})

describe('working-day arithmetic', () => {
  const cal = bundledCalendar()
  it('end of day is 23:59:59.999 Beijing, displayed as that day', () => {
    expect(endOfBeijingDay('2026-10-13').toISOString()).toBe('2026-10-13T15:59:59.999Z')
  })
  it('addWorkingDays with 0 ends today on a working day, else the next working day', () => {
    expect(addWorkingDays(new Date('2026-11-30T10:00:00+08:00'), 0, cal).toISOString()).toBe('2026-11-30T15:59:59.999Z')
    expect(addWorkingDays(new Date('2026-10-03T10:00:00+08:00'), 0, cal).toISOString()).toBe('2026-10-08T15:59:59.999Z')
    expect(() => addWorkingDays(new Date(), -1, cal)).toThrow(CalendarError)
    expect(() => addWorkingDays(new Date(), 1.5, cal)).toThrow(CalendarError)
  })
  it('workingDaysBetween counts the days after the first up to and including the last', () => {
    const fri = new Date('2026-11-27T10:00:00+08:00'), mon = new Date('2026-11-30T09:00:00+08:00')
    expect(workingDaysBetween(fri, mon, cal)).toBe(1)
    expect(workingDaysBetween(mon, fri, cal)).toBe(-1)
    expect(workingDaysBetween(fri, fri, cal)).toBe(0)
    // 30 Sep → 13 Oct 2026: 8, 9, 10 (Sat 调休), 12, 13 Oct
    expect(workingDaysBetween(new Date('2026-09-30T10:00:00+08:00'), new Date('2026-10-13T10:00:00+08:00'), cal)).toBe(5)
  })
  it('addWorkingHours counts around the clock by default, office hours on request', () => {
    const fri16 = new Date('2026-11-27T16:00:00+08:00')
    expect(addWorkingHours(fri16, 4, cal).deadline.toISOString()).toBe('2026-11-27T12:00:00.000Z') // 20:00 Fri
    // office 9–17: 1 h on Friday, 3 h on Monday → Mon 12:00
    expect(addWorkingHours(fri16, 4, cal, { mode: 'office' }).deadline.toISOString()).toBe('2026-11-30T04:00:00.000Z')
    // office hours skip 国庆: from 30 Sep 16:00, 2 h → 8 Oct 10:00
    expect(addWorkingHours(new Date('2026-09-30T16:00:00+08:00'), 2, cal, { mode: 'office' }).deadline.toISOString()).toBe('2026-10-08T02:00:00.000Z')
  })
})
