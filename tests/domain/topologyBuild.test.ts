/**
 * The topology build on import (server/domain/boundary/topologyBuild.ts) on fixtures
 * (tests/fixtures/topology/<case>/in.geojson → expected.json, written by hand; see the README there),
 * and a property: snapping never moves a vertex further than the tolerance.
 */
import fs from 'node:fs'
import path from 'node:path'
import { area as turfArea, intersect, union, featureCollection, feature } from '@turf/turf'
import fc from 'fast-check'
import type { FeatureCollection, Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { buildTopology, compareCodes, LEVEL_ORDER, snapGrids, type TopoGridInput } from '../../server/domain/boundary/topologyBuild.ts'
import type { GridGeometry } from '../../server/domain/boundary/topology.ts'

const dir = path.resolve('tests/fixtures/topology')
const cases = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'in.geojson'))).sort()

interface ExpectedItem { kind: string; level: string; codes: string[]; area: number; blocking: boolean }
interface Expected { items: ExpectedItem[]; shared?: [string, string][] }

// metres on a sphere of radius 6,371,008.8 m around a point: independent of the build's own plane
const R = 6371008.8
function metres(lat0: number) {
  const my = (Math.PI / 180) * R, mx = my * Math.cos((lat0 * Math.PI) / 180)
  return (p: Position): [number, number] => [p[0]! * mx, p[1]! * my]
}
function distToSegment(p: [number, number], a: [number, number], b: [number, number]): number {
  const dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2))
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy))
}
const ringsOf = (g: GridGeometry): Position[][] => (g.type === 'Polygon' ? g.coordinates : g.coordinates.flat())
const verticesOf = (g: GridGeometry): Position[] => ringsOf(g).flatMap((r) => r.slice(0, -1))
/** distance (m) from p to the boundary of g */
function distToBoundary(p: Position, g: GridGeometry, m: (q: Position) => [number, number]): number {
  let best = Infinity
  const q = m(p)
  for (const r of ringsOf(g)) for (let i = 0; i < r.length - 1; i++) best = Math.min(best, distToSegment(q, m(r[i]!), m(r[i + 1]!)))
  return best
}
const areaOf = (g: GridGeometry | null | undefined) => (g ? turfArea(g) : 0)

function load(name: string) {
  const input = JSON.parse(fs.readFileSync(path.join(dir, name, 'in.geojson'), 'utf8')) as FeatureCollection<GridGeometry, Omit<TopoGridInput, 'geometry'>> & { snapM?: number }
  const expected = JSON.parse(fs.readFileSync(path.join(dir, name, 'expected.json'), 'utf8')) as Expected
  const grids: TopoGridInput[] = input.features.map((f) => ({ ...f.properties, geometry: f.geometry }))
  return { grids, snapM: input.snapM, expected }
}

describe('topology build fixtures', () => {
  it('has the six cases', () => {
    expect(cases).toEqual(['child-outside-parent', 'offset-1mm', 'overlap-blocking', 'overlap-resolved', 'sliver', 'street-gap'])
  })

  for (const name of cases) {
    it(name, () => {
      const { grids, snapM, expected } = load(name)
      const { geometry, report } = buildTopology(grids, [], snapM === undefined ? {} : { snapM })
      const after = (code: string) => {
        const g = grids.find((x) => x.code === code)!
        return g.imported ? geometry[g.key]! : g.geometry
      }
      // exactly the expected items, areas within 1 %
      const items = report.items.filter((i) => i.kind !== 'SKIPPED')
      expect(items.map((i) => `${i.kind} ${[...i.codes].sort().join(',')}`).sort()).toEqual(expected.items.map((i) => `${i.kind} ${[...i.codes].sort().join(',')}`).sort())
      for (const e of expected.items) {
        const a = items.find((i) => i.kind === e.kind && [...i.codes].sort().join() === [...e.codes].sort().join())!
        expect(a.level).toBe(e.level)
        expect(a.blocking).toBe(e.blocking)
        expect(Math.abs(a.area - e.area) / e.area).toBeLessThan(0.01)
        if (e.kind.endsWith('_RESOLVED')) expect(a.codes[0]).toBe(e.codes[0]) // the grid that keeps the part
        // a location: a point inside the piece, and the piece itself
        expect(a.geometry?.type).toBe('Polygon')
        expect(areaOf(a.geometry)).toBeCloseTo(a.area, 3)
        expect(a.at).toHaveLength(2)
      }
      // clean shared borders: bit-identical vertices, no overlap, no gap
      for (const [ca, cb] of expected.shared ?? []) {
        const A = after(ca), B = after(cb)
        const m = metres(verticesOf(A)[0]![1]!)
        for (const [P, Q] of [[A, B], [B, A]] as const) {
          const qKeys = new Set(verticesOf(Q).map((p) => `${p[0]},${p[1]}`))
          const onBorder = verticesOf(P).filter((p) => distToBoundary(p, Q, m) < 0.01)
          expect(onBorder.length).toBeGreaterThanOrEqual(2)
          for (const p of onBorder) expect(qKeys.has(`${p[0]},${p[1]}`), `${p} of ${P === A ? ca : cb} is a vertex of the other`).toBe(true)
        }
        const x = intersect(featureCollection([feature(A), feature(B)]))
        expect(areaOf(x?.geometry as GridGeometry | undefined)).toBeLessThan(1e-3)
        const u = union(featureCollection([feature(A), feature(B)]))!.geometry as GridGeometry
        expect(u.type).toBe('Polygon') // one piece, no hole: the border is closed along its length
        expect((u as { coordinates: Position[][] }).coordinates).toHaveLength(1)
        expect(Math.abs(areaOf(A) + areaOf(B) - areaOf(u))).toBeLessThan(1e-2)
      }
    })
  }

  it('before the build, the 1 mm offsets are an overlap and a gap', () => {
    const { grids } = load('offset-1mm')
    const [A, B, C] = grids.map((g) => g.geometry)
    expect(areaOf(intersect(featureCollection([feature(A!), feature(B!)]))?.geometry as GridGeometry)).toBeGreaterThan(4) // ≈ 5 m²
    const u = union(featureCollection([feature(B!), feature(C!)]))!.geometry as GridGeometry
    expect(u.type === 'MultiPolygon' || (u as { coordinates: Position[][] }).coordinates.length > 1).toBe(true) // apart: not one piece
  })

  it('with a tolerance of 0 nothing is snapped: the 1 mm overlap blocks and the 1 mm gap stays', () => {
    const { grids } = load('offset-1mm')
    const { report } = buildTopology(grids, [], { snapM: 0 })
    expect(report.snapped).toBe(0)
    expect(report.items.filter((i) => i.kind === 'OVERLAP').map((i) => i.codes)).toEqual([['101', '102']])
    expect(report.items.find((i) => i.kind === 'OVERLAP')!.blocking).toBe(true)
  })

  it('lists skipped features with their reason', () => {
    const { grids } = load('sliver')
    const { report } = buildTopology(grids, [{ index: 2, reason: '不是面要素' }])
    expect(report.items.find((i) => i.kind === 'SKIPPED')?.message).toContain('第 3 个要素未导入：不是面要素')
  })
})

describe('levels and codes', () => {
  it('levels are listed top first, each the parent of the next', () => {
    expect(LEVEL_ORDER.indexOf('street')).toBeLessThan(LEVEL_ORDER.indexOf('community'))
  })
  it('codes compare by the boundary rule: right-padded to one length, then shorter first', () => {
    expect(['101', '0011', '9', '10', '011'].sort(compareCodes)).toEqual(['0011', '011', '10', '101', '9'])
  })
})

describe('snapping never moves a vertex further than the tolerance', () => {
  // A: 0..1000 m east, 0..1000 m north, with extra vertices on its east border; B: east of it, its
  // west border vertices scattered within ±1.5 tolerance of A's east border
  const R0 = { lng: 107.3, lat: 34.2 }
  it('property', () => {
    fc.assert(fc.property(
      fc.double({ min: 0.05, max: 3, noNaN: true }),
      fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 6 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 99 }), fc.double({ min: -1.5, max: 1.5, noNaN: true })), { maxLength: 8 }),
      (snapM, aStops, bStops) => {
        const mLat = (Math.PI / 180) * R, mLng = mLat * Math.cos((R0.lat * Math.PI) / 180)
        const at = (e: number, n: number): Position => [R0.lng + e / mLng, R0.lat + n / mLat]
        const aEast = [...aStops].sort((x, y) => x - y).map((s) => at(1000, s * 10))
        const A: GridGeometry = { type: 'Polygon', coordinates: [[at(0, 0), at(1000, 0), ...aEast, at(1000, 1000), at(0, 1000), at(0, 0)]] }
        const seen = new Set<number>()
        const bWest = bStops.filter(([s]) => !seen.has(s) && seen.add(s)).sort((x, y) => y[0] - x[0]).map(([s, off]) => at(1000 + off * snapM, s * 10))
        const B: GridGeometry = { type: 'Polygon', coordinates: [[at(1000, 0), at(2000, 0), at(2000, 1000), at(1000, 1000), ...bWest, at(1000, 0)]] }
        const grids: TopoGridInput[] = [
          { key: 'a', code: '1', name: 'A', level: 'street', parentKey: null, geometry: A, imported: true },
          { key: 'b', code: '2', name: 'B', level: 'street', parentKey: null, geometry: B, imported: true },
        ]
        const { geometry } = snapGrids(grids, snapM)
        const m = metres(R0.lat)
        const bound = snapM * 1.005 + 1e-6 // the sphere here vs the ellipsoid of the build: 0.3 % apart
        for (const g of grids) {
          const out = geometry.get(g.key)!
          // every vertex after snapping lies within the tolerance of the grid's boundary before…
          for (const p of verticesOf(out)) expect(distToBoundary(p, g.geometry, m)).toBeLessThanOrEqual(bound)
          // …and every vertex before has one after within the tolerance
          const outPts = verticesOf(out).map(m)
          for (const p of verticesOf(g.geometry)) {
            const q = m(p)
            expect(Math.min(...outPts.map((o) => Math.hypot(o[0] - q[0], o[1] - q[1])))).toBeLessThanOrEqual(bound)
          }
        }
      },
    ), { numRuns: 150 })
  }, 120_000)
})
