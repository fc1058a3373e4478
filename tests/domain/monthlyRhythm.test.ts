/** The monthly rhythm's rules: month boundaries (Asia/Shanghai), mid-month handovers, proof of presence, ranking. */
import { destination } from '@turf/turf'
import type { Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { monthStatus } from '../../server/domain/inspection/monthStatus.ts'
import { checkPresence } from '../../server/domain/inspection/presence.ts'
import { departmentRanking, gridMonths, monthsBetween, trend, type RankingInput } from '../../server/domain/inspection/ranking.ts'
import { DEFAULT_THEMES, parseChecklist, themeFor } from '../../server/domain/inspection/themes.ts'
import { daysLeftInMonth, monthOf } from '../../server/domain/time.ts'

const at = (iso: string) => new Date(iso)
const NOV_5 = at('2026-11-05T10:00:00+08:00')

describe('month boundaries in Asia/Shanghai', () => {
  it('an inspection at 23:30 on 31 October (UTC+8) belongs to October, midnight to November', () => {
    expect(monthOf(at('2026-10-31T23:30:00+08:00'))).toBe('2026-10')
    expect(monthOf(at('2026-11-01T00:00:00+08:00'))).toBe('2026-11')
    expect(monthOf(at('2026-10-31T16:00:00Z'))).toBe('2026-11') // = 1 Nov 00:00 in China
  })

  it('judges the late-evening inspection in October: done in October, nothing in November', () => {
    const holders = [{ departmentId: 1, validFrom: at('2025-01-01T00:00:00+08:00'), validTo: null }]
    const late = [{ departmentId: 1, date: at('2026-10-31T23:30:00+08:00'), onSite: true }]
    expect(monthStatus('2026-10', holders, late, NOV_5)).toBe('done')
    expect(monthStatus('2026-11', holders, late, NOV_5)).toBe('pending')
    expect(monthStatus('2026-11', holders, late, at('2026-12-01T00:00:00+08:00'))).toBe('missed')
  })

  it('counts the days left in the month, today included', () => {
    expect(daysLeftInMonth(at('2026-11-23T19:00:00+08:00'))).toBe(8)
    expect(daysLeftInMonth(at('2026-11-30T23:59:59+08:00'))).toBe(1)
    expect(daysLeftInMonth(at('2026-12-01T00:00:00+08:00'))).toBe(31)
    expect(daysLeftInMonth(at('2026-02-01T08:00:00+08:00'))).toBe(28)
  })
})

describe('holder change on the 15th', () => {
  const handover = at('2026-10-15T00:00:00+08:00')
  const holders = [
    { departmentId: 1, validFrom: at('2025-01-01T00:00:00+08:00'), validTo: handover },
    { departmentId: 2, validFrom: handover, validTo: null },
  ]
  it("the old holder's inspection before the 15th counts", () => {
    expect(monthStatus('2026-10', holders, [{ departmentId: 1, date: at('2026-10-10T10:00:00+08:00'), onSite: true }], NOV_5)).toBe('done')
  })
  it("the new holder's inspection after the 15th counts", () => {
    expect(monthStatus('2026-10', holders, [{ departmentId: 2, date: at('2026-10-20T10:00:00+08:00'), onSite: true }], NOV_5)).toBe('done')
  })
  it('neither counts outside its own holding period', () => {
    const wrong = [
      { departmentId: 1, date: at('2026-10-20T10:00:00+08:00'), onSite: true },
      { departmentId: 2, date: at('2026-10-10T10:00:00+08:00'), onSite: true },
    ]
    expect(monthStatus('2026-10', holders, wrong, NOV_5)).toBe('missed')
  })
  it('a grid handed over mid-month and never inspected is the new holder\'s miss', () => {
    const gm = gridMonths(['2026-10'], holders.map((h) => ({ ...h, gridId: 7 })), [], NOV_5)
    expect(gm).toEqual([{ gridId: 7, month: '2026-10', departmentId: 2, status: 'missed', onSite: false, state: 'missed' }])
  })
  it('an inspection not proven on site (outside, or no location) never makes the month done', () => {
    const outside = [{ departmentId: 2, date: at('2026-10-20T10:00:00+08:00'), onSite: false }]
    expect(monthStatus('2026-10', holders, outside, NOV_5)).toBe('missed')
    const noLocation = [{ departmentId: 2, date: at('2026-10-20T10:00:00+08:00'), onSite: null }]
    expect(monthStatus('2026-10', holders, noLocation, NOV_5)).toBe('missed')
  })
})

describe('proof of presence', () => {
  // a square of about 1.1 km at Baoji
  const grid: Polygon = { type: 'Polygon', coordinates: [[[107.10, 34.30], [107.11, 34.30], [107.11, 34.31], [107.10, 34.31], [107.10, 34.30]]] }
  const eastOfEdge = (m: number) => destination([107.11, 34.305], m / 1000, 90).geometry.coordinates as [number, number]

  it('inside the grid: on site, 0 m outside', () => {
    expect(checkPresence(grid, 107.105, 34.305)).toEqual({ onSite: true, distanceOutside: 0 })
  })
  it('just outside, within the tolerance: on site, with the distance recorded', () => {
    const [lng, lat] = eastOfEdge(30)
    const r = checkPresence(grid, lng, lat, 50)
    expect(r.onSite).toBe(true)
    expect(r.distanceOutside).toBeGreaterThan(27)
    expect(r.distanceOutside).toBeLessThan(33)
  })
  it('the same point with no tolerance is not on site', () => {
    const [lng, lat] = eastOfEdge(30)
    expect(checkPresence(grid, lng, lat, 0).onSite).toBe(false)
  })
  it('far outside: not on site', () => {
    const [lng, lat] = eastOfEdge(400)
    const r = checkPresence(grid, lng, lat, 50)
    expect(r.onSite).toBe(false)
    expect(r.distanceOutside).toBeGreaterThan(390)
  })
})

describe('department ranking on a hand-computed fixture', () => {
  const A = 1, B = 2, C = 3
  const since = at('2025-01-01T00:00:00+08:00')
  const handover = at('2026-10-15T00:00:00+08:00')
  const d = (iso: string) => at(`${iso}+08:00`)
  const input: RankingInput = {
    departments: [{ id: A, name: '甲局' }, { id: B, name: '乙局' }, { id: C, name: '丙局' }],
    holdings: [
      { gridId: 1, departmentId: A, validFrom: since, validTo: null },
      { gridId: 2, departmentId: A, validFrom: since, validTo: handover },
      { gridId: 2, departmentId: B, validFrom: handover, validTo: null },
      { gridId: 3, departmentId: B, validFrom: since, validTo: null },
    ],
    inspections: [
      { gridId: 1, departmentId: A, date: d('2026-09-10T10:00:00'), onSite: true },
      { gridId: 1, departmentId: A, date: d('2026-10-31T23:30:00'), onSite: true },
      { gridId: 2, departmentId: A, date: d('2026-09-05T10:00:00'), onSite: false },
      { gridId: 3, departmentId: B, date: d('2026-09-20T10:00:00'), onSite: true },
      { gridId: 3, departmentId: B, date: d('2026-10-01T00:10:00'), onSite: true },
    ],
    meetings: [
      { departmentId: A, month: '2026-09' }, { departmentId: A, month: '2026-09' }, { departmentId: A, month: '2026-10' },
      { departmentId: A, month: '2026-11' }, { departmentId: B, month: '2026-10' },
    ],
    problems: [
      { departmentId: A, status: 'closed', reportedAt: d('2026-09-01T09:00:00'), deadline: d('2026-09-10T09:00:00'), closedAt: d('2026-09-08T09:00:00') },
      { departmentId: A, status: 'closed', reportedAt: d('2026-09-01T09:00:00'), deadline: d('2026-09-10T09:00:00'), closedAt: d('2026-09-20T09:00:00') },
      { departmentId: A, status: 'rectifying', reportedAt: d('2026-10-20T09:00:00'), deadline: d('2026-10-25T09:00:00'), closedAt: null },
      { departmentId: A, status: 'closed', reportedAt: d('2026-08-01T09:00:00'), deadline: d('2026-08-10T09:00:00'), closedAt: d('2026-08-20T09:00:00') },
      { departmentId: B, status: 'closed', reportedAt: d('2026-10-01T09:00:00'), deadline: d('2026-10-10T09:00:00'), closedAt: d('2026-11-02T09:00:00') },
      { departmentId: B, status: 'closed', reportedAt: d('2026-10-01T09:00:00'), deadline: d('2026-10-30T09:00:00'), closedAt: d('2026-10-29T09:00:00') },
      { departmentId: B, status: 'voided', reportedAt: d('2026-10-02T09:00:00'), deadline: d('2026-10-03T09:00:00'), closedAt: null },
      { departmentId: null, status: 'reported', reportedAt: d('2026-10-02T09:00:00'), deadline: d('2026-10-03T09:00:00'), closedAt: null },
    ],
  }

  it('September–October: figures per department and the order', () => {
    const r = departmentRanking('2026-09', '2026-10', input, NOV_5)
    expect(r.months).toEqual(['2026-09', '2026-10'])
    expect(r.rows.map((x) => x.departmentName)).toEqual(['乙局', '甲局']) // 丙局 has nothing and is left out
    const [b, a] = r.rows as [typeof r.rows[number], typeof r.rows[number]]
    // 甲局: g1 Sep + Oct on site, g2 Sep inspected but not on site (unverified: inspected, not done, not missed either)
    expect(a).toMatchObject({ rank: 2, gridMonths: 3, inspected: 3, inspectedOnSite: 2, unverified: 1, missed: 0, meetingsHeld: 2, months: 2, meetingRate: 1, closed: 2, closedOnTime: 1, onTimeRate: 0.5, overdue: 1 })
    expect(a.coverage).toBeCloseTo(2 / 3)
    // 乙局: g3 Sep + Oct on site, g2 Oct handed over and never inspected = missed
    expect(b).toMatchObject({ rank: 1, gridMonths: 3, inspected: 2, inspectedOnSite: 2, unverified: 0, missed: 1, meetingsHeld: 1, meetingRate: 0.5, closed: 1, closedOnTime: 1, onTimeRate: 1, overdue: 1 })
    expect(b.coverage).toBeCloseTo(2 / 3)
    expect(r.totals).toMatchObject({ gridMonths: 6, inspectedOnSite: 4, unverified: 1, missed: 1, meetingsHeld: 3, closed: 3, closedOnTime: 2, overdue: 2 })
    expect(r.totals.coverage).toBeCloseTo(4 / 6)
    expect(r.totals.meetingRate).toBeCloseTo(3 / 4)
  })

  it('October alone: 甲局 covered everything, 乙局 half', () => {
    const r = departmentRanking('2026-10', '2026-10', input, NOV_5)
    expect(r.rows.map((x) => [x.departmentName, x.gridMonths, x.inspectedOnSite, x.missed])).toEqual([['甲局', 1, 1, 0], ['乙局', 2, 1, 1]])
    expect(r.rows.find((x) => x.departmentId === B)!.closed).toBe(1)
  })

  it('the running month is pending, not missed; future months have no duty', () => {
    const r = departmentRanking('2026-11', '2026-12', input, NOV_5)
    expect(r.months).toEqual(['2026-11'])
    expect(r.totals).toMatchObject({ gridMonths: 3, pending: 3, missed: 0, inspectedOnSite: 0 })
    expect(r.rows.find((x) => x.departmentId === A)!.meetingsHeld).toBe(1)
  })

  it('trend: one point per month with each department\'s coverage', () => {
    const t = trend(monthsBetween('2026-09', '2026-10'), input, NOV_5)
    expect(t.overall.map((p) => p.missed)).toEqual([0, 1]) // Sep: g2 inspected off site is unverified (not done, not missed); Oct: g2 never inspected
    expect(t.overall[0]!.coverage).toBeCloseTo(2 / 3) // Sep: g1 + g3 on site, g2 not
    expect(t.overall[1]!.coverage).toBeCloseTo(2 / 3)
    expect(t.departments.find((x) => x.departmentId === A)!.coverage).toEqual([0.5, 1])
    expect(t.departments.find((x) => x.departmentId === B)!.coverage).toEqual([1, 0.5])
  })

  it('monthsBetween spans years and is empty when reversed', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02'])
    expect(monthsBetween('2026-02', '2026-01')).toEqual([])
  })
})

describe('month theme (一月一主题)', () => {
  it('falls back to the default theme of the calendar month', () => {
    const t = themeFor('2026-04')
    expect(t).toMatchObject({ month: '2026-04', title: DEFAULT_THEMES[3]!.title, configured: false })
    expect(t.checklist).toEqual([...DEFAULT_THEMES[3]!.checklist])
    expect(t.checklist.length).toBeGreaterThan(0) // a default month has items to tick
    expect(DEFAULT_THEMES).toHaveLength(12)
  })
  it('uses the configured theme when there is one', () => {
    expect(themeFor('2026-04', { title: '自定主题', checklist: ['甲', '乙'] })).toEqual({ month: '2026-04', title: '自定主题', checklist: ['甲', '乙'], configured: true })
  })
  it('parses stored checklists defensively', () => {
    expect(parseChecklist('["a",1,"b"]')).toEqual(['a', 'b'])
    expect(parseChecklist('not json')).toEqual([])
  })
})
