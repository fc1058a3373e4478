/** 督办单: the list and one notice (a department its own only), and the department's reply. */
import { z } from 'zod'
import { notFound } from '../../domain/errors.ts'
import { replySupervision, supervisionView } from '../../services/supervision.ts'
import { id, text } from '../inputs.ts'
import { router, scopedProcedure } from '../trpc.ts'

export const supervisionRouter = router({
  list: scopedProcedure
    .input(z.object({ open: z.boolean().optional(), problemId: id.optional() }).default({}))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.supervisionNotice.findMany({
        where: { ...ctx.scope.where(), ...(input.open ? { repliedAt: null } : {}), ...(input.problemId ? { problemId: input.problemId } : {}) },
        orderBy: [{ year: 'desc' }, { seq: 'desc' }], take: 500,
      })
      return Promise.all(rows.map((r) => supervisionView(ctx.db, r)))
    }),

  byId: scopedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const row = await ctx.db.supervisionNotice.findUnique({ where: { id: input.id } })
    if (!row) throw notFound('督办单', 'SUPERVISION_NOT_FOUND')
    ctx.scope.assert(row, '该督办单不是发给本部门的')
    return supervisionView(ctx.db, row)
  }),

  /** The department's written reply (整改情况), once. */
  reply: scopedProcedure
    .input(z.object({ id, text: text(2000).min(1) }))
    .mutation(async ({ ctx, input }) => replySupervision(ctx.db, ctx.user, input, ctx.now())),
})
