/**
 * 边界调整 (planner): redraw grid boundaries on a map without gaps or overlaps, see the live
 * validation and the impact preview (what moves to which grid and department), save as a version.
 * Editing is topological: terra-draw edits the selected grid, and every finished edit is applied to
 * the whole draft with the domain's moveVertex / addVertex / removeVertex, so a shared vertex moves
 * in all neighbours (and in the street, when the street shares it).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import 'maplibre-gl/dist/maplibre-gl.css'
import { MapLibreMap, type GeoJSONSource } from 'maplibre-gl'
import { createMap } from '../../map/createMap.ts'
import { TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode, type GeoJSONStoreFeatures } from 'terra-draw'
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter'
import type { FeatureCollection, Polygon, Position } from 'geojson'
import { useTRPC, type Me, type RouterInputs, type RouterOutputs } from '../../api.ts'
import { hatchImage } from '../../map/layers.ts'
import { addVertex, moveVertex, neighbours, removeVertex, snapPoint, type GridGeometry } from '../../../server/domain/boundary/topology.ts'
import { clipToStreet, differenceGeom, intersectGeom, mergeGrids, splitGrid, unionGeom } from '../../../server/domain/boundary/operations.ts'
import { booleanPointInPolygon, centroid } from '@turf/turf'
import { usePlannerText, type PlannerKey } from './text.ts'
import { formatDate, startOfChinaDay, todayInChina } from '../../../server/domain/time.ts'

type DraftInput = RouterInputs['boundary']['save']['draft']
type DG = DraftInput['grids'][number] & { numId: number }
interface DraftState { grids: DG[]; retire: number[] }
type Preview = RouterOutputs['boundary']['preview']
type Issue = RouterOutputs['boundary']['validate']['issues'][number]

declare global {
  interface Window { __planner?: { map: MapLibreMap; draw: TerraDraw; state: () => DraftState; select: (key: string | null) => void } }
}

const HATCH = 'planner-hatch'
const TD_ID = 'selected-grid'
/** snapping tolerance while dragging a vertex (screen pixels) */
const SNAP_PX = 10

function ringOf(g: GridGeometry): Position[] | null {
  return g.type === 'Polygon' ? g.coordinates[0]! : null
}
const same = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1]

/** The draft sent to the API: only grids that differ from the base (new ones included). */
function changedDraft(state: DraftState, base: Map<string, DG>): DraftInput {
  const grids = state.grids.filter((g) => {
    const b = base.get(g.key)
    return !b || JSON.stringify(b.geometry) !== JSON.stringify(g.geometry) || b.name !== g.name
  }).map(({ numId: _n, ...g }) => g)
  return { grids, retire: state.retire }
}

function download(name: string, mime: string, data: BlobPart) {
  const url = URL.createObjectURL(new Blob([data], { type: mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export function PlannerPage(_: { me: Me }) {
  const { t, errorText } = usePlannerText()
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const streets = useQuery(trpc.grid.list.queryOptions({ level: 'street' }))
  const communities = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))
  const current = useQuery(trpc.boundary.current.queryOptions())
  const versions = useQuery(trpc.boundary.versions.queryOptions())

  const base = useMemo(() => {
    const m = new Map<string, DG>()
    for (const fc of [streets.data, communities.data]) {
      for (const f of fc?.features ?? []) {
        const p = f.properties
        m.set(String(p.id), { key: String(p.id), id: p.id, numId: p.id, code: p.code, name: p.name, level: p.level as DG['level'], parentKey: p.parentId === null ? null : String(p.parentId), geometry: f.geometry as DraftInput['grids'][number]['geometry'] })
      }
    }
    return m
  }, [streets.data, communities.data])

  // the session: a history of draft states (undo/redo)
  const [history, setHistory] = useState<{ states: DraftState[]; at: number }>({ states: [], at: 0 })
  const state: DraftState | null = history.states[history.at] ?? null
  useEffect(() => {
    if (base.size && history.states.length === 0) setHistory({ states: [{ grids: [...base.values()], retire: [] }], at: 0 })
  }, [base, history.states.length])
  const stateRef = useRef(state)
  stateRef.current = state
  const commit = useCallback((next: DraftState) => {
    setHistory((h) => ({ states: [...h.states.slice(0, h.at + 1), next], at: h.at + 1 }))
  }, [])

  const [selected, setSelected] = useState<string | null>(null)
  const selectedRef = useRef(selected)
  selectedRef.current = selected
  const [mode, setMode] = useState<'select' | 'split' | 'new'>('select')
  const modeRef = useRef(mode)
  modeRef.current = mode
  const [message, setMessage] = useState<string | null>(null)
  const [accept, setAccept] = useState<string[]>([])
  const [reason, setReason] = useState('')
  const [effective, setEffective] = useState(() => todayInChina())
  const [preview, setPreview] = useState<Preview | null>(null)

  const draft = useMemo(() => (state ? changedDraft(state, base) : null), [state, base])
  const dirty = !!draft && (draft.grids.length > 0 || (draft.retire?.length ?? 0) > 0)

  // live validation (debounced)
  const [issues, setIssues] = useState<Issue[]>([])
  const validate = useMutation(trpc.boundary.validate.mutationOptions({ onSuccess: (r) => setIssues(r.issues) }))
  useEffect(() => {
    setPreview(null)
    if (!draft || !dirty) { setIssues([]); return }
    const h = setTimeout(() => validate.mutate({ draft }), 250)
    return () => clearTimeout(h)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft, dirty])

  const previewM = useMutation(trpc.boundary.preview.mutationOptions({ onSuccess: (r) => setPreview(r) }))
  const save = useMutation(trpc.boundary.save.mutationOptions({
    onSuccess: async (r) => {
      // refetch the grids first: the session restarts from the saved boundaries, not the cached ones
      await queryClient.invalidateQueries()
      setMessage(r.number === null ? t('scheduled') : `${t('saved')} ${r.number}`)
      setPreview(null)
      setSelected(null)
      setHistory({ states: [], at: 0 })
    },
  }))
  const cancel = useMutation(trpc.boundary.cancel.mutationOptions({
    onSuccess: async () => { await queryClient.invalidateQueries() },
  }))
  const revert = useMutation(trpc.boundary.revert.mutationOptions({
    onSuccess: async (r) => { await queryClient.invalidateQueries(); setMessage(`${t('saved')} ${r.number}`); setSelected(null); setHistory({ states: [], at: 0 }) },
  }))

  // ---- the map ----
  const container = useRef<HTMLDivElement>(null)
  const [map, setMap] = useState<MapLibreMap | null>(null)
  const drawRef = useRef<TerraDraw | null>(null)

  useEffect(() => {
    const m = createMap(container.current!, { zoom: 12 })
    m.on('load', () => {
      m.addImage(HATCH, hatchImage(), { pixelRatio: 2 })
      const empty: FeatureCollection = { type: 'FeatureCollection', features: [] }
      for (const id of ['pl-grids', 'pl-issues', 'pl-changed', 'pl-moved']) m.addSource(id, { type: 'geojson', data: empty })
      m.addLayer({ id: 'pl-fill', type: 'fill', source: 'pl-grids', filter: ['==', ['get', 'level'], 'community'], paint: { 'fill-color': ['case', ['get', 'selected'], '#f0b429', ['get', 'changed'], '#8fc1e3', '#cfd8e3'], 'fill-opacity': 0.45 } })
      m.addLayer({ id: 'pl-street-line', type: 'line', source: 'pl-grids', filter: ['==', ['get', 'level'], 'street'], paint: { 'line-color': '#1f2d3d', 'line-width': 2.5 } })
      m.addLayer({ id: 'pl-line', type: 'line', source: 'pl-grids', filter: ['==', ['get', 'level'], 'community'], paint: { 'line-color': '#3d5a80', 'line-width': 1 } })
      m.addLayer({ id: 'pl-changed-fill', type: 'fill', source: 'pl-changed', paint: { 'fill-pattern': HATCH, 'fill-opacity': 0.9 } })
      m.addLayer({ id: 'pl-changed-line', type: 'line', source: 'pl-changed', paint: { 'line-color': ['case', ['==', ['get', 'kind'], 'gained'], '#2a9d8f', '#e76f51'], 'line-width': 1.5, 'line-dasharray': [2, 1] } })
      m.addLayer({ id: 'pl-issue-fill', type: 'fill', source: 'pl-issues', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#d62828', 'fill-opacity': 0.35 } })
      m.addLayer({ id: 'pl-issue-point', type: 'circle', source: 'pl-issues', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': ['case', ['get', 'acceptable'], '#f4a261', '#d62828'], 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } })
      m.addLayer({ id: 'pl-moved', type: 'circle', source: 'pl-moved', paint: { 'circle-color': ['match', ['get', 'kind'], 'problem', '#c8102e', 'site', '#7b3fa0', '#1d3557'], 'circle-radius': 6, 'circle-stroke-color': '#ffd60a', 'circle-stroke-width': 3 } })

      const draw = new TerraDraw({
        adapter: new TerraDrawMapLibreGLAdapter({ map: m }),
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
      draw.start()
      drawRef.current = draw
      setMap(m)
    })
    return () => { drawRef.current?.stop(); drawRef.current = null; setMap(null); m.remove() }
  }, [])

  // fit to the data once
  const fitted = useRef(false)
  useEffect(() => {
    if (!map || fitted.current || !streets.data?.features.length) return
    let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity
    for (const f of streets.data.features) {
      const visit = (c: unknown): void => {
        if (Array.isArray(c) && typeof c[0] === 'number') { const [x, y] = c as [number, number]; w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y) } else if (Array.isArray(c)) c.forEach(visit)
      }
      visit((f.geometry as { coordinates: unknown }).coordinates)
    }
    map.fitBounds([w, s, e, n], { padding: 30, animate: false })
    fitted.current = true
  }, [map, streets.data])

  // draw the draft
  const changedKeys = useMemo(() => new Set(draft?.grids.map((g) => g.key) ?? []), [draft])
  useEffect(() => {
    if (!map || !state) return
    const fc: FeatureCollection = { type: 'FeatureCollection', features: state.grids.map((g) => ({ type: 'Feature', properties: { key: g.key, name: g.name, level: g.level, changed: changedKeys.has(g.key), selected: g.key === selected }, geometry: g.geometry as GridGeometry })) }
    ;(map.getSource('pl-grids') as GeoJSONSource | undefined)?.setData(fc)
  }, [map, state, selected, changedKeys])
  useEffect(() => {
    if (!map) return
    const feats = issues.flatMap((i) => [
      { type: 'Feature' as const, properties: { code: i.code, acceptable: i.acceptable }, geometry: { type: 'Point' as const, coordinates: i.at } },
      ...(i.geometry && (i.geometry.type === 'Polygon' || i.geometry.type === 'MultiPolygon') ? [{ type: 'Feature' as const, properties: { code: i.code, acceptable: i.acceptable }, geometry: i.geometry }] : []),
    ])
    ;(map.getSource('pl-issues') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: feats } as FeatureCollection)
  }, [map, issues])
  useEffect(() => {
    if (!map) return
    ;(map.getSource('pl-changed') as GeoJSONSource | undefined)?.setData((preview?.changedAreas ?? { type: 'FeatureCollection', features: [] }) as FeatureCollection)
    ;(map.getSource('pl-moved') as GeoJSONSource | undefined)?.setData({ type: 'FeatureCollection', features: (preview?.moved ?? []).map((m) => ({ type: 'Feature', properties: { kind: m.kind, id: m.id }, geometry: { type: 'Point', coordinates: [m.lng, m.lat] } })) })
  }, [map, preview])

  // the selected grid in terra-draw
  const loadSelected = useCallback(() => {
    const draw = drawRef.current
    if (!draw) return
    draw.clear()
    if (mode === 'new') { draw.setMode('polygon'); return }
    const g = stateRef.current?.grids.find((x) => x.key === selectedRef.current)
    if (!g || g.geometry.type !== 'Polygon') { draw.setMode('select'); return }
    const f = { id: TD_ID, type: 'Feature', properties: { mode: 'polygon' }, geometry: { type: 'Polygon', coordinates: [g.geometry.coordinates[0]!.map((p) => [p[0]!, p[1]!])] } } as GeoJSONStoreFeatures
    const [check] = draw.addFeatures([f])
    draw.setMode(mode === 'split' ? 'linestring' : 'select')
    if (!check?.valid) { setMessage(`${g.name}: ${check?.reason ?? 'invalid'}`); return }
    if (mode === 'select') draw.selectFeature(TD_ID)
  }, [mode])
  useEffect(() => { if (map) loadSelected() }, [map, selected, mode, history.at, loadSelected])

  // a finished edit in terra-draw → the topological edit over the whole draft
  useEffect(() => {
    const draw = drawRef.current
    if (!draw) return
    const onFinish = (id: string | number) => {
      const s = stateRef.current, key = selectedRef.current
      const drawn = draw.getSnapshotFeature(id)
      if (s && modeRef.current === 'new' && drawn?.geometry.type === 'Polygon') { // a new grid in unassigned area of a street
        const poly = drawn.geometry as Polygon
        const c = centroid(poly).geometry.coordinates
        const street = s.grids.find((g) => g.level === 'street' && booleanPointInPolygon(c, g.geometry as GridGeometry))
        const kids = street ? s.grids.filter((g) => g.parentKey === street.key).map((g) => g.geometry as GridGeometry) : []
        const covered = unionGeom(kids)
        const gap = street ? (covered ? differenceGeom(street.geometry as GridGeometry, covered) : (street.geometry as GridGeometry)) : null
        const geom = gap ? intersectGeom(poly, gap) : null
        if (!street || !geom) { setMessage(t('noGap')); loadSelected(); return }
        const seq = 900 + s.grids.filter((g) => g.parentKey === street.key).length + 1
        const fresh: DG = { key: `new:${Date.now()}`, id: null, numId: -Date.now(), code: `${street.code.slice(0, 9)}${seq}`, name: t('newGrid'), level: 'community', parentKey: street.key, geometry: geom as DG['geometry'] }
        commit({ grids: [...s.grids, fresh], retire: s.retire })
        setSelected(fresh.key)
        setMode('select')
        return
      }
      if (!s || !key) return
      const g = s.grids.find((x) => x.key === key)
      const feature = draw.getSnapshotFeature(id)
      if (!g || !feature) return
      if (feature.geometry.type === 'LineString') { // split
        try {
          const [a, b] = splitGrid(g.geometry as GridGeometry, feature.geometry.coordinates as Position[])
          const seq = s.grids.filter((x) => x.parentKey === g.parentKey).length + 1
          const code = `${g.code.slice(0, g.code.length - 3)}${String(900 + seq).slice(-3)}`
          const fresh: DG = { ...g, key: `new:${Date.now()}`, id: null, numId: -Date.now(), code, name: `${g.name}（${t('newGrid')}）`, geometry: b as DG['geometry'] }
          commit({ grids: [...s.grids.map((x) => (x.key === key ? { ...x, geometry: a as DG['geometry'] } : x)), fresh], retire: s.retire })
          setMode('select')
        } catch (e) { setMessage(`${t('splitFailed')}: ${(e as Error).message}`); loadSelected() }
        return
      }
      const oldRing = ringOf(g.geometry as GridGeometry)
      const newRing = (feature.geometry as Polygon).coordinates[0]!
      if (!oldRing) return
      type Grid = DG & { geometry: GridGeometry }
      let grids = s.grids as Grid[]
      if (newRing.length === oldRing.length) {
        const i = oldRing.findIndex((p, k) => !same(p, newRing[k]!))
        if (i < 0) return
        // terra-draw rounds coordinates (9 decimals): re-snap to recover the exact vertex / edge point
        const others = grids.filter((x) => x.key !== key)
        const to = snapPoint(newRing[i]!, others, 1e-8, oldRing[i]!)?.at ?? newRing[i]!
        grids = moveVertex(grids, oldRing[i]!, to)
      } else if (newRing.length === oldRing.length + 1) {
        const i = newRing.findIndex((p, k) => !oldRing[k] || !same(p, oldRing[k]!))
        grids = addVertex(grids, oldRing[i - 1]!, oldRing[i]!, newRing[i]!)
      } else if (newRing.length === oldRing.length - 1) {
        const i = oldRing.findIndex((p, k) => !newRing[k] || !same(p, newRing[k]!))
        grids = removeVertex(grids, oldRing[i]!)
      } else return
      commit({ grids, retire: s.retire })
    }
    draw.on('finish', onFinish)
    return () => draw.off('finish', onFinish)
  }, [map, commit, loadSelected, t])

  // clicking a grid selects it (when not on the terra-draw feature)
  useEffect(() => {
    if (!map) return
    const onClick = (e: { point: { x: number; y: number } }) => {
      if (mode !== 'select') return
      const hit = map.queryRenderedFeatures([e.point.x, e.point.y], { layers: ['pl-fill'] })[0]
      const key = hit?.properties?.key as string | undefined
      if (key && key !== selectedRef.current) setSelected(key)
    }
    map.on('click', onClick)
    return () => { map.off('click', onClick) }
  }, [map, mode])

  useEffect(() => {
    if (map && drawRef.current) window.__planner = { map, draw: drawRef.current, state: () => stateRef.current!, select: setSelected }
  }, [map])

  // keyboard undo/redo
  const undo = useCallback(() => setHistory((h) => ({ ...h, at: Math.max(0, h.at - 1) })), [])
  const redo = useCallback(() => setHistory((h) => ({ ...h, at: Math.min(h.states.length - 1, h.at + 1) })), [])
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || (e.target as HTMLElement).tagName === 'INPUT') return
      if (e.key === 'z' && !e.shiftKey) { e.preventDefault(); undo() } else if (e.key === 'y' || (e.key === 'z' && e.shiftKey)) { e.preventDefault(); redo() }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [undo, redo])

  const sel = state?.grids.find((g) => g.key === selected) ?? null
  const neighbourList = useMemo(() => {
    if (!state || !sel) return []
    const same = state.grids.filter((g) => g.level === sel.level).map((g, i) => ({ ...g, id: i, geometry: g.geometry as GridGeometry }))
    const idx = same.findIndex((g) => g.key === sel.key)
    const n = neighbours(same).get(idx) ?? new Set<number>()
    return [...n].map((i) => same[i]!).filter((g) => g.parentKey === sel.parentKey)
  }, [state, sel])

  const doMerge = (otherKey: string) => {
    if (!state || !sel) return
    const other = state.grids.find((g) => g.key === otherKey)!
    try {
      const merged = mergeGrids(sel.geometry as GridGeometry, other.geometry as GridGeometry)
      commit({ grids: state.grids.filter((g) => g.key !== otherKey).map((g) => (g.key === sel.key ? { ...g, geometry: merged as DG['geometry'] } : g)), retire: other.id ? [...state.retire, other.id] : state.retire })
    } catch (e) { setMessage(`${t('mergeFailed')}: ${(e as Error).message}`) }
  }

  /** A redrawn street: clip its communities to it (what it gained goes to the neighbouring community). */
  const doClip = () => {
    if (!state || !sel || sel.level !== 'street') return
    const kids = state.grids.filter((g) => g.parentKey === sel.key).map((g) => ({ ...g, geometry: g.geometry as GridGeometry }))
    const { communities: clipped, unassigned } = clipToStreet(kids, sel.geometry as GridGeometry)
    const byKey = new Map(clipped.map((c) => [c.key, c.geometry]))
    const gone = clipped.filter((c) => !c.geometry).map((c) => c.id).filter((id): id is number => id !== null)
    commit({
      grids: state.grids.filter((g) => !(byKey.has(g.key) && !byKey.get(g.key))).map((g) => (byKey.has(g.key) ? { ...g, geometry: byKey.get(g.key)! as DG['geometry'] } : g)),
      retire: [...state.retire, ...gone],
    })
    if (unassigned.length) setMessage(`${unassigned.length} ${t('unassigned')}`)
  }

  const blocking = issues.filter((i) => !i.acceptable || !accept.includes(i.code))
  const acceptableCodes = [...new Set(issues.filter((i) => i.acceptable).map((i) => i.code))]
  const kindLabel = (k: string) => t(k as PlannerKey)
  const m2 = (v: number) => (Math.abs(v) >= 1e4 ? `${(v / 1e6).toFixed(3)} km²` : `${v.toFixed(0)} m²`)

  return (
    <main className="planner" data-testid="planner" style={{ display: 'flex', flexWrap: 'wrap', height: 'calc(100vh - 56px)' }}>
      <div ref={container} style={{ flex: '1 1 420px', minHeight: 320, position: 'relative' }} data-testid="planner-map" />
      <aside style={{ flex: '1 1 340px', maxWidth: '100%', overflow: 'auto', padding: 12, boxSizing: 'border-box', fontSize: 14 }}>
        <h2 style={{ marginTop: 0 }}>{t('title')}</h2>
        <p>{t('version')}：<b data-testid="planner-version">{current.data?.version ?? '…'}</b></p>
        <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6 }}>
          <button type="button" aria-pressed={mode === 'select'} onClick={() => setMode('select')}>{t('modeSelect')}</button>
          <button type="button" aria-pressed={mode === 'split'} disabled={!sel} onClick={() => setMode('split')} data-testid="planner-split">{t('modeSplit')}</button>
          <button type="button" aria-pressed={mode === 'new'} onClick={() => setMode('new')} data-testid="planner-new">{t('modeNew')}</button>
          <button type="button" onClick={undo} disabled={history.at === 0} data-testid="planner-undo">{t('undo')}</button>
          <button type="button" onClick={redo} disabled={history.at >= history.states.length - 1}>{t('redo')}</button>
          <button type="button" onClick={() => { setHistory({ states: [], at: 0 }); setSelected(null) }} disabled={!dirty}>{t('reset')}</button>
        </div>
        <p style={{ color: '#555' }}>{mode === 'split' ? t('hintSplit') : mode === 'new' ? t('hintNew') : t('hintSelect')}</p>
        <p>{t('selected')}：<b data-testid="planner-selected">{sel ? `${sel.name}（${sel.code}）` : t('none')}</b></p>
        {sel && neighbourList.length > 0 && (
          <label>{t('merge')}：{' '}
            <select value="" onChange={(e) => e.target.value && doMerge(e.target.value)} data-testid="planner-merge">
              <option value="">{t('mergeWith')}</option>
              {neighbourList.map((g) => <option key={g.key} value={g.key}>{g.name}</option>)}
            </select>
          </label>
        )}
        {sel?.level === 'street' && <button type="button" onClick={doClip} data-testid="planner-clip">{t('clip')}</button>}
        {message && <p role="status" data-testid="planner-message">{message}</p>}

        <h3>{t('validation')} {validate.isPending && <small>{t('validating')}</small>}</h3>
        {!dirty ? <p>{t('nothing')}</p> : issues.length === 0 ? <p data-testid="planner-valid">{t('valid')}</p> : (
          <ul data-testid="planner-issues">
            {issues.map((i, k) => (
              <li key={k} style={{ color: i.acceptable ? '#9a5b00' : '#b00020', cursor: 'pointer' }} onClick={() => map?.flyTo({ center: i.at as [number, number], zoom: Math.max(map.getZoom(), 15) })}>
                [{i.code}] {i.message} <small>（{i.acceptable ? t('acceptable') : t('blocking')}）</small>
              </li>
            ))}
          </ul>
        )}
        {acceptableCodes.map((c) => (
          <label key={c} style={{ display: 'block' }}>
            <input type="checkbox" checked={accept.includes(c)} onChange={(e) => setAccept(e.target.checked ? [...accept, c] : accept.filter((x) => x !== c))} /> {t('accept')} {c}
          </label>
        ))}

        <h3>{t('preview')}</h3>
        <button type="button" disabled={!dirty || previewM.isPending} onClick={() => draft && previewM.mutate({ draft, effectiveFrom: startOfChinaDay(effective).toISOString() })} data-testid="planner-preview">
          {previewM.isPending ? t('previewing') : t('preview')}
        </button>
        {previewM.error && <p role="alert">{errorText(previewM.error)}</p>}
        {preview && (
          <div data-testid="planner-impact">
            <button type="button" onClick={() => download('impact.csv', 'text/csv;charset=utf-8', preview.csv)}>{t('exportCsv')}</button>
            <p><small>{t('stats', { c: preview.stats.candidates, b: preview.stats.inBbox, r: preview.stats.relocated })}</small></p>
            <h4>{t('area')}</h4>
            <ul>{preview.grids.map((g) => <li key={g.id}>{g.name}：{t('gained')} {m2(g.gained)}，{t('lost')} {m2(g.lost)}</li>)}</ul>
            <h4>{t('moved')}（{preview.moved.length}）</h4>
            <div style={{ overflowX: 'auto' }}>
              <table data-testid="planner-moved">
                <thead><tr><th>{t('kind')}</th><th>#</th><th>{t('from')}</th><th>{t('to')}</th></tr></thead>
                <tbody>
                  {preview.moved.map((m) => (
                    <tr key={`${m.kind}:${m.id}`} data-kind={m.kind} data-id={m.id}>
                      <td>{kindLabel(m.kind)}{m.open !== null && `（${m.open ? t('open') : t('closed')}）`}</td>
                      <td>{m.id} {m.label}</td>
                      <td>{m.from.gridName ?? '—'} / {m.from.departmentName ?? '—'}</td>
                      <td>{m.to.gridName ?? '—'} / {m.to.departmentName ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h4>{t('departments')}</h4>
            <ul>
              {preview.departments.map((d) => (
                <li key={d.departmentId}>
                  {d.departmentName}：{t('gained')} {m2(d.areaGained)}，{t('lost')} {m2(d.areaLost)}
                  {d.handoverOut.length > 0 && <div>{t('handover')}：{d.handoverOut.map((m) => `#${m.id} ${m.label} → ${m.to.departmentName ?? '—'}`).join('；')}</div>}
                </li>
              ))}
            </ul>
            {preview.unheldGrids.length > 0 && <p>{t('unheld')}：{preview.unheldGrids.map((g) => g.name).join('、')}</p>}
          </div>
        )}

        <h3>{t('save')}</h3>
        <label style={{ display: 'block' }}>{t('reason')} <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="planner-reason" style={{ width: '100%' }} /></label>
        <label style={{ display: 'block' }}>{t('effectiveFrom')} <input type="date" value={effective} onChange={(e) => setEffective(e.target.value)} /></label>
        <button type="button" disabled={!dirty || blocking.length > 0 || reason.trim().length < 2 || save.isPending || current.data === undefined} data-testid="planner-save"
          onClick={() => draft && current.data && save.mutate({ draft, baseVersion: current.data.version, effectiveFrom: startOfChinaDay(effective).toISOString(), reason: reason.trim(), accept })}>
          {save.isPending ? t('saving') : t('save')}
        </button>
        {save.error && <p role="alert" data-testid="planner-save-error">{errorText(save.error)}</p>}

        <ImportPanel onDraft={(d) => {
          if (!state) return
          const byKey = new Map(state.grids.map((g) => [g.key, g]))
          for (const g of d.grids) byKey.set(g.key, { ...g, numId: g.id ?? -byKey.size - 1 })
          commit({ grids: [...byKey.values()], retire: state.retire })
        }} />

        <h3>{t('versions')}</h3>
        <ul data-testid="planner-versions">
          {(versions.data ?? []).map((v) => v.status === 'applied' ? (
            <li key={v.id}>
              v{v.number} · {formatDate(v.effectiveFrom)} · {v.author ?? '—'} · {v.reason}{' '}
              <ExportButtons version={v.number} />
              {current.data && v.number < current.data.version && <button type="button" onClick={() => revert.mutate({ version: v.number, baseVersion: current.data!.version })}>{t('revert')}</button>}
            </li>
          ) : (
            <li key={v.id} data-testid={`planner-${v.status}`}>
              <strong>{t(v.status === 'pending' ? 'pending' : 'cancelled')}</strong> · {formatDate(v.effectiveFrom)} · {v.author ?? '—'} · {v.reason}{v.cancelReason && v.status === 'cancelled' ? `（${v.cancelReason}）` : ''}{' '}
              {v.status === 'pending' && <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate({ id: v.id })}>{t('cancelPending')}</button>}
            </li>
          ))}
        </ul>
        {cancel.error && <p role="alert">{errorText(cancel.error)}</p>}
        <ExportButtons version={undefined} />
      </aside>
    </main>
  )
}

function ExportButtons({ version }: { version: number | undefined }) {
  const { t } = usePlannerText()
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const get = async (format: 'geojson' | 'shapefile' | 'assignments') => {
    const r = await queryClient.fetchQuery(trpc.boundary.export.queryOptions({ version, format }))
    download(r.fileName, r.mime, Uint8Array.from(atob(r.base64), (c) => c.charCodeAt(0)))
  }
  return (
    <span>
      {t('export')}：
      <button type="button" onClick={() => void get('geojson')}>GeoJSON</button>
      <button type="button" onClick={() => void get('shapefile')}>Shapefile</button>
      <button type="button" onClick={() => void get('assignments')}>CSV</button>
    </span>
  )
}

function ImportPanel({ onDraft }: { onDraft: (d: RouterOutputs['boundary']['importFile']['draft']) => void }) {
  const { t, errorText } = usePlannerText()
  const trpc = useTRPC()
  const [file, setFile] = useState<File | null>(null)
  const [nameField, setNameField] = useState('name')
  const [codeField, setCodeField] = useState('code')
  const [level, setLevel] = useState<'street' | 'community'>('community')
  const [coordSystem, setCoords] = useState<'wgs84' | 'gcj02' | 'bd09'>('wgs84')
  const imp = useMutation(trpc.boundary.importFile.mutationOptions({ onSuccess: (r) => onDraft(r.draft) }))
  const run = async () => {
    if (!file) return
    const isZip = /\.zip$/i.test(file.name)
    const data = isZip ? btoa(String.fromCharCode(...new Uint8Array(await file.arrayBuffer()))) : await file.text()
    imp.mutate({ fileName: file.name, format: isZip ? 'shapefile' : 'geojson', data, nameField, codeField, level, coordSystem })
  }
  return (
    <section>
      <h3>{t('importTitle')}</h3>
      <label style={{ display: 'block' }}>{t('importFile')} <input type="file" accept=".geojson,.json,.zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} /></label>
      <label>{t('nameField')} <input value={nameField} onChange={(e) => setNameField(e.target.value)} size={8} /></label>{' '}
      <label>{t('codeField')} <input value={codeField} onChange={(e) => setCodeField(e.target.value)} size={8} /></label>{' '}
      <label>{t('level')} <select value={level} onChange={(e) => setLevel(e.target.value as 'street' | 'community')}><option value="street">{t('street')}</option><option value="community">{t('community')}</option></select></label>{' '}
      <label>{t('coords')} <select value={coordSystem} onChange={(e) => setCoords(e.target.value as 'wgs84' | 'gcj02' | 'bd09')}><option value="wgs84">WGS84</option><option value="gcj02">GCJ-02</option><option value="bd09">BD-09</option></select></label>{' '}
      <button type="button" disabled={!file || imp.isPending} onClick={() => void run()}>{t('doImport')}</button>
      {imp.data && <p>{imp.data.draft.grids.length} · {imp.data.skipped.length} skipped · {imp.data.issues.length} issues</p>}
      {imp.error && <p role="alert">{errorText(imp.error)}</p>}
    </section>
  )
}
