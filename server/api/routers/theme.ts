import { z } from 'zod'
import { loadTheme, setTheme } from '../../services/monthly.ts'
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
    .mutation(({ ctx, input }) => setTheme(ctx.db, ctx.user.id, input)),
})
