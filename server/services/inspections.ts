/**
 * Recording an on-site inspection (实地检查): the grid's holder on that date, the department's
 * right to record for it, presence (on site or how far outside), the row, its photos and the
 * audit row in one transaction.
 */
import type { Db } from '../db/client.ts'
import { AppError, badInput, conflict, forbidden, notFound } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { checkPresence, DEFAULT_INSPECTION_BACKFILL_HOURS, DEFAULT_PRESENCE_TOLERANCE_M, isBackfill, presenceFailures } from '../domain/inspection/presence.ts'
import { monthOf } from '../domain/time.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { geometryOnDate } from './boundary.ts'
import { attachPhotos } from './photos.ts'
import { departmentScope } from './scope.ts'
import { replay, runIdempotent, type Tx } from './idempotency.ts'
import { DEFAULT_OFFLINE_MAX_QUEUE_HOURS, judgeCapture, judgedAt } from '../domain/inspection/capture.ts'
import { createProblemTx } from './problems.ts'
import { preparePatrolTrack, savePatrolTrack, type PatrolSummary } from './patrolTracks.ts'
import type { TrackPoint } from '../domain/inspection/patrolTrack.ts'
import { INSPECTION_TALLY_SELECT, tallyInspection } from './aggregates.ts'

const positiveEnv = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback)
  return Number.isFinite(v) && v > 0 ? v : fallback
}
/** PRESENCE_TOLERANCE_M: metres around the boundary, and the worst GPS accuracy accepted (default 50). */
export const presenceTolerance = () => positiveEnv('PRESENCE_TOLERANCE_M', DEFAULT_PRESENCE_TOLERANCE_M)
/** INSPECTION_BACKFILL_HOURS: how long after its date an inspection may be recorded without being 补录 (default 48). */
export const backfillHours = () => positiveEnv('INSPECTION_BACKFILL_HOURS', DEFAULT_INSPECTION_BACKFILL_HOURS)
/** Shortest 补录 reason accepted (characters, trimmed). */
export const LATE_REASON_MIN = 4

export interface InspectionInput {
  gridId: number
  /** ISO date-time */
  date: string
  inspector?: string
  inspectors?: string[]
  findings: string
  checklist: { item: string; ok: boolean; note?: string }[]
  photoIds: number[]
  lng?: number
  lat?: number
  /** problems found on the spot, stored with the inspection in one transaction */
  problems?: SpotProblemInput[]
  /** client-generated UUID (one per form instance): a retried submit creates nothing twice */
  idempotencyKey?: string
  /** the device's reported accuracy radius, metres (coords.accuracy) */
  accuracy?: number
  /** 补录 reason, required when the date is older than the backfill window */
  lateReason?: string
  /** offline capture (capture.ts): when the record was made, by the device's clock (ISO) */
  deviceCapturedAt?: string
  /** the device's clock when it sent the record (ISO); not part of the idempotent request (it changes per retry) */
  deviceNow?: string
  /** the patrol track (巡查轨迹) walked for this inspection, if the inspector ran one */
  track?: { points: TrackPoint[] }
}

/** OFFLINE_MAX_QUEUE_HOURS: the oldest corrected capture time accepted (default 168). */
export const offlineMaxQueueHours = () => positiveEnv('OFFLINE_MAX_QUEUE_HOURS', DEFAULT_OFFLINE_MAX_QUEUE_HOURS)

/** The capture stamps of an input judged at its receipt `now` (domain rule: capture.ts). */
export function captureOf(input: Pick<InspectionInput, 'deviceCapturedAt' | 'deviceNow'>, now: Date) {
  return judgeCapture({
    deviceCapturedAt: input.deviceCapturedAt ? new Date(input.deviceCapturedAt) : null,
    deviceNow: input.deviceNow ? new Date(input.deviceNow) : null,
  }, now, offlineMaxQueueHours())
}

/**
 * The 补录 rule at recording time (`now` is the server's stamp): an inspection dated more than
 * INSPECTION_BACKFILL_HOURS earlier needs a reason of at least LATE_REASON_MIN characters, else
 * BAD_INPUT INSPECTION_TOO_LATE. Returns the reason to store, null for an entry on time.
 */
export function lateEntryReason(date: Date, now: Date, lateReason: string | undefined): string | null {
  const hours = backfillHours()
  if (!isBackfill({ date, recordedAt: now }, hours)) return null
  const reason = (lateReason ?? '').trim()
  if (reason.length < LATE_REASON_MIN) {
    throw new AppError('BAD_INPUT', 'INSPECTION_TOO_LATE', `检查日期早于补录期限（${hours} 小时），请填写补录原因（至少 ${LATE_REASON_MIN} 个字）`, { hours })
  }
  return reason.slice(0, 500)
}

/**
 * Presence at recording time, judged against the grid's boundary IN FORCE ON THE INSPECTION'S DATE,
 * with the device's accuracy and the server stamp (domain rule: presence.ts). `onSite` is the location
 * proof (point inside the boundary or within the tolerance, accuracy not worse than the tolerance;
 * null without a point); lateness is kept apart (recordedAt/approvedAt) so an approval can lift it.
 * `presenceNote` lists every PresenceFailure at recording ("" when proven on site).
 */
export async function presenceOnDate(db: Db, catalog: GridCatalog, gridId: number, date: Date, now: Date, point: { lng?: number; lat?: number; accuracy?: number }, judged: Date = now) {
  const toleranceM = presenceTolerance()
  const hasPoint = point.lng !== undefined && point.lat !== undefined
  const geometry = hasPoint ? await geometryOnDate(db, catalog, gridId, date, now) : null
  const check = hasPoint && geometry ? checkPresence(geometry, point.lng!, point.lat!, toleranceM) : null
  const accuracyM = point.accuracy ?? null
  const failures = presenceFailures(
    { date, lng: point.lng ?? null, lat: point.lat ?? null, accuracyM, distanceOutsideM: check?.distanceOutside ?? null, recordedAt: judged, approvedAt: null },
    { toleranceM, backfillHours: backfillHours() },
  )
  const onSite = hasPoint ? !failures.some((f) => f === 'outside' || f === 'poorAccuracy' || f === 'boundaryUnknown') : null
  return { onSite, distanceOutside: check ? Math.round(check.distanceOutside * 10) / 10 : null, accuracyM, presenceNote: failures.join(','), failures }
}

/**
 * A leader approves a 补录 entry (only then can it count as done): stamps approvedAt/approvedById
 * with the note, audited. CONFLICT when the inspection is not late or already approved.
 */
export async function approveLateInspection(db: Db, user: SessionUser, input: { id: number; note: string }, now: Date) {
  const row = await db.inspection.findUnique({ where: { id: input.id } })
  if (!row) throw notFound('检查记录', 'INSPECTION_NOT_FOUND')
  if (row.lateReason === null && !isBackfill({ date: row.date, recordedAt: judgedAt(row) }, backfillHours())) throw conflict('该检查记录不是补录，无需审核', 'INSPECTION_NOT_LATE')
  if (row.approvedAt !== null) throw conflict('该补录已审核通过', 'INSPECTION_ALREADY_APPROVED')
  return db.$transaction(async (tx) => {
    const n = await tx.inspection.updateMany({ where: { id: row.id, approvedAt: null }, data: { approvedAt: now, approvedById: user.id, approvalNote: input.note } })
    if (n.count === 0) throw conflict('该补录已审核通过', 'INSPECTION_ALREADY_APPROVED')
    await tallyInspection(tx, row, await tx.inspection.findUniqueOrThrow({ where: { id: row.id }, select: INSPECTION_TALLY_SELECT }))
    await writeAudit(tx, {
      actorId: user.id, action: 'inspection.approveLate', entity: 'Inspection', entityId: row.id, at: now,
      before: { approvedAt: null, lateReason: row.lateReason, date: row.date, recordedAt: row.recordedAt },
      after: { approvedAt: now, approvedById: user.id, note: input.note },
    })
    return { id: row.id, approvedAt: now.toISOString(), approvedById: user.id }
  })
}

/** A problem found during the inspection; its point defaults to the check-in point. */
export interface RecordedInspection {
  id: number; gridId: number; departmentId: number; date: string; month: string
  onSite: boolean | null; distanceOutside: number | null; photoIds: number[]; problemIds: number[]
  recordedAt: string; lateReason: string | null; accuracyM: number | null; presenceFailures: string[]
  /** offline capture: the accepted corrected capture time, and the device clock's offset at sync */
  capturedAt?: string | null; clockOffsetMs?: number | null
  /** the stored patrol track's summary (coverage of the grid), null without one */
  patrol?: PatrolSummary | null
}

export interface SpotProblemInput {
  categoryCode: string
  description: string
  urgent?: boolean
  lng?: number
  lat?: number
  photoIds?: number[]
}

/**
 * A department user records only for grids its department holds on that date. With a check-in
 * point, the server decides whether it was on site. Photos uploaded by the same user are attached.
 */
export async function recordInspection(db: Db, user: SessionUser, input: InspectionInput, now: Date, catalog: GridCatalog): Promise<RecordedInspection> {
  // deviceNow differs on every sync attempt: the idempotent request is the record itself
  const { idempotencyKey, deviceNow: _deviceNow, ...request } = input
  const idem = { key: idempotencyKey, userId: user.id, procedure: 'inspection.record', request }
  // a retry answers with the first result before any check (the date may have aged, the holder changed)
  if (idempotencyKey) {
    const prior = await replay<RecordedInspection>(db, { ...idem, key: idempotencyKey })
    if (prior) return prior
  }
  const grid = catalog.get(input.gridId)
  if (!grid) throw notFound('网格', 'GRID_NOT_FOUND')
  const date = new Date(input.date)
  if (date.getTime() > now.getTime() + 5 * 60_000) throw badInput('检查日期不能晚于现在', 'DATE_IN_FUTURE')
  const holder = holderOn(await db.gridHolder.findMany({ where: { gridId: grid.id } }), date)
  if (!holder) throw badInput(`${grid.name} 在该日期没有包抓部门`, 'GRID_UNHELD')
  if (!departmentScope(user).sees(holder.departmentId)) throw forbidden(`${grid.name} 不是本部门包抓的网格`, 'NOT_YOUR_GRID')
  // an offline record is judged at its corrected capture time, an online one at the receipt (capture.ts)
  const capture = captureOf(input, now)
  const judged = judgedAt({ recordedAt: now, capturedAt: capture.capturedAt })
  const lateReason = lateEntryReason(date, judged, input.lateReason)
  const presence = await presenceOnDate(db, catalog, grid.id, date, now, input, judged)
  const inspector = [...new Set([...(input.inspector ? [input.inspector] : []), ...(input.inspectors ?? [])])].join('，').slice(0, 200)
  const spots = await checkSpotProblems(db, input, catalog)
  const track = input.track ? await preparePatrolTrack(db, catalog, grid.id, date, now, input.track.points, presenceTolerance()) : null
  return runIdempotent(db, idem, async (tx): Promise<RecordedInspection> => {
    const created = await tx.inspection.create({
      data: {
        gridId: grid.id, departmentId: holder.departmentId, date, month: monthOf(date), inspector,
        findings: input.findings, checklist: JSON.stringify(input.checklist),
        lng: input.lng ?? null, lat: input.lat ?? null, onSite: presence.onSite, distanceOutside: presence.distanceOutside,
        accuracyM: presence.accuracyM, presenceNote: presence.presenceNote, recordedAt: now, lateReason,
        createdById: user.id,
        deviceCapturedAt: input.deviceCapturedAt ? new Date(input.deviceCapturedAt) : null, clockOffsetMs: capture.clockOffsetMs, capturedAt: capture.capturedAt,
      },
    })
    await tallyInspection(tx, null, created)
    await attachPhotos(tx, input.photoIds, { inspectionId: created.id }, user)
    await writeAudit(tx, { actorId: user.id, action: 'inspection.record', entity: 'Inspection', entityId: created.id, after: { ...created, photoIds: input.photoIds } })
    const problemIds = await createSpotProblems(tx, user, created.id, spots, now, catalog)
    const patrol = track ? await savePatrolTrack(tx, user, created.id, track, now) : null
    return {
      id: created.id, gridId: created.gridId, departmentId: created.departmentId, date: created.date.toISOString(), month: created.month,
      onSite: created.onSite, distanceOutside: presence.distanceOutside, photoIds: [...new Set(input.photoIds)], problemIds,
      recordedAt: created.recordedAt.toISOString(), lateReason: created.lateReason, accuracyM: created.accuracyM, presenceFailures: presence.failures,
      capturedAt: created.capturedAt?.toISOString() ?? null, clockOffsetMs: created.clockOffsetMs,
      patrol,
    }
  }, now)
}

type CheckedSpot = SpotProblemInput & { lng: number; lat: number; index: number }

/** A spot problem's refusal names the problem (1-based in the message, 0-based `index` in details). */
function spotError(index: number, cause: AppError | { appCode: string; message: string }) {
  return new AppError('BAD_INPUT', 'SPOT_PROBLEM_INVALID', `第 ${index + 1} 个现场问题：${cause.message}`, { index, n: index + 1, reason: cause.message, reasonCode: cause.appCode })
}

/**
 * Checks every spot problem before anything is written: a point (its own, else the check-in point),
 * inside a grid, a known category. The first failure refuses the whole inspection.
 */
async function checkSpotProblems(db: Db, input: InspectionInput, catalog: GridCatalog): Promise<CheckedSpot[]> {
  const list = input.problems ?? []
  if (list.length === 0) return []
  const codes = new Set((await db.problemCategory.findMany({ select: { code: true } })).map((c) => c.code))
  return list.map((p, index) => {
    const lng = p.lng ?? input.lng
    const lat = p.lat ?? input.lat
    if (lng === undefined || lat === undefined) throw spotError(index, { appCode: 'SPOT_PROBLEM_NO_POINT', message: '没有位置：请定位后再登记现场问题，或为该问题指定位置' })
    if (!codes.has(p.categoryCode)) throw spotError(index, { appCode: 'UNKNOWN_CATEGORY', message: `问题类别 ${p.categoryCode} 不存在` })
    if (!catalog.assign(lng, lat)) throw spotError(index, { appCode: 'OUTSIDE_GRIDS', message: '该位置不在任何网格内' })
    return { ...p, lng, lat, index }
  })
}

/** The spot problems, through the same path as problem.create (assignment, deadline, event, audit), with their photos. */
async function createSpotProblems(tx: Tx, user: SessionUser, inspectionId: number, spots: CheckedSpot[], now: Date, catalog: GridCatalog): Promise<number[]> {
  const ids: number[] = []
  for (const s of spots) {
    try {
      const p = await createProblemTx(tx, catalog, {
        lng: s.lng, lat: s.lat, categoryCode: s.categoryCode, description: s.description, priority: s.urgent ? 'urgent' : 'normal',
        source: 'inspection', inspectionId, reporter: { id: user.id, name: user.displayName },
      }, now)
      if (s.photoIds?.length) await attachPhotos(tx, s.photoIds, { problemId: p.id, stage: 'report' }, user)
      ids.push(p.id)
    } catch (e) {
      if (e instanceof AppError && e.kind !== 'UNAVAILABLE') throw spotError(s.index, e)
      throw e
    }
  }
  return ids
}
