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
 *   A uniform cell grid over the bbox of all grids. Each cell keeps the polygon
 *   edges that meet it (a little padded), deduplicated, in one Float64Array
 *   pool (header + edges contiguous: about two cache misses per query).
 *   - A cell with no edge stores the grid covering it (found once by a sweep).
 *   - A cell with edges stores a reference point R (chosen far from its edges)
 *     and which polygon parts contain R, as a bitmask over the cell's parts.
 *     For a query point p, every edge of the cell whose segment crosses p→R
 *     flips its parts' bits; the remaining bits are the parts containing p.
 *   - Every orientation test is filtered: if p (or the segment p→R) comes
 *     within floating-point doubt of any edge or vertex in its cell, the query
 *     falls back to the exact slow path (flatbush over grid bboxes + turf with
 *     the rule above). Edges outside the cell are at least `pad` away, far
 *     beyond rounding, so the fast answer always equals the reference.
 *   update() recomputes only the cells under the old and new bboxes of the
 *   changed grids; new cell data is appended to the pools (compacted when
 *   half of them is garbage) and changed grids go into a small "dirty" list
 *   beside the static flatbush tree.
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
  /** cells per polygon edge (shared edges count twice); default 0.5 */
  cellsPerEdge?: number
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
const HEAD = 4 // cell block in the pool: Rx, edge count (-1: slow cell), R mask, part count; then
//                the slot of each local part, then per edge ax, ay, bx, by, meta
//                (meta = mask of the edge's parts, or -(mask + 1) when R is on the edge's left)

interface Slot extends IndexedGrid {
  rings: Float64Array[] // closed rings, flat x,y
  ringPart: number[] // global part id of each ring
  bbox: [number, number, number, number]
  edges: number
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number, factor = 2): T {
  if (need <= a.length) return a
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, Math.ceil(a.length * factor), 64))
  b.set(a)
  return b
}

export class GridIndex {
  private readonly cellsPerEdge: number
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
  private rowY = new Float64Array(1)
  /** ≥ 0: offset of the cell's block in the pool; -1: empty, no grid; ≤ -2: empty, owned by slot -v-2 */
  private cells = new Int32Array(1).fill(-1)
  private pool = new Float64Array(0)
  private used = 0
  private garbage = 0

  private constructor(opts: GridIndexOptions) {
    this.cellsPerEdge = opts.cellsPerEdge ?? 0.5
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
    const h = this.cells[cy * this.nx + cx]!
    if (h < 0) return h === -1 ? null : this.slotId[-h - 2]!
    const E = this.pool
    const n = E[h + 1]!
    if (n < 0) return this.locateExact(x, y)
    const rdx = E[h]! - x
    const rdy = this.rowY[cy]! - y
    let mask = E[h + 2]! | 0
    const parts = h + HEAD
    const k0 = parts + E[h + 3]!
    for (let k = k0, end = k0 + 5 * n; k < end; k += 5) {
      const dax = E[k]! - x, day = E[k + 1]! - y, dbx = E[k + 2]! - x, dby = E[k + 3]! - y
      const l = dax * dby, r = day * dbx, o = l - r
      if (Math.abs(o) <= TOL_P * (Math.abs(l) + Math.abs(r))) return this.locateExact(x, y)
      const meta = E[k + 4]!
      if (o > 0 === meta < 0) continue // p and R on the same side of this edge's line
      const la = rdx * day, ra = rdy * dax, oa = la - ra
      const lb = rdx * dby, rb = rdy * dbx, ob = lb - rb
      if (Math.abs(oa) <= TOL_P * (Math.abs(la) + Math.abs(ra)) || Math.abs(ob) <= TOL_P * (Math.abs(lb) + Math.abs(rb))) {
        return this.locateExact(x, y)
      }
      if (oa > 0 !== ob > 0) mask ^= meta < 0 ? -meta - 1 : meta // p→R crosses the edge
    }
    if (mask === 0) return null
    if ((mask & (mask - 1)) === 0) return this.slotId[E[parts + 31 - Math.clz32(mask)]!]!
    let best = -1 // several parts contain p: parts of one grid, or overlapping grids
    for (let b = 0; b < MAX_PARTS; b++) {
      if (mask & (1 << b)) {
        const s = E[parts + b]!
        if (best < 0 || wins(this.slots[s]!, this.slots[best]!)) best = s
      }
    }
    return this.slotId[best]!
  }

  /** Batch form: coords = [x0, y0, x1, y1, …]; ids, -1 for null (ids must fit int32). */
  locateMany(coords: Float64Array, out = new Int32Array(coords.length >> 1)): Int32Array {
    for (let i = 0, n = coords.length >> 1; i < n; i++) out[i] = this.locate(coords[2 * i]!, coords[2 * i + 1]!) ?? -1
    return out
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
    const arrays = [this.rowY, this.cells, this.pool, this.partSlot, this.treeSlot, this.slotState]
    return arrays.reduce((s, a) => s + a.byteLength, 0) + (this.tree ? this.tree.data.byteLength : 0)
  }

  stats(): { nx: number; ny: number; cellsWithEdges: number; slowCells: number; edgeEntries: number } {
    let withEdges = 0, slow = 0, entries = 0
    for (const h of this.cells) {
      if (h < 0) continue
      const n = this.pool[h + 1]!
      if (n < 0) slow++
      else { withEdges++; entries += n }
    }
    return { nx: this.nx, ny: this.ny, cellsWithEdges: withEdges, slowCells: slow, edgeEntries: entries }
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
    this.pad = Math.max(1e-6 * Math.max(this.cw, this.ch), 1e-12 * scale)
    this.rowY = Float64Array.from({ length: this.ny }, (_, i) => y0 + (i + 0.5) * this.ch)
    this.cells = new Int32Array(this.nx * this.ny).fill(-1)
    this.pool = new Float64Array(Number.isFinite(x0) ? 8 * edges : 0)
    this.used = this.garbage = 0
    if (Number.isFinite(x0)) this.rebuildBlock(0, 0, this.nx - 1, this.ny - 1)
    this.pool = this.pool.slice(0, this.used)
  }

  /** Recompute cells [wx0..wx1] × [wy0..wy1] from the current grids. */
  private rebuildBlock(wx0: number, wy0: number, wx1: number, wy1: number): void {
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
      for (let cx = wx0; cx <= wx1; cx++) {
        const c = cy * nx + cx, w = (cy - wy0) * ww + (cx - wx0)
        const old = this.cells[c]!
        if (old >= 0) this.garbage += HEAD + this.pool[old + 3]! + 5 * Math.max(0, this.pool[old + 1]!)
        const X0 = minX + cx * cw, X1 = X0 + cw
        const e0 = cstart[w]!, e1 = cstart[w + 1]!
        if (e0 === e1) { // no edge: one owner for the whole cell
          advance((X0 + X1) / 2)
          let best = -1
          for (const p of active) {
            const s = this.partSlot[p]!
            if (best < 0 || wins(this.slots[s]!, this.slots[best]!)) best = s
          }
          this.cells[c] = -2 - best
          continue
        }
        // R on the centre line, in the middle of the widest gap between crossings, far from every edge
        const rx = this.pickR(X0, X1, ry, k, nc, X, ev, sorted, e0, e1)
        if (Number.isNaN(rx)) { this.cells[c] = this.writeBlock([NaN, -1, 0, 0]); continue } // never seen
        advance(rx)
        local.length = 0
        let rMask = 0
        for (const p of active) { rMask |= 1 << local.length; local.push(p) }
        let kept = 0
        for (let j = e0; j < e1 && local.length <= MAX_PARTS; j++) {
          const q = 4 * sorted[j]!, part = ep[sorted[j]!]!
          let li = local.indexOf(part)
          if (li < 0) { li = local.length; local.push(part) }
          const ax = ev[q]!, ay = ev[q + 1]!, bx = ev[q + 2]!, by = ev[q + 3]!
          let t = 0 // a shared edge (same points, either direction) is kept once, with both parts' bits
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
        if (local.length > MAX_PARTS) { this.cells[c] = this.writeBlock([NaN, -1, 0, 0]); continue }
        for (let t = 0; t < kept; t++) { // store the side of R as the sign of meta
          const u = 5 * t
          const dax = keep[u]! - rx, day = keep[u + 1]! - ry, dbx = keep[u + 2]! - rx, dby = keep[u + 3]! - ry
          if (dax * dby - day * dbx > 0) keep[u + 4] = -keep[u + 4]! - 1
        }
        const h = this.writeBlock([rx, kept, rMask, local.length], local.map((p) => this.partSlot[p]!), keep.subarray(0, 5 * kept))
        this.cells[c] = h
      }
      for (const p of active) parity[p] = 0
      active.length = 0
    }
  }

  /** A reference point for a cell: middle of a wide gap between crossings, checked against every edge. */
  private pickR(X0: number, X1: number, ry: number, k: number, nc: number, X: (j: number) => number,
    ev: Float64Array, sorted: Int32Array, e0: number, e1: number): number {
    const stops = [X0]
    for (let j = k; j < nc && X(j) <= X1; j++) if (X(j) > X0) stops.push(X(j))
    stops.push(X1)
    const gaps = stops.slice(1).map((v, i) => [v - stops[i]!, (v + stops[i]!) / 2] as const).sort((a, b) => b[0] - a[0])
    for (const [, mid] of gaps.slice(0, 6)) {
      let ok = true
      for (let j = e0; j < e1 && ok; j++) {
        const q = 4 * sorted[j]!
        const dax = ev[q]! - mid, day = ev[q + 1]! - ry, dbx = ev[q + 2]! - mid, dby = ev[q + 3]! - ry
        const l = dax * dby, r = day * dbx
        ok = Math.abs(l - r) > TOL_R * (Math.abs(l) + Math.abs(r))
      }
      if (ok) return mid
    }
    return NaN
  }

  private writeBlock(head: number[], slots: number[] = [], edges?: Float64Array): number {
    const h = this.used, len = HEAD + slots.length + (edges?.length ?? 0)
    this.pool = grow(this.pool, h + len, 1.25)
    this.pool.set(head, h)
    this.pool.set(slots, h + HEAD)
    if (edges) this.pool.set(edges, h + HEAD + slots.length)
    this.used += len
    return h
  }

  /** Copy live cell blocks into a fresh pool, dropping what update() left behind. */
  private compact(): void {
    const pool = new Float64Array(this.used - this.garbage)
    let at = 0
    for (let c = 0; c < this.cells.length; c++) {
      const h = this.cells[c]!
      if (h < 0) continue
      const len = HEAD + this.pool[h + 3]! + 5 * Math.max(0, this.pool[h + 1]!)
      pool.set(this.pool.subarray(h, h + len), at)
      this.cells[c] = at
      at += len
    }
    this.pool = pool
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
