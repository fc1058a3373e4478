import { z } from 'zod'
import { holderOn } from '../../domain/holder.ts'
import { checkPresence } from '../../domain/inspection/presence.ts'
import { parseChecklist } from '../../domain/inspection/themes.ts'
import { monthOf } from '../../domain/time.ts'
import { attachPhotos } from '../../services/photos.ts'
import { badInput, forbidden, notFound } from '../errors.ts'
import { id, isoDateTime, lat, lng, month, text } from '../inputs.ts'
import { authedProcedure, router, type SessionUser } from '../trpc.ts'

const presenceTolerance = () => Number(process.env.PRESENCE_TOLERANCE_M ?? 50)

const checklistItem = z.object({ item: text(200).min(1), ok: z.boolean(), note: text(500).optional() })

/** A department user sees its own department only; others may pick one or see all. */
export function departmentScope(user: SessionUser, requested: number | undefined): number | undefined {
  if (user.role !== 'department') return requested
  if (requested !== undefined && requested !== user.departmentId) throw forbidden('只能查看本部门的数据', 'NOT_YOUR_DEPARTMENT')
  return user.departmentId ?? -1
}

const inspectionInclude = {
  department: { select: { name: true } },
  grid: { select: { name: true, code: true } },
  createdBy: { select: { displayName: true } },
  photos: { select: { id: true } },
} as const

type InspectionRow = {
  id: number; gridId: number; departmentId: number; date: Date; month: string; inspector: string; findings: string; checklist: string
  lng: number | null; lat: number | null; onSite: boolean | null; distanceOutside: number | null; createdAt: Date
  department: { name: string }; grid: { name: string; code: string }; createdBy: { displayName: string }; photos: { id: number }[]
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
    photoIds: i.photos.map((p) => p.id), createdAt: i.createdAt.toISOString(),
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
    })
      .refine((i) => (i.lng === undefined) === (i.lat === undefined), { message: 'lng 与 lat 须同时提供', path: ['lng'] })
      .refine((i) => Boolean(i.inspector) || (i.inspectors?.length ?? 0) > 0, { message: '请填写检查人', path: ['inspectors'] })
      .refine((i) => i.findings.length > 0 || i.checklist.length > 0, { message: '请填写检查情况或勾选清单', path: ['findings'] }))
    .mutation(async ({ ctx, input }) => {
      const grid = ctx.catalog.get(input.gridId)
      if (!grid) throw notFound('网格', 'GRID_NOT_FOUND')
      const now = ctx.now()
      const date = new Date(input.date)
      if (date.getTime() > now.getTime() + 5 * 60_000) throw badInput('检查日期不能晚于现在', 'DATE_IN_FUTURE')
      const holder = holderOn(await ctx.db.gridHolder.findMany({ where: { gridId: grid.id } }), date)
      if (!holder) throw badInput(`${grid.name} 在该日期没有包抓部门`, 'GRID_UNHELD')
      if (ctx.user.role === 'department' && holder.departmentId !== ctx.user.departmentId) {
        throw forbidden(`${grid.name} 不是本部门包抓的网格`, 'NOT_YOUR_GRID')
      }
      const presence = input.lng !== undefined && input.lat !== undefined
        ? checkPresence(grid.geometry, input.lng, input.lat, presenceTolerance()) : null
      const inspector = [...new Set([...(input.inspector ? [input.inspector] : []), ...(input.inspectors ?? [])])].join('，').slice(0, 200)
      const row = await ctx.db.$transaction(async (tx) => {
        const created = await tx.inspection.create({
          data: {
            gridId: grid.id, departmentId: holder.departmentId, date, month: monthOf(date), inspector,
            findings: input.findings, checklist: JSON.stringify(input.checklist),
            lng: input.lng ?? null, lat: input.lat ?? null, onSite: presence?.onSite ?? null,
            distanceOutside: presence ? Math.round(presence.distanceOutside * 10) / 10 : null,
            createdById: ctx.user.id,
          },
        })
        await attachPhotos(tx, input.photoIds, { inspectionId: created.id }, ctx.user)
        await tx.auditLog.create({ data: {
          actorId: ctx.user.id, action: 'inspection.record', entity: 'Inspection', entityId: String(created.id), before: null,
          after: JSON.stringify({ ...created, photoIds: input.photoIds }),
        } })
        return created
      })
      return {
        id: row.id, gridId: row.gridId, departmentId: row.departmentId, date: row.date.toISOString(), month: row.month,
        onSite: row.onSite, distanceOutside: presence?.distanceOutside ?? null, photoIds: [...new Set(input.photoIds)],
      }
    }),

  /** The inspections of a month, newest first; a department sees its own only. */
  listForMonth: authedProcedure
    .input(z.object({ month, departmentId: id.optional(), gridId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const departmentId = departmentScope(ctx.user, input.departmentId)
      const rows = await ctx.db.inspection.findMany({
        where: { month: input.month, departmentId, gridId: input.gridId },
        include: inspectionInclude, orderBy: [{ date: 'desc' }, { id: 'desc' }],
      })
      return rows.map(inspectionView)
    }),

  /** Inspections of the month not proven on site: outside the grid, or sent without a location (leaders). */
  notOnSite: authedProcedure
    .input(z.object({ month, departmentId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.inspection.findMany({
        where: { month: input.month, departmentId: input.departmentId, OR: [{ onSite: false }, { onSite: null }] },
        include: inspectionInclude, orderBy: [{ departmentId: 'asc' }, { date: 'desc' }],
      })
      return rows.map((r) => ({ ...inspectionView(r), reason: r.onSite === false ? 'outside' as const : 'noLocation' as const }))
    }),
})
