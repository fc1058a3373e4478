import { z } from 'zod'
import { notFound } from '../errors.ts'
import { id } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

export const departmentRouter = router({
  list: authedProcedure.query(async ({ ctx }) => {
    const now = ctx.now()
    const [departments, holdings] = await Promise.all([
      ctx.db.department.findMany({ orderBy: { id: 'asc' } }),
      ctx.db.gridHolder.groupBy({ by: ['departmentId'], where: { validFrom: { lte: now }, OR: [{ validTo: null }, { validTo: { gt: now } }] }, _count: { _all: true } }),
    ])
    const count = new Map(holdings.map((h) => [h.departmentId, h._count._all]))
    return departments.map((d) => ({ id: d.id, name: d.name, shortName: d.shortName, contactPerson: d.contactPerson, phone: d.phone, gridCount: count.get(d.id) ?? 0 }))
  }),

  /** A department with the grids it holds now. */
  byId: authedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const now = ctx.now()
    const d = await ctx.db.department.findUnique({ where: { id: input.id } })
    if (!d) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
    const holdings = await ctx.db.gridHolder.findMany({
      where: { departmentId: d.id, validFrom: { lte: now }, OR: [{ validTo: null }, { validTo: { gt: now } }] },
      orderBy: { gridId: 'asc' },
    })
    return {
      id: d.id, name: d.name, shortName: d.shortName, contactPerson: d.contactPerson, phone: d.phone,
      grids: holdings.flatMap((h) => {
        const g = ctx.catalog.get(h.gridId)
        return g ? [{ id: g.id, code: g.code, name: g.name, level: g.level, bbox: g.bbox, cadreName: h.cadreName, cadreTitle: h.cadreTitle }] : []
      }),
    }
  }),
})
