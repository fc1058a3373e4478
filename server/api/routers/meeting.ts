import { z } from 'zod'
import { monthOf } from '../../domain/time.ts'
import { badInput, notFound } from '../errors.ts'
import { id, isoDateTime, month, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'
import { departmentScope } from './inspection.ts'

type MeetingRow = { id: number; departmentId: number; date: Date; month: string; attendees: string; topics: string; decisions: string; createdAt: Date; department: { name: string }; createdBy: { displayName: string } }
const meetingView = (m: MeetingRow) => ({
  id: m.id, departmentId: m.departmentId, departmentName: m.department.name, date: m.date.toISOString(), month: m.month,
  attendees: m.attendees, topics: m.topics, decisions: m.decisions, createdBy: m.createdBy.displayName, createdAt: m.createdAt.toISOString(),
})
const include = { department: { select: { name: true } }, createdBy: { select: { displayName: true } } } as const

export const meetingRouter = router({
  /** Record the monthly coordination meeting (每月工作协调会): a department for itself, an admin for any. */
  record: authedProcedure
    .input(z.object({
      departmentId: id.optional(), date: isoDateTime,
      attendees: text(1000).min(1), topics: text(3000).min(1), decisions: text(3000).default(''),
    }))
    .mutation(async ({ ctx, input }) => {
      const departmentId = ctx.user.role === 'department' ? departmentScope(ctx.user, input.departmentId)! : input.departmentId
      if (departmentId === undefined) throw badInput('请选择部门', 'DEPARTMENT_REQUIRED')
      if (!(await ctx.db.department.findUnique({ where: { id: departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
      const date = new Date(input.date)
      if (date.getTime() > ctx.now().getTime() + 5 * 60_000) throw badInput('会议日期不能晚于现在', 'DATE_IN_FUTURE')
      const m = await ctx.db.$transaction(async (tx) => {
        const created = await tx.meeting.create({
          data: { departmentId, date, month: monthOf(date), attendees: input.attendees, topics: input.topics, decisions: input.decisions, createdById: ctx.user.id },
          include,
        })
        await tx.auditLog.create({ data: { actorId: ctx.user.id, action: 'meeting.record', entity: 'Meeting', entityId: String(created.id), after: JSON.stringify({ departmentId, date, attendees: input.attendees, topics: input.topics, decisions: input.decisions }) } })
        return created
      })
      return meetingView(m)
    }),

  /** Meetings of a month or a range of months; a department sees its own only. */
  list: authedProcedure
    .input(z.object({ month: month.optional(), from: month.optional(), to: month.optional(), departmentId: id.optional() })
      .refine((i) => !(i.month && (i.from || i.to)), { message: 'month 与 from/to 不能同时使用', path: ['month'] }))
    .query(async ({ ctx, input }) => {
      const departmentId = departmentScope(ctx.user, input.departmentId)
      const monthFilter = input.month ? input.month
        : input.from || input.to ? { gte: input.from, lte: input.to } : undefined
      const rows = await ctx.db.meeting.findMany({ where: { departmentId, month: monthFilter }, include, orderBy: [{ date: 'desc' }, { id: 'desc' }] })
      return rows.map(meetingView)
    }),
})
