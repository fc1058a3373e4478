/**
 * One label point per grid: the pole of inaccessibility (polylabel) of its largest part, computed
 * once per geometry object (the draft keeps unchanged geometries by reference, so only an edited
 * grid's point is computed again) — never per tile, so a grid's name appears once at every zoom.
 */
import polylabel from 'polylabel'
import { area } from '@turf/turf'
import type { Feature, FeatureCollection, Point, Polygon, Position } from 'geojson'
import type { GridGeometry } from '../../../server/domain/boundary/topology.ts'

const cache = new WeakMap<object, Position>()

export function labelPoint(g: GridGeometry): Position {
  const hit = cache.get(g)
  if (hit) return hit
  const parts = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  let best = parts[0]!, bestArea = -1
  if (parts.length > 1) for (const p of parts) { const a = area({ type: 'Polygon', coordinates: p } as Polygon); if (a > bestArea) { best = p; bestArea = a } }
  // precision in degrees (~1 m); polylabel wants plain [x, y] rings
  const at = polylabel(best.map((r) => r.map((q) => [q[0]!, q[1]!])), 0.00001)
  const p: Position = [at[0]!, at[1]!]
  cache.set(g, p)
  return p
}

export interface Labelled { key: string; name: string; level: string; geometry: unknown }

/** The label points of the grids, as a source: one feature per grid (id = its index). */
export function labelCollection(grids: readonly Labelled[]): FeatureCollection<Point> {
  return {
    type: 'FeatureCollection',
    features: grids.map((g, i): Feature<Point> => ({ type: 'Feature', id: i + 1, properties: { key: g.key, name: g.name, level: g.level }, geometry: { type: 'Point', coordinates: labelPoint(g.geometry as GridGeometry) } })),
  }
}
