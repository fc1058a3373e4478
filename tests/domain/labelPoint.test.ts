/**
 * Label points (server/domain/geometry/labelPoint.ts): one point per grid, inside it, far from its
 * border — also for concave grids, where a centroid falls outside (a C shape, an L, a ring with a
 * hole), and in the largest part of a MultiPolygon. Inside-ness is checked with turf's
 * point-in-polygon, not with the module under test; distances with turf's point-to-polygon distance.
 */
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import centroid from '@turf/centroid'
import pointToPolygonDistance from '@turf/point-to-polygon-distance'
import type { MultiPolygon, Polygon } from 'geojson'
import { labelPoint } from '../../server/domain/geometry/labelPoint.ts'
import type { GridGeometry } from '../../server/domain/geometry/validate.ts'

/** A polygon from [x, y] offsets in metres around (107.14, 34.36) — the demo city. */
const LAT0 = 34.36, LNG0 = 107.14
const M_PER_DEG = 111_320
function metres(ring: [number, number][]): [number, number][] {
  const k = Math.cos((LAT0 * Math.PI) / 180)
  return ring.map(([x, y]) => [LNG0 + x / (M_PER_DEG * k), LAT0 + y / M_PER_DEG])
}
const poly = (...rings: [number, number][][]): Polygon => ({ type: 'Polygon', coordinates: rings.map(metres) })

/** A C: 300 m square, 100 m thick arms, open to the east. Its centroid lies in the opening. */
const C_SHAPE = poly([[0, 0], [300, 0], [300, 100], [100, 100], [100, 200], [300, 200], [300, 300], [0, 300], [0, 0]])
/** An L, 40 m thick: long arm 1 km east, short arm 400 m north. */
const L_SHAPE = poly([[0, 0], [1000, 0], [1000, 40], [40, 40], [40, 400], [0, 400], [0, 0]])
/** A 400 m square with a 300 m square hole: a ring 50 m wide (the centroid is in the hole). */
const RING = poly([[0, 0], [400, 0], [400, 400], [0, 400], [0, 0]], [[50, 50], [50, 350], [350, 350], [350, 50], [50, 50]])
/** A thin crescent-ish U: bottom bar and two tall sides. */
const U_SHAPE = poly([[0, 0], [600, 0], [600, 500], [540, 500], [540, 60], [60, 60], [60, 500], [0, 500], [0, 0]])

function inside(g: GridGeometry, p: [number, number]): boolean {
  return booleanPointInPolygon(p, g, { ignoreBoundary: true })
}
/** Metres from the point to the polygon's border (turf: negative inside). */
function depth(g: Polygon | MultiPolygon, p: [number, number]): number {
  return Math.abs(pointToPolygonDistance(p, g, { units: 'meters' }))
}

describe('labelPoint', () => {
  it.each([
    ['C shape', C_SHAPE, 40],
    ['L shape', L_SHAPE, 15],
    ['ring with a hole', RING, 20],
    ['U shape', U_SHAPE, 25],
  ] as const)('puts the label of a %s inside it, away from its border (where the centroid is outside)', (_name, g, minDepth) => {
    // the fixture is one a centroid gets wrong: otherwise it proves nothing
    expect(inside(g, centroid(g).geometry.coordinates as [number, number])).toBe(false)
    const p = labelPoint(g)
    expect(inside(g, p)).toBe(true)
    expect(depth(g, p)).toBeGreaterThanOrEqual(minDepth)
  })

  it('puts the C shape\'s label in its thickest part: a corner, 100·√2/(1+√2) ≈ 58.6 m from the border', () => {
    // the widest circle inside the C sits in a corner, touching both outer sides and the inner corner
    const best = (100 * Math.SQRT2) / (1 + Math.SQRT2)
    const p = labelPoint(C_SHAPE)
    expect(depth(C_SHAPE, p)).toBeGreaterThan(best - 1)
    expect(depth(C_SHAPE, p)).toBeLessThanOrEqual(best + 0.5)
  })

  it('labels a MultiPolygon once, in its largest part', () => {
    const small = poly([[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]])
    const large = poly([[2000, 0], [2600, 0], [2600, 600], [2000, 600], [2000, 0]])
    const multi: MultiPolygon = { type: 'MultiPolygon', coordinates: [small.coordinates, large.coordinates] }
    const p = labelPoint(multi)
    expect(inside(large, p)).toBe(true)
    expect(inside(small, p)).toBe(false)
  })

  it('is deterministic (same geometry, same point) and rounded to 1e-7°', () => {
    const a = labelPoint(U_SHAPE), b = labelPoint(structuredClone(U_SHAPE))
    expect(a).toEqual(b)
    for (const v of a) expect(Math.round(v * 1e7) / 1e7).toBe(v)
  })

  it('puts every demo grid\'s label inside that grid', () => {
    const fc = JSON.parse(fs.readFileSync('data/demo/grids.geojson', 'utf8')) as { features: { properties: { name: string }; geometry: GridGeometry }[] }
    expect(fc.features.length).toBeGreaterThan(10)
    const outside = fc.features.filter((f) => !inside(f.geometry, labelPoint(f.geometry))).map((f) => f.properties.name)
    expect(outside).toEqual([])
  })
})
