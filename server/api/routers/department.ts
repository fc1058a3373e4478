import { z } from 'zod'
import { createDepartment, updateDepartment } from '../../services/admin.ts'
import { notFound } from '../../domain/errors.ts'
import { id, rowVersion, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const departmentFields = { name: text(100).min(1), shortName: text(30).min(1), contactPerson: text(50), phone: text(30) }

export const departmentRouter = router({
  list: authedProcedure.query(async ({ ctx }) => {
    const now = ctx.now()
    const [departments, holdings] = await Promise.all([
      ctx.db.department.findMany({ orderBy: { id: 'asc' } }),
      ctx.db.gridHolder.groupBy({ by: ['departmentId'], where: { validFrom: { lte: now }, OR: [{ validTo: null }, { validTo: { gt: now } }] }, _count: { _all: true } }),
    ])
    const count = new Map(holdings.map((h) => [h.departmentId, h._count._all]))
    return departments.map((d) => ({ id: d.id, name: d.name, shortName: d.shortName, contactPerson: d.contactPerson, phone: d.phone, version: d.version, gridCount: count.get(d.id) ?? 0 }))
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

  /** Admin: a new department (name unique). */
  create: authedProcedure.input(z.object(departmentFields)).mutation(({ ctx, input }) => createDepartment(ctx.db, ctx.user.id, input)),

  /** Admin: change a department; `version` is the one the editor saw (VERSION_CONFLICT if it moved on). */
  update: authedProcedure
    .input(z.object({ id, version: rowVersion, ...departmentFields }).partial({ name: true, shortName: true, contactPerson: true, phone: true }))
    .mutation(({ ctx, input }) => updateDepartment(ctx.db, ctx.user.id, input)),
})
