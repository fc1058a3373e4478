/**
 * Split, merge and clip grids without leaving gaps or overlaps (turf / polyclip underneath).
 * Tolerances: areas in square metres; a result "covers" its parent when the symmetric
 * difference is below AREA_TOL_M2 (1 m², far below any real grid and far above float noise).
 */
import {
  area as turfArea, bbox as turfBbox, difference, feature, featureCollection, intersect, length as turfLength,
  lineString, polygonToLine, union,
} from '@turf/turf'
import type { Feature, LineString, MultiPolygon, Polygon, Position } from 'geojson'
import type { GridGeometry } from './topology.ts'
import { BOUNDARY_TOLERANCE } from './tolerances.ts'

/** areas under this (m²) are float noise: see tolerances.ts */
export const AREA_TOL_M2 = BOUNDARY_TOLERANCE.areaNoiseM2

export class BoundaryOpError extends Error {
  constructor(readonly code: 'LINE_DOES_NOT_SPLIT' | 'NOT_ADJACENT' | 'EMPTY_RESULT', message: string) {
    super(message)
  }
}

const f = (g: GridGeometry): Feature<GridGeometry> => feature(g)

export function intersectGeom(a: GridGeometry, b: GridGeometry): GridGeometry | null {
  return intersect(featureCollection([f(a), f(b)]))?.geometry ?? null
}
export function differenceGeom(a: GridGeometry, b: GridGeometry): GridGeometry | null {
  return difference(featureCollection([f(a), f(b)]))?.geometry ?? null
}
export function unionGeom(gs: GridGeometry[]): GridGeometry | null {
  if (gs.length === 0) return null
  if (gs.length === 1) return gs[0]!
  return union(featureCollection(gs.map(f)))?.geometry ?? null
}
export const areaOf = (g: GridGeometry | null): number => (g ? turfArea(g) : 0)

/** Symmetric difference a △ b (the changed area), or null when identical. */
export function symDiff(a: GridGeometry | null, b: GridGeometry | null): GridGeometry | null {
  if (!a) return b
  if (!b) return a
  const parts = [differenceGeom(a, b), differenceGeom(b, a)].filter((x): x is GridGeometry => x !== null)
  return unionGeom(parts)
}

/** Polygon parts of a geometry as separate Polygons. */
export function partsOf(g: GridGeometry | null): Polygon[] {
  if (!g) return []
  return g.type === 'Polygon' ? [g] : g.coordinates.map((c) => ({ type: 'Polygon', coordinates: c }))
}

/** A single Polygon when there is one part, else a MultiPolygon. */
export function normalize(polys: Polygon[]): GridGeometry | null {
  if (polys.length === 0) return null
  if (polys.length === 1) return polys[0]!
  return { type: 'MultiPolygon', coordinates: polys.map((p) => p.coordinates) } satisfies MultiPolygon
}

/**
 * Split a grid by a line drawn across it: the line is extended past the grid's bbox at both ends
 * and closed into a half-plane polygon H on its left; the parts are grid ∩ H and grid − H, which
 * share the cut exactly (the same polyclip intersections on both sides).
 */
export function splitGrid(grid: GridGeometry, line: Position[]): [GridGeometry, GridGeometry] {
  if (line.length < 2) throw new BoundaryOpError('LINE_DOES_NOT_SPLIT', '分割线至少需要两个点')
  const [x0, y0, x1, y1] = turfBbox(grid)
  const D = 4 * Math.max(x1 - x0, y1 - y0, 1e-6)
  const a = line[0]!, b = line[1]!, y = line[line.length - 2]!, z = line[line.length - 1]!
  const unit = (p: Position, q: Position): [number, number] => {
    const dx = q[0]! - p[0]!, dy = q[1]! - p[1]!, n = Math.hypot(dx, dy) || 1
    return [dx / n, dy / n]
  }
  const u0 = unit(b, a), u1 = unit(y, z) // outward at the start and at the end
  const start: Position = [a[0]! + u0[0] * D, a[1]! + u0[1] * D]
  const end: Position = [z[0]! + u1[0] * D, z[1]! + u1[1] * D]
  const dir = unit(start, end)
  const left: [number, number] = [-dir[1], dir[0]]
  const ring: Position[] = [start, ...line.map((p) => [p[0]!, p[1]!]), end,
    [end[0]! + left[0] * 2 * D, end[1]! + left[1] * 2 * D], [start[0]! + left[0] * 2 * D, start[1]! + left[1] * 2 * D], start]
  const half: Polygon = { type: 'Polygon', coordinates: [ring] }
  const A = intersectGeom(grid, half)
  const B = differenceGeom(grid, half)
  if (!A || !B || areaOf(A) < AREA_TOL_M2 || areaOf(B) < AREA_TOL_M2) {
    throw new BoundaryOpError('LINE_DOES_NOT_SPLIT', '分割线没有把网格分成两部分，请画一条穿过网格的线')
  }
  return [A, B]
}

/** Length (m) of the border shared by a and b: (perimeter a + perimeter b − perimeter a∪b) / 2. */
export function sharedBorderLength(a: GridGeometry, b: GridGeometry): number {
  const u = unionGeom([a, b])
  if (!u) return 0
  const per = (g: GridGeometry) => {
    const l = polygonToLine(g)
    return l.type === 'FeatureCollection' ? l.features.reduce((s, x) => s + turfLength(x, { units: 'meters' }), 0) : turfLength(l, { units: 'meters' })
  }
  return Math.max(0, (per(a) + per(b) - per(u)) / 2)
}

/** Merge two adjacent grids, dissolving their shared border. */
export function mergeGrids(a: GridGeometry, b: GridGeometry): GridGeometry {
  if (sharedBorderLength(a, b) < 0.01) throw new BoundaryOpError('NOT_ADJACENT', '只能合并相邻（有公共边界）的两个网格')
  const u = unionGeom([a, b])
  if (!u) throw new BoundaryOpError('EMPTY_RESULT', '合并结果为空')
  return u
}

/**
 * Clip the communities of a redrawn street to it: each community ∩ street; area of the street
 * no community covers (the street grew) goes, piece by piece, to the community sharing the
 * longest border with that piece (none adjacent: the piece is returned as `unassigned`).
 */
export function clipToStreet<T extends { geometry: GridGeometry }>(communities: readonly T[], street: GridGeometry):
  { communities: (T & { geometry: GridGeometry | null })[]; unassigned: Polygon[] } {
  const clipped = communities.map((c) => ({ ...c, geometry: intersectGeom(c.geometry, street) }))
  const covered = unionGeom(clipped.map((c) => c.geometry).filter((g): g is GridGeometry => g !== null))
  const gap = covered ? differenceGeom(street, covered) : street
  const unassigned: Polygon[] = []
  for (const piece of partsOf(gap)) {
    if (turfArea(piece) < AREA_TOL_M2) continue
    let best = -1, bestLen = 0.01
    clipped.forEach((c, i) => {
      if (!c.geometry) return
      const len = sharedBorderLength(c.geometry, piece)
      if (len > bestLen) { best = i; bestLen = len }
    })
    if (best < 0) { unassigned.push(piece); continue }
    clipped[best]!.geometry = unionGeom([clipped[best]!.geometry!, piece]) ?? clipped[best]!.geometry
  }
  return { communities: clipped, unassigned }
}

/** Coverage check used by the tests and validation: largest pairwise overlap and the gap against a parent. */
export function coverageReport(children: GridGeometry[], parent: GridGeometry): { maxOverlap: number; gap: number; excess: number; unionArea: number; parentArea: number } {
  let maxOverlap = 0
  for (let i = 0; i < children.length; i++) {
    for (let j = i + 1; j < children.length; j++) maxOverlap = Math.max(maxOverlap, areaOf(intersectGeom(children[i]!, children[j]!)))
  }
  const u = unionGeom(children)
  return {
    maxOverlap,
    gap: u ? areaOf(differenceGeom(parent, u)) : areaOf(parent),
    excess: u ? areaOf(differenceGeom(u, parent)) : 0,
    unionArea: areaOf(u),
    parentArea: areaOf(parent),
  }
}

/** Perimeter (m) of a polygon: every ring, geodesic. */
export function perimeterM(p: Polygon): number {
  const l = polygonToLine(p)
  return l.type === 'FeatureCollection' ? l.features.reduce((s, x) => s + turfLength(x, { units: 'meters' }), 0) : turfLength(l, { units: 'meters' })
}

export const lineOf = (coords: Position[]): Feature<LineString> => lineString(coords)
