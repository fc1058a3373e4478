import { authedProcedure, router } from '../trpc.ts'

export const siteRouter = router({
  /** Evaluation sites (测评点位) as map points. */
  list: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.evaluationSite.findMany({ orderBy: { id: 'asc' } })
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((s) => ({
        type: 'Feature' as const, id: s.id, geometry: { type: 'Point' as const, coordinates: [s.lng, s.lat] },
        properties: { id: s.id, name: s.name, type: s.type, gridId: s.gridId },
      })),
    }
  }),
})
