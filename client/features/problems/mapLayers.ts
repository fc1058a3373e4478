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

/**
 * Problems as the server's cluster tiles (/tiles/problems/…, server/services/problemTiles.ts) for a
 * city with more open problems than the browser should hold (see PROBLEM_TILE_THRESHOLD): clusters
 * come ready-made with point_count and overdue (the count of overdue problems in the cluster),
 * single problems with id, status and overdue — the same properties as the clustered GeoJSON source.
 */
export const PROBLEM_TILE_SOURCE_LAYER = 'problems'
/** Open problems (in the user's scope) above which the map draws the server's cluster tiles instead of problem.map. */
export const PROBLEM_TILE_THRESHOLD = 20_000

export type ProblemSource = 'geojson' | 'tiles'

/** The forced source from the page URL (?problems=tiles|geojson), if any. */
export function forcedProblemSource(): ProblemSource | null {
  const v = new URLSearchParams(window.location.search).get('problems')
  return v === 'tiles' || v === 'geojson' ? v : null
}

/** null until problem.mapInfo (the count in scope) is known, unless forced. */
export function problemSource(info: { count: number } | undefined, forced: ProblemSource | null): ProblemSource | null {
  if (forced) return forced
  if (!info) return null
  return info.count > PROBLEM_TILE_THRESHOLD ? 'tiles' : 'geojson'
}

export function problemTileSource(origin: string, info: { version: string; tileMaxZoom: number }): SourceSpecification {
  return { type: 'vector', tiles: [`${origin}/tiles/problems/{z}/{x}/{y}.pbf?v=${info.version}`], minzoom: 0, maxzoom: info.tileMaxZoom }
}

/**
 * The layers of a mode on the cluster tiles: plain points and clusters both draw the clusters (half a
 * million points cannot be drawn one by one); the heatmap weighs each cluster by its count.
 */
export function problemTileLayers(mode: ProblemMode | undefined, visible: boolean): LayerSpecification[] {
  if (mode === 'heatmap') {
    const [heat] = problemModeLayers('heatmap', visible, PROBLEM_CLUSTER_SOURCE) as (LayerSpecification & { paint: Record<string, unknown> })[]
    return [{
      ...heat!, 'source-layer': PROBLEM_TILE_SOURCE_LAYER,
      paint: { ...heat!.paint, 'heatmap-weight': ['*', ['coalesce', ['get', 'point_count'], 1], ['case', ['>', ['to-number', ['get', 'overdue'], 0], 0], 1, 0.6]] },
    } as LayerSpecification]
  }
  // a single problem's overdue is a boolean in the tile as in GeoJSON, a cluster's the count: the same expressions hold
  return problemModeLayers('clusters', visible, PROBLEM_CLUSTER_SOURCE).map((l) => ({ ...l, 'source-layer': PROBLEM_TILE_SOURCE_LAYER }) as LayerSpecification)
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
