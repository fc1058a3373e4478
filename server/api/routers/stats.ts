import { z } from 'zod'
import { closedOnTime, departmentRanking, gridMonths, judgedAt, monthsBetween, overdueAt, trend, type RankingInput } from '../../domain/inspection/ranking.ts'
import { addMonths, monthOf, monthRange } from '../../domain/time.ts'
import { GRID_LEVELS } from '../../services/gridCatalog.ts'
import { EMPTY_COVERAGE, monthCoverage } from '../../services/coverage.ts'
import { loadRankingAggregates, loadRankingInput } from '../../services/monthly.ts'
import { cityRanking } from '../../services/cityFigures.ts'
import { integrityWithRecords } from '../../services/integrity.ts'
import { badInput } from '../../domain/errors.ts'
import { id, month } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'
import { patrolCoverageByGridMonth } from '../../services/patrolTracks.ts'
import { gridsInArea, resolveArea, type AreaFilter } from '../../services/districts.ts'
import { restrictRankingInput } from '../../domain/grid/area.ts'

/** The ranking's rows for a district (the district filter); all rows for the whole city. */
const inArea = <I extends RankingInput>(area: AreaFilter | null, input: I): I => (area ? restrictRankingInput(input, area.gridIds) : input)

const DAY = 86_400_000
const range = z.object({ from: month, to: month, districtId: id.optional() }).refine((r) => r.from <= r.to, { message: '起始月份不能晚于结束月份', path: ['from'] })
  .refine((r) => monthsBetween(r.from, r.to).length <= 36, { message: '范围不能超过 36 个月', path: ['to'] })

/** `notOnSite`: the unverified grid-months (inspected by the holder, none proven on site). */
export const DRILL_MEASURES = ['gridMonths', 'inspectedOnSite', 'notOnSite', 'missed', 'pending', 'meetings', 'closed', 'closedLate', 'overdue'] as const

export const statsRouter = router({
  /** Department ranking for a month or a range (巡查覆盖率, 协调会, 按期结案率, 超期数). */
  departmentRanking: authedProcedure
    .input(range)
    .query(async ({ ctx, input }) => {
      const now = ctx.now()
      // the whole city from the aggregates, cached (services/cityFigures.ts); a district from its rows (the
      // problem aggregates are per department, not per grid)
      if (input.districtId === undefined) return (await cityRanking(ctx.db, input.from, input.to, now)) ?? departmentRanking(input.from, input.to, await loadRankingAggregates(ctx.db, input.from, input.to, now), now)
      return departmentRanking(input.from, input.to, inArea(resolveArea(ctx.catalog, input.districtId), await loadRankingInput(ctx.db, input.from, input.to)), now)
    }),

  /** The last N months (this one included): the city's figures and each department's coverage. */
  trend: authedProcedure
    .input(z.object({ months: z.number().int().min(2).max(36).default(12), districtId: id.optional() }).default({ months: 12 }))
    .query(async ({ ctx, input }) => {
      const now = ctx.now()
      const to = monthOf(now)
      const from = addMonths(to, -(input.months - 1))
      return trend(monthsBetween(from, to), inArea(resolveArea(ctx.catalog, input.districtId), await loadRankingInput(ctx.db, from, to)), now)
    }),

  /** Per-grid values for colouring the map: the month's status, open or overdue problems, or days since the last on-site inspection. */
  coverage: authedProcedure
    .input(z.object({ month, colourBy: z.enum(['status', 'open', 'overdue', 'daysSinceInspection']).default('status'), level: z.enum(GRID_LEVELS).default('community'), districtId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const now = ctx.now()
      const at = judgedAt(input.month, now)
      const grids = gridsInArea(ctx.catalog, resolveArea(ctx.catalog, input.districtId), input.level)
      const ids = grids.map((g) => g.id)
      const [coverage, last] = await Promise.all([
        monthCoverage(ctx.db, input.month, now, ids),
        ctx.db.inspection.groupBy({ by: ['gridId'], where: { gridId: { in: ids }, onSite: true, date: { lte: at } }, _max: { date: true } }),
      ])
      const lastBy = new Map(last.map((r) => [r.gridId, r._max.date]))
      const rows = grids.map((g) => {
        const c = coverage.get(g.id) ?? EMPTY_COVERAGE(input.month, now)
        const l = lastBy.get(g.id) ?? null
        const daysSinceInspection = l ? Math.floor((at.getTime() - l.getTime()) / DAY) : null
        const value = input.colourBy === 'status' ? (c.holder ? c.inspectionStatus : 'unheld')
          : input.colourBy === 'open' ? c.openProblems : input.colourBy === 'overdue' ? c.overdueProblems : daysSinceInspection
        return {
          gridId: g.id, code: g.code, name: g.name, held: c.holder !== null, departmentId: c.holder?.departmentId ?? null,
          departmentName: c.holder?.departmentName ?? null, status: c.inspectionStatus, openProblems: c.openProblems,
          overdueProblems: c.overdueProblems, daysSinceInspection, lastOnSiteInspection: l?.toISOString() ?? null, value,
        }
      })
      const numbers = rows.map((r) => r.value).filter((v): v is number => typeof v === 'number')
      return { month: input.month, colourBy: input.colourBy, max: numbers.length ? Math.max(...numbers) : 0, grids: rows }
    }),

  /** The grids and records behind a number of the ranking (drill-down). */
  /** Signs of gaming per department over a range of months, with the records behind each signal (docs/integrity.md). */
  integrity: authedProcedure
    .input(range)
    .query(({ ctx, input }) => integrityWithRecords(ctx.db, input)),

  drillDown: authedProcedure
    .input(z.object({ from: month, to: month, departmentId: id.optional(), measure: z.enum(DRILL_MEASURES), districtId: id.optional() }))
    .query(async ({ ctx, input }) => {
      if (input.from > input.to) throw badInput('起始月份不能晚于结束月份', 'BAD_RANGE')
      const now = ctx.now()
      const months = monthsBetween(input.from, input.to)
      const area = resolveArea(ctx.catalog, input.districtId)
      const data = inArea(area, await loadRankingInput(ctx.db, input.from, input.to))
      const inAreaGrid = (gridId: number | null) => !area || (gridId !== null && area.gridIds.has(gridId))
      const inDept = <T extends { departmentId: number | null }>(r: T) => input.departmentId === undefined || r.departmentId === input.departmentId
      const deptName = new Map(data.departments.map((d) => [d.id, d.name]))
      const gridName = (gid: number) => ctx.catalog.get(gid)?.name ?? `#${gid}`
      const m = input.measure
      if (m === 'gridMonths' || m === 'inspectedOnSite' || m === 'missed' || m === 'pending' || m === 'notOnSite') {
        const gm = gridMonths(months, data.holdings, data.inspections, now).filter(inDept)
          .filter((g) => m === 'gridMonths' ? true : m === 'inspectedOnSite' ? g.state === 'done' : m === 'notOnSite' ? g.state === 'unverified' : g.state === m)
        const patrol = await patrolCoverageByGridMonth(ctx.db, input.from, input.to)
        return { kind: 'grids' as const, rows: gm.map((g) => ({ gridId: g.gridId, gridName: gridName(g.gridId), gridCode: ctx.catalog.get(g.gridId)?.code ?? '', month: g.month, departmentId: g.departmentId, departmentName: deptName.get(g.departmentId) ?? '', status: g.state, onSite: g.onSite, patrolCoverage: patrol.get(`${g.gridId}|${g.month}`) ?? null })) }
      }
      if (m === 'meetings') {
        const holders = new Set(data.holdings.map((h) => h.departmentId))
        const rows = (await ctx.db.meeting.findMany({ where: { month: { gte: input.from, lte: input.to }, departmentId: input.departmentId }, include: { department: { select: { name: true } } }, orderBy: { date: 'desc' } })).filter((r) => !area || holders.has(r.departmentId))
        return { kind: 'meetings' as const, rows: rows.map((r) => ({ id: r.id, month: r.month, date: r.date.toISOString(), departmentId: r.departmentId, departmentName: r.department.name, topics: r.topics, attendees: r.attendees })) }
      }
      const start = monthRange(input.from).start
      const end = monthRange(input.to).end
      const t = end < now ? new Date(end.getTime() - 1) : now
      const rows = await ctx.db.problem.findMany({
        where: { departmentId: input.departmentId ?? { not: null }, reportedAt: { lt: end }, OR: [{ closedAt: null }, { closedAt: { gte: start } }] },
        include: { category: { select: { name: true } }, grid: { select: { name: true } }, department: { select: { name: true } } }, orderBy: { id: 'desc' },
      })
      const picked = rows.filter((p) => inAreaGrid(p.gridId)).filter((p) => m === 'overdue' ? overdueAt(p, t)
        : p.status === 'closed' && p.closedAt !== null && p.closedAt >= start && p.closedAt < end && (m === 'closed' || !closedOnTime(p)))
      return { kind: 'problems' as const, rows: picked.map((p) => ({ id: p.id, gridId: p.gridId, gridName: p.grid?.name ?? null, departmentId: p.departmentId, departmentName: p.department?.name ?? null, categoryName: p.category.name, description: p.description, status: p.status, reportedAt: p.reportedAt.toISOString(), deadline: p.deadline?.toISOString() ?? null, closedAt: p.closedAt?.toISOString() ?? null })) }
    }),
})

