import { z } from 'zod'
import { writeAudit } from '../../services/audit.ts'
import { conflict, notFound } from '../errors.ts'
import { id, rowVersion, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const departmentFields = { name: text(100).min(1), shortName: text(30).min(1), contactPerson: text(50), phone: text(30) }
type DepartmentRow = { id: number; name: string; shortName: string; contactPerson: string; phone: string; version: number }
const departmentView = (d: DepartmentRow) => ({ id: d.id, name: d.name, shortName: d.shortName, contactPerson: d.contactPerson, phone: d.phone, version: d.version })

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
  create: authedProcedure.input(z.object(departmentFields)).mutation(async ({ ctx, input }) => {
    if (await ctx.db.department.findUnique({ where: { name: input.name } })) throw conflict(`部门 ${input.name} 已存在`, 'DEPARTMENT_NAME_TAKEN')
    const d = await ctx.db.$transaction(async (tx) => {
      const row = await tx.department.create({ data: input })
      await writeAudit(tx, { actorId: ctx.user.id, action: 'department.create', entity: 'department', entityId: row.id, before: null, after: departmentView(row) })
      return row
    })
    return departmentView(d)
  }),

  /** Admin: change a department; `version` is the one the editor saw (VERSION_CONFLICT if it moved on). */
  update: authedProcedure
    .input(z.object({ id, version: rowVersion, ...departmentFields }).partial({ name: true, shortName: true, contactPerson: true, phone: true }))
    .mutation(async ({ ctx, input }) => {
      const { id: departmentId, version, ...changes } = input
      const d = await ctx.db.$transaction(async (tx) => {
        const before = await tx.department.findUnique({ where: { id: departmentId } })
        if (!before) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
        if (changes.name && changes.name !== before.name && (await tx.department.findUnique({ where: { name: changes.name } }))) {
          throw conflict(`部门 ${changes.name} 已存在`, 'DEPARTMENT_NAME_TAKEN')
        }
        const n = await tx.department.updateMany({ where: { id: departmentId, version }, data: { ...changes, version: { increment: 1 } } })
        if (n.count !== 1) throw conflict('部门信息已被他人修改，请刷新后重试', 'VERSION_CONFLICT')
        const after = (await tx.department.findUnique({ where: { id: departmentId } }))!
        await writeAudit(tx, { actorId: ctx.user.id, action: 'department.update', entity: 'department', entityId: departmentId, before: departmentView(before), after: departmentView(after) })
        return after
      })
      return departmentView(d)
    }),
})
