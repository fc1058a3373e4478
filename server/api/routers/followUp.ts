/** 回访: record one after closure (leadership), list a problem's, and the satisfaction rate per department. */
import { z } from 'zod'
import { FOLLOW_UP_OUTCOMES } from '../../domain/problem/followUp.ts'
import { notFound } from '../../domain/errors.ts'
import { recordFollowUp, satisfaction } from '../../services/followUp.ts'
import { id, isoDateTime, rowVersion, text } from '../inputs.ts'
import { router, scopedProcedure } from '../trpc.ts'

type Row = { id: number; problemId: number; departmentId: number | null; outcome: string; note: string; reopened: boolean; byId: number; at: Date }
const view = (f: Row, by?: string) => ({ id: f.id, problemId: f.problemId, departmentId: f.departmentId, outcome: f.outcome, note: f.note, reopened: f.reopened, by: by ?? null, at: f.at.toISOString() })

export const followUpRouter = router({
  record: scopedProcedure
    .input(z.object({ problemId: id, outcome: z.enum(FOLLOW_UP_OUTCOMES), note: text(1000).default(''), reopen: z.boolean().default(false), version: rowVersion.optional() }))
    .mutation(async ({ ctx, input }) => view(await recordFollowUp(ctx, ctx.user, input, ctx.now()))),

  /** A problem's 回访 records (a department only for its own problems). */
  list: scopedProcedure.input(z.object({ problemId: id })).query(async ({ ctx, input }) => {
    const p = await ctx.db.problem.findUnique({ where: { id: input.problemId }, select: { departmentId: true } })
    if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
    ctx.scope.assert(p, '该问题不属于本部门')
    const rows = await ctx.db.problemFollowUp.findMany({ where: { problemId: input.problemId }, orderBy: { id: 'desc' } })
    const users = new Map((await ctx.db.user.findMany({ where: { id: { in: rows.map((r) => r.byId) } }, select: { id: true, displayName: true } })).map((u) => [u.id, u.displayName]))
    return rows.map((r) => view(r, users.get(r.byId)))
  }),

  /** 满意率 per department over 回访 recorded in [from, to) (each problem's latest); a department sees its own. */
  satisfaction: scopedProcedure
    .input(z.object({ from: isoDateTime.optional(), to: isoDateTime.optional() }).default({}))
    .query(async ({ ctx, input }) => {
      const own = ctx.scope.department(undefined)
      const rows = await satisfaction(ctx.db, { from: input.from ? new Date(input.from) : undefined, to: input.to ? new Date(input.to) : undefined, departmentId: own ?? undefined })
      const names = new Map((await ctx.db.department.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name]))
      return rows.map((r) => ({ ...r, name: r.departmentId === null ? '未分配' : (names.get(r.departmentId) ?? `#${r.departmentId}`) }))
    }),
})
