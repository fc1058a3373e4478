import { z } from 'zod'
import { recordMeeting } from '../../services/meetings.ts'
import { id, isoDateTime, month, text } from '../inputs.ts'
import { router, scopedProcedure } from '../trpc.ts'

type MeetingRow = { id: number; departmentId: number; date: Date; month: string; attendees: string; topics: string; decisions: string; createdAt: Date; department: { name: string }; createdBy: { displayName: string } }
const meetingView = (m: MeetingRow) => ({
  id: m.id, departmentId: m.departmentId, departmentName: m.department.name, date: m.date.toISOString(), month: m.month,
  attendees: m.attendees, topics: m.topics, decisions: m.decisions, createdBy: m.createdBy.displayName, createdAt: m.createdAt.toISOString(),
})
const include = { department: { select: { name: true } }, createdBy: { select: { displayName: true } } } as const

export const meetingRouter = router({
  /** Record the monthly coordination meeting (每月工作协调会): a department for itself, an admin for any. */
  record: scopedProcedure
    .input(z.object({
      departmentId: id.optional(), date: isoDateTime,
      attendees: text(1000).min(1), topics: text(3000).min(1), decisions: text(3000).default(''),
    }))
    .mutation(async ({ ctx, input }) => meetingView(await recordMeeting(ctx.db, ctx.user, input, ctx.now(), include))),

  /** Meetings of a month or a range of months; a department sees its own only. */
  list: scopedProcedure
    .input(z.object({ month: month.optional(), from: month.optional(), to: month.optional(), departmentId: id.optional() })
      .refine((i) => !(i.month && (i.from || i.to)), { message: 'month 与 from/to 不能同时使用', path: ['month'] }))
    .query(async ({ ctx, input }) => {
      const departmentId = ctx.scope.department(input.departmentId)
      const monthFilter = input.month ? input.month
        : input.from || input.to ? { gte: input.from, lte: input.to } : undefined
      const rows = await ctx.db.meeting.findMany({ where: { departmentId, month: monthFilter }, include, orderBy: [{ date: 'desc' }, { id: 'desc' }] })
      return rows.map(meetingView)
    }),
})
