/** The extent of GeoJSON as [west, south, east, north] (turf's bbox over every coordinate), or null when it has none. */
import { bbox } from '@turf/turf'
import type { GeoJSON } from 'geojson'

export type Bbox = readonly [number, number, number, number]

export function extentOf(geojson: GeoJSON | null | undefined): Bbox | null {
  if (!geojson) return null
  // recompute: a `bbox` member sent along with the data is not trusted
  const [w, s, e, n] = bbox(geojson, { recompute: true })
  return Number.isFinite(w) ? [w!, s!, e!, n!] : null
}
