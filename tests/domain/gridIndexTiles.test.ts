/**
 * GridIndex's Uint16 cell table: per cell a block's offset from its tile's base (a tile = 32 cells of a
 * row), or an empty cell's grid slot inline. Its rare paths — a block too far from its tile's base (the
 * cell goes to the exact path), an empty cell whose grid's slot is too large to name inline (a block
 * without edges), a cell with more parts than a narrow block holds (WIDE) — need > 32,000 words of edges
 * in one tile, > 32,766 grids, > 16 parts in a cell. Here the limits are lowered (`limits`, for tests) so
 * that they run on a small city; the answers must equal turf + the boundary rule (referenceLocate), also
 * after update().
 */
import { describe, expect, it } from 'vitest'
import type { Polygon, Position } from 'geojson'
import { GridIndex, referenceLocate, type IndexedGrid } from '../../server/domain/geometry/gridIndex.ts'
import { mulberry32 } from '../../server/domain/random.ts'
import { moveSharedVertex, syntheticCity } from '../../bench/syntheticCity.ts'

type PolyGrid = IndexedGrid & { geometry: Polygon }

/** Every vertex and edge midpoint, and seeded random points over the bbox + 10 %. */
function probes(grids: PolyGrid[], nRandom: number, seed: number): { xs: Float64Array; ys: Float64Array } {
  const xs: number[] = [], ys: number[] = []
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const g of grids) {
    const ring = g.geometry.coordinates[0]!
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!, b = ring[i + 1]!
      xs.push(a[0]!, (a[0]! + b[0]!) / 2); ys.push(a[1]!, (a[1]! + b[1]!) / 2)
      x0 = Math.min(x0, a[0]!); y0 = Math.min(y0, a[1]!); x1 = Math.max(x1, a[0]!); y1 = Math.max(y1, a[1]!)
    }
  }
  const r = mulberry32(seed), dx = x1 - x0, dy = y1 - y0
  for (let i = 0; i < nRandom; i++) { xs.push(x0 - 0.1 * dx + 1.2 * dx * r()); ys.push(y0 - 0.1 * dy + 1.2 * dy * r()) }
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) }
}

function mismatches(index: GridIndex, grids: IndexedGrid[], xs: Float64Array, ys: Float64Array): string[] {
  const bad: string[] = []
  const many = index.locateMany(xs, ys)
  for (let i = 0; i < xs.length; i++) {
    const got = index.locate(xs[i]!, ys[i]!), want = referenceLocate(grids, xs[i]!, ys[i]!)
    if (got !== want) bad.push(`(${xs[i]}, ${ys[i]}): index ${got}, reference ${want}`)
    if (many[i] !== (got ?? -1)) bad.push(`(${xs[i]}, ${ys[i]}): locateMany ${many[i]}, locate ${got}`)
  }
  return bad
}

describe('GridIndex Uint16 cell table with per-tile block offsets', () => {
  it('the default limits: no block without edges, few cells on the exact path, answers equal the reference', () => {
    const grids = syntheticCity(150, 61).grids
    const index = GridIndex.build(grids)
    const s = index.stats()
    expect(s.cellsWithEdges).toBeGreaterThan(500)
    expect(s.ownerBlocks).toBe(0)
    expect(s.slowCells).toBeLessThan(s.cellsWithEdges / 100)
    const { xs, ys } = probes(grids, 5000, 3)
    expect(mismatches(index, grids, xs, ys)).toEqual([])
  }, 120_000)

  it('lowered limits (tile overflow → exact path, large slots → blocks without edges, > 2 parts → WIDE): the same answers, also after update()', () => {
    let grids = syntheticCity(150, 61).grids
    const limits = { maxRel: 30, maxOwnerSlot: 60, narrowParts: 2 }
    const index = GridIndex.build(grids, { limits })
    const s = index.stats(), d = GridIndex.build(grids).stats()
    expect(s.slowCells).toBeGreaterThan(d.slowCells + 100) // blocks beyond 30 words of their tile's base
    expect(s.ownerBlocks).toBeGreaterThan(100) // empty cells of grids in slots 61…149
    expect(s.wideCells).toBeGreaterThan(20) // cells where three grids meet
    expect(s.cellsWithEdges - s.wideCells).toBeGreaterThan(100) // and narrow blocks beside them
    const { xs, ys } = probes(grids, 5000, 4)
    expect(mismatches(index, grids, xs, ys)).toEqual([])

    const r = mulberry32(77)
    for (let e = 0; e < 6; e++) {
      const m = moveSharedVertex(grids, r)
      grids = m.grids
      index.update(m.edited)
    }
    index.update([], [grids[5]!.id]) // a grid removed: its cells are empty of it
    grids = grids.filter((_, i) => i !== 5)
    const after = probes(grids, 5000, 5)
    expect(mismatches(index, grids, after.xs, after.ys)).toEqual([])
    expect(Array.from(index.locateMany(after.xs, after.ys))).toEqual(Array.from(GridIndex.build(grids).locateMany(after.xs, after.ys)))
  }, 240_000)
})
