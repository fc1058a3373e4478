import { describe, expect, it } from 'vitest'
import { validateGridGeometry } from '../../server/domain/geometry/validate.ts'

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
