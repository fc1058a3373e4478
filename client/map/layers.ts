/**
 * The coverage map's style, declared as data: the sources and the ordered layer list are plain
 * functions of React state (level, colour mode, selection, toggles). `useMapLayers` applies them.
 *
 * The style is self-contained: no tile server and no glyph server is reachable from a government
 * intranet, so the style is a background plus our own GeoJSON (and an optional raster basemap when
 * the server is configured with one).
 *
 * Labels and glyphs: the style deliberately has NO `glyphs` URL. Since MapLibre 5.11 (we run 6.x)
 * an absent `glyphs` means every glyph — CJK through `localIdeographFontFamily`, Latin and digits
 * through the `text-font` stack as CSS font families — is drawn locally with TinySDF. That renders
 * grid names, codes and numbers with the system's Noto CJK fonts and makes zero glyph requests, so
 * there are no 404s in the console. (A dummy `/glyphs/{fontstack}/{range}.pbf` URL would also render
 * — MapLibre falls back to local drawing when a range fails — but at the price of one failed request
 * and a console warning per Latin range.)
 */
import type {
  DataDrivenPropertyValueSpecification,
  ExpressionSpecification,
  FilterSpecification,
  LayerSpecification,
  SourceSpecification,
  StyleSpecification,
} from 'maplibre-gl'
import type { AppConfig, GridCollection, GridLevel, RouterOutputs } from '../api.ts'
import type { SourceSpecs } from './useMapLayers.ts'
import { PROBLEM_COLOURS, SITE_COLOUR } from '../../server/domain/vocabulary/palette.ts'
import { colours } from '../../server/domain/vocabulary/status.ts'
import { gridLabelLayer, gridLabelSource, type GridLabels } from './gridLabels.ts'
import { problemClusterSource, problemModeLayers, problemTileLayers, PROBLEM_CLUSTER_SOURCE, type ProblemMode } from '../features/problems/mapLayers.ts'

export type ColourMode = 'status' | 'department' | 'open' | 'overdue'
export const COLOUR_MODES: readonly ColourMode[] = ['status', 'department', 'open', 'overdue']

/** Colour by a count of problems (open, or overdue): bins [from, colour], from 0 up. */
export const COUNT_BINS: readonly (readonly [number, string])[] = [[0, '#eef2f6'], [1, '#fde2c4'], [3, '#f7ab6a'], [6, '#e4572e'], [10, '#9d1c1f']]
export const COUNT_KEY = { open: 'openProblems', overdue: 'overdueProblems' } as const

export interface LayerState {
  level: GridLevel
  colourMode: ColourMode
  selectedId: number | null
  showProblems: boolean
  showSites: boolean
  basemap: boolean
  /** Holder department → colour, for colour mode 'department' (see departmentColours). */
  departmentColours: ReadonlyMap<number, string>
  /** problems as status-coloured clusters or a heatmap instead of plain points (clusters need mapSources' clusterProblems) */
  problemMode?: ProblemMode
  /** problems come from the server's cluster tiles (mapSources' problemTiles): the plain points stay empty */
  problemTiles?: boolean
}

export const LOCAL_IDEOGRAPH_FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"

export const SRC = {
  basemap: 'basemap',
  grids: 'grids',
  /** one point per grid (grid.labels): the names, drawn once per grid (gridLabels.ts) */
  gridLabels: 'grid-labels',
  streets: 'streets',
  problems: 'problems',
  sites: 'sites',
} as const

export const LAYER = {
  basemap: 'basemap',
  gridFill: 'grid-fill',
  gridHatch: 'grid-unheld-hatch',
  gridLine: 'grid-line',
  gridUnheldLine: 'grid-unheld-line',
  gridHover: 'grid-hover',
  streetLine: 'street-line',
  gridSelected: 'grid-selected',
  sites: 'sites',
  problems: 'problems',
  gridLabel: 'grid-label',
  streetLabel: 'street-label',
} as const

/** Layers a click or hover on a grid is read from. */
export const GRID_HIT_LAYERS = [LAYER.gridFill]

/** Colours by meaning and by status: server/domain/vocabulary (the one palette). */
const GRID_MONTH_COLOURS = colours('gridMonth')
/** Site readiness (达标情况, from site.list; rules in server/domain/evaluation/readiness.ts): the sites' fill. */
const READINESS_FILL = colours('readiness')

/** The department palette and its assignment live with the other colours (server/domain/vocabulary/palette.ts). */
export { DEPARTMENT_PALETTE, departmentColours } from '../../server/domain/vocabulary/palette.ts'

export const HATCH_IMAGE = 'hatch-unheld'

/** Diagonal grey hatching for grids nobody holds (RGBA pixels, drawn here: no sprite server). */
export function hatchImage(size = 12): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = (x + y) % size
      const ink = d < 2 || d === size - 1
      const o = (y * size + x) * 4
      data.set(ink ? [88, 96, 106, 200] : [205, 210, 216, 110], o)
    }
  }
  return { width: size, height: size, data }
}

export function baseStyle(): StyleSpecification {
  return {
    version: 8,
    name: 'GridDuty',
    // No "glyphs": see the note at the top of this file.
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#e9edf1' } }],
  }
}

const unheld: ExpressionSpecification = ['==', ['get', 'holderDepartmentId'], null]
const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false]

function fillColour(s: LayerState): DataDrivenPropertyValueSpecification<string> {
  if (s.colourMode === 'open' || s.colourMode === 'overdue') {
    const steps = COUNT_BINS.slice(1).flatMap(([from, colour]) => [from, colour])
    return ['step', ['to-number', ['get', COUNT_KEY[s.colourMode]], 0], COUNT_BINS[0]![1], ...steps] as unknown as ExpressionSpecification
  }
  if (s.colourMode === 'department' && s.departmentColours.size > 0) {
    const pairs = [...s.departmentColours].flatMap(([id, colour]) => [id, colour])
    return ['case', unheld, GRID_MONTH_COLOURS.unheld,
      ['match', ['to-number', ['get', 'holderDepartmentId']], ...pairs, GRID_MONTH_COLOURS.unheld] as unknown as ExpressionSpecification]
  }
  return ['case', unheld, GRID_MONTH_COLOURS.unheld,
    ['match', ['get', 'inspectionStatus'],
      'done', GRID_MONTH_COLOURS.done,
      'pending', GRID_MONTH_COLOURS.pending,
      'missed', GRID_MONTH_COLOURS.missed,
      'unverified', GRID_MONTH_COLOURS.unverified,
      GRID_MONTH_COLOURS.unheld]]
}

export function mapLayers(s: LayerState): LayerSpecification[] {
  const community = s.level === 'community'
  const baseOpacity = s.basemap ? 0.5 : 0.72
  const selectedFilter: FilterSpecification = ['==', ['id'], s.selectedId ?? -1]
  const layers: LayerSpecification[] = []

  if (s.basemap) layers.push({ id: LAYER.basemap, type: 'raster', source: SRC.basemap, paint: { 'raster-saturation': -0.4 } })

  layers.push(
    {
      id: LAYER.gridFill,
      type: 'fill',
      source: SRC.grids,
      paint: {
        'fill-color': fillColour(s),
        'fill-opacity': ['case', hovered, Math.min(1, baseOpacity + 0.2), baseOpacity],
      },
    },
    {
      id: LAYER.gridHatch,
      type: 'fill',
      source: SRC.grids,
      filter: unheld,
      paint: { 'fill-pattern': HATCH_IMAGE, 'fill-opacity': 0.9 },
    },
    {
      id: LAYER.gridLine,
      type: 'line',
      source: SRC.grids,
      layout: { 'line-join': 'round' },
      paint: {
        'line-color': '#ffffff',
        'line-width': community ? ['interpolate', ['linear'], ['zoom'], 11, 0.8, 15, 2] : 1.5,
        'line-opacity': 0.95,
      },
    },
    {
      id: LAYER.gridUnheldLine,
      type: 'line',
      source: SRC.grids,
      filter: unheld,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#3c4650', 'line-width': 2, 'line-dasharray': [2, 1.5] },
    },
    {
      id: LAYER.gridHover,
      type: 'line',
      source: SRC.grids,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#1f2d3d', 'line-width': 2, 'line-opacity': ['case', hovered, 0.9, 0] },
    },
    {
      id: LAYER.streetLine,
      type: 'line',
      source: SRC.streets,
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: {
        'line-color': '#2b3a4a',
        'line-width': community ? ['interpolate', ['linear'], ['zoom'], 11, 2, 15, 4] : ['interpolate', ['linear'], ['zoom'], 11, 2.5, 15, 5],
        'line-opacity': 0.9,
      },
    },
    {
      id: LAYER.gridSelected,
      type: 'line',
      source: SRC.grids,
      filter: selectedFilter,
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#0b57d0', 'line-width': 4 },
    },
    {
      id: LAYER.sites,
      type: 'circle',
      source: SRC.sites,
      layout: { visibility: s.showSites ? 'visible' : 'none' },
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, 3, 15, 6],
        // readiness layer: sites filled by readiness
        'circle-color': ['match', ['get', 'readiness'],
          'ready', READINESS_FILL.ready, 'at_risk', READINESS_FILL.at_risk, 'not_ready', READINESS_FILL.not_ready,
          READINESS_FILL.unassessed],
        'circle-stroke-color': SITE_COLOUR,
        'circle-stroke-width': ['interpolate', ['linear'], ['zoom'], 11, 1.5, 15, 2.5],
      },
    },
    {
      id: LAYER.problems,
      type: 'circle',
      source: SRC.problems,
      layout: { visibility: s.showProblems && !s.problemMode && !s.problemTiles ? 'visible' : 'none', 'circle-sort-key': ['case', ['get', 'overdue'], 1, 0] },
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 11, ['case', ['get', 'overdue'], 3.5, 2.5], 15, ['case', ['get', 'overdue'], 7, 5]],
        'circle-color': ['case', ['get', 'overdue'], PROBLEM_COLOURS.overdue, PROBLEM_COLOURS.open],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 1,
      },
    },
    gridLabelLayer({ id: LAYER.gridLabel, source: SRC.gridLabels, level: s.level }),
  )
  if (s.problemTiles) layers.push(...problemTileLayers(s.problemMode, s.showProblems))
  else if (s.problemMode) layers.push(...problemModeLayers(s.problemMode, s.showProblems, SRC.problems))
  return layers
}

type ProblemMap = RouterOutputs['problem']['map']
type SiteMap = RouterOutputs['site']['list']

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] }

/** GeoJSON from the API, as the map's sources (empty collections until the data arrives). */
export function mapSources(data: {
  grids?: GridCollection
  /** grid.labels of the level shown (the names' points) */
  labels?: GridLabels
  streets?: GridCollection
  problems?: ProblemMap
  sites?: SiteMap
  config?: AppConfig
  /** also a clustered copy of the problems (for problemMode 'clusters') */
  clusterProblems?: boolean
  /** the server's cluster tiles of the problems (problemTileSource), instead of the clustered copy */
  problemTiles?: SourceSpecification
}): SourceSpecs {
  const geo = (fc: unknown) => (fc ?? EMPTY) as GeoJSON.FeatureCollection
  const sources: SourceSpecs = {
    [SRC.grids]: { type: 'geojson', data: geo(data.grids) },
    [SRC.gridLabels]: gridLabelSource(data.labels),
    [SRC.streets]: { type: 'geojson', data: geo(data.streets) },
    [SRC.problems]: { type: 'geojson', data: geo(data.problems) },
    [SRC.sites]: { type: 'geojson', data: geo(data.sites) },
  }
  if (data.problemTiles) sources[PROBLEM_CLUSTER_SOURCE] = data.problemTiles
  else if (data.clusterProblems) sources[PROBLEM_CLUSTER_SOURCE] = problemClusterSource(geo(data.problems))
  if (data.config?.basemapTiles) {
    sources[SRC.basemap] = {
      type: 'raster',
      tiles: [data.config.basemapTiles],
      tileSize: 256,
      ...(data.config.basemapAttribution ? { attribution: data.config.basemapAttribution } : {}),
    }
  }
  return sources
}
