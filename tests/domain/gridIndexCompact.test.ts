/**
 * GridIndex's compact encoding (fixed-point Int32 cell blocks, edges as chains) and its bulk form:
 * answers equal the exact reference where rounding to the fixed-point lattice could matter, locateMany
 * equals locate, update() equals a fresh build, and the index at a 20,000-grid city takes at most half
 * the typed-array memory of the previous encoding. The exactness proof of the rule itself stays in
 * gridIndex.test.ts (fixtures, real boundaries, ulps).
 */
import { describe, expect, it } from 'vitest'
import type { Polygon, Position } from 'geojson'
import { GridIndex, referenceLocate, type IndexedGrid } from '../../server/domain/geometry/gridIndex.ts'
import { mulberry32 } from '../../server/domain/random.ts'
import { syntheticCity } from '../../bench/syntheticCity.ts'

type PolyGrid = IndexedGrid & { geometry: Polygon }

/** Every vertex and edge midpoint (on a boundary), and seeded random points over the bbox + 10%. */
function probe(grids: PolyGrid[], nRandom: number, seed: number): { xs: Float64Array; ys: Float64Array } {
  const xs: number[] = [], ys: number[] = []
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const g of grids) {
    const ring = g.geometry.coordinates[0]!
    ring.forEach((p, i) => {
      xs.push(p[0]!); ys.push(p[1]!)
      const q = ring[i + 1]
      if (q) { xs.push((p[0]! + q[0]!) / 2); ys.push((p[1]! + q[1]!) / 2) }
      x0 = Math.min(x0, p[0]!); y0 = Math.min(y0, p[1]!); x1 = Math.max(x1, p[0]!); y1 = Math.max(y1, p[1]!)
    })
  }
  const r = mulberry32(seed), dx = x1 - x0, dy = y1 - y0
  for (let i = 0; i < nRandom; i++) { xs.push(x0 - 0.1 * dx + 1.2 * dx * r()); ys.push(y0 - 0.1 * dy + 1.2 * dy * r()) }
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) }
}

function bboxOf(grids: PolyGrid[]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const g of grids) for (const p of g.geometry.coordinates[0]!) {
    x0 = Math.min(x0, p[0]!); y0 = Math.min(y0, p[1]!); x1 = Math.max(x1, p[0]!); y1 = Math.max(y1, p[1]!)
  }
  return [x0, y0, x1, y1]
}

/** The city mapped affinely onto [lng0, lng0 + w] × [lat0, lat0 + h] (shared vertices stay bit-identical). */
function rescaled(grids: PolyGrid[], lng0: number, lat0: number, w: number, h: number): PolyGrid[] {
  const [x0, y0, x1, y1] = bboxOf(grids)
  const map = (p: Position): Position => [lng0 + ((p[0]! - x0) / (x1 - x0)) * w, lat0 + ((p[1]! - y0) / (y1 - y0)) * h]
  return grids.map((g) => ({ ...g, geometry: { type: 'Polygon', coordinates: [g.geometry.coordinates[0]!.map(map)] } }))
}

function mismatches(index: GridIndex, grids: IndexedGrid[], xs: Float64Array, ys: Float64Array): string[] {
  const bad: string[] = []
  for (let i = 0; i < xs.length; i++) {
    const got = index.locate(xs[i]!, ys[i]!), want = referenceLocate(grids, xs[i]!, ys[i]!)
    if (got !== want) bad.push(`(${xs[i]}, ${ys[i]}): index ${got}, reference ${want}`)
  }
  return bad
}

describe('GridIndex fixed-point encoding stays exact', () => {
  /** points a few fixed-point steps (extent / 2^30) and a few ulps away from vertices and edge midpoints */
  function nearLattice(grids: PolyGrid[], every: number): { xs: Float64Array; ys: Float64Array } {
    const [x0, y0, x1, y1] = bboxOf(grids)
    const ux = (x1 - x0) / 2 ** 30, uy = (y1 - y0) / 2 ** 30
    const base = probe(grids, 0, 1), xs: number[] = [], ys: number[] = []
    for (let i = 0; i < base.xs.length; i += every) {
      const x = base.xs[i]!, y = base.ys[i]!
      for (const k of [-2, -0.5, 0.5, 2]) {
        xs.push(x + k * ux, x, x + k * ux, x + k * 1e-3 * ux); ys.push(y, y + k * uy, y - k * uy, y)
      }
    }
    return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) }
  }

  const cases: [string, number, number, number, number][] = [
    ['a 30 km city near Baoji', 107.0, 34.2, 0.33, 0.27],
    ['a 1 m square far from the origin (extent ≪ coordinates)', 107.123456, 34.654321, 1e-5, 1e-5],
    ['the whole globe (extent ≫ a cell)', -180, -85, 360, 170],
    ['around the origin (coordinates change sign)', -0.01, -0.01, 0.02, 0.02],
  ]
  for (const [name, lng0, lat0, w, h] of cases) {
    it(`${name}: equals the reference on vertices, midpoints, random points and points a few fixed-point steps away`, () => {
      const grids = rescaled(syntheticCity(60, 17).grids, lng0, lat0, w, h)
      const index = GridIndex.build(grids)
      const a = probe(grids, 3000, 2), b = nearLattice(grids, 5)
      expect(a.xs.length + b.xs.length).toBeGreaterThan(10_000)
      expect(mismatches(index, grids, a.xs, a.ys)).toEqual([])
      expect(mismatches(index, grids, b.xs, b.ys)).toEqual([])
      expect(index.stats().cellsWithEdges).toBeGreaterThan(0) // the fast path really ran
    }, 120_000)
  }
})

describe('GridIndex.locateMany', () => {
  const city = syntheticCity(200, 21)
  const index = GridIndex.build(city.grids)
  const { xs, ys } = probe(city.grids, 20_000, 3)

  it('xs/ys form equals locate on random points and on boundary points (-1 for none)', () => {
    const got = index.locateMany(xs, ys)
    expect(got).toBeInstanceOf(Int32Array)
    expect(got.length).toBe(xs.length)
    const want = Int32Array.from(xs, (x, i) => index.locate(x, ys[i]!) ?? -1)
    expect(Array.from(got)).toEqual(Array.from(want))
    const none = got.filter((v) => v === -1).length
    expect(none).toBeGreaterThan(0) // some random points fall outside the city
    expect(none).toBeLessThan(got.length / 2)
  })

  it('interleaved form and a caller-supplied out array give the same answers', () => {
    const inter = new Float64Array(2 * xs.length)
    xs.forEach((x, i) => { inter[2 * i] = x; inter[2 * i + 1] = ys[i]! })
    const out = new Int32Array(xs.length + 5).fill(7)
    expect(index.locateMany(xs, ys, out)).toBe(out)
    expect(Array.from(index.locateMany(inter))).toEqual(Array.from(out.subarray(0, xs.length)))
    expect(Array.from(out.subarray(xs.length))).toEqual([7, 7, 7, 7, 7]) // nothing written past the points
  })

  it('rejects mismatched inputs with a clear error', () => {
    expect(() => index.locateMany(xs, ys.subarray(1))).toThrow(/xs has .* ys/)
    expect(() => index.locateMany(xs, ys, new Int32Array(3))).toThrow(/room for 3/)
    expect(() => index.locateMany(new Float64Array(3))).toThrow(/even length/)
  })
})

describe('GridIndex.update equals a fresh build', () => {
  function moveShared(grids: PolyGrid[], r: () => number): number[] {
    for (;;) {
      const gi = Math.floor(r() * grids.length), ring = grids[gi]!.geometry.coordinates[0]!
      const p = ring[1 + Math.floor(r() * (ring.length - 2))]!
      const others = grids.map((g, i) => [g, i] as const).filter(([g, i]) => i !== gi && g.geometry.coordinates[0]!.some((q) => q[0] === p[0] && q[1] === p[1]))
      if (!others.length) continue
      const q: Position = [p[0]! + (r() - 0.5) * 4e-4, p[1]! + (r() - 0.5) * 4e-4]
      const touched = [gi, ...others.map(([, i]) => i)]
      for (const i of touched) {
        const g = grids[i]!
        grids[i] = { ...g, geometry: { type: 'Polygon', coordinates: [g.geometry.coordinates[0]!.map((s) => (s[0] === p[0] && s[1] === p[1] ? q : s))] } }
      }
      return touched
    }
  }

  it('after a randomized sequence of vertex moves, removals and re-additions', () => {
    const city = syntheticCity(150, 33)
    let grids = city.grids.slice()
    const index = GridIndex.build(grids)
    const r = mulberry32(4)
    const removed: PolyGrid[] = []
    for (let step = 0; step < 60; step++) {
      if (step % 10 === 3) { // remove a grid
        const victim = grids[Math.floor(r() * grids.length)]!
        grids = grids.filter((g) => g !== victim)
        removed.push(victim)
        index.update([], [victim.id])
      } else if (step % 10 === 7 && removed.length) { // put one back
        const back = removed.pop()!
        grids.push(back)
        index.update([back])
      } else {
        const touched = moveShared(grids, r)
        index.update(touched.map((i) => grids[i]!))
      }
    }
    const fresh = GridIndex.build(grids)
    expect(index.size).toBe(grids.length)
    const { xs, ys } = probe(grids, 20_000, 8)
    expect(Array.from(index.locateMany(xs, ys))).toEqual(Array.from(fresh.locateMany(xs, ys)))
    expect(mismatches(index, grids, xs.subarray(0, 6000), ys.subarray(0, 6000))).toEqual([])
  }, 120_000)
})

describe('GridIndex memory at a 20,000-grid synthetic city', () => {
  /**
   * The previous encoding (Float64 cell blocks, every edge stored with its own four coordinates)
   * held 75,561,888 bytes of typed arrays for bench/syntheticCity.ts at 20,000 grids, seed 20260101
   * (measured with that code's memoryBytes() before the change; bench/assignment.ts reported 75.6 MB).
   */
  const PREVIOUS_BYTES = 75_561_888

  it('holds at most half of the previous typed-array bytes, and still answers exactly', () => {
    const city = syntheticCity(20_000, 20260101)
    const index = GridIndex.build(city.grids)
    expect(index.size).toBe(20_000)
    const bytes = index.memoryBytes()
    expect(bytes).toBeGreaterThan(1e6)
    expect(bytes).toBeLessThanOrEqual(PREVIOUS_BYTES / 2)
    const s = index.stats()
    expect(s.cellsWithEdges).toBeGreaterThan(100_000) // the cells are as fine as before, not fewer and coarser
    // exact on a sample: random points over the city and points on its boundaries, against the exact path
    const { xs, ys } = probe(city.grids.filter((_, i) => i % 400 === 0), 5000, 12)
    const bad: string[] = []
    for (let i = 0; i < xs.length; i++) {
      const got = index.locate(xs[i]!, ys[i]!), want = index.locateExact(xs[i]!, ys[i]!)
      if (got !== want) bad.push(`(${xs[i]}, ${ys[i]}): ${got} vs exact ${want}`)
    }
    expect(xs.length).toBeGreaterThan(5000)
    expect(bad).toEqual([])
  }, 180_000)
})
