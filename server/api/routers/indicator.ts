/**
 * The evaluation task list (测评任务清单): indicators with the five assignments, their milestones
 * (进度) and the progress table. Scope: a department user sees the indicators its department is
 * responsible for (lead or assisting) — "my indicators" — and may update milestone progress only on
 * those; leaders and admins see and edit everything.
 */
import Papa from 'papaparse'
import { z } from 'zod'
import { parseIndicatorRows, type IndicatorDraft } from '../../domain/evaluation/indicatorRows.ts'
import { clampProgress, INDICATOR_STATUSES } from '../../domain/evaluation/schedule.ts'
import { chinaDate, yearOf } from '../../domain/time.ts'
import { writeAudit } from '../../services/audit.ts'
import { indicatorView, loadIndicators, progressWorkbook } from '../../services/evaluation.ts'
import { badInput, conflict, forbidden, notFound } from '../../domain/errors.ts'
import { id, rowVersion, isoDay, text } from '../inputs.ts'
import { isIsoDay } from '../../domain/inputRules.ts'
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
    .mutation(async ({ ctx, input }) => {
      const drafts: { row: number; draft?: IndicatorDraft; message?: string }[] = []
      if (input.csv !== undefined) {
        const parsed = Papa.parse<string[]>(input.csv.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' })
        const [header, ...rows] = parsed.data
        if (!header) throw badInput('CSV 为空', 'IMPORT_NO_HEADER')
        for (const r of parseIndicatorRows(header, rows)) drafts.push(r.ok ? { row: r.row, draft: r.draft } : { row: r.row, message: r.message })
      } else {
        input.rows!.forEach((r, i) => drafts.push({ row: i + 1, draft: r }))
      }
      const departments = new Map((await ctx.db.department.findMany({ select: { id: true, name: true, shortName: true } })).flatMap((d) => [[d.name, d.id], [d.shortName, d.id]] as const))
      const existing = new Set((await ctx.db.indicator.findMany({ where: { year: input.year }, select: { code: true } })).map((i) => i.code))
      const seen = new Set<string>()
      const report = drafts.map((d) => {
        if (!d.draft) return { row: d.row, code: null, status: 'failed' as const, message: d.message! }
        const unknown = d.draft.departments.find((x) => !departments.has(x.name))
        if (unknown) return { row: d.row, code: d.draft.code, status: 'failed' as const, message: `责任单位“${unknown.name}”不存在` }
        const badDay = d.draft.milestones.find((m) => !isIsoDay(m.dueDate))
        if (badDay) return { row: d.row, code: d.draft.code, status: 'failed' as const, message: `进度节点日期“${badDay.dueDate}”无效` }
        if (existing.has(d.draft.code)) return { row: d.row, code: d.draft.code, status: 'skipped' as const, message: '该年度已有此编号的指标' }
        if (seen.has(d.draft.code)) return { row: d.row, code: d.draft.code, status: 'failed' as const, message: '编号在导入内容中重复' }
        seen.add(d.draft.code)
        return { row: d.row, code: d.draft.code, status: 'ok' as const, message: '' }
      })
      const failed = report.filter((r) => r.status === 'failed').length
      const toCreate = drafts.filter((_, k) => report[k]!.status === 'ok').map((d) => d.draft!)
      const summary = { total: report.length, created: 0, skipped: report.filter((r) => r.status === 'skipped').length, failed }
      if (failed > 0 || input.dryRun) return { ...summary, wouldCreate: toCreate.length, report }
      const evaluationDate = chinaDate(input.evaluationDate)
      const now = ctx.now()
      await ctx.db.$transaction(async (tx) => {
        for (const d of toCreate) {
          const row = await tx.indicator.create({
            data: {
              year: input.year, code: d.code, name: d.name, standard: d.standard, points: d.points, siteTypes: JSON.stringify(d.siteTypes),
              leadLeader: d.leadLeader, task: d.task, evaluationDate,
              departments: { create: dedupeDepartments(d.departments.map((x) => ({ departmentId: departments.get(x.name)!, role: x.role, staff: x.staff }))) },
              milestones: { create: d.milestones.map((m) => ({ title: m.title, dueDate: chinaDate(m.dueDate) })) },
            },
          })
          await writeAudit(tx, { actorId: ctx.user.id, action: 'indicator.create', entity: 'Indicator', entityId: row.id, after: { year: input.year, ...d }, at: now })
        }
      })
      return { ...summary, created: toCreate.length, wouldCreate: toCreate.length, report }
    }),

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
      await ctx.db.$transaction(async (tx) => {
        const before = await tx.indicator.findUnique({ where: { id: input.id }, include: { departments: true } })
        if (!before) throw notFound('指标', 'INDICATOR_NOT_FOUND')
        if (input.departments) {
          const known = await tx.department.count({ where: { id: { in: input.departments.map((d) => d.departmentId) } } })
          if (known !== new Set(input.departments.map((d) => d.departmentId)).size) throw badInput('责任单位不存在', 'UNKNOWN_DEPARTMENT')
        }
        const r = await tx.indicator.updateMany({
          where: { id: input.id, version: input.version },
          data: {
            name: input.name, standard: input.standard, points: input.points, siteTypes: input.siteTypes ? JSON.stringify(input.siteTypes) : undefined,
            leadLeader: input.leadLeader, task: input.task, evaluationDate: input.evaluationDate ? chinaDate(input.evaluationDate) : undefined,
            version: { increment: 1 },
          },
        })
        if (r.count === 0) throw conflict('指标已被他人修改，请刷新后重试')
        if (input.departments) {
          await tx.indicatorDepartment.deleteMany({ where: { indicatorId: input.id } })
          await tx.indicatorDepartment.createMany({ data: dedupeDepartments(input.departments).map((d) => ({ ...d, indicatorId: input.id })) })
        }
        if (input.addMilestones?.length) {
          await tx.milestone.createMany({ data: input.addMilestones.map((m) => ({ indicatorId: input.id, title: m.title, dueDate: chinaDate(m.dueDate) })) })
        }
        await writeAudit(tx, { actorId: ctx.user.id, action: 'indicator.update', entity: 'Indicator', entityId: input.id, before, after: input, at: now })
      })
      const [row] = await loadIndicators(ctx.db, { ids: [input.id] })
      return indicatorView(row!, now)
    }),

  /** Report a milestone's progress (0–100). A department only on indicators it is responsible for. */
  milestoneUpdate: scopedProcedure
    .input(z.object({ id, version: rowVersion, progress: z.number().int().min(0).max(100), note: text(1000).optional() }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      const m = await ctx.db.milestone.findUnique({ where: { id: input.id }, include: { indicator: { include: { departments: true } } } })
      if (!m) throw notFound('进度节点', 'MILESTONE_NOT_FOUND')
      const scope = ctx.scope.own ?? undefined
      if (scope !== undefined && !m.indicator.departments.some((d) => d.departmentId === scope)) {
        throw forbidden('只能填报本部门负责指标的进度', 'NOT_YOUR_INDICATOR')
      }
      const progress = clampProgress(input.progress)
      await ctx.db.$transaction(async (tx) => {
        const r = await tx.milestone.updateMany({
          where: { id: input.id, version: input.version },
          data: { progress, note: input.note, doneAt: progress >= 100 ? (m.doneAt ?? now) : null, version: { increment: 1 } },
        })
        if (r.count === 0) throw conflict('进度已被他人修改，请刷新后重试')
        await tx.indicator.update({ where: { id: m.indicatorId }, data: { updatedAt: now } })
        await writeAudit(tx, { actorId: ctx.user.id, action: 'milestone.progress', entity: 'Milestone', entityId: m.id, before: { progress: m.progress, note: m.note }, after: { progress, note: input.note ?? m.note }, at: now })
      })
      const [row] = await loadIndicators(ctx.db, { ids: [m.indicatorId] })
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

function dedupeDepartments<T extends { departmentId: number }>(rows: T[]): T[] {
  const seen = new Set<number>()
  return rows.filter((r) => (seen.has(r.departmentId) ? false : (seen.add(r.departmentId), true)))
}
