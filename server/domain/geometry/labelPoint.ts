/**
 * Where a grid's name goes on a map: ONE point per grid, inside it, as far from its border as
 * possible (the pole of inaccessibility, Mapbox's `polylabel`), so a C-shaped or L-shaped grid gets
 * its name in its thickest part and never outside it (a centroid can fall outside a concave grid).
 *
 * A MultiPolygon is labelled in its largest part. Longitudes are scaled by cos(latitude) first, so
 * "far from the border" is measured in metres, not in degrees. The precision is 1/1000 of the
 * part's larger side (well under a metre for a community, bounded work for a district).
 *
 * Computed once per boundary version by the grid catalog (server/services/gridCatalog.ts) and
 * served as a point source (`grid.labels`, the `labels` layer of the grid tiles): a polygon
 * source labels every tile piece of a polygon again (高新一路社区 four times at high zoom).
 */
import polylabel from 'polylabel'
import type { Position } from 'geojson'
import { geometryArea, type GridGeometry } from './validate.ts'

export type LngLat = [number, number]

function partsOf(g: GridGeometry): Position[][][] {
  return g.type === 'Polygon' ? [g.coordinates] : g.coordinates
}

/** The pole of inaccessibility of one polygon (outer ring + holes), in lng/lat. */
function poleOf(rings: Position[][]): LngLat {
  const outer = rings[0] ?? []
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity
  for (const [x, y] of outer) {
    if (x! < minX) minX = x!
    if (x! > maxX) maxX = x!
    if (y! < minY) minY = y!
    if (y! > maxY) maxY = y!
  }
  const k = Math.cos((((minY + maxY) / 2) * Math.PI) / 180) || 1
  const scaled = rings.map((r) => r.map(([x, y]) => [x! * k, y!]))
  const precision = Math.max((maxX - minX) * k, maxY - minY) / 1000 || 1e-9
  const p = polylabel(scaled, precision)
  return [p[0]! / k, p[1]!]
}

/** The label point of a grid: inside it, in its largest part, far from its border. */
export function labelPoint(g: GridGeometry): LngLat {
  const parts = partsOf(g)
  let best = parts[0]!
  if (parts.length > 1) {
    let bestArea = -1
    for (const p of parts) {
      const a = geometryArea({ type: 'Polygon', coordinates: p })
      if (a > bestArea) { bestArea = a; best = p }
    }
  }
  const [lng, lat] = poleOf(best)
  // 1e-7° ≈ 1 cm: the same rounding as every other stored coordinate
  return [Math.round(lng * 1e7) / 1e7, Math.round(lat * 1e7) / 1e7]
}
