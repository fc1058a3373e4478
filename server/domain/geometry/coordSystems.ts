/**
 * The coordinate systems a file may be written in, and the one way to bring them to WGS84 (the
 * system every stored geometry uses). One definition for every import screen (boundaries, problems,
 * evaluation results): the choice, its labels, the transform (gcoord), a `.prj` reader and the
 * checks that a choice looks wrong (adcode files are GCJ-02 by convention; outlines offset by the
 * GCJ-02 shift from the grids they replace). Pure: no HTTP, no database.
 *
 * WGS84 and CGCS2000 differ by centimetres in China: one choice.
 */
import gcoord from 'gcoord'
import type { Geometry } from 'geojson'

export const COORD_SYSTEMS = ['wgs84', 'gcj02', 'bd09'] as const
export type CoordSystem = (typeof COORD_SYSTEMS)[number]

/** Labels for the choice (the client's CoordSystemChoice shows these). */
export const COORD_SYSTEM_LABELS: Record<CoordSystem, { zh: string; en: string }> = {
  wgs84: { zh: 'WGS84 / CGCS2000（GPS、天地图、测绘成果）', en: 'WGS84 / CGCS2000 (GPS, Tianditu, surveys)' },
  gcj02: { zh: 'GCJ-02（高德、腾讯、阿里云 DataV 行政区划）', en: 'GCJ-02 (Amap, Tencent, DataV districts)' },
  bd09: { zh: 'BD-09（百度）', en: 'BD-09 (Baidu)' },
}

const CRS = { wgs84: gcoord.WGS84, gcj02: gcoord.GCJ02, bd09: gcoord.BD09 } as const

export const isCoordSystem = (s: unknown): s is CoordSystem => typeof s === 'string' && (COORD_SYSTEMS as readonly string[]).includes(s)

/** A point from `from` to WGS84. */
export function pointToWgs84(lng: number, lat: number, from: CoordSystem): [number, number] {
  if (from === 'wgs84') return [lng, lat]
  const [x, y] = gcoord.transform([lng, lat], CRS[from], gcoord.WGS84) as [number, number]
  return [x, y]
}

/** A point from WGS84 to `to` (e.g. to measure where raw numbers would have landed). */
export function pointFromWgs84(lng: number, lat: number, to: CoordSystem): [number, number] {
  if (to === 'wgs84') return [lng, lat]
  const [x, y] = gcoord.transform([lng, lat], gcoord.WGS84, CRS[to]) as [number, number]
  return [x, y]
}

/** A GeoJSON geometry from `from` to WGS84 (a new object; the input is not changed). */
export function geometryToWgs84<G extends Geometry>(g: G, from: CoordSystem): G {
  const copy = structuredClone(g)
  if (from === 'wgs84') return copy
  return gcoord.transform(copy as never, CRS[from], gcoord.WGS84) as unknown as G
}

// ---- .prj ----

export type PrjKind = 'wgs84' | 'otherGeographic' | 'projected' | 'unreadable'
export interface PrjInfo { kind: PrjKind; name: string }

/**
 * What a Shapefile's `.prj` (ESRI WKT) says. WGS84 and CGCS2000 geographic systems are recognised
 * ('wgs84'); another geographic datum (Beijing 1954, Xian 1980: tens to hundreds of metres off) is
 * 'otherGeographic'; a projected system (PROJCS: Gauss-Krüger, UTM, Web Mercator — metres, not
 * degrees) is 'projected' and is refused by the import; anything else 'unreadable'.
 */
export function readPrj(text: string): PrjInfo {
  const t = text.replace(/^\uFEFF/, '').trim()
  const head = /^(PROJCS|PROJCRS|GEOGCS|GEOGCRS|GEODCRS)\s*\[\s*"([^"]*)"/i.exec(t)
  if (!head) return { kind: 'unreadable', name: t.slice(0, 60) }
  const name = head[2]!
  if (/^PROJ/i.test(head[1]!)) return { kind: 'projected', name }
  const all = t.toUpperCase()
  if (/WGS[ _-]?(19)?84|CGCS[ _-]?2000|CHINA[ _]GEODETIC[ _]COORDINATE[ _]SYSTEM[ _]2000|CHINA[ _]2000|GCS_CHINA_2000/.test(all)) return { kind: 'wgs84', name }
  return { kind: 'otherGeographic', name }
}

// ---- checks that the chosen system looks wrong ----

/** Do these property names carry an administrative division code (DataV / Amap exports: GCJ-02 by convention)? */
export const hasAdcode = (fields: Iterable<string>): boolean => [...fields].some((f) => /^adcode$/i.test(f))

/** Metres between two WGS84 points (equirectangular; exact enough below a few kilometres). */
export function metresBetween(a: readonly [number, number], b: readonly [number, number]): number {
  const R = 6_371_008.8
  const rad = Math.PI / 180
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad)
  const y = (b[1] - a[1]) * rad
  return Math.hypot(x, y) * R
}

/**
 * The representative point of an outline that OffsetPair compares: the mean of its outer rings'
 * vertices (cheap, and taken the same way of the file's raw numbers and of a grid in force). Null
 * for an outline without vertices.
 */
export function outerRingVertexMean(g: { type: string; coordinates: unknown }): [number, number] | null {
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon') return null
  const rings = (g.type === 'Polygon' ? [(g.coordinates as number[][][])[0]] : (g.coordinates as number[][][][]).map((p) => p[0])) as (number[][] | undefined)[]
  let sx = 0, sy = 0, n = 0
  for (const r of rings) for (const p of r ?? []) { sx += p[0]!; sy += p[1]!; n++ }
  return n ? [sx / n, sy / n] : null
}

export interface OffsetPair {
  /** a representative point of an imported outline, in the file's own numbers (before any transform) */
  raw: [number, number]
  /** the same point of the grid already in force that the outline matches (by code or name), WGS84 */
  current: [number, number]
}
export interface OffsetVerdict {
  /** median distance (m) between the imported outlines, as chosen, and the grids they match */
  chosenMetres: number
  /** the system that fits the current grids best, and its median distance */
  best: CoordSystem
  bestMetres: number
  /** true when another system fits clearly better: the chosen one looks wrong */
  suspicious: boolean
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2 }

/** Below this median distance the chosen system fits; above it, another that fits within it is suggested. */
export const OFFSET_FIT_METRES = 100

/**
 * Where the outlines would land under each system compared with the grids they match. The GCJ-02
 * shift is 300–700 m across China: a file read in the wrong system sits that far from its own
 * grids, and the right system brings it within a few metres (boundaries redrawn by hand differ by
 * tens of metres, so "fits" is under OFFSET_FIT_METRES). Null without pairs.
 */
export function offsetVerdict(pairs: readonly OffsetPair[], chosen: CoordSystem): OffsetVerdict | null {
  if (pairs.length === 0) return null
  const dist = (s: CoordSystem) => median(pairs.map((p) => metresBetween(pointToWgs84(p.raw[0], p.raw[1], s), p.current)))
  const all = COORD_SYSTEMS.map((s) => ({ s, m: dist(s) }))
  const chosenMetres = all.find((x) => x.s === chosen)!.m
  const bestOf = all.reduce((a, b) => (b.m < a.m ? b : a))
  const suspicious = bestOf.s !== chosen && chosenMetres > OFFSET_FIT_METRES && bestOf.m <= OFFSET_FIT_METRES
  return { chosenMetres, best: bestOf.s, bestMetres: bestOf.m, suspicious }
}
