/**
 * Problems near a point: rebound (反弹) of a problem closed recently, likely duplicates among
 * open problems, and boundary problems (边界问题) close to another grid. Pure functions.
 */
import Flatbush from 'flatbush'
import { distance, point, pointToPolygonDistance } from '@turf/turf'
import type { GridGeometry } from '../geometry/validate.ts'

export interface NearbyOptions { distanceM: number }
export interface ReboundOptions extends NearbyOptions { days: number; now: Date }

/** Defaults (overridable by env in the server): 50 m / 30 days for rebounds, 50 m duplicates, 30 m boundary. */
export const NEARBY_DEFAULTS = { reboundDistanceM: 50, reboundDays: 30, duplicateDistanceM: 50, boundaryDistanceM: 30 } as const

export interface PointProblem { lng: number; lat: number; categoryCode: string }

/** Metres between two WGS84 points (great circle). */
export function metresBetween(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  return distance([a.lng, a.lat], [b.lng, b.lat], { units: 'meters' })
}

/** A rough degree box around a point that surely contains everything within `m` metres. */
export function bboxAround(lng: number, lat: number, m: number): [number, number, number, number] {
  const dLat = (m / 111_320) * 1.01 + 1e-9
  const dLng = dLat / Math.max(0.01, Math.cos((Math.abs(lat) * Math.PI) / 180))
  return [lng - dLng, lat - dLat, lng + dLng, lat + dLat]
}

/**
 * The problem a new one rebounds from: same category, closed within the last `days` days (up to
 * `now`), within `distanceM`; the nearest such (ties: the most recently closed). Null if none.
 */
export function findRebound<T extends PointProblem & { id: number; closedAt: Date | null }>(
  newProblem: PointProblem, closedRecently: readonly T[], opts: ReboundOptions,
): (T & { distanceM: number }) | null {
  const since = opts.now.getTime() - opts.days * 86_400_000
  let best: (T & { distanceM: number }) | null = null
  for (const c of closedRecently) {
    if (c.categoryCode !== newProblem.categoryCode || !c.closedAt) continue
    const t = c.closedAt.getTime()
    if (t < since || t > opts.now.getTime()) continue
    const d = metresBetween(newProblem, c)
    if (d > opts.distanceM) continue
    if (!best || d < best.distanceM || (d === best.distanceM && t > best.closedAt!.getTime())) best = { ...c, distanceM: d }
  }
  return best
}

/** Likely duplicates: open problems of the same category within `distanceM`, nearest first. */
export function findDuplicates<T extends PointProblem & { id: number; status: string }>(
  p: PointProblem, candidates: readonly T[], opts: NearbyOptions & { openStatuses: readonly string[] },
): (T & { distanceM: number })[] {
  return candidates
    .filter((c) => c.categoryCode === p.categoryCode && opts.openStatuses.includes(c.status))
    .map((c) => ({ ...c, distanceM: metresBetween(p, c) }))
    .filter((c) => c.distanceM <= opts.distanceM)
    .sort((a, b) => a.distanceM - b.distanceM || a.id - b.id)
}

export interface BoundaryGrid { id: number; geometry: GridGeometry; bbox: [number, number, number, number] }

/**
 * Boundary flag: the other grids (not `ownGridId`) whose boundary lies within `distanceM` of the
 * point, nearest first, with the distance. A bbox prefilter keeps it cheap. A point outside every
 * grid but near one also gets that grid as a candidate.
 */
export function boundaryCandidates(
  lng: number, lat: number, ownGridId: number | null, grids: readonly BoundaryGrid[], opts: NearbyOptions,
): { gridId: number; distanceM: number }[] {
  const [x0, y0, x1, y1] = bboxAround(lng, lat, opts.distanceM)
  const pt = point([lng, lat])
  const out: { gridId: number; distanceM: number }[] = []
  for (const g of grids) {
    if (g.id === ownGridId) continue
    if (g.bbox[0] > x1 || g.bbox[2] < x0 || g.bbox[1] > y1 || g.bbox[3] < y0) continue
    // cheap planar prefilter (local metres; off by far less than 50% at these distances), then turf exactly
    if (planarBoundaryDistanceM(lng, lat, g.geometry, opts.distanceM * 1.5) > opts.distanceM * 1.5) continue
    // negative inside, positive outside; its absolute value is the distance to the boundary
    const d = Math.abs(pointToPolygonDistance(pt, g.geometry, { units: 'meters' }))
    if (d <= opts.distanceM) out.push({ gridId: g.id, distanceM: d })
  }
  return out.sort((a, b) => a.distanceM - b.distanceM || a.gridId - b.gridId)
}

/**
 * Distance in metres from a point to the nearest edge of a polygon, on a local equirectangular
 * plane around the point: fast and close to the geodesic value over tens of metres. Edges whose
 * box is farther than `cutoffM` are skipped; returns Infinity when every edge is.
 */
export function planarBoundaryDistanceM(lng: number, lat: number, geometry: GridGeometry, cutoffM = Infinity): number {
  const kx = 111_320 * Math.cos((lat * Math.PI) / 180), ky = 110_574
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
  let best = Infinity
  for (const poly of polys) {
    for (const ring of poly) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const ax = (ring[i]![0]! - lng) * kx, ay = (ring[i]![1]! - lat) * ky
        const bx = (ring[i + 1]![0]! - lng) * kx, by = (ring[i + 1]![1]! - lat) * ky
        if (Math.min(ax, bx) > cutoffM || Math.max(ax, bx) < -cutoffM || Math.min(ay, by) > cutoffM || Math.max(ay, by) < -cutoffM) continue
        const dx = bx - ax, dy = by - ay
        const len2 = dx * dx + dy * dy
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2))
        const d = Math.hypot(ax + t * dx, ay + t * dy)
        if (d < best) best = d
      }
    }
  }
  return best
}

/**
 * For bulk work (a ledger import flags every row): `boundaryCandidates` and `findRebound` over a
 * spatial index (flatbush over grid boxes / closed problems) built once, instead of a scan of every
 * grid and every recently closed problem per row. Same answers: the index only narrows the list to
 * what the box around the point can hold, visited in the original order, then the same test runs
 * (tests/domain/nearbyIndex.test.ts compares them on random data).
 */
export function boundaryGridIndex(grids: readonly BoundaryGrid[]) {
  const index = grids.length ? new Flatbush(grids.length) : null
  if (index) { for (const g of grids) index.add(g.bbox[0], g.bbox[1], g.bbox[2], g.bbox[3]); index.finish() }
  return {
    candidates(lng: number, lat: number, ownGridId: number | null, opts: NearbyOptions): { gridId: number; distanceM: number }[] {
      if (!index) return []
      const [x0, y0, x1, y1] = bboxAround(lng, lat, opts.distanceM)
      const near = index.search(x0, y0, x1, y1).sort((a, b) => a - b).map((i) => grids[i]!)
      return boundaryCandidates(lng, lat, ownGridId, near, opts)
    },
  }
}

export function reboundIndex<T extends PointProblem & { id: number; closedAt: Date | null }>(closedRecently: readonly T[]) {
  const index = closedRecently.length ? new Flatbush(closedRecently.length) : null
  if (index) { for (const c of closedRecently) index.add(c.lng, c.lat, c.lng, c.lat); index.finish() }
  return {
    find(newProblem: PointProblem, opts: ReboundOptions): (T & { distanceM: number }) | null {
      if (!index) return null
      const [x0, y0, x1, y1] = bboxAround(newProblem.lng, newProblem.lat, opts.distanceM)
      const near = index.search(x0, y0, x1, y1).sort((a, b) => a - b).map((i) => closedRecently[i]!)
      return findRebound(newProblem, near, opts)
    },
  }
}
