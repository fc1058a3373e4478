/** The responsibility matrix (责任矩阵, docs/routing.md): the page's data and the admin edits. */
import { z } from 'zod'
import { AREA_KINDS } from '../../domain/routing/matrix.ts'
import { createRule, endRule, loadNames, matrixView, ruleView, updateRule } from '../../services/routing.ts'
import { id, isoDateTime, rowVersion, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const ruleInput = z.object({
  categoryCode: text(20).min(1).nullable().optional(),
  categoryGroup: text(50).min(1).nullable().optional(),
  areaKind: z.enum(AREA_KINDS),
  areaIds: z.array(id).max(500),
  departmentId: id,
  validFrom: isoDateTime,
  validTo: isoDateTime.nullable().optional(),
  note: text(500).optional(),
})

export const routingRouter = router({
  /** Categories × (city, streets) with the department in each cell; the rules; gaps and overlaps (at `at`, default now). */
  matrix: authedProcedure
    .input(z.object({ at: isoDateTime.optional() }).default({}))
    .query(({ ctx, input }) => matrixView(ctx.db, ctx.catalog, input.at ? new Date(input.at) : ctx.now())),

  /** Add a rule (leadership/admin), audited. */
  createRule: authedProcedure.input(ruleInput).mutation(async ({ ctx, input }) => {
    const now = ctx.now()
    const row = await createRule(ctx.db, ctx.catalog, ctx.user, input, now)
    return ruleView(row, await loadNames(ctx.db, ctx.catalog))
  }),

  /** Change a rule; stale version → CONFLICT VERSION_CONFLICT. */
  updateRule: authedProcedure.input(ruleInput.extend({ id, version: rowVersion })).mutation(async ({ ctx, input }) => {
    const row = await updateRule(ctx.db, ctx.catalog, ctx.user, input, ctx.now())
    return ruleView(row, await loadNames(ctx.db, ctx.catalog))
  }),

  /** End a rule now (kept in the history). */
  endRule: authedProcedure.input(z.object({ id, version: rowVersion })).mutation(async ({ ctx, input }) => {
    const row = await endRule(ctx.db, ctx.user, input, ctx.now())
    return ruleView(row, await loadNames(ctx.db, ctx.catalog))
  }),
})
