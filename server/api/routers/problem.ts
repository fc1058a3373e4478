import { z } from 'zod'
import { OPEN_STATUSES, PROBLEM_STATUSES, deadlineFor, isOverdue } from '../../domain/problem/status.ts'
import { holderOn } from '../../domain/holder.ts'
import { badInput, forbidden } from '../errors.ts'
import { id, lat, lng, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const problemInclude = {
  category: { select: { name: true } },
  grid: { select: { name: true, code: true } },
  department: { select: { name: true } },
} as const

export const problemRouter = router({
  categories: authedProcedure.query(({ ctx }) =>
    ctx.db.problemCategory.findMany({ orderBy: { code: 'asc' } })),

  /** Report a problem at a point: the grid containing it and that grid's holder become responsible. */
  create: authedProcedure
    .input(z.object({ lng, lat, categoryCode: text(20).min(1), description: text(2000).min(1), inspectionId: id.optional() }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      const category = await ctx.db.problemCategory.findUnique({ where: { code: input.categoryCode } })
      if (!category) throw badInput(`问题类别 ${input.categoryCode} 不存在`, 'UNKNOWN_CATEGORY')
      const grid = ctx.catalog.assign(input.lng, input.lat)
      const holder = grid ? holderOn(await ctx.db.gridHolder.findMany({ where: { gridId: grid.id } }), now) : null
      const p = await ctx.db.problem.create({
        data: {
          lng: input.lng, lat: input.lat, gridId: grid?.id ?? null, departmentId: holder?.departmentId ?? null,
          categoryCode: category.code, description: input.description, status: 'reported',
          deadline: deadlineFor(now, category.deadlineDays), reporterId: ctx.user.id, reporterName: ctx.user.displayName,
          source: input.inspectionId ? 'inspection' : 'manual', inspectionId: input.inspectionId ?? null, reportedAt: now,
          events: { create: { action: 'report', fromStatus: null, toStatus: 'reported', actorId: ctx.user.id, at: now } },
        },
        include: problemInclude,
      })
      return toView(p, now)
    }),

  /** Problems, newest first, 50 a page; a department user sees its own department's only. */
  list: authedProcedure
    .input(z.object({
      gridId: id.optional(), departmentId: id.optional(), status: z.enum(PROBLEM_STATUSES).optional(),
      open: z.boolean().optional(), cursor: id.optional(), limit: z.number().int().min(1).max(200).default(50),
    }))
    .query(async ({ ctx, input }) => {
      let departmentId = input.departmentId
      if (ctx.user.role === 'department') {
        if (departmentId !== undefined && departmentId !== ctx.user.departmentId) throw forbidden('只能查看本部门的问题', 'NOT_YOUR_DEPARTMENT')
        departmentId = ctx.user.departmentId ?? -1
      }
      const now = ctx.now()
      const rows = await ctx.db.problem.findMany({
        where: {
          gridId: input.gridId, departmentId,
          status: input.status ?? (input.open ? { in: [...OPEN_STATUSES] } : undefined),
          id: input.cursor ? { lt: input.cursor } : undefined,
        },
        include: problemInclude, orderBy: { id: 'desc' }, take: input.limit + 1,
      })
      const page = rows.slice(0, input.limit)
      return { items: page.map((p) => toView(p, now)), nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null }
    }),

  /** Open problems as map points. */
  map: authedProcedure.query(async ({ ctx }) => {
    const now = ctx.now()
    const rows = await ctx.db.problem.findMany({
      where: { status: { in: [...OPEN_STATUSES] } },
      select: { id: true, lng: true, lat: true, status: true, deadline: true, category: { select: { name: true } } },
    })
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((p) => ({
        type: 'Feature' as const, id: p.id, geometry: { type: 'Point' as const, coordinates: [p.lng, p.lat] },
        properties: { id: p.id, status: p.status, categoryName: p.category.name, overdue: isOverdue(p, now) },
      })),
    }
  }),
})

type ProblemRow = {
  id: number; lng: number; lat: number; gridId: number | null; departmentId: number | null; categoryCode: string
  description: string; status: string; deadline: Date | null; reporterName: string; source: string; reportedAt: Date; closedAt: Date | null; version: number
  category: { name: string }; grid: { name: string; code: string } | null; department: { name: string } | null
}

function toView(p: ProblemRow, now: Date) {
  return {
    id: p.id, lng: p.lng, lat: p.lat, gridId: p.gridId, gridName: p.grid?.name ?? null, gridCode: p.grid?.code ?? null,
    departmentId: p.departmentId, departmentName: p.department?.name ?? null, categoryCode: p.categoryCode,
    categoryName: p.category.name, description: p.description, status: p.status, deadline: p.deadline?.toISOString() ?? null,
    overdue: isOverdue(p, now), reporterName: p.reporterName, source: p.source, reportedAt: p.reportedAt.toISOString(),
    closedAt: p.closedAt?.toISOString() ?? null, version: p.version,
  }
}
