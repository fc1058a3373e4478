import { z } from 'zod'
import { holderOn } from '../../domain/holder.ts'
import { checkPresence } from '../../domain/inspection/presence.ts'
import { monthOf } from '../../domain/time.ts'
import { badInput, forbidden, notFound } from '../errors.ts'
import { id, isoDateTime, lat, lng, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const presenceTolerance = () => Number(process.env.PRESENCE_TOLERANCE_M ?? 50)

export const inspectionRouter = router({
  /**
   * Record an on-site inspection (实地检查). A department user records only for grids its department
   * holds on that date. With a check-in point, the server decides whether it was on site.
   */
  record: authedProcedure
    .input(z.object({
      gridId: id, date: isoDateTime, inspector: text(100).min(1), findings: text(5000).min(1),
      lng: lng.optional(), lat: lat.optional(),
    }).refine((i) => (i.lng === undefined) === (i.lat === undefined), { message: 'lng 与 lat 须同时提供', path: ['lng'] }))
    .mutation(async ({ ctx, input }) => {
      const grid = ctx.catalog.get(input.gridId)
      if (!grid) throw notFound('网格', 'GRID_NOT_FOUND')
      const now = ctx.now()
      const date = new Date(input.date)
      if (date.getTime() > now.getTime() + 5 * 60_000) throw badInput('检查日期不能晚于现在', 'DATE_IN_FUTURE')
      const holder = holderOn(await ctx.db.gridHolder.findMany({ where: { gridId: grid.id } }), date)
      if (!holder) throw badInput(`${grid.name} 在该日期没有包抓部门`, 'GRID_UNHELD')
      if (ctx.user.role === 'department' && holder.departmentId !== ctx.user.departmentId) {
        throw forbidden(`${grid.name} 不是本部门包抓的网格`, 'NOT_YOUR_GRID')
      }
      const presence = input.lng !== undefined && input.lat !== undefined
        ? checkPresence(grid.geometry, input.lng, input.lat, presenceTolerance()) : null
      const row = await ctx.db.inspection.create({
        data: {
          gridId: grid.id, departmentId: holder.departmentId, date, month: monthOf(date), inspector: input.inspector,
          findings: input.findings, lng: input.lng ?? null, lat: input.lat ?? null, onSite: presence?.onSite ?? null,
          createdById: ctx.user.id,
        },
      })
      return { id: row.id, gridId: row.gridId, departmentId: row.departmentId, date: row.date.toISOString(), month: row.month, onSite: row.onSite, distanceOutside: presence?.distanceOutside ?? null }
    }),
})
