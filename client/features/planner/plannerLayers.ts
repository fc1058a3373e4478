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
import type { DraftState, Issue, Preview } from './plannerDraft.ts'

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
  { id: 'pl-moved', type: 'circle', source: 'pl-moved', paint: { 'circle-color': ['match', ['get', 'kind'], 'problem', '#c8102e', 'site', '#7b3fa0', '#1d3557'], 'circle-radius': 6, 'circle-stroke-color': '#ffd60a', 'circle-stroke-width': 3 } },
]

/** The map's sources: pure functions of the session. */
export function plannerSources(s: { state: DraftState | null; selected: string | null; changedKeys: ReadonlySet<string>; issues: readonly Issue[]; preview: Preview | null }): SourceSpecs {
  const { state, changedKeys, preview } = s
  const grids: FeatureCollection = {
    type: 'FeatureCollection',
    features: (state?.grids ?? []).map((g) => ({ type: 'Feature', properties: { key: g.key, name: g.name, level: g.level, changed: changedKeys.has(g.key), selected: g.key === s.selected }, geometry: g.geometry as GridGeometry })),
  }
  const issues = s.issues.flatMap((i) => [
    { type: 'Feature' as const, properties: { code: i.code, acceptable: i.acceptable }, geometry: { type: 'Point' as const, coordinates: i.at } },
    ...(i.geometry && (i.geometry.type === 'Polygon' || i.geometry.type === 'MultiPolygon') ? [{ type: 'Feature' as const, properties: { code: i.code, acceptable: i.acceptable }, geometry: i.geometry }] : []),
  ])
  return {
    'pl-grids': { type: 'geojson', data: grids },
    'pl-issues': { type: 'geojson', data: { type: 'FeatureCollection', features: issues } as FeatureCollection },
    'pl-changed': { type: 'geojson', data: (preview?.changedAreas ?? EMPTY) as FeatureCollection },
    'pl-moved': { type: 'geojson', data: { type: 'FeatureCollection', features: (preview?.moved ?? []).map((m) => ({ type: 'Feature', properties: { kind: m.kind, id: m.id }, geometry: { type: 'Point', coordinates: [m.lng, m.lat] } })) } },
  }
}
