/**
 * Mock evaluations (模拟测评): a leader draws a reproducible stratified sample of sites, the score
 * sheets list the indicators checked at each site's type, scores are entered per site, and a lost
 * point becomes a problem at the site with one action (the site's grid decides the department).
 * Results: 得分率 per site, type, street, department; and all evaluations over time.
 * A department user reads the sheets and results of its own department's sites only.
 */
import { z } from 'zod'
import { STRATIFY_BY } from '../../domain/evaluation/sampling.ts'
import { lostOf, rateOf } from '../../domain/evaluation/scores.ts'
import { SITE_TYPES } from '../../domain/evaluation/siteRows.ts'
import { chinaDay, mockResults, parseSiteTypes } from '../../services/evaluation.ts'
import { drawMockEvaluation, scoreMockSite, scoreToProblem } from '../../services/mockEvaluation.ts'
import { notFound } from '../../domain/errors.ts'
import { yearOf } from '../../domain/time.ts'
import { id, rowVersion, text } from '../inputs.ts'
import { authedProcedure, router, scopedProcedure } from '../trpc.ts'

const seedInput = z.number().int().min(0).max(2 ** 31 - 1)

export const mockRouter = router({
  /** Draw a sample and create the evaluation (the same seed and parameters give the same sites). */
  draw: authedProcedure
    .input(z.object({
      name: text(100).min(1), by: z.enum(STRATIFY_BY).default('type'), types: z.array(z.enum(SITE_TYPES)).max(30).default([]),
      streetIds: z.array(id).max(100).default([]), perStratum: z.number().int().min(1).max(50), seed: seedInput.optional(),
      preview: z.boolean().default(false), previewSiteIds: z.array(id).max(5000).optional(),
    }))
    .mutation(({ ctx, input }) => drawMockEvaluation(ctx, input)),

  /** Every mock evaluation, newest first, with its overall rate: the comparison over time. */
  list: scopedProcedure.query(async ({ ctx }) => {
    const scope = ctx.scope.own ?? undefined
    const evs = await ctx.db.mockEvaluation.findMany({
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      include: { sites: { where: scope === undefined ? undefined : { departmentId: scope }, select: { siteType: true, scores: { select: { maxPoints: true, lostPoints: true } } } } },
    })
    return evs.map((e) => {
      const lines = e.sites.flatMap((s) => s.scores)
      const types = [...new Set(e.sites.map((s) => s.siteType))].sort()
      return {
        id: e.id, name: e.name, seed: e.seed, params: JSON.parse(e.params) as unknown, createdAt: e.createdAt.toISOString(), day: chinaDay(e.createdAt),
        sites: e.sites.length, scoredSites: e.sites.filter((s) => s.scores.length > 0).length, rate: rateOf(lines),
        byType: types.map((t) => ({ type: t, rate: rateOf(e.sites.filter((s) => s.siteType === t).flatMap((s) => s.scores)) })),
      }
    })
  }),

  /** The score sheets: each sampled site with the indicators checked at its type and the entered scores. */
  sheets: scopedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const ev = await ctx.db.mockEvaluation.findUnique({ where: { id: input.id } })
    if (!ev) throw notFound('模拟测评', 'MOCK_NOT_FOUND')
    const scope = ctx.scope.own ?? undefined
    const [sites, indicators, departments] = await Promise.all([
      ctx.db.mockEvaluationSite.findMany({
        where: { evaluationId: ev.id, departmentId: scope },
        include: { site: true, scores: true }, orderBy: { id: 'asc' },
      }),
      ctx.db.indicator.findMany({ orderBy: [{ year: 'desc' }, { code: 'asc' }] }),
      ctx.db.department.findMany({ select: { id: true, name: true } }),
    ])
    // the task list of the evaluation's year (China time), else the latest year on file
    const evYear = yearOf(ev.createdAt)
    const year = indicators.some((i) => i.year === evYear) ? evYear : indicators[0]?.year
    const current = indicators.filter((i) => i.year === year).map((i) => ({ ...i, types: parseSiteTypes(i.siteTypes) }))
    const byId = new Map(indicators.map((i) => [i.id, i]))
    const deptName = new Map(departments.map((d) => [d.id, d.name]))
    return {
      id: ev.id, name: ev.name, seed: ev.seed, params: JSON.parse(ev.params) as unknown, createdAt: ev.createdAt.toISOString(),
      sites: sites.map((s) => {
        const checked = current.filter((i) => i.types.includes(s.siteType))
        const extra = s.scores.filter((e) => !checked.some((i) => i.id === e.indicatorId)).map((e) => byId.get(e.indicatorId)).filter((i) => i !== undefined)
        const lines = [...checked, ...extra].map((i) => {
          const e = s.scores.find((x) => x.indicatorId === i.id)
          return {
            indicatorId: i.id, code: i.code, name: i.name, standard: i.standard, maxPoints: e?.maxPoints ?? i.points,
            scoreId: e?.id ?? null, lostPoints: e ? lostOf(e) : null, note: e?.note ?? '', problemId: e?.problemId ?? null, version: e?.version ?? null,
          }
        })
        return {
          mockSiteId: s.id, siteId: s.siteId, name: s.site.name, type: s.siteType, lng: s.site.lng, lat: s.site.lat, stratum: s.stratum,
          gridId: s.gridId, gridName: s.gridId === null ? null : (ctx.catalog.get(s.gridId)?.name ?? null),
          streetName: s.streetId === null ? null : (ctx.catalog.get(s.streetId)?.name ?? null),
          departmentId: s.departmentId, departmentName: s.departmentId === null ? null : (deptName.get(s.departmentId) ?? null),
          lines, scored: s.scores.length > 0, rate: rateOf(s.scores),
        }
      }),
    }
  }),

  /** Enter (or correct) the scores of one sampled site, in one transaction; `version` guards a correction. */
  score: authedProcedure
    .input(z.object({
      mockSiteId: id,
      scores: z.array(z.object({ indicatorId: id, lostPoints: z.number().finite().min(0).max(1000), note: text(1000).default(''), version: rowVersion.optional() })).min(1).max(100),
    }))
    .mutation(({ ctx, input }) => scoreMockSite(ctx, input)),

  /**
   * 转为问题: turn a lost point into a problem at the site (source "evaluation"): the grid containing
   * the site decides the responsible department; the deadline is the category's unless given.
   * Once per score entry.
   */
  toProblem: authedProcedure
    .input(z.object({ scoreId: id, categoryCode: text(20).min(1), deadlineDays: z.number().int().min(1).max(365).optional(), description: text(2000).optional() }))
    .mutation(({ ctx, input }) => scoreToProblem(ctx, input)),

  /** Results of one evaluation: 得分率 per site, type, street, department. */
  results: scopedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const ev = await ctx.db.mockEvaluation.findUnique({ where: { id: input.id } })
    if (!ev) throw notFound('模拟测评', 'MOCK_NOT_FOUND')
    const r = await mockResults(ctx.db, ctx.catalog, ev.id)
    if (ctx.scope.own !== null) {
      const mine = ctx.scope.own
      const own = r.byDepartment.find((d) => d.key === mine) ?? null
      return { id: ev.id, name: ev.name, createdAt: ev.createdAt.toISOString(), ...r, bySite: [], byStreet: [], byDepartment: own ? [own] : [], overall: own, byType: [] }
    }
    return { id: ev.id, name: ev.name, createdAt: ev.createdAt.toISOString(), ...r }
  }),
})
