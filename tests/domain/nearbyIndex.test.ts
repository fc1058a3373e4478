/**
 * The bulk forms of the boundary flag and the rebound search (server/domain/problem/nearby.ts) give
 * exactly the answers of the plain scans, on random grids, points and closed problems; and the
 * near-edge boundary distance is turf's pointToPolygonDistance bit for bit within its cutoff.
 */
import fc from 'fast-check'
import { pointToPolygonDistance } from '@turf/turf'
import { describe, expect, it } from 'vitest'
import { boundaryCandidates, boundaryDistanceWithinM, boundaryGridIndex, findRebound, reboundIndex, type BoundaryGrid } from '../../server/domain/problem/nearby.ts'

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

  it('boundary distance: turf’s |pointToPolygonDistance| exactly within the cutoff, beyond it > cutoff (holes, MultiPolygons, jagged rings)', () => {
    // a jagged ring of 40 vertices around (107.01, 34.005), with a square hole; a MultiPolygon of it and a small square
    const jagged = (cx: number, cy: number, r: number, seed: number) => {
      const ring: number[][] = []
      for (let i = 0; i < 40; i++) {
        const a = (2 * Math.PI * i) / 40, k = r * (0.8 + 0.4 * Math.abs(Math.sin(seed + i * 1.7)))
        ring.push([cx + k * Math.cos(a), cy + k * Math.sin(a) * 0.8])
      }
      ring.push(ring[0]!)
      return ring
    }
    const hole = [[107.0095, 34.0045], [107.0095, 34.0055], [107.0105, 34.0055], [107.0105, 34.0045], [107.0095, 34.0045]]
    const shapes = [
      ...grids.slice(0, 20).map((g) => g.geometry),
      { type: 'Polygon' as const, coordinates: [jagged(107.01, 34.005, 0.003, 1)] },
      { type: 'Polygon' as const, coordinates: [jagged(107.01, 34.005, 0.003, 2), hole] },
      { type: 'MultiPolygon' as const, coordinates: [[jagged(107.01, 34.005, 0.003, 3), hole], [[[107.02, 34.0], [107.021, 34.0], [107.021, 34.001], [107.02, 34.0]]]] },
    ]
    let within = 0
    const vertices = (g: (typeof shapes)[number]) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat(2)
    fc.assert(fc.property(
      // a point up to ~110 m from one of the shape's vertices (uniform random points over the block are rarely near an edge)
      fc.integer({ min: 0, max: shapes.length - 1 }), fc.nat(), fc.double({ min: -0.001, max: 0.001, noNaN: true }), fc.double({ min: -0.001, max: 0.001, noNaN: true }), fc.constantFrom(5, 30, 80),
      (k, v, dx, dy, cutoffM) => {
        const vs = vertices(shapes[k]!), [x, y] = vs[v % vs.length]!
        const lng = x! + dx, lat = y! + dy
        const exact = Math.abs(pointToPolygonDistance([lng, lat], shapes[k]!, { units: 'meters' }))
        const fast = boundaryDistanceWithinM(lng, lat, shapes[k]!, cutoffM)
        if (exact <= cutoffM) { within++; expect(fast).toBe(exact) } else expect(fast).toBeGreaterThan(cutoffM)
      }), { numRuns: 3000 })
    // points on the hole's edge and near the jagged vertices: the within branch is exercised
    for (const [lng, lat] of [[107.0095, 34.005], [107.0101, 34.0046], ...jagged(107.01, 34.005, 0.003, 2).slice(0, 10).map(([x, y]) => [x! + 0.00003, y!])]) {
      for (const shape of shapes.slice(20)) {
        const exact = Math.abs(pointToPolygonDistance([lng!, lat!], shape, { units: 'meters' }))
        const fast = boundaryDistanceWithinM(lng!, lat!, shape, 30)
        if (exact <= 30) { within++; expect(fast).toBe(exact) } else expect(fast).toBeGreaterThan(30)
      }
    }
    expect(within).toBeGreaterThan(300)
  })
})
