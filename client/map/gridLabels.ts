/**
 * Grid names on a map: THE label layer every map of the app uses (coverage map, site editor, pick
 * map; the planner may reuse it). Names are drawn from a POINT source — one point per grid, its pole
 * of inaccessibility, computed once per boundary version on the server (`grid.labels`,
 * server/domain/geometry/labelPoint.ts) — never from the polygons: a symbol layer on a polygon
 * source places a label in every tile piece of the polygon, so a large grid's name repeated at high
 * zoom (高新一路社区 ×4). A point lies in one tile, so each name is drawn once at every zoom.
 *
 * On vector tiles the same points come as the `labels` layer of the grid tiles
 * (server/services/gridTiles.ts GRID_LABEL_TILE_LAYER): pass `sourceLayer`.
 *
 * Usage:
 *   sources: { 'x-labels': gridLabelSource(labels.data) }     // labels = trpc.grid.labels({ level })
 *   layers:  [..., gridLabelLayer({ id: 'x-label', source: 'x-labels', level: 'community' })]
 */
import type { SourceSpecification, SymbolLayerSpecification } from 'maplibre-gl'
import type { GridLevel, RouterOutputs } from '../api.ts'

export type GridLabels = RouterOutputs['grid']['labels']

/** The label points inside the grid tiles (server/services/gridTiles.ts GRID_LABEL_TILE_LAYER). */
export const GRID_LABEL_SOURCE_LAYER = 'labels'

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] }

/** The label points as a GeoJSON source (empty until they arrive). */
export function gridLabelSource(labels: GridLabels | undefined): SourceSpecification {
  return { type: 'geojson', data: (labels ?? EMPTY) as GeoJSON.FeatureCollection }
}

export interface GridLabelLayerOptions {
  id: string
  /** a point source: gridLabelSource(grid.labels), or the grid tiles with sourceLayer */
  source: string
  sourceLayer?: string
  /** street and district names larger than community names */
  level?: GridLevel
  /** a smaller, quieter variant for the small maps inside forms */
  compact?: boolean
  /** hide the name of this grid id (e.g. while it is being edited) */
  hideId?: number
}

/**
 * The symbol layer of grid names. Names never overlap each other (MapLibre hides the one placed
 * later; zooming in shows it), are drawn locally in the CJK system font (no glyph server: see
 * layers.ts), dark on a white halo so they read on every fill colour.
 */
export function gridLabelLayer(o: GridLabelLayerOptions): SymbolLayerSpecification {
  const street = o.level === 'street' || o.level === 'district' // coarser levels: larger names
  const size = o.compact
    ? ['interpolate', ['linear'], ['zoom'], 11, 10, 16, 14]
    : street ? ['interpolate', ['linear'], ['zoom'], 10, 12, 15, 18] : ['interpolate', ['linear'], ['zoom'], 11, 10.5, 15, 15]
  return {
    id: o.id,
    type: 'symbol',
    source: o.source,
    ...(o.sourceLayer ? { 'source-layer': o.sourceLayer } : {}),
    ...(o.hideId !== undefined ? { filter: ['!=', ['id'], o.hideId] } : {}),
    layout: {
      'text-field': ['get', 'name'],
      'text-size': size as never,
      'text-max-width': 6,
      'text-padding': 2,
      // a label that does not fit at its point may move a little rather than vanish
      'text-variable-anchor': ['center', 'top', 'bottom'],
      'text-radial-offset': 0.4,
    },
    paint: {
      'text-color': '#17212b',
      'text-halo-color': 'rgba(255,255,255,0.92)',
      'text-halo-width': street ? 1.8 : 1.6,
    },
  }
}
