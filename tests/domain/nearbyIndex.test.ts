/**
 * The bulk forms of the boundary flag and the rebound search (server/domain/problem/nearby.ts) give
 * exactly the answers of the plain scans, on random grids, points and closed problems.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { boundaryCandidates, boundaryGridIndex, findRebound, reboundIndex, type BoundaryGrid } from '../../server/domain/problem/nearby.ts'

/** a 10 × 10 block of square grids of ~110 m, some with a second square (MultiPolygon) */
function blockOfGrids(): BoundaryGrid[] {
  const out: BoundaryGrid[] = []
  const s = 0.001
  for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) {
    const x = 107 + i * s, y = 34 + j * s
    const sq = (x0: number, y0: number, w: number) => [[[x0, y0], [x0 + w, y0], [x0 + w, y0 + w], [x0, y0 + w], [x0, y0]]]
    const id = i * 10 + j + 1
    const geometry = id % 7 === 0
      ? { type: 'MultiPolygon' as const, coordinates: [sq(x, y, s), sq(x + 0.02, y, s / 2)] }
      : { type: 'Polygon' as const, coordinates: sq(x, y, s) }
    const bbox: [number, number, number, number] = id % 7 === 0 ? [x, y, x + 0.02 + s / 2, y + s] : [x, y, x + s, y + s]
    out.push({ id, geometry, bbox })
  }
  return out
}

describe('spatial indexes for bulk flags', () => {
  const grids = blockOfGrids()
  const gridIndex = boundaryGridIndex(grids)

  it('boundary candidates: the index gives the scan’s answer', () => {
    fc.assert(fc.property(
      fc.double({ min: 106.999, max: 107.032, noNaN: true }), fc.double({ min: 33.999, max: 34.011, noNaN: true }),
      fc.integer({ min: 0, max: 101 }), fc.constantFrom(5, 30, 80),
      (lng, lat, own, distanceM) => {
        const ownId = own === 0 ? null : own
        expect(gridIndex.candidates(lng, lat, ownId, { distanceM })).toEqual(boundaryCandidates(lng, lat, ownId, grids, { distanceM }))
      }), { numRuns: 400 })
  })

  it('at least some points are flagged (the property is not vacuous)', () => {
    expect(gridIndex.candidates(107.0012, 34.0005, 11, { distanceM: 30 }).map((c) => c.gridId)).toEqual([1]) // ≈ 18 m from grid 1's edge
  })

  it('rebound: the index gives the scan’s answer, ties included', () => {
    const now = new Date('2026-11-30T04:00:00Z')
    const problem = fc.record({
      id: fc.integer({ min: 1, max: 1e6 }),
      lng: fc.double({ min: 107, max: 107.002, noNaN: true }), lat: fc.double({ min: 34, max: 34.002, noNaN: true }),
      categoryCode: fc.constantFrom('A', 'B'),
      closedAt: fc.option(fc.integer({ min: 0, max: 40 }).map((d) => new Date(now.getTime() - d * 86_400_000)), { nil: null }),
    })
    fc.assert(fc.property(fc.array(problem, { maxLength: 60 }), problem, (closed, p) => {
      // duplicates of one place and time make ties that only the visiting order decides
      const withTies = closed.length ? [...closed, { ...closed[0]!, id: closed[0]!.id + 1 }] : closed
      const opts = { distanceM: 50, days: 30, now }
      expect(reboundIndex(withTies).find(p, opts)).toEqual(findRebound(p, withTies, opts))
    }), { numRuns: 300 })
  })
})
