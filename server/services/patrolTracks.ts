/**
 * Patrol tracks (巡查轨迹) stored with an inspection: checked (domain/inspection/patrolTrack.ts),
 * measured against the grid's boundary in force on the inspection's date, written in the
 * inspection's transaction with an audit row, and read back within the department scope.
 */
import type { Db, Prisma } from '../db/client.ts'
import { AppError, notFound } from '../domain/errors.ts'
import {
  DEFAULT_PATROL_SAMPLE_S, PATROL_BUFFER_M, PATROL_MAX_POINTS, trackCoverage, trackFeature, trackLengthM, trackProblem,
  type TrackFeature, type TrackPoint,
} from '../domain/inspection/patrolTrack.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import { geometryOnDate } from './boundary.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { departmentScope } from './scope.ts'

/** PATROL_SAMPLE_S: seconds between two position samples while a patrol runs (default 15; sent to the client by meta.config). */
export function patrolSampleSeconds(): number {
  const v = Number(process.env.PATROL_SAMPLE_S ?? DEFAULT_PATROL_SAMPLE_S)
  return Number.isFinite(v) && v > 0 ? v : DEFAULT_PATROL_SAMPLE_S
}

export interface PreparedTrack {
  feature: TrackFeature
  pointCount: number
  startedAt: Date
  endedAt: Date
  lengthM: number
  coverage: number | null
}

/** Checks a track before anything is written (BAD_INPUT PATROL_TRACK_*) and measures its coverage of the grid. */
export async function preparePatrolTrack(
  db: Db, catalog: GridCatalog, gridId: number, date: Date, now: Date, points: TrackPoint[], maxAccuracyM: number,
): Promise<PreparedTrack> {
  const problem = trackProblem(points, { date, recordedAt: now })
  if (problem) {
    const n = (problem.index ?? 0) + 1
    const message = problem.code === 'PATROL_TRACK_EMPTY' ? '巡查轨迹没有位置点'
      : problem.code === 'PATROL_TRACK_TOO_LONG' ? `巡查轨迹的位置点过多（最多 ${PATROL_MAX_POINTS} 个）`
      : problem.code === 'PATROL_TRACK_ORDER' ? `巡查轨迹第 ${n} 个点的时间不晚于前一个点`
      : `巡查轨迹第 ${n} 个点的时间不在检查当天或晚于提交时间`
    throw new AppError('BAD_INPUT', problem.code, message, { n, index: problem.index ?? null, max: PATROL_MAX_POINTS })
  }
  const geometry = await geometryOnDate(db, catalog, gridId, date, now)
  const coverage = geometry ? trackCoverage(points, geometry, { bufferM: PATROL_BUFFER_M, maxAccuracyM }).ratio : null
  const feature = trackFeature(points)
  const times = feature.properties.times
  return {
    feature, pointCount: points.length, startedAt: new Date(times[0]!), endedAt: new Date(times[times.length - 1]!),
    lengthM: Math.round(trackLengthM(points)), coverage: coverage === null ? null : Math.round(coverage * 10_000) / 10_000,
  }
}

/** Writes the track of a just-created inspection, inside its transaction, with an audit row. */
export async function savePatrolTrack(tx: Prisma.TransactionClient, user: SessionUser, inspectionId: number, t: PreparedTrack, now: Date) {
  const row = await tx.patrolTrack.create({
    data: { inspectionId, geojson: JSON.stringify(t.feature), pointCount: t.pointCount, startedAt: t.startedAt, endedAt: t.endedAt, lengthM: t.lengthM, coverage: t.coverage, bufferM: PATROL_BUFFER_M },
  })
  await writeAudit(tx, {
    actorId: user.id, action: 'inspection.patrolTrack', entity: 'Inspection', entityId: inspectionId, at: now,
    after: { trackId: row.id, pointCount: t.pointCount, startedAt: t.startedAt, endedAt: t.endedAt, lengthM: t.lengthM, coverage: t.coverage },
  })
  return patrolSummary(row)
}

/** What a record list shows of a track. */
export function patrolSummary(t: { pointCount: number; lengthM: number; coverage: number | null; startedAt: Date; endedAt: Date; bufferM: number }) {
  return { pointCount: t.pointCount, lengthM: t.lengthM, coverage: t.coverage, bufferM: t.bufferM, startedAt: t.startedAt.toISOString(), endedAt: t.endedAt.toISOString() }
}
export type PatrolSummary = ReturnType<typeof patrolSummary>

type TrackRow = { id: number; inspectionId: number; geojson: string; pointCount: number; lengthM: number; coverage: number | null; startedAt: Date; endedAt: Date; bufferM: number }

function trackView(t: TrackRow, i: { id: number; gridId: number; departmentId: number; date: Date; onSite: boolean | null }) {
  return {
    inspectionId: i.id, gridId: i.gridId, departmentId: i.departmentId, date: i.date.toISOString(), onSite: i.onSite,
    ...patrolSummary(t), feature: JSON.parse(t.geojson) as TrackFeature,
  }
}
export type TrackView = ReturnType<typeof trackView>

const inspectionFields = { id: true, gridId: true, departmentId: true, date: true, onSite: true } as const

/** The track of one inspection (null when it has none); another department's → FORBIDDEN NOT_YOUR_DEPARTMENT. */
export async function trackOfInspection(db: Db, user: SessionUser, inspectionId: number): Promise<TrackView | null> {
  const i = await db.inspection.findUnique({ where: { id: inspectionId }, select: { ...inspectionFields, patrolTrack: true } })
  if (!i) throw notFound('检查记录', 'INSPECTION_NOT_FOUND')
  departmentScope(user).assert(i, '只能查看本部门的巡查轨迹')
  return i.patrolTrack ? trackView(i.patrolTrack, i) : null
}

/** The latest inspection's track of a grid in a month, among the inspections the user may see (null: none). */
export async function latestTrackOfGrid(db: Db, user: SessionUser, gridId: number, month: string): Promise<TrackView | null> {
  const i = await db.inspection.findFirst({
    where: { gridId, month, ...departmentScope(user).where(), patrolTrack: { isNot: null } },
    orderBy: [{ date: 'desc' }, { id: 'desc' }], select: { ...inspectionFields, patrolTrack: true },
  })
  return i?.patrolTrack ? trackView(i.patrolTrack, i) : null
}

/** The highest patrol-track coverage (0–1) of each grid-month in a range, keyed "gridId|month" (tracks without a known boundary left out). */
export async function patrolCoverageByGridMonth(db: Db, from: string, to: string): Promise<Map<string, number>> {
  const rows = await db.patrolTrack.findMany({ where: { coverage: { not: null }, inspection: { month: { gte: from, lte: to } } }, select: { coverage: true, inspection: { select: { gridId: true, month: true } } } })
  const best = new Map<string, number>()
  for (const r of rows) {
    const k = `${r.inspection.gridId}|${r.inspection.month}`
    best.set(k, Math.max(best.get(k) ?? 0, r.coverage!))
  }
  return best
}
