/**
 * GridIndex — exact and fast point → grid lookup for one level of grids.
 *
 * BOUNDARY RULE (this is the text for the README)
 *   1. A point in the interior of a grid belongs to that grid. "Interior" is
 *      exactly what turf `booleanPointInPolygon(point, grid, { ignoreBoundary: true })`
 *      says: holes are excluded, every part of a MultiPolygon is included.
 *   2. A point lying exactly on a boundary (an edge or a vertex: inside the
 *      closed region of one or more grids, per `booleanPointInPolygon(point,
 *      grid)`, but in no grid's interior) belongs to the grid with the smallest
 *      `code` (numeric order of server/domain/grid/levels.ts compareGridCodes: digit codes
 *      right-padded with zeros to the same length and compared as integers, shorter first
 *      when equal) among all grids whose closed
 *      region contains it. The answer is deterministic and does not depend on
 *      the order in which grids were given.
 *   3. A point outside every grid gives null.
 *   (Invalid data only: where grids overlap, a point in the interior of several
 *   grids goes to the smallest code among them. Equal codes: smallest id.)
 *
 * DESIGN
 *   A uniform cell grid over the bbox of all grids. `cells` (Uint16, one per cell) holds either the
 *   answer of a cell that no edge meets (OWNER16 + the slot of the grid covering it, found once by a
 *   sweep; NONE16 for none) or the offset of the cell's block in one pool from the base of its tile
 *   (a tile = TILE = 32 cells of a row, whose blocks lie contiguous from tileBase[tile], Int32; < 2^15
 *   words in practice: a block beyond it, and a cell with more than MAX_CHAINS = 1023 chains, is EXACT16, answered
 *   by the exact path; an empty cell whose slot ≥ 32,767 gets a block without edges). The index is
 *   memory-bound at city scale — a random point costs a read in the cell table and, in a cell with
 *   edges, one in its block (header, chains, then part slots, contiguous) — so both are kept small:
 *   2 bytes per cell instead of 4 (3.0 MB instead of 6.0 at 20,000 grids; tileBase 0.19 MB), blocks in
 *   16-bit words. update() rewrites whole tiles (its window widened to tile bounds), so a tile's
 *   blocks stay contiguous; compact() keeps each tile's order, so offsets never grow.
 *   - Fixed point: X = (x − minX)·sx, Y = (y − minY)·sy with sx, sy = 2^14 steps per cell (so at most
 *     2^26 across the extent; fewer steps per cell where the extent is tiny, see below). A stored vertex
 *     is within 0.5 + ε steps of its true scaled position and a query point (computed in doubles) within
 *     ε ≤ ulp(x)/2·sx, kept ≤ 2·10^-4 step by halving the steps per cell until it holds (at China's
 *     longitudes 2^14 steps hold for cells of 0.15 m and more), so 0.5 + 2ε ≤ D. Orientation signs are invariant under this
 *     positive scaling, so signs taken in fixed point are the true signs as long as each test's doubt
 *     includes D = 0.501 step per unit of |coordinate difference| (see below).
 *   - Cell-relative: a block stores its vertices as Int16 relative to the cell's origin
 *     O = (cx·step + step/2, cy·step + step/2) (1.5 cells beyond each side), a query subtracts O from its
 *     fixed-point coordinates (exact: integers below 2^26 from a double below 2^26), so every coordinate
 *     difference, and so every orientation value, is the same number as with global coordinates. Such a
 *     narrow block is all 16-bit words: info (parts | chains << 6), Rx − ox, R's mask, per chain k and
 *     mask, the vertices, then one Uint16 slot per part. A block with a vertex beyond Int16 of O (a long
 *     edge), more than 16 parts or a slot ≥ 2^16 stores Int32 words and global coordinates (WIDE).
 *   - A cell's edges are stored once each (a shared edge once, with both parts' bits) and joined into
 *     chains of edges sharing a vertex and a parts mask (a boundary through a cell is usually one
 *     chain): per chain k, mask, then k + 1 vertices — each vertex once, not twice per edge.
 *   - A cell with edges stores a reference point R on the fixed-point lattice (chosen far from its
 *     edges, on the row's centre line) and which polygon parts contain R, as a bitmask over the cell's
 *     parts. For a query point p, every edge whose segment crosses p→R flips its parts' bits; the
 *     remaining bits are the parts containing p. Per vertex v: t = orient(p, R, v); only an edge whose
 *     ends have opposite t also needs orient(a, b, p) and orient(a, b, R) (the latter evaluated by the
 *     very expression whose sign was certified when R was chosen, so it needs no filter).
 *   - Every orientation test is filtered: if |value| ≤ relative rounding (TOL_P) + D·(the L1 lengths of
 *     its difference vectors), p (or the segment p→R) is within doubt of a vertex or edge, and the
 *     query falls back to the exact slow path (flatbush over grid bboxes + turf with the rule above).
 *     For t = orient(p, R, v) = rdx·(vy − py) − rdy·(vx − px), (rdx, rdy) = R − p, the doubt is tighter
 *     because R is an exact lattice point: with the true p* = p + δp (|δp| ≤ ε per axis) and v* = v + δv
 *     (|δv| ≤ 0.5 + ε), t* − t = rdx·δvy − rdy·δvx (≤ (0.5 + ε)·|R − p|₁) − rdx·δpy + rdy·δpx − δpx·(vy − py)
 *     + δpy·(vx − px) (≤ ε·(|R − p|₁ + |v − p|₁)) − δpx·δvy + δpy·δvx (≤ 2ε(0.5 + ε)); so the filter takes
 *     TOL_P·|R − p|₁·|v − p|₁ + (D + EP)·|R − p|₁ + EP·|v − p|₁ + 1 with EP = 10^-3 ≥ ε: a vertex's own
 *     rounding is charged to |R − p|₁ only (half the fallbacks of D·(|R − p|₁ + |v − p|₁) on random points).
 *     Edges outside the cell are at least `pad` (≥ 4 steps) away, far beyond rounding, and R rounded to
 *     the lattice stays within the padded cell on the same side of every cell edge as before rounding,
 *     so the fast answer always equals the reference.
 *   At 20,000 synthetic grids (bench/syntheticCity.ts): 1.5 M cells, 18.8 MB of typed arrays (pool
 *   14.6 MB; with an Int32 cell table and Int32 block headers, masks and slots 26.8 MB; Int32 global
 *   coordinates 34.8 MB; Float64 blocks with every edge's four coordinates 75.6 MB).
 *   update() recomputes only the cells under the old and new bboxes of the changed grids; new cell
 *   blocks are appended to the pool (compacted when half of it is garbage) and changed grids go into
 *   a small "dirty" list beside the static flatbush tree.
 */
import type { MultiPolygon, Polygon } from 'geojson'
import Flatbush from 'flatbush'
import { booleanPointInPolygon } from '@turf/turf'
import { compareGridCodes } from '../grid/levels.ts'

export interface IndexedGrid {
  id: number
  code: string
  geometry: Polygon | MultiPolygon
}

export interface GridIndexOptions {
  /** cells per polygon edge (shared edges count twice); default 0.75 (at 20,000 grids: 1.5 M cells, 18.8 MB of typed arrays; 0.5: 15.8 MB, 1.0: 21.5 MB, both slower; the encoding before issue 14 took 75.6 MB) */
  cellsPerEdge?: number
  /**
   * For tests only: lower limits of the encoding, so that its rare paths run on a small city (answers
   * must not change): a block's largest offset from its tile's base (else the cell goes to the exact
   * path; default 32,766), the largest slot an empty cell names inline (else a block without edges;
   * 32,766), the most parts of a narrow block (else WIDE; 16).
   */
  limits?: { maxRel?: number; maxOwnerSlot?: number; narrowParts?: number }
}

/** True when grid a wins over grid b under the rule (smaller code by compareGridCodes, then id). */
function wins(a: { code: string; id: number }, b: { code: string; id: number }): boolean {
  const c = compareGridCodes(a.code, b.code)
  return c < 0 || (c === 0 && a.id < b.id)
}

/** The rule, applied with turf to a list of candidate grids. Exact and slow. */
function pickByRule(x: number, y: number, grids: Iterable<IndexedGrid>): IndexedGrid | null {
  const pt = [x, y]
  let inner: IndexedGrid | null = null
  let closed: IndexedGrid | null = null
  for (const g of grids) {
    if (booleanPointInPolygon(pt, g.geometry, { ignoreBoundary: true })) {
      if (!inner || wins(g, inner)) inner = g
    } else if (!inner && booleanPointInPolygon(pt, g.geometry)) {
      if (!closed || wins(g, closed)) closed = g
    }
  }
  return inner ?? closed
}

/** Reference: plain turf over every grid, applying the rule. For tests. */
export function referenceLocate(grids: readonly IndexedGrid[], lng: number, lat: number): number | null {
  return pickByRule(lng, lat, grids)?.id ?? null
}

const TOL_P = 1e-11 // relative orientation doubt for a query point (rounding is ~3e-16)
const TOL_R = 1e-7 // stricter for the stored reference points
const MAX_PARTS = 31 // parts per cell that fit a bitmask; more → the cell answers slowly
const STEP = 2 ** 14 // fixed-point steps per cell, per axis (at most 4096 cells: global coordinates within 2^26);
//                      fewer for an extent so small that doubles could not place a point within 2·10^-4 step
// a cell's origin O = (cx·step + step/2, cy·step + step/2): Int16 reaches 1.5 cells beyond its sides
const WIDE = 32 // info bit: the block's vertices are global Int32 (some vertex is beyond Int16 of O)
/**
 * Doubt added per unit of |coordinate difference| in fixed-point units: a stored vertex is within
 * 0.5 + ε of its true scaled position, a query point within ε, ε ≤ 2·10^-4 (see the design comment).
 */
const D = 0.501
/**
 * Doubt of t = orient(p, R, v) per unit of |coordinate difference| that comes from the query point alone
 * (ε ≤ 2·10^-4, with room): R is an exact lattice point, so only v's rounding costs D, and only per unit of
 * |R − p|₁ (see the design comment).
 */
const EP = 1e-3
const BATCH = 32 // points per batch in locateMany: the cell reads of a batch overlap
// the cell table (Uint16, one entry per cell): a tile is a run of TILE cells of one row, whose blocks lie
// contiguous in the pool from tileBase[tile]; an entry is the block's offset from there, or one of these:
const TILE_SHIFT = 5
const TILE = 1 << TILE_SHIFT
const MAX_REL = 0x7ffe // largest offset of a block from its tile's base
const EXACT16 = 0x7fff // the cell is answered by the exact slow path
const NONE16 = 0x8000 // no edge, no grid
const OWNER16 = 0x8001 // + slot (≤ MAX_REL): no edge, one grid covers the cell (a larger slot gets a block without edges)
const NARROW_PARTS = 16 // at most this many parts (and slots < 2^16) for a narrow block
const MAX_CHAINS = 1023 // info = parts | WIDE? | chains << 6 fits 16 bits; more chains → the exact path
const HEAD = 3 // a cell block starts at an Int32 offset h. Narrow (16-bit words from 2h): info, Rx − ox (Int16), R mask,
//                then per chain: k (edges), mask, k + 1 vertices x, y (Int16, relative to O), then the slot of
//                each local part (Uint16). WIDE (Int32 from h): info (16 bits at word 2h), Rx, R mask, then per
//                chain k, mask, k + 1 vertices x, y (global), then the slot of each local part
interface Slot extends IndexedGrid {
  rings: Float64Array[] // closed rings, flat x,y
  ringPart: number[] // global part id of each ring
  bbox: [number, number, number, number]
  edges: number
}

function grow<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(a: T, need: number, factor = 2): T {
  if (need <= a.length) return a
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, Math.ceil(a.length * factor), 64))
  b.set(a)
  return b
}

export class GridIndex {
  private readonly cellsPerEdge: number
  private readonly maxRel: number
  private readonly maxOwner: number
  private readonly narrowParts: number
  private slots: (Slot | null)[] = []
  private slotId: number[] = []
  private freeSlots: number[] = []
  private byId = new Map<number, number>()
  private slotState = new Uint8Array(0) // 0 none, 1 in tree, 2 dirty
  private partSlot = new Int32Array(0)
  private nParts = 0
  private tree: Flatbush | null = null
  private treeSlot = new Int32Array(0)
  private dirty: number[] = []
  // cell grid
  private nx = 1
  private ny = 1
  private minX = Infinity
  private minY = Infinity
  private maxX = -Infinity
  private maxY = -Infinity
  private cw = 1
  private ch = 1
  private invW = 1
  private invH = 1
  private pad = 0
  /** fixed-point scale: X = (x - minX) * sx, Y = (y - minY) * sy; `step` per cell (at most 2^26 across the extent) */
  private sx = 1
  /** fixed-point steps per cell (STEP, or fewer for a tiny extent) and half of it */
  private step = STEP
  private half = STEP / 2
  private sy = 1
  private rowY = new Float64Array(1)
  /** the row's centre line in fixed point: the Y of every cell's reference point R in that row */
  private rowYi = new Int32Array(1)
  /** per cell: < EXACT16: offset of the cell's block from its tile's base; EXACT16, NONE16, OWNER16 + slot */
  private cells = new Uint16Array(1).fill(NONE16)
  /** per tile (TILE cells of a row; ntx tiles per row): offset of its first block in the pool */
  private tileBase = new Int32Array(1)
  private ntx = 1
  private pool: Int32Array = new Int32Array(0)
  /** the same buffer as 16-bit words (narrow chains) */
  private pool16: Int16Array = new Int16Array(0)
  /** … and unsigned (info, masks, slots) */
  private poolU16: Uint16Array = new Uint16Array(0)
  private used = 0
  private garbage = 0

  private constructor(opts: GridIndexOptions) {
    this.cellsPerEdge = opts.cellsPerEdge ?? 0.75
    this.maxRel = Math.min(MAX_REL, opts.limits?.maxRel ?? MAX_REL)
    this.maxOwner = Math.min(MAX_REL, opts.limits?.maxOwnerSlot ?? MAX_REL)
    this.narrowParts = Math.min(NARROW_PARTS, opts.limits?.narrowParts ?? NARROW_PARTS)
  }

  static build(grids: IndexedGrid[], opts: GridIndexOptions = {}): GridIndex {
    const idx = new GridIndex(opts)
    for (const g of grids) idx.put(g)
    idx.rebuildAll()
    return idx
  }

  get size(): number {
    return this.byId.size
  }

  /** id of the grid containing the point, or null (see the rule above). */
  locate(x: number, y: number): number | null {
    if (!(x >= this.minX && x <= this.maxX && y >= this.minY && y <= this.maxY)) return null
    let cx = ((x - this.minX) * this.invW) | 0
    let cy = ((y - this.minY) * this.invH) | 0
    if (cx >= this.nx) cx = this.nx - 1
    if (cy >= this.ny) cy = this.ny - 1
    const v = this.cells[cy * this.nx + cx]!
    if (v >= NONE16) return v === NONE16 ? null : this.slotId[v - OWNER16]!
    return this.locateInBlock(x, y, v, cx, cy)
  }

  /** locate() in a cell with edges (block at v from its tile's base); kept apart so that locate() itself stays small enough to inline. */
  private locateInBlock(x: number, y: number, v: number, cx: number, cy: number): number | null {
    if (v === EXACT16) return this.locateExact(x, y)
    const h = this.tileBase[cy * this.ntx + (cx >> TILE_SHIFT)]! + v
    const U = this.poolU16, V = this.pool16
    let q = 2 * h
    const info = U[q]!
    if (info & WIDE) return this.locateWide(x, y, h, info, cy)
    // everything below in fixed point relative to the cell's origin O (integers): p (double, within
    // ε of exact; the subtraction of O is exact), vertices (Int16) and R
    const ox = cx * this.step + this.half, oy = cy * this.step + this.half
    const px = (x - this.minX) * this.sx - ox, py = (y - this.minY) * this.sy - oy
    const rx = V[q + 1]!, ry = this.rowYi[cy]! - oy
    const rdx = rx - px, rdy = ry - py, rn = Math.abs(rdx) + Math.abs(rdy)
    // doubt of t = orient(p, R, v) = rdx·dy − rdy·dx: rounding (|rdx·dy| + |rdy·dx| ≤ rn·|v − p|₁), v's
    // rounding (D·rn), p's (EP·(rn + |v − p|₁)) and their product (≤ 1)
    const dR = (D + EP) * rn + 1, kR = TOL_P * rn + EP
    let mask = U[q + 2]!
    q += 3
    for (let c = info >>> 6; c > 0; c--) { // chains of edges sharing a parts mask: k, mask, k + 1 vertices
      const m = U[q + 1]!, end = q + 4 + 2 * V[q]!
      let ax = V[q + 2]!, ay = V[q + 3]!
      let dax = ax - px, day = ay - py, na = Math.abs(dax) + Math.abs(day)
      let ta = rdx * day - rdy * dax
      if (Math.abs(ta) <= kR * na + dR) return this.locateExact(x, y)
      for (q += 4; q < end; q += 2) {
        const bx = V[q]!, by = V[q + 1]!
        const dbx = bx - px, dby = by - py, nb = Math.abs(dbx) + Math.abs(dby)
        const tb = rdx * dby - rdy * dbx
        if (Math.abs(tb) <= kR * nb + dR) return this.locateExact(x, y)
        if (ta > 0 !== tb > 0) { // a and b on opposite sides of the line pR: does the edge separate p from R?
          const o = dax * dby - day * dbx // orient(a, b, p); |dax·dby| + |day·dbx| ≤ na·nb
          if (Math.abs(o) <= TOL_P * na * nb + D * (na + nb + 2 * D)) return this.locateExact(x, y)
          // orient(a, b, R): certified at build time, by the same expression
          if (o > 0 !== (ax - rx) * (by - ry) - (ay - ry) * (bx - rx) > 0) mask ^= m // p→R crosses the edge
        }
        ax = bx; ay = by; dax = dbx; day = dby; na = nb; ta = tb
      }
    }
    // the part slots (Uint16) follow the chains
    if (mask === 0) return null
    if ((mask & (mask - 1)) === 0) return this.slotId[U[q + 31 - Math.clz32(mask)]!]!
    return this.answerMany(mask, U, q)
  }

  /** The grid of the parts in mask (bits over the cell's part slots at E[parts…]). */
  private answer(mask: number, parts: number): number | null {
    const E = this.pool
    if (mask === 0) return null
    if ((mask & (mask - 1)) === 0) return this.slotId[E[parts + 31 - Math.clz32(mask)]!]!
    return this.answerMany(mask, E, parts)
  }

  /** Several parts contain p (mask over the part slots at S[parts…]): parts of one grid, or overlapping grids. */
  private answerMany(mask: number, S: Int32Array | Uint16Array, parts: number): number | null {
    let best = -1
    for (let b = 0; b < MAX_PARTS; b++) {
      if (mask & (1 << b)) {
        const s = S[parts + b]!
        if (best < 0 || wins(this.slots[s]!, this.slots[best]!)) best = s
      }
    }
    return this.slotId[best]!
  }

  /** A cell block with a vertex beyond Int16 of its origin: the same test on global Int32 coordinates. */
  private locateWide(x: number, y: number, h: number, info: number, cy: number): number | null {
    const E = this.pool
    // everything below in fixed point: p (double, within ε of exact), vertices and R (Int32)
    const px = (x - this.minX) * this.sx, py = (y - this.minY) * this.sy
    const rx = E[h + 1]!, ry = this.rowYi[cy]!
    const rdx = rx - px, rdy = ry - py, rn = Math.abs(rdx) + Math.abs(rdy)
    // doubt of t = orient(p, R, v) = rdx·dy − rdy·dx: rounding (|rdx·dy| + |rdy·dx| ≤ rn·|v − p|₁), v's
    // rounding (D·rn), p's (EP·(rn + |v − p|₁)) and their product (≤ 1)
    const dR = (D + EP) * rn + 1, kR = TOL_P * rn + EP
    let mask = E[h + 2]!
    let q = h + HEAD
    for (let c = info >>> 6; c > 0; c--) { // chains of edges sharing a parts mask
      const m = E[q + 1]!, end = q + 4 + 2 * E[q]!
      let ax = E[q + 2]!, ay = E[q + 3]!
      let dax = ax - px, day = ay - py, na = Math.abs(dax) + Math.abs(day)
      let ta = rdx * day - rdy * dax
      if (Math.abs(ta) <= kR * na + dR) return this.locateExact(x, y)
      for (q += 4; q < end; q += 2) {
        const bx = E[q]!, by = E[q + 1]!
        const dbx = bx - px, dby = by - py, nb = Math.abs(dbx) + Math.abs(dby)
        const tb = rdx * dby - rdy * dbx
        if (Math.abs(tb) <= kR * nb + dR) return this.locateExact(x, y)
        if (ta > 0 !== tb > 0) { // a and b on opposite sides of the line pR: does the edge separate p from R?
          const o = dax * dby - day * dbx // orient(a, b, p); |dax·dby| + |day·dbx| ≤ na·nb
          if (Math.abs(o) <= TOL_P * na * nb + D * (na + nb + 2 * D)) return this.locateExact(x, y)
          // orient(a, b, R): certified at build time, by the same expression
          if (o > 0 !== (ax - rx) * (by - ry) - (ay - ry) * (bx - rx) > 0) mask ^= m // p→R crosses the edge
        }
        ax = bx; ay = by; dax = dbx; day = dby; na = nb; ta = tb
      }
    }
    return this.answer(mask, q)
  }

  /**
   * Bulk form for import jobs: the grid id of each point, -1 where `locate` gives null (ids must fit
   * int32). Exactly `locate` per point.
   *   locateMany(xs, ys)       xs[i], ys[i] = lng, lat of point i (two Float64Arrays of one length)
   *   locateMany(coords)       coords = [x0, y0, x1, y1, …] (interleaved)
   * `out` (optional, length ≥ the number of points) is filled and returned; else a new Int32Array.
   */
  locateMany(xs: Float64Array, ys: Float64Array, out?: Int32Array): Int32Array
  locateMany(coords: Float64Array, out?: Int32Array): Int32Array
  locateMany(a: Float64Array, b?: Float64Array | Int32Array, c?: Int32Array): Int32Array {
    if (b instanceof Float64Array) {
      if (b.length !== a.length) throw new RangeError(`locateMany: xs has ${a.length} values, ys ${b.length}`)
      const n = a.length, out = c ?? new Int32Array(n)
      if (out.length < n) throw new RangeError(`locateMany: out has room for ${out.length} of ${n} points`)
      for (let i0 = 0; i0 < n; i0 += BATCH) {
        const i1 = Math.min(n, i0 + BATCH)
        this.touch(a, b, i0, i1)
        for (let i = i0; i < i1; i++) out[i] = this.locate(a[i]!, b[i]!) ?? -1
      }
      return out
    }
    if (a.length % 2) throw new RangeError('locateMany: interleaved coords need an even length')
    const n = a.length >> 1, out = b ?? new Int32Array(n)
    if (out.length < n) throw new RangeError(`locateMany: out has room for ${out.length} of ${n} points`)
    for (let i = 0; i < n; i++) out[i] = this.locate(a[2 * i]!, a[2 * i + 1]!) ?? -1
    return out
  }

  private sink = 0
  /**
   * Reads the cell entry and the first words of the cell block of points i0..i1-1, so that their
   * cache misses overlap (independent loads) before locate() walks the blocks one by one.
   */
  private touch(xs: Float64Array, ys: Float64Array, i0: number, i1: number): void {
    const { minX, minY, maxX, maxY, invW, invH, nx, ny, ntx, cells, tileBase, pool } = this
    let sink = 0
    for (let i = i0; i < i1; i++) {
      const x = xs[i]!, y = ys[i]!
      if (!(x >= minX && x <= maxX && y >= minY && y <= maxY)) continue
      const cx = Math.min(nx - 1, ((x - minX) * invW) | 0), cy = Math.min(ny - 1, ((y - minY) * invH) | 0)
      const v = cells[cy * nx + cx]!
      if (v < EXACT16) {
        const h = tileBase[cy * ntx + (cx >> TILE_SHIFT)]! + v
        sink += pool[h]! + pool[h + 12]!
      }
    }
    this.sink += sink
  }

  /** The exact slow path: bbox candidates + turf + the rule. */
  locateExact(x: number, y: number): number | null {
    const cands: Slot[] = []
    for (const s of this.candidates(x, y, x, y)) cands.push(this.slots[s]!)
    return pickByRule(x, y, cands)?.id ?? null
  }

  /** incremental update after a boundary edit: replace/add these grids, remove these ids */
  update(changed: IndexedGrid[], removedIds: number[] = []): void {
    const regions: [number, number, number, number][] = []
    for (const id of removedIds) {
      const s = this.byId.get(id)
      if (s === undefined) continue
      regions.push(this.slots[s]!.bbox)
      this.byId.delete(id)
      this.slots[s] = null
      this.slotState[s] = 0
      this.freeSlots.push(s)
    }
    for (const g of changed) {
      const s = this.byId.get(g.id)
      if (s !== undefined) regions.push(this.slots[s]!.bbox)
      regions.push(this.slots[this.put(g)]!.bbox)
    }
    this.dirty = [...new Set(this.dirty)].filter((s) => this.slotState[s] === 2)
    const live = regions.filter((b) => b[0] <= b[2])
    if (live.some((b) => b[0] < this.minX || b[1] < this.minY || b[2] > this.maxX || b[3] > this.maxY)) {
      this.rebuildAll() // a grid grew past the extent of the cell grid: start afresh
      return
    }
    if (this.dirty.length > 64 + this.size / 16) this.rebuildTree()
    const cell = (v: number, o: number, inv: number, n: number) => Math.min(n - 1, Math.max(0, Math.floor((v - o) * inv)))
    for (const b of mergeBoxes(live)) {
      const p = this.pad
      this.rebuildBlock(
        cell(b[0] - p, this.minX, this.invW, this.nx), cell(b[1] - p, this.minY, this.invH, this.ny),
        cell(b[2] + p, this.minX, this.invW, this.nx), cell(b[3] + p, this.minY, this.invH, this.ny))
    }
    if (this.garbage > 4096 && this.garbage * 2 > this.used) this.compact()
  }

  /** Bytes held in typed arrays (cells, pool, tree). */
  memoryBytes(): number {
    const arrays = [this.rowY, this.rowYi, this.cells, this.tileBase, this.pool, this.partSlot, this.treeSlot, this.slotState]
    return arrays.reduce((s, a) => s + a.byteLength, 0) + (this.tree ? this.tree.data.byteLength : 0)
  }

  /** cellsWithEdges: cells with a block of edges (WIDE ones among them: wideCells); slowCells: cells answered by the exact path; ownerBlocks: empty cells whose grid's slot is too large to name inline */
  stats(): { nx: number; ny: number; cellsWithEdges: number; slowCells: number; wideCells: number; ownerBlocks: number; edgeEntries: number; chains: number; poolBytes: number } {
    let withEdges = 0, slow = 0, wide = 0, owners = 0, entries = 0, chains = 0
    const E = this.pool
    for (let c = 0; c < this.cells.length; c++) {
      const v = this.cells[c]!
      if (v === EXACT16) slow++
      if (v >= EXACT16) continue
      const h = this.tileBase[Math.floor(c / this.nx) * this.ntx + ((c % this.nx) >> TILE_SHIFT)]! + v
      const info = this.poolU16[2 * h]!
      if (info >>> 6 === 0) { owners++; continue }
      withEdges++
      if (info & WIDE) {
        wide++
        let q = h + HEAD
        for (let c = info >>> 6; c > 0; c--) { entries += E[q]!; chains++; q += 4 + 2 * E[q]! }
      } else {
        let q = 2 * h + 3
        for (let c = info >>> 6; c > 0; c--) { entries += this.pool16[q]!; chains++; q += 4 + 2 * this.pool16[q]! }
      }
    }
    return { nx: this.nx, ny: this.ny, cellsWithEdges: withEdges, slowCells: slow, wideCells: wide, ownerBlocks: owners, edgeEntries: entries, chains, poolBytes: this.used * 4 }
  }

  // ---- building ----

  /** Store a grid (new slot, or replacing the grid with the same id). */
  private put(g: IndexedGrid): number {
    let s = this.byId.get(g.id)
    if (s === undefined) s = this.freeSlots.pop() ?? this.slots.length
    const polys = g.geometry.type === 'Polygon' ? [g.geometry.coordinates] : g.geometry.coordinates
    const rings: Float64Array[] = [], ringPart: number[] = []
    const bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity]
    let edges = 0
    for (const poly of polys) {
      this.partSlot = grow(this.partSlot, this.nParts + 1)
      const part = this.nParts++
      this.partSlot[part] = s
      for (const ring of poly) {
        const f = ring[0], l = ring[ring.length - 1]
        if (!f || !l || f[0] !== l[0] || f[1] !== l[1]) throw new Error(`grid ${g.id}: every ring must be closed`)
        const a = new Float64Array(ring.length * 2)
        for (let i = 0; i < ring.length; i++) {
          const x = ring[i]![0]!, y = ring[i]![1]!
          a[2 * i] = x
          a[2 * i + 1] = y
          if (x < bbox[0]) bbox[0] = x
          if (y < bbox[1]) bbox[1] = y
          if (x > bbox[2]) bbox[2] = x
          if (y > bbox[3]) bbox[3] = y
        }
        rings.push(a)
        ringPart.push(part)
        edges += ring.length - 1
      }
    }
    this.slots[s] = { id: g.id, code: g.code, geometry: g.geometry, rings, ringPart, bbox, edges }
    this.slotId[s] = g.id
    this.byId.set(g.id, s)
    this.slotState = grow(this.slotState, s + 1)
    if (this.slotState[s] !== 2) this.dirty.push(s)
    this.slotState[s] = 2
    return s
  }

  private rebuildTree(): void {
    const live: number[] = []
    this.slots.forEach((sl, s) => {
      if (sl && sl.bbox[0] <= sl.bbox[2]) live.push(s)
    })
    this.slotState.fill(0)
    this.dirty = []
    this.tree = null
    this.treeSlot = Int32Array.from(live)
    if (live.length === 0) return
    this.tree = new Flatbush(live.length)
    for (const s of live) {
      const b = this.slots[s]!.bbox
      this.tree.add(b[0], b[1], b[2], b[3])
      this.slotState[s] = 1
    }
    this.tree.finish()
  }

  /** Slots whose bbox meets the box (tree + dirty list). */
  private candidates(x0: number, y0: number, x1: number, y1: number): number[] {
    const out: number[] = []
    if (this.tree) {
      for (const i of this.tree.search(x0, y0, x1, y1)) {
        const s = this.treeSlot[i]!
        if (this.slotState[s] === 1) out.push(s)
      }
    }
    for (const s of this.dirty) {
      const b = this.slots[s]?.bbox
      if (b && b[0] <= x1 && b[2] >= x0 && b[1] <= y1 && b[3] >= y0) out.push(s)
    }
    return out
  }

  private rebuildAll(): void {
    this.rebuildTree()
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, edges = 0
    for (const sl of this.slots) {
      if (!sl) continue
      x0 = Math.min(x0, sl.bbox[0]); y0 = Math.min(y0, sl.bbox[1])
      x1 = Math.max(x1, sl.bbox[2]); y1 = Math.max(y1, sl.bbox[3])
      edges += sl.edges
    }
    const scale = Math.max(1, Math.abs(x0), Math.abs(x1), Math.abs(y0), Math.abs(y1))
    const W = Math.max(x1 - x0, 1e-9 * scale), H = Math.max(y1 - y0, 1e-9 * scale)
    const size = Math.sqrt((W * H) / Math.min(1 << 24, Math.max(1, edges * this.cellsPerEdge)))
    this.nx = Math.max(1, Math.min(4096, Math.ceil(W / size)))
    this.ny = Math.max(1, Math.min(4096, Math.ceil(H / size)))
    this.minX = x0; this.minY = y0; this.maxX = x0 + W; this.maxY = y0 + H
    this.cw = W / this.nx; this.ch = H / this.ny
    this.invW = this.nx / W; this.invH = this.ny / H
    // ε of a query point ≤ ulp(x)/2·sx ≤ scale·2^-53·sx: at most 2·10^-4 step (see D)
    let step = STEP
    while (step > 4 && ((scale * Number.EPSILON) / 2) * step * Math.max(this.nx / W, this.ny / H) > 2e-4) step /= 2
    this.step = step; this.half = step / 2
    this.sx = (step * this.nx) / W; this.sy = (step * this.ny) / H
    // pad ≥ 4 fixed-point steps: a reference point rounded to the fixed-point lattice stays inside the padded cell
    this.pad = Math.max(1e-6 * Math.max(this.cw, this.ch), 1e-12 * scale, 4 * Math.max(this.cw, this.ch) / step)
    this.rowY = Float64Array.from({ length: this.ny }, (_, i) => y0 + (i + 0.5) * this.ch)
    this.rowYi = Int32Array.from(this.rowY, (v) => Math.round((v - y0) * this.sy))
    this.ntx = (this.nx + TILE - 1) >> TILE_SHIFT
    this.cells = new Uint16Array(this.nx * this.ny).fill(NONE16)
    this.tileBase = new Int32Array(this.ntx * this.ny)
    this.setPool(new Int32Array(Number.isFinite(x0) ? 4 * edges : 0))
    this.used = this.garbage = 0
    if (Number.isFinite(x0)) this.rebuildBlock(0, 0, this.nx - 1, this.ny - 1)
    this.setPool(this.pool.slice(0, this.used))
  }

  /** Recompute cells [wx0..wx1] × [wy0..wy1] (widened to whole tiles) from the current grids. */
  private rebuildBlock(wx0: number, wy0: number, wx1: number, wy1: number): void {
    wx0 &= ~(TILE - 1) // a tile's blocks are written together, contiguous from its new base
    wx1 = Math.min(this.nx - 1, wx1 | (TILE - 1))
    const { minX, minY, cw, ch, pad, nx, invW, invH } = this
    const bx0 = minX + wx0 * cw - pad, bx1 = minX + (wx1 + 1) * cw + pad
    const by0 = minY + wy0 * ch - pad, by1 = minY + (wy1 + 1) * ch + pad
    const ww = wx1 - wx0 + 1, wh = wy1 - wy0 + 1
    // 1. edges meeting the block, each listed in every (padded) cell it meets
    const cands = this.candidates(bx0, by0, bx1, by1)
    let total = 0
    for (const s of cands) total += this.slots[s]!.edges
    let ev = new Float64Array(4 * total), ep = new Int32Array(total), ne = 0
    let pc = new Int32Array(2 * total + 16), pe = new Int32Array(2 * total + 16), np = 0
    for (const s of cands) {
      const sl = this.slots[s]!
      for (let ri = 0; ri < sl.rings.length; ri++) {
        const ring = sl.rings[ri]!
        let degenerate = true
        for (let i = 2; i < ring.length && degenerate; i += 2) degenerate = ring[i] === ring[0] && ring[i + 1] === ring[1]
        for (let i = 0; i + 3 < ring.length; i += 2) {
          const ax = ring[i]!, ay = ring[i + 1]!, bx = ring[i + 2]!, by = ring[i + 3]!
          if (ax === bx && ay === by && !degenerate) continue // zero-length edge: never decides anything
          const ex0 = Math.min(ax, bx) - pad, ex1 = Math.max(ax, bx) + pad
          const ey0 = Math.min(ay, by) - pad, ey1 = Math.max(ay, by) + pad
          if (ex1 < bx0 || ex0 > bx1 || ey1 < by0 || ey0 > by1) continue
          const ix0 = Math.max(wx0, Math.floor((ex0 - minX) * invW)), ix1 = Math.min(wx1, Math.floor((ex1 - minX) * invW))
          const iy0 = Math.max(wy0, Math.floor((ey0 - minY) * invH)), iy1 = Math.min(wy1, Math.floor((ey1 - minY) * invH))
          if (ix0 > ix1 || iy0 > iy1) continue
          ev[4 * ne] = ax; ev[4 * ne + 1] = ay; ev[4 * ne + 2] = bx; ev[4 * ne + 3] = by
          ep[ne] = sl.ringPart[ri]!
          const dx = bx - ax, dy = by - ay
          for (let iy = iy0; iy <= iy1; iy++) {
            for (let ix = ix0; ix <= ix1; ix++) {
              if (ix0 !== ix1 || iy0 !== iy1) { // does the segment's line pass through the padded cell?
                const X0 = minX + ix * cw - pad - ax, X1 = X0 + cw + 2 * pad, Y0 = minY + iy * ch - pad - ay, Y1 = Y0 + ch + 2 * pad
                const s1 = dx * Y0 - dy * X0, s2 = dx * Y0 - dy * X1, s3 = dx * Y1 - dy * X0, s4 = dx * Y1 - dy * X1
                if ((s1 > 0 && s2 > 0 && s3 > 0 && s4 > 0) || (s1 < 0 && s2 < 0 && s3 < 0 && s4 < 0)) continue
              }
              if (np === pc.length) { pc = grow(pc, np + 1); pe = grow(pe, np + 1) }
              pc[np] = (iy - wy0) * ww + (ix - wx0)
              pe[np++] = ne
            }
          }
          ne++
        }
      }
    }
    // counting sort of (cell, edge) pairs by cell
    const cstart = new Int32Array(ww * wh + 1)
    for (let i = 0; i < np; i++) cstart[pc[i]! + 1]!++
    for (let i = 0; i < ww * wh; i++) cstart[i + 1]! += cstart[i]!
    const fill = cstart.slice(0, ww * wh), sorted = new Int32Array(np)
    for (let i = 0; i < np; i++) sorted[fill[pc[i]!]!++] = pe[i]!

    // 2. row by row: sweep the row's centre line to learn which parts contain each R
    const parity = new Uint8Array(this.nParts), active: number[] = [], local: number[] = []
    let keep = new Float64Array(64)
    let xs = new Float64Array(64), xp = new Int32Array(64)
    for (let cy = wy0; cy <= wy1; cy++) {
      const ry = this.rowY[cy]!
      let nc = 0 // crossings of the line y = ry left of the block's right side, half-open rule (ry + ε)
      for (const s of this.candidates(-Infinity, ry, bx1, ry)) {
        const sl = this.slots[s]!
        for (let ri = 0; ri < sl.rings.length; ri++) {
          const ring = sl.rings[ri]!
          for (let i = 0; i + 3 < ring.length; i += 2) {
            const ay = ring[i + 1]!, by = ring[i + 3]!
            if (ay > ry === by > ry) continue
            const ax = ring[i]!, x = ax + ((ry - ay) * (ring[i + 2]! - ax)) / (by - ay)
            if (x > bx1) continue
            if (nc === xs.length) { xs = grow(xs, nc + 1); xp = grow(xp, nc + 1) }
            xs[nc] = x
            xp[nc++] = sl.ringPart[ri]!
          }
        }
      }
      const order = Array.from({ length: nc }, (_, i) => i).sort((a, b) => xs[a]! - xs[b]!)
      const X = (j: number) => xs[order[j]!]!
      let k = 0
      const advance = (rx: number) => {
        for (; k < nc && X(k) < rx; k++) {
          const p = xp[order[k]!]!
          parity[p]! ^= 1
          if (parity[p]) active.push(p)
          else active.splice(active.indexOf(p), 1)
        }
      }
      let oldBase = 0, base = 0
      for (let cx = wx0; cx <= wx1; cx++) {
        const c = cy * nx + cx, w = (cy - wy0) * ww + (cx - wx0)
        if ((cx & (TILE - 1)) === 0) { // a new tile: its blocks follow from here
          const t = cy * this.ntx + (cx >> TILE_SHIFT)
          oldBase = this.tileBase[t]!
          base = this.tileBase[t] = this.used
        }
        const old = this.cells[c]!
        if (old < EXACT16) this.garbage += this.blockLength(oldBase + old)
        const X0 = minX + cx * cw, X1 = X0 + cw
        const e0 = cstart[w]!, e1 = cstart[w + 1]!
        if (e0 === e1) { // no edge: one owner for the whole cell
          advance((X0 + X1) / 2)
          let best = -1
          for (const p of active) {
            const s = this.partSlot[p]!
            if (best < 0 || wins(this.slots[s]!, this.slots[best]!)) best = s
          }
          if (best < 0) this.cells[c] = NONE16
          else if (best <= this.maxOwner) this.cells[c] = OWNER16 + best
          else this.setBlock(c, base, this.writeBlock(cx, cy, cx * this.step + this.half, 1, [best], { ints: [], chains: 0 }))
          continue
        }
        // the cell's edges, each once (a shared edge, same points in either direction, with both parts' bits)
        local.length = 0
        let kept = 0
        for (let j = e0; j < e1 && local.length <= MAX_PARTS; j++) {
          const q = 4 * sorted[j]!, part = ep[sorted[j]!]!
          let li = local.indexOf(part)
          if (li < 0) { li = local.length; local.push(part) }
          const ax = ev[q]!, ay = ev[q + 1]!, bx = ev[q + 2]!, by = ev[q + 3]!
          let t = 0
          for (; t < kept; t++) {
            const u = 5 * t
            if ((keep[u] === ax && keep[u + 1] === ay && keep[u + 2] === bx && keep[u + 3] === by) ||
              (keep[u] === bx && keep[u + 1] === by && keep[u + 2] === ax && keep[u + 3] === ay)) break
          }
          if (t === kept) {
            keep = grow(keep, 5 * kept + 5)
            keep[5 * t] = ax; keep[5 * t + 1] = ay; keep[5 * t + 2] = bx; keep[5 * t + 3] = by; keep[5 * t + 4] = 0
            kept++
          }
          keep[5 * t + 4] = (keep[5 * t + 4]! ^ (1 << li)) >>> 0
        }
        if (local.length > MAX_PARTS) { this.cells[c] = EXACT16; continue }
        // R on the centre line, in the middle of a wide gap between crossings, far from every edge
        const R = this.pickR(X0, X1, ry, this.rowYi[cy]!, k, nc, X, keep, kept)
        if (!R) { this.cells[c] = EXACT16; continue } // never seen
        advance(R[0])
        let rMask = 0
        for (const p of active) {
          let li = local.indexOf(p)
          if (li < 0) { li = local.length; local.push(p) }
          rMask |= 1 << li
        }
        if (local.length > MAX_PARTS) { this.cells[c] = EXACT16; continue }
        const body = this.chains(keep, kept)
        this.setBlock(c, base, this.writeBlock(cx, cy, R[1], rMask | 0, local.map((p) => this.partSlot[p]!), body))
      }
      for (const p of active) parity[p] = 0
      active.length = 0
    }
  }

  /** Fixed-point coordinates of a vertex (the same double expressions at build and query time). */
  private fx(x: number): number { return Math.round((x - this.minX) * this.sx) }
  private fy(y: number): number { return Math.round((y - this.minY) * this.sy) }

  /**
   * The cell's edges (keep: ax, ay, bx, by, parts mask; mask 0 dropped: such an edge never changes
   * whether a point is inside) as chains of edges sharing a vertex and a mask, in fixed point:
   * per chain k (edges), mask, then k + 1 vertices x, y. A boundary through a cell is usually one chain.
   */
  private chains(keep: Float64Array, kept: number): { ints: number[]; chains: number } {
    const used = new Uint8Array(kept), ints: number[] = []
    let chains = 0
    const next = (x: number, y: number, m: number): number => { // an unused edge with mask m ending at (x, y): its other end
      for (let t = 0; t < kept; t++) {
        const u = 5 * t
        if (used[t] || keep[u + 4] !== m) continue
        if (keep[u] === x && keep[u + 1] === y) { used[t] = 1; return u + 2 }
        if (keep[u + 2] === x && keep[u + 3] === y) { used[t] = 1; return u }
      }
      return -1
    }
    for (let t0 = 0; t0 < kept; t0++) {
      const u0 = 5 * t0, m = keep[u0 + 4]!
      if (used[t0] || m === 0) continue
      used[t0] = 1
      const fwd = [keep[u0]!, keep[u0 + 1]!, keep[u0 + 2]!, keep[u0 + 3]!], back: number[] = []
      for (let v; (v = next(fwd[fwd.length - 2]!, fwd[fwd.length - 1]!, m)) >= 0;) fwd.push(keep[v]!, keep[v + 1]!)
      for (let v; (v = next(back.length ? back[back.length - 2]! : fwd[0]!, back.length ? back[back.length - 1]! : fwd[1]!, m)) >= 0;) back.push(keep[v]!, keep[v + 1]!)
      const verts: number[] = []
      for (let i = back.length - 2; i >= 0; i -= 2) verts.push(back[i]!, back[i + 1]!)
      verts.push(...fwd)
      ints.push(verts.length / 2 - 1, m | 0)
      for (let i = 0; i < verts.length; i += 2) ints.push(this.fx(verts[i]!), this.fy(verts[i + 1]!))
      chains++
    }
    return { ints, chains }
  }

  /**
   * A reference point R for a cell, on the row's centre line: the middle of a wide gap between
   * crossings, far from every edge of the cell (in doubles), then rounded to the fixed-point lattice
   * (x to the nearest step, y = rowYi) and checked again there against the stored (rounded) edges:
   * the side of R must be certain and the same as before rounding. Returns [x in degrees, X fixed].
   */
  private pickR(X0: number, X1: number, ry: number, ryi: number, k: number, nc: number, X: (j: number) => number,
    keep: Float64Array, kept: number): [number, number] | null {
    const stops = [X0]
    for (let j = k; j < nc && X(j) <= X1; j++) if (X(j) > X0) stops.push(X(j))
    stops.push(X1)
    const gaps = stops.slice(1).map((v, i) => [v - stops[i]!, (v + stops[i]!) / 2] as const).sort((a, b) => b[0] - a[0])
    for (const [, mid] of gaps.slice(0, 6)) {
      const rxi = this.fx(mid)
      let ok = true
      for (let t = 0; t < kept && ok; t++) {
        const u = 5 * t
        const ax = keep[u]!, ay = keep[u + 1]!, bx = keep[u + 2]!, by = keep[u + 3]!
        const dax = ax - mid, day = ay - ry, dbx = bx - mid, dby = by - ry
        const l = dax * dby, r = day * dbx
        ok = Math.abs(l - r) > TOL_R * (Math.abs(l) + Math.abs(r))
        if (!ok || keep[u + 4] === 0) continue
        // the same expression locate() evaluates, with its doubt (rounded vertices: D per step)
        const ex = this.fx(ax) - rxi, ey = this.fy(ay) - ryi, fx = this.fx(bx) - rxi, fy = this.fy(by) - ryi
        const L = ex * fy, Rr = ey * fx, s = L - Rr
        ok = Math.abs(s) > TOL_R * (Math.abs(L) + Math.abs(Rr)) + D * (Math.abs(ex) + Math.abs(ey) + Math.abs(fx) + Math.abs(fy) + 2 * D) &&
          s > 0 === l - r > 0
      }
      if (ok) return [mid, rxi]
    }
    return null
  }

  /** Length (Int32 entries) of the cell block at h. */
  private blockLength(h: number): number {
    const E = this.pool, info = this.poolU16[2 * h]!
    if (info & WIDE) {
      let q = h + HEAD
      for (let c = info >>> 6; c > 0; c--) q += 4 + 2 * E[q]!
      return q + (info & 31) - h
    }
    let q = 2 * h + 3
    for (let c = info >>> 6; c > 0; c--) q += 4 + 2 * this.pool16[q]!
    return ((q + (info & 31) + 1) >> 1) - h
  }

  private setPool(pool: Int32Array): void {
    this.pool = pool
    this.pool16 = new Int16Array(pool.buffer, pool.byteOffset, pool.length * 2)
    this.poolU16 = new Uint16Array(pool.buffer, pool.byteOffset, pool.length * 2)
  }

  /**
   * Cell c's entry for the block just written at h, in the tile starting at base; a block beyond MAX_REL
   * of its tile's base (only where a tile's cells hold > 32,000 words of edges) is dropped, and the
   * cell answered by the exact path.
   */
  private setBlock(c: number, base: number, h: number): void {
    if (h >= 0 && h - base <= this.maxRel) this.cells[c] = h - base
    else { if (h >= 0) this.used = h; this.cells[c] = EXACT16 }
  }

  /**
   * A cell block: header, chains (global fixed point from chains()), then part slots — narrow (16-bit words,
   * vertices relative to the cell's origin O) when every vertex and R are within Int16 of O, every chain has
   * < 2^15 edges, at most NARROW_PARTS parts and every slot < 2^16; else WIDE (Int32, global coordinates).
   * Either way the coordinate differences locate() computes are the same integers. -1: more than MAX_CHAINS
   * chains (the cell goes to the exact path).
   */
  private writeBlock(cx: number, cy: number, rx: number, rMask: number, slots: number[], body: { ints: number[]; chains: number }): number {
    if (body.chains > MAX_CHAINS) return -1
    const ox = cx * this.step + this.half, oy = cy * this.step + this.half, ints = body.ints
    let narrow = rx - ox >= -32768 && rx - ox <= 32767 && slots.length <= this.narrowParts && slots.every((s) => s <= 0xffff)
    let n16 = 3 + slots.length
    for (let i = 0; i < ints.length && narrow;) {
      const k = ints[i]!
      if (k > 32767) narrow = false
      for (let j = i + 2; j < i + 4 + 2 * k && narrow; j += 2) {
        const X = ints[j]! - ox, Y = ints[j + 1]! - oy
        narrow = X >= -32768 && X <= 32767 && Y >= -32768 && Y <= 32767
      }
      n16 += 4 + 2 * k
      i += 4 + 2 * k
    }
    const h = this.used, len = narrow ? (n16 + 1) >> 1 : HEAD + ints.length + slots.length
    if (h + len > this.pool.length) this.setPool(grow(this.pool, h + len, 1.25))
    const E = this.pool, U = this.poolU16, V = this.pool16
    const info = slots.length | (narrow ? 0 : WIDE) | (body.chains << 6)
    if (!narrow) {
      E[h] = 0; U[2 * h] = info // info in the first 16-bit word, as in a narrow block
      E[h + 1] = rx; E[h + 2] = rMask
      E.set(ints, h + HEAD)
      E.set(slots, h + HEAD + ints.length)
    } else {
      let q = 2 * h
      U[q++] = info; V[q++] = rx - ox; U[q++] = rMask
      for (let i = 0; i < ints.length;) {
        const k = ints[i]!, m = ints[i + 1]!
        V[q++] = k; U[q++] = m
        for (let j = i + 2; j < i + 4 + 2 * k; j += 2) { V[q++] = ints[j]! - ox; V[q++] = ints[j + 1]! - oy }
        i += 4 + 2 * k
      }
      for (const sl of slots) U[q++] = sl
      if (q & 1) U[q] = 0
    }
    this.used += len
    return h
  }

  /** Copy live cell blocks into a fresh pool, dropping what update() left behind. */
  private compact(): void {
    const pool = new Int32Array(this.used - this.garbage)
    let at = 0
    const { nx, ntx, cells, tileBase } = this
    for (let t = 0; t < tileBase.length; t++) {
      const c0 = Math.floor(t / ntx) * nx + (t % ntx) * TILE, c1 = c0 + Math.min(TILE, nx - (t % ntx) * TILE)
      const old = tileBase[t]!
      tileBase[t] = at
      for (let c = c0; c < c1; c++) {
        const v = cells[c]!
        if (v >= EXACT16) continue
        const h = old + v, len = this.blockLength(h)
        pool.set(this.pool.subarray(h, h + len), at)
        cells[c] = at - tileBase[t]! // the tile's blocks stay in their order: never more than before
        at += len
      }
    }
    this.setPool(pool)
    this.used = at
    this.garbage = 0
  }
}

/** Merge overlapping boxes so that each cell is rebuilt once. */
function mergeBoxes(boxes: [number, number, number, number][]): [number, number, number, number][] {
  const out = boxes.map((b) => [...b] as [number, number, number, number])
  for (let merged = true; merged;) {
    merged = false
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length && !merged; j++) {
        const a = out[i]!, b = out[j]!
        if (a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]) {
          out[i] = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])]
          out.splice(j, 1)
          merged = true
        }
      }
    }
  }
  return out
}
