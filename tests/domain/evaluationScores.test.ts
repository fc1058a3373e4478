import { describe, expect, it } from 'vitest'
import { aggregateScores, type ScoreLine } from '../../server/domain/evaluation/scores.ts'

// Hand-computed fixture (points):
//   site 1 农贸市场 street 10 dept 100: 10 max/2 lost, 5/0          → 15 max, 2 lost  → 13/15
//   site 2 农贸市场 street 20 dept 200: 10/5, 5/5                   → 15 max, 10 lost → 5/15
//   site 3 学校     street 10 dept 200: 8/0, 2/3 (clamped to 2)     → 10 max, 2 lost  → 8/10
//   农贸市场 30/12 → 0.6; 学校 0.8; street 10: 25/4 → 0.84; street 20: 1/3
//   dept 100: 13/15; dept 200: 25 max, 12 lost → 0.52 (NOT the mean of site rates, 0.5667)
//   overall: 40 max, 14 lost → 0.65
const line = (mockSiteId: number, siteType: string, streetId: number, departmentId: number, maxPoints: number, lostPoints: number): ScoreLine =>
  ({ mockSiteId, siteType, streetId, departmentId, maxPoints, lostPoints })
const lines = [
  line(1, '农贸市场', 10, 100, 10, 2), line(1, '农贸市场', 10, 100, 5, 0),
  line(2, '农贸市场', 20, 200, 10, 5), line(2, '农贸市场', 20, 200, 5, 5),
  line(3, '学校', 10, 200, 8, 0), line(3, '学校', 10, 200, 2, 3),
]

describe('score aggregation (得分率)', () => {
  const a = aggregateScores(lines)
  it('overall', () => {
    expect(a.overall).toMatchObject({ maxPoints: 40, lostPoints: 14, score: 26, entries: 6 })
    expect(a.overall!.rate).toBeCloseTo(0.65, 10)
  })
  it('per site', () => {
    expect(a.bySite.map((r) => r.key)).toEqual([1, 2, 3])
    expect(a.bySite[0]!.rate).toBeCloseTo(13 / 15, 10)
    expect(a.bySite[1]!.rate).toBeCloseTo(5 / 15, 10)
    expect(a.bySite[2]).toMatchObject({ maxPoints: 10, lostPoints: 2 })
    expect(a.bySite[2]!.rate).toBeCloseTo(0.8, 10)
  })
  it('per type, street and department (points-weighted)', () => {
    expect(Object.fromEntries(a.byType.map((r) => [r.key, r.rate]))).toEqual({ 农贸市场: 0.6, 学校: 0.8 })
    expect(a.byStreet.find((r) => r.key === 10)!.rate).toBeCloseTo(0.84, 10)
    expect(a.byStreet.find((r) => r.key === 20)!.rate).toBeCloseTo(1 / 3, 10)
    expect(a.byDepartment.find((r) => r.key === 100)!.rate).toBeCloseTo(13 / 15, 10)
    expect(a.byDepartment.find((r) => r.key === 200)!.rate).toBeCloseTo(0.52, 10)
  })
  it('no entries: no overall, empty groups; zero max points gives a null rate', () => {
    expect(aggregateScores([]).overall).toBeNull()
    expect(aggregateScores([line(1, '学校', 1, 1, 0, 0)]).overall!.rate).toBeNull()
  })
})
