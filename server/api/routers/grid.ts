import { z } from 'zod'
import { monthOf } from '../../domain/time.ts'
import { OPEN_STATUSES, isOverdue } from '../../domain/problem/status.ts'
import { locateAtDate } from '../../services/boundary.ts'
import { EMPTY_COVERAGE, holderView, loadHolders, monthCoverage, type GridCoverage } from '../../services/coverage.ts'
import { catalogKey, fromCityCoverage } from '../../services/cityFigures.ts'
import { GRID_TILE_MAX_ZOOM, gridTilesOf } from '../../services/gridTiles.ts'
import type { GridMonthState } from '../../domain/inspection/gridMonthStatus.ts'
import { notFound } from '../../domain/errors.ts'
import { explainPoint } from '../../services/routing.ts'
import { problemConfig } from '../../services/problems.ts'
import { id, isoDateTime, lat, level, lng, month, text } from '../inputs.ts'
import { authedProcedure, router, scopedProcedure } from '../trpc.ts'
import { gridsInArea, resolveArea, type AreaFilter } from '../../services/districts.ts'

/** A feature collection cut to the district filter's grids (all of them without a filter). */
function onlyInArea<C extends { features: { id?: string | number }[] }>(area: AreaFilter | null, fc: C): C {
  return area ? { ...fc, features: fc.features.filter((f) => area.gridIds.has(Number(f.id))) } : fc
}

export const gridRouter = router({
  /** Every grid of a level as GeoJSON, with holder and the month's status (default: this month). */
  list: authedProcedure
    .input(z.object({ level, month: month.optional(), districtId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const now = ctx.now()
      const m = input.month ?? monthOf(now)
      const area = resolveArea(ctx.catalog, input.districtId) // the district filter: that district's grids only
      const coverage = await monthCoverage(ctx.db, m, now)
      return onlyInArea(area, ctx.catalog.featureCollection(input.level, (g) => {
        const c = coverage.get(g.id) ?? EMPTY_COVERAGE(m, now)
        return {
          id: g.id, code: g.code, name: g.name, level: g.level, parentId: g.parentId,
          holderDepartment: c.holder?.departmentName ?? null, holderDepartmentId: c.holder?.departmentId ?? null,
          holderCadre: c.holder ? `${c.holder.cadreName}（${c.holder.cadreTitle}）` : null,
          inspectionStatus: c.inspectionStatus, openProblems: c.openProblems, overdueProblems: c.overdueProblems,
          /** where the name goes (one point per grid, inside it): the SVG maps draw it */
          labelPoint: ctx.catalog.labelPointOf(g),
        }
      }))
    }),

  /**
   * One label point per grid of a level (pole of inaccessibility, cached per boundary version):
   * the point source every map draws grid names from, so a name appears once at every zoom.
   * Properties that never change with the month only; the feature id is the grid id.
   */
  labels: authedProcedure
    .input(z.object({ level }))
    .query(({ ctx, input }) => ctx.catalog.labelCollection(input.level, (g) => ({ id: g.id, code: g.code, name: g.name, level: g.level, parentId: g.parentId }))),

  /**
   * The month's status of every grid of a level, without geometry: parallel arrays (index i is
   * grid ids[i]), for the map to join onto vector-tile features (/tiles/grids/…) by feature id.
   * Same values as `grid.list`'s properties. `tilesVersion` goes into the tile URL (?v=) so the
   * geometry is cached across months and refetched only when a boundary changes.
   */
  status: authedProcedure
    .input(z.object({ level, month: month.optional(), districtId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const now = ctx.now()
      const m = input.month ?? monthOf(now)
      const area = resolveArea(ctx.catalog, input.districtId)
      const tilesVersion = gridTilesOf(ctx.catalog).version(input.level)
      const build = (coverage: ReadonlyMap<number, GridCoverage>) => {
        const grids = gridsInArea(ctx.catalog, area, input.level)
        const empty = EMPTY_COVERAGE(m, now)
        const ids: number[] = [], status: GridMonthState[] = [], holderDepartmentId: (number | null)[] = [], openProblems: number[] = [], overdueProblems: number[] = []
        const departments = new Map<number, string>()
        for (const g of grids) {
          const c = coverage.get(g.id) ?? empty
          ids.push(g.id)
          status.push(c.inspectionStatus)
          holderDepartmentId.push(c.holder?.departmentId ?? null)
          openProblems.push(c.openProblems)
          overdueProblems.push(c.overdueProblems)
          if (c.holder) departments.set(c.holder.departmentId, c.holder.departmentName)
        }
        return {
          level: input.level, month: m, count: ids.length,
          tilesVersion, tileMaxZoom: GRID_TILE_MAX_ZOOM,
          ids, status, holderDepartmentId, openProblems, overdueProblems,
          departments: [...departments].map(([id, name]) => ({ id, name })),
        }
      }
      // the whole city's per-grid figures from the cache (services/cityFigures.ts), then this level and area
      return (await fromCityCoverage(ctx.db, m, now, `status|${catalogKey(ctx.catalog)}|${tilesVersion}|${input.level}|${area?.id ?? 'city'}`, build))
        ?? build(await monthCoverage(ctx.db, m, now))
    }),

  /**
   * One grid: boundary, holder and history, the month's inspections, open problems, evaluation sites.
   * The grid's public facts (name, boundary, holder, status) go to everyone; its inspections and open
   * problems only as far as the user's department scope reaches (a department sees its own rows).
   */
  byId: scopedProcedure
    .input(z.object({ id, month: month.optional() }))
    .query(async ({ ctx, input }) => {
      const grid = ctx.catalog.get(input.id)
      if (!grid) throw notFound('网格', 'GRID_NOT_FOUND')
      const now = ctx.now()
      const m = input.month ?? monthOf(now)
      const [coverage, history, inspections, problems, sites] = await Promise.all([
        monthCoverage(ctx.db, m, now, [grid.id]),
        loadHolders(ctx.db, { gridId: grid.id }),
        ctx.db.inspection.findMany({ where: { gridId: grid.id, month: m, ...ctx.scope.where() }, include: { department: { select: { name: true } } }, orderBy: { date: 'desc' } }),
        ctx.db.problem.findMany({ where: { gridId: grid.id, status: { in: [...OPEN_STATUSES] }, ...ctx.scope.where() }, include: { category: { select: { name: true } } }, orderBy: { reportedAt: 'desc' }, take: 200 }),
        ctx.db.evaluationSite.findMany({ where: { gridId: grid.id }, orderBy: { name: 'asc' } }),
      ])
      const c = coverage.get(grid.id)!
      return {
        id: grid.id, code: grid.code, name: grid.name, level: grid.level, parentId: grid.parentId,
        parentName: grid.parentId ? (ctx.catalog.get(grid.parentId)?.name ?? null) : null,
        geometry: grid.geometry, bbox: grid.bbox, area: grid.area, version: grid.version, month: m,
        inspectionStatus: c.inspectionStatus, holder: c.holder, holderHistory: history.map(holderView).reverse(),
        inspections: inspections.map((i) => ({ id: i.id, departmentId: i.departmentId, date: i.date.toISOString(), inspector: i.inspector, findings: i.findings, departmentName: i.department.name, onSite: i.onSite, recordedAt: i.recordedAt.toISOString(), accuracyM: i.accuracyM, lateReason: i.lateReason, approvedAt: i.approvedAt?.toISOString() ?? null, presenceNote: i.presenceNote })),
        openProblems: problems.map((p) => ({ id: p.id, departmentId: p.departmentId, categoryName: p.category.name, description: p.description, status: p.status, deadline: p.deadline?.toISOString() ?? null, overdue: isOverdue(p, now), reportedAt: p.reportedAt.toISOString() })),
        sites: sites.map((s) => ({ id: s.id, name: s.name, type: s.type, lng: s.lng, lat: s.lat })),
      }
    }),

  /** The community and street containing a point (see the boundary rule in the README), with the boundaries in force at `at` (default now). */
  locate: authedProcedure
    .input(z.object({ lng, lat, at: isoDateTime.optional() }))
    .query(({ ctx, input }) => locateAtDate(ctx.db, ctx.catalog, input.lng, input.lat, input.at ? new Date(input.at) : null, ctx.now())),

  /**
   * The 属地 certificate (docs/routing.md): for a point and an instant (default now), the grid, its holder
   * (supervising department), the boundary version in force, the distance to the nearest edge, other grids
   * within PROBLEM_BOUNDARY_M, and the handling department of every category group there.
   */
  explain: authedProcedure
    .input(z.object({ lng, lat, at: isoDateTime.optional() }))
    .query(({ ctx, input }) => {
      const now = ctx.now()
      return explainPoint(ctx.db, ctx.catalog, input.lng, input.lat, input.at ? new Date(input.at) : now, now, { boundaryM: problemConfig().boundaryM })
    }),

  /** Grids whose name or code contains the text. */
  search: authedProcedure
    .input(z.object({ q: text(50).min(1) }))
    .query(({ ctx, input }) => {
      const q = input.q.toLowerCase()
      return ctx.catalog.list()
        .filter((g) => g.name.toLowerCase().includes(q) || g.code.includes(q))
        .slice(0, 20)
        .map((g) => ({ id: g.id, code: g.code, name: g.name, level: g.level, bbox: g.bbox }))
    }),
})
