/**
 * Mock evaluations (模拟测评): drawing the sample, entering scores, turning a lost point into a
 * problem — each written with its audit row in one transaction.
 */
import { randomInt } from 'node:crypto'
import { AppError, badInput, conflict, notFound } from '../domain/errors.ts'
import { drawSample, type STRATIFY_BY } from '../domain/evaluation/sampling.ts'
import { lostOf, rateOf } from '../domain/evaluation/scores.ts'
import type { SITE_TYPES } from '../domain/evaluation/siteRows.ts'
import { writeAudit } from './audit.ts'
import { currentDepartments, parseSiteTypes, streetOf } from './evaluation.ts'
import type { ServiceContext } from './evaluationSites.ts'
import { createProblemTx } from './problems.ts'

export interface DrawInput {
  name: string; by: (typeof STRATIFY_BY)[number]; types: (typeof SITE_TYPES)[number][]; streetIds: number[]
  perStratum: number; seed?: number; preview: boolean
  /** the site ids the preview showed (in order): creating refuses a different sample (SAMPLE_CHANGED) */
  previewSiteIds?: number[]
}

/** Draws a sample and creates the evaluation (the same seed and parameters give the same sites); `preview` writes nothing. */
export async function drawMockEvaluation(ctx: ServiceContext, input: DrawInput) {
  const now = ctx.now()
  const seed = input.seed ?? randomInt(0, 2 ** 31 - 1)
  const [sites, deptOf] = await Promise.all([ctx.db.evaluationSite.findMany(), currentDepartments(ctx.db, now)])
  const withStreet = sites.map((s) => ({ ...s, streetId: streetOf(ctx.catalog, s.gridId)?.id ?? null }))
  const sample = drawSample(withStreet, { by: input.by, types: input.types, streetIds: input.streetIds, perStratum: input.perStratum, seed })
  if (sample.length === 0) throw badInput('没有符合条件的点位', 'EMPTY_SAMPLE')
  const params = { by: input.by, types: input.types, streetIds: input.streetIds, perStratum: input.perStratum }
  const drawn = sample.map(({ site, stratum }) => ({
    siteId: site.id, name: site.name, siteType: site.type, gridId: site.gridId, streetId: site.streetId, stratum,
    departmentId: site.gridId === null ? null : (deptOf.get(site.gridId) ?? null),
  }))
  if (input.preview) return { id: null, seed, params, sites: drawn }
  // the draw people saw is the one scored: a preview's seed comes back with the create, and the sites must match
  if (input.previewSiteIds && input.previewSiteIds.join(',') !== drawn.map((d) => d.siteId).join(',')) {
    throw new AppError('CONFLICT', 'SAMPLE_CHANGED', '点位库已变化，样本与预览不一致，请重新预览')
  }
  const ev = await ctx.db.$transaction(async (tx) => {
    const e = await tx.mockEvaluation.create({ data: { name: input.name, seed, params: JSON.stringify(params), createdById: ctx.user.id, createdAt: now } })
    await tx.mockEvaluationSite.createMany({ data: drawn.map(({ name: _n, ...d }) => ({ ...d, evaluationId: e.id })) })
    await writeAudit(tx, { actorId: ctx.user.id, action: 'mock.draw', entity: 'MockEvaluation', entityId: e.id, after: { seed, params, siteIds: drawn.map((d) => d.siteId) }, at: now })
    return e
  })
  return { id: ev.id, seed, params, sites: drawn }
}

/** Enters (or corrects) the scores of one sampled site, in one transaction; `version` guards a correction. */
export async function scoreMockSite(ctx: ServiceContext, input: { mockSiteId: number; scores: { indicatorId: number; lostPoints: number; note: string; version?: number }[] }) {
  const now = ctx.now()
  const ms = await ctx.db.mockEvaluationSite.findUnique({ where: { id: input.mockSiteId } })
  if (!ms) throw notFound('抽样点位', 'MOCK_SITE_NOT_FOUND')
  const indicators = await ctx.db.indicator.findMany({ where: { id: { in: input.scores.map((s) => s.indicatorId) } } })
  const byId = new Map(indicators.map((i) => [i.id, i]))
  for (const s of input.scores) {
    const ind = byId.get(s.indicatorId)
    if (!ind) throw badInput(`指标 ${s.indicatorId} 不存在`, 'INDICATOR_NOT_FOUND')
    if (!parseSiteTypes(ind.siteTypes).includes(ms.siteType)) throw badInput(`指标“${ind.name}”不在${ms.siteType}的测评范围内`, 'INDICATOR_NOT_CHECKED_HERE')
    if (s.lostPoints > ind.points) throw badInput(`指标“${ind.name}”扣分不能超过分值 ${ind.points}`, 'LOST_OVER_MAX')
  }
  await ctx.db.$transaction(async (tx) => {
    for (const s of input.scores) {
      const ind = byId.get(s.indicatorId)!
      const existing = await tx.scoreEntry.findUnique({ where: { mockSiteId_indicatorId: { mockSiteId: ms.id, indicatorId: ind.id } } })
      if (existing) {
        const r = await tx.scoreEntry.updateMany({
          where: { id: existing.id, ...(s.version !== undefined ? { version: s.version } : {}) },
          data: { lostPoints: s.lostPoints, note: s.note, version: { increment: 1 } },
        })
        if (r.count === 0) throw conflict('评分已被他人修改，请刷新后重试')
      } else {
        await tx.scoreEntry.create({ data: { mockSiteId: ms.id, indicatorId: ind.id, maxPoints: ind.points, lostPoints: s.lostPoints, note: s.note } })
      }
    }
    await writeAudit(tx, { actorId: ctx.user.id, action: 'mock.score', entity: 'MockEvaluationSite', entityId: ms.id, after: input.scores, at: now })
  })
  const scores = await ctx.db.scoreEntry.findMany({ where: { mockSiteId: ms.id }, orderBy: { id: 'asc' } })
  return { mockSiteId: ms.id, rate: rateOf(scores), scores: scores.map((e) => ({ id: e.id, indicatorId: e.indicatorId, maxPoints: e.maxPoints, lostPoints: e.lostPoints, note: e.note, problemId: e.problemId, version: e.version })) }
}

/** 转为问题: a lost point becomes a problem at the site (source "evaluation"), once per score entry. */
export async function scoreToProblem(ctx: ServiceContext, input: { scoreId: number; categoryCode: string; deadlineDays?: number; description?: string }) {
  const now = ctx.now()
  const e = await ctx.db.scoreEntry.findUnique({ where: { id: input.scoreId }, include: { indicator: true, mockSite: { include: { site: true, evaluation: true } } } })
  if (!e) throw notFound('评分', 'SCORE_NOT_FOUND')
  if (lostOf(e) <= 0) throw badInput('该项没有扣分，无需转为问题', 'NO_LOST_POINTS')
  if (e.problemId !== null) throw conflict(`已转为问题 #${e.problemId}`, 'ALREADY_CONVERTED')
  const site = e.mockSite.site
  const description = input.description?.trim() || `【${e.mockSite.evaluation.name}】${site.name}（${site.type}）“${e.indicator.name}”扣 ${lostOf(e)} 分${e.note ? `：${e.note}` : ''}`
  const p = await ctx.db.$transaction(async (tx) => {
    const problem = await createProblemTx(tx, ctx.catalog, {
      lng: site.lng, lat: site.lat, categoryCode: input.categoryCode, description, source: 'evaluation',
      reporter: { id: ctx.user.id, name: ctx.user.displayName },
    }, now, input.deadlineDays !== undefined ? { workingDays: input.deadlineDays } : {})
    const r = await tx.scoreEntry.updateMany({ where: { id: e.id, problemId: null }, data: { problemId: problem.id, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('该扣分项已被他人转为问题', 'ALREADY_CONVERTED')
    await writeAudit(tx, { actorId: ctx.user.id, action: 'mock.toProblem', entity: 'ScoreEntry', entityId: e.id, after: { problemId: problem.id }, at: now })
    return problem
  })
  const full = await ctx.db.problem.findUnique({ where: { id: p.id }, include: { department: { select: { name: true } }, grid: { select: { name: true } } } })
  return {
    problemId: p.id, gridId: p.gridId, gridName: full?.grid?.name ?? null, departmentId: p.departmentId, departmentName: full?.department?.name ?? null,
    deadline: full?.deadline?.toISOString() ?? null, status: p.status,
  }
}
