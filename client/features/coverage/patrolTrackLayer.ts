/**
 * The selected grid's latest patrol track (巡查轨迹) drawn on the coverage map: a line and its sampled
 * points, added on top of the map's own sources and layers (map/layers.ts stays untouched).
 */
import { useMemo } from 'react'
import { skipToken, useQuery } from '@tanstack/react-query'
import type { LayerSpecification } from 'maplibre-gl'
import { useTRPC } from '../../api.ts'
import type { SourceSpecs } from '../../map/useMapLayers.ts'

export const PATROL_SOURCE = 'patrol-track'
export const PATROL_LAYERS = { line: 'patrol-track-line', points: 'patrol-track-points' } as const
const COLOUR = '#d81b60'

const layers: LayerSpecification[] = [
  { id: PATROL_LAYERS.line, type: 'line', source: PATROL_SOURCE, filter: ['==', ['geometry-type'], 'LineString'], layout: { 'line-join': 'round', 'line-cap': 'round' }, paint: { 'line-color': COLOUR, 'line-width': 3, 'line-opacity': 0.9 } },
  { id: PATROL_LAYERS.points, type: 'circle', source: PATROL_SOURCE, filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 3.5, 'circle-color': '#fff', 'circle-stroke-color': COLOUR, 'circle-stroke-width': 2 } },
]

/** The map's sources and layers plus the track of `gridId` in `month` (unchanged when there is none). */
export function usePatrolTrackLayer(sources: SourceSpecs, base: readonly LayerSpecification[], gridId: number | null, month: string | undefined) {
  const trpc = useTRPC()
  const q = useQuery(trpc.inspection.latestTrack.queryOptions(gridId && month ? { gridId, month } : skipToken))
  const track = gridId ? q.data ?? null : null
  return useMemo(() => {
    if (!track) return { sources, layers: base }
    const coords = track.feature.geometry.coordinates
    const data: GeoJSON.FeatureCollection = {
      type: 'FeatureCollection',
      features: [
        ...(coords.length > 1 ? [{ type: 'Feature' as const, properties: { inspectionId: track.inspectionId }, geometry: track.feature.geometry }] : []),
        ...coords.map((c, i) => ({ type: 'Feature' as const, properties: { t: track.feature.properties.times[i] ?? '' }, geometry: { type: 'Point' as const, coordinates: c } })),
      ],
    }
    return { sources: { ...sources, [PATROL_SOURCE]: { type: 'geojson', data } } as SourceSpecs, layers: [...base, ...layers] }
  }, [sources, base, track])
}
