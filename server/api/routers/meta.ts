import { monthOf } from '../../domain/time.ts'
import { authedProcedure, publicProcedure, router } from '../trpc.ts'
import { patrolSampleSeconds } from '../../services/patrolTracks.ts'
import { PATROL_BUFFER_M } from '../../domain/inspection/patrolTrack.ts'

export const metaRouter = router({
  /** What the client needs before login: the current month (Asia/Shanghai) and the optional basemap. */
  config: publicProcedure.query(({ ctx }) => ({
    month: monthOf(ctx.now()),
    basemapTiles: process.env.BASEMAP_TILES || null,
    basemapAttribution: process.env.BASEMAP_ATTRIBUTION || null,
  })),
  /** Patrol-track settings for the phone: seconds between two position samples (PATROL_SAMPLE_S, default 15) and the coverage distance. */
  patrol: authedProcedure.query(() => ({ sampleS: patrolSampleSeconds(), bufferM: PATROL_BUFFER_M })),
})
