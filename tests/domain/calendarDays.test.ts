/** The date picker's calendar-day helpers (client/ui/calendarDays.ts). */
import { describe, expect, it } from 'vitest'
import { addMonthsDay, isCalendarDay, monthStart, normaliseDay, weekdayOf } from '../../client/ui/calendarDays.ts'

describe('calendar days', () => {
  it('knows real days', () => {
    expect(isCalendarDay('2026-02-28')).toBe(true)
    expect(isCalendarDay('2026-02-29')).toBe(false)
    expect(isCalendarDay('2028-02-29')).toBe(true)
    expect(isCalendarDay('2026-13-01')).toBe(false)
    expect(isCalendarDay('2026-1-01')).toBe(false)
  })
  it('reads loosely typed days', () => {
    expect(normaliseDay('2026/3/1')).toBe('2026-03-01')
    expect(normaliseDay('2026.03.01')).toBe('2026-03-01')
    expect(normaliseDay('2026年3月1日')).toBe('2026-03-01')
    expect(normaliseDay(' 2026-12-31 ')).toBe('2026-12-31')
    expect(normaliseDay('2026-02-30')).toBeNull()
    expect(normaliseDay('3/1/2026')).toBeNull()
  })
  it('weeks start on Monday', () => {
    expect(weekdayOf('2026-11-30')).toBe(0) // a Monday
    expect(weekdayOf('2026-12-06')).toBe(6) // a Sunday
    expect(monthStart('2026-11-30')).toBe('2026-11-01')
  })
  it('moves by months, keeping the day where it exists', () => {
    expect(addMonthsDay('2026-01-31', 1)).toBe('2026-02-28')
    expect(addMonthsDay('2026-12-15', 1)).toBe('2027-01-15')
    expect(addMonthsDay('2026-01-15', -1)).toBe('2025-12-15')
  })
})
