/**
 * Boundary editing on fixtures (tests/fixtures/boundary/<case>/in.geojson → expected.geojson), then on
 * the demo city's real-shaped communities. Every result must leave no gap and no overlap:
 * TOLERANCE = 1 m² (pairwise intersection area, parent − union, union − parent).
 */
import fs from 'node:fs'
import path from 'node:path'
import { area as turfArea, centroid } from '@turf/turf'
import type { FeatureCollection, Polygon, Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { AREA_TOL_M2, BoundaryOpError, clipToStreet, coverageReport, mergeGrids, splitGrid, symDiff } from '../../server/domain/boundary/operations.ts'
import { moveEdge, moveVertex, neighbours, vertexSharing, type GridGeometry, type TopoGrid } from '../../server/domain/boundary/topology.ts'

const TOLERANCE = AREA_TOL_M2
const dir = path.resolve('tests/fixtures/boundary')
type Op =
  | { type: 'moveVertex'; from: Position; to: Position }
  | { type: 'moveEdge'; a: Position; b: Position; dx: number; dy: number }
  | { type: 'split'; grid: number; line: Position[] }
  | { type: 'merge'; a: number; b: number }
  | { type: 'clip'; street: number }

function load(name: string) {
  const input = JSON.parse(fs.readFileSync(path.join(dir, name, 'in.geojson'), 'utf8')) as FeatureCollection<GridGeometry, { id: number; role: string }> & { operation: Op }
  const expected = JSON.parse(fs.readFileSync(path.join(dir, name, 'expected.geojson'), 'utf8')) as FeatureCollection<GridGeometry>
  const grids: TopoGrid[] = input.features.filter((f) => f.properties.role === 'grid').map((f) => ({ id: f.properties.id, geometry: f.geometry }))
  const street = input.features.find((f) => f.properties.role === 'street')!.geometry
  return { op: input.operation, grids, street, expected: expected.features.map((f) => f.geometry) }
}

function apply(op: Op, grids: TopoGrid[], street: GridGeometry): GridGeometry[] {
  switch (op.type) {
    case 'moveVertex': return moveVertex(grids, op.from, op.to).map((g) => g.geometry)
    case 'moveEdge': return moveEdge(grids, op.a, op.b, op.dx, op.dy).map((g) => g.geometry)
    case 'split': {
      const g = grids.find((x) => x.id === op.grid)!
      return [...splitGrid(g.geometry, op.line)]
    }
    case 'merge': {
      const a = grids.find((x) => x.id === op.a)!, b = grids.find((x) => x.id === op.b)!
      return [mergeGrids(a.geometry, b.geometry)]
    }
    case 'clip': return clipToStreet(grids, street).communities.map((c) => c.geometry!)
  }
}

/**
 * REGEN=1 (never in CI): rewrite each case's expected.geojson from the current output before the
 * comparison — after a deliberate change to an operation; review the diff before committing it.
 * See tests/fixtures/boundary/README.md.
 */
const REGEN = process.env.REGEN === '1'
if (REGEN && process.env.CI === 'true') throw new Error('REGEN=1 rewrites the expected fixtures: not in CI')

function regenerate(name: string): void {
  const file = path.join(dir, name, 'expected.geojson')
  if (!fs.existsSync(file)) fs.writeFileSync(file, '{"type":"FeatureCollection","features":[]}') // a new case
  const { op, grids, street } = load(name)
  const old = (JSON.parse(fs.readFileSync(file, 'utf8')) as FeatureCollection).features
  const out = apply(op, grids, street)
  const fc = { type: 'FeatureCollection', features: out.map((geometry, i) => ({ type: 'Feature', properties: old[i]?.properties ?? { id: i + 1 }, geometry })) }
  fs.writeFileSync(file, JSON.stringify(fc, null, 1))
}

const cases = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'in.geojson'))).sort()

describe('boundary operations on fixtures', () => {
  it('has the six fixture cases', () => {
    expect(cases).toEqual(['clip-to-street', 'merge', 'move-shared-edge', 'move-shared-vertex', 'move-t-junction', 'split'])
  })

  it.each(cases)('%s gives the expected geometry and leaves no gap or overlap', (name) => {
    if (REGEN) regenerate(name)
    const { op, grids, street, expected } = load(name)
    const out = apply(op, grids, street)
    expect(out).toHaveLength(expected.length)
    // each result equals its expected geometry within the tolerance (order free: match by smallest difference)
    for (const e of expected) {
      const best = Math.min(...out.map((o) => turfArea(symDiff(o, e) ?? { type: 'Polygon', coordinates: [] })))
      expect(best).toBeLessThan(TOLERANCE)
    }
    // no gap, no overlap: the grids tile the street (split: the split grid's parts tile the grid)
    const parent = op.type === 'split' ? grids.find((g) => g.id === op.grid)!.geometry : street
    const r = coverageReport(out, parent)
    expect(r.maxOverlap).toBeLessThan(TOLERANCE)
    expect(r.gap).toBeLessThan(TOLERANCE)
    expect(r.excess).toBeLessThan(TOLERANCE)
    expect(Math.abs(r.unionArea - r.parentArea)).toBeLessThan(TOLERANCE)
  })

  it('moving a shared vertex moves it in every grid that holds it (exact coordinates)', () => {
    const { grids } = load('move-shared-vertex')
    const before = vertexSharing(grids)
    expect(before.get('107.01,34.01')).toEqual([1, 2])
    const after = vertexSharing(moveVertex(grids, [107.01, 34.01], [107.013, 34.01]))
    expect(after.has('107.01,34.01')).toBe(false)
    expect(after.get('107.013,34.01')).toEqual([1, 2])
  })

  it('a T-junction neighbour gets the vertex inserted and follows the move', () => {
    const { grids } = load('move-t-junction')
    expect(vertexSharing(grids).get('107.01,34.01')).toEqual([1, 2]) // grid 3 only passes through
    const moved = moveVertex(grids, [107.01, 34.01], [107.012, 34.012])
    expect(vertexSharing(moved).get('107.012,34.012')).toEqual([1, 2, 3])
  })

  it('refuses a line that does not cross the grid and a merge of grids that do not touch', () => {
    const { grids } = load('split')
    expect(() => splitGrid(grids[0]!.geometry, [[107.05, 33.9], [107.05, 34.1]])).toThrow(BoundaryOpError)
    const far: GridGeometry = { type: 'Polygon', coordinates: [[[108, 35], [108.01, 35], [108.01, 35.01], [108, 35]]] }
    expect(() => mergeGrids(grids[0]!.geometry, far)).toThrow(/相邻/)
  })
})

// ---- the demo city: real-shaped communities with bit-identical shared borders ----
const demo = JSON.parse(fs.readFileSync(path.resolve('data/demo/grids.geojson'), 'utf8')) as FeatureCollection<GridGeometry, { code: string; name: string; level: string; parentCode: string | null }>
const streetFeature = demo.features.find((f) => f.properties.name === '高新街道')!
const communities: (TopoGrid & { code: string })[] = demo.features
  .filter((f) => f.properties.parentCode === streetFeature.properties.code)
  .map((f, i) => ({ id: i + 1, code: f.properties.code, geometry: f.geometry }))

describe('boundary operations on the demo street 高新街道', () => {
  it('the demo communities tile their street to begin with', () => {
    expect(communities.length).toBeGreaterThanOrEqual(3)
    const r = coverageReport(communities.map((c) => c.geometry), streetFeature.geometry)
    expect(r.maxOverlap).toBeLessThan(TOLERANCE)
    expect(r.gap).toBeLessThan(TOLERANCE)
  })

  it('moving an interior shared vertex keeps the tiling', () => {
    const sharing = vertexSharing([...communities, { id: 0, geometry: streetFeature.geometry }])
    const [key] = [...sharing].find(([, ids]) => ids.length >= 2 && !ids.includes(0))!
    const [x, y] = key.split(',').map(Number) as [number, number]
    const moved = moveVertex(communities, [x, y], [x + 0.0004, y + 0.0003])
    const changed = moved.filter((g, i) => g !== communities[i])
    expect(changed.length).toBeGreaterThanOrEqual(2)
    const r = coverageReport(moved.map((c) => c.geometry), streetFeature.geometry)
    expect(r.maxOverlap).toBeLessThan(TOLERANCE)
    expect(r.gap).toBeLessThan(TOLERANCE)
  })

  it('splitting a community through its centroid and merging two neighbours keep the tiling', () => {
    const c = communities[0]!
    const [cx, cy] = centroid(c.geometry).geometry.coordinates as [number, number]
    const [a, b] = splitGrid(c.geometry, [[cx, cy - 0.05], [cx, cy + 0.05]])
    const split = [a, b, ...communities.slice(1).map((g) => g.geometry)]
    let r = coverageReport(split, streetFeature.geometry)
    expect(r.maxOverlap).toBeLessThan(TOLERANCE)
    expect(r.gap).toBeLessThan(TOLERANCE)

    const n = neighbours(communities)
    const [ia, nb] = [...n].find(([, s]) => s.size > 0)!
    const ib = [...nb][0]!
    const ga = communities.find((g) => g.id === ia)!, gb = communities.find((g) => g.id === ib)!
    const merged = mergeGrids(ga.geometry, gb.geometry)
    expect(merged.type).toBe('Polygon')
    expect((merged as Polygon).coordinates).toHaveLength(1) // the shared border is dissolved: no hole, one ring
    r = coverageReport([merged, ...communities.filter((g) => g !== ga && g !== gb).map((g) => g.geometry)], streetFeature.geometry)
    expect(r.maxOverlap).toBeLessThan(TOLERANCE)
    expect(r.gap).toBeLessThan(TOLERANCE)
  })
})

