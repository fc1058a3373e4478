/**
 * GridIndex's cell-relative encoding: chain vertices stored as Int16 relative to their cell's origin
 * (2^14 fixed-point steps per cell), or as global Int32 ("wide") where some vertex lies beyond Int16.
 * Both kinds must give exactly the answer of turf booleanPointInPolygon with the index's boundary rule
 * (referenceLocate) — on vertices, on edges, one ulp beside them, and a fraction of a fixed-point step
 * (the lattice the stored vertices are rounded to) beside them.
 */
import { describe, expect, it } from 'vitest'
import type { Polygon, Position } from 'geojson'
import { GridIndex, referenceLocate, type IndexedGrid } from '../../server/domain/geometry/gridIndex.ts'
import { mulberry32 } from '../../server/domain/random.ts'
import { syntheticCity } from '../../bench/syntheticCity.ts'

type PolyGrid = IndexedGrid & { geometry: Polygon }

/** The next double above (dir 1) or below (dir -1) x. */
function ulpStep(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * Number.MIN_VALUE
  const f = new Float64Array([x]), b = new BigInt64Array(f.buffer)
  b[0] = b[0]! + BigInt(x > 0 === (dir > 0) ? 1 : -1)
  return f[0]!
}

function bboxOf(grids: PolyGrid[]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const g of grids) for (const p of g.geometry.coordinates[0]!) {
    x0 = Math.min(x0, p[0]!); y0 = Math.min(y0, p[1]!); x1 = Math.max(x1, p[0]!); y1 = Math.max(y1, p[1]!)
  }
  return [x0, y0, x1, y1]
}

/**
 * Points on every `every`-th vertex and edge midpoint, one ulp beside them (8 directions), and ±0.3, ±0.5,
 * ±0.7 and ±2 fixed-point steps beside them (a step = the cell's width / 2^14: the lattice the stored
 * vertices are rounded to), plus seeded random points over the bbox + 10 %.
 */
function probes(index: GridIndex, grids: PolyGrid[], every: number, nRandom: number, seed: number): { xs: number[]; ys: number[] } {
  const [x0, y0, x1, y1] = bboxOf(grids)
  const { nx, ny } = index.stats()
  const ux = (x1 - x0) / nx / 2 ** 14, uy = (y1 - y0) / ny / 2 ** 14
  const xs: number[] = [], ys: number[] = []
  let n = 0
  for (const g of grids) {
    const ring = g.geometry.coordinates[0]!
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!, b = ring[i + 1]!
      for (const [x, y] of [[a[0]!, a[1]!], [(a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2]] as const) {
        if (n++ % every) continue
        xs.push(x); ys.push(y)
        for (const dx of [-1, 0, 1] as const) for (const dy of [-1, 0, 1] as const) {
          if (!dx && !dy) continue
          xs.push(dx ? ulpStep(x, dx) : x); ys.push(dy ? ulpStep(y, dy) : y)
        }
        for (const k of [-2, -0.7, -0.5, -0.3, 0.3, 0.5, 0.7, 2]) {
          xs.push(x + k * ux, x, x + k * ux); ys.push(y, y + k * uy, y - k * uy)
        }
      }
    }
  }
  const r = mulberry32(seed), dx = x1 - x0, dy = y1 - y0
  for (let i = 0; i < nRandom; i++) { xs.push(x0 - 0.1 * dx + 1.2 * dx * r()); ys.push(y0 - 0.1 * dy + 1.2 * dy * r()) }
  return { xs, ys }
}

function mismatches(index: GridIndex, grids: IndexedGrid[], xs: number[], ys: number[]): string[] {
  const bad: string[] = []
  for (let i = 0; i < xs.length; i++) {
    const got = index.locate(xs[i]!, ys[i]!), want = referenceLocate(grids, xs[i]!, ys[i]!)
    if (got !== want) bad.push(`(${xs[i]}, ${ys[i]}): index ${got}, reference ${want}`)
  }
  return bad
}

/**
 * A small synthetic city beside long thin strips (4 vertices each, as long as the city is wide): the strips'
 * edges cross many cells with both ends far beyond Int16 of those cells' origins, so their cells are wide,
 * while the city's cells are narrow. Strips share their long sides (bit-identical), like real grids.
 */
function cityWithStrips(): PolyGrid[] {
  const city = syntheticCity(80, 41).grids
  const [x0, y0, x1, y1] = bboxOf(city)
  const w = x1 - x0, hStrip = (y1 - y0) / 10
  const strips: PolyGrid[] = []
  for (let i = 0; i < 8; i++) {
    const ya = y0 + i * hStrip, yb = y0 + (i + 1) * hStrip
    const xa = x1 + w * 0.013, xb = xa + 1.7 * w
    const ring: Position[] = [[xa, ya], [xb, ya + hStrip * 0.37], [xb, yb + hStrip * 0.37], [xa, yb], [xa, ya]]
    strips.push({ id: 10_000 + i, code: `S${String(i).padStart(2, '0')}`, geometry: { type: 'Polygon', coordinates: [ring] } })
  }
  return [...city, ...strips]
}

describe('GridIndex cell-relative (Int16) and wide (Int32) cell blocks', () => {
  it('a synthetic city: every cell block is narrow and answers equal the reference on and beside the lattice', () => {
    const grids = syntheticCity(60, 29).grids
    const index = GridIndex.build(grids)
    const s = index.stats()
    expect(s.cellsWithEdges).toBeGreaterThan(100)
    expect(s.wideCells).toBe(0)
    const { xs, ys } = probes(index, grids, 7, 3000, 5)
    expect(xs.length).toBeGreaterThan(20_000)
    expect(mismatches(index, grids, xs, ys)).toEqual([])
  }, 180_000)

  it('long edges: narrow and wide blocks side by side, both equal to the reference; update() keeps them so', () => {
    let grids = cityWithStrips()
    const index = GridIndex.build(grids)
    const s = index.stats()
    expect(s.wideCells).toBeGreaterThan(10)
    expect(s.cellsWithEdges - s.wideCells - s.slowCells).toBeGreaterThan(100)
    const { xs, ys } = probes(index, grids, 5, 4000, 6)
    expect(mismatches(index, grids, xs, ys)).toEqual([])
    // move a far corner of a strip shared by its neighbour: the edit spans many cells, wide and narrow
    const a = grids.find((g) => g.id === 10_003)!, b = grids.find((g) => g.id === 10_004)!
    const corner = a.geometry.coordinates[0]![2]!
    const moved: Position = [corner[0]! - 1e-3, corner[1]! + 2e-4]
    const move = (g: PolyGrid): PolyGrid => ({ ...g, geometry: { type: 'Polygon', coordinates: [g.geometry.coordinates[0]!.map((p) => (p[0] === corner[0] && p[1] === corner[1] ? moved : p))] } })
    expect(b.geometry.coordinates[0]!.some((p) => p[0] === corner[0] && p[1] === corner[1])).toBe(true)
    grids = grids.map((g) => (g === a || g === b ? move(g) : g))
    index.update([move(a), move(b)])
    const fresh = GridIndex.build(grids)
    const after = probes(fresh, grids, 11, 3000, 7)
    expect(mismatches(index, grids, after.xs, after.ys)).toEqual([])
    expect(Array.from(index.locateMany(Float64Array.from(after.xs), Float64Array.from(after.ys))))
      .toEqual(Array.from(fresh.locateMany(Float64Array.from(after.xs), Float64Array.from(after.ys))))
  }, 240_000)
})
