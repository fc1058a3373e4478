/**
 * Topological editing of one level of grids. Siblings share borders bit-identically (the demo data
 * and every operation here keep it so), so the topology is a vertex-sharing map: a vertex key
 * ("lng,lat" of the exact doubles) → the grids and rings holding it. Every edit rewrites the
 * vertex (or edge) in EVERY grid holding it, so a shared border moves as one and siblings stay
 * without gap or overlap. Before a vertex moves, neighbours that only pass through it (a
 * T-junction: the vertex lies on a neighbour's edge, not on one of its vertices) get it inserted,
 * so they follow too ("rebuild neighbours from the edited grid").
 *
 * Everything is immutable: functions return new grids; unchanged grids are returned as is.
 */
import type { MultiPolygon, Polygon, Position } from 'geojson'

export type GridGeometry = Polygon | MultiPolygon

export interface TopoGrid {
  id: number
  geometry: GridGeometry
}

/** anything with a boundary: the editing functions keep every other field as is */
export interface HasGeometry {
  geometry: GridGeometry
}

export type Vertex = [number, number]

export const vertexKey = (p: Position): string => `${p[0]},${p[1]}`

/** relative tolerance (degrees) for "this vertex lies on that edge" (T-junction repair) */
const ON_EDGE_TOL = 1e-9

function polygonsOf(g: GridGeometry): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates
}

function withPolygons(g: GridGeometry, polys: Position[][][]): GridGeometry {
  return g.type === 'Polygon' ? { type: 'Polygon', coordinates: polys[0]! } : { type: 'MultiPolygon', coordinates: polys }
}

/** vertex key → ids of the grids holding that exact vertex */
export function vertexSharing(grids: readonly TopoGrid[]): Map<string, number[]> {
  const map = new Map<string, number[]>()
  for (const g of grids) {
    for (const poly of polygonsOf(g.geometry)) {
      for (const ring of poly) {
        for (let i = 0; i < ring.length - 1; i++) {
          const k = vertexKey(ring[i]!)
          const ids = map.get(k)
          if (!ids) map.set(k, [g.id])
          else if (!ids.includes(g.id)) ids.push(g.id)
        }
      }
    }
  }
  return map
}

/** edge key (direction-free) → ids of the grids holding that edge: shared edges have two */
export function edgeSharing(grids: readonly TopoGrid[]): Map<string, number[]> {
  const map = new Map<string, number[]>()
  for (const g of grids) {
    for (const poly of polygonsOf(g.geometry)) {
      for (const ring of poly) {
        for (let i = 0; i < ring.length - 1; i++) {
          const a = vertexKey(ring[i]!), b = vertexKey(ring[i + 1]!)
          const k = a < b ? `${a}|${b}` : `${b}|${a}`
          const ids = map.get(k)
          if (!ids) map.set(k, [g.id])
          else if (!ids.includes(g.id)) ids.push(g.id)
        }
      }
    }
  }
  return map
}

/** Neighbours: grid id → ids of grids sharing at least one edge with it. */
export function neighbours(grids: readonly TopoGrid[]): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>(grids.map((g) => [g.id, new Set<number>()]))
  for (const ids of edgeSharing(grids).values()) {
    for (const a of ids) for (const b of ids) if (a !== b) out.get(a)!.add(b)
  }
  return out
}

/** Does p lie strictly inside segment a–b (collinear within a relative tolerance)? */
function onSegment(p: Position, a: Position, b: Position): boolean {
  const [px, py] = p as Vertex, [ax, ay] = a as Vertex, [bx, by] = b as Vertex
  if ((px === ax && py === ay) || (px === bx && py === by)) return false
  const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy
  if (len2 === 0) return false
  const t = ((px - ax) * dx + (py - ay) * dy) / len2
  if (t <= 0 || t >= 1) return false
  const cross = (px - ax) * dy - (py - ay) * dx
  return Math.abs(cross) / Math.sqrt(len2) <= ON_EDGE_TOL
}

function mapRings<T extends HasGeometry>(g: T, f: (ring: Position[]) => Position[] | null): T {
  let changed = false
  const polys = polygonsOf(g.geometry).map((poly) => poly.map((ring) => {
    const r = f(ring)
    if (r === null) return ring
    changed = true
    return r
  }))
  return changed ? { ...g, geometry: withPolygons(g.geometry, polys) } : g
}

/** Insert p into every edge (of every grid) on which it lies without being a vertex (T-junction repair). */
export function insertVertexWhereOnEdge<T extends HasGeometry>(grids: readonly T[], p: Position): T[] {
  return grids.map((g) => mapRings(g, (ring) => {
    for (let i = 0; i < ring.length - 1; i++) {
      if (onSegment(p, ring[i]!, ring[i + 1]!)) return [...ring.slice(0, i + 1), [p[0]!, p[1]!], ...ring.slice(i + 1)]
    }
    return null
  }))
}

/**
 * Move the vertex `from` to `to` in every grid holding it (shared vertices move together). When `to`
 * lands on another grid's edge (e.g. snapped there with snapPoint), that grid gets `to` inserted, so
 * the new T-junction leaves no gap or overlap.
 */
export function moveVertex<T extends HasGeometry>(grids: readonly T[], from: Position, to: Position): T[] {
  const fx = from[0], fy = from[1]
  const repaired = insertVertexWhereOnEdge(grids, from)
  const moved = repaired.map((g) => mapRings(g, (ring) => {
    let hit = false
    const out = ring.map((q) => {
      if (q[0] === fx && q[1] === fy) { hit = true; return [to[0]!, to[1]!] }
      return q
    })
    return hit ? out : null
  }))
  return insertVertexWhereOnEdge(moved, to)
}

/** Move the edge a–b by (dx, dy) in every grid holding either end (both vertices move together). */
export function moveEdge<T extends HasGeometry>(grids: readonly T[], a: Position, b: Position, dx: number, dy: number): T[] {
  const moved = moveVertex(grids, a, [a[0]! + dx, a[1]! + dy])
  return moveVertex(moved, b, [b[0]! + dx, b[1]! + dy])
}

/** Insert a new vertex p on the edge a–b in every grid holding that edge. */
export function addVertex<T extends HasGeometry>(grids: readonly T[], a: Position, b: Position, p: Position): T[] {
  const same = (q: Position, r: Position) => q[0] === r[0] && q[1] === r[1]
  return grids.map((g) => mapRings(g, (ring) => {
    for (let i = 0; i < ring.length - 1; i++) {
      const q = ring[i]!, r = ring[i + 1]!
      if ((same(q, a) && same(r, b)) || (same(q, b) && same(r, a))) {
        return [...ring.slice(0, i + 1), [p[0]!, p[1]!], ...ring.slice(i + 1)]
      }
    }
    return null
  }))
}

/** Remove vertex v from every grid holding it (rings keep at least 3 distinct vertices). */
export function removeVertex<T extends HasGeometry>(grids: readonly T[], v: Position): T[] {
  return grids.map((g) => mapRings(g, (ring) => {
    const idx: number[] = []
    for (let i = 0; i < ring.length - 1; i++) if (ring[i]![0] === v[0] && ring[i]![1] === v[1]) idx.push(i)
    if (idx.length === 0 || ring.length - 1 - idx.length < 3) return null
    const open = ring.slice(0, -1).filter((_, i) => !idx.includes(i))
    return [...open, open[0]!]
  }))
}

/** The vertex of the grids nearest to p within maxDist (degrees), for snapping; null when none. */
export function nearestVertex(grids: readonly HasGeometry[], p: Position, maxDist: number): Vertex | null {
  let best: Vertex | null = null, bestD = maxDist * maxDist
  for (const g of grids) {
    for (const poly of polygonsOf(g.geometry)) for (const ring of poly) for (const q of ring) {
      const d = (q[0]! - p[0]!) ** 2 + (q[1]! - p[1]!) ** 2
      if (d <= bestD) { bestD = d; best = [q[0]!, q[1]!] }
    }
  }
  return best
}


export interface Snap {
  /** the snapped position: an existing vertex (bit-identical) or the nearest point on an edge */
  at: Vertex
  kind: 'vertex' | 'edge'
}

/**
 * Snap p to the grids' boundaries: the nearest vertex within `tolerance` (degrees) wins; otherwise
 * the nearest point on an edge within `tolerance`; null when nothing is that close. Edges having an
 * endpoint in `ignoreEdgesAt` (the vertex being dragged: its own edges move with it) are skipped.
 * Distances are planar in degrees: callers convert a pixel tolerance with the map's scale.
 */
export function snapPoint(p: Position, grids: readonly HasGeometry[], tolerance: number, ignoreEdgesAt?: Position): Snap | null {
  const v = nearestVertex(grids, p, tolerance)
  if (v) return { at: v, kind: 'vertex' }
  const [px, py] = p as Vertex
  const ignored = (q: Position) => !!ignoreEdgesAt && q[0] === ignoreEdgesAt[0] && q[1] === ignoreEdgesAt[1]
  let best: Vertex | null = null, bestD = tolerance * tolerance
  for (const g of grids) {
    for (const poly of polygonsOf(g.geometry)) for (const ring of poly) {
      for (let i = 0; i < ring.length - 1; i++) {
        const a = ring[i]!, b = ring[i + 1]!
        if (ignored(a) || ignored(b)) continue
        const [ax, ay] = a as Vertex, [bx, by] = b as Vertex
        const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy
        if (len2 === 0) continue
        const t = ((px - ax) * dx + (py - ay) * dy) / len2
        if (t <= 0 || t >= 1) continue // the ends are vertices, handled above
        const q: Vertex = [ax + t * dx, ay + t * dy]
        const d = (q[0] - px) ** 2 + (q[1] - py) ** 2
        if (d <= bestD) { bestD = d; best = q }
      }
    }
  }
  return best ? { at: best, kind: 'edge' } : null
}
