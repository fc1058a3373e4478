import { z } from 'zod'
import { listCalendar, removeCalendarDay, setCalendarDay, setCalendarYear } from '../../services/calendar.ts'
import { text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期应为 YYYY-MM-DD' })

/** The holiday calendar (节假日安排) behind working-day deadlines; admins keep later years up to date. */
export const calendarRouter = router({
  /** The holidays and adjusted working days of a year, and whether the year is known / provisional. */
  list: authedProcedure
    .input(z.object({ year: z.number().int().min(2000).max(2100) }))
    .query(({ ctx, input }) => listCalendar(ctx.db, input.year)),

  /** Marks a day as a holiday (放假) or an adjusted working weekend day (调休上班). Audited. */
  set: authedProcedure
    .input(z.object({ day, kind: z.enum(['holiday', 'workday']), name: text(40).min(1) }))
    .mutation(({ ctx, input }) => setCalendarDay(ctx.db, ctx.catalog.holidays, ctx.user, input, ctx.now())),

  /** Marks a year as entered from the State Council notice (with its source) or as provisional. Audited. */
  setYear: authedProcedure
    .input(z.object({ year: z.number().int().min(2000).max(2100), provisional: z.boolean(), source: text(200) }))
    .mutation(({ ctx, input }) => setCalendarYear(ctx.db, ctx.catalog.holidays, ctx.user, input, ctx.now())),

  /** Removes a day from the calendar: it follows the weekly rule again. Audited. */
  remove: authedProcedure
    .input(z.object({ day }))
    .mutation(({ ctx, input }) => removeCalendarDay(ctx.db, ctx.catalog.holidays, ctx.user, input, ctx.now())),
})
