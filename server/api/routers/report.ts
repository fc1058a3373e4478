import { z } from 'zod'
import { monthlyBulletin, publishBulletin } from '../../services/bulletin.ts'
import { runHeavy } from '../../services/heavy.ts'
import { id, month } from '../inputs.ts'
import { resolveArea } from '../../services/districts.ts'
import { authedProcedure, router } from '../trpc.ts'

export const reportRouter = router({
  /**
   * The monthly bulletin (检查通报) as data, or as an Excel workbook in base64 (also at GET /api/report/bulletin).
   * A published month returns its figures as published, with the corrections recorded since.
   */
  monthlyBulletin: authedProcedure
    .input(z.object({ month, format: z.enum(['json', 'xlsx']).default('json'), districtId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const bulletin = await monthlyBulletin(ctx.db, ctx.catalog, input.month, ctx.now(), resolveArea(ctx.catalog, input.districtId))
      if (input.format === 'json') return { format: 'json' as const, bulletin }
      const xlsx = Buffer.from(await runHeavy('bulletinWorkbook', [bulletin]))
      return { format: 'xlsx' as const, fileName: `检查通报-${input.month}${bulletin.area ? `-${bulletin.area.name}` : ''}.xlsx`, base64: xlsx.toString('base64') }
    }),

  /** Publishes a month's bulletin (发布通报): its figures are frozen from then on (audited; leaders and admins). */
  publishBulletin: authedProcedure
    .input(z.object({ month }))
    .mutation(async ({ ctx, input }) => publishBulletin(ctx.db, ctx.catalog, ctx.user.id, input.month, ctx.now())),
})
