/**
 * One way to make a MapLibre map for every map in the app (the coverage map, the planner's editor,
 * the report form's pick map, the site editor): self-contained style, Chinese labels drawn locally,
 * no rotation, zoom buttons. MapLibre 6 looks for its worker beside its own module, which the bundle
 * does not keep, so the worker URL is set here once.
 */
import { MapLibreMap, NavigationControl, setWorkerUrl } from 'maplibre-gl'
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url'
import { useEffect } from 'react'
import { baseStyle, LOCAL_IDEOGRAPH_FONT } from './layers.ts'

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

/** Adds the configured raster basemap (meta.config().basemapTiles) under `beforeLayer`, once. */
export function useRasterBasemap(map: MapLibreMap | null, config: { basemapTiles: string | null; basemapAttribution: string | null } | undefined, id: string, beforeLayer: string): void {
  useEffect(() => {
    const tiles = config?.basemapTiles
    if (!map || !tiles || map.getSource(id)) return
    map.addSource(id, { type: 'raster', tiles: [tiles], tileSize: 256, attribution: config?.basemapAttribution ?? '' })
    map.addLayer({ id, type: 'raster', source: id }, beforeLayer)
  }, [map, config, id, beforeLayer])
}
