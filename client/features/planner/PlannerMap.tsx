/**
 * The planner's map. What it draws — the draft grids (changed and selected ones highlighted), the
 * validation issues, the preview's changed areas and moved points — is declared as data from the
 * session and applied by `useMapLayers`, like the click that selects a grid. terra-draw edits the
 * selected grid with its own layers (kept above ours); a finished edit becomes one reducer action
 * (see plannerDraft.ts), which applies it topologically to the whole draft.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import 'maplibre-gl/dist/maplibre-gl.css'
import { MapLibreMap, type LayerSpecification } from 'maplibre-gl'
import { TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode, type GeoJSONStoreFeatures } from 'terra-draw'
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter'
import type { FeatureCollection, Polygon, Position } from 'geojson'
import { createMap } from '../../map/createMap.ts'
import { extentOf } from '../../map/extent.ts'
import { useMapLayers, type MapEventSpec } from '../../map/useMapLayers.ts'
import { snapPoint, type GridGeometry } from '../../../server/domain/boundary/topology.ts'
import { ringOf, type DraftState } from './plannerDraft.ts'
import { PLANNER_IMAGES, PLANNER_LAYERS, plannerSources } from './plannerLayers.ts'
import { IMPORT_PREVIEW_LAYERS, importPreviewSources } from './importLayers.ts'
import type { PlannerSession } from './usePlannerDraft.ts'
import { usePlannerText } from './text.ts'

declare global {
  interface Window { __planner?: { map: MapLibreMap; draw: TerraDraw; state: () => DraftState; select: (key: string | null) => void } }
}

/** Ask the map to fly to a point or fit a box (a new object each time, so the same place can be asked for twice). */
export interface FocusRequest { at?: [number, number]; bbox?: [number, number, number, number] }

const TD_ID = 'selected-grid'
/** snapping tolerance while dragging a vertex (screen pixels) */
const SNAP_PX = 10

export function PlannerMap({ planner, focus, focusMoved = null, importPreview = null }: { planner: PlannerSession; focus: FocusRequest | null; focusMoved?: string | null; importPreview?: FeatureCollection | null }) {
  const { t } = usePlannerText()
  const { session, state, dispatch, base } = planner
  const { selected, mode, issues, warnings, preview, reload } = session
  const container = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)
  const [draw, setDraw] = useState<TerraDraw | null>(null)
  const drawRef = useRef<TerraDraw | null>(null)

  // terra-draw's callbacks read the latest session
  const stateRef = useRef(state)
  stateRef.current = state
  const selectedRef = useRef(selected)
  selectedRef.current = selected
  const modeRef = useRef(mode)
  modeRef.current = mode
  const newGridLabel = useRef(t('newGrid'))
  newGridLabel.current = t('newGrid')

  useEffect(() => {
    const m = createMap(container.current!, { zoom: 12 })
    m.on('load', () => setMap(m))
    return () => { drawRef.current?.stop(); drawRef.current = null; setMap(null); m.remove() }
  }, [])

  // our layers, as data (grid data, issues and preview change the sources only)
  const { changedKeys } = planner
  const sources = useMemo(() => plannerSources({ state, selected, changedKeys, issues, warnings, preview, focusMoved }), [state, selected, changedKeys, issues, warnings, preview, focusMoved])
  const events = useMemo<MapEventSpec[]>(() => [{
    // clicking a grid selects it (when not on the terra-draw feature)
    type: 'click',
    layer: 'pl-fill',
    handler: (e) => {
      if (modeRef.current !== 'select') return
      const key = ('features' in e ? e.features?.[0]?.properties?.key : undefined) as string | undefined
      if (key && key !== selectedRef.current) dispatch({ type: 'select', key })
    },
  }], [dispatch])
  useMapLayers(map, sources, PLANNER_LAYERS, { images: PLANNER_IMAGES, events })
  // an imported file's outlines before they are loaded into the draft (BoundaryImport), over the grids
  const importSources = useMemo(() => importPreviewSources(importPreview), [importPreview])
  useMapLayers(map, importSources, IMPORT_PREVIEW_LAYERS)
  useEffect(() => {
    if (!map || !importPreview?.features.length) return
    const box = extentOf({ type: 'GeometryCollection', geometries: importPreview.features.map((f) => f.geometry as GridGeometry) })
    if (box) map.fitBounds([box[0], box[1], box[2], box[3]], { padding: 40, maxZoom: 16, animate: false })
  }, [map, importPreview])

  // terra-draw, started after our layers are on the map so that its own layers stay above them
  useEffect(() => {
    if (!map) return
    const td = new TerraDraw({
      adapter: new TerraDrawMapLibreGLAdapter({ map }),
      idStrategy: { isValidId: (id) => typeof id === 'string' && id.length > 0, getId: (() => { let n = 0; return () => `td-${++n}` })() },
      modes: [
        new TerraDrawSelectMode({
          flags: {
            polygon: {
              feature: {
                draggable: false,
                coordinates: {
                  draggable: true, deletable: true, midpoints: true,
                  snappable: {
                    // a neighbour's vertex within SNAP_PX, else the nearest point on a neighbour's edge
                    toCustom: (event, ctx) => {
                      const s = stateRef.current
                      if (!s) return undefined
                      const px = ctx.unproject(event.containerX + SNAP_PX, event.containerY)
                      const tol = Math.abs(px.lng - event.lng)
                      const own = s.grids.find((g) => g.key === selectedRef.current)
                      const ring = own ? ringOf(own.geometry as GridGeometry) : null
                      const snapshot = ctx.getCurrentGeometrySnapshot()
                      // the dragged vertex's original position: its own edges move with it, never snap onto them
                      const from = ring && snapshot?.type === 'Polygon' && snapshot.coordinates[0]!.length === ring.length && ctx.currentCoordinate !== undefined ? ring[ctx.currentCoordinate] : undefined
                      const others = s.grids.filter((g) => g.key !== selectedRef.current)
                      return snapPoint([event.lng, event.lat], others, tol, from)?.at
                    },
                  },
                },
              },
            },
          },
        }),
        new TerraDrawLineStringMode(),
        // the selected grid is a feature of this mode (terra-draw validates added features by their mode)
        new TerraDrawPolygonMode({ validation: () => ({ valid: true }) }),
      ],
    })
    td.start()
    drawRef.current = td
    setDraw(td)
    return () => {
      if (drawRef.current === td) { td.stop(); drawRef.current = null }
      setDraw(null)
    }
  }, [map])

  // fit to the streets once
  const fitted = useRef(false)
  useEffect(() => {
    if (!map || fitted.current) return
    const streets = [...base.values()].filter((g) => g.level === 'street').map((g) => g.geometry as GridGeometry)
    const box = extentOf({ type: 'GeometryCollection', geometries: streets })
    if (!box) return
    map.fitBounds([box[0], box[1], box[2], box[3]], { padding: 30, animate: false })
    fitted.current = true
  }, [map, base])

  // the selected grid in terra-draw (again after every change of the draft, and after a refused edit)
  useEffect(() => {
    if (!draw) return
    draw.clear()
    if (mode === 'new') { draw.setMode('polygon'); return }
    const g = state?.grids.find((x) => x.key === selected)
    if (!g || g.geometry.type !== 'Polygon') { draw.setMode('select'); return }
    const f = { id: TD_ID, type: 'Feature', properties: { mode: 'polygon' }, geometry: { type: 'Polygon', coordinates: [g.geometry.coordinates[0]!.map((p) => [p[0]!, p[1]!])] } } as GeoJSONStoreFeatures
    const [check] = draw.addFeatures([f])
    draw.setMode(mode === 'split' ? 'linestring' : 'select')
    if (!check?.valid) { dispatch({ type: 'notice', notice: { pre: `${g.name}: ${check?.reason ?? 'invalid'}` } }); return }
    if (mode === 'select') draw.selectFeature(TD_ID)
  }, [draw, state, selected, mode, reload, dispatch])

  // a finished edit in terra-draw → one action on the draft
  useEffect(() => {
    if (!draw) return
    const onFinish = (id: string | number) => {
      const s = stateRef.current, key = selectedRef.current
      const drawn = draw.getSnapshotFeature(id)
      if (s && modeRef.current === 'new' && drawn?.geometry.type === 'Polygon') { // a new grid in unassigned area of a street
        dispatch({ type: 'newGrid', polygon: drawn.geometry as Polygon, now: Date.now(), name: newGridLabel.current })
        return
      }
      if (!s || !key || !drawn || !s.grids.some((x) => x.key === key)) return
      if (drawn.geometry.type === 'LineString') { // split
        dispatch({ type: 'split', key, line: drawn.geometry.coordinates as Position[], now: Date.now(), newGridLabel: newGridLabel.current })
        return
      }
      if (drawn.geometry.type === 'Polygon') dispatch({ type: 'ring', key, ring: (drawn.geometry as Polygon).coordinates[0]! })
    }
    draw.on('finish', onFinish)
    return () => draw.off('finish', onFinish)
  }, [draw, dispatch])

  // for browser tests
  useEffect(() => {
    if (map && draw) window.__planner = { map, draw, state: () => stateRef.current!, select: (key) => dispatch({ type: 'select', key }) }
  }, [map, draw, dispatch])

  // an issue clicked in the panel
  useEffect(() => {
    if (!map || !focus) return
    if (focus.bbox) map.fitBounds(focus.bbox, { padding: 60, maxZoom: 17, duration: 600 })
    else if (focus.at) map.flyTo({ center: focus.at, zoom: Math.max(map.getZoom(), 15) })
  }, [map, focus])

  return <div ref={container} className="pl-map" data-testid="planner-map" data-import-preview={importPreview?.features.length ?? 0} role="region" aria-label={t('mapLabel')} />
}
