/**
 * Grid geometry for large cities: vector tiles from the server (/tiles/grids/{level}/{z}/{x}/{y}.pbf)
 * plus the month's status from `grid.status`, joined on the map with feature-state (feature id =
 * grid id). A month change then refetches only the light status arrays, never geometry.
 *
 * Why a threshold and not tiles always: below a few thousand grids one `grid.list` GeoJSON is a
 * few hundred kilobytes to a few megabytes, arrives in one request, is exact at every zoom (no tile
 * simplification or tile-seam label duplicates) and keeps every property on the feature, which
 * small-city pages and tests read. Above the threshold that one response grows to tens of
 * megabytes (20,000 unit grids ≈ 87 MB, 21 s to an idle map here vs 3.8 s with tiles: see
 * docs/benchmarks.md) that the browser must parse and tile at once, so the map
 * switches to server tiles. `?grids=tiles` / `?grids=geojson` in the page URL forces either mode
 * (the benchmark measures both).
 *
 * layers.ts declares the layers once, reading grid.list's properties; `layersForTiles` rewrites that
 * list for the tile source (feature-state instead of properties, source layer, no state filters).
 */
import type { LayerSpecification, SourceSpecification } from 'maplibre-gl'
import type { GridCollection, GridLevel, RouterOutputs } from '../api.ts'
import { GRID_LABEL_SOURCE_LAYER } from './gridLabels.ts'

export type GridStatus = RouterOutputs['grid']['status']
export type GridMode = 'geojson' | 'tiles'

/** Grids of a level above which the map uses vector tiles. */
export const TILE_THRESHOLD = 3000
/** The source layer inside the server's tiles (server/services/gridTiles.ts GRID_TILE_LAYER). */
export const GRID_SOURCE_LAYER = 'grids'

/** The forced mode from the page URL (?grids=tiles|geojson), if any. */
export function forcedGridMode(): GridMode | null {
  const v = new URLSearchParams(window.location.search).get('grids')
  return v === 'tiles' || v === 'geojson' ? v : null
}

/** null until the status (and so the grid count, and the tile version) is known. */
export function gridMode(status: GridStatus | undefined, forced: GridMode | null): GridMode | null {
  if (forced === 'geojson') return forced
  if (!status) return null
  return forced ?? (status.count > TILE_THRESHOLD ? 'tiles' : 'geojson')
}

export function gridTileSource(level: GridLevel, status: GridStatus): SourceSpecification {
  return {
    type: 'vector',
    // absolute: MapLibre fetches tiles from a worker; the session cookie goes along (same origin)
    tiles: [`${window.location.origin}/tiles/grids/${level}/{z}/{x}/{y}.pbf?v=${status.tilesVersion}`],
    minzoom: 0,
    maxzoom: status.tileMaxZoom,
  }
}

/** The feature-state of every grid: the same keys as grid.list's properties, which the paint expressions read. */
export function gridFeatureStates(status: GridStatus): { id: number; state: Record<string, unknown> }[] {
  const names = new Map(status.departments.map((d) => [d.id, d.name]))
  return status.ids.map((id, i) => ({
    id,
    state: {
      inspectionStatus: status.status[i], holderDepartmentId: status.holderDepartmentId[i],
      openProblems: status.openProblems[i], overdueProblems: status.overdueProblems[i],
      holderDepartment: names.get(status.holderDepartmentId[i] ?? -1) ?? null,
    },
  }))
}

/** The status as a geometry-less collection for components that count grid.list features (the legend). */
export function statusAsCollection(status: GridStatus): GridCollection {
  const names = new Map(status.departments.map((d) => [d.id, d.name]))
  return {
    type: 'FeatureCollection',
    features: status.ids.map((id, i) => {
      const dept = status.holderDepartmentId[i] ?? null
      return {
        type: 'Feature' as const, id, geometry: null as never,
        properties: {
          id, code: '', name: '', level: status.level, parentId: null,
          holderDepartment: dept === null ? null : names.get(dept) ?? null, holderDepartmentId: dept, holderCadre: null,
          inspectionStatus: status.status[i]!, openProblems: status.openProblems[i]!, overdueProblems: status.overdueProblems[i]!, labelPoint: [0, 0] as [number, number],
        },
      }
    }),
  } as GridCollection
}

/** Properties that change with the month: on tiles they live in feature-state, not on the feature. */
const STATE_KEYS = new Set(['inspectionStatus', 'holderDepartmentId', 'holderDepartment', 'openProblems', 'overdueProblems'])

const usesState = (e: unknown): boolean =>
  Array.isArray(e) && ((e[0] === 'get' && STATE_KEYS.has(e[1] as string)) || e.some(usesState))
/** ['get', k] → ['feature-state', k] for the month's keys, anywhere in an expression. */
const toState = (e: unknown): unknown =>
  !Array.isArray(e) ? e : e[0] === 'get' && STATE_KEYS.has(e[1] as string) && e.length === 2 ? ['feature-state', e[1]] : e.map(toState)

const OPACITY: Partial<Record<LayerSpecification['type'], string>> = { fill: 'fill-opacity', line: 'line-opacity', symbol: 'text-opacity', circle: 'circle-opacity' }
const DEFAULT_OPACITY = 1

/**
 * The layer list of layers.ts, made to draw the vector-tile source: grid layers get the source
 * layer, paint expressions read the month's values from feature-state, and a filter on those
 * values (filters cannot read feature-state) becomes an opacity of 0 for the features it rejected.
 */
export function layersForTiles(layers: LayerSpecification[], gridSource: string, labelSource?: string): LayerSpecification[] {
  return layers.map((layer) => {
    // the names' points are the tiles' `labels` layer (one point per grid, as grid.labels)
    if (labelSource && 'source' in layer && layer.source === labelSource) {
      return { ...layer, source: gridSource, 'source-layer': GRID_LABEL_SOURCE_LAYER } as LayerSpecification
    }
    if (!('source' in layer) || layer.source !== gridSource) return layer
    const out = { ...layer, 'source-layer': GRID_SOURCE_LAYER } as LayerSpecification & { paint?: Record<string, unknown>; filter?: unknown }
    const paint: Record<string, unknown> = Object.fromEntries(Object.entries((layer as { paint?: Record<string, unknown> }).paint ?? {}).map(([k, v]) => [k, toState(v)]))
    if ('filter' in layer && usesState(layer.filter)) {
      const key = OPACITY[layer.type]
      if (key) {
        const cond = toState(layer.filter)
        paint[key] = ['case', cond, paint[key] ?? DEFAULT_OPACITY, 0]
      }
      delete out.filter
    }
    out.paint = paint
    return out as LayerSpecification
  })
}

export interface GridFeatureStates { sourceLayer: string; states: { id: number; state: Record<string, unknown> }[] }
