/**
 * 编辑点位位置: a small map of the evaluation sites (coloured by readiness) over the community
 * grids. Leaders, planners and admins drag a site to its new position; it is saved with
 * `evaluation.siteUpdate` (version check) and the server re-assigns the grid containing the new
 * point. A refused move (outside every grid, changed by someone else) snaps the marker back.
 * The grid outlines (and the optional basemap) are declared as data for `useMapLayers`; the sites
 * are draggable HTML markers, which MapLibre keeps outside the style.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import 'maplibre-gl/dist/maplibre-gl.css'
import { MapLibreMap, Marker, type LayerSpecification } from 'maplibre-gl'
import { createMap, rasterBasemap } from '../../map/createMap.ts'
import { extentOf } from '../../map/extent.ts'
import { useMapLayers, type SourceSpecs } from '../../map/useMapLayers.ts'
import { gridLabelLayer, gridLabelSource } from '../../map/gridLabels.ts'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type RouterOutputs } from '../../api.ts'
import { SITE_COLOUR } from '../../../server/domain/vocabulary/palette.ts'
import { READINESS } from '../../../server/domain/vocabulary/status.ts'
import { useEvalText } from './text.ts'

declare global {
  interface Window {
    /** For browser tests: the site editor's map. */
    __griddutySiteMap?: MapLibreMap
  }
}

type Site = RouterOutputs['evaluation']['readiness']['sites'][number]
type Moved = RouterOutputs['evaluation']['siteUpdate']

const round = (v: number) => Math.round(v * 1e7) / 1e7

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] }
const GRID_LAYERS: readonly LayerSpecification[] = [
  { id: 'site-edit-grid-fill', type: 'fill', source: 'site-edit-grids', paint: { 'fill-color': '#5b7fa3', 'fill-opacity': 0.1 } },
  { id: 'site-edit-grid-line', type: 'line', source: 'site-edit-grids', paint: { 'line-color': '#40617f', 'line-width': 1 } },
  gridLabelLayer({ id: 'site-edit-grid-label', source: 'site-edit-grid-labels', level: 'community', compact: true }),
]

export function SiteMapEditor() {
  const { t, errorText } = useEvalText()
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const readiness = useQuery(trpc.evaluation.readiness.queryOptions())
  const grids = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))
  const labels = useQuery(trpc.grid.labels.queryOptions({ level: 'community' }, { staleTime: 10 * 60_000 }))
  const config = useQuery(trpc.meta.config.queryOptions())
  const box = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)
  const [result, setResult] = useState<{ ok: true; moved: Moved } | { ok: false; name: string; message: string } | null>(null)
  const update = useMutation(trpc.evaluation.siteUpdate.mutationOptions())
  // the latest site rows (version) for the drag handlers
  const sites = useRef(new Map<number, Site>())
  sites.current = new Map((readiness.data?.sites ?? []).map((s) => [s.id, s]))

  useEffect(() => {
    const m = createMap(box.current!)
    m.on('load', () => setMap(m))
    window.__griddutySiteMap = m
    return () => {
      setMap(null)
      if (window.__griddutySiteMap === m) delete window.__griddutySiteMap
      m.remove()
    }
  }, [])

  // community outlines (over the basemap, if any)
  const basemap = useMemo(() => rasterBasemap(config.data, 'site-edit-basemap'), [config.data])
  const sources = useMemo<SourceSpecs>(
    () => ({
      ...basemap.sources,
      'site-edit-grids': { type: 'geojson', data: (grids.data ?? EMPTY) as GeoJSON.FeatureCollection },
      'site-edit-grid-labels': gridLabelSource(labels.data),
    }),
    [basemap, grids.data, labels.data],
  )
  const layers = useMemo(() => [...basemap.layers, ...GRID_LAYERS], [basemap])
  useMapLayers(map, sources, layers)

  // fit the outlines once
  const fitted = useRef(false)
  useEffect(() => {
    if (!map || !grids.data || fitted.current) return
    const b = extentOf(grids.data as GeoJSON.FeatureCollection)
    if (b) {
      fitted.current = true
      map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 10, animate: false })
    }
  }, [map, grids.data])

  // one draggable marker per site, rebuilt when the sites change (after a save: at the saved point)
  const save = useRef(update.mutateAsync)
  save.current = update.mutateAsync
  const data = readiness.data?.sites
  useEffect(() => {
    if (!map || !data) return
    const markers = data.map((site) => {
      const el = document.createElement('div')
      el.className = 'site-marker'
      el.dataset.testid = `site-marker-${site.id}`
      el.title = `${site.name} · ${site.gridName ?? '—'} · ${site.departmentName ?? t('mk.noDept')}`
      el.style.background = READINESS[site.readiness].colour
      el.style.borderColor = SITE_COLOUR
      const marker = new Marker({ element: el, draggable: true }).setLngLat([site.lng, site.lat]).addTo(map)
      marker.on('dragend', () => {
        const current = sites.current.get(site.id) ?? site
        const to = marker.getLngLat()
        el.classList.add('saving')
        save.current({ id: site.id, version: current.version, lng: round(to.lng), lat: round(to.lat) })
          .then((moved) => {
            setResult({ ok: true, moved })
            void queryClient.invalidateQueries({ queryKey: trpc.evaluation.readiness.queryKey() })
            void queryClient.invalidateQueries({ queryKey: trpc.site.list.queryKey() })
          })
          .catch((e: unknown) => {
            marker.setLngLat([current.lng, current.lat]) // refused: back to where it was
            setResult({ ok: false, name: site.name, message: errorText(e) })
          })
          .finally(() => el.classList.remove('saving'))
      })
      return marker
    })
    return () => { for (const mk of markers) mk.remove() }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map, data])

  return (
    <div className="site-map-editor" data-testid="site-map-editor">
      <p className="small muted">{t('site.mapHint')}</p>
      <div ref={box} className="site-map" data-testid="site-map" />
      {update.isPending && <p className="small">{t('site.moving')}</p>}
      {result?.ok && (
        <p className="small" data-testid="site-move-result">
          {t('site.moved', { name: result.moved.name, grid: result.moved.gridName ?? '—', dept: result.moved.departmentName ?? t('mk.noDept') })}
        </p>
      )}
      {result && !result.ok && <p className="form-error" data-testid="site-move-error">{t('site.moveRefused', { name: result.name, msg: result.message })}</p>}
      {readiness.isError && <p className="form-error">{errorText(readiness.error)}</p>}
    </div>
  )
}
