/**
 * One label point per grid — the server's rule (pole of inaccessibility of its largest part), computed
 * once per geometry object (the draft keeps unchanged geometries by reference, so only an edited
 * grid's point is computed again) — never per tile, so a grid's name appears once at every zoom.
 */
import type { Feature, FeatureCollection, Point, Position } from 'geojson'
import type { GridGeometry } from '../../../server/domain/boundary/topology.ts'
import { labelPoint as poleOfGrid } from '../../../server/domain/geometry/labelPoint.ts'

const cache = new WeakMap<object, Position>()

/** The label point of a draft grid: the same rule as the server's (server/domain/geometry/labelPoint.ts), cached per geometry object. */
export function labelPoint(g: GridGeometry): Position {
  const hit = cache.get(g)
  if (hit) return hit
  const p: Position = poleOfGrid(g)
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
