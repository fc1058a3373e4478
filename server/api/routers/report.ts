import { z } from 'zod'
import { buildBulletin } from '../../services/bulletin.ts'
import { runHeavy } from '../../services/heavy.ts'
import { month } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

export const reportRouter = router({
  /** The monthly bulletin (检查通报) as data, or as an Excel workbook in base64 (also at GET /api/report/bulletin). */
  monthlyBulletin: authedProcedure
    .input(z.object({ month, format: z.enum(['json', 'xlsx']).default('json') }))
    .query(async ({ ctx, input }) => {
      const bulletin = await buildBulletin(ctx.db, ctx.catalog, input.month, ctx.now())
      if (input.format === 'json') return { format: 'json' as const, bulletin }
      const xlsx = Buffer.from(await runHeavy('bulletinWorkbook', [bulletin]))
      return { format: 'xlsx' as const, fileName: `检查通报-${input.month}.xlsx`, base64: xlsx.toString('base64') }
    }),
})
