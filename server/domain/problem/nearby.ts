/**
 * Problems near a point: rebound (反弹) of a problem closed recently, likely duplicates among
 * open problems, and boundary problems (边界问题) close to another grid. Pure functions.
 *
 * The distances are turf's (great circle, turf.distance / turf.pointToPolygonDistance) bit for bit:
 * the few formulas below are turf 7's own arithmetic, written out on numbers instead of GeoJSON
 * objects (the same floating-point operations in the same order), so the bulk import can flag a
 * million rows without building a GeoJSON object per edge. tests/domain/nearbyIndex.test.ts compares
 * every answer with turf's.
 */
import { booleanPointInPolygon } from '@turf/turf'
import type { Position } from 'geojson'
import type { GridGeometry } from '../geometry/validate.ts'

export interface NearbyOptions { distanceM: number }
export interface ReboundOptions extends NearbyOptions { days: number; now: Date }

/** Defaults (overridable by env in the server): 50 m / 30 days for rebounds, 50 m duplicates, 30 m boundary. */
export const NEARBY_DEFAULTS = { reboundDistanceM: 50, reboundDays: 30, duplicateDistanceM: 50, boundaryDistanceM: 30 } as const

export interface PointProblem { lng: number; lat: number; categoryCode: string }

// ---- turf 7's arithmetic (@turf/helpers, @turf/distance, @turf/nearest-point-on-line), operation for operation ----

/** @turf/helpers earthRadius (factors.meters) and factors.degrees */
const EARTH_RADIUS_M = 63710088e-1
const DEGREES_FACTOR = 360 / (2 * Math.PI)
const degreesToRadians = (degrees: number) => ((degrees % 360) * Math.PI) / 180
const radiansToDegrees = (radians: number) => ((radians % (2 * Math.PI)) * 180) / Math.PI

/** turf.distance's central angle (radians) from (x1, y1) to (x2, y2); × a units factor gives turf's distance */
function haversineRad(x1: number, y1: number, x2: number, y2: number): number {
  const dLat = degreesToRadians(y2 - y1)
  const dLon = degreesToRadians(x2 - x1)
  const lat1 = degreesToRadians(y1)
  const lat2 = degreesToRadians(y2)
  const a = Math.pow(Math.sin(dLat / 2), 2) + Math.pow(Math.sin(dLon / 2), 2) * Math.cos(lat1) * Math.cos(lat2)
  return 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a))
}

/**
 * turf's `nearestPointOnLine(lineString([a, b]), p, { units: 'degrees' }).properties.pointDistance`
 * (what turf.pointToLineDistance's geodesic distanceToSegment returns), for one segment, on numbers.
 */
function segmentDistanceDeg(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  let ix: number, iy: number
  if (bx === px && by === py) { ix = bx; iy = by } else if (ax === px && ay === py) { ix = ax; iy = ay } else {
    // nearestPointOnSegment: lngLatToVector of A, B, C
    let r = degreesToRadians(ay), l = degreesToRadians(ax)
    const a0 = Math.cos(r) * Math.cos(l), a1 = Math.cos(r) * Math.sin(l), a2 = Math.sin(r)
    r = degreesToRadians(by); l = degreesToRadians(bx)
    const b0 = Math.cos(r) * Math.cos(l), b1 = Math.cos(r) * Math.sin(l), b2 = Math.sin(r)
    r = degreesToRadians(py); l = degreesToRadians(px)
    const c0 = Math.cos(r) * Math.cos(l), c1 = Math.cos(r) * Math.sin(l), c2 = Math.sin(r)
    // segmentAxis = cross(A, B)
    const s0 = a1 * b2 - a2 * b1, s1 = a2 * b0 - a0 * b2, s2 = a0 * b1 - a1 * b0
    if (s0 === 0 && s1 === 0 && s2 === 0) {
      if (a0 * b0 + a1 * b1 + a2 * b2 > 0) { ix = bx; iy = by } else { ix = px; iy = py }
    } else {
      // targetAxis = cross(segmentAxis, C)
      const t0 = s1 * c2 - s2 * c1, t1 = s2 * c0 - s0 * c2, t2 = s0 * c1 - s1 * c0
      if (t0 === 0 && t1 === 0 && t2 === 0) { ix = bx; iy = by } else {
        // intersectionAxis = cross(targetAxis, segmentAxis), normalised; I = the one of ±I1 nearer C
        const n0 = t1 * s2 - t2 * s1, n1 = t2 * s0 - t0 * s2, n2 = t0 * s1 - t1 * s0
        const mag = Math.sqrt(Math.pow(n0, 2) + Math.pow(n1, 2) + Math.pow(n2, 2))
        const p0 = n0 / mag, p1 = n1 / mag, p2 = n2 / mag
        const q0 = -p0, q1 = -p1, q2 = -p2
        const first = c0 * p0 + c1 * p1 + c2 * p2 > c0 * q0 + c1 * q1 + c2 * q2
        const i0 = first ? p0 : q0, i1 = first ? p1 : q1, i2 = first ? p2 : q2
        const smag = Math.sqrt(Math.pow(s0, 2) + Math.pow(s1, 2) + Math.pow(s2, 2))
        const m0 = s0 / smag, m1 = s1 / smag, m2 = s2 / smag
        const cmpAI = (a1 * i2 - a2 * i1) * m0 + (a2 * i0 - a0 * i2) * m1 + (a0 * i1 - a1 * i0) * m2
        const cmpIB = (i1 * b2 - i2 * b1) * m0 + (i2 * b0 - i0 * b2) * m1 + (i0 * b1 - i1 * b0) * m2
        if (cmpAI >= 0 && cmpIB >= 0) {
          // vectorToLngLat(I)
          iy = radiansToDegrees(Math.asin(Math.min(Math.max(i2, -1), 1)))
          ix = radiansToDegrees(Math.atan2(i1, i0))
        } else if (a0 * c0 + a1 * c1 + a2 * c2 > b0 * c0 + b1 * c1 + b2 * c2) { ix = ax; iy = ay } else { ix = bx; iy = by }
      }
    }
  }
  const d = haversineRad(px, py, ix, iy) * DEGREES_FACTOR
  return d < Infinity ? d : Infinity // nearestPointOnLine keeps its Infinity start unless the distance is smaller
}

/** turf's convertLength(deg, 'degrees', 'meters') */
const degreesToMetres = (deg: number) => (deg / DEGREES_FACTOR) * EARTH_RADIUS_M

/** Metres between two WGS84 points (great circle): turf.distance(…, { units: 'meters' }). */
export function metresBetween(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  return haversineRad(a.lng, a.lat, b.lng, b.lat) * EARTH_RADIUS_M
}

/** A rough degree box around a point that surely contains everything within `m` metres. */
export function bboxAround(lng: number, lat: number, m: number): [number, number, number, number] {
  const dLat = (m / 111_320) * 1.01 + 1e-9
  const dLng = dLat / Math.max(0.01, Math.cos((Math.abs(lat) * Math.PI) / 180))
  return [lng - dLng, lat - dLat, lng + dLng, lat + dLat]
}

/** true when the better of two rebound candidates is the second: nearer; then closed later; then first in the list */
const reboundBetter = (d: number, t: number, i: number, bestD: number, bestT: number, best: number) =>
  best < 0 || d < bestD || (d === bestD && (t > bestT || (t === bestT && i < best)))

/**
 * The problem a new one rebounds from: same category, closed within the last `days` days (up to
 * `now`), within `distanceM`; the nearest such (ties: the most recently closed, then the first in
 * the list). Null if none.
 */
export function findRebound<T extends PointProblem & { id: number; closedAt: Date | null }>(
  newProblem: PointProblem, closedRecently: readonly T[], opts: ReboundOptions,
): (T & { distanceM: number }) | null {
  const nowT = opts.now.getTime(), since = nowT - opts.days * 86_400_000
  let best = -1, bestD = Infinity, bestT = 0
  for (let i = 0; i < closedRecently.length; i++) {
    const c = closedRecently[i]!
    if (c.categoryCode !== newProblem.categoryCode || !c.closedAt) continue
    const t = c.closedAt.getTime()
    if (t < since || t > nowT) continue
    const d = metresBetween(newProblem, c)
    if (d > opts.distanceM) continue
    if (reboundBetter(d, t, i, bestD, bestT, best)) { best = i; bestD = d; bestT = t }
  }
  return best < 0 ? null : { ...closedRecently[best]!, distanceM: bestD }
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
export interface BoundaryCandidate { gridId: number; distanceM: number }

/**
 * Boundary flag: the other grids (not `ownGridId`) whose boundary lies within `distanceM` of the
 * point, nearest first (ties: the smaller id), with the distance. A bbox prefilter keeps it cheap.
 * A point outside every grid but near one also gets that grid as a candidate.
 */
export function boundaryCandidates(
  lng: number, lat: number, ownGridId: number | null, grids: readonly BoundaryGrid[], opts: NearbyOptions,
): BoundaryCandidate[] {
  const [x0, y0, x1, y1] = bboxAround(lng, lat, opts.distanceM)
  const out: BoundaryCandidate[] = []
  for (const g of grids) {
    if (g.id === ownGridId) continue
    if (g.bbox[0] > x1 || g.bbox[2] < x0 || g.bbox[1] > y1 || g.bbox[3] < y0) continue
    const d = boundaryDistanceWithinM(lng, lat, g.geometry, opts.distanceM)
    if (d <= opts.distanceM) out.push({ gridId: g.id, distanceM: d })
  }
  return out.sort((a, b) => a.distanceM - b.distanceM || a.gridId - b.gridId)
}

// ---- which edges can hold the nearest point: the planar estimate and its error bound ----

/** metres per degree of the local plane around a point (an equirectangular approximation) */
const planarKx = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180)
const PLANAR_KY = 110_574
let planarLen2 = 0
/**
 * Planar distance (local metres) from the point to the segment, or Infinity when its box or the
 * segment itself is farther than `reach`. Sets `planarLen2` (the segment's squared planar length).
 */
function planarSegmentM(lng: number, lat: number, kx: number, x1: number, y1: number, x2: number, y2: number, reach: number): number {
  const ax = (x1 - lng) * kx, ay = (y1 - lat) * PLANAR_KY, bx = (x2 - lng) * kx, by = (y2 - lat) * PLANAR_KY
  if (Math.min(ax, bx) > reach || Math.max(ax, bx) < -reach || Math.min(ay, by) > reach || Math.max(ay, by) < -reach) return Infinity
  const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2))
  const px = ax + t * dx, py = ay + t * dy, d2 = px * px + py * py
  if (d2 > reach * reach * 1.000001) return Infinity
  const d = Math.sqrt(d2) // (within an ulp or two of Math.hypot, which is slow; the bounds allow for far more)
  planarLen2 = len2
  return d > reach ? Infinity : d
}
/**
 * A bound on |planar − turf's geodesic| for one segment, metres. The plane's scales differ from turf's
 * sphere by < 0.6 % (110 574 vs 111 195 m/° north, 111 320 vs 111 195 m/° east); a great-circle edge
 * of length L bows away from the straight lng/lat line by < L²·tan(lat)/(8R) (< 3·10⁻⁸·L² below 56°N);
 * turf's cross product of two unit vectors L/R apart has an absolute rounding error of ~6·10⁻¹⁷, so
 * its great circle may be off by ~R²·6·10⁻¹⁷/L ≈ 2.4 mm·m / L. Taken larger: 2 % + 5 cm + 10⁻⁷·L² +
 * 1 cm·m / L (a zero-length edge gets an infinite bound: it always goes through turf's arithmetic).
 */
const planarErrorM = (d: number, len2: number) => 0.02 * d + 0.05 + 1e-7 * len2 + 0.01 / Math.sqrt(len2)
/** edges shorter than this (1 m) have a bound above 1 cm from the last term */
const SHORT_EDGE_LEN2 = 1

/**
 * turf's signed polygon distance from the distances of its rings (pointToPolygonDistance's
 * combination of exterior and holes); `inside(i)` is booleanPointInPolygon on ring i alone.
 */
function combineRings(n: number, ringM: (i: number) => number, inside: (i: number) => boolean): number {
  const signed = (i: number) => { const d = ringM(i); return inside(i) ? -d : d }
  const exterior = signed(0)
  if (exterior >= 0) return exterior
  let smallestInterior = Infinity
  for (let i = 1; i < n; i++) smallestInterior = Math.min(smallestInterior, signed(i))
  if (smallestInterior < 0) return Math.abs(smallestInterior)
  return Math.max(smallestInterior * -1, exterior)
}

/**
 * The distance in metres from a point to a polygon's boundary, |turf.pointToPolygonDistance| (geodesic),
 * bit for bit whenever it is ≤ `cutoffM`; otherwise some value > `cutoffM` (Infinity when no edge is
 * near). turf runs its geodesic nearest-point search on every edge of every ring; here an edge goes
 * through that same arithmetic (segmentDistanceDeg) only when its planar distance is within 1.5 ×
 * `cutoffM` and its planar lower bound is below the ring's smallest planar upper bound (so the edge
 * may hold the ring's nearest point); a ring whose planar lower bound exceeds `cutoffM` is far
 * (Infinity). The rings are combined exactly as turf combines them (holes, MultiPolygon).
 */
export function boundaryDistanceWithinM(lng: number, lat: number, geometry: GridGeometry, cutoffM: number): number {
  const kx = planarKx(lat), reach = cutoffM * 1.5
  const ringM = (ring: Position[]): number => {
    let minUpper = Infinity, minLower = Infinity
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!, b = ring[i + 1]!
      const p = planarSegmentM(lng, lat, kx, a[0]!, a[1]!, b[0]!, b[1]!, reach)
      if (p === Infinity) continue
      const e = planarErrorM(p, planarLen2)
      if (p - e > cutoffM) continue // cannot bring the ring within the cutoff
      minLower = Math.min(minLower, p - e)
      minUpper = Math.min(minUpper, p + e)
    }
    if (!(minLower <= cutoffM)) return Infinity
    let best = Infinity
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i]!, b = ring[i + 1]!
      const p = planarSegmentM(lng, lat, kx, a[0]!, a[1]!, b[0]!, b[1]!, reach)
      if (p === Infinity) continue
      if (p - planarErrorM(p, planarLen2) > Math.min(minUpper, cutoffM)) continue
      const d = segmentDistanceDeg(lng, lat, a[0]!, a[1]!, b[0]!, b[1]!)
      if (d < best) best = d
    }
    return best === Infinity ? Infinity : degreesToMetres(best)
  }
  const polygonM = (rings: Position[][]): number => rings.length === 1
    ? ringM(rings[0]!) // only its absolute value is used
    : combineRings(rings.length, (i) => ringM(rings[i]!), (i) => booleanPointInPolygon([lng, lat], { type: 'Polygon', coordinates: [rings[i]!] }))
  if (geometry.type === 'Polygon') return Math.abs(polygonM(geometry.coordinates))
  let min = Infinity
  for (const c of geometry.coordinates) min = Math.min(min, Math.abs(polygonM(c)))
  return min
}

/**
 * Distance in metres from a point to the nearest edge of a polygon, on a local equirectangular
 * plane around the point: fast and close to the geodesic value over tens of metres. Edges whose
 * box is farther than `cutoffM` are skipped; returns Infinity when every edge is.
 */
export function planarBoundaryDistanceM(lng: number, lat: number, geometry: GridGeometry, cutoffM = Infinity): number {
  const kx = planarKx(lat)
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
  let best = Infinity
  for (const poly of polys) {
    for (const ring of poly) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const d = planarSegmentM(lng, lat, kx, ring[i]![0]!, ring[i]![1]!, ring[i + 1]![0]!, ring[i + 1]![1]!, Infinity)
        if (d <= cutoffM && d < best) best = d
      }
    }
  }
  return best
}

// ---- uniform cells for the bulk forms ----

/**
 * Items in the cells of a uniform lng/lat grid (CSR arrays): `items[start[c] .. start[c + 1])` are
 * the items whose box meets cell c. A query visits the cells its box meets; no allocation.
 */
interface Cells { x0: number; y0: number; cw: number; ch: number; nx: number; ny: number; start: Int32Array; items: Int32Array }

/**
 * Cells of size cw × ch over `ext`. `xy` holds vertex i at xy[2i], xy[2i + 1]. Items: with `ringStarts`,
 * the edges from vertex i to i + 1 of each ring (vertices ringStarts[r] … ringStarts[r + 1] − 1);
 * without, the points i < xy.length / 2. An item lies in every cell its box meets; a long edge is cut into
 * pieces no bigger than a cell, so it lands only in the cells along it. Items outside `ext` go to the
 * border cells (queries clamp the same way, so nothing is missed). Few and compact allocations: a
 * big build under a big heap (the catalog's coordinates) otherwise costs a major GC.
 */
function buildCells(
  ext: readonly number[], cw: number, ch: number, xy: Float64Array, ringStarts: Int32Array | null,
  /** ring edges only where mask[i] === 0 */ mask: Uint8Array | null = null, /** instead of the rings: these edges */ list: number[] | null = null,
): Cells {
  const x0 = ext[0]!, y0 = ext[1]!, x1 = ext[2]!, y1 = ext[3]!
  const count = list ? list.length : xy.length / 2
  let nx = 1, ny = 1
  for (;;) { // at most ~4 cells per item (and 65 536 at least): wide extents get coarser cells
    nx = Math.max(1, Math.ceil((x1 - x0) / cw)); ny = Math.max(1, Math.ceil((y1 - y0) / ch))
    if (nx * ny <= Math.max(4 * count, 65_536)) break
    cw *= 2; ch *= 2
  }
  return fillCells(x0, y0, cw, ch, nx, ny, xy, ringStarts, mask, list)
}

function fillCells(
  x0: number, y0: number, cw: number, ch: number, nx: number, ny: number,
  xy: Float64Array, ringStarts: Int32Array | null, mask: Uint8Array | null, list: number[] | null,
): Cells {
  const nc = nx * ny, count = xy.length / 2
  const col = (x: number) => Math.min(nx - 1, Math.max(0, Math.floor((x - x0) / cw)))
  const row = (y: number) => Math.min(ny - 1, Math.max(0, Math.floor((y - y0) / ch)))
  // counts in start[c], then running ends; the fill walks the items backwards, so start[c] ends as
  // the first item of cell c and the items of a cell stay in ascending order
  const start = new Int32Array(nc + 1)
  let items: Int32Array | null = null
  const multi: number[] = []
  let lastItem: Int32Array | null = null
  const addMulti = (i: number) => { // an edge over more than 2 × 2 cells, piece by piece (each cell once)
    const ax = xy[2 * i]!, ay = xy[2 * i + 1]!, bx = xy[2 * i + 2]!, by = xy[2 * i + 3]!
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(bx - ax) / cw, Math.abs(by - ay) / ch)))
    let px = ax, py = ay
    for (let k = 1; k <= n; k++) {
      const qx = k === n ? bx : ax + ((bx - ax) * k) / n, qy = k === n ? by : ay + ((by - ay) * k) / n
      for (let cy = row(Math.min(py, qy)), cy1 = row(Math.max(py, qy)); cy <= cy1; cy++) {
        for (let cx = col(Math.min(px, qx)), cx1 = col(Math.max(px, qx)); cx <= cx1; cx++) {
          const c = cy * nx + cx
          if (lastItem![c] === i) continue
          lastItem![c] = i
          if (items) items[--start[c]!] = i; else start[c]!++
        }
      }
      px = qx; py = qy
    }
  }
  const pass = (fill: Int32Array | null) => {
    if (list) { for (let k = list.length - 1; k >= 0; k--) { if (fill) addMulti(list[k]!); else multi.push(list[k]!) } return }
    const rings = ringStarts ? ringStarts.length - 1 : 1
    for (let r = rings - 1; r >= 0; r--) {
      const first = ringStarts ? ringStarts[r]! : 0, last = ringStarts ? ringStarts[r + 1]! - 2 : count - 1
      for (let i = last; i >= first; i--) {
        if (mask && mask[i]) continue
        const ax = xy[2 * i]!, ay = xy[2 * i + 1]!, bx = ringStarts ? xy[2 * i + 2]! : ax, by = ringStarts ? xy[2 * i + 3]! : ay
        let cx0 = Math.floor(((ax < bx ? ax : bx) - x0) / cw), cx1 = Math.floor(((ax < bx ? bx : ax) - x0) / cw)
        let cy0 = Math.floor(((ay < by ? ay : by) - y0) / ch), cy1 = Math.floor(((ay < by ? by : ay) - y0) / ch)
        // clamped as col() / row() do (a coordinate outside the extent goes to the border cell)
        if (cx0 < 0) cx0 = 0
        if (cx1 > nx - 1) cx1 = nx - 1
        if (cy0 < 0) cy0 = 0
        if (cy1 > ny - 1) cy1 = ny - 1
        if (cx1 < 0) cx1 = 0
        if (cx0 > nx - 1) cx0 = nx - 1
        if (cy1 < 0) cy1 = 0
        if (cy0 > ny - 1) cy0 = ny - 1
        if (cx1 - cx0 <= 1 && cy1 - cy0 <= 1) { // within 2 × 2 cells: the cells of its box
          for (let cy = cy0; cy <= cy1; cy++) for (let cx = cx0; cx <= cx1; cx++) {
            const c = cy * nx + cx
            if (fill) fill[--start[c]!] = i; else start[c]!++
          }
        } else if (fill) addMulti(i); else multi.push(i)
      }
    }
  }
  pass(null)
  if (multi.length) { lastItem = new Int32Array(nc).fill(-1); for (const i of multi) addMulti(i) }
  for (let c = 1; c <= nc; c++) start[c]! += start[c - 1]!
  items = new Int32Array(start[nc]!)
  if (lastItem) lastItem.fill(-1)
  pass(items)
  return { x0, y0, cw, ch, nx, ny, start, items }
}

const NO_CANDIDATES: readonly BoundaryCandidate[] = Object.freeze([])

/**
 * For bulk work (a ledger import flags every row): `boundaryCandidates` over an index of every
 * grid's edges, built once. Same answers (the same grid ids in the same order, the same distances):
 * a row visits only the edges in the cells around it, tests them with the same planar reach and
 * bounds as boundaryDistanceWithinM, runs turf's arithmetic on the few edges that may hold a ring's
 * nearest point, and combines rings as turf does. A row near no other grid allocates nothing and
 * gets a shared empty list. tests/domain/nearbyIndex.test.ts compares it with turf on random points.
 */
export function boundaryGridIndex(grids: readonly BoundaryGrid[]) {
  // the grids' rings, flattened: vertex v and v + 1 of one ring make an edge (keyed by v)
  const nG = grids.length
  let nP = 0, nR = 0, nV = 0
  for (const g of grids) {
    const polys = g.geometry.type === 'Polygon' ? [g.geometry.coordinates] : g.geometry.coordinates
    nP += polys.length
    for (const rings of polys) { nR += rings.length; for (const ring of rings) nV += ring.length }
  }
  const ids = new Float64Array(nG), boxes = new Float64Array(nG * 4)
  const polyStart = new Int32Array(nG + 1), ringStart = new Int32Array(nP + 1), vertexStart = new Int32Array(nR + 1)
  const gridOfRing = new Int32Array(nR)
  const xy = new Float64Array(2 * nV) // vertex v at 2v, 2v + 1: an edge's four numbers in one or two cache lines
  const ringCoords: Position[][] = new Array(nR)
  let p = 0, r = 0, v = 0
  // the cells' extent: the grids' boxes (a vertex outside goes to a border cell, which stays correct)
  let ex0 = Infinity, ey0 = Infinity, ex1 = -Infinity, ey1 = -Infinity
  for (let g = 0; g < nG; g++) {
    const grid = grids[g]!
    ids[g] = grid.id
    const [b0, b1, b2, b3] = grid.bbox
    boxes[g * 4] = b0; boxes[g * 4 + 1] = b1; boxes[g * 4 + 2] = b2; boxes[g * 4 + 3] = b3
    if (b0 < ex0) ex0 = b0
    if (b1 < ey0) ey0 = b1
    if (b2 > ex1) ex1 = b2
    if (b3 > ey1) ey1 = b3
    const polys = grid.geometry.type === 'Polygon' ? [grid.geometry.coordinates] : grid.geometry.coordinates
    polyStart[g] = p
    for (const rings of polys) {
      ringStart[p++] = r
      for (const ring of rings) {
        vertexStart[r] = v; gridOfRing[r] = g; ringCoords[r] = ring
        for (let i = 0; i < ring.length; i++) {
          const pos = ring[i]!
          xy[2 * v] = pos[0]!; xy[2 * v + 1] = pos[1]!; v++
        }
        r++
      }
    }
  }
  polyStart[nG] = p; ringStart[nP] = r; vertexStart[nR] = v

  /**
   * The search radius (planar metres) for one cutoff: every edge with a planar lower bound within
   * the cutoff is nearer than (cutoff + 6 cm + 10⁻⁷·L²) / 0.98 (L: the longest edge), which is far
   * less than the reach of 1.5 × cutoff; but with an edge under 1 m somewhere (its rounding term
   * exceeds 1 cm) or near the poles, the whole reach.
   */
  let longest2 = -1, tinyEdges = 0, nearPole = false
  /** edges under 1 m (1 where such an edge starts): their own cells, searched over the whole reach */
  const tiny = new Uint8Array(nV), tinyList: number[] = []
  const radiusFor = (cutoffM: number): number => {
    if (longest2 < 0) {
      longest2 = 0
      const kxMin = planarKx(Math.min(90, Math.max(Math.abs(ey0), Math.abs(ey1)))) // the smallest east scale over the extent
      for (let rr = 0; rr < nR; rr++) {
        for (let i = vertexStart[rr]!; i + 1 < vertexStart[rr + 1]!; i++) {
          const dx = xy[2 * i + 2]! - xy[2 * i]!, dy = xy[2 * i + 3]! - xy[2 * i + 1]!
          const ex = dx * 111_320, ey = dy * PLANAR_KY, hi2 = ex * ex + ey * ey
          if (hi2 > longest2) longest2 = hi2
          const lx = dx * kxMin * 0.99, ly = ey * 0.99
          if (lx * lx + ly * ly < SHORT_EDGE_LEN2) { tiny[i] = 1; tinyEdges++; tinyList.push(i) }
        }
      }
      nearPole = Math.max(Math.abs(ey0), Math.abs(ey1)) > 80
    }
    const reach = cutoffM * 1.5
    return nearPole ? reach : Math.min(reach, ((cutoffM + 0.05 + 0.01 + 1e-7 * longest2) / 0.98) * (1 + 1e-6) + 1e-6)
  }
  type RadiusCells = Cells & { radiusM: number }
  /** the edge cells for one cutoff, built at its first use: edges of 1 m and more in cells about the search radius wide (a row visits ~9), the shorter ones apart */
  const cellsByCutoff = new Map<number, [RadiusCells, RadiusCells | null] | null>()
  const cellsFor = (cutoffM: number): [RadiusCells, RadiusCells | null] | null => {
    let cells = cellsByCutoff.get(cutoffM)
    if (cells !== undefined) return cells
    cells = null
    if (nV > 0 && ex1 >= ex0 && ey1 >= ey0) {
      const radiusM = radiusFor(cutoffM), reach = cutoffM * 1.5, kx = Math.max(1, planarKx(Math.min(89, Math.max(Math.abs(ey0), Math.abs(ey1)))))
      const cellsOf = (r: number, main: boolean): RadiusCells =>
        ({ ...buildCells([ex0, ey0, ex1, ey1], Math.max(1e-6, r / kx), Math.max(1e-6, r / PLANAR_KY), xy, vertexStart, main ? tiny : null, main ? null : tinyList), radiusM: r })
      cells = [cellsOf(radiusM, true), tinyEdges ? cellsOf(reach, false) : null]
    }
    cellsByCutoff.set(cutoffM, cells)
    return cells
  }

  // per-query scratch: stamps say "seen in query q"; lists grow when needed
  let query = 0
  const ringSeen = new Int32Array(nR), ringExactSeen = new Int32Array(nR), gridSeen = new Int32Array(nG)
  /** the ring of vertex v (binary search over the rings' first vertices) */
  const ringOf = (vv: number) => {
    let lo = 0, hi = nR - 1
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (vertexStart[mid]! <= vv) lo = mid; else hi = mid - 1 }
    return lo
  }
  const gridOk = new Uint8Array(nG)
  const ringMinLower = new Float64Array(nR), ringMinUpper = new Float64Array(nR), ringBestDeg = new Float64Array(nR)
  let hitVertex = new Int32Array(64), hitRing = new Int32Array(64), hitLower = new Float64Array(64)
  let touchedGrids = new Int32Array(16)
  let outIds = new Float64Array(16), outM = new Float64Array(16)
  let memGrid = new Int32Array(16), memLo = new Float64Array(16), memHi = new Float64Array(16), memExact = new Int32Array(16)

  /** turf's distance (metres) of ring rr in query q, from the edges that may hold its nearest point; once per query */
  const ringExactM = (rr: number, q: number, lng: number, lat: number, nHits: number): number => {
    if (ringSeen[rr] !== q) return Infinity
    if (ringExactSeen[rr] !== q) {
      ringExactSeen[rr] = q
      let best = Infinity
      const minUpper = ringMinUpper[rr]!
      for (let h = 0; h < nHits; h++) {
        if (hitRing[h] !== rr || hitLower[h]! > minUpper) continue
        const vv = hitVertex[h]!
        const d = segmentDistanceDeg(lng, lat, xy[2 * vv]!, xy[2 * vv + 1]!, xy[2 * vv + 2]!, xy[2 * vv + 3]!)
        if (d < best) best = d
      }
      ringBestDeg[rr] = best
    }
    const b = ringBestDeg[rr]!
    return b === Infinity ? Infinity : degreesToMetres(b)
  }
  /** turf's |pointToPolygonDistance| of grid g (rings combined as turf does), or some value > the cutoff */
  const gridExactM = (g: number, q: number, lng: number, lat: number, nHits: number): number => {
    let dist = Infinity
    for (let pp = polyStart[g]!; pp < polyStart[g + 1]!; pp++) {
      const r0 = ringStart[pp]!, r1 = ringStart[pp + 1]!
      let m: number
      if (r1 - r0 === 1) m = Math.abs(ringExactM(r0, q, lng, lat, nHits))
      else {
        let near = false
        for (let rr = r0; rr < r1; rr++) if (ringSeen[rr] === q) near = true
        m = !near ? Infinity : Math.abs(combineRings(r1 - r0, (i) => ringExactM(r0 + i, q, lng, lat, nHits),
          (i) => booleanPointInPolygon([lng, lat], { type: 'Polygon', coordinates: [ringCoords[r0 + i]!] })))
      }
      dist = Math.min(dist, m)
    }
    return dist
  }

  /** the query: the candidates' ids and distances (or lower bounds) into outIds / outM; their count */
  const run = (lng: number, lat: number, ownGridId: number | null, cutoff: number, exact: boolean): number => {
      const both = cellsFor(cutoff)
      if (!both) return 0
      const q = ++query
      const kx = planarKx(lat), reach = cutoff * 1.5
      // boundaryCandidates' grid box test: bboxAround(lng, lat, cutoff)
      const dLat = (cutoff / 111_320) * 1.01 + 1e-9
      const dLng = dLat / Math.max(0.01, Math.cos((Math.abs(lat) * Math.PI) / 180))
      const bx0 = lng - dLng, by0 = lat - dLat, bx1 = lng + dLng, by1 = lat + dLat
      let nHits = 0, nGrids = 0
      for (let part = 0; part < 2; part++) {
        const cells = both[part]
        if (!cells) continue
        // the cells of every edge that can have a planar lower bound within the cutoff (a little wider)
        const rx = (cells.radiusM / kx) * (1 + 1e-6) + 1e-9, ry = (cells.radiusM / PLANAR_KY) * (1 + 1e-6) + 1e-9
        const { x0, y0, cw, ch, nx, ny, start, items } = cells
        const cx0 = Math.max(0, Math.floor((lng - rx - x0) / cw)), cx1 = Math.min(nx - 1, Math.floor((lng + rx - x0) / cw))
        const cy0 = Math.max(0, Math.floor((lat - ry - y0) / ch)), cy1 = Math.min(ny - 1, Math.floor((lat + ry - y0) / ch))
        for (let cy = cy0; cy <= cy1; cy++) for (let cx = cx0; cx <= cx1; cx++) {
          const c = cy * nx + cx
          for (let k = start[c]!, end = start[c + 1]!; k < end; k++) {
            const vv = items[k]!
            // the planar test first (most edges in the cells fail it), then: once per edge, other grids only
            const o2 = 2 * vv
            const pd = planarSegmentM(lng, lat, kx, xy[o2]!, xy[o2 + 1]!, xy[o2 + 2]!, xy[o2 + 3]!, reach)
            if (pd === Infinity) continue
            const len2 = planarLen2
            // an edge whose planar lower bound is beyond the cutoff cannot bring its ring within it
            const e = planarErrorM(pd, len2)
            const lower = pd - e
            if (lower > cutoff) continue
            let seen = false // an edge in two of the cells visited
            for (let h = 0; h < nHits; h++) if (hitVertex[h] === vv) { seen = true; break }
            if (seen) continue
            const rr = ringOf(vv), g = gridOfRing[rr]!
            if (gridSeen[g] !== q) {
              gridSeen[g] = q
              const o = g * 4
              const ok = ids[g] !== ownGridId && !(boxes[o]! > bx1 || boxes[o + 2]! < bx0 || boxes[o + 1]! > by1 || boxes[o + 3]! < by0)
              gridOk[g] = ok ? 1 : 0
              if (ok) {
                if (nGrids === touchedGrids.length) touchedGrids = grow(touchedGrids)
                touchedGrids[nGrids++] = g
              }
            }
            if (!gridOk[g]) continue
            const upper = pd + e
            if (ringSeen[rr] !== q) { ringSeen[rr] = q; ringMinLower[rr] = Infinity; ringMinUpper[rr] = Infinity }
            if (lower < ringMinLower[rr]!) ringMinLower[rr] = lower
            if (upper < ringMinUpper[rr]!) ringMinUpper[rr] = upper
            if (nHits === hitVertex.length) { hitVertex = grow(hitVertex); hitRing = grow(hitRing); hitLower = grow(hitLower) }
            hitVertex[nHits] = vv; hitRing[nHits] = rr; hitLower[nHits++] = lower
          }
        }
      }
      if (nHits === 0) return 0
      // each grid near enough: the planar interval of its distance, or turf's exact value (always with
      // `exact`; else for a grid of several rings or polygons, when the interval straddles the cutoff,
      // or when it overlaps another grid's interval so the order needs it)
      let nMem = 0
      for (let t = 0; t < nGrids; t++) {
        const g = touchedGrids[t]!, p0 = polyStart[g]!
        let lo: number, hi: number, ex = 1
        if (!exact && polyStart[g + 1]! - p0 === 1 && ringStart[p0 + 1]! - ringStart[p0]! === 1) {
          const rr = ringStart[p0]!
          if (ringSeen[rr] !== q) continue
          lo = ringMinLower[rr]!; hi = ringMinUpper[rr]!; ex = 0
          if (!(hi <= cutoff)) { lo = hi = gridExactM(g, q, lng, lat, nHits); ex = 1 }
        } else lo = hi = gridExactM(g, q, lng, lat, nHits)
        if (!(lo <= cutoff)) continue
        if (nMem === memGrid.length) { memGrid = grow(memGrid); memLo = grow(memLo); memHi = grow(memHi); memExact = grow(memExact) }
        memGrid[nMem] = g; memLo[nMem] = lo; memHi[nMem] = hi; memExact[nMem++] = ex
      }
      for (let i = 0; i < nMem; i++) for (let j = i + 1; j < nMem; j++) {
        if ((memExact[i] && memExact[j]) || memHi[i]! < memLo[j]! || memHi[j]! < memLo[i]!) continue
        for (const k of [i, j]) if (!memExact[k]) { memLo[k] = memHi[k] = gridExactM(memGrid[k]!, q, lng, lat, nHits); memExact[k] = 1 }
      }
      // nearest first, ties by id (equal values are exact ones: overlapping intervals were made exact)
      if (nMem > outIds.length) { outIds = new Float64Array(nMem * 2); outM = new Float64Array(nMem * 2) }
      for (let n = 0; n < nMem; n++) {
        const id = ids[memGrid[n]!]!, d = memLo[n]!
        let j = n
        while (j > 0 && (outM[j - 1]! > d || (outM[j - 1] === d && outIds[j - 1]! > id))) { outM[j] = outM[j - 1]!; outIds[j] = outIds[j - 1]!; j-- }
        outM[j] = d; outIds[j] = id
      }
      return nMem
  }

  return {
    /** the other grids within `opts.distanceM` of the point, nearest first (ties: smaller id), with turf's distance */
    candidates(lng: number, lat: number, ownGridId: number | null, opts: NearbyOptions): readonly BoundaryCandidate[] {
      const n = run(lng, lat, ownGridId, opts.distanceM, true)
      if (n === 0) return NO_CANDIDATES
      const out: BoundaryCandidate[] = new Array(n)
      for (let j = 0; j < n; j++) out[j] = { gridId: outIds[j]!, distanceM: outM[j]! }
      return out
    },
    /**
     * The ids of `candidates`, in the same order, without their distances: turf's distance is then
     * computed only where the planar interval cannot decide the membership or the order.
     */
    candidateIds(lng: number, lat: number, ownGridId: number | null, opts: NearbyOptions): readonly number[] {
      const n = run(lng, lat, ownGridId, opts.distanceM, false)
      if (n === 0) return NO_IDS
      const out: number[] = new Array(n)
      for (let j = 0; j < n; j++) out[j] = outIds[j]!
      return out
    },
  }
}

const NO_IDS: readonly number[] = Object.freeze([])

function grow<A extends Int32Array | Float64Array>(a: A): A {
  const b = new (a.constructor as new (n: number) => A)(a.length * 2)
  b.set(a)
  return b
}

/**
 * For bulk work: `findRebound` over uniform cells of the closed problems, built once (per distance).
 * Same answer as the scan: the cells only narrow the list to the problems in the box around the
 * point; ties between equal distance and closing time go to the first in the list, as in the scan.
 * Allocates only the answer.
 */
export function reboundIndex<T extends PointProblem & { id: number; closedAt: Date | null }>(closedRecently: readonly T[]) {
  const n = closedRecently.length
  const xy = new Float64Array(2 * n)
  let ex0 = Infinity, ey0 = Infinity, ex1 = -Infinity, ey1 = -Infinity
  for (let i = 0; i < n; i++) {
    const x = closedRecently[i]!.lng, y = closedRecently[i]!.lat
    xy[2 * i] = x; xy[2 * i + 1] = y
    if (x < ex0) ex0 = x
    if (x > ex1) ex1 = x
    if (y < ey0) ey0 = y
    if (y > ey1) ey1 = y
  }
  const cellsByDistance = new Map<number, Cells | null>()
  const cellsFor = (m: number): Cells | null => {
    let cells = cellsByDistance.get(m)
    if (cells !== undefined) return cells
    cells = null
    if (n > 0 && ex1 >= ex0 && ey1 >= ey0) {
      const [bx0, by0, bx1, by1] = bboxAround(0, Math.max(Math.abs(ey0), Math.abs(ey1)), m)
      cells = buildCells([ex0, ey0, ex1, ey1], Math.max(1e-6, bx1 - bx0), Math.max(1e-6, by1 - by0), xy, null)
    }
    cellsByDistance.set(m, cells)
    return cells
  }
  return {
    find(newProblem: PointProblem, opts: ReboundOptions): (T & { distanceM: number }) | null {
      const cells = cellsFor(opts.distanceM)
      if (!cells) return null
      const { lng, lat } = newProblem
      // bboxAround(lng, lat, distanceM)
      const dLat = (opts.distanceM / 111_320) * 1.01 + 1e-9
      const dLng = dLat / Math.max(0.01, Math.cos((Math.abs(lat) * Math.PI) / 180))
      const qx0 = lng - dLng, qy0 = lat - dLat, qx1 = lng + dLng, qy1 = lat + dLat
      const { x0, y0, cw, ch, nx, ny, start, items } = cells
      const cx0 = Math.max(0, Math.floor((qx0 - x0) / cw)), cx1 = Math.min(nx - 1, Math.floor((qx1 - x0) / cw))
      const cy0 = Math.max(0, Math.floor((qy0 - y0) / ch)), cy1 = Math.min(ny - 1, Math.floor((qy1 - y0) / ch))
      const nowT = opts.now.getTime(), since = nowT - opts.days * 86_400_000
      let best = -1, bestD = Infinity, bestT = 0
      for (let cy = cy0; cy <= cy1; cy++) for (let cx = cx0; cx <= cx1; cx++) {
        const c = cy * nx + cx
        for (let k = start[c]!, end = start[c + 1]!; k < end; k++) {
          const i = items[k]!
          const x = xy[2 * i]!, y = xy[2 * i + 1]!
          if (x < qx0 || x > qx1 || y < qy0 || y > qy1) continue
          const p = closedRecently[i]!
          if (p.categoryCode !== newProblem.categoryCode || !p.closedAt) continue
          const t = p.closedAt.getTime()
          if (t < since || t > nowT) continue
          const d = metresBetween(newProblem, p)
          if (d > opts.distanceM) continue
          if (reboundBetter(d, t, i, bestD, bestT, best)) { best = i; bestD = d; bestT = t }
        }
      }
      return best < 0 ? null : { ...closedRecently[best]!, distanceM: bestD }
    },
  }
}
