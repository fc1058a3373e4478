/** Draft validation rules and the incremental impact preview, on a hand-made case with known moved points. */
import { area as turfArea } from '@turf/turf'
import type { Polygon } from 'geojson'
import { describe, expect, it } from 'vitest'
import { changedRegion, computeImpact, impactCsv, type ImpactPoint } from '../../server/domain/boundary/impact.ts'
import { moveEdge } from '../../server/domain/boundary/topology.ts'
import { blockingIssues, validateDraft, type DraftGrid } from '../../server/domain/boundary/validation.ts'

const sq = (x0: number, y0: number, x1: number, y1: number): Polygon => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] })
const street: DraftGrid = { key: '100', id: 100, code: '610399001000', name: '街道', level: 'street', parentKey: null, geometry: sq(107, 34, 107.02, 34.01) }
const A: DraftGrid = { key: '1', id: 1, code: '610399001001', name: 'A社区', level: 'community', parentKey: '100', geometry: sq(107, 34, 107.01, 34.01) }
const B: DraftGrid = { key: '2', id: 2, code: '610399001002', name: 'B社区', level: 'community', parentKey: '100', geometry: sq(107.01, 34, 107.02, 34.01) }
const codes = (d: ReturnType<typeof validateDraft>) => d.map((i) => i.code).sort()

describe('validateDraft', () => {
  it('passes a clean tiling', () => {
    expect(validateDraft({ changed: [A, B], context: [street, A, B] })).toEqual([])
  })

  it('reports an overlap between siblings with its area and location', () => {
    const A2 = { ...A, geometry: sq(107, 34, 107.012, 34.01) }
    const issues = validateDraft({ changed: [A2], context: [street, A2, B] })
    expect(codes(issues)).toEqual(['OVERLAP'])
    const strip = turfArea(sq(107.01, 34, 107.012, 34.01))
    expect(issues[0]!.area).toBeCloseTo(strip, -1)
    expect(issues[0]!.at[0]).toBeGreaterThan(107.01)
    expect(issues[0]!.at[0]).toBeLessThan(107.012)
    expect(issues[0]!.acceptable).toBe(false)
  })

  it('reports a gap inside the street (acceptable) with its area and location', () => {
    const A2 = { ...A, geometry: sq(107, 34, 107.008, 34.01) }
    const issues = validateDraft({ changed: [A2], context: [street, A2, B] })
    expect(codes(issues)).toEqual(['GAP'])
    expect(issues[0]!.area).toBeCloseTo(turfArea(sq(107.008, 34, 107.01, 34.01)), -1)
    expect(issues[0]!.at[0]).toBeGreaterThan(107.008)
    expect(issues[0]!.acceptable).toBe(true)
    expect(blockingIssues(issues, [])).toHaveLength(1)
    expect(blockingIssues(issues, ['GAP'])).toHaveLength(0)
  })

  it('reports a community outside its street, slivers, self-intersections and new multipolygons', () => {
    const out = { ...A, geometry: sq(106.995, 34, 107.01, 34.01) }
    expect(codes(validateDraft({ changed: [out], context: [street, out, B] }))).toEqual(['OUTSIDE_PARENT'])
    const tiny = { ...A, key: 'new:1', id: null, code: '610399001009', geometry: sq(107.001, 34.001, 107.00105, 34.00105) }
    expect(codes(validateDraft({ changed: [tiny], context: [street, tiny] }))).toContain('SLIVER')
    const bow = { ...A, geometry: { type: 'Polygon' as const, coordinates: [[[107, 34], [107.01, 34.01], [107.01, 34], [107, 34.01], [107, 34]]] } }
    expect(codes(validateDraft({ changed: [bow], context: [street, bow, B] }))).toContain('GEOMETRY_INVALID')
    const multi: DraftGrid = { ...A, geometry: { type: 'MultiPolygon', coordinates: [sq(107, 34, 107.004, 34.01).coordinates, sq(107.006, 34, 107.01, 34.01).coordinates] } }
    const rest = { ...B, geometry: { type: 'MultiPolygon' as const, coordinates: [sq(107.004, 34, 107.006, 34.01).coordinates, sq(107.01, 34, 107.02, 34.01).coordinates] } }
    const issues = validateDraft({ changed: [multi, rest], context: [street, multi, rest], previousType: new Map([['1', 'Polygon'], ['2', 'MultiPolygon']]) })
    expect(issues.filter((i) => i.code === 'NOT_CONTIGUOUS').map((i) => i.gridKeys)).toEqual([['1']]) // B was a multipolygon before
  })

  it('reports duplicate codes', () => {
    const dup = { ...B, key: 'new:2', id: null, code: A.code, geometry: sq(107.02, 34, 107.03, 34.01), parentKey: null }
    expect(codes(validateDraft({ changed: [dup], context: [A, dup] }))).toContain('DUPLICATE_CODE')
  })
})

describe('computeImpact on a hand-made case', () => {
  // The shared border x = 107.01 moves east to 107.014: A gains the strip 107.01–107.014 from B.
  const [A2, B2] = moveEdge([{ ...A, id: 1 }, { ...B, id: 2 }], [107.01, 34], [107.01, 34.01], 0.004, 0)
  const far = { id: 9, code: '610399002001', name: '远处社区', level: 'community' as const, geometry: sq(108, 35, 108.01, 35.01) }
  const points: ImpactPoint[] = [
    { kind: 'problem', id: 1, label: '占道经营', lng: 107.012, lat: 34.005, gridId: 2, open: true }, // moves B → A
    { kind: 'problem', id: 2, label: '垃圾', lng: 107.015, lat: 34.005, gridId: 2, open: true }, // stays in B (outside the strip)
    { kind: 'problem', id: 3, label: '乱停车', lng: 107.005, lat: 34.005, gridId: 1, open: true }, // stays in A
    { kind: 'problem', id: 4, label: '远处', lng: 108.005, lat: 35.005, gridId: 9, open: true }, // far away
    { kind: 'problem', id: 5, label: '已结案', lng: 107.0125, lat: 34.008, gridId: 2, open: false }, // moves, closed
    { kind: 'site', id: 7, label: '农贸市场', lng: 107.013, lat: 34.002, gridId: 2 }, // moves
    { kind: 'inspection', id: 8, label: '检查', lng: 107.011, lat: 34.001, gridId: 2 }, // moves
    { kind: 'problem', id: 6, label: '边界上', lng: 107.014, lat: 34.005, gridId: 2, open: true }, // at the new border (107.01 + 0.004 rounds just east of it): A
  ]
  const holders = new Map([[1, { departmentId: 11, departmentName: '市人防办' }], [2, { departmentId: 12, departmentName: '市城管局' }], [9, { departmentId: 13, departmentName: '市水利局' }]])
  const gridInfo = new Map([A, B, far].map((g) => [g.id!, { id: g.id!, code: g.code, name: g.name, level: g.level }]))
  const region = changedRegion([
    { id: 1, code: A.code, name: A.name, level: 'community', before: A.geometry, after: A2!.geometry },
    { id: 2, code: B.code, name: B.name, level: 'community', before: B.geometry, after: B2!.geometry },
  ])
  const draftGrids = [{ ...A2!, id: 1, code: A.code, level: 'community' as const }, { ...B2!, id: 2, code: B.code, level: 'community' as const }, far, { id: 100, code: street.code, level: 'street' as const, geometry: street.geometry }]
  const impact = computeImpact({ region, draftGrids, points, holders, gridInfo })

  it('computes the area gained and lost per grid', () => {
    const strip = turfArea(sq(107.01, 34, 107.014, 34.01))
    const a = impact.grids.find((g) => g.id === 1)!, b = impact.grids.find((g) => g.id === 2)!
    expect(a.gained).toBeCloseTo(strip, -1)
    expect(a.lost).toBeLessThan(1)
    expect(b.lost).toBeCloseTo(strip, -1)
    expect(b.gained).toBeLessThan(1)
    region.bbox!.forEach((v, i) => expect(v).toBeCloseTo([107.01, 34, 107.014, 34.01][i]!, 12))
  })

  it('lists exactly the points that move, with from and to grid and department', () => {
    expect(impact.moved.map((m) => `${m.kind}:${m.id}`)).toEqual(['inspection:8', 'problem:1', 'problem:5', 'problem:6', 'site:7'])
    const p1 = impact.moved.find((m) => m.kind === 'problem' && m.id === 1)!
    expect(p1.from).toMatchObject({ gridId: 2, gridName: 'B社区', departmentName: '市城管局' })
    expect(p1.to).toMatchObject({ gridId: 1, gridName: 'A社区', departmentName: '市人防办' })
  })

  it('re-locates only the points in the changed area, with an index over the nearby grids only', () => {
    // 8 candidates; 5 inside the changed bbox (ids 1, 5, 6, site 7, inspection 8); all 5 inside the strip
    expect(impact.stats).toEqual({ candidates: 8, inBbox: 5, relocated: 5, indexedGrids: 3 })
  })

  it('gives each department its gains, losses and handover list of open problems', () => {
    const cg = impact.departments.find((d) => d.departmentId === 12)!, rf = impact.departments.find((d) => d.departmentId === 11)!
    expect(cg.handoverOut.map((m) => m.id)).toEqual([1, 6])
    expect(cg.losses).toEqual({ problems: 3, openProblems: 2, sites: 1, inspections: 1 })
    expect(rf.handoverIn.map((m) => m.id)).toEqual([1, 6])
    expect(rf.gains.openProblems).toBe(2)
    // the strip 107.01–107.014 × 34–34.01, measured on its own (≈ 369 × 1112 m)
    expect(Math.abs(rf.areaGained - turfArea(sq(107.01, 34, 107.014, 34.01)))).toBeLessThan(1)
    expect(impact.departments.some((d) => d.departmentId === 13)).toBe(false)
  })

  it('reports new grids with no holder, and exports a CSV', () => {
    const C = { id: -1, code: '610399001003', name: '新社区', level: 'community' as const, before: null, after: sq(107.02, 34, 107.03, 34.01) }
    const imp = computeImpact({ region: changedRegion([C]), draftGrids: [{ ...C, geometry: C.after }], points: [], holders, gridInfo })
    expect(imp.unheldGrids.map((g) => g.name)).toEqual(['新社区'])
    const csv = impactCsv(impact)
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1 + impact.moved.length)
    expect(csv).toContain('占道经营,107.012,34.005,是,B社区,市城管局,A社区,市人防办')
  })
})

describe('changedRegion bbox (turf bbox over the changed pieces)', () => {
  it('spans every changed piece, in several grids far apart', () => {
    const region = changedRegion([
      // A grows east by a strip 107.01–107.012
      { id: 1, code: 'a', name: 'A', level: 'community', before: sq(107, 34, 107.01, 34.01), after: sq(107, 34, 107.012, 34.01) },
      // a grid far to the north-west is dropped whole
      { id: 2, code: 'b', name: 'B', level: 'community', before: sq(106.9, 34.2, 106.95, 34.25), after: null },
      // a new grid to the south-east
      { id: -1, code: 'c', name: 'C', level: 'community', before: null, after: sq(107.1, 33.9, 107.12, 33.95) },
    ])
    expect(region.pieces).toHaveLength(3)
    region.bbox!.forEach((v, i) => expect(v).toBeCloseTo([106.9, 33.9, 107.12, 34.25][i]!, 12))
    // each piece keeps its own box
    const boxes = region.pieces.map((p) => p.bbox.map((v) => Number(v.toFixed(9)))).sort((a, b) => a[0]! - b[0]!)
    expect(boxes).toEqual([[106.9, 34.2, 106.95, 34.25], [107.01, 34, 107.012, 34.01], [107.1, 33.9, 107.12, 33.95]])
  })

  it('is null when nothing changed', () => {
    expect(changedRegion([{ id: 1, code: 'a', name: 'A', level: 'community', before: sq(107, 34, 107.01, 34.01), after: sq(107, 34, 107.01, 34.01) }]).bbox).toBeNull()
    expect(changedRegion([]).bbox).toBeNull()
  })
})
