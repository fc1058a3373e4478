/**
 * The audit trail, newest first: who changed what, when, before and after. Leaders and admins read
 * it. Each row also comes with the thing's name (`targetName`) and the fields that changed
 * (`changes`, grid and department ids as names), so the client says it in words
 * (server/domain/vocabulary/audit.ts) instead of codes and JSON.
 */
import { z } from 'zod'
import { auditChanges, type AuditChange } from '../../domain/vocabulary/audit.ts'
import { id, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'
import { auditTrailWhere } from '../../services/audit.ts'

const parse = (s: string | null): unknown => {
  if (s === null) return null
  try { return JSON.parse(s) } catch { return s }
}
const numeric = (s: string) => (/^\d+$/.test(s) ? Number(s) : null)
/** fields holding a grid's or a department's id: shown as the name */
const GRID_FIELDS = new Set(['gridId', 'parentId'])
const DEPT_FIELDS = new Set(['departmentId'])

export const auditRouter = router({
  list: authedProcedure
    .input(z.object({
      entity: text(50).min(1).optional(), entityId: text(50).min(1).optional(), actorId: id.optional(),
      cursor: id.optional(), limit: z.number().int().min(1).max(200).default(50),
    }))
    .query(async ({ ctx, input }) => {
      // an imported problem's trail includes its import batch's row (services/audit.ts auditTrailWhere)
      const trail = await auditTrailWhere(ctx.db, input.entity, input.entityId)
      const rows = await ctx.db.auditLog.findMany({
        where: { AND: [trail, { actorId: input.actorId, id: input.cursor ? { lt: input.cursor } : undefined }] },
        include: { actor: { select: { displayName: true, login: true } } },
        orderBy: { id: 'desc' }, take: input.limit + 1,
      })
      const page = rows.slice(0, input.limit).map((r) => {
        const before = parse(r.before), after = parse(r.after)
        return { r, before, after, changes: auditChanges(before, after) }
      })
      // the names behind the ids: the rows' own things and the id fields that changed
      const gridIds = new Set<number>(), deptIds = new Set<number>(), userIds = new Set<number>()
      for (const { r, changes } of page) {
        const n = numeric(r.entityId)
        const e = r.entity.toLowerCase()
        if (n !== null && e === 'grid') gridIds.add(n)
        if (n !== null && e === 'department') deptIds.add(n)
        if (n !== null && e === 'user') userIds.add(n)
        for (const c of changes) for (const v of [c.before, c.after]) {
          if (typeof v !== 'number') continue
          if (GRID_FIELDS.has(c.field)) gridIds.add(v)
          if (DEPT_FIELDS.has(c.field)) deptIds.add(v)
        }
      }
      const [grids, depts, users] = await Promise.all([
        gridIds.size ? ctx.db.grid.findMany({ where: { id: { in: [...gridIds] } }, select: { id: true, name: true } }) : [],
        deptIds.size ? ctx.db.department.findMany({ where: { id: { in: [...deptIds] } }, select: { id: true, name: true } }) : [],
        userIds.size ? ctx.db.user.findMany({ where: { id: { in: [...userIds] } }, select: { id: true, displayName: true } }) : [],
      ])
      const gridName = new Map(grids.map((g) => [g.id, g.name]))
      const deptName = new Map(depts.map((d) => [d.id, d.name]))
      const userName = new Map(users.map((u) => [u.id, u.displayName]))
      const named = (c: AuditChange): AuditChange => {
        const map = GRID_FIELDS.has(c.field) ? gridName : DEPT_FIELDS.has(c.field) ? deptName : null
        if (!map) return c
        const name = (v: unknown) => (typeof v === 'number' ? map.get(v) ?? `#${v}` : v)
        return { field: c.field, before: name(c.before), after: name(c.after) }
      }
      const target = (entity: string, entityId: string): string | null => {
        const n = numeric(entityId)
        if (n === null) return null
        const e = entity.toLowerCase()
        return (e === 'grid' ? gridName.get(n) : e === 'department' ? deptName.get(n) : e === 'user' ? userName.get(n) : undefined) ?? null
      }
      return {
        items: page.map(({ r, before, after, changes }) => ({
          id: r.id, at: r.at.toISOString(), actorId: r.actorId, actorName: r.actor?.displayName ?? null, actorLogin: r.actor?.login ?? null,
          action: r.action, entity: r.entity, entityId: r.entityId, targetName: target(r.entity, r.entityId),
          changes: changes.map(named), before, after,
        })),
        nextCursor: rows.length > input.limit ? rows[input.limit - 1]!.id : null,
      }
    }),
})
