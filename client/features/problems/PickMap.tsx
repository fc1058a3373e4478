/**
 * A small map to pick a problem's location: community grid outlines, a click sets the point, the
 * chosen point is drawn. Used by the report form (the main map's layers stay with the map page).
 * What is drawn is declared as data (sources, layers, the click) and applied by `useMapLayers`.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import 'maplibre-gl/dist/maplibre-gl.css'
import { MapLibreMap, type LayerSpecification } from 'maplibre-gl'
import { createMap, rasterBasemap } from '../../map/createMap.ts'
import { extentOf } from '../../map/extent.ts'
import { useMapLayers, type MapEventSpec, type SourceSpecs } from '../../map/useMapLayers.ts'
import { gridLabelLayer, gridLabelSource } from '../../map/gridLabels.ts'
import { useQuery } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'

declare global {
  interface Window {
    /** For browser tests: the report form's pick map. */
    __griddutyPick?: MapLibreMap
  }
}

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] }

const PICK_LAYERS: readonly LayerSpecification[] = [
  { id: 'pick-grid-fill', type: 'fill', source: 'pick-grids', paint: { 'fill-color': '#5b7fa3', 'fill-opacity': 0.12 } },
  { id: 'pick-grid-line', type: 'line', source: 'pick-grids', paint: { 'line-color': '#40617f', 'line-width': 1 } },
  gridLabelLayer({ id: 'pick-grid-label', source: 'pick-grid-labels', level: 'community', compact: true }),
  { id: 'pick-point', type: 'circle', source: 'pick-point', paint: { 'circle-radius': 8, 'circle-color': '#c8102e', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
]

export function PickMap({ point, onPick }: { point: { lng: number; lat: number } | null; onPick: (p: { lng: number; lat: number }) => void }) {
  const trpc = useTRPC()
  const grids = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))
  const labels = useQuery(trpc.grid.labels.queryOptions({ level: 'community' }, { staleTime: 10 * 60_000 }))
  const config = useQuery(trpc.meta.config.queryOptions())
  const box = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)

  useEffect(() => {
    const m = createMap(box.current!)
    m.on('load', () => setMap(m))
    window.__griddutyPick = m
    return () => {
      setMap(null)
      if (window.__griddutyPick === m) delete window.__griddutyPick
      m.remove()
    }
  }, [])

  const basemap = useMemo(() => rasterBasemap(config.data, 'pick-basemap'), [config.data])
  const sources = useMemo<SourceSpecs>(() => ({
    ...basemap.sources,
    'pick-grids': { type: 'geojson', data: (grids.data ?? EMPTY) as GeoJSON.FeatureCollection },
    'pick-grid-labels': gridLabelSource(labels.data),
    'pick-point': {
      type: 'geojson',
      data: { type: 'FeatureCollection', features: point ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [point.lng, point.lat] } }] : [] },
    },
  }), [basemap, grids.data, labels.data, point])
  const layers = useMemo(() => [...basemap.layers, ...PICK_LAYERS], [basemap])
  const events = useMemo<MapEventSpec[]>(() => [{
    type: 'click',
    handler: (e) => onPick({ lng: Math.round(e.lngLat.lng * 1e7) / 1e7, lat: Math.round(e.lngLat.lat * 1e7) / 1e7 }),
  }], [onPick])
  useMapLayers(map, sources, layers, { events })

  // fit the grids when they arrive (unless a point is already chosen)
  useEffect(() => {
    if (!map || !grids.data) return
    const b = extentOf(grids.data as GeoJSON.FeatureCollection)
    if (b && !point) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 10, animate: false })
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map, grids.data])

  return <div ref={box} className="pick-map" data-testid="pick-map" />
}
