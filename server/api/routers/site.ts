import { siteReadinessReport } from '../../services/evaluation.ts'
import { authedProcedure, router } from '../trpc.ts'

export const siteRouter = router({
  /** Evaluation sites (测评点位) as map points, with their readiness (达标情况, see server/domain/evaluation/readiness.ts). */
  list: authedProcedure.query(async ({ ctx }) => {
    const { sites } = await siteReadinessReport(ctx.db, ctx.catalog, ctx.now())
    return {
      type: 'FeatureCollection' as const,
      features: sites.map((s) => ({
        type: 'Feature' as const, id: s.id, geometry: { type: 'Point' as const, coordinates: [s.lng, s.lat] },
        properties: { id: s.id, name: s.name, type: s.type, gridId: s.gridId, readiness: s.readiness, lastRate: s.lastRate, departmentName: s.departmentName },
      })),
    }
  }),
})
