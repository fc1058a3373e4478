import { describe, expect, it } from 'vitest'
import { kinks } from '@turf/turf'
import { findSelfIntersections } from '../../server/domain/geometry/selfIntersection.ts'
import { validateGridGeometry } from '../../server/domain/geometry/validate.ts'
import { circle, selfIntersectingStar } from '../support/hostileGeometry.ts'

const square = [[107, 34], [107.01, 34], [107.01, 34.01], [107, 34.01], [107, 34]]
const codes = (g: unknown) => validateGridGeometry(g).map((i) => i.code)

describe('validateGridGeometry', () => {
  it('accepts a valid polygon and multipolygon', () => {
    expect(codes({ type: 'Polygon', coordinates: [square] })).toEqual([])
    expect(codes({ type: 'MultiPolygon', coordinates: [[square], [square.map(([x, y]) => [x! + 0.02, y!])]] })).toEqual([])
  })
  it.each([
    ['a point', { type: 'Point', coordinates: [107, 34] }, 'GEOMETRY_TYPE'],
    ['null', null, 'GEOMETRY_TYPE'],
    ['no rings', { type: 'Polygon', coordinates: [] }, 'GEOMETRY_TYPE'],
    ['an unclosed ring', { type: 'Polygon', coordinates: [square.slice(0, 4)] }, 'RING_NOT_CLOSED'],
    ['a 3-position ring', { type: 'Polygon', coordinates: [[[107, 34], [107.01, 34], [107, 34]]] }, 'RING_TOO_SHORT'],
    ['a bow tie', { type: 'Polygon', coordinates: [[[107, 34], [107.01, 34.01], [107.01, 34], [107, 34.01], [107, 34]]] }, 'SELF_INTERSECTION'],
    ['NaN', { type: 'Polygon', coordinates: [[[107, 34], [Number.NaN, 34], [107.01, 34.01], [107, 34]]] }, 'COORDINATE_INVALID'],
    ['latitude 95', { type: 'Polygon', coordinates: [[[107, 34], [107.01, 95], [107.01, 34.01], [107, 34]]] }, 'COORDINATE_OUT_OF_RANGE'],
    ['strings', { type: 'Polygon', coordinates: [[['107', '34'], [107.01, 34], [107.01, 34.01], ['107', '34']]] }, 'COORDINATE_INVALID'],
    ['a flat ring', { type: 'Polygon', coordinates: [[[107, 34], [107.01, 34], [107.02, 34], [107, 34]]] }, 'ZERO_AREA'],
  ])('refuses %s', (_name, g, code) => {
    expect(codes(g)).toContain(code)
  })
  it('refuses a 1,000,000-vertex polygon without walking it all', () => {
    const ring = Array.from({ length: 1_000_000 }, (_, i) => [107 + Math.cos(i) * 0.01, 34 + Math.sin(i) * 0.01])
    expect(codes({ type: 'Polygon', coordinates: [ring] })).toEqual(['TOO_MANY_VERTICES'])
  })
})

describe('self-intersections (R-tree, first crossings only) agree with @turf/kinks', () => {
  // a small seeded generator: the same cases on every run
  let seed = 17
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const randomRing = (n: number, spread: number) => {
    const r = Array.from({ length: n }, () => [107 + rnd() * spread, 34 + rnd() * spread])
    return [...r, r[0]!]
  }
  it('decides like kinks on 600 random polygons, multipolygons and polygons with holes', () => {
    let invalid = 0, valid = 0
    for (let c = 0; c < 600; c++) {
      const kind = c % 3
      const g = kind === 0 ? { type: 'Polygon' as const, coordinates: [randomRing(4 + (c % 6), 0.01)] }
        : kind === 1 ? { type: 'MultiPolygon' as const, coordinates: [[randomRing(4, 0.01)], [randomRing(4 + (c % 3), 0.01)]] }
          : { type: 'Polygon' as const, coordinates: [[[107, 34], [107.02, 34], [107.02, 34.02], [107, 34.02], [107, 34]], randomRing(4 + (c % 4), 0.02)] }
      const expected = kinks(g).features.length > 0
      const got = findSelfIntersections(g.type === 'Polygon' ? g.coordinates : g.coordinates.flat(), 1).length > 0
      expect(got, JSON.stringify(g)).toBe(expected)
      expect(codes(g).includes('SELF_INTERSECTION')).toBe(expected)
      if (expected) invalid++; else valid++
    }
    // both outcomes really occur in the sample
    expect(invalid).toBeGreaterThan(50)
    expect(valid).toBeGreaterThan(50)
  })
  it('finds the same crossing points as kinks when it is asked for all of them', () => {
    const bowTie = [[107, 34], [107.01, 34.01], [107.01, 34], [107, 34.01], [107, 34]]
    const pts = findSelfIntersections([bowTie], 100)
    expect(pts).toHaveLength(1)
    expect(pts[0]![0]).toBeCloseTo(107.005, 9)
    expect(pts[0]![1]).toBeCloseTo(34.005, 9)
  })
  it('answers a 6,000-vertex star and a 20,000-vertex circle quickly', () => {
    const t0 = performance.now()
    expect(codes(selfIntersectingStar(6001))).toContain('SELF_INTERSECTION')
    expect(codes(circle(20_000))).toEqual([])
    expect(performance.now() - t0).toBeLessThan(3000)
  })
})
