/**
 * The bulk forms of the boundary flag and the rebound search (server/domain/problem/nearby.ts) give
 * exactly the answers of the plain scans, on random grids, points and closed problems; and the
 * near-edge boundary distance is turf's pointToPolygonDistance bit for bit within its cutoff.
 */
import fs from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { booleanPointInPolygon, distance as turfDistance, pointToPolygonDistance } from '@turf/turf'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../../server/domain/random.ts'
import { syntheticCity } from '../../bench/syntheticCity.ts'
import { itWithRealBoundaries, REAL_BOUNDARIES, realBoundaryFiles } from '../support/realBoundaries.ts'
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

// ---- the bulk boundary flag against turf itself (issue 14: the flags phase without GeoJSON per edge) ----

/** The answer as turf gives it: every other grid with |pointToPolygonDistance| ≤ cutoff, nearest first, ties by id. */
function referenceCandidates(lng: number, lat: number, ownId: number | null, grids: readonly BoundaryGrid[], cutoffM: number) {
  const out: { gridId: number; distanceM: number }[] = []
  for (const g of grids) {
    if (g.id === ownId) continue
    // a coarse box (≈ 1 km around the grid) only to keep the reference fast on district-sized shapes
    if (lng < g.bbox[0] - 0.01 || lng > g.bbox[2] + 0.01 || lat < g.bbox[1] - 0.01 || lat > g.bbox[3] + 0.01) continue
    const d = Math.abs(pointToPolygonDistance([lng, lat], g.geometry, { units: 'meters' }))
    if (d <= cutoffM) out.push({ gridId: g.id, distanceM: d })
  }
  return out.sort((a, b) => a.distanceM - b.distanceM || a.gridId - b.gridId)
}

/** The rebound as the first implementation computed it (turf.distance, a spread per better candidate). */
function referenceRebound<T extends { id: number; lng: number; lat: number; categoryCode: string; closedAt: Date | null }>(
  p: { lng: number; lat: number; categoryCode: string }, closed: readonly T[], opts: { distanceM: number; days: number; now: Date },
) {
  const since = opts.now.getTime() - opts.days * 86_400_000
  let best: (T & { distanceM: number }) | null = null
  for (const c of closed) {
    if (c.categoryCode !== p.categoryCode || !c.closedAt) continue
    const t = c.closedAt.getTime()
    if (t < since || t > opts.now.getTime()) continue
    const d = turfDistance([p.lng, p.lat], [c.lng, c.lat], { units: 'meters' })
    if (d > opts.distanceM) continue
    if (!best || d < best.distanceM || (d === best.distanceM && t > best.closedAt!.getTime())) best = { ...c, distanceM: d }
  }
  return best
}

const boxOf = (geometry: BoundaryGrid['geometry']): [number, number, number, number] => {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const poly of geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates) {
    for (const [x, y] of poly[0]!) { x0 = Math.min(x0, x!); y0 = Math.min(y0, y!); x1 = Math.max(x1, x!); y1 = Math.max(y1, y!) }
  }
  return [x0, y0, x1, y1]
}

/**
 * Seeded points around the grids' boundaries: exactly on vertices, exactly on edges (interpolated),
 * and up to `spreadM` metres off a vertex or an edge point.
 */
function pointsNearBoundaries(grids: readonly BoundaryGrid[], n: number, seed: number, spreadM: number): [number, number][] {
  const r = mulberry32(seed)
  const rings = grids.flatMap((g) => (g.geometry.type === 'Polygon' ? [g.geometry.coordinates] : g.geometry.coordinates).flat())
  const out: [number, number][] = []
  for (let i = 0; i < n; i++) {
    const ring = rings[Math.floor(r() * rings.length)]!
    const k = Math.floor(r() * (ring.length - 1))
    const [ax, ay] = ring[k]!, [bx, by] = ring[k + 1]!
    const kind = i % 4
    const t = kind === 0 ? 0 : r()
    const x = ax! + (bx! - ax!) * t, y = ay! + (by! - ay!) * t
    if (kind <= 1) { out.push([x, y]); continue } // on a vertex / on an edge
    const m = (kind === 2 ? spreadM : spreadM / 10) * r(), a = 2 * Math.PI * r()
    out.push([x + (m * Math.cos(a)) / (111_320 * Math.cos((y * Math.PI) / 180)), y + (m * Math.sin(a)) / 110_574])
  }
  return out
}

describe('bulk boundary flag = turf, membership and order (random seeded points near real and synthetic boundaries)', () => {
  // a small synthetic city: Voronoi grids whose neighbours share bit-identical jittered edges (ties!)
  const city = syntheticCity(60, 7, 40)
  const cityGrids: BoundaryGrid[] = city.grids.map((g) => ({ id: g.id, geometry: g.geometry, bbox: boxOf(g.geometry) }))
  // a grid with a hole, the enclave filling that hole (the same ring, reversed), and a MultiPolygon grid
  const hole = [[107.0095, 34.0045], [107.0095, 34.0055], [107.0105, 34.0055], [107.0105, 34.0045], [107.0095, 34.0045]]
  const outer = [[107.008, 34.003], [107.012, 34.003], [107.012, 34.007], [107.008, 34.007], [107.008, 34.003]]
  const special: BoundaryGrid[] = [
    { id: 901, geometry: { type: 'Polygon', coordinates: [outer, hole] }, bbox: [107.008, 34.003, 107.012, 34.007] },
    { id: 902, geometry: { type: 'Polygon', coordinates: [[...hole].reverse()] }, bbox: [107.0095, 34.0045, 107.0105, 34.0055] },
    {
      id: 903, geometry: { type: 'MultiPolygon', coordinates: [
        [[[107.012, 34.003], [107.014, 34.003], [107.014, 34.005], [107.012, 34.005], [107.012, 34.003]]],
        [[[107.0075, 34.0071], [107.0085, 34.0071], [107.0085, 34.0078], [107.0075, 34.0071]]],
      ] }, bbox: [107.0075, 34.003, 107.014, 34.0078],
    },
  ]

  const compare = (grids: BoundaryGrid[], points: [number, number][], owners: (lng: number, lat: number, i: number) => number | null, cutoffs: number[]) => {
    const index = boundaryGridIndex(grids)
    const seen = { flagged: 0, several: 0, ties: 0 }
    points.forEach(([lng, lat], i) => {
      const own = owners(lng, lat, i), cutoffM = cutoffs[i % cutoffs.length]!
      const expected = referenceCandidates(lng, lat, own, grids, cutoffM)
      const got = index.candidates(lng, lat, own, { distanceM: cutoffM })
      expect(got, `point ${i} (${lng}, ${lat}) own ${own} cutoff ${cutoffM}`).toEqual(expected)
      expect(index.candidateIds(lng, lat, own, { distanceM: cutoffM }), `ids of point ${i}`).toEqual(expected.map((c) => c.gridId))
      expect(boundaryCandidates(lng, lat, own, grids, { distanceM: cutoffM })).toEqual(expected)
      if (expected.length) seen.flagged++
      if (expected.length > 1) seen.several++
      if (expected.some((c, k) => k > 0 && c.distanceM === expected[k - 1]!.distanceM)) seen.ties++
    })
    return seen
  }

  it('synthetic city, a hole with its enclave, a MultiPolygon: same ids, same order, same distances', () => {
    const grids = [...cityGrids, ...special]
    const points = [...pointsNearBoundaries(cityGrids, 1500, 11, 60), ...pointsNearBoundaries(special, 600, 12, 40)]
    // the owner: the grid turf puts the point in (or, for a quarter of the points, none / a random grid)
    const r = mulberry32(13)
    const owner = (lng: number, lat: number, i: number) => {
      if (i % 4 === 3) return r() < 0.5 ? null : grids[Math.floor(r() * grids.length)]!.id
      const g = grids.find((x) => booleanPointInPolygon([lng, lat], x.geometry))
      return g?.id ?? null
    }
    const seen = compare(grids, points, owner, [30, 5, 80])
    // the comparison is not vacuous: many flagged points, several with two or more grids, some exact ties
    expect(seen.flagged).toBeGreaterThan(1000)
    expect(seen.several).toBeGreaterThan(300)
    expect(seen.ties).toBeGreaterThan(20)
  })

  it('a grid with edges under 1 cm (turf’s cross products lose precision there): still turf’s answer', () => {
    const tiny: BoundaryGrid = { id: 904, geometry: { type: 'Polygon', coordinates: [[
      [107.0141, 34.0031], [107.0149, 34.0031], [107.0149, 34.0031 + 1e-9], [107.0149 + 3e-10, 34.0031 + 2e-9], [107.0149, 34.0039], [107.0141, 34.0039], [107.0141, 34.0031],
    ]] }, bbox: [107.0141, 34.0031, 107.0149 + 3e-10, 34.0039] }
    const grids = [...special, tiny]
    const points = [...pointsNearBoundaries([tiny], 400, 14, 50), [107.0149, 34.0031], [107.0149 + 1e-4, 34.0031], [107.01495, 34.00311]] as [number, number][]
    const seen = compare(grids, points, (_lng, _lat, i) => (i % 2 ? 904 : null), [30, 5, 80])
    expect(seen.flagged).toBeGreaterThan(200)
  })

  it('a hand-made case: inside the enclave, 10 m from the hole’s edge, the grid around it is flagged', () => {
    const index = boundaryGridIndex(special)
    const lng = 107.0095 + 10 / (111_320 * Math.cos((34.005 * Math.PI) / 180)), lat = 34.005
    const got = index.candidates(lng, lat, 902, { distanceM: 30 })
    expect(got.map((c) => c.gridId)).toEqual([901])
    expect(got[0]!.distanceM).toBeGreaterThan(9.9)
    expect(got[0]!.distanceM).toBeLessThan(10.1)
    // far inside the enclave: nothing, and the same shared empty answer each time
    const mid = index.candidates(107.01, 34.005, 902, { distanceM: 30 })
    expect(mid).toEqual([])
    expect(index.candidates(107.01, 34.005, 902, { distanceM: 30 })).toBe(mid)
    expect(index.candidateIds(lng, lat, 902, { distanceM: 30 })).toEqual([901])
    expect(index.candidateIds(107.01, 34.005, 902, { distanceM: 30 })).toBe(index.candidateIds(107.01, 34.005, 902, { distanceM: 30 }))
  })

  itWithRealBoundaries('real district boundaries (long edges, MultiPolygons): same ids, same order, same distances', () => {
    for (const [f, file] of realBoundaryFiles().entries()) {
      const coll = JSON.parse(fs.readFileSync(path.join(REAL_BOUNDARIES, file), 'utf8')) as FeatureCollection<MultiPolygon | Polygon>
      const grids: BoundaryGrid[] = coll.features.map((x, i) => ({ id: i + 1, geometry: x.geometry, bbox: boxOf(x.geometry) }))
      const points = pointsNearBoundaries(grids, 300, 100 + f, 120)
      const seen = compare(grids, points, (lng, lat, i) => (i % 3 === 0 ? null : grids.find((x) => booleanPointInPolygon([lng, lat], x.geometry))?.id ?? null), [30, 80, 5])
      expect(seen.flagged).toBeGreaterThan(100)
      expect(seen.several).toBeGreaterThan(10)
    }
  }, 120_000)

  it('rebound: the index and the scan give the first implementation’s answer (turf.distance), ties included', () => {
    const now = new Date('2026-11-30T04:00:00Z')
    const r = mulberry32(21)
    const closed = Array.from({ length: 400 }, (_, i) => ({
      id: i + 1, lng: 107 + r() * 0.004, lat: 34 + r() * 0.004, categoryCode: r() < 0.5 ? 'A' : 'B',
      closedAt: r() < 0.1 ? null : new Date(now.getTime() - Math.floor(r() * 40) * 86_400_000 + (r() < 0.1 ? 86_400_000 : 0)),
    }))
    // exact duplicates of place and time: only the list order decides
    for (let i = 0; i < 40; i++) closed.push({ ...closed[i * 3]!, id: 1000 + i })
    const index = reboundIndex(closed)
    let found = 0
    for (let i = 0; i < 2000; i++) {
      const p = i % 5 === 0 ? { ...closed[i % closed.length]!, categoryCode: closed[i % closed.length]!.categoryCode } : { lng: 107 + r() * 0.004, lat: 34 + r() * 0.004, categoryCode: r() < 0.5 ? 'A' : 'B' }
      const opts = { distanceM: [50, 20, 200][i % 3]!, days: 30, now }
      const expected = referenceRebound(p, closed, opts)
      expect(index.find(p, opts)).toEqual(expected)
      expect(findRebound(p, closed, opts)).toEqual(expected)
      if (expected) found++
    }
    expect(found).toBeGreaterThan(500)
    expect(index.find({ lng: 120, lat: 30, categoryCode: 'A' }, { distanceM: 50, days: 30, now })).toBeNull()
  })
})
