/**
 * Grid responsibility (包抓) administration: assign a department to a grid from a date. The previous
 * holder's period ends where the new one starts; history is never overwritten. Admin only.
 */
import { z } from 'zod'
import type { Db } from '../../db/client.ts'
import { writeAudit } from '../../services/audit.ts'
import { badInput, conflict, notFound } from '../../domain/errors.ts'
import { id, isoDateTime, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'
import { failpoint } from '../../services/failpoints.ts'

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

const holderFields = {
  departmentId: id,
  cadreName: text(50).min(1),
  cadreTitle: text(50).min(1),
  contactName: text(50).min(1),
  contactPhone: text(30).min(1),
  validFrom: isoDateTime,
}

const view = (h: { id: number; gridId: number; departmentId: number; cadreName: string; cadreTitle: string; contactName: string; contactPhone: string; validFrom: Date; validTo: Date | null; department?: { name: string } }) => ({
  id: h.id, gridId: h.gridId, departmentId: h.departmentId, departmentName: h.department?.name ?? null,
  cadreName: h.cadreName, cadreTitle: h.cadreTitle, contactName: h.contactName, contactPhone: h.contactPhone,
  validFrom: h.validFrom.toISOString(), validTo: h.validTo?.toISOString() ?? null,
})

type AssignInput = { gridId: number; departmentId: number; cadreName: string; cadreTitle: string; contactName: string; contactPhone: string; validFrom: Date }

/**
 * One assignment inside a transaction. Returns null when the grid is already held exactly so
 * (same department from the same instant): a retried request changes nothing.
 */
async function assignOne(tx: Tx, actorId: number, a: AssignInput, expectedHolderId?: number | null) {
  const open = await tx.gridHolder.findMany({ where: { gridId: a.gridId, validTo: null }, include: { department: { select: { name: true } } }, orderBy: { validFrom: 'desc' } })
  const current = open[0] ?? null
  if (current && current.departmentId === a.departmentId && current.validFrom.getTime() === a.validFrom.getTime()) return null
  if (expectedHolderId !== undefined && (current?.id ?? null) !== expectedHolderId) {
    throw conflict('该网格的包抓单位已被他人修改，请刷新后重试', 'HOLDER_CONFLICT')
  }
  const later = await tx.gridHolder.count({ where: { gridId: a.gridId, validFrom: { gte: a.validFrom } } })
  if (later > 0) throw badInput('起始日期须晚于该网格现有包抓记录的起始日期', 'HOLDER_DATE_NOT_AFTER_CURRENT')
  for (const prev of open) {
    const ended = await tx.gridHolder.updateMany({ where: { id: prev.id, validTo: null }, data: { validTo: a.validFrom } })
    if (ended.count !== 1) throw conflict('该网格的包抓单位已被他人修改，请刷新后重试', 'HOLDER_CONFLICT')
  }
  const row = await tx.gridHolder.create({ data: { ...a, validTo: null }, include: { department: { select: { name: true } } } })
  await writeAudit(tx, {
    actorId, action: 'holder.assign', entity: 'grid', entityId: a.gridId,
    before: current ? view(current) : null, after: view(row),
  })
  return row
}

async function checkRefs(db: Db, departmentId: number) {
  if (!(await db.department.findUnique({ where: { id: departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
}

export const holderRouter = router({
  /** A grid's holder history, newest first. */
  history: authedProcedure.input(z.object({ gridId: id })).query(async ({ ctx, input }) => {
    if (!ctx.catalog.get(input.gridId)) throw notFound('网格', 'GRID_NOT_FOUND')
    const rows = await ctx.db.gridHolder.findMany({ where: { gridId: input.gridId }, include: { department: { select: { name: true } } }, orderBy: { validFrom: 'desc' } })
    return rows.map(view)
  }),

  /**
   * Assign a department to a grid from a date. `expectedHolderId` is the id of the holder period
   * the editor saw (null: none); if someone changed it meanwhile the call fails with HOLDER_CONFLICT.
   */
  assign: authedProcedure
    .input(z.object({ gridId: id, expectedHolderId: id.nullable(), ...holderFields }))
    .mutation(async ({ ctx, input }) => {
      if (!ctx.catalog.get(input.gridId)) throw notFound('网格', 'GRID_NOT_FOUND')
      await checkRefs(ctx.db, input.departmentId)
      const { expectedHolderId, validFrom, ...rest } = input
      const row = await ctx.db.$transaction((tx) => assignOne(tx, ctx.user.id, { ...rest, validFrom: new Date(validFrom) }, expectedHolderId))
      return { changed: row !== null, holder: row ? view(row) : null }
    }),

  /**
   * Assign one department to many grids from one date, all or nothing (one transaction).
   * Idempotent: grids already held so are left alone, so a retry after a failure is safe.
   */
  bulkAssign: authedProcedure
    .input(z.object({ gridIds: z.array(id).min(1).max(20_000), ...holderFields }))
    .mutation(async ({ ctx, input }) => {
      const gridIds = [...new Set(input.gridIds)]
      const unknown = gridIds.filter((g) => !ctx.catalog.get(g))
      if (unknown.length) throw badInput(`网格不存在：${unknown.slice(0, 10).join(', ')}`, 'GRID_NOT_FOUND', { unknown })
      await checkRefs(ctx.db, input.departmentId)
      const { gridIds: _ignored, validFrom, ...rest } = input
      const from = new Date(validFrom)
      let assigned = 0
      await ctx.db.$transaction(async (tx) => {
        for (const [i, gridId] of gridIds.entries()) {
          if ((await assignOne(tx, ctx.user.id, { ...rest, gridId, validFrom: from })) !== null) assigned++
          await failpoint('holder.bulkAssign', i, gridIds.length)
        }
      }, { timeout: 120_000, maxWait: 10_000 })
      return { assigned, unchanged: gridIds.length - assigned }
    }),
})
