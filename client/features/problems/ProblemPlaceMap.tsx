/**
 * A problem's place at a glance: a small map of the point inside its grid's outline, the grid
 * named on the map (instead of raw coordinates). Declared as data and applied by `useMapLayers`.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import 'maplibre-gl/dist/maplibre-gl.css'
import { MapLibreMap, type LayerSpecification } from 'maplibre-gl'
import { useQuery } from '@tanstack/react-query'
import { bbox } from '@turf/turf'
import { createMap, rasterBasemap } from '../../map/createMap.ts'
import { useMapLayers, type SourceSpecs } from '../../map/useMapLayers.ts'
import { useTRPC } from '../../api.ts'

declare global {
  interface Window { __problemPlace?: MapLibreMap }
}

const LAYERS: readonly LayerSpecification[] = [
  { id: 'place-grid-fill', type: 'fill', source: 'place-grid', paint: { 'fill-color': '#0b57d0', 'fill-opacity': 0.08 } },
  { id: 'place-grid-line', type: 'line', source: 'place-grid', paint: { 'line-color': '#0b57d0', 'line-width': 2 } },
  { id: 'place-grid-label', type: 'symbol', source: 'place-label', layout: { 'text-field': ['get', 'name'], 'text-size': 13, 'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-allow-overlap': true }, paint: { 'text-color': '#17212b', 'text-halo-color': 'rgba(255,255,255,0.95)', 'text-halo-width': 1.8 } },
  { id: 'place-point', type: 'circle', source: 'place-point', paint: { 'circle-radius': 7, 'circle-color': '#c8102e', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
]

export function ProblemPlaceMap({ lng, lat, gridId, gridName, label }: { lng: number; lat: number; gridId: number | null; gridName: string | null; label: string }) {
  const trpc = useTRPC()
  const grids = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))
  const config = useQuery(trpc.meta.config.queryOptions())
  const box = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)
  useEffect(() => {
    const m = createMap(box.current!, { zoom: 15 })
    m.on('load', () => setMap(m))
    window.__problemPlace = m
    return () => { setMap(null); if (window.__problemPlace === m) delete window.__problemPlace; m.remove() }
  }, [])
  const grid = grids.data?.features.find((f) => f.properties.id === gridId) ?? null
  const basemap = useMemo(() => rasterBasemap(config.data, 'place-basemap'), [config.data])
  const sources = useMemo<SourceSpecs>(() => ({
    ...basemap.sources,
    'place-grid': { type: 'geojson', data: { type: 'FeatureCollection', features: grid ? [grid as GeoJSON.Feature] : [] } },
    'place-point': { type: 'geojson', data: { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lng, lat] } } },
    // the grid's name under the point: the place is read as "in this grid"
    'place-label': { type: 'geojson', data: { type: 'FeatureCollection', features: gridName ? [{ type: 'Feature', properties: { name: gridName }, geometry: { type: 'Point', coordinates: [lng, lat] } }] : [] } },
  }), [basemap, grid, lng, lat, gridName])
  const layers = useMemo(() => [...basemap.layers, ...LAYERS], [basemap])
  useMapLayers(map, sources, layers)
  useEffect(() => {
    if (!map) return
    if (grid) {
      const [a, b, c, d] = bbox(grid as GeoJSON.Feature)
      map.fitBounds([[Math.min(a, lng), Math.min(b, lat)], [Math.max(c, lng), Math.max(d, lat)]], { padding: 24, animate: false, maxZoom: 17 })
    } else map.jumpTo({ center: [lng, lat], zoom: 15 })
  }, [map, grid, lng, lat])
  return <div ref={box} className="place-map" role="region" aria-label={label} data-testid="problem-place-map" />
}
