import { judgedAt } from '../../domain/inspection/capture.ts'
import { z } from 'zod'
import { parseChecklist } from '../../domain/inspection/themes.ts'
import { approveLateInspection, backfillHours, presenceTolerance, recordInspection } from '../../services/inspections.ts'
import { parsePhotoFlags } from '../../services/photos.ts'
import { presenceFailures } from '../../domain/inspection/presence.ts'
import { inspectionFact } from '../../services/coverage.ts'
import { id, isoDateTime, lat, lng, month, text } from '../inputs.ts'
import { authedProcedure, router, scopedProcedure } from '../trpc.ts'
import { latestTrackOfGrid, patrolSummary, trackOfInspection } from '../../services/patrolTracks.ts'

/** A problem found on the spot: its own point, else the check-in point (services/inspections.ts). */
const spotProblem = z.object({
  categoryCode: text(50).min(1), description: text(2000).min(1), urgent: z.boolean().optional(),
  lng: lng.optional(), lat: lat.optional(), photoIds: z.array(id).max(12).optional(),
}).refine((p) => (p.lng === undefined) === (p.lat === undefined), { message: 'lng 与 lat 须同时提供', path: ['lng'] })

/** One sampled position of a patrol track (巡查轨迹): where, when (device time), how accurate. The rules: domain/inspection/patrolTrack.ts. */
const trackPoint = z.object({ lng, lat, t: isoDateTime, accuracy: z.number().finite().min(0).max(100_000).optional() })

const checklistItem = z.object({ item: text(200).min(1), ok: z.boolean(), note: text(500).optional() })

const inspectionInclude = {
  department: { select: { name: true } },
  grid: { select: { name: true, code: true } },
  createdBy: { select: { displayName: true } },
  photos: { select: { id: true, evidenceFlags: true }, orderBy: { id: 'asc' } },
  patrolTrack: { select: { pointCount: true, lengthM: true, coverage: true, startedAt: true, endedAt: true, bufferM: true } },
} as const

type InspectionRow = {
  id: number; gridId: number; departmentId: number; date: Date; month: string; inspector: string; findings: string; checklist: string
  lng: number | null; lat: number | null; onSite: boolean | null; distanceOutside: number | null; createdAt: Date
  recordedAt: Date; lateReason: string | null; approvedAt: Date | null; approvedById: number | null; approvalNote: string | null; accuracyM: number | null
  capturedAt?: Date | null; clockOffsetMs?: number | null; deviceCapturedAt?: Date | null
  department: { name: string }; grid: { name: string; code: string }; createdBy: { displayName: string }; photos: { id: number; evidenceFlags: string }[]
  patrolTrack: { pointCount: number; lengthM: number; coverage: number | null; startedAt: Date; endedAt: Date; bufferM: number } | null
}

/**
 * The evidence facts of an inspection for leaders: server stamp, 补录 (reason, approval), accuracy,
 * why presence is not proven now (stored distance/accuracy, recordedAt/approvedAt: presence.ts), and
 * the warnings of its photos.
 */
export function evidenceView(i: Omit<InspectionRow, 'department' | 'grid' | 'createdBy' | 'photos' | 'checklist' | 'findings' | 'inspector'> & { photos?: { id: number; evidenceFlags: string }[] }) {
  const failures = presenceFailures(
    { date: i.date, lng: i.lng, lat: i.lat, accuracyM: i.accuracyM, distanceOutsideM: i.distanceOutside, onSite: i.onSite, recordedAt: judgedAt(i), approvedAt: i.approvedAt },
    { toleranceM: presenceTolerance(), backfillHours: backfillHours() },
  )
  return {
    recordedAt: i.recordedAt.toISOString(), accuracyM: i.accuracyM,
    /** offline capture (capture.ts): corrected capture time (null = judged at receipt) and the device clock's offset at sync */
    capturedAt: i.capturedAt?.toISOString() ?? null, clockOffsetMs: i.clockOffsetMs ?? null,
    /** 补录: recorded later than the window; `late.approvedAt` null = awaiting a leader */
    late: i.lateReason === null ? null : { reason: i.lateReason, approvedAt: i.approvedAt?.toISOString() ?? null, approvedById: i.approvedById, note: i.approvalNote },
    presenceFailures: failures,
    photoWarnings: (i.photos ?? []).flatMap((p) => parsePhotoFlags(p.evidenceFlags).map((f) => ({ ...f, photoId: p.id }))),
  }
}

function inspectionView(i: InspectionRow) {
  let checklist: { item: string; ok: boolean; note?: string }[] = []
  try {
    const v: unknown = JSON.parse(i.checklist)
    if (Array.isArray(v)) checklist = v.filter((x): x is { item: string; ok: boolean; note?: string } => typeof x === 'object' && x !== null && typeof (x as { item?: unknown }).item === 'string')
  } catch { checklist = parseChecklist(i.checklist).map((item) => ({ item, ok: true })) }
  return {
    id: i.id, gridId: i.gridId, gridName: i.grid.name, gridCode: i.grid.code, departmentId: i.departmentId, departmentName: i.department.name,
    date: i.date.toISOString(), month: i.month, inspector: i.inspector, findings: i.findings, checklist,
    lng: i.lng, lat: i.lat, onSite: i.onSite, distanceOutside: i.distanceOutside, createdBy: i.createdBy.displayName,
    photoIds: i.photos.map((p) => p.id), createdAt: i.createdAt.toISOString(), ...evidenceView(i),
    /** the patrol track's summary (coverage of the grid), null without one */
    patrol: i.patrolTrack ? patrolSummary(i.patrolTrack) : null,
  }
}
export type InspectionView = ReturnType<typeof inspectionView>

export const inspectionRouter = router({
  /**
   * Record an on-site inspection (实地检查). A department user records only for grids its department
   * holds on that date. With a check-in point, the server decides whether it was on site.
   * Photos uploaded by the same user (POST /api/photos) are attached by id.
   */
  record: authedProcedure
    .input(z.object({
      gridId: id, date: isoDateTime,
      inspector: text(100).optional(), inspectors: z.array(text(30).min(1)).max(10).optional(),
      findings: text(5000).default(''), checklist: z.array(checklistItem).max(30).default([]),
      photoIds: z.array(id).max(12).default([]),
      lng: lng.optional(), lat: lat.optional(),
      problems: z.array(spotProblem).max(20).optional(),
      idempotencyKey: z.uuid().optional(),
      /** the device's GPS accuracy radius in metres (coords.accuracy) */
      accuracy: z.number().finite().min(0).max(100_000).optional(),
      /** 补录 reason: required when the date is older than INSPECTION_BACKFILL_HOURS */
      lateReason: text(500).optional(),
      /** offline capture (capture.ts): capture time by the device's clock, and the device's clock when sending */
      deviceCapturedAt: isoDateTime.optional(), deviceNow: isoDateTime.optional(),
      /** patrol track (巡查轨迹): the positions sampled between 开始巡查 and 结束巡查; checked by the service (PATROL_TRACK_*) */
      track: z.object({ points: z.array(trackPoint).max(10_000) }).optional(),
    })
      .refine((i) => (i.lng === undefined) === (i.lat === undefined), { message: 'lng 与 lat 须同时提供', path: ['lng'] })
      .refine((i) => Boolean(i.inspector) || (i.inspectors?.length ?? 0) > 0, { message: '请填写检查人', path: ['inspectors'] })
      .refine((i) => i.findings.length > 0 || i.checklist.length > 0, { message: '请填写检查情况或勾选清单', path: ['findings'] }))
    .mutation(({ ctx, input }) => recordInspection(ctx.db, ctx.user, input, ctx.now(), ctx.catalog)),

  /** A leader approves a 补录 (late) inspection so that it may count as done; audited. */
  approveLate: authedProcedure
    .input(z.object({ id, note: text(500).default('') }))
    .mutation(({ ctx, input }) => approveLateInspection(ctx.db, ctx.user, input, ctx.now())),

  /** The inspections of a month, newest first; a department sees its own only. */
  listForMonth: scopedProcedure
    .input(z.object({ month, departmentId: id.optional(), gridId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const departmentId = ctx.scope.department(input.departmentId)
      const rows = await ctx.db.inspection.findMany({
        where: { month: input.month, departmentId, gridId: input.gridId },
        include: inspectionInclude, orderBy: [{ date: 'desc' }, { id: 'desc' }],
      })
      return rows.map(inspectionView)
    }),

  /** The patrol track of one inspection (null: none); a department reads its own department's only. */
  track: scopedProcedure
    .input(z.object({ inspectionId: id }))
    .query(({ ctx, input }) => trackOfInspection(ctx.db, ctx.user, input.inspectionId)),

  /** The latest inspection's patrol track of a grid in a month (null: none), among the inspections the caller may see. */
  latestTrack: scopedProcedure
    .input(z.object({ gridId: id, month }))
    .query(({ ctx, input }) => latestTrackOfGrid(ctx.db, ctx.user, input.gridId, input.month)),

  /** Inspections of the month not proven on site: outside the grid, or sent without a location (leaders). */
  notOnSite: authedProcedure
    .input(z.object({ month, departmentId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.inspection.findMany({
        where: { month: input.month, departmentId: input.departmentId },
        include: inspectionInclude, orderBy: [{ departmentId: 'asc' }, { date: 'desc' }],
      })
      // not proof of presence by the one rule (presence.ts), with its reasons (first = the main one)
      return rows.map((r) => ({ r, reasons: presenceFailures(inspectionFact(r)) })).filter((x) => x.reasons.length > 0)
        .map(({ r, reasons }) => ({ ...inspectionView(r), reason: reasons[0]!, reasons }))
    }),
})
