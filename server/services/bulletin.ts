/**
 * The monthly bulletin (检查通报): summary figures, department ranking, grids missed, inspections not on
 * site, overdue problems by department — as data, and as an Excel workbook (exceljs).
 */
import { neutraliseRow, type CellValue } from '../domain/export/cells.ts'
import ExcelJS from 'exceljs'
import type { Db } from '../db/client.ts'
import { departmentRanking, judgedAt } from '../domain/inspection/ranking.ts'
import { OPEN_STATUSES } from '../domain/problem/status.ts'
import { formatDate, formatDeadline, monthOf, type MonthKey } from '../domain/time.ts'
import { pct } from '../domain/vocabulary/format.ts'
import { GRID_MONTH_STATUS } from '../domain/vocabulary/status.ts'
import { monthCoverage } from './coverage.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { loadRankingInput, loadTheme } from './monthly.ts'

export async function buildBulletin(db: Db, catalog: GridCatalog, month: MonthKey, now: Date) {
  const at = judgedAt(month, now)
  const [input, coverage, notOnSite, overdue, theme, meetings] = await Promise.all([
    loadRankingInput(db, month, month),
    monthCoverage(db, month, now),
    db.inspection.findMany({
      where: { month, OR: [{ onSite: false }, { onSite: null }] },
      include: { grid: { select: { name: true, code: true } }, department: { select: { name: true } } }, orderBy: [{ departmentId: 'asc' }, { date: 'asc' }],
    }),
    db.problem.findMany({
      where: { departmentId: { not: null }, reportedAt: { lte: at }, deadline: { lt: at }, OR: [{ status: { in: [...OPEN_STATUSES] } }, { closedAt: { gt: at } }] },
      include: { grid: { select: { name: true } }, department: { select: { name: true } }, category: { select: { name: true } } }, orderBy: [{ departmentId: 'asc' }, { deadline: 'asc' }],
    }),
    loadTheme(db, month),
    db.meeting.findMany({ where: { month }, select: { departmentId: true } }),
  ])
  const ranking = departmentRanking(month, month, input, now)
  const grids = catalog.list().map((g) => ({ g, c: coverage.get(g.id) }))
  const held = grids.filter((x) => x.c?.holder)
  const missedGrids = held.filter((x) => x.c!.inspectionStatus === 'missed' || x.c!.inspectionStatus === 'pending')
    .map((x) => ({ gridId: x.g.id, code: x.g.code, name: x.g.name, level: x.g.level, status: x.c!.inspectionStatus, departmentId: x.c!.holder!.departmentId, departmentName: x.c!.holder!.departmentName, cadre: `${x.c!.holder!.cadreName}（${x.c!.holder!.cadreTitle}）` }))
    .sort((a, b) => a.departmentName.localeCompare(b.departmentName, 'zh-CN') || a.code.localeCompare(b.code))
  const overdueProblems = overdue.filter((p) => p.status !== 'voided' && !(p.status === 'closed' && (p.closedAt === null || p.closedAt <= at)))
  const byDept = new Map<number, { departmentId: number; departmentName: string; problems: { id: number; gridName: string | null; categoryName: string; description: string; status: string; deadline: string; daysOverdue: number }[] }>()
  for (const p of overdueProblems) {
    const entry = byDept.get(p.departmentId!) ?? byDept.set(p.departmentId!, { departmentId: p.departmentId!, departmentName: p.department?.name ?? '', problems: [] }).get(p.departmentId!)!
    entry.problems.push({ id: p.id, gridName: p.grid?.name ?? null, categoryName: p.category.name, description: p.description, status: p.status, deadline: p.deadline!.toISOString(), daysOverdue: Math.floor((at.getTime() - p.deadline!.getTime()) / 86_400_000) })
  }
  const meetingDepts = new Set(meetings.map((m) => m.departmentId))
  const rankedDepts = ranking.rows.filter((r) => r.gridMonths > 0)
  return {
    month, running: month === monthOf(now), generatedAt: now.toISOString(), theme: { title: theme.title },
    summary: {
      grids: grids.length, held: held.length, unheld: grids.length - held.length,
      done: held.filter((x) => x.c!.inspectionStatus === 'done').length,
      pending: held.filter((x) => x.c!.inspectionStatus === 'pending').length,
      missed: held.filter((x) => x.c!.inspectionStatus === 'missed').length,
      coverage: ranking.totals.coverage, inspectedOnSite: ranking.totals.inspectedOnSite, gridMonths: ranking.totals.gridMonths,
      inspections: input.inspections.length, notOnSite: notOnSite.length,
      departments: rankedDepts.length, meetingsHeld: rankedDepts.filter((r) => meetingDepts.has(r.departmentId)).length,
      departmentsWithoutMeeting: rankedDepts.filter((r) => !meetingDepts.has(r.departmentId)).map((r) => r.departmentName),
      closed: ranking.totals.closed, onTimeRate: ranking.totals.onTimeRate, overdue: overdueProblems.length,
    },
    ranking: ranking.rows,
    missedGrids,
    notOnSite: notOnSite.map((i) => ({ id: i.id, gridId: i.gridId, gridName: i.grid.name, gridCode: i.grid.code, departmentName: i.department.name, date: i.date.toISOString(), inspector: i.inspector, reason: i.onSite === false ? 'outside' as const : 'noLocation' as const, distanceOutside: i.distanceOutside })),
    overdueByDepartment: [...byDept.values()].sort((a, b) => b.problems.length - a.problems.length),
  }
}
export type Bulletin = Awaited<ReturnType<typeof buildBulletin>>

const day = (iso: string) => formatDate(iso)

export const BULLETIN_SHEETS = ['概况', '部门排名', '漏检网格', '未到岗检查', '超期问题'] as const

/** Rows added with every text cell neutralised against formula injection (domain/export/cells.ts). */
function addSafeRows(ws: ExcelJS.Worksheet, rows: object[]) {
  ws.addRows(rows.map((r) => neutraliseRow(r as Record<string, CellValue>)))
}

export async function bulletinWorkbook(b: Bulletin): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  wb.creator = 'GridDuty 网格责任地图'
  wb.created = new Date(b.generatedAt)
  const sheet = (name: (typeof BULLETIN_SHEETS)[number], columns: { header: string; key: string; width: number }[]) => {
    const ws = wb.addWorksheet(name)
    ws.columns = columns
    ws.getRow(1).font = { bold: true }
    ws.views = [{ state: 'frozen', ySplit: 1 }]
    return ws
  }
  const s = b.summary
  const summary = sheet('概况', [{ header: '项目', key: 'k', width: 28 }, { header: '数值', key: 'v', width: 40 }])
  addSafeRows(summary, [
    { k: '月份', v: b.month }, { k: '本月主题', v: b.theme.title }, { k: '网格总数', v: s.grids }, { k: '已包抓网格', v: s.held }, { k: '未包抓网格', v: s.unheld },
    { k: GRID_MONTH_STATUS.done['zh-CN'], v: s.done }, { k: '未检查（月内）', v: s.pending }, { k: GRID_MONTH_STATUS.missed['zh-CN'], v: s.missed }, { k: '实地检查覆盖率', v: pct(s.coverage) },
    { k: '检查次数', v: s.inspections }, { k: '未到岗检查', v: s.notOnSite }, { k: '召开协调会部门数', v: `${s.meetingsHeld} / ${s.departments}` },
    { k: '未召开协调会部门', v: s.departmentsWithoutMeeting.join('、') || '无' }, { k: '本月结案', v: s.closed }, { k: '按期结案率', v: pct(s.onTimeRate) }, { k: '超期问题', v: s.overdue },
    { k: '生成时间', v: b.generatedAt },
  ])
  const rank = sheet('部门排名', [
    { header: '名次', key: 'rank', width: 6 }, { header: '部门', key: 'departmentName', width: 20 }, { header: '包抓网格', key: 'gridMonths', width: 10 },
    { header: '实地检查', key: 'inspectedOnSite', width: 10 }, { header: '覆盖率', key: 'coverage', width: 10 }, { header: '漏检', key: 'missed', width: 8 },
    { header: '协调会', key: 'meetingsHeld', width: 8 }, { header: '结案', key: 'closed', width: 8 }, { header: '按期结案', key: 'closedOnTime', width: 10 },
    { header: '按期结案率', key: 'onTimeRate', width: 12 }, { header: '超期', key: 'overdue', width: 8 },
  ])
  addSafeRows(rank, b.ranking.map((r) => ({ ...r, coverage: pct(r.coverage), onTimeRate: pct(r.onTimeRate) })))
  const missed = sheet('漏检网格', [{ header: '网格编码', key: 'code', width: 16 }, { header: '网格', key: 'name', width: 18 }, { header: '状态', key: 'status', width: 10 }, { header: '包抓部门', key: 'departmentName', width: 20 }, { header: '包抓领导', key: 'cadre', width: 20 }])
  addSafeRows(missed, b.missedGrids.map((g) => ({ ...g, status: g.status === 'missed' ? '漏检' : '未检查' })))
  const nos = sheet('未到岗检查', [{ header: '日期', key: 'date', width: 12 }, { header: '网格', key: 'gridName', width: 18 }, { header: '部门', key: 'departmentName', width: 20 }, { header: '检查人', key: 'inspector', width: 16 }, { header: '原因', key: 'reason', width: 14 }, { header: '距网格（米）', key: 'distanceOutside', width: 12 }])
  addSafeRows(nos, b.notOnSite.map((i) => ({ ...i, date: day(i.date), reason: i.reason === 'outside' ? '定位在网格外' : '未上传定位' })))
  const od = sheet('超期问题', [{ header: '部门', key: 'departmentName', width: 20 }, { header: '问题编号', key: 'id', width: 10 }, { header: '网格', key: 'gridName', width: 18 }, { header: '类别', key: 'categoryName', width: 16 }, { header: '描述', key: 'description', width: 40 }, { header: '期限', key: 'deadline', width: 12 }, { header: '超期天数', key: 'daysOverdue', width: 10 }])
  addSafeRows(od, b.overdueByDepartment.flatMap((d) => d.problems.map((p) => ({ ...p, departmentName: d.departmentName, deadline: formatDeadline(p.deadline) }))))
  return Buffer.from(await wb.xlsx.writeBuffer())
}
