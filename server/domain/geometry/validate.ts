/**
 * GeoJSON validity for grid boundaries: every rule has a stable code, so the API and the UI can
 * explain what is wrong and where. Coordinates are WGS84 [lng, lat].
 */
import { area as turfArea, bbox as turfBbox } from '@turf/turf'
import type { MultiPolygon, Polygon, Position } from 'geojson'
import { findSelfIntersections } from './selfIntersection.ts'

export type GridGeometry = Polygon | MultiPolygon
export type BBox = [number, number, number, number]

export const MAX_VERTICES = 200_000

export type GeometryIssueCode =
  | 'GEOMETRY_TYPE' | 'COORDINATE_INVALID' | 'COORDINATE_OUT_OF_RANGE' | 'RING_TOO_SHORT'
  | 'RING_NOT_CLOSED' | 'SELF_INTERSECTION' | 'ZERO_AREA' | 'TOO_MANY_VERTICES'

export interface GeometryIssue { code: GeometryIssueCode; message: string; at?: Position }

function polygonsOf(g: GridGeometry): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates
}

/** All problems with a geometry; an empty list means it is a valid grid boundary. */
export function validateGridGeometry(input: unknown): GeometryIssue[] {
  const g = input as GridGeometry
  if (!g || typeof g !== 'object' || (g.type !== 'Polygon' && g.type !== 'MultiPolygon') || !Array.isArray(g.coordinates)) {
    return [{ code: 'GEOMETRY_TYPE', message: 'geometry must be a GeoJSON Polygon or MultiPolygon' }]
  }
  const issues: GeometryIssue[] = []
  let vertices = 0
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  if (!Array.isArray(polygons) || polygons.length === 0) return [{ code: 'GEOMETRY_TYPE', message: 'geometry has no polygons' }]
  for (const rings of polygons) {
    if (!Array.isArray(rings) || rings.length === 0) { issues.push({ code: 'GEOMETRY_TYPE', message: 'a polygon has no rings' }); continue }
    for (const ring of rings) {
      if (!Array.isArray(ring)) { issues.push({ code: 'GEOMETRY_TYPE', message: 'a ring is not an array of positions' }); continue }
      vertices += ring.length
      if (vertices > MAX_VERTICES) return [{ code: 'TOO_MANY_VERTICES', message: `more than ${MAX_VERTICES} vertices` }]
      for (const p of ring) {
        if (!Array.isArray(p) || p.length < 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
          issues.push({ code: 'COORDINATE_INVALID', message: 'a coordinate is not a pair of finite numbers' })
          return issues
        }
        if (Math.abs(p[0]!) > 180 || Math.abs(p[1]!) > 90) {
          issues.push({ code: 'COORDINATE_OUT_OF_RANGE', message: 'longitude must be within ±180 and latitude within ±90', at: p })
          return issues
        }
      }
      if (ring.length < 4) { issues.push({ code: 'RING_TOO_SHORT', message: 'a ring needs at least 4 positions (closed)', at: ring[0] }); continue }
      const first = ring[0]!, last = ring[ring.length - 1]!
      if (first[0] !== last[0] || first[1] !== last[1]) issues.push({ code: 'RING_NOT_CLOSED', message: 'a ring is not closed (first and last positions differ)', at: first })
    }
  }
  if (issues.length) return issues
  // the same pairs as @turf/kinks, through an R-tree and stopping after 10 crossings (kinks is O(n²) and collects them all)
  for (const at of findSelfIntersections(polygons.flat(), 10)) issues.push({ code: 'SELF_INTERSECTION', message: 'the boundary crosses itself', at })
  if (!issues.length && !(turfArea(g) > 0)) issues.push({ code: 'ZERO_AREA', message: 'the polygon has no area' })
  return issues
}

export function geometryBbox(g: GridGeometry): BBox {
  return turfBbox(g) as BBox
}

/** Area in square metres. */
export function geometryArea(g: GridGeometry): number {
  return turfArea(g)
}

export function vertexCount(g: GridGeometry): number {
  let n = 0
  for (const rings of polygonsOf(g)) for (const r of rings) n += r.length
  return n
}
