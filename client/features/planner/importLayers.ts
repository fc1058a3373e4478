/** The map layers of an imported file's outlines before they are loaded into the draft (dashed orange over the grids). */
import type { LayerSpecification } from 'maplibre-gl'
import type { FeatureCollection } from 'geojson'
import type { SourceSpecs } from '../../map/useMapLayers.ts'

const EMPTY: FeatureCollection = { type: 'FeatureCollection', features: [] }

export const importPreviewSources = (fc: FeatureCollection | null): SourceSpecs => ({ 'pl-import': { type: 'geojson', data: fc ?? EMPTY } })

export const IMPORT_PREVIEW_LAYERS: readonly LayerSpecification[] = [
  { id: 'pl-import-fill', type: 'fill', source: 'pl-import', paint: { 'fill-color': '#f77f00', 'fill-opacity': 0.12 } },
  { id: 'pl-import-line', type: 'line', source: 'pl-import', paint: { 'line-color': '#f77f00', 'line-width': 2.5, 'line-dasharray': [3, 2] } },
]
