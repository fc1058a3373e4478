/**
 * Grid responsibility (包抓) administration: assign a department to a grid from a date. The previous
 * holder's period ends where the new one starts; history is never overwritten. Admin only.
 */
import { z } from 'zod'
import { assignHolder, bulkAssignHolders, holderRowView } from '../../services/admin.ts'
import { registerAt } from '../../services/register.ts'
import { todayInChina } from '../../domain/time.ts'
import { notFound } from '../../domain/errors.ts'
import { id, isoDateTime, isoDay, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const holderFields = {
  departmentId: id,
  cadreName: text(50).min(1),
  cadreTitle: text(50).min(1),
  contactName: text(50).min(1),
  contactPhone: text(30).min(1),
  validFrom: isoDateTime,
}

export const holderRouter = router({
  /** A grid's holder history, newest first. */
  history: authedProcedure.input(z.object({ gridId: id })).query(async ({ ctx, input }) => {
    if (!ctx.catalog.get(input.gridId)) throw notFound('网格', 'GRID_NOT_FOUND')
    const rows = await ctx.db.gridHolder.findMany({ where: { gridId: input.gridId }, include: { department: { select: { name: true } } }, orderBy: { validFrom: 'desc' } })
    return rows.map(holderRowView)
  }),

  /**
   * Assign a department to a grid from a date. `expectedHolderId` is the id of the holder period
   * the editor saw (null: none); if someone changed it meanwhile the call fails with HOLDER_CONFLICT.
   */
  assign: authedProcedure
    .input(z.object({ gridId: id, expectedHolderId: id.nullable(), ...holderFields }))
    .mutation(({ ctx, input }) => assignHolder(ctx, ctx.user.id, input)),

  /**
   * Assign one department to many grids from one date, all or nothing (one transaction).
   * Idempotent: grids already held so are left alone, so a retry after a failure is safe.
   */
  bulkAssign: authedProcedure
    .input(z.object({ gridIds: z.array(id).min(1).max(20_000), ...holderFields }))
    .mutation(({ ctx, input }) => bulkAssignHolders(ctx, ctx.user.id, input)),

  /**
   * The grid register (网格台账) in force on a Beijing day (default today): how many grids are held
   * and how many are not. The register itself is imported and exported as a file (api/registerHttp.ts).
   */
  register: authedProcedure.input(z.object({ date: isoDay.optional() }).optional()).query(async ({ ctx, input }) => {
    const date = input?.date ?? todayInChina(ctx.now())
    const { rows, unheld } = await registerAt(ctx.db, ctx.catalog, date)
    return { date, held: rows.length, unheld, departments: new Set(rows.map((r) => r[3])).size }
  }),
})
