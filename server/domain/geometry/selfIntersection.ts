/**
 * Self-intersections of polygon rings, found through a packed R-tree of the segments (flatbush):
 * each segment is tested only against the segments whose bounding boxes meet its own, and the
 * search stops at the first `limit` crossings. The test per pair is @turf/kinks' own (same
 * exclusions: neighbouring segments of a ring, parallel segments), so the valid / invalid decision is
 * kinks' decision; kinks compares every pair (O(n²)) and collects every crossing, which let one
 * 6,000-vertex star take minutes and gigabytes. Here a star stops at its first crossing and an ordinary
 * ring costs O(n log n). Pathological inputs (many long overlapping boxes) stay bounded by the worker
 * pool's time limit (server/services/heavy.ts).
 */
import Flatbush from 'flatbush'
import type { Position } from 'geojson'

/** kinks' segment test: the crossing point, or null (parallel or apart). */
function crossing(x1: number, y1: number, x2: number, y2: number, x3: number, y3: number, x4: number, y4: number): Position | null {
  const den = (y4 - y3) * (x2 - x1) - (x4 - x3) * (y2 - y1)
  if (den === 0) return null
  const a0 = y1 - y3, b0 = x1 - x3
  const a = ((x4 - x3) * a0 - (y4 - y3) * b0) / den
  const b = ((x2 - x1) * a0 - (y2 - y1) * b0) / den
  if (a >= 0 && a <= 1 && b >= 0 && b <= 1) return [x1 + a * (x2 - x1), y1 + a * (y2 - y1)]
  return null
}

/**
 * Up to `limit` points where the rings cross or touch themselves or each other (the same pairs as
 * @turf/kinks over all rings of all polygons). `limit = 1` answers "is it simple?" as soon as it knows.
 */
export function findSelfIntersections(rings: Position[][], limit = 1): Position[] {
  let n = 0
  for (const r of rings) n += Math.max(0, r.length - 1)
  if (n === 0) return []
  const ringOf = new Int32Array(n), idxOf = new Int32Array(n)
  const index = new Flatbush(n)
  let s = 0
  rings.forEach((r, ri) => {
    for (let i = 0; i < r.length - 1; i++, s++) {
      const p = r[i]!, q = r[i + 1]!
      ringOf[s] = ri; idxOf[s] = i
      index.add(Math.min(p[0]!, q[0]!), Math.min(p[1]!, q[1]!), Math.max(p[0]!, q[0]!), Math.max(p[1]!, q[1]!))
    }
  })
  index.finish()
  const out: Position[] = []
  const closed = rings.map((r) => r.length > 1 && r[0]![0] === r[r.length - 1]![0] && r[0]![1] === r[r.length - 1]![1])
  for (let t = 0; t < n && out.length < limit; t++) {
    const ra = ringOf[t]!, i = idxOf[t]!
    const line = rings[ra]!
    const p = line[i]!, q = line[i + 1]!
    const x1 = p[0]!, y1 = p[1]!, x2 = q[0]!, y2 = q[1]!
    const hits = index.search(Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2))
    for (const u of hits) {
      if (u <= t) continue // each pair once
      const rb = ringOf[u]!, k = idxOf[u]!
      if (ra === rb) {
        if (k - i === 1) continue // neighbours
        if (i === 0 && k === line.length - 2 && closed[ra]) continue // first and last of a closed ring
      }
      const other = rings[rb]!
      const c = other[k]!, d = other[k + 1]!
      const x = crossing(x1, y1, x2, y2, c[0]!, c[1]!, d[0]!, d[1]!)
      if (x) { out.push(x); if (out.length >= limit) break }
    }
  }
  return out
}
