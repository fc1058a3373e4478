/** The audit trail, newest first: who changed what, when, before and after. Leaders and admins read it. */
import { z } from 'zod'
import { id, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const parse = (s: string | null): unknown => {
  if (s === null) return null
  try { return JSON.parse(s) } catch { return s }
}

export const auditRouter = router({
  list: authedProcedure
    .input(z.object({
      entity: text(50).min(1).optional(), entityId: text(50).min(1).optional(), actorId: id.optional(),
      cursor: id.optional(), limit: z.number().int().min(1).max(200).default(50),
    }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.auditLog.findMany({
        where: { entity: input.entity, entityId: input.entityId, actorId: input.actorId, id: input.cursor ? { lt: input.cursor } : undefined },
        include: { actor: { select: { displayName: true, login: true } } },
        orderBy: { id: 'desc' }, take: input.limit + 1,
      })
      const page = rows.slice(0, input.limit)
      return {
        items: page.map((r) => ({
          id: r.id, at: r.at.toISOString(), actorId: r.actorId, actorName: r.actor?.displayName ?? null, actorLogin: r.actor?.login ?? null,
          action: r.action, entity: r.entity, entityId: r.entityId, before: parse(r.before), after: parse(r.after),
        })),
        nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null,
      }
    }),
})
