/**
 * Evaluation preparation with the database: indicator views (progress table), site readiness
 * (latest mock-evaluation score + open problems near each site), mock-evaluation results, and the
 * progress table as an Excel workbook. A fixed number of queries whatever the number of rows.
 */
import { neutraliseRow } from '../domain/export/cells.ts'
import ExcelJS from 'exceljs'
import type { Db } from '../db/client.ts'
import { holderOn } from '../domain/holder.ts'
import { bboxAround, metresBetween } from '../domain/problem/nearby.ts'
import { isOverdue, OPEN_STATUSES } from '../domain/problem/status.ts'
import { READINESS_RADIUS_M, readinessShares, siteReadiness, type Readiness } from '../domain/evaluation/readiness.ts'
import {
  countdownDays, indicatorProgress, indicatorStatus, isMilestoneOverdue, milestoneDaysLeft, type IndicatorStatus,
} from '../domain/evaluation/schedule.ts'
import { aggregateScores, rateOf, type ScoreLine } from '../domain/evaluation/scores.ts'
import { dayOf } from '../domain/time.ts'
import type { GridCatalog } from './gridCatalog.ts'

export const chinaDay = (d: Date) => dayOf(d)

export function parseSiteTypes(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

const indicatorInclude = {
  departments: { include: { department: { select: { name: true } } }, orderBy: [{ role: 'desc' as const }, { id: 'asc' as const }] },
  milestones: { orderBy: [{ dueDate: 'asc' as const }, { id: 'asc' as const }] },
}

export async function loadIndicators(db: Db, where: { year?: number; departmentId?: number; ids?: number[] }) {
  return db.indicator.findMany({
    where: {
      year: where.year,
      id: where.ids ? { in: where.ids } : undefined,
      departments: where.departmentId !== undefined ? { some: { departmentId: where.departmentId } } : undefined,
    },
    include: indicatorInclude,
    orderBy: [{ year: 'desc' }, { code: 'asc' }],
  })
}

type IndicatorRow = Awaited<ReturnType<typeof loadIndicators>>[number]

export function indicatorView(i: IndicatorRow, now: Date) {
  const milestones = i.milestones.map((m) => ({
    id: m.id, title: m.title, dueDate: chinaDay(m.dueDate), progress: m.progress, doneAt: m.doneAt?.toISOString() ?? null,
    note: m.note, version: m.version, overdue: isMilestoneOverdue(m, now), daysLeft: milestoneDaysLeft(m, now),
  }))
  const status: IndicatorStatus = indicatorStatus(i, now)
  return {
    id: i.id, year: i.year, code: i.code, name: i.name, standard: i.standard, points: i.points, siteTypes: parseSiteTypes(i.siteTypes),
    leadLeader: i.leadLeader, task: i.task, evaluationDate: chinaDay(i.evaluationDate), countdown: countdownDays(i.evaluationDate, now),
    version: i.version, progress: indicatorProgress(i.milestones), status, overdueMilestones: milestones.filter((m) => m.overdue).length,
    departments: i.departments.map((d) => ({ departmentId: d.departmentId, name: d.department.name, role: d.role as 'lead' | 'assist', staff: d.staff })),
    milestones,
  }
}
export type IndicatorView = ReturnType<typeof indicatorView>

/** Current holder department of every held grid. */
export async function currentDepartments(db: Db, now: Date): Promise<Map<number, number>> {
  const holders = await db.gridHolder.findMany({ where: { validFrom: { lte: now } } })
  const byGrid = new Map<number, typeof holders>()
  for (const h of holders) byGrid.set(h.gridId, [...(byGrid.get(h.gridId) ?? []), h])
  const out = new Map<number, number>()
  for (const [g, hs] of byGrid) {
    const h = holderOn(hs, now)
    if (h) out.set(g, h.departmentId)
  }
  return out
}

/** The street (level-1 grid) of a grid: itself if it is a street. */
export function streetOf(catalog: GridCatalog, gridId: number | null): { id: number; name: string } | null {
  if (gridId === null) return null
  const g = catalog.get(gridId)
  if (!g) return null
  if (g.level === 'street' || g.parentId === null) return { id: g.id, name: g.name }
  const p = catalog.get(g.parentId)
  return p ? { id: p.id, name: p.name } : null
}

/** Every site with its grid, street, department, latest score and readiness, plus the shares. */
export async function siteReadinessReport(db: Db, catalog: GridCatalog, now: Date, opts: { departmentId?: number } = {}) {
  const [sites, deptOf, departments, mockSites, open] = await Promise.all([
    db.evaluationSite.findMany({ orderBy: { id: 'asc' } }),
    currentDepartments(db, now),
    db.department.findMany({ select: { id: true, name: true } }),
    db.mockEvaluationSite.findMany({
      where: { scores: { some: {} } },
      select: { siteId: true, evaluation: { select: { id: true, name: true, createdAt: true } }, scores: { select: { maxPoints: true, lostPoints: true } } },
    }),
    db.problem.findMany({ where: { status: { in: [...OPEN_STATUSES] } }, select: { id: true, lng: true, lat: true, status: true, deadline: true } }),
  ])
  const deptName = new Map(departments.map((d) => [d.id, d.name]))
  const latest = new Map<number, { rate: number | null; at: Date; evaluationId: number; evaluationName: string }>()
  for (const m of mockSites) {
    const prev = latest.get(m.siteId)
    const at = m.evaluation.createdAt
    if (!prev || at > prev.at || (at.getTime() === prev.at.getTime() && m.evaluation.id > prev.evaluationId)) {
      latest.set(m.siteId, { rate: rateOf(m.scores), at, evaluationId: m.evaluation.id, evaluationName: m.evaluation.name })
    }
  }
  const rows = sites.map((s) => {
    const departmentId = s.gridId === null ? null : (deptOf.get(s.gridId) ?? null)
    const street = streetOf(catalog, s.gridId)
    const [x0, y0, x1, y1] = bboxAround(s.lng, s.lat, READINESS_RADIUS_M)
    const near = open.filter((p) => p.lng >= x0 && p.lng <= x1 && p.lat >= y0 && p.lat <= y1 && metresBetween(s, p) <= READINESS_RADIUS_M)
    const last = latest.get(s.id) ?? null
    const input = { lastRate: last?.rate ?? null, openProblemsNear: near.length, overdueProblemsNear: near.filter((p) => isOverdue(p, now)).length }
    const readiness: Readiness = siteReadiness(input)
    return {
      id: s.id, name: s.name, type: s.type, lng: s.lng, lat: s.lat, gridId: s.gridId, gridName: s.gridId === null ? null : (catalog.get(s.gridId)?.name ?? null),
      streetId: street?.id ?? null, streetName: street?.name ?? null, departmentId, departmentName: departmentId === null ? null : (deptName.get(departmentId) ?? null),
      version: s.version, lastRate: input.lastRate, lastScoredAt: last?.at.toISOString() ?? null, lastEvaluation: last?.evaluationName ?? null,
      openProblemsNear: input.openProblemsNear, overdueProblemsNear: input.overdueProblemsNear, readiness,
    }
  })
  const visible = opts.departmentId === undefined ? rows : rows.filter((r) => r.departmentId === opts.departmentId)
  return {
    sites: visible,
    byType: readinessShares(visible, (r) => r.type, (r) => r.readiness),
    byStreet: readinessShares(visible, (r) => r.streetName, (r) => r.readiness),
    byDepartment: readinessShares(visible, (r) => r.departmentName, (r) => r.readiness),
    overall: readinessShares(visible, () => '全部', (r) => r.readiness)[0] ?? null,
  }
}

/** A mock evaluation's results: 得分率 per site, type, street and department. */
export async function mockResults(db: Db, catalog: GridCatalog, evaluationId: number) {
  const [sites, departments] = await Promise.all([
    db.mockEvaluationSite.findMany({
      where: { evaluationId },
      include: { site: { select: { name: true } }, scores: { select: { maxPoints: true, lostPoints: true } } },
      orderBy: { id: 'asc' },
    }),
    db.department.findMany({ select: { id: true, name: true } }),
  ])
  const deptName = new Map(departments.map((d) => [d.id, d.name]))
  const lines: ScoreLine[] = sites.flatMap((s) => s.scores.map((e) => ({
    mockSiteId: s.id, siteType: s.siteType, streetId: s.streetId, departmentId: s.departmentId, maxPoints: e.maxPoints, lostPoints: e.lostPoints,
  })))
  const a = aggregateScores(lines)
  const siteById = new Map(sites.map((s) => [s.id, s]))
  return {
    sampled: sites.length,
    scoredSites: sites.filter((s) => s.scores.length > 0).length,
    overall: a.overall,
    bySite: a.bySite.map((r) => ({ ...r, siteName: siteById.get(r.key)?.site.name ?? '', siteType: siteById.get(r.key)?.siteType ?? '' })),
    byType: a.byType,
    byStreet: a.byStreet.map((r) => ({ ...r, name: r.key === null ? '—' : (catalog.get(r.key)?.name ?? String(r.key)) })),
    byDepartment: a.byDepartment.map((r) => ({ ...r, name: r.key === null ? '无包抓部门' : (deptName.get(r.key) ?? String(r.key)) })),
  }
}

const STATUS_ZH: Record<IndicatorStatus, string> = { on_track: '正常推进', at_risk: '有风险', overdue: '已超期', done: '已完成' }

/** The progress table (进度表) as an .xlsx workbook: one row per milestone, indicator columns repeated. */
export async function progressWorkbook(views: IndicatorView[], now: Date): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'GridDuty 网格责任地图'
  wb.created = now
  const ws = wb.addWorksheet('测评任务进度表')
  ws.columns = [
    { header: '编号', key: 'code', width: 8 }, { header: '指标', key: 'name', width: 20 }, { header: '分值', key: 'points', width: 6 },
    { header: '牵头领导', key: 'leadLeader', width: 16 }, { header: '任务', key: 'task', width: 40 },
    { header: '牵头单位', key: 'lead', width: 18 }, { header: '配合单位', key: 'assist', width: 22 }, { header: '责任人', key: 'staff', width: 18 },
    { header: '测评日期', key: 'evaluationDate', width: 12 }, { header: '倒计时（天）', key: 'countdown', width: 10 },
    { header: '总进度', key: 'progress', width: 8 }, { header: '状态', key: 'status', width: 10 },
    { header: '进度节点', key: 'mTitle', width: 24 }, { header: '节点期限', key: 'mDue', width: 12 }, { header: '节点进度', key: 'mProgress', width: 10 }, { header: '节点状态', key: 'mState', width: 10 },
  ]
  ws.getRow(1).font = { bold: true }
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  for (const v of views) {
    const base = {
      code: v.code, name: v.name, points: v.points, leadLeader: v.leadLeader, task: v.task,
      lead: v.departments.filter((d) => d.role === 'lead').map((d) => d.name).join('、'),
      assist: v.departments.filter((d) => d.role === 'assist').map((d) => d.name).join('、'),
      staff: v.departments.map((d) => d.staff).filter(Boolean).join('、'),
      evaluationDate: v.evaluationDate, countdown: v.countdown, progress: `${v.progress}%`, status: STATUS_ZH[v.status],
    }
    const ms = v.milestones.length ? v.milestones : [null]
    for (const m of ms) {
      const row = ws.addRow(neutraliseRow({
        ...base, mTitle: m?.title ?? '', mDue: m?.dueDate ?? '', mProgress: m ? `${m.progress}%` : '',
        mState: m ? (m.progress >= 100 ? '已完成' : m.overdue ? '超期' : '进行中') : '',
      }))
      if (m?.overdue) row.getCell('mState').font = { bold: true, color: { argb: 'FFC8102E' } }
    }
  }
  return Buffer.from(await wb.xlsx.writeBuffer())
}
