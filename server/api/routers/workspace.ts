import { z } from 'zod'
import { holderOn } from '../../domain/holder.ts'
import { addMonths, daysLeftInMonth, monthOf } from '../../domain/time.ts'
import { monthCoverage, referenceInstant } from '../../services/coverage.ts'
import { loadTheme } from '../../services/monthly.ts'
import { badInput, notFound } from '../../domain/errors.ts'
import { id, month } from '../inputs.ts'
import { router, scopedProcedure } from '../trpc.ts'

export const workspaceRouter = router({
  /**
   * 我的网格: a department's grids with the month's duty (gridMonthStatus: done / unverified / not yet / missed; last month's too), days left,
   * open and overdue problems, evaluation sites, the theme and whether the month's meeting happened.
   * A department user gets its own; leaders and admins name a department.
   */
  mine: scopedProcedure
    .input(z.object({ month: month.optional(), departmentId: id.optional() }).default({}))
    .query(async ({ ctx, input }) => {
      const departmentId = ctx.scope.department(input.departmentId)
      if (departmentId === undefined) throw badInput('请选择部门', 'DEPARTMENT_REQUIRED')
      const department = await ctx.db.department.findUnique({ where: { id: departmentId } })
      if (!department) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
      const now = ctx.now()
      const m = input.month ?? monthOf(now)
      const at = referenceInstant(m, now)
      const candidates = await ctx.db.gridHolder.findMany({ where: { departmentId, validFrom: { lte: at }, OR: [{ validTo: null }, { validTo: { gt: at } }] }, select: { gridId: true } })
      const candidateIds = [...new Set(candidates.map((c) => c.gridId))]
      const periods = await ctx.db.gridHolder.findMany({ where: { gridId: { in: candidateIds } } })
      const gridIds = candidateIds.filter((g) => holderOn(periods.filter((p) => p.gridId === g), at)?.departmentId === departmentId)
        .filter((g) => ctx.catalog.get(g))
        .sort((a, b) => ctx.catalog.get(a)!.code.localeCompare(ctx.catalog.get(b)!.code))
      const [coverage, lastCoverage, sites, lastOnSite, meetings, theme, inspections] = await Promise.all([
        monthCoverage(ctx.db, m, now, gridIds),
        monthCoverage(ctx.db, addMonths(m, -1), now, gridIds),
        ctx.db.evaluationSite.findMany({ where: { gridId: { in: gridIds } }, orderBy: { name: 'asc' } }),
        ctx.db.inspection.groupBy({ by: ['gridId'], where: { gridId: { in: gridIds }, onSite: true, date: { lte: at } }, _max: { date: true } }),
        ctx.db.meeting.findMany({ where: { departmentId, month: m }, orderBy: { date: 'desc' } }),
        loadTheme(ctx.db, m),
        ctx.db.inspection.findMany({ where: { gridId: { in: gridIds }, month: m }, select: { gridId: true, date: true, onSite: true }, orderBy: { date: 'desc' } }),
      ])
      const lastBy = new Map(lastOnSite.map((r) => [r.gridId, r._max.date]))
      const grids = gridIds.map((gid) => {
        const g = ctx.catalog.get(gid)!
        const c = coverage.get(gid)!
        const mine = inspections.filter((i) => i.gridId === gid)
        return {
          id: g.id, code: g.code, name: g.name, level: g.level, bbox: g.bbox,
          parentName: g.parentId ? (ctx.catalog.get(g.parentId)?.name ?? null) : null,
          status: c.inspectionStatus, lastMonthStatus: lastCoverage.get(gid)!.inspectionStatus,
          inspectionsThisMonth: mine.length, lastInspectionOnSite: mine[0]?.onSite ?? null,
          lastOnSiteInspection: lastBy.get(gid)?.toISOString() ?? null,
          openProblems: c.openProblems, overdueProblems: c.overdueProblems,
          cadre: c.holder ? `${c.holder.cadreName}（${c.holder.cadreTitle}）` : null,
          sites: sites.filter((s) => s.gridId === gid).map((s) => ({ id: s.id, name: s.name, type: s.type, lng: s.lng, lat: s.lat })),
        }
      })
      const running = m === monthOf(now)
      return {
        department: { id: department.id, name: department.name },
        month: m, running, daysLeft: running ? daysLeftInMonth(now) : 0, theme,
        meetingHeld: meetings.length > 0,
        meetings: meetings.map((x) => ({ id: x.id, date: x.date.toISOString(), topics: x.topics })),
        grids,
        summary: {
          total: grids.length, done: grids.filter((g) => g.status === 'done').length,
          unverified: grids.filter((g) => g.status === 'unverified').length,
          pending: grids.filter((g) => g.status === 'pending').length, missed: grids.filter((g) => g.status === 'missed').length,
          lastMonthMissed: grids.filter((g) => g.lastMonthStatus === 'missed').length,
          openProblems: grids.reduce((s, g) => s + g.openProblems, 0), overdueProblems: grids.reduce((s, g) => s + g.overdueProblems, 0),
        },
      }
    }),
})
