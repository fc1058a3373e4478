import { describe, expect, it } from 'vitest'
import {
  addDays, addMonths, chinaDate, chinaInstant, dayOf, daysLeftInMonth, endOfChinaDay, formatDate, formatDateTime, formatDeadline,
  formatMonth, instantForDay, monthOf, monthRange, startOfChinaDay, thisMonth, todayInChina, w3cChinaDateTime, yearOf,
} from '../../server/domain/time.ts'
import { BUNDLED_CALENDAR, problemDeadline } from '../../server/domain/problem/workflow.ts'
import { holderOn } from '../../server/domain/holder.ts'

describe('months in Asia/Shanghai', () => {
  it('an instant late on the last evening of a month (China time) belongs to that month', () => {
    expect(monthOf(new Date('2026-10-31T23:30:00+08:00'))).toBe('2026-10')
    expect(monthOf(new Date('2026-10-31T16:00:00Z'))).toBe('2026-11') // = Nov 1st 00:00 in China
    expect(monthOf(new Date('2026-10-31T15:59:59.999Z'))).toBe('2026-10')
  })
  it('monthRange is [1st 00:00 China time, next 1st) and handles December', () => {
    const { start, end } = monthRange('2026-12')
    expect(start.toISOString()).toBe('2026-11-30T16:00:00.000Z')
    expect(end.toISOString()).toBe('2026-12-31T16:00:00.000Z')
    expect(() => monthRange('2026-13')).toThrow(/invalid month/)
  })
  it('addMonths crosses years both ways', () => {
    expect(addMonths('2026-11', 2)).toBe('2027-01')
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2026-03', -14)).toBe('2025-01')
  })
  it('chinaDate is midnight China time', () => {
    expect(chinaDate('2026-03-01').toISOString()).toBe('2026-02-28T16:00:00.000Z')
    expect(() => chinaDate('2026/03/01')).toThrow()
  })
  it('days left counts today', () => {
    expect(daysLeftInMonth(new Date('2026-11-30T09:00:00+08:00'))).toBe(1)
    expect(daysLeftInMonth(new Date('2026-11-01T00:00:00+08:00'))).toBe(30)
    expect(daysLeftInMonth(new Date('2026-02-15T12:00:00+08:00'))).toBe(14)
  })
})

describe('holderOn', () => {
  const periods = [
    { departmentId: 1, validFrom: chinaDate('2025-01-01'), validTo: chinaDate('2026-03-01') },
    { departmentId: 2, validFrom: chinaDate('2026-03-01'), validTo: null },
  ]
  it('picks the period covering the instant; validTo is exclusive', () => {
    expect(holderOn(periods, new Date('2026-02-28T23:59:59+08:00'))?.departmentId).toBe(1)
    expect(holderOn(periods, chinaDate('2026-03-01'))?.departmentId).toBe(2)
    expect(holderOn(periods, chinaDate('2024-12-31'))).toBeNull()
  })
})

describe('the Beijing calendar for display', () => {
  it('a UTC instant before 08:00 Beijing belongs to the Beijing day (not the UTC day before)', () => {
    // 2026-12-03 07:30 Beijing = 2026-12-02T23:30Z
    const early = new Date(Date.UTC(2026, 11, 2, 23, 30))
    expect(dayOf(early)).toBe('2026-12-03')
    expect(todayInChina(early)).toBe('2026-12-03')
    expect(formatDate(early.toISOString())).toBe('2026-12-03')
    expect(formatDateTime(early)).toBe('2026-12-03 07:30')
    expect(thisMonth(new Date(Date.UTC(2026, 10, 30, 16, 0)))).toBe('2026-12')
  })
  it('a boundary version effective from a Beijing day shows that day, not the day before', () => {
    const from = startOfChinaDay('2026-12-03')
    expect(from.toISOString()).toBe('2026-12-02T16:00:00.000Z')
    expect(formatDate(from)).toBe('2026-12-03')
  })
  it('a deadline at the end of a day shows as that day, never the next day at 00:00', () => {
    const end = endOfChinaDay('2026-12-03')
    expect(end.toISOString()).toBe('2026-12-03T16:00:00.000Z')
    expect(formatDeadline(end)).toBe('2026-12-03')
    expect(formatDeadline(end.toISOString(), true)).toBe('2026-12-03 23:59')
    // the workflow's own rule (problemDeadline) ends on a Beijing midnight too
    const due = problemDeadline(new Date(Date.UTC(2026, 11, 1, 2, 0)), { normal: { workingDays: 2 }, urgent: { hours: 4 } }, 'normal', BUNDLED_CALENDAR)
    expect(formatDeadline(due)).toBe('2026-12-03')
    // a deadline at another time of day keeps its time
    expect(formatDeadline(chinaInstant('2026-12-03', '18:30'), true)).toBe('2026-12-03 18:30')
    expect(formatDeadline(null)).toBe('—')
  })
  it('days, instants and W3C times', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28')
    expect(chinaInstant('2026-12-03', '12:00').toISOString()).toBe('2026-12-03T04:00:00.000Z')
    expect(yearOf(new Date(Date.UTC(2026, 11, 31, 17, 0)))).toBe(2027)
    expect(w3cChinaDateTime(new Date(Date.UTC(2026, 10, 23, 11, 22, 8)))).toBe('2026-11-23T19:22:08+08:00')
    const now = new Date(Date.UTC(2026, 11, 2, 23, 30))
    expect(instantForDay('2026-12-03', '12:00', now)).toBe(now.toISOString())
    expect(instantForDay('2026-12-01', '15:00', now)).toBe('2026-12-01T07:00:00.000Z')
    expect(formatMonth('2026-11', 'zh-CN')).toBe('2026年11月')
    expect(formatMonth('2026-11', 'en')).toBe('Nov 2026')
  })
})
