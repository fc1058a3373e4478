/**
 * Evaluation sites (测评点位) register and readiness (达标情况). A site is a point; it belongs to
 * the grid containing it (community, else street) and so to that grid's department. Creating,
 * moving and importing sites: leaders, planners, admins. Readiness: everyone; a department user
 * sees its own department's sites.
 */
import { z } from 'zod'
import { COORD_SYSTEMS } from '../../domain/problem/importRows.ts'
import { SITE_TYPES } from '../../domain/evaluation/siteRows.ts'
import { siteReadinessReport } from '../../services/evaluation.ts'
import { createSite, importSites, SITE_FILE_MAX_BYTES, updateSite } from '../../services/evaluationSites.ts'
import { id, rowVersion, lat, lng, text } from '../inputs.ts'
import { authedProcedure, router, scopedProcedure } from '../trpc.ts'

const siteType = z.enum(SITE_TYPES)
const MAX_FILE_BYTES = SITE_FILE_MAX_BYTES

export const evaluationRouter = router({
  siteTypes: authedProcedure.query(() => [...SITE_TYPES]),

  /** Every site with readiness, and the share up to standard per type, street and department. */
  readiness: scopedProcedure.query(async ({ ctx }) => {
    return siteReadinessReport(ctx.db, ctx.catalog, ctx.now(), { departmentId: ctx.scope.own ?? undefined })
  }),

  /** Add a site at a point; it is assigned to the grid containing the point. */
  siteCreate: authedProcedure
    .input(z.object({ name: text(100).min(1), type: siteType, lng, lat }))
    .mutation(({ ctx, input }) => createSite(ctx, input)),

  /** Rename, retype or move a site (version check); a moved site is re-assigned to the grid containing it. */
  siteUpdate: authedProcedure
    .input(z.object({ id, version: rowVersion, name: text(100).min(1).optional(), type: siteType.optional(), lng: lng.optional(), lat: lat.optional() })
      .refine((i) => (i.lng === undefined) === (i.lat === undefined), { message: 'lng 与 lat 须同时提供', path: ['lng'] }))
    .mutation(({ ctx, input }) => updateSite(ctx, input)),

  /**
   * Import sites from a spreadsheet (.xlsx or CSV; columns 名称, 类型, 经度, 纬度) with coordinates in
   * WGS84, GCJ-02 or BD-09. The good rows are written in one transaction; every bad row is reported.
   */
  siteImport: authedProcedure
    .input(z.object({ fileBase64: z.string().min(1).max(Math.ceil(MAX_FILE_BYTES * 4 / 3) + 4), coordSystem: z.enum(COORD_SYSTEMS).default('wgs84'), dryRun: z.boolean().default(false) }))
    .mutation(({ ctx, input }) => importSites(ctx, input)),
})
