import { z } from 'zod'
import { loadTheme } from '../../services/monthly.ts'
import { month, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

export const themeRouter = router({
  /** The month's theme (一月一主题): the configured one, else the default for that calendar month. */
  get: authedProcedure
    .input(z.object({ month }))
    .query(({ ctx, input }) => loadTheme(ctx.db, input.month)),

  /** Configure a month's theme and checklist (admin). */
  set: authedProcedure
    .input(z.object({ month, title: text(100).min(1), checklist: z.array(text(200).min(1)).min(1).max(30) }))
    .mutation(async ({ ctx, input }) => {
      const before = await ctx.db.monthlyTheme.findUnique({ where: { month: input.month } })
      const data = { title: input.title, checklist: JSON.stringify(input.checklist) }
      await ctx.db.$transaction([
        ctx.db.monthlyTheme.upsert({ where: { month: input.month }, create: { month: input.month, ...data }, update: data }),
        ctx.db.auditLog.create({ data: { actorId: ctx.user.id, action: 'theme.set', entity: 'MonthlyTheme', entityId: input.month, before: before ? JSON.stringify(before) : null, after: JSON.stringify({ month: input.month, ...data }) } }),
      ])
      return loadTheme(ctx.db, input.month)
    }),
})
