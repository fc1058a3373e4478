/**
 * Problems on the coverage map, as data for client/map/layers.ts: clustered points coloured by
 * status (a cluster is red when it holds an overdue problem, its size by count), or a heatmap.
 * Opt-in: with no `problemMode` the map keeps its plain problem points.
 */
import type { ExpressionSpecification, LayerSpecification, SourceSpecification } from 'maplibre-gl'
import { PROBLEM_COLOURS } from '../../../server/domain/vocabulary/palette.ts'
import { colours } from '../../../server/domain/vocabulary/status.ts'

export type ProblemMode = 'clusters' | 'heatmap'

export const PROBLEM_CLUSTER_SOURCE = 'problem-clusters'
export const PROBLEM_LAYERS = {
  heat: 'problem-heat',
  clusters: 'problem-clusters',
  clusterCount: 'problem-cluster-count',
  points: 'problem-points',
} as const

/** The clustered copy of the problem points (same data as the plain source). */
export function problemClusterSource(data: GeoJSON.FeatureCollection): SourceSpecification {
  return {
    type: 'geojson', data, cluster: true, clusterRadius: 42, clusterMaxZoom: 15,
    clusterProperties: { overdue: ['+', ['case', ['boolean', ['get', 'overdue'], false], 1, 0]] },
  }
}

const statusColour = ['match', ['get', 'status'], ...Object.entries(colours('problem')).flat(), PROBLEM_COLOURS.open] as unknown as ExpressionSpecification

/** Layers for a mode, on the plain source `pointsSource` (heatmap) and the clustered one (clusters). */
export function problemModeLayers(mode: ProblemMode, visible: boolean, pointsSource: string): LayerSpecification[] {
  const visibility = visible ? 'visible' : 'none'
  if (mode === 'heatmap') {
    return [{
      id: PROBLEM_LAYERS.heat, type: 'heatmap', source: pointsSource, layout: { visibility },
      paint: {
        'heatmap-weight': ['case', ['boolean', ['get', 'overdue'], false], 1, 0.6],
        'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 10, 0.8, 15, 2],
        'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 10, 12, 15, 30],
        'heatmap-opacity': 0.8,
        'heatmap-color': ['interpolate', ['linear'], ['heatmap-density'], 0, 'rgba(53,87,183,0)', 0.2, '#4e79a7', 0.45, '#76b7b2', 0.65, '#edc948', 0.85, '#f28e2b', 1, '#c8102e'],
      },
    } as LayerSpecification]
  }
  return [
    {
      id: PROBLEM_LAYERS.clusters, type: 'circle', source: PROBLEM_CLUSTER_SOURCE, filter: ['has', 'point_count'], layout: { visibility },
      paint: {
        'circle-color': ['case', ['>', ['get', 'overdue'], 0], PROBLEM_COLOURS.overdue, PROBLEM_COLOURS.open],
        'circle-opacity': 0.85,
        'circle-radius': ['step', ['get', 'point_count'], 12, 10, 16, 30, 21, 80, 26],
        'circle-stroke-color': '#ffffff',
        'circle-stroke-width': 2,
      },
    },
    {
      id: PROBLEM_LAYERS.clusterCount, type: 'symbol', source: PROBLEM_CLUSTER_SOURCE, filter: ['has', 'point_count'],
      layout: { visibility, 'text-field': ['to-string', ['get', 'point_count']], 'text-size': 12, 'text-allow-overlap': true },
      paint: { 'text-color': '#ffffff' },
    },
    {
      id: PROBLEM_LAYERS.points, type: 'circle', source: PROBLEM_CLUSTER_SOURCE, filter: ['!', ['has', 'point_count']], layout: { visibility },
      paint: {
        'circle-color': statusColour,
        'circle-radius': ['case', ['boolean', ['get', 'overdue'], false], 7, 5.5],
        'circle-stroke-color': ['case', ['boolean', ['get', 'overdue'], false], PROBLEM_COLOURS.overdue, '#ffffff'],
        'circle-stroke-width': ['case', ['boolean', ['get', 'overdue'], false], 2.5, 1.5],
      },
    } as LayerSpecification,
  ] as LayerSpecification[]
}
