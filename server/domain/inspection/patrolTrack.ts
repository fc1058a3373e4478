/**
 * Patrol track (巡查轨迹) — the one definition of what a track must be and how much of a grid it covers.
 *
 * A track is the list of positions a phone sampled between 开始巡查 and 结束巡查 (every PATROL_SAMPLE_S
 * seconds, default 15). It is accepted when:
 *   - it has 1 … PATROL_MAX_POINTS points (PATROL_TRACK_TOO_LONG otherwise; none = PATROL_TRACK_EMPTY);
 *   - its timestamps strictly increase (PATROL_TRACK_ORDER);
 *   - every timestamp lies within the inspection's time: on the inspection's calendar day (Beijing) and
 *     not later than the server's receipt plus PATROL_CLOCK_SKEW_MS (PATROL_TRACK_OUT_OF_TIME).
 *
 * Coverage: the share of the grid's area (boundary in force on the inspection's date) within
 * `bufferM` (default 50 m) of the track — the track buffered by bufferM (a one-point track: a circle),
 * intersected with the grid, area over the grid's area. Points whose reported accuracy is worse than
 * `maxAccuracyM` (default: the presence tolerance, 50 m) are kept in the track but not counted.
 * Pure: no I/O.
 */
import { area, buffer, featureCollection, intersect, length as lineLength, lineString, point, polygon, multiPolygon } from '@turf/turf'
import type { Feature, MultiPolygon, Polygon } from 'geojson'
import type { GridGeometry } from '../geometry/validate.ts'
import { dayOf, endOfChinaDay, startOfChinaDay } from '../time.ts'
import { DEFAULT_PRESENCE_TOLERANCE_M } from './presence.ts'

/** Default PATROL_SAMPLE_S: seconds between two samples of the position. */
export const DEFAULT_PATROL_SAMPLE_S = 15
/** Most points a track may have (12 hours at the default 15 s). */
export const PATROL_MAX_POINTS = 2880
/** Distance (metres) within which the track counts as having covered the grid's area. */
export const PATROL_BUFFER_M = 50
/** How far ahead of the server's clock a point's timestamp may be (device clocks drift). */
export const PATROL_CLOCK_SKEW_MS = 5 * 60_000

export interface TrackPoint {
  lng: number
  lat: number
  /** the device's time of the sample (ISO instant or epoch ms) */
  t: string | number | Date
  /** reported accuracy radius, metres */
  accuracy?: number | null
}

export type TrackFailure = 'PATROL_TRACK_EMPTY' | 'PATROL_TRACK_TOO_LONG' | 'PATROL_TRACK_ORDER' | 'PATROL_TRACK_OUT_OF_TIME'

export interface TrackProblem { code: TrackFailure; /** 0-based index of the offending point, when one */ index?: number }

/** Why a track is refused (null when acceptable). `date` is the inspection's date, `recordedAt` the server's receipt. */
export function trackProblem(points: readonly TrackPoint[], ctx: { date: Date; recordedAt: Date; maxPoints?: number }): TrackProblem | null {
  if (points.length === 0) return { code: 'PATROL_TRACK_EMPTY' }
  if (points.length > (ctx.maxPoints ?? PATROL_MAX_POINTS)) return { code: 'PATROL_TRACK_TOO_LONG' }
  const day = dayOf(ctx.date)
  const from = startOfChinaDay(day).getTime()
  const to = Math.min(endOfChinaDay(day).getTime(), ctx.recordedAt.getTime() + PATROL_CLOCK_SKEW_MS)
  let prev = -Infinity
  for (let i = 0; i < points.length; i++) {
    const t = new Date(points[i]!.t).getTime()
    if (!Number.isFinite(t) || t < from || t > to) return { code: 'PATROL_TRACK_OUT_OF_TIME', index: i }
    if (t <= prev) return { code: 'PATROL_TRACK_ORDER', index: i }
    prev = t
  }
  return null
}

/** The track as stored: a GeoJSON LineString feature with one time and accuracy per point. */
export interface TrackFeature {
  type: 'Feature'
  geometry: { type: 'LineString'; coordinates: [number, number][] }
  properties: { times: string[]; accuracies: (number | null)[] }
}

export function trackFeature(points: readonly TrackPoint[]): TrackFeature {
  return {
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: points.map((p) => [p.lng, p.lat]) },
    properties: { times: points.map((p) => new Date(p.t).toISOString()), accuracies: points.map((p) => p.accuracy ?? null) },
  }
}

/** Length of the track in metres (0 for one point). */
export function trackLengthM(points: readonly TrackPoint[]): number {
  return points.length < 2 ? 0 : lineLength(lineString(points.map((p) => [p.lng, p.lat])), { units: 'meters' })
}

export interface TrackCoverage {
  /** covered share of the grid's area, 0–1 */
  ratio: number
  coveredM2: number
  gridM2: number
  /** points counted (accuracy good enough) */
  pointsUsed: number
}

/** How much of the grid's area the track came within `bufferM` metres of. */
export function trackCoverage(
  points: readonly TrackPoint[],
  grid: GridGeometry,
  opts: { bufferM?: number; maxAccuracyM?: number } = {},
): TrackCoverage {
  const bufferM = opts.bufferM ?? PATROL_BUFFER_M
  const maxAcc = opts.maxAccuracyM ?? DEFAULT_PRESENCE_TOLERANCE_M
  const gridFeature: Feature<Polygon | MultiPolygon> = grid.type === 'Polygon' ? polygon(grid.coordinates) : multiPolygon(grid.coordinates)
  const gridM2 = area(gridFeature)
  const used = points.filter((p) => p.accuracy == null || p.accuracy <= maxAcc)
  // consecutive duplicates add nothing and a line of two identical points cannot be buffered
  const coords: [number, number][] = []
  for (const p of used) {
    const last = coords[coords.length - 1]
    if (!last || last[0] !== p.lng || last[1] !== p.lat) coords.push([p.lng, p.lat])
  }
  if (coords.length === 0 || gridM2 <= 0) return { ratio: 0, coveredM2: 0, gridM2, pointsUsed: used.length }
  const shape = coords.length === 1 ? point(coords[0]!) : lineString(coords)
  const zone = buffer(shape, bufferM, { units: 'meters', steps: 16 })
  if (!zone) return { ratio: 0, coveredM2: 0, gridM2, pointsUsed: used.length }
  const inside = intersect(featureCollection<Polygon | MultiPolygon>([zone, gridFeature]))
  const coveredM2 = inside ? area(inside) : 0
  return { ratio: Math.min(1, coveredM2 / gridM2), coveredM2, gridM2, pointsUsed: used.length }
}
