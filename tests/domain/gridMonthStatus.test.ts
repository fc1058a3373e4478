import { describe, expect, it } from 'vitest'
import type { HolderPeriod } from '../../server/domain/holder.ts'
import type { GridGeometry } from '../../server/domain/geometry/validate.ts'
import { gridMonthStatus, type GridMonthInspection } from '../../server/domain/inspection/gridMonthStatus.ts'
import { monthStatus } from '../../server/domain/inspection/monthStatus.ts'
import { departmentRanking } from '../../server/domain/inspection/ranking.ts'
import { isBackfill, presenceFailures, provenOnSite, type PresenceContext } from '../../server/domain/inspection/presence.ts'
import { fixtureTable } from './fixtureTable.ts'

interface Input {
  month: string
  now: Date
  holders: HolderPeriod[]
  inspections: GridMonthInspection[]
  presence?: { toleranceM?: number; backfillHours?: number }
  boundaries?: { validFrom: Date; validTo: Date | null; geometry: GridGeometry }[]
}

const ctxOf = (input: Input): PresenceContext => ({
  ...input.presence,
  boundaryOn: input.boundaries
    ? (d) => input.boundaries!.find((b) => b.validFrom <= d && (b.validTo === null || d < b.validTo))?.geometry ?? null
    : undefined,
})

describe('grid-month status fixtures (tests/fixtures/month-status)', () => {
  fixtureTable<Input>('month-status', (input) => gridMonthStatus(input.month, input.holders, input.inspections, input.now, ctxOf(input)), 10)
})

describe('proof of presence', () => {
  const date = new Date('2026-10-20T09:00:00+08:00')
  it('a stored distance beyond the tolerance fails, within passes; tolerance is configurable', () => {
    expect(provenOnSite({ date, lng: 1, lat: 1, distanceOutsideM: 49 })).toBe(true)
    expect(presenceFailures({ date, lng: 1, lat: 1, distanceOutsideM: 51 })).toEqual(['outside'])
    expect(provenOnSite({ date, lng: 1, lat: 1, distanceOutsideM: 80 }, { toleranceM: 100 })).toBe(true)
  })
  it('accuracy equal to the tolerance passes, one metre worse fails', () => {
    expect(provenOnSite({ date, onSite: true, accuracyM: 50 })).toBe(true)
    expect(presenceFailures({ date, onSite: true, accuracyM: 51 })).toEqual(['poorAccuracy'])
  })
  it('a point without a boundary to judge it against is not proof', () => {
    expect(presenceFailures({ date, lng: 106.2, lat: 38.4 }, { boundaryOn: () => null })).toEqual(['boundaryUnknown'])
  })
  it('the backfill window is INSPECTION_BACKFILL_HOURS, configurable', () => {
    const recordedAt = new Date(date.getTime() + 49 * 3600_000)
    expect(isBackfill({ date, recordedAt })).toBe(true)
    expect(isBackfill({ date, recordedAt }, 72)).toBe(false)
    expect(presenceFailures({ date, recordedAt, onSite: true }, { backfillHours: 72 })).toEqual([])
    expect(presenceFailures({ date, recordedAt, onSite: true })).toEqual(['late'])
  })
})

describe('map and ranking agree (one definition of done)', () => {
  const holders = [{ departmentId: 1, validFrom: new Date('2026-01-01T00:00:00+08:00'), validTo: null }]
  const now = new Date('2026-11-05T10:00:00+08:00')
  const outside = { gridId: 9, departmentId: 1, date: new Date('2026-10-12T10:00:00+08:00'), onSite: false }
  const onSite = { ...outside, date: new Date('2026-10-13T10:00:00+08:00'), onSite: true }
  const rank = (inspections: (typeof outside)[]) => departmentRanking('2026-10', '2026-10', {
    departments: [{ id: 1, name: '甲' }], holdings: holders.map((h) => ({ ...h, gridId: 9 })), inspections, meetings: [], problems: [],
  }, now).rows[0]!
  it('an inspection outside the grid is neither green on the map nor on-site in the ranking', () => {
    expect(monthStatus('2026-10', holders, [outside], now)).toBe('missed')
    const row = rank([outside])
    expect([row.inspected, row.inspectedOnSite, row.coverage]).toEqual([1, 0, 0])
  })
  it('an on-site inspection is done on the map and covered in the ranking', () => {
    expect(monthStatus('2026-10', holders, [outside, onSite], now)).toBe('done')
    const row = rank([outside, onSite])
    expect([row.inspected, row.inspectedOnSite, row.coverage]).toEqual([1, 1, 1])
  })
  it('a late entry is done only after approval, on both surfaces', () => {
    const late = { ...onSite, recordedAt: new Date('2026-10-30T10:00:00+08:00') }
    expect(monthStatus('2026-10', holders, [late], now)).toBe('missed')
    expect(rank([late]).inspectedOnSite).toBe(0)
    const approved = { ...late, approvedAt: new Date('2026-10-31T10:00:00+08:00') }
    expect(monthStatus('2026-10', holders, [approved], now)).toBe('done')
    expect(rank([approved]).inspectedOnSite).toBe(1)
  })
})
