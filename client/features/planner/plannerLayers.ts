/**
 * The planner map's style as data: the images, the ordered layer list (constant) and the sources
 * (pure functions of the session), applied by `useMapLayers` in PlannerMap. terra-draw's own layers
 * for the grid being edited are not declared here: terra-draw manages them.
 */
import type { LayerSpecification } from 'maplibre-gl'
import type { FeatureCollection } from 'geojson'
import { hatchImage } from '../../map/layers.ts'
import type { ImageSpecs, SourceSpecs } from '../../map/useMapLayers.ts'
import type { GridGeometry } from '../../../server/domain/boundary/topology.ts'
import type { DraftState, Issue, Preview, Warning } from './plannerDraft.ts'
import { labelCollection } from './labelPoints.ts'

export const HATCH = 'planner-hatch'
const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] }

export const PLANNER_IMAGES: ImageSpecs = { [HATCH]: { image: hatchImage(), pixelRatio: 2 } }

export const PLANNER_LAYERS: readonly LayerSpecification[] = [
  { id: 'pl-fill', type: 'fill', source: 'pl-grids', filter: ['==', ['get', 'level'], 'community'], paint: { 'fill-color': ['case', ['get', 'selected'], '#f0b429', ['get', 'changed'], '#8fc1e3', '#cfd8e3'], 'fill-opacity': 0.45 } },
  { id: 'pl-street-line', type: 'line', source: 'pl-grids', filter: ['==', ['get', 'level'], 'street'], paint: { 'line-color': '#1f2d3d', 'line-width': 2.5 } },
  { id: 'pl-line', type: 'line', source: 'pl-grids', filter: ['==', ['get', 'level'], 'community'], paint: { 'line-color': '#3d5a80', 'line-width': 1 } },
  { id: 'pl-changed-fill', type: 'fill', source: 'pl-changed', paint: { 'fill-pattern': HATCH, 'fill-opacity': 0.9 } },
  { id: 'pl-changed-line', type: 'line', source: 'pl-changed', paint: { 'line-color': ['case', ['==', ['get', 'kind'], 'gained'], '#2a9d8f', '#e76f51'], 'line-width': 1.5, 'line-dasharray': [2, 1] } },
  { id: 'pl-issue-fill', type: 'fill', source: 'pl-issues', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': '#d62828', 'fill-opacity': 0.35 } },
  { id: 'pl-issue-point', type: 'circle', source: 'pl-issues', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': ['case', ['get', 'acceptable'], '#f4a261', '#d62828'], 'circle-radius': 7, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
  // shape warnings (never blocking): the stretch of border, and a marker at the place
  { id: 'pl-warn-line', type: 'line', source: 'pl-warn', filter: ['==', ['geometry-type'], 'LineString'], paint: { 'line-color': '#e8590c', 'line-width': 5, 'line-opacity': 0.75 } },
  { id: 'pl-warn-point', type: 'circle', source: 'pl-warn', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': '#f59f00', 'circle-radius': 10, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } },
  { id: 'pl-warn-mark', type: 'symbol', source: 'pl-warn', filter: ['==', ['geometry-type'], 'Point'], layout: { 'text-field': '!', 'text-size': 14, 'text-allow-overlap': true, 'text-ignore-placement': true }, paint: { 'text-color': '#17212b' } },
  // what the impact preview moves: a halo under each point, a wider one under the focused row's point
  { id: 'pl-moved-halo', type: 'circle', source: 'pl-moved', paint: { 'circle-color': '#ffd60a', 'circle-opacity': 0.45, 'circle-radius': ['case', ['get', 'focus'], 20, 11] } },
  { id: 'pl-moved', type: 'circle', source: 'pl-moved', paint: { 'circle-color': ['match', ['get', 'kind'], 'problem', '#c8102e', 'site', '#7b3fa0', '#1d3557'], 'circle-radius': 6, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } },
  // names: one point per grid (labelPoints.ts), streets larger
  { id: 'pl-label-street', type: 'symbol', source: 'pl-labels', filter: ['==', ['get', 'level'], 'street'], maxzoom: 14, layout: { 'text-field': ['get', 'name'], 'text-size': 15, 'text-max-width': 8, 'text-padding': 4 }, paint: { 'text-color': '#1f2d3d', 'text-halo-color': 'rgba(255,255,255,0.95)', 'text-halo-width': 2 } },
  { id: 'pl-label', type: 'symbol', source: 'pl-labels', filter: ['==', ['get', 'level'], 'community'], minzoom: 12, layout: { 'text-field': ['get', 'name'], 'text-size': ['interpolate', ['linear'], ['zoom'], 12, 11, 16, 14], 'text-max-width': 6, 'text-padding': 2 }, paint: { 'text-color': '#17212b', 'text-halo-color': 'rgba(255,255,255,0.92)', 'text-halo-width': 1.6 } },
]

/** The map's sources: pure functions of the session. */
export function plannerSources(s: { state: DraftState | null; selected: string | null; changedKeys: ReadonlySet<string>; issues: readonly Issue[]; warnings?: readonly Warning[]; preview: Preview | null; focusMoved?: string | null }): SourceSpecs {
  const { state, changedKeys, preview } = s
  const grids: FeatureCollection = {
    type: 'FeatureCollection',
    features: (state?.grids ?? []).map((g) => ({ type: 'Feature', properties: { key: g.key, name: g.name, level: g.level, changed: changedKeys.has(g.key), selected: g.key === s.selected }, geometry: g.geometry as GridGeometry })),
  }
  const issues = s.issues.flatMap((i) => [
    { type: 'Feature' as const, properties: { code: i.code, acceptable: i.acceptable }, geometry: { type: 'Point' as const, coordinates: i.at } },
    ...(i.geometry && (i.geometry.type === 'Polygon' || i.geometry.type === 'MultiPolygon') ? [{ type: 'Feature' as const, properties: { code: i.code, acceptable: i.acceptable }, geometry: i.geometry }] : []),
  ])
  const warnings = (s.warnings ?? []).flatMap((w) => [
    { type: 'Feature' as const, properties: { code: w.code, grid: w.gridKey }, geometry: w.line },
    { type: 'Feature' as const, properties: { code: w.code, grid: w.gridKey }, geometry: { type: 'Point' as const, coordinates: w.at } },
  ])
  return {
    'pl-labels': { type: 'geojson', data: labelCollection(state?.grids ?? []) },
    'pl-warn': { type: 'geojson', data: { type: 'FeatureCollection', features: warnings } as FeatureCollection },
    'pl-grids': { type: 'geojson', data: grids },
    'pl-issues': { type: 'geojson', data: { type: 'FeatureCollection', features: issues } as FeatureCollection },
    'pl-changed': { type: 'geojson', data: (preview?.changedAreas ?? EMPTY) as FeatureCollection },
    'pl-moved': { type: 'geojson', data: { type: 'FeatureCollection', features: (preview?.moved ?? []).map((m) => ({ type: 'Feature', properties: { kind: m.kind, id: m.id, focus: `${m.kind}:${m.id}` === s.focusMoved }, geometry: { type: 'Point', coordinates: [m.lng, m.lat] } })) } },
  }
}
