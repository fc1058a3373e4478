/**
 * The evaluation task list's writes (测评任务清单): importing the year's indicators (all or nothing,
 * with a per-row report), editing an indicator (version check) and reporting a milestone's
 * progress (department scope: only indicators the department is responsible for). Each write and
 * its audit row in one transaction.
 */
import Papa from 'papaparse'
import type { Db } from '../db/client.ts'
import { badInput, conflict, forbidden, notFound } from '../domain/errors.ts'
import { parseIndicatorRows, type IndicatorDraft } from '../domain/evaluation/indicatorRows.ts'
import { clampProgress } from '../domain/evaluation/schedule.ts'
import { isIsoDay } from '../domain/inputRules.ts'
import { chinaDate } from '../domain/time.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import { departmentScope } from './scope.ts'

export interface IndicatorImportInput {
  year: number
  evaluationDate: string
  rows?: IndicatorDraft[]
  csv?: string
  dryRun: boolean
}

export type ImportRowStatus = 'ok' | 'skipped' | 'failed'
export interface ImportReportRow { row: number; code: string | null; status: ImportRowStatus; message: string }

/**
 * Import the year's indicators (rows from the entry form, or CSV text with a header row).
 * All or nothing: with any bad row nothing is written and the report says which rows and why.
 * An indicator whose code already exists that year is skipped (reported), never overwritten.
 */
export async function importIndicators(db: Db, user: SessionUser, input: IndicatorImportInput, now: Date) {
  const drafts: { row: number; draft?: IndicatorDraft; message?: string }[] = []
  if (input.csv !== undefined) {
    const parsed = Papa.parse<string[]>(input.csv.replace(/^\uFEFF/, ''), { skipEmptyLines: 'greedy' })
    const [header, ...rows] = parsed.data
    if (!header) throw badInput('CSV 为空', 'IMPORT_NO_HEADER')
    for (const r of parseIndicatorRows(header, rows)) drafts.push(r.ok ? { row: r.row, draft: r.draft } : { row: r.row, message: r.message })
  } else {
    (input.rows ?? []).forEach((r, i) => drafts.push({ row: i + 1, draft: r }))
  }
  const departments = new Map((await db.department.findMany({ select: { id: true, name: true, shortName: true } })).flatMap((d) => [[d.name, d.id], [d.shortName, d.id]] as const))
  const existing = new Set((await db.indicator.findMany({ where: { year: input.year }, select: { code: true } })).map((i) => i.code))
  const seen = new Set<string>()
  const report: ImportReportRow[] = drafts.map((d) => {
    if (!d.draft) return { row: d.row, code: null, status: 'failed', message: d.message! }
    const unknown = d.draft.departments.find((x) => !departments.has(x.name))
    if (unknown) return { row: d.row, code: d.draft.code, status: 'failed', message: `责任单位“${unknown.name}”不存在` }
    const badDay = d.draft.milestones.find((m) => !isIsoDay(m.dueDate))
    if (badDay) return { row: d.row, code: d.draft.code, status: 'failed', message: `进度节点日期“${badDay.dueDate}”无效` }
    if (existing.has(d.draft.code)) return { row: d.row, code: d.draft.code, status: 'skipped', message: '该年度已有此编号的指标' }
    if (seen.has(d.draft.code)) return { row: d.row, code: d.draft.code, status: 'failed', message: '编号在导入内容中重复' }
    seen.add(d.draft.code)
    return { row: d.row, code: d.draft.code, status: 'ok', message: '' }
  })
  const failed = report.filter((r) => r.status === 'failed').length
  const toCreate = drafts.filter((_, k) => report[k]!.status === 'ok').map((d) => d.draft!)
  const summary = { total: report.length, created: 0, skipped: report.filter((r) => r.status === 'skipped').length, failed }
  if (failed > 0 || input.dryRun) return { ...summary, wouldCreate: toCreate.length, report }
  const evaluationDate = chinaDate(input.evaluationDate)
  await db.$transaction(async (tx) => {
    for (const d of toCreate) {
      const row = await tx.indicator.create({
        data: {
          year: input.year, code: d.code, name: d.name, standard: d.standard, points: d.points, siteTypes: JSON.stringify(d.siteTypes),
          leadLeader: d.leadLeader, task: d.task, evaluationDate,
          departments: { create: dedupeDepartments(d.departments.map((x) => ({ departmentId: departments.get(x.name)!, role: x.role, staff: x.staff }))) },
          milestones: { create: d.milestones.map((m) => ({ title: m.title, dueDate: chinaDate(m.dueDate) })) },
        },
      })
      await writeAudit(tx, { actorId: user.id, action: 'indicator.create', entity: 'Indicator', entityId: row.id, after: { year: input.year, ...d }, at: now })
    }
  })
  return { ...summary, created: toCreate.length, wouldCreate: toCreate.length, report }
}

export interface IndicatorUpdateInput {
  id: number
  version: number
  name?: string
  standard?: string
  points?: number
  siteTypes?: string[]
  leadLeader?: string
  task?: string
  evaluationDate?: string
  departments?: { departmentId: number; role: 'lead' | 'assist'; staff: string }[]
  addMilestones?: { title: string; dueDate: string }[]
}

/** Edit an indicator's fields and responsible departments, with a version check (CONFLICT when stale). */
export async function updateIndicator(db: Db, user: SessionUser, input: IndicatorUpdateInput, now: Date): Promise<void> {
  await db.$transaction(async (tx) => {
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
    await writeAudit(tx, { actorId: user.id, action: 'indicator.update', entity: 'Indicator', entityId: input.id, before, after: input, at: now })
  })
}

export interface MilestoneProgressInput { id: number; version: number; progress: number; note?: string }

/**
 * Report a milestone's progress (0–100). A department user only on indicators its department is
 * responsible for (FORBIDDEN NOT_YOUR_INDICATOR). Returns the milestone's indicator id.
 */
export async function reportMilestoneProgress(db: Db, user: SessionUser, input: MilestoneProgressInput, now: Date): Promise<number> {
  const m = await db.milestone.findUnique({ where: { id: input.id }, include: { indicator: { include: { departments: true } } } })
  if (!m) throw notFound('进度节点', 'MILESTONE_NOT_FOUND')
  const own = departmentScope(user).own
  if (own !== null && !m.indicator.departments.some((d) => d.departmentId === own)) {
    throw forbidden('只能填报本部门负责指标的进度', 'NOT_YOUR_INDICATOR')
  }
  const progress = clampProgress(input.progress)
  await db.$transaction(async (tx) => {
    const r = await tx.milestone.updateMany({
      where: { id: input.id, version: input.version },
      data: { progress, note: input.note, doneAt: progress >= 100 ? (m.doneAt ?? now) : null, version: { increment: 1 } },
    })
    if (r.count === 0) throw conflict('进度已被他人修改，请刷新后重试')
    await tx.indicator.update({ where: { id: m.indicatorId }, data: { updatedAt: now } })
    await writeAudit(tx, { actorId: user.id, action: 'milestone.progress', entity: 'Milestone', entityId: m.id, before: { progress: m.progress, note: m.note }, after: { progress, note: input.note ?? m.note }, at: now })
  })
  return m.indicatorId
}

function dedupeDepartments<T extends { departmentId: number }>(rows: T[]): T[] {
  const seen = new Set<number>()
  return rows.filter((r) => (seen.has(r.departmentId) ? false : (seen.add(r.departmentId), true)))
}
