/**
 * Shape warnings for a boundary draft: things a planner probably did not mean, but that are not
 * invalid — so they are shown (on the map and in the panel) and never block saving.
 *
 * - SPIKE: a thin protrusion — a convex vertex with a tip angle below `spikeAngle` whose sides are at
 *   least `spikeMinLength` long and whose base turns back (a neighbouring vertex is reflex). The typical
 *   slip of a drag: a vertex or midpoint pulled hundreds of metres out of a border.
 * - ACUTE_ANGLE: any other vertex whose angle is below `acuteAngle` (a sharp corner or a slit).
 * - NARROW: two non-neighbouring stretches of the same ring come closer than `narrowDistance`
 *   while the way between them along the border is long (a neck, a border folding back onto itself).
 *
 * Only warnings the draft introduces are reported: a warning at the same place (within 1 m) on the
 * grid's geometry before the draft is an old feature of the data, not the planner's doing.
 * Distances are computed in a local equirectangular projection (metres), exact enough at grid scale.
 */
import Flatbush from 'flatbush'
import type { LineString, MultiPolygon, Polygon, Position } from 'geojson'

export type ShapeWarningCode = 'SPIKE' | 'ACUTE_ANGLE' | 'NARROW'
export const SHAPE_WARNING_CODES: readonly ShapeWarningCode[] = ['SPIKE', 'ACUTE_ANGLE', 'NARROW']

export interface ShapeWarning {
  code: ShapeWarningCode
  gridKey: string
  gridName: string
  /** a Chinese sentence (the client words it from code + values in either language) */
  message: string
  /** where to put the marker: the tip, the corner, or the middle of the closest approach */
  at: Position
  /** the stretch of border to highlight */
  line: LineString
  /** metres: the spike's length, or the closest approach */
  metres?: number
  /** degrees: the angle at the tip or corner */
  degrees?: number
}

export interface ShapeWarningOptions {
  /** a tip sharper than this (degrees) with long sides is a spike; default 30 */
  spikeAngle?: number
  /** the sides of a spike are at least this long (m); default 20 */
  spikeMinLength?: number
  /** any other angle sharper than this (degrees) is an acute angle; default 15 */
  acuteAngle?: number
  /** two stretches of a border closer than this (m) approach each other; default 10 */
  narrowDistance?: number
  /** …when the way between them along the border is at least this long (m) and 5× their distance; default 40 */
  narrowMinPath?: number
}

export interface ShapeGrid { key: string; name: string; geometry: Polygon | MultiPolygon }

const R = 6_371_008.8
const DEG = Math.PI / 180
type XY = [number, number]

/** New shape warnings of the changed grids (those not already present at the same place before). */
export function shapeWarnings(changed: readonly ShapeGrid[], before: ReadonlyMap<string, Polygon | MultiPolygon> = new Map(), opts: ShapeWarningOptions = {}): ShapeWarning[] {
  const out: ShapeWarning[] = []
  for (const g of changed) {
    const now = warningsOf(g, opts)
    const prev = before.get(g.key)
    const old = prev ? warningsOf({ ...g, geometry: prev }, opts) : []
    for (const w of now) if (!old.some((o) => o.code === w.code && metresBetween(o.at, w.at) < 1)) out.push(w)
  }
  return out
}

/** Every shape warning of one grid's geometry. */
export function warningsOf(g: ShapeGrid, opts: ShapeWarningOptions = {}): ShapeWarning[] {
  const polygons = g.geometry.type === 'Polygon' ? [g.geometry.coordinates] : g.geometry.coordinates
  const out: ShapeWarning[] = []
  for (const rings of polygons) for (const ring of rings) out.push(...ringWarnings(g, ring, opts))
  return out
}

function metresBetween(a: Position, b: Position): number {
  const lat0 = ((a[1]! + b[1]!) / 2) * DEG
  return Math.hypot((b[0]! - a[0]!) * DEG * R * Math.cos(lat0), (b[1]! - a[1]!) * DEG * R)
}

const fmtM = (m: number) => (m >= 1000 ? `${(m / 1000).toFixed(2)} km` : `${Math.round(m)} m`)

function ringWarnings(g: ShapeGrid, ring: Position[], opts: ShapeWarningOptions): ShapeWarning[] {
  const spikeAngle = opts.spikeAngle ?? 30
  const spikeMin = opts.spikeMinLength ?? 20
  const acute = opts.acuteAngle ?? 15
  const narrow = opts.narrowDistance ?? 10
  const narrowPath = opts.narrowMinPath ?? 40

  // distinct vertices, the closing one dropped
  const pts: Position[] = []
  for (const p of ring) {
    const last = pts[pts.length - 1]
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p)
  }
  if (pts.length > 1 && pts[0]![0] === pts[pts.length - 1]![0] && pts[0]![1] === pts[pts.length - 1]![1]) pts.pop()
  const n = pts.length
  if (n < 3) return []
  const lng0 = pts.reduce((s, p) => s + p[0]!, 0) / n
  const lat0 = pts.reduce((s, p) => s + p[1]!, 0) / n
  const k = Math.cos(lat0 * DEG)
  const xy: XY[] = pts.map((p) => [(p[0]! - lng0) * DEG * R * k, (p[1]! - lat0) * DEG * R])
  const back = (q: XY): Position => [lng0 + q[0] / (DEG * R * k), lat0 + q[1] / (DEG * R)]
  // orientation: positive signed area = counter-clockwise
  let area2 = 0
  for (let i = 0; i < n; i++) { const a = xy[i]!, b = xy[(i + 1) % n]!; area2 += a[0] * b[1] - b[0] * a[1] }
  const ccw = area2 > 0

  // the angle at each vertex (0..180) and whether it is convex
  const angle: number[] = [], convex: boolean[] = [], interior: number[] = []
  for (let i = 0; i < n; i++) {
    const p = xy[(i - 1 + n) % n]!, c = xy[i]!, q = xy[(i + 1) % n]!
    const ax = p[0] - c[0], ay = p[1] - c[1], bx = q[0] - c[0], by = q[1] - c[1]
    const la = Math.hypot(ax, ay), lb = Math.hypot(bx, by)
    const cos = la && lb ? Math.max(-1, Math.min(1, (ax * bx + ay * by) / (la * lb))) : 1
    const theta = Math.acos(cos) / DEG
    const cross = (c[0] - p[0]) * (q[1] - c[1]) - (c[1] - p[1]) * (q[0] - c[0]) // left turn > 0
    const isConvex = ccw ? cross > 0 : cross < 0
    angle.push(theta)
    convex.push(isConvex)
    interior.push(isConvex ? theta : 360 - theta)
  }

  const out: ShapeWarning[] = []
  const flagged = new Set<number>()
  const segLen = (i: number) => { const a = xy[i]!, b = xy[(i + 1) % n]!; return Math.hypot(b[0] - a[0], b[1] - a[1]) }
  for (let i = 0; i < n; i++) {
    const prev = (i - 1 + n) % n, next = (i + 1) % n
    const sides = Math.min(segLen(prev), segLen(i))
    const lineAround: LineString = { type: 'LineString', coordinates: [pts[prev]!, pts[i]!, pts[next]!] }
    if (convex[i] && angle[i]! < spikeAngle && sides >= spikeMin && (interior[prev]! > 180 || interior[next]! > 180)) {
      const length = sides * Math.cos((angle[i]! / 2) * DEG)
      out.push({ code: 'SPIKE', gridKey: g.key, gridName: g.name, message: `${g.name}：边界上有一根长约 ${fmtM(length)} 的尖刺（尖角 ${angle[i]!.toFixed(0)}°）`, at: pts[i]!, line: lineAround, metres: length, degrees: angle[i]! })
      flagged.add(i)
    } else if (angle[i]! < acute) {
      out.push({ code: 'ACUTE_ANGLE', gridKey: g.key, gridName: g.name, message: `${g.name}：边界上有一个 ${angle[i]!.toFixed(0)}° 的${convex[i] ? '锐角' : '窄缝'}`, at: pts[i]!, line: lineAround, degrees: angle[i]! })
      flagged.add(i)
    }
  }

  // NARROW: non-neighbouring segments closer than `narrow`, through an R-tree of the segments
  const index = new Flatbush(n)
  for (let i = 0; i < n; i++) {
    const a = xy[i]!, b = xy[(i + 1) % n]!
    index.add(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]))
  }
  index.finish()
  // distance along the ring from the start of each segment
  const along: number[] = [0]
  for (let i = 0; i < n; i++) along.push(along[i]! + segLen(i))
  const perimeter = along[n]!
  const pairs: { d: number; i: number; j: number; pa: XY; pb: XY }[] = []
  for (let i = 0; i < n; i++) {
    const a = xy[i]!, b = xy[(i + 1) % n]!
    for (const j of index.search(Math.min(a[0], b[0]) - narrow, Math.min(a[1], b[1]) - narrow, Math.max(a[0], b[0]) + narrow, Math.max(a[1], b[1]) + narrow)) {
      if (j <= i || j === i + 1 || (i === 0 && j === n - 1)) continue
      const c = closest(a, b, xy[j]!, xy[(j + 1) % n]!)
      if (c.d >= narrow) continue
      // the shorter way along the border between the two closest points
      const sa = along[i]! + c.ta * segLen(i), sb = along[j]! + c.tb * segLen(j)
      const forward = sb - sa, way = Math.min(forward, perimeter - forward)
      if (way < Math.max(narrowPath, 5 * c.d)) continue
      // a spike's or slit's own sides approach near its base: already said
      const inner = forward <= perimeter - forward ? range(i + 1, j, n) : range(j + 1, i + n, n)
      if (inner.some((v) => flagged.has(v))) continue
      pairs.push({ d: c.d, i, j, pa: c.pa, pb: c.pb })
    }
  }
  pairs.sort((x, y) => x.d - y.d)
  const kept: XY[] = []
  for (const p of pairs) {
    const mid: XY = [(p.pa[0] + p.pb[0]) / 2, (p.pa[1] + p.pb[1]) / 2]
    if (kept.some((q) => Math.hypot(q[0] - mid[0], q[1] - mid[1]) < 50)) continue
    kept.push(mid)
    out.push({
      code: 'NARROW', gridKey: g.key, gridName: g.name, message: `${g.name}：边界两处相距仅 ${p.d.toFixed(1)} m（网格在此处很窄或边界折回）`,
      at: back(mid), line: { type: 'LineString', coordinates: [back(p.pa), back(p.pb)] }, metres: p.d,
    })
    if (kept.length >= 5) break
  }
  return out
}

/** vertex indices from `from` to `to` inclusive, modulo n */
function range(from: number, to: number, n: number): number[] {
  const r: number[] = []
  for (let v = from; v <= to && r.length <= n; v++) r.push(v % n)
  return r
}

/** Closest points of two segments that do not cross (valid rings): the best of the four point–segment projections. */
function closest(a: XY, b: XY, c: XY, d: XY): { d: number; ta: number; tb: number; pa: XY; pb: XY } {
  const proj = (p: XY, s: XY, e: XY) => {
    const dx = e[0] - s[0], dy = e[1] - s[1], l2 = dx * dx + dy * dy
    const t = l2 ? Math.max(0, Math.min(1, ((p[0] - s[0]) * dx + (p[1] - s[1]) * dy) / l2)) : 0
    const q: XY = [s[0] + t * dx, s[1] + t * dy]
    return { t, q, d: Math.hypot(p[0] - q[0], p[1] - q[1]) }
  }
  const c1 = proj(a, c, d), c2 = proj(b, c, d), c3 = proj(c, a, b), c4 = proj(d, a, b)
  const options = [
    { d: c1.d, ta: 0, tb: c1.t, pa: a, pb: c1.q },
    { d: c2.d, ta: 1, tb: c2.t, pa: b, pb: c2.q },
    { d: c3.d, ta: c3.t, tb: 0, pa: c3.q, pb: c },
    { d: c4.d, ta: c4.t, tb: 1, pa: c4.q, pb: d },
  ]
  return options.reduce((x, y) => (y.d < x.d ? y : x))
}
