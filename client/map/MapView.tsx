/**
 * The MapLibre canvas. It owns the map instance and its pointer events; what is drawn comes in as
 * data (`sources`, `layers`) and is applied by `useMapLayers`. Hover is feature-state on the grid
 * source; a click reports the grid under the pointer (or null) to the parent.
 */
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import 'maplibre-gl/dist/maplibre-gl.css'
import { MapLibreMap, ScaleControl, type LayerSpecification, type MapMouseEvent } from 'maplibre-gl'
// MapLibre 6 looks for its worker next to its own module, which a bundle does not keep: let Vite
// bundle the worker as its own .js asset and tell MapLibre where it is.
import { createMap } from './createMap.ts'
import { GRID_HIT_LAYERS, HATCH_IMAGE, hatchImage, LAYER, SRC } from './layers.ts'
import { PROBLEM_LAYERS } from '../features/problems/mapLayers.ts'

/** Layers a click on an open problem is read from (plain points, clustered points, clusters). */
const PROBLEM_HIT_LAYERS = [LAYER.problems, PROBLEM_LAYERS.points, PROBLEM_LAYERS.clusters]
import { useMapLayers, type FeatureStateSpec, type ImageSpecs, type SourceSpecs } from './useMapLayers.ts'
import { GRID_SOURCE_LAYER, type GridFeatureStates } from './gridTiles.ts'

declare global {
  interface Window {
    /** For browser tests: query rendered features, project coordinates to pixels. */
    __gridduty?: { map: MapLibreMap }
  }
}

export type { Bbox } from './extent.ts'
import type { Bbox } from './extent.ts'

/** Ask the map to show a box; a new object each time, so the same box can be asked for twice. */
export interface CameraRequest {
  bbox: Bbox
  animate: boolean
}

/** Ask the map to keep a point in view (e.g. the tapped grid's label point above the bottom sheet); a new object each time. */
export interface FocusRequest {
  center: [number, number]
}

export interface Padding { top: number; right: number; bottom: number; left: number }

interface Props {
  sources: SourceSpecs
  layers: readonly LayerSpecification[]
  camera: CameraRequest | null
  /**
   * Room the floating panels take, so a fitted box or a focused point is not hidden under them;
   * a function gets the map's size (a phone's bottom sheet is half the map's height).
   */
  padding: Padding | ((width: number, height: number) => Padding)
  /** a point to keep visible: if it is under a panel or off screen, the map eases it to the middle of the free part */
  focus?: FocusRequest | null
  /** a click on a grid (with where), or on no grid (null) */
  onSelectGrid: (id: number | null, at?: [number, number]) => void
  /** a click on an open problem's point */
  onSelectProblem?: (id: number) => void
  /** What to show next to the pointer over a grid (its GeoJSON properties). */
  tooltip?: (properties: Record<string, unknown>) => ReactNode
  /** the month's values of every grid as feature-state (vector-tile mode, see gridTiles.ts) */
  featureStates?: GridFeatureStates | null
  /** the map's accessible name, and the id of an element that says in words what it shows */
  label?: string
  describedBy?: string
}

/** The images the coverage layers refer to (the unheld hatch pattern). */
const MAP_IMAGES: ImageSpecs = { [HATCH_IMAGE]: { image: hatchImage(), pixelRatio: 2 } }


export function MapView({ sources, layers, camera, padding, focus, onSelectGrid, onSelectProblem, tooltip, featureStates, label, describedBy }: Props) {
  const tip = useRef<HTMLDivElement>(null)
  const [hoverProps, setHoverProps] = useState<Record<string, unknown> | null>(null)
  const container = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)
  const onSelect = useRef(onSelectGrid)
  onSelect.current = onSelectGrid
  const onProblem = useRef(onSelectProblem)
  onProblem.current = onSelectProblem

  useEffect(() => {
    const m = createMap(container.current!, { zoom: 11.5, maxZoom: 18 })
    m.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right')
    m.on('load', () => setMap(m))
    window.__gridduty = { map: m }
    return () => {
      setMap(null)
      if (window.__gridduty?.map === m) delete window.__gridduty
      m.remove()
    }
  }, [])

  // Vector tiles carry no month values: they are joined by feature id as feature-state.
  const states = useMemo<FeatureStateSpec[] | undefined>(
    () => (featureStates ? [{ source: SRC.grids, sourceLayer: featureStates.sourceLayer, states: featureStates.states }] : undefined),
    [featureStates],
  )
  useMapLayers(map, sources, layers, { images: MAP_IMAGES, featureStates: states })

  // Hover highlight (feature-state) and click selection on the grid fill.
  useEffect(() => {
    if (!map) return
    let hovered: number | string | undefined
    // a vector-tile grid source needs its source layer named in feature-state calls
    const gridFeature = (id: number | string) => ({ source: SRC.grids, id, ...(map.getSource(SRC.grids)?.type === 'vector' ? { sourceLayer: GRID_SOURCE_LAYER } : {}) })
    const clearHover = () => {
      if (hovered !== undefined && map.getSource(SRC.grids)) map.setFeatureState(gridFeature(hovered), { hover: false })
      hovered = undefined
      map.getCanvas().style.cursor = ''
      setHoverProps(null)
    }
    const onMove = (e: MapMouseEvent) => {
      if (tip.current) tip.current.style.transform = `translate(${e.point.x + 14}px, ${e.point.y + 14}px)`
      const f = map.queryRenderedFeatures(e.point, { layers: GRID_HIT_LAYERS })[0]
      if (f?.id === hovered) return
      clearHover()
      if (f?.id !== undefined) {
        hovered = f.id
        map.setFeatureState(gridFeature(hovered), { hover: true })
        map.getCanvas().style.cursor = 'pointer'
        // on tiles the month's values are feature-state
        setHoverProps(f.state && 'inspectionStatus' in f.state ? { ...f.properties, ...f.state } : f.properties)
      }
    }
    const onClick = (e: MapMouseEvent) => {
      // problems above grids: a point opens the problem, a cluster zooms in
      const pointLayers = PROBLEM_HIT_LAYERS.filter((l) => map.getLayer(l) && map.getLayoutProperty(l, 'visibility') !== 'none')
      const p = pointLayers.length ? map.queryRenderedFeatures(e.point, { layers: pointLayers })[0] : undefined
      if (p?.properties?.cluster) { map.easeTo({ center: e.lngLat, zoom: map.getZoom() + 2 }); return }
      if (p && typeof p.properties?.id === 'number' && onProblem.current) { onProblem.current(p.properties.id); return }
      const f = map.queryRenderedFeatures(e.point, { layers: GRID_HIT_LAYERS })[0]
      onSelect.current(typeof f?.id === 'number' ? f.id : f?.id !== undefined ? Number(f.id) : null, [e.lngLat.lng, e.lngLat.lat])
    }
    map.on('mousemove', onMove)
    map.on('mouseout', clearHover)
    map.on('click', onClick)
    return () => {
      map.off('mousemove', onMove)
      map.off('mouseout', clearHover)
      map.off('click', onClick)
    }
  }, [map])

  const paddingRef = useRef(padding)
  paddingRef.current = padding
  const padOf = (m: MapLibreMap): Padding => {
    const p = paddingRef.current
    return typeof p === 'function' ? p(m.getContainer().clientWidth, m.getContainer().clientHeight) : p
  }
  useEffect(() => {
    if (!map || !camera) return
    const [w, s, e, n] = camera.bbox
    map.fitBounds([[w, s], [e, n]], {
      padding: padOf(map),
      maxZoom: 16,
      duration: camera.animate ? 900 : 0,
    })
  }, [map, camera])

  // Keep the focused point in the part of the map no panel covers (the phone's bottom sheet, the
  // desktop's side panel): if it is hidden, ease it to the middle of the free part (offset, not the
  // map's own padding, so later fitBounds calls are not shifted).
  useEffect(() => {
    if (!map || !focus) return
    // after the panel's layout (the padding follows it): next frame
    const raf = requestAnimationFrame(() => {
      const p = padOf(map)
      const el = map.getContainer()
      const pt = map.project(focus.center)
      const margin = 24
      const visible = pt.x >= p.left + margin && pt.x <= el.clientWidth - p.right - margin && pt.y >= p.top + margin && pt.y <= el.clientHeight - p.bottom - margin
      if (!visible) map.easeTo({ center: focus.center, offset: [(p.left - p.right) / 2, (p.top - p.bottom) / 2], duration: 400 })
    })
    return () => cancelAnimationFrame(raf)
  }, [map, focus])

  return (
    <>
      <div ref={container} className="map" data-testid="map" role="region" aria-label={label} aria-describedby={describedBy} />
      <div ref={tip} className="map-tooltip" hidden={!tooltip || !hoverProps} aria-hidden="true">
        {tooltip && hoverProps && tooltip(hoverProps)}
      </div>
    </>
  )
}
