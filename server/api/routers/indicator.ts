/**
 * The evaluation task list (测评任务清单): indicators with the five assignments, their milestones
 * (进度) and the progress table. Scope: a department user sees the indicators its department is
 * responsible for (lead or assisting) — "my indicators" — and may update milestone progress only on
 * those; leaders and admins see and edit everything.
 */
import { z } from 'zod'
import { INDICATOR_STATUSES } from '../../domain/evaluation/schedule.ts'
import { yearOf } from '../../domain/time.ts'
import { indicatorView, loadIndicators, progressWorkbook } from '../../services/evaluation.ts'
import { importIndicators, reportMilestoneProgress, updateIndicator } from '../../services/indicators.ts'
import { forbidden, notFound } from '../../domain/errors.ts'
import { id, rowVersion, isoDay, text } from '../inputs.ts'
import { authedProcedure, router, scopedProcedure } from '../trpc.ts'
import type { Context, SessionUser } from '../trpc.ts'
import type { Scope } from '../../services/scope.ts'

const year = z.number().int().min(2000).max(2100)
const departmentInput = z.object({ name: text(100).min(1), role: z.enum(['lead', 'assist']).default('lead'), staff: text(200).default('') })
const indicatorInput = z.object({
  code: text(30).min(1), name: text(100).min(1), standard: text(2000).default(''), points: z.number().finite().min(0).max(1000),
  siteTypes: z.array(text(30).min(1)).max(30).default([]), leadLeader: text(100).default(''), task: text(2000).default(''),
  departments: z.array(departmentInput).min(1, '至少一个责任单位').max(20),
  milestones: z.array(z.object({ title: text(200).min(1), dueDate: isoDay })).max(30).default([]),
})

const chinaYear = (d: Date) => yearOf(d)

async function listViews(ctx: Context & { user: SessionUser; scope: Scope }, input: { year?: number; departmentId?: number; status?: (typeof INDICATOR_STATUSES)[number]; overdue?: boolean; mine?: boolean }) {
  const scope = ctx.scope
  const departmentId = scope.own !== null ? scope.department(input.departmentId, '只能查看本部门负责的指标') : (input.mine ? (ctx.user.departmentId ?? -1) : input.departmentId)
  const now = ctx.now()
  const views = (await loadIndicators(ctx.db, { year: input.year, departmentId })).map((i) => indicatorView(i, now))
  return views.filter((v) => (!input.status || v.status === input.status) && (input.overdue === undefined || (v.overdueMilestones > 0) === input.overdue))
}

const listInput = z.object({
  year: year.optional(), departmentId: id.optional(), status: z.enum(INDICATOR_STATUSES).optional(), overdue: z.boolean().optional(),
  /** leaders: only the indicators of their own department */
  mine: z.boolean().optional(),
})

export const indicatorRouter = router({
  /** The progress table: indicators with departments, staff, milestones, progress, status and countdown. */
  list: scopedProcedure.input(listInput).query(async ({ ctx, input }) => {
    const items = await listViews(ctx, input)
    const counts = Object.fromEntries(INDICATOR_STATUSES.map((s) => [s, items.filter((i) => i.status === s).length])) as Record<(typeof INDICATOR_STATUSES)[number], number>
    const countdown = items.length ? Math.min(...items.map((i) => i.countdown).filter((c) => c >= 0).concat([Infinity])) : null
    const nextDate = items.find((i) => i.countdown === countdown)?.evaluationDate ?? null
    return { items, counts, countdown: countdown === Infinity ? null : countdown, evaluationDate: nextDate, scoped: ctx.scope.own !== null }
  }),

  byId: scopedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const [row] = await loadIndicators(ctx.db, { ids: [input.id] })
    if (!row) throw notFound('指标', 'INDICATOR_NOT_FOUND')
    const scope = ctx.scope.own ?? undefined
    if (scope !== undefined && !row.departments.some((d) => d.departmentId === scope)) throw forbidden('只能查看本部门负责的指标', 'NOT_YOUR_INDICATOR')
    return indicatorView(row, ctx.now())
  }),

  /**
   * Import the year's indicators (JSON rows from the entry form, or CSV text with a header row).
   * All or nothing: with any bad row nothing is written and the report says which rows and why.
   * An indicator whose code already exists that year is skipped (reported), never overwritten.
   */
  import: authedProcedure
    .input(z.object({
      year, evaluationDate: isoDay, rows: z.array(indicatorInput).max(500).optional(), csv: z.string().max(2_000_000).optional(), dryRun: z.boolean().default(false),
    }).refine((i) => (i.rows === undefined) !== (i.csv === undefined), { message: '请提供 rows 或 csv 之一', path: ['rows'] }))
    .mutation(({ ctx, input }) => importIndicators(ctx.db, ctx.user, input, ctx.now())),

  /** Edit an indicator's fields and responsible departments (leaders/admins), with a version check. */
  update: authedProcedure
    .input(z.object({
      id, version: rowVersion,
      name: text(100).min(1).optional(), standard: text(2000).optional(), points: z.number().finite().min(0).max(1000).optional(),
      siteTypes: z.array(text(30).min(1)).max(30).optional(), leadLeader: text(100).optional(), task: text(2000).optional(), evaluationDate: isoDay.optional(),
      departments: z.array(z.object({ departmentId: id, role: z.enum(['lead', 'assist']), staff: text(200).default('') })).min(1).max(20).optional(),
      addMilestones: z.array(z.object({ title: text(200).min(1), dueDate: isoDay })).max(30).optional(),
    }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      await updateIndicator(ctx.db, ctx.user, input, now)
      const [row] = await loadIndicators(ctx.db, { ids: [input.id] })
      return indicatorView(row!, now)
    }),

  /** Report a milestone's progress (0–100). A department only on indicators it is responsible for. */
  milestoneUpdate: scopedProcedure
    .input(z.object({ id, version: rowVersion, progress: z.number().int().min(0).max(100), note: text(1000).optional() }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      const indicatorId = await reportMilestoneProgress(ctx.db, ctx.user, input, now)
      const [row] = await loadIndicators(ctx.db, { ids: [indicatorId] })
      return indicatorView(row!, now)
    }),

  /** The progress table as an Excel workbook (base64), same filters and scope as `list`. */
  export: scopedProcedure.input(listInput).query(async ({ ctx, input }) => {
    const now = ctx.now()
    const items = await listViews(ctx, input)
    const xlsx = await progressWorkbook(items, now)
    return { fileName: `测评任务进度表-${input.year ?? chinaYear(now)}.xlsx`, base64: xlsx.toString('base64'), rows: items.length }
  }),
})
