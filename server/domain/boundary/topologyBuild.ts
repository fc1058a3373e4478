/**
 * The topology build applied to imported boundaries (issue 12): snap, resolve what is within the
 * tolerance, report what remains.
 *
 * 1. Snapping (JSTS GeometrySnapper, the JTS port): every imported grid is snapped to the vertices
 *    of its neighbours (grids in force and other imported grids near it): a vertex within the
 *    tolerance moves onto the neighbour's vertex, and a neighbour's vertex within the tolerance of
 *    an edge is inserted into that edge. Two passes, so each side gets the other's vertices. The
 *    work is done in a local metric plane (metres east/north of the data's centre), so the tolerance
 *    is in metres in every direction. Every output vertex is an input vertex, so it is mapped back
 *    to that vertex's original longitude/latitude doubles: shared vertices are bit-identical, which
 *    topology editing (topology.ts) and the point index rely on. Grids in force never move.
 * 2. Resolution within the tolerance: an overlap piece between two siblings whose mean width
 *    (2·area/perimeter) is at most the snapping distance, or whose area is under the noise area,
 *    goes to the grid with the numerically smallest code (an in-force grid always keeps it: only
 *    imported grids change); a part of an imported child outside its parent that thin is clipped off.
 * 3. Report, at every level (LEVEL_ORDER, grouped by level and parent): overlaps between siblings,
 *    gaps (parent area no child covers; for grids without a parent, holes enclosed by the siblings),
 *    parts outside the parent, slivers — each with its area (m²), mean width (m), a point and the polygon.
 *
 * Pure: no database, no HTTP. Runs in the heavy-task pool (server/workers/heavyTasks.ts).
 */
import { compareGridCodes, GRID_LEVELS } from '../grid/levels.ts'
import { area as turfArea, bbox as turfBbox, bboxClip, pointOnFeature } from '@turf/turf'
import type { Polygon, Position } from 'geojson'
import Coordinate from 'jsts/org/locationtech/jts/geom/Coordinate.js'
import GeometryFactory from 'jsts/org/locationtech/jts/geom/GeometryFactory.js'
import GeometrySnapper from 'jsts/org/locationtech/jts/operation/overlay/snap/GeometrySnapper.js'
import IsValidOp from 'jsts/org/locationtech/jts/operation/valid/IsValidOp.js'
import Flatbush from 'flatbush'
import { differenceGeom, intersectGeom, normalize, partsOf, perimeterM, unionGeom } from './operations.ts'
import { BOUNDARY_TOLERANCE, meanWidthM } from './tolerances.ts'
import type { GridGeometry } from './topology.ts'

/**
 * The levels, top first; each level's parent is the level before it. Adding a level above streets
 * (district) is one entry at the front: ['district', 'street', 'community'].
 */
export const LEVEL_ORDER: readonly string[] = GRID_LEVELS

export interface TopoGridInput {
  key: string
  code: string
  name: string
  level: string
  /** key of the parent grid (its key among the inputs), null at the top level */
  parentKey: string | null
  geometry: GridGeometry
  /** an imported grid (may be snapped and trimmed); false = a grid in force (never moves) */
  imported: boolean
}

export interface TopologyOptions {
  /** snapping distance (m); default BOUNDARY_TOLERANCE.snapM */
  snapM?: number
}

export type TopologyKind = 'OVERLAP' | 'GAP' | 'OUTSIDE_PARENT' | 'SLIVER' | 'OVERLAP_RESOLVED' | 'OUTSIDE_RESOLVED' | 'SNAP_FAILED' | 'SKIPPED'

export interface TopologyItem {
  kind: TopologyKind
  /** the level of the grids concerned (of the children, for gaps and parts outside) */
  level: string | null
  gridKeys: string[]
  codes: string[]
  message: string
  /** m² (0 for SKIPPED / SNAP_FAILED) */
  area: number
  /** mean width, m */
  width: number
  /** a point inside the piece (lng, lat) */
  at: Position | null
  geometry: Polygon | null
  /** shown to the planner to resolve: the draft cannot be saved while it stands */
  blocking: boolean
}

export interface TopologyReport {
  snapM: number
  /** imported grids examined */
  grids: number
  /** imported grids whose boundary snapping changed */
  snapped: number
  items: TopologyItem[]
}

export interface SkippedFeature { index: number; reason: string }

const fmtArea = (m2: number) => (m2 >= 1e4 ? `${(m2 / 1e6).toFixed(3)} km²` : `${m2.toFixed(2)} m²`)
const fmtWidth = (m: number) => (m >= 1 ? `${m.toFixed(1)} m` : `${(m * 1000).toFixed(1)} mm`)

/** Order of codes for the resolution rule: the boundary rule's "smallest code" (server/domain/grid/levels.ts). */
export const compareCodes = compareGridCodes

// ---------- local metric plane ----------

interface Plane { lng0: number; lat0: number; mx: number; my: number }

function planeFor(grids: readonly TopoGridInput[]): Plane {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const g of grids) {
    const [a, b, c, d] = turfBbox(g.geometry)
    x0 = Math.min(x0, a!); y0 = Math.min(y0, b!); x1 = Math.max(x1, c!); y1 = Math.max(y1, d!)
  }
  const lng0 = (x0 + x1) / 2, lat0 = (y0 + y1) / 2
  const phi = (lat0 * Math.PI) / 180
  // metres per degree on the WGS84 ellipsoid at lat0
  const my = 111132.92 - 559.82 * Math.cos(2 * phi) + 1.175 * Math.cos(4 * phi) - 0.0023 * Math.cos(6 * phi)
  const mx = 111412.84 * Math.cos(phi) - 93.5 * Math.cos(3 * phi) + 0.118 * Math.cos(5 * phi)
  return { lng0, lat0, mx, my }
}

const fwd = (p: Plane, q: Position): [number, number] => [(q[0]! - p.lng0) * p.mx, (q[1]! - p.lat0) * p.my]
const inv = (p: Plane, x: number, y: number): [number, number] => [x / p.mx + p.lng0, y / p.my + p.lat0]

/* eslint-disable @typescript-eslint/no-explicit-any */
type JGeom = any

const factory = new GeometryFactory()

function toJsts(g: GridGeometry, p: Plane, originals: Map<string, [number, number]>): JGeom {
  const ring = (r: Position[]) => factory.createLinearRing(r.map((q) => {
    const [x, y] = fwd(p, q)
    const k = `${x},${y}`
    if (!originals.has(k)) originals.set(k, [q[0]!, q[1]!])
    return new Coordinate(x, y)
  }))
  const poly = (rings: Position[][]) => factory.createPolygon(ring(rings[0]!), rings.slice(1).map(ring))
  return g.type === 'Polygon' ? poly(g.coordinates) : factory.createMultiPolygon(g.coordinates.map(poly))
}

function fromJsts(j: JGeom, p: Plane, originals: Map<string, [number, number]>, type0: GridGeometry['type']): GridGeometry | null {
  const ring = (r: JGeom): Position[] => r.getCoordinates().map((c: { x: number; y: number }) => originals.get(`${c.x},${c.y}`) ?? inv(p, c.x, c.y))
  const poly = (pg: JGeom): Position[][] => {
    const rings = [ring(pg.getExteriorRing())]
    for (let i = 0; i < pg.getNumInteriorRing(); i++) rings.push(ring(pg.getInteriorRingN(i)))
    return rings
  }
  const type = j.getGeometryType()
  if (j.isEmpty()) return null
  if (type === 'Polygon') return type0 === 'MultiPolygon' ? { type: 'MultiPolygon', coordinates: [poly(j)] } : { type: 'Polygon', coordinates: poly(j) }
  if (type === 'MultiPolygon') {
    const polys: Position[][][] = []
    for (let i = 0; i < j.getNumGeometries(); i++) polys.push(poly(j.getGeometryN(i)))
    return polys.length === 1 && type0 === 'Polygon' ? { type: 'Polygon', coordinates: polys[0]! } : { type: 'MultiPolygon', coordinates: polys }
  }
  return null
}

/** a grid's boundary segments in the plane, indexed (flatbush): what is within a distance of it */
interface Own { keys: Set<string>; segs: Float64Array; tree: Flatbush | null }
function ownBoundary(j: JGeom): Own {
  const keys = new Set<string>(), segs: number[] = []
  const rings: JGeom[] = []
  for (let i = 0; i < j.getNumGeometries(); i++) {
    const p = j.getGeometryN(i)
    rings.push(p.getExteriorRing())
    for (let k = 0; k < p.getNumInteriorRing(); k++) rings.push(p.getInteriorRingN(k))
  }
  for (const r of rings) {
    const cs = r.getCoordinates() as { x: number; y: number }[]
    for (let i = 0; i < cs.length; i++) {
      keys.add(`${cs[i]!.x},${cs[i]!.y}`)
      if (i > 0) segs.push(cs[i - 1]!.x, cs[i - 1]!.y, cs[i]!.x, cs[i]!.y)
    }
  }
  const n = segs.length / 4
  let tree: Flatbush | null = null
  if (n > 0) {
    tree = new Flatbush(n)
    for (let i = 0; i < n; i++) {
      const ax = segs[4 * i]!, ay = segs[4 * i + 1]!, bx = segs[4 * i + 2]!, by = segs[4 * i + 3]!
      tree.add(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by))
    }
    tree.finish()
  }
  return { keys, segs: Float64Array.from(segs), tree }
}
/** distance from (x, y) to the boundary is at most tol */
function near(own: Own, x: number, y: number, tol: number): boolean {
  if (!own.tree) return false
  for (const i of own.tree.search(x - tol, y - tol, x + tol, y + tol)) {
    const ax = own.segs[4 * i]!, ay = own.segs[4 * i + 1]!, bx = own.segs[4 * i + 2]!, by = own.segs[4 * i + 3]!
    const dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2))
    if (Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) <= tol) return true
  }
  return false
}
/** every vertex of j is one of the original vertices or within tol of the original boundary */
function withinOwn(j: JGeom, own: Own, tol: number): boolean {
  for (const c of j.getCoordinates() as { x: number; y: number }[]) {
    if (!own.keys.has(`${c.x},${c.y}`) && !near(own, c.x, c.y, tol)) return false
  }
  return true
}

const envMeets = (a: JGeom, b: JGeom, d: number) => {
  const e = a.getEnvelopeInternal(), f = b.getEnvelopeInternal()
  return e.getMinX() - d <= f.getMaxX() && f.getMinX() - d <= e.getMaxX() && e.getMinY() - d <= f.getMaxY() && f.getMinY() - d <= e.getMaxY()
}

const levelRank = (level: string) => { const i = LEVEL_ORDER.indexOf(level); return i < 0 ? LEVEL_ORDER.length : i }

/** imported grids in snapping order: parents before children, then by code */
function snapOrder(grids: readonly TopoGridInput[]): TopoGridInput[] {
  return grids.filter((g) => g.imported).sort((a, b) => levelRank(a.level) - levelRank(b.level) || compareCodes(a.code, b.code))
}

/**
 * Snap the imported grids (see the module comment). Returns the new geometry of each grid (grids in
 * force are returned unchanged) and the keys whose snapping was refused because the result would be
 * invalid (their boundary is kept as imported).
 */
export function snapGrids(grids: readonly TopoGridInput[], snapM: number, only?: ReadonlySet<string>): { geometry: Map<string, GridGeometry>; failed: string[] } {
  const geometry = new Map(grids.map((g) => [g.key, g.geometry]))
  if (snapM <= 0 || grids.length < 2) return { geometry, failed: [] }
  const plane = planeFor(grids)
  const originals = new Map<string, [number, number]>()
  // grids in force first: their doubles win when two inputs meet the same plane point
  const cur = new Map<string, JGeom>()
  for (const g of [...grids].sort((a, b) => Number(a.imported) - Number(b.imported))) cur.set(g.key, toJsts(g.geometry, plane, originals))
  const order = snapOrder(grids).filter((g) => !only || only.has(g.key))
  const failed = new Set<string>()
  // each imported grid's own boundary before snapping, in the plane: no vertex may end up further from it than snapM
  const own = new Map(order.map((g) => [g.key, ownBoundary(cur.get(g.key))]))
  // a step counter: a grid is snapped again in the second pass only if a neighbour changed after its first snap
  let step = 0
  const changedAt = new Map<string, number>(), snappedAt = new Map<string, number>()
  for (let pass = 0; pass < 2; pass++) {
    for (const g of order) {
      const me = cur.get(g.key)
      const near_ = grids.filter((h) => h.key !== g.key && envMeets(me, cur.get(h.key), snapM))
      if (pass > 0 && !near_.some((h) => (changedAt.get(h.key) ?? -1) > snappedAt.get(g.key)!)) continue
      snappedAt.set(g.key, ++step)
      const refs = near_.map((h) => cur.get(h.key))
      if (refs.length === 0) continue
      // only the neighbours' vertices within the tolerance of this grid's boundary can take part (vertex
      // and edge snapping alike): the snapper then compares a few hundred points, not every vertex
      const here = pass === 0 ? own.get(g.key)! : ownBoundary(me)
      const seen = new Set<string>()
      const fresh: { x: number; y: number }[] = [], shared: { x: number; y: number }[] = []
      for (const r of refs) {
        for (const c of r.getCoordinates() as { x: number; y: number }[]) {
          const k = `${c.x},${c.y}`
          if (seen.has(k)) continue
          seen.add(k)
          if (near(here, c.x, c.y, snapM)) (here.keys.has(k) ? shared : fresh).push(c)
        }
      }
      // a border already shared vertex for vertex has nothing to snap; the shared vertices near a
      // fresh one stay in the target, so a vertex already on a neighbour's vertex keeps it
      if (fresh.length === 0) continue
      const keep = shared.filter((c) => fresh.some((f) => Math.hypot(f.x - c.x, f.y - c.y) <= 2 * snapM))
      // (LineStringSnapper treats a target whose first and last points are equal as a closed ring and
      // skips its last point: a lone target point would never be inserted into an edge. A sentinel
      // point 1000 km away, never within any tolerance, keeps every real point in play.)
      const env = me.getEnvelopeInternal()
      const sentinel = new Coordinate(env.getMaxX() + 1e6, env.getMaxY() + 1e6)
      const target = factory.createMultiPointFromCoords([...fresh, ...keep, sentinel].map((c) => new Coordinate(c.x, c.y)))
      // GeometrySnapper inserts a neighbour's vertex into an edge within the tolerance of the edge as it
      // is by then (after earlier insertions), so a chain of insertions can drift up to twice the
      // tolerance from the original edge: checked, and retried with half the tolerance (drift ≤ snapM)
      let snapped: JGeom = null
      for (const tol of [snapM, snapM / 2]) {
        const s = new GeometrySnapper(me).snapTo(target, tol)
        if (s.equalsExact(me)) { snapped = null; break } // nothing within the tolerance
        const type = s?.getGeometryType?.()
        if ((type !== 'Polygon' && type !== 'MultiPolygon') || s.isEmpty() || !new IsValidOp(s).isValid()) { snapped = 'invalid'; continue }
        if (withinOwn(s, own.get(g.key)!, snapM)) { snapped = s; break }
        snapped = null
      }
      if (snapped === 'invalid') failed.add(g.key)
      else if (snapped) { cur.set(g.key, snapped); changedAt.set(g.key, ++step) }
    }
  }
  for (const g of order) {
    if (failed.has(g.key) || !changedAt.has(g.key)) continue
    const out = fromJsts(cur.get(g.key), plane, originals, g.geometry.type)
    if (out) geometry.set(g.key, out)
  }
  return { geometry, failed: [...failed] }
}

// ---------- pieces ----------

interface Piece { polygon: Polygon; area: number; width: number; at: Position }
function piecesOf(g: GridGeometry | null, minArea = 0): Piece[] {
  return partsOf(g).map((polygon) => {
    const area = turfArea(polygon)
    return { polygon, area, width: meanWidthM(area, perimeterM(polygon)), at: pointOnFeature(polygon).geometry.coordinates }
  }).filter((p) => p.area > minArea)
}
/** a ∩ b, both clipped first to the common box of their bboxes (cheap, exact for a box): polygon clipping then sees only the border region */
function overlapOf(a: GridGeometry, b: GridGeometry): GridGeometry | null {
  const ba = turfBbox(a), bb = turfBbox(b)
  const box: [number, number, number, number] = [Math.max(ba[0]!, bb[0]!), Math.max(ba[1]!, bb[1]!), Math.min(ba[2]!, bb[2]!), Math.min(ba[3]!, bb[3]!)]
  if (box[0] > box[2] || box[1] > box[3]) return null
  const clip = (g: GridGeometry): GridGeometry | null => {
    // bboxClip leaves rings outside the box empty or degenerate: drop them (and parts without an outer ring)
    const polys: Polygon[] = partsOf(bboxClip(g, box).geometry as GridGeometry)
      .filter((p) => (p.coordinates[0]?.length ?? 0) >= 4)
      .map((p) => ({ type: 'Polygon', coordinates: p.coordinates.filter((r) => r.length >= 4) }))
    return normalize(polys)
  }
  const ca = clip(a), cb = clip(b)
  return ca && cb ? intersectGeom(ca, cb) : null
}
const boxesMeet = (a: number[], b: number[]) => a[0]! <= b[2]! && b[0]! <= a[2]! && a[1]! <= b[3]! && b[1]! <= a[3]!

/** Holes enclosed by a set of siblings (their union's interior rings): the gaps between grids without a parent. */
function enclosedHoles(gs: GridGeometry[]): GridGeometry | null {
  const u = unionGeom(gs)
  const holes: Polygon[] = []
  for (const p of partsOf(u)) for (const r of p.coordinates.slice(1)) holes.push({ type: 'Polygon', coordinates: [[...r].reverse()] })
  return normalize(holes)
}

// ---------- the build ----------

/**
 * Snap, resolve within the tolerance, and report. `grids`: the imported grids and the grids in force
 * around them (their siblings, parents and children). Returns every grid's geometry after the build.
 */
export function buildTopology(grids: readonly TopoGridInput[], skipped: readonly SkippedFeature[] = [], opts: TopologyOptions = {}): { geometry: Record<string, GridGeometry>; report: TopologyReport } {
  const snapM = opts.snapM ?? BOUNDARY_TOLERANCE.snapM
  const noise = BOUNDARY_TOLERANCE.areaNoiseM2
  const items: TopologyItem[] = []
  const byKey = new Map(grids.map((g) => [g.key, g]))
  const small = (p: Piece) => p.area <= noise || p.width <= snapM

  // 1. snap
  const { geometry: geom, failed } = snapGrids(grids, snapM)
  for (const k of failed) {
    const g = byKey.get(k)!
    items.push({ kind: 'SNAP_FAILED', level: g.level, gridKeys: [k], codes: [g.code], message: `${g.name}：吸附后边界无效，已保留原边界`, area: 0, width: 0, at: null, geometry: null, blocking: false })
  }
  let snapped = 0
  for (const g of grids) if (g.imported && JSON.stringify(geom.get(g.key)) !== JSON.stringify(g.geometry)) snapped++

  // groups of siblings (level, parent) with an imported member or an imported parent
  const groups = new Map<string, TopoGridInput[]>()
  for (const g of grids) {
    const k = `${g.level}|${g.parentKey ?? ''}`
    groups.set(k, [...(groups.get(k) ?? []), g])
  }
  const examined = [...groups.values()].filter((gs) => gs.some((g) => g.imported || (g.parentKey !== null && byKey.get(g.parentKey)?.imported)))
    .sort((a, b) => levelRank(a[0]!.level) - levelRank(b[0]!.level))

  // 2. resolve within the tolerance: overlaps between siblings, thin parts outside the parent
  const trimmed = new Set<string>()
  for (const gs of examined) {
    const level = gs[0]!.level
    const parent = gs[0]!.parentKey === null ? undefined : byKey.get(gs[0]!.parentKey)
    if (parent) {
      for (const c of gs) {
        if (!c.imported) continue
        const outside = piecesOf(differenceGeom(geom.get(c.key)!, geom.get(parent.key)!), 0)
        const cut = outside.filter(small)
        if (cut.length === 0) continue
        const rest = differenceGeom(geom.get(c.key)!, normalize(cut.map((p) => p.polygon))!)
        if (!rest) continue
        geom.set(c.key, rest); trimmed.add(c.key)
        for (const p of cut.filter((p) => p.area > noise)) {
          items.push({ kind: 'OUTSIDE_RESOLVED', level, gridKeys: [c.key, parent.key], codes: [c.code, parent.code], message: `${c.name} 超出 ${parent.name} 的 ${fmtArea(p.area)}（宽约 ${fmtWidth(p.width)}，在容差内）已裁去`, area: p.area, width: p.width, at: p.at, geometry: p.polygon, blocking: false })
        }
      }
    }
    for (let i = 0; i < gs.length; i++) for (let j = i + 1; j < gs.length; j++) {
      const a = gs[i]!, b = gs[j]!
      if (!a.imported && !b.imported) continue
      if (!boxesMeet(turfBbox(geom.get(a.key)!), turfBbox(geom.get(b.key)!))) continue
      const cut = piecesOf(overlapOf(geom.get(a.key)!, geom.get(b.key)!), 0).filter(small)
      if (cut.length === 0) continue
      // the part goes to the smaller code; a grid in force never changes, so an imported grid gives way to it
      const [win, lose] = !a.imported ? [a, b] : !b.imported ? [b, a] : compareCodes(a.code, b.code) <= 0 ? [a, b] : [b, a]
      const rest = differenceGeom(geom.get(lose.key)!, normalize(cut.map((p) => p.polygon))!)
      if (!rest) continue
      geom.set(lose.key, rest); trimmed.add(lose.key)
      for (const p of cut.filter((p) => p.area > noise)) {
        items.push({ kind: 'OVERLAP_RESOLVED', level, gridKeys: [win.key, lose.key], codes: [win.code, lose.code], message: `${win.name} 与 ${lose.name} 重叠 ${fmtArea(p.area)}（宽约 ${fmtWidth(p.width)}，在容差内），已划归 ${win.name}`, area: p.area, width: p.width, at: p.at, geometry: p.polygon, blocking: false })
      }
    }
  }
  if (trimmed.size) {
    // the trimmed grids meet their neighbours at new intersection points: snap once more so those are shared too
    const again = snapGrids(grids.map((g) => ({ ...g, geometry: geom.get(g.key)! })), snapM, trimmed)
    for (const k of trimmed) if (!again.failed.includes(k)) geom.set(k, again.geometry.get(k)!)
  }

  // 3. report what remains
  for (const gs of examined) {
    const level = gs[0]!.level
    const parent = gs[0]!.parentKey === null ? undefined : byKey.get(gs[0]!.parentKey)
    for (const g of gs) {
      if (!g.imported) continue
      for (const p of piecesOf(geom.get(g.key)!)) {
        if (p.area < BOUNDARY_TOLERANCE.sliverAreaM2 || p.width < BOUNDARY_TOLERANCE.sliverWidthM) {
          items.push({ kind: 'SLIVER', level, gridKeys: [g.key], codes: [g.code], message: `${g.name}：有面积 ${fmtArea(p.area)}、平均宽度 ${fmtWidth(p.width)} 的碎片`, area: p.area, width: p.width, at: p.at, geometry: p.polygon, blocking: true })
        }
      }
    }
    for (let i = 0; i < gs.length; i++) for (let j = i + 1; j < gs.length; j++) {
      const a = gs[i]!, b = gs[j]!
      if (!a.imported && !b.imported) continue
      if (!boxesMeet(turfBbox(geom.get(a.key)!), turfBbox(geom.get(b.key)!))) continue
      for (const p of piecesOf(overlapOf(geom.get(a.key)!, geom.get(b.key)!), noise)) {
        if (small(p)) continue // left by float noise after the resolution
        items.push({ kind: 'OVERLAP', level, gridKeys: [a.key, b.key], codes: [a.code, b.code], message: `${a.name} 与 ${b.name} 重叠 ${fmtArea(p.area)}（宽约 ${fmtWidth(p.width)}，超过容差 ${snapM} m）`, area: p.area, width: p.width, at: p.at, geometry: p.polygon, blocking: true })
      }
    }
    if (parent) {
      for (const c of gs) {
        if (!c.imported && !parent.imported) continue
        for (const p of piecesOf(differenceGeom(geom.get(c.key)!, geom.get(parent.key)!), noise)) {
          items.push({ kind: 'OUTSIDE_PARENT', level, gridKeys: [c.key, parent.key], codes: [c.code, parent.code], message: `${c.name} 有 ${fmtArea(p.area)} 超出所属 ${parent.name}`, area: p.area, width: p.width, at: p.at, geometry: p.polygon, blocking: true })
        }
      }
      const covered = unionGeom(gs.map((g) => geom.get(g.key)!))
      const gaps = covered ? differenceGeom(geom.get(parent.key)!, covered) : geom.get(parent.key)!
      for (const p of piecesOf(gaps, noise)) {
        items.push({ kind: 'GAP', level, gridKeys: [parent.key], codes: [parent.code], message: `${parent.name} 内有 ${fmtArea(p.area)} 未被任何下级网格覆盖`, area: p.area, width: p.width, at: p.at, geometry: p.polygon, blocking: false })
      }
    } else {
      for (const p of piecesOf(enclosedHoles(gs.map((g) => geom.get(g.key)!)), noise)) {
        const around = gs.filter((g) => boxesMeet(turfBbox(g.geometry), turfBbox(p.polygon)))
        items.push({ kind: 'GAP', level, gridKeys: around.map((g) => g.key), codes: around.map((g) => g.code), message: `网格之间有 ${fmtArea(p.area)} 的空隙（宽约 ${fmtWidth(p.width)}）`, area: p.area, width: p.width, at: p.at, geometry: p.polygon, blocking: false })
      }
    }
  }
  for (const s of skipped) {
    items.push({ kind: 'SKIPPED', level: null, gridKeys: [], codes: [], message: s.index >= 0 ? `第 ${s.index + 1} 个要素未导入：${s.reason}` : s.reason, area: 0, width: 0, at: null, geometry: null, blocking: false })
  }
  const out: Record<string, GridGeometry> = {}
  for (const g of grids) if (g.imported) out[g.key] = geom.get(g.key)!
  return { geometry: out, report: { snapM, grids: grids.filter((g) => g.imported).length, snapped, items } }
}
