import { describe, expect, it } from 'vitest'
import { addMonths, chinaDate, daysLeftInMonth, monthOf, monthRange } from '../../server/domain/time.ts'
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
