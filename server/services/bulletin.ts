/**
 * The monthly bulletin (检查通报): summary figures, department ranking, grids missed, inspections not on
 * site, overdue problems by department — as data, and as an Excel workbook (exceljs).
 *
 * Every grid-month figure comes from `gridMonthStatus` (via monthCoverage and the ranking): the same
 * state the map, 我的网格 and the dashboard show. A month a leader has published (`publishBulletin`) is
 * frozen: `monthlyBulletin` returns the figures as published, and lists the entries recorded since that
 * change a grid's state as corrections (更正), without changing the figures.
 */
import { neutraliseRow, type CellValue } from '../domain/export/cells.ts'
import ExcelJS from 'exceljs'
import type { Db } from '../db/client.ts'
import { AppError } from '../domain/errors.ts'
import type { GridMonthState } from '../domain/inspection/gridMonthStatus.ts'
import { presenceFailures, type PresenceFailure } from '../domain/inspection/presence.ts'
import { departmentRanking, judgedAt } from '../domain/inspection/ranking.ts'
import { OPEN_STATUSES } from '../domain/problem/status.ts'
import { formatDate, formatDateTime, formatDeadline, monthOf, type MonthKey } from '../domain/time.ts'
import { pct } from '../domain/vocabulary/format.ts'
import { GRID_MONTH_STATUS, gridMonthKey } from '../domain/vocabulary/status.ts'
import { writeAudit } from './audit.ts'
import { INSPECTION_FACT_SELECT, inspectionFact, monthCoverage } from './coverage.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { loadRankingAggregates, loadRankingInput, loadTheme } from './monthly.ts'
import { cityCoverage, cityRanking } from './cityFigures.ts'
import { restrictRankingInput } from '../domain/grid/area.ts'
import { gridsInArea, resolveArea, type AreaFilter } from './districts.ts'

/** The grids a bulletin counts: those of the area (all: the city); districts only when someone holds them (see README, levels). */
function bulletinGrids(catalog: GridCatalog, area: AreaFilter | null) {
  return gridsInArea(catalog, area)
}

/** Rows whose grid is in the area (all rows for the whole city). */
function inArea<T extends { gridId: number | null }>(area: AreaFilter | null, rows: T[]): T[] {
  return area ? rows.filter((r) => r.gridId !== null && area.gridIds.has(r.gridId)) : rows
}

export async function buildBulletin(db: Db, catalog: GridCatalog, month: MonthKey, now: Date, area: AreaFilter | null = null) {
  const at = judgedAt(month, now)
  const [ranking, coverage, cityNotOnSite, cityOverdue, theme, meetings] = await Promise.all([
    // the whole city from the aggregates (the cached figures of the map and the dashboard, services/cityFigures.ts);
    // a district from its rows (the problem aggregates are per department)
    area ? loadRankingInput(db, month, month).then((input) => departmentRanking(month, month, restrictRankingInput(input, area.gridIds), now))
      : cityRanking(db, month, month, now).then(async (r) => r ?? departmentRanking(month, month, await loadRankingAggregates(db, month, month, now), now)),
    cityCoverage(db, month, now).then((c) => c ?? monthCoverage(db, month, now)),
    db.inspection.findMany({
      where: { month },
      select: { ...INSPECTION_FACT_SELECT, inspector: true, grid: { select: { name: true, code: true } }, department: { select: { name: true } } }, orderBy: [{ departmentId: 'asc' }, { date: 'asc' }],
    }),
    db.problem.findMany({
      where: { departmentId: { not: null }, reportedAt: { lte: at }, deadline: { lt: at }, OR: [{ status: { in: [...OPEN_STATUSES] } }, { closedAt: { gt: at } }] },
      include: { grid: { select: { name: true } }, department: { select: { name: true } }, category: { select: { name: true } } }, orderBy: [{ departmentId: 'asc' }, { deadline: 'asc' }],
    }),
    loadTheme(db, month),
    db.meeting.findMany({ where: { month }, select: { departmentId: true } }),
  ])
  // the district filter (services/districts.ts): rows of the area's grids only (the ranking's above)
  const notOnSite = inArea(area, cityNotOnSite), overdue = inArea(area, cityOverdue)
  const grids = bulletinGrids(catalog, area).map((g) => ({ g, c: coverage.get(g.id) })).filter((x) => x.g.level !== 'district' || x.c?.holder)
  const held = grids.filter((x) => x.c?.holder)
  const count = (s: GridMonthState) => held.filter((x) => x.c!.inspectionStatus === s).length
  const unproven = notOnSite.map((i) => ({ i, failures: presenceFailures(inspectionFact(i)) })).filter((x) => x.failures.length > 0)
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
    /** the district (or street) the figures are for; null: the whole city */
    area: area ? { id: area.id, code: area.code, name: area.name, level: area.level } : null,
    summary: {
      grids: grids.length, held: held.length, unheld: grids.length - held.length,
      done: count('done'), unverified: count('unverified'), pending: count('pending'), missed: count('missed'),
      coverage: ranking.totals.coverage, inspectedOnSite: ranking.totals.inspectedOnSite, gridMonths: ranking.totals.gridMonths,
      inspections: notOnSite.length, notOnSite: unproven.length,
      departments: rankedDepts.length, meetingsHeld: rankedDepts.filter((r) => meetingDepts.has(r.departmentId)).length,
      departmentsWithoutMeeting: rankedDepts.filter((r) => !meetingDepts.has(r.departmentId)).map((r) => r.departmentName),
      closed: ranking.totals.closed, onTimeRate: ranking.totals.onTimeRate, overdue: overdueProblems.length,
    },
    ranking: ranking.rows,
    missedGrids,
    /** every grid's state this month (gridMonthStatus; `held`: someone holds it at the moment judged) — the bulletin map */
    grids: grids.map((x) => ({ gridId: x.g.id, code: x.g.code, name: x.g.name, state: x.c?.inspectionStatus ?? ('noHolder' as GridMonthState), held: !!x.c?.holder })),
    notOnSite: unproven.map(({ i, failures }) => ({ id: i.id, gridId: i.gridId, gridName: i.grid.name, gridCode: i.grid.code, departmentName: i.department.name, date: i.date.toISOString(), inspector: i.inspector, reason: failures[0]! as PresenceFailure, reasons: failures, distanceOutside: i.distanceOutside })),
    overdueByDepartment: [...byDept.values()].sort((a, b) => b.problems.length - a.problems.length),
  }
}
export type Bulletin = Awaited<ReturnType<typeof buildBulletin>>
/** What a publication stores: the city's bulletin, and each district's by grid id. */
type PublishedFigures = Bulletin & { byArea?: Record<string, Bulletin> }

/** An entry recorded after the month's bulletin was published that changes a grid's state (更正). */
export interface BulletinCorrection {
  gridId: number
  gridCode: string
  gridName: string
  /** the state as published */
  from: GridMonthState
  /** the state now */
  to: GridMonthState
  /** server time of the latest entry for that grid-month recorded after publication (ISO) */
  recordedAt: string
}

/** The bulletin as a reader gets it: live, or — once published — frozen, with the corrections since. */
export type BulletinView = Bulletin & {
  published: { at: string; byId: number; byName: string | null } | null
  corrections: BulletinCorrection[]
}

/**
 * The month's bulletin. Unpublished: built now. Published: the figures as published, plus the grids
 * whose state entries recorded after publication would change (corrections); the figures stay.
 */
export async function monthlyBulletin(db: Db, catalog: GridCatalog, month: MonthKey, now: Date, area: AreaFilter | null = null): Promise<BulletinView> {
  const pub = await db.bulletinPublication.findUnique({ where: { month } })
  const live = await buildBulletin(db, catalog, month, now, area)
  if (!pub) return { ...live, published: null, corrections: [] }
  const stored = JSON.parse(pub.figures) as PublishedFigures
  // a district's figures as published (stored beside the city's since districts exist); an area
  // published without its own figures (a street, or a month published before) is built live
  const { byArea, ...city } = stored
  const frozen: Bulletin = area ? (byArea?.[String(area.id)] ?? live) : city
  const [by, late] = await Promise.all([
    db.user.findUnique({ where: { id: pub.publishedById }, select: { displayName: true } }),
    db.inspection.findMany({ where: { month, createdAt: { gt: pub.publishedAt } }, select: { gridId: true, createdAt: true } }),
  ])
  const lateBy = new Map<number, Date>()
  for (const i of late) { const seen = lateBy.get(i.gridId); if (!seen || seen < i.createdAt) lateBy.set(i.gridId, i.createdAt) }
  const was = new Map(frozen.grids.map((g) => [g.gridId, g.state]))
  const corrections: BulletinCorrection[] = []
  for (const g of live.grids) {
    const at = lateBy.get(g.gridId)
    const from = was.get(g.gridId) ?? 'noHolder'
    if (!at || from === g.state) continue
    corrections.push({ gridId: g.gridId, gridCode: g.code, gridName: g.name, from, to: g.state, recordedAt: at.toISOString() })
  }
  corrections.sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.gridCode.localeCompare(b.gridCode))
  return { ...frozen, published: { at: pub.publishedAt.toISOString(), byId: pub.publishedById, byName: by?.displayName ?? null }, corrections }
}

/**
 * Publishes a month's bulletin (发布通报): stores its figures as they are now, audited, in one
 * transaction. Only a month that is over; once only (a published month is frozen).
 */
export async function publishBulletin(db: Db, catalog: GridCatalog, actorId: number, month: MonthKey, now: Date): Promise<BulletinView> {
  if (month >= monthOf(now)) throw new AppError('BAD_INPUT', 'BULLETIN_MONTH_NOT_OVER', '本月尚未结束，月底后才能发布通报', { month })
  const already = () => new AppError('CONFLICT', 'BULLETIN_ALREADY_PUBLISHED', '该月通报已发布，发布后不再更改', { month })
  if (await db.bulletinPublication.findUnique({ where: { month } })) throw already()
  const bulletin = await buildBulletin(db, catalog, month, now)
  // each district's bulletin is frozen with the city's (read back by monthlyBulletin with a district filter)
  const byArea: Record<string, Bulletin> = {}
  for (const d of catalog.list('district')) byArea[String(d.id)] = await buildBulletin(db, catalog, month, now, resolveArea(catalog, d.id))
  const figures: PublishedFigures = { ...bulletin, byArea }
  try {
    await db.$transaction(async (tx) => {
      const row = await tx.bulletinPublication.create({ data: { month, publishedAt: now, publishedById: actorId, figures: JSON.stringify(figures) } })
      await writeAudit(tx, { actorId, action: 'report.publishBulletin', entity: 'BulletinPublication', entityId: row.id, after: { month, publishedAt: now.toISOString(), summary: bulletin.summary }, at: now })
    })
  } catch (e) {
    if ((e as { code?: string }).code === 'P2002') throw already()
    throw e
  }
  return monthlyBulletin(db, catalog, month, now)
}

const day = (iso: string) => formatDate(iso)

export const BULLETIN_SHEETS = ['概况', '部门排名', '漏检网格', '未到岗检查', '超期问题', '网格状态', '更正'] as const

/** Rows added with every text cell neutralised against formula injection (domain/export/cells.ts). */
function addSafeRows(ws: ExcelJS.Worksheet, rows: object[]) {
  ws.addRows(rows.map((r) => neutraliseRow(r as Record<string, CellValue>)))
}

const stateWord = (s: GridMonthState, held = true) => GRID_MONTH_STATUS[gridMonthKey(s, held)]['zh-CN']
const REASON_WORD: Record<PresenceFailure, string> = {
  noLocation: '未上传定位', outside: '定位在网格外', poorAccuracy: '定位精度不足', boundaryUnknown: '无法核对边界', late: '补录未审核',
}

export async function bulletinWorkbook(b: Bulletin | BulletinView): Promise<Buffer> {
  const view = b as Partial<BulletinView>
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
    { k: '月份', v: b.month }, { k: '范围', v: b.area ? `${b.area.name}（${b.area.code}）` : '全市' }, { k: '本月主题', v: b.theme.title }, { k: '网格总数', v: s.grids }, { k: '已包抓网格', v: s.held }, { k: '未包抓网格', v: s.unheld },
    { k: GRID_MONTH_STATUS.done['zh-CN'], v: s.done }, { k: GRID_MONTH_STATUS.unverified['zh-CN'], v: s.unverified }, { k: '未检查（月内）', v: s.pending }, { k: GRID_MONTH_STATUS.missed['zh-CN'], v: s.missed }, { k: '实地检查覆盖率', v: pct(s.coverage) },
    { k: '检查次数', v: s.inspections }, { k: '未到岗检查', v: s.notOnSite }, { k: '召开协调会部门数', v: `${s.meetingsHeld} / ${s.departments}` },
    { k: '未召开协调会部门', v: s.departmentsWithoutMeeting.join('、') || '无' }, { k: '本月结案', v: s.closed }, { k: '按期结案率', v: pct(s.onTimeRate) }, { k: '超期问题', v: s.overdue },
    { k: '生成时间', v: formatDateTime(b.generatedAt) },
    { k: '发布状态', v: view.published ? `已发布 ${formatDateTime(view.published.at)}${view.published.byName ? `（${view.published.byName}）` : ''}` : '未发布' },
    ...(view.published ? [{ k: '发布后更正', v: view.corrections?.length ?? 0 }] : []),
  ])
  const rank = sheet('部门排名', [
    { header: '名次', key: 'rank', width: 6 }, { header: '部门', key: 'departmentName', width: 20 }, { header: '包抓网格', key: 'gridMonths', width: 10 },
    { header: '实地检查', key: 'inspectedOnSite', width: 10 }, { header: GRID_MONTH_STATUS.unverified['zh-CN'], key: 'unverified', width: 10 }, { header: '覆盖率', key: 'coverage', width: 10 }, { header: '漏检', key: 'missed', width: 8 },
    { header: '协调会', key: 'meetingsHeld', width: 8 }, { header: '结案', key: 'closed', width: 8 }, { header: '按期结案', key: 'closedOnTime', width: 10 },
    { header: '按期结案率', key: 'onTimeRate', width: 12 }, { header: '超期', key: 'overdue', width: 8 },
    // the responsibility matrix (docs/routing.md): coordination as grid holder, 退单 (published months before it: blank)
    { header: '属地协调问题', key: 'coordTotal', width: 12 }, { header: '属地协调未结', key: 'coordOpen', width: 12 }, { header: '属地协调超期', key: 'coordOverdue', width: 12 },
    { header: '退单', key: 'returns', width: 8 }, { header: '退单率', key: 'returnRate', width: 10 }, { header: '退单被驳回', key: 'returnsRejected', width: 10 },
  ])
  addSafeRows(rank, b.ranking.map((r) => ({ ...r, coverage: pct(r.coverage), onTimeRate: pct(r.onTimeRate), returnRate: r.returnRate === undefined ? '' : pct(r.returnRate) })))
  const missed = sheet('漏检网格', [{ header: '网格编码', key: 'code', width: 16 }, { header: '网格', key: 'name', width: 18 }, { header: '状态', key: 'status', width: 10 }, { header: '包抓部门', key: 'departmentName', width: 20 }, { header: '包抓领导', key: 'cadre', width: 20 }])
  addSafeRows(missed, b.missedGrids.map((g) => ({ ...g, status: stateWord(g.status) })))
  const nos = sheet('未到岗检查', [{ header: '日期', key: 'date', width: 12 }, { header: '网格', key: 'gridName', width: 18 }, { header: '部门', key: 'departmentName', width: 20 }, { header: '检查人', key: 'inspector', width: 16 }, { header: '原因', key: 'reason', width: 14 }, { header: '距网格（米）', key: 'distanceOutside', width: 12 }])
  addSafeRows(nos, b.notOnSite.map((i) => ({ ...i, date: day(i.date), reason: (i.reasons ?? [i.reason]).map((r) => REASON_WORD[r]).join('、') })))
  const od = sheet('超期问题', [{ header: '部门', key: 'departmentName', width: 20 }, { header: '问题编号', key: 'id', width: 10 }, { header: '网格', key: 'gridName', width: 18 }, { header: '类别', key: 'categoryName', width: 16 }, { header: '描述', key: 'description', width: 40 }, { header: '期限', key: 'deadline', width: 12 }, { header: '超期天数', key: 'daysOverdue', width: 10 }])
  addSafeRows(od, b.overdueByDepartment.flatMap((d) => d.problems.map((p) => ({ ...p, departmentName: d.departmentName, deadline: formatDeadline(p.deadline) }))))
  const gs = sheet('网格状态', [{ header: '网格编码', key: 'code', width: 16 }, { header: '网格', key: 'name', width: 18 }, { header: '状态', key: 'state', width: 12 }, { header: '状态代码', key: 'key', width: 12 }])
  addSafeRows(gs, b.grids.map((g) => ({ code: g.code, name: g.name, state: stateWord(g.state, g.held), key: g.state })))
  const cor = sheet('更正', [{ header: '网格编码', key: 'gridCode', width: 16 }, { header: '网格', key: 'gridName', width: 18 }, { header: '通报时状态', key: 'from', width: 12 }, { header: '现状态', key: 'to', width: 12 }, { header: '录入时间', key: 'recordedAt', width: 20 }])
  addSafeRows(cor, (view.corrections ?? []).map((c) => ({ ...c, from: stateWord(c.from), to: stateWord(c.to), recordedAt: formatDateTime(c.recordedAt) })))
  return Buffer.from(await wb.xlsx.writeBuffer())
}
