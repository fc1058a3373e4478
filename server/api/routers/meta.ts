import { monthOf } from '../../domain/time.ts'
import { publicProcedure, router } from '../trpc.ts'

export const metaRouter = router({
  /** What the client needs before login: the current month (Asia/Shanghai) and the optional basemap. */
  config: publicProcedure.query(({ ctx }) => ({
    month: monthOf(ctx.now()),
    basemapTiles: process.env.BASEMAP_TILES || null,
    basemapAttribution: process.env.BASEMAP_ATTRIBUTION || null,
  })),
})
