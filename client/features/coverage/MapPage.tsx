/**
 * The coverage map (覆盖图): who holds which grid, this month's inspection status, open problems
 * and evaluation sites. All map state lives here, in React; the map draws it through layers.ts.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react'
import { keepPreviousData, skipToken, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import { useTRPC, type GridCollection, type GridLevel, type Me, type SearchHit } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { appText } from '../../app/text.ts'
import { usePatrolTrackLayer } from './patrolTrackLayer.ts'
import { GridTooltip } from './GridTooltip.tsx'
import { Legend } from './Legend.tsx'
import { MAP_SUMMARY_ID, MapSummary } from './MapSummary.tsx'
import { coverageText } from './text.ts'
import { MapControls, type ProblemDisplay } from './MapControls.tsx'
import { SearchBox } from './SearchBox.tsx'
import { departmentColours, mapLayers, mapSources, type ColourMode } from '../../map/layers.ts'
import { MapView, type Bbox, type CameraRequest, type FocusRequest, type Padding } from '../../map/MapView.tsx'
import { extentOf } from '../../map/extent.ts'
import { forcedGridMode, gridFeatureStates, gridMode, type GridMode, gridTileSource, GRID_SOURCE_LAYER, layersForTiles, statusAsCollection } from '../../map/gridTiles.ts'
import { SRC } from '../../map/layers.ts'
import { forcedProblemSource, problemSource, problemTileSource } from '../problems/mapLayers.ts'

// the grid panel (with the inspection form and its photo reader) loads when a grid is first opened,
// not before the first map (issue 14, target 6)
const GridPanel = lazy(() => import('./GridPanel.tsx').then((m) => ({ default: m.GridPanel })))

const NARROW = '(max-width: 720px)'
/** The phone's bottom sheet takes this part of the map's height (styles.css: .panel height 50%). */
const SHEET_FRACTION = 0.5

function useNarrow(): boolean {
  return useSyncExternalStore(
    (cb) => {
      const mq = window.matchMedia(NARROW)
      mq.addEventListener('change', cb)
      return () => mq.removeEventListener('change', cb)
    },
    () => window.matchMedia(NARROW).matches,
  )
}

/**
 * The first map's dependent reads, started as soon as the page renders and each answer arrives:
 * grid.status → (a small city) grid.list + grid.labels, problem.mapInfo → (few problems) problem.map.
 * Left to the components, each step waited for MapView to create the map (its effect runs first) and
 * for React to render again — about a second each on a throttled phone (issue 14, target 6). The
 * inputs are the ones MapPage's queries ask for first, so those find the answers in the cache.
 */
function prefetchFirstMap(qc: QueryClient, trpc: ReturnType<typeof useTRPC>, level: GridLevel, grids: GridMode | null, problems: ReturnType<typeof forcedProblemSource>): void {
  const ignore = () => undefined
  qc.fetchQuery(trpc.grid.status.queryOptions({ level })).then((status) => {
    if (gridMode(status, grids) !== 'geojson') return
    void qc.prefetchQuery(trpc.grid.list.queryOptions({ level }))
    void qc.prefetchQuery(trpc.grid.labels.queryOptions({ level }, { staleTime: 10 * 60_000 }))
  }, ignore)
  qc.fetchQuery(trpc.problem.mapInfo.queryOptions()).then((info) => {
    if (problemSource(info, problems) === 'geojson') void qc.prefetchQuery(trpc.problem.map.queryOptions())
  }, ignore)
}

function extent(fc: GridCollection): Bbox | null {
  return extentOf(fc as GeoJSON.FeatureCollection)
}

export function MapPage({ me }: { me: Me }) {
  const { t } = useT(appText)
  const { t: a11y } = useT(coverageText)
  const trpc = useTRPC()
  const narrow = useNarrow()

  const [level, setLevel] = useState<GridLevel>('community')
  // the district filter (null: the whole city): the map's grids and figures for one district
  const [districtId, setDistrictId] = useState<number | null>(null)
  const [pickedMonth, setMonth] = useState<string | null>(null)
  const [colourMode, setColourMode] = useState<ColourMode>('status')
  // #/?grid=123 opens that grid's panel (links from the integrity page)
  const [selectedId, setSelectedId] = useState<number | null>(() => Number(new URLSearchParams(window.location.hash.split('?')[1] ?? '').get('grid')) || null)
  const [showProblems, setShowProblems] = useState(true)
  const [showSites, setShowSites] = useState(true)
  const [problemMode, setProblemMode] = useState<ProblemDisplay>('points')
  const [camera, setCamera] = useState<CameraRequest | null>(null)
  const [focus, setFocus] = useState<FocusRequest | null>(null)

  const config = useQuery(trpc.meta.config.queryOptions(undefined, { staleTime: 10 * 60_000 }))
  const currentMonth = config.data?.month
  const month = pickedMonth ?? currentMonth
  const ready = month !== undefined

  const listOpts = { placeholderData: keepPreviousData }
  // Large cities draw grids from vector tiles + grid.status, small ones from grid.list (map/gridTiles.ts).
  const [forcedMode] = useState(forcedGridMode)
  const [forcedProblems] = useState(forcedProblemSource)
  const queryClient = useQueryClient()
  useState(() => prefetchFirstMap(queryClient, trpc, level, forcedMode, forcedProblems))
  const area = districtId === null ? {} : { districtId }
  // The current month is the server's default (its Beijing month, as meta.config's): the first map's
  // grid reads start at once instead of after meta.config (one round trip less on a phone, issue 14).
  const asked = pickedMonth !== null && pickedMonth !== currentMonth ? { month: pickedMonth } : {}
  const status = useQuery(trpc.grid.status.queryOptions({ level, ...asked, ...area }, listOpts))
  // the server's month moved on (a month ended with the map open): the controls follow the figures
  const shownMonth = status.isPlaceholderData ? undefined : status.data?.month
  const refetchConfig = config.refetch
  useEffect(() => {
    if (asked.month === undefined && shownMonth && currentMonth && shownMonth !== currentMonth) void refetchConfig()
  }, [asked.month, shownMonth, currentMonth, refetchConfig])
  const mode = gridMode(status.data, forcedMode)
  const grids = useQuery(trpc.grid.list.queryOptions(mode === 'geojson' ? { level, ...asked, ...area } : skipToken, listOpts))
  const districts = useQuery(trpc.grid.list.queryOptions({ level: 'district', ...asked }, listOpts))
  const streets = useQuery(trpc.grid.list.queryOptions({ level: 'street', ...asked }, listOpts))
  // names: one point per grid (on tiles they come inside the tiles)
  const labels = useQuery(trpc.grid.labels.queryOptions(mode === 'geojson' ? { level } : skipToken, { staleTime: 10 * 60_000 }))
  // many open problems come as the server's cluster tiles, a district's as one GeoJSON (features/problems/mapLayers.ts)
  const problemInfo = useQuery(trpc.problem.mapInfo.queryOptions(undefined, { refetchInterval: 60_000 }))
  const problemSrc = problemSource(problemInfo.data, forcedProblems)
  const problems = useQuery(trpc.problem.map.queryOptions(undefined, { enabled: problemSrc === 'geojson' }))
  const problemTiles = problemSrc === 'tiles' && problemInfo.data ? problemInfo.data : null
  const sites = useQuery(trpc.site.list.queryOptions())

  const sources = useMemo(
    () => {
      const s = mapSources({
        grids: mode === 'geojson' ? grids.data : undefined, labels: mode === 'geojson' ? labels.data : undefined, streets: streets.data,
        problems: problemTiles ? undefined : problems.data, sites: sites.data, config: config.data, clusterProblems: problemMode === 'clusters',
        problemTiles: problemTiles ? problemTileSource(window.location.origin, problemTiles) : undefined,
      })
      if (mode === 'tiles' && status.data) s[SRC.grids] = gridTileSource(status.data.level, status.data)
      return s
    },
    // the tile source changes with level and version only, not with every status refetch
    [mode, grids.data, labels.data, streets.data, problems.data, sites.data, config.data, status.data?.level, status.data?.tilesVersion, problemMode, problemTiles?.version, problemTiles?.tileMaxZoom],
  )
  const basemap = !!config.data?.basemapTiles
  // Colours by department come from the list of departments (not from what is on screen),
  // so that a department keeps its colour across levels and months.
  const departments = useQuery(trpc.department.list.queryOptions(undefined, { staleTime: 10 * 60_000 }))
  const colours = useMemo(
    () => departmentColours((departments.data ?? []).map((d) => d.id)),
    [departments.data],
  )
  const layers = useMemo(
    () => {
      const l = mapLayers({ level, colourMode, selectedId, showProblems, showSites, basemap, departmentColours: colours, problemMode: problemMode === 'points' ? undefined : problemMode, problemTiles: problemTiles !== null })
      return mode === 'tiles' ? layersForTiles(l, SRC.grids, SRC.gridLabels) : l
    },
    [level, colourMode, selectedId, showProblems, showSites, basemap, colours, mode, problemMode, problemTiles !== null],
  )

  const featureStates = useMemo(
    () => (mode === 'tiles' && status.data ? { sourceLayer: GRID_SOURCE_LAYER, states: gridFeatureStates(status.data) } : null),
    [mode, status.data],
  )
  const legendGrids = useMemo(
    () => (mode === 'tiles' && status.data ? statusAsCollection(status.data) : grids.data),
    [mode, status.data, grids.data],
  )

  // Fit the district once, when its streets first arrive.
  const fitted = useRef(false)
  useEffect(() => {
    if (fitted.current || !streets.data) return
    const box = extent(streets.data)
    if (box) {
      fitted.current = true
      setCamera({ bbox: box, animate: false })
    }
  }, [streets.data])

  const panelOpen = selectedId !== null
  useEffect(() => {
    if (!panelOpen) return
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setSelectedId(null) }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [panelOpen])

  // the room the cards take: on a phone the search on top, the control bar at the bottom and, when a
  // grid is open, the bottom sheet (half the map's height: .panel in styles.css, "phone map")
  const padding = useCallback((_w: number, h: number): Padding => narrow
    ? { top: 64, right: 16, bottom: panelOpen ? Math.round(h * SHEET_FRACTION) + 8 : 76, left: 16 }
    : { top: 40, right: panelOpen ? 420 : 40, bottom: 40, left: 340 }, [narrow, panelOpen])

  // a tapped grid stays visible: its label point (else where it was tapped) is kept out from under the panel
  const labelsById = useMemo(() => new Map((labels.data?.features ?? []).map((f) => [f.id as number, f.geometry.coordinates as [number, number]])), [labels.data])
  const selectGrid = useCallback((id: number | null, at?: [number, number]) => {
    setSelectedId(id)
    const center = id === null ? undefined : labelsById.get(id) ?? at
    if (center) setFocus({ center })
  }, [labelsById])

  // a problem point opens its detail (history, photos, actions) on the problems page
  const openProblem = useCallback((id: number) => { window.location.hash = `#/problems?id=${id}` }, [])

  const tooltip = useCallback((p: Record<string, unknown>) => <GridTooltip p={p} />, [])

  const pick = useCallback((hit: SearchHit) => {
    setLevel(hit.level)
    setSelectedId(hit.id)
    setCamera({ bbox: hit.bbox as Bbox, animate: true })
  }, [])

  const chooseDistrict = useCallback((id: number | null) => {
    setDistrictId(id)
    setSelectedId(null)
    const f = districts.data?.features.find((x) => x.properties.id === id)
    const box = f ? extent({ type: 'FeatureCollection', features: [f] } as GridCollection) : streets.data ? extent(streets.data) : null
    if (box) setCamera({ bbox: box, animate: true })
  }, [districts.data, streets.data])

  const controls = ready && currentMonth && (
    <MapControls
      level={level} onLevel={setLevel}
      month={month} maxMonth={currentMonth} onMonth={setMonth}
      colourMode={colourMode} onColourMode={setColourMode}
      showProblems={showProblems} onShowProblems={setShowProblems}
      showSites={showSites} onShowSites={setShowSites}
      problemMode={problemMode} onProblemMode={setProblemMode}
      districts={districts.data?.features.map((f) => ({ id: f.properties.id, name: f.properties.name }))} districtId={districtId} onDistrict={chooseDistrict}
    />
  )
  const legend = ready && (
    <Legend grids={legendGrids} departmentColours={colours} month={month} colourMode={colourMode} showProblems={showProblems} showSites={showSites} sites={sites.data} />
  )

  const drawn = usePatrolTrackLayer(sources, layers, selectedId, month)

  return (
    <main className={`map-page ${panelOpen ? 'panel-open' : ''}`}>
      <MapView sources={drawn.sources} layers={drawn.layers} camera={camera} padding={padding} focus={focus} onSelectGrid={selectGrid} onSelectProblem={openProblem} tooltip={tooltip} featureStates={featureStates} label={a11y('a11y.map')} describedBy={MAP_SUMMARY_ID} />
      <MapSummary grids={legendGrids} month={month ?? ''} />
      {!ready && <div className="map-loading">{t('map.loading')}</div>}
      <div className="map-overlay-left">
        <SearchBox onPick={pick} />
        {!narrow && controls}
      </div>
      {narrow
        // phone: legend and controls stacked at the bottom, within a thumb's reach; the legend scrolls
        ? <div className="map-bottom" data-testid="map-bottom">{legend}{controls}</div>
        : legend}
      {panelOpen && month && currentMonth && (
        <Suspense fallback={null}><GridPanel gridId={selectedId} month={month} currentMonth={currentMonth} me={me} onClose={() => selectGrid(null)} /></Suspense>
      )}
    </main>
  )
}
