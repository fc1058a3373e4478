/**
 * A small map to pick a problem's location: community grid outlines, a click sets the point, the
 * chosen point is drawn. Used by the report form (the main map's layers stay with the map page).
 */
import { useEffect, useRef, useState } from 'react'
import 'maplibre-gl/dist/maplibre-gl.css'
import { MapLibreMap, type GeoJSONSource, type MapMouseEvent } from 'maplibre-gl'
import { createMap, useRasterBasemap } from '../../map/createMap.ts'
import { useQuery } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'

declare global {
  interface Window {
    /** For browser tests: the report form's pick map. */
    __griddutyPick?: MapLibreMap
  }
}

export function PickMap({ point, onPick }: { point: { lng: number; lat: number } | null; onPick: (p: { lng: number; lat: number }) => void }) {
  const trpc = useTRPC()
  const grids = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))
  const config = useQuery(trpc.meta.config.queryOptions())
  const box = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)
  const pick = useRef(onPick)
  pick.current = onPick

  useEffect(() => {
    const m = createMap(box.current!)
    m.on('load', () => {
      m.addSource('pick-grids', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
      m.addSource('pick-point', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } })
      m.addLayer({ id: 'pick-grid-fill', type: 'fill', source: 'pick-grids', paint: { 'fill-color': '#5b7fa3', 'fill-opacity': 0.12 } })
      m.addLayer({ id: 'pick-grid-line', type: 'line', source: 'pick-grids', paint: { 'line-color': '#40617f', 'line-width': 1 } })
      m.addLayer({ id: 'pick-point', type: 'circle', source: 'pick-point', paint: { 'circle-radius': 8, 'circle-color': '#c8102e', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } })
      setMap(m)
    })
    const onClick = (e: MapMouseEvent) => pick.current({ lng: Math.round(e.lngLat.lng * 1e7) / 1e7, lat: Math.round(e.lngLat.lat * 1e7) / 1e7 })
    m.on('click', onClick)
    window.__griddutyPick = m
    return () => {
      if (window.__griddutyPick === m) delete window.__griddutyPick
      m.remove()
    }
  }, [])

  useRasterBasemap(map, config.data, 'pick-basemap', 'pick-grid-fill')

  useEffect(() => {
    if (!map || !grids.data) return
    ;(map.getSource('pick-grids') as GeoJSONSource).setData(grids.data)
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity]
    for (const f of grids.data.features) {
      const rings = f.geometry.type === 'Polygon' ? [f.geometry.coordinates[0]!] : f.geometry.coordinates.map((p) => p[0]!)
      for (const r of rings) for (const [x, y] of r as [number, number][]) { w = Math.min(w, x); s = Math.min(s, y); e = Math.max(e, x); n = Math.max(n, y) }
    }
    if (Number.isFinite(w) && !point) map.fitBounds([[w, s], [e, n]], { padding: 10, animate: false })
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map, grids.data])

  useEffect(() => {
    if (!map) return
    ;(map.getSource('pick-point') as GeoJSONSource).setData({
      type: 'FeatureCollection',
      features: point ? [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [point.lng, point.lat] } }] : [],
    })
  }, [map, point])

  return <div ref={box} className="pick-map" data-testid="pick-map" />
}
