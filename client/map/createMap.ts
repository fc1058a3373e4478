/**
 * One way to make a MapLibre map for every map in the app (the coverage map, the planner's editor,
 * the report form's pick map, the site editor): self-contained style, Chinese labels drawn locally,
 * no rotation, zoom buttons. MapLibre 6 looks for its worker beside its own module, which the bundle
 * does not keep, so the worker URL is set here once.
 */
import { MapLibreMap, NavigationControl, setWorkerUrl, type LayerSpecification } from 'maplibre-gl'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url'
import { baseStyle, LOCAL_IDEOGRAPH_FONT } from './layers.ts'
import type { SourceSpecs } from './useMapLayers.ts'

setWorkerUrl(workerUrl)

export const DEMO_CENTER: [number, number] = [107.14, 34.36]

export function createMap(container: HTMLElement, opts: { zoom?: number; maxZoom?: number } = {}): MapLibreMap {
  const m = new MapLibreMap({
    container, style: baseStyle(), center: DEMO_CENTER, zoom: opts.zoom ?? 11, maxZoom: opts.maxZoom ?? 19,
    localIdeographFontFamily: LOCAL_IDEOGRAPH_FONT, dragRotate: false, pitchWithRotate: false, attributionControl: { compact: true },
  })
  m.touchZoomRotate.disableRotation()
  m.addControl(new NavigationControl({ showCompass: false }), 'bottom-right')
  return m
}

/**
 * The configured raster basemap (meta.config().basemapTiles) as declared source + layer for
 * `useMapLayers` (put the layer first in the list: under everything else); empty without one.
 */
export function rasterBasemap(config: { basemapTiles: string | null; basemapAttribution: string | null } | undefined, id: string): { sources: SourceSpecs; layers: LayerSpecification[] } {
  const tiles = config?.basemapTiles
  if (!tiles) return { sources: {}, layers: [] }
  return {
    sources: { [id]: { type: 'raster', tiles: [tiles], tileSize: 256, attribution: config?.basemapAttribution ?? '' } },
    layers: [{ id, type: 'raster', source: id }],
  }
}
