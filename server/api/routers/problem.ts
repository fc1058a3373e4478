import { z } from 'zod'
import { computeMeasures } from '../../domain/problem/measures.ts'
import { satisfaction } from '../../services/followUp.ts'
import { bboxAround, findDuplicates } from '../../domain/problem/nearby.ts'
import { OPEN_STATUSES, PROBLEM_STATUSES, isOverdue } from '../../domain/problem/status.ts'
import { ACTION_TYPES, PRIORITIES, availableActions, categoryLimit } from '../../domain/problem/workflow.ts'
import { parsePhotoFlags } from '../../services/photos.ts'
import { listWhere, problemConfig, reportProblem } from '../../services/problems.ts'
import { actorOf, mergeProblem, unmergeProblem, problemInclude, transitionProblem, workflowState } from '../../services/problemWorkflow.ts'
import { badInput, forbidden, notFound } from '../../domain/errors.ts'
import { returnWindowEnd } from '../../domain/problem/workflow.ts'
import { returnProblem, returnsOf, returnWindowHours, ruleOnReturn } from '../../services/problemReturns.ts'
import { loadNames, ruleView } from '../../services/routing.ts'
import { id, rowVersion, isoDateTime, lat, lng, text } from '../inputs.ts'
import { router, scopedProcedure } from '../trpc.ts'
import { PROBLEM_CLUSTER_MAX_ZOOM, PROBLEM_TILE_MAX_ZOOM, problemTilesOf } from '../../services/problemTiles.ts'

export { listWhere }

export const listFilters = z.object({
  gridId: id.optional(), departmentId: id.optional(), status: z.enum(PROBLEM_STATUSES).optional(),
  categoryCode: text(20).min(1).optional(), open: z.boolean().optional(), overdue: z.boolean().optional(),
  boundary: z.boolean().optional(), rebound: z.boolean().optional(),
  from: isoDateTime.optional(), to: isoDateTime.optional(),
})

const parseIds = (s: string | null): number[] => {
  if (!s) return []
  try { const v = JSON.parse(s) as unknown; return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [] } catch { return [] }
}

const transitionInput = z.object({
  id, version: rowVersion, action: z.enum(ACTION_TYPES),
  note: text(2000).optional(), photoIds: z.array(id).max(20).optional(),
  departmentId: id.optional(), gridId: id.nullable().optional(), newDeadline: isoDateTime.optional(), approve: z.boolean().optional(),
  /** offline queue: a repeated step with this key answers with the first result */
  idempotencyKey: z.uuid().optional(),
})

export const problemRouter = router({
  categories: scopedProcedure.query(async ({ ctx }) =>
    (await ctx.db.problemCategory.findMany({ orderBy: { code: 'asc' } })).map((c) => ({ ...c, limit: categoryLimit(c) }))),

  /** Report a problem at a point: the grid containing it and that grid's holder become responsible; boundary and rebound are flagged. */
  create: scopedProcedure
    .input(z.object({
      lng, lat, categoryCode: text(20).min(1), description: text(2000).min(1), inspectionId: id.optional(),
      priority: z.enum(PRIORITIES).optional(), photoIds: z.array(id).max(20).optional(),
      /** offline queue: a repeated report with this key answers with the first problem */
      idempotencyKey: z.uuid().optional(),
    }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      const id = await reportProblem(ctx, ctx.user, input, now)
      const p = await ctx.db.problem.findUniqueOrThrow({ where: { id }, include: problemInclude })
      return toView(p, now)
    }),

  /** Problems, newest first, a page at a time; a department user sees its own department's only. */
  list: scopedProcedure
    .input(listFilters.extend({ cursor: id.optional(), limit: z.number().int().min(1).max(200).default(50) }))
    .query(async ({ ctx, input }) => {
      const now = ctx.now()
      const where = listWhere(ctx.user, input, now)
      const [rows, total] = await Promise.all([
        ctx.db.problem.findMany({
          where: { AND: [where, input.cursor ? { id: { lt: input.cursor } } : {}] },
          include: problemInclude, orderBy: { id: 'desc' }, take: input.limit + 1,
        }),
        ctx.db.problem.count({ where }),
      ])
      const page = rows.slice(0, input.limit)
      return { items: page.map((p) => toView(p, now)), nextCursor: rows.length > input.limit ? page[page.length - 1]!.id : null, total }
    }),

  /** Open problems as map points (the department's own for department users). */
  map: scopedProcedure.query(async ({ ctx }) => {
    const now = ctx.now()
    const rows = await ctx.db.problem.findMany({
      where: { status: { in: [...OPEN_STATUSES] }, ...ctx.scope.where() },
      select: { id: true, lng: true, lat: true, status: true, deadline: true, category: { select: { name: true } } },
    })
    return {
      type: 'FeatureCollection' as const,
      features: rows.map((p) => ({
        type: 'Feature' as const, id: p.id, geometry: { type: 'Point' as const, coordinates: [p.lng, p.lat] },
        properties: { id: p.id, status: p.status, categoryName: p.category.name, overdue: isOverdue(p, now) },
      })),
    }
  }),

  /**
   * The open problems' cluster tiles for this user's scope (server/services/problemTiles.ts): how many
   * open problems the scope holds (the client picks tiles above a threshold, problem.map below) and
   * the version that makes /tiles/problems/{z}/{x}/{y}.pbf?v=… immutable.
   */
  mapInfo: scopedProcedure.query(async ({ ctx }) => {
    const index = await problemTilesOf(ctx.db, () => ctx.now()).current(ctx.scope.own)
    return { count: index.count, version: index.version, tileMaxZoom: PROBLEM_TILE_MAX_ZOOM, clusterMaxZoom: PROBLEM_CLUSTER_MAX_ZOOM }
  }),

  /** One problem with its history, photos, extension requests, links and the actions the user may take. */
  byId: scopedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const now = ctx.now()
    const p = await ctx.db.problem.findUnique({
      where: { id: input.id },
      include: {
        ...problemInclude, category: { select: { code: true, name: true, deadlineDays: true, kind: true, group: true } },
        events: { orderBy: [{ at: 'asc' }, { id: 'asc' }], include: { actor: { select: { displayName: true, role: true } } } },
        photos: { select: { id: true, stage: true, mime: true, createdAt: true, takenAt: true, evidenceFlags: true }, orderBy: { id: 'asc' } },
        extensions: { orderBy: { id: 'asc' }, include: { requestedBy: { select: { displayName: true } }, decidedBy: { select: { displayName: true } } } },
        reboundOf: { select: { id: true, status: true, closedAt: true, description: true } },
        rebounds: { select: { id: true, status: true, reportedAt: true } },
        mergedInto: { select: { id: true, status: true } },
        merged: { select: { id: true, status: true, description: true } },
      },
    })
    if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
    // the handling department, and the supervising one (the grid holder: 属地, sees and follows)
    if (!ctx.scope.sees(p.departmentId) && !ctx.scope.sees(p.supervisingDepartmentId)) throw forbidden('该问题不属于本部门', 'NOT_YOUR_DEPARTMENT')
    const pending = p.extensions.find((e) => e.status === 'pending') ?? null
    const [returns, names, ruleRow] = await Promise.all([
      returnsOf(ctx.db, p.id), loadNames(ctx.db, ctx.catalog),
      p.routingRuleId === null ? null : ctx.db.responsibilityRule.findUnique({ where: { id: p.routingRuleId } }),
    ])
    const pendingReturn = returns.find((r) => r.status === 'pending') ?? null
    const rule = ruleRow ? ruleView(ruleRow, names) : null
    const lastRuling = [...returns].reverse().find((r) => r.status === 'reassigned') ?? null
    const lastReassign = [...p.events].reverse().find((e) => e.action === 'reassign') ?? null
    const byRuling = lastRuling !== null && (lastReassign === null || new Date(lastRuling.ruledAt!).getTime() >= lastReassign.at.getTime())
    const basis = rule ? 'rule' as const : byRuling ? 'ruling' as const : lastReassign ? 'reassign' as const : p.departmentId === null ? 'none' as const : 'holder' as const
    const words = rule ? rule.words
      : basis === 'ruling' ? `退单裁定改派至${lastRuling!.newDepartmentName ?? ''}：${lastRuling!.ruling}`
      : basis === 'reassign' ? `文明办改派：${lastReassign!.note}`
      : basis === 'holder' ? '网格包抓单位处置（默认规则）' : '无处置部门'
    const isHandler = ctx.scope.own !== null ? ctx.scope.own === p.departmentId : ctx.user.role === 'admin'
    const windowEnd = returnWindowEnd(p.dispatchedAt, returnWindowHours(), ctx.catalog.holidays.calendar)
    const boundaryIds = parseIds(p.boundaryGridIds)
    return {
      ...toView(p, now),
      categoryGroup: p.category.group,
      events: p.events.map((e) => ({ id: e.id, action: e.action, fromStatus: e.fromStatus, toStatus: e.toStatus, note: e.note, targetProblemId: e.targetProblemId, at: e.at.toISOString(), actorName: e.actor?.displayName ?? null })),
      photos: p.photos.map((ph) => ({ id: ph.id, stage: ph.stage, mime: ph.mime, createdAt: ph.createdAt.toISOString(), takenAt: ph.takenAt?.toISOString() ?? null })),
      /** evidence warnings of the photos (taken earlier/later/far away, reused on another record): docs/evidence.md */
      photoWarnings: p.photos.flatMap((ph) => parsePhotoFlags(ph.evidenceFlags).map((f) => ({ ...f, photoId: ph.id }))),
      extensions: p.extensions.map((e) => ({
        id: e.id, newDeadline: e.newDeadline.toISOString(), reason: e.reason, status: e.status, requestedBy: e.requestedBy.displayName,
        decidedBy: e.decidedBy?.displayName ?? null, decidedAt: e.decidedAt?.toISOString() ?? null, createdAt: e.createdAt.toISOString(),
      })),
      reboundOf: p.reboundOf ? { id: p.reboundOf.id, status: p.reboundOf.status, closedAt: p.reboundOf.closedAt?.toISOString() ?? null, description: p.reboundOf.description } : null,
      rebounds: p.rebounds.map((r) => ({ id: r.id, status: r.status, reportedAt: r.reportedAt.toISOString() })),
      mergedInto: p.mergedInto,
      merged: p.merged,
      boundaryCandidates: boundaryIds.map((gid) => ({ id: gid, name: ctx.catalog.get(gid)?.name ?? `#${gid}`, code: ctx.catalog.get(gid)?.code ?? null })),
      actions: availableActions({ ...workflowState(p), pendingExtension: pending, pendingReturn: pendingReturn !== null }, actorOf(ctx.user)),
      limit: categoryLimit(p.category),
      canMerge: p.mergedIntoId === null && OPEN_STATUSES.includes(p.status as never) && ctx.scope.sees(p.departmentId) && ctx.user.role !== 'planner',
      /** a department's merge request waiting for the leadership */
      mergeRequestIntoId: p.mergeRequestIntoId,
      canUnmerge: p.mergedIntoId !== null && p.status === 'voided' && (ctx.user.role === 'leader' || ctx.user.role === 'admin'),
      /** why it went where it went (docs/routing.md) */
      routing: {
        rule, basis, words, departmentId: p.departmentId, departmentName: p.department?.name ?? null,
        supervisingDepartmentId: p.supervisingDepartmentId, supervisingDepartmentName: p.supervisingDepartmentId === null ? null : names.departmentName(p.supervisingDepartmentId),
      },
      /** 退单: the returns and rulings; the window; whether this user may return it or rule now */
      returns,
      returnWindowEnd: windowEnd?.toISOString() ?? null,
      canReturn: p.status === 'dispatched' && !pendingReturn && isHandler && windowEnd !== null && now.getTime() <= windowEnd.getTime(),
      canRuleReturn: pendingReturn !== null && p.status === 'dispatched' && (ctx.user.role === 'leader' || ctx.user.role === 'admin'),
    }
  }),

  /** Move a problem along its workflow; stale version → CONFLICT. Problem, event, extension and audit in one transaction. */
  transition: scopedProcedure.input(transitionInput).mutation(async ({ ctx, input }) => {
    const now = ctx.now()
    return toView(await transitionProblem(ctx, ctx.user, input, now), now)
  }),

  /** 退单: the handling department returns a dispatched problem within RETURN_WINDOW_HOURS working hours, with a reason and a suggested department. */
  return: scopedProcedure
    .input(z.object({ id, version: rowVersion, reason: text(2000).min(1), suggestedDepartmentId: id.nullable().optional() }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      await returnProblem(ctx, ctx.user, input, now)
      return toView(await ctx.db.problem.findUniqueOrThrow({ where: { id: input.id }, include: problemInclude }), now)
    }),

  /** The leadership rules on a pending return: reassign (optionally amending the matrix) or reject (deadline unchanged). */
  ruleReturn: scopedProcedure
    .input(z.object({
      id, version: rowVersion, decision: z.enum(['reassign', 'reject']), departmentId: id.nullable().optional(), note: text(2000).optional(),
      amend: z.object({ area: z.enum(['grid', 'street', 'city']), scope: z.enum(['category', 'group']) }).nullable().optional(),
    }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      await ruleOnReturn(ctx, ctx.user, input, now)
      return toView(await ctx.db.problem.findUniqueOrThrow({ where: { id: input.id }, include: problemInclude }), now)
    }),

  /** A leader approves or rejects the pending deadline extension. */
  decideExtension: scopedProcedure
    .input(z.object({ id, version: rowVersion, approve: z.boolean(), note: text(2000).optional() }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      return toView(await transitionProblem(ctx, ctx.user, { ...input, action: 'decideExtension' }, now), now)
    }),

  /** Likely duplicates of a problem about to be reported: open problems of the same category nearby. */
  duplicates: scopedProcedure
    .input(z.object({ lng, lat, categoryCode: text(20).min(1), excludeId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const cfg = problemConfig()
      const [x0, y0, x1, y1] = bboxAround(input.lng, input.lat, cfg.duplicateM)
      const rows = await ctx.db.problem.findMany({
        where: {
          categoryCode: input.categoryCode, status: { in: [...OPEN_STATUSES] }, lng: { gte: x0, lte: x1 }, lat: { gte: y0, lte: y1 }, mergedIntoId: null,
          id: input.excludeId ? { not: input.excludeId } : undefined,
          ...ctx.scope.where(), // scope: own department only
        },
        select: { id: true, lng: true, lat: true, categoryCode: true, status: true, description: true, reportedAt: true, departmentId: true },
        take: 200,
      })
      return findDuplicates(input, rows, { distanceM: cfg.duplicateM, openStatuses: OPEN_STATUSES }).slice(0, 20).map((d) => ({
        id: d.id, status: d.status, description: d.description, reportedAt: d.reportedAt.toISOString(), distanceM: Math.round(d.distanceM * 10) / 10,
      }))
    }),

  /**
   * Merge a duplicate into another open problem of the same category within PROBLEM_DUPLICATE_M:
   * the leadership merges (voided and linked) or confirms a request; a department only requests.
   */
  merge: scopedProcedure
    .input(z.object({ id, intoId: id, version: rowVersion.optional(), note: text(2000).optional() }))
    .mutation(({ ctx, input }) => mergeProblem(ctx.db, ctx.user, input, ctx.now())),

  /** Undo a merge (leadership): the problem gets back the status it had before. */
  unmerge: scopedProcedure
    .input(z.object({ id, version: z.number().int().min(1).optional(), note: text(2000).optional() }))
    .mutation(({ ctx, input }) => unmergeProblem(ctx.db, ctx.user, input, ctx.now())),

  /** Recent imports (导入记录) with their summary; the import itself is POST /api/import/problems (same roles). */
  imports: scopedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.importBatch.findMany({
      orderBy: { id: 'desc' }, take: 50,
      select: { id: true, fileName: true, coordSystem: true, mode: true, total: true, imported: true, skipped: true, failed: true, createdAt: true, createdBy: { select: { displayName: true } } },
    })
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), createdBy: r.createdBy.displayName }))
  }),

  /** 结案率, 按期结案率, 返工率, 延期率, average days to close — per department or per grid for [from, to). */
  measures: scopedProcedure
    .input(z.object({ from: isoDateTime, to: isoDateTime, by: z.enum(['department', 'grid']) }))
    .query(async ({ ctx, input }) => {
      const from = new Date(input.from), to = new Date(input.to)
      if (to.getTime() <= from.getTime()) throw badInput('结束时间必须晚于开始时间', 'BAD_PERIOD')
      const scope = ctx.scope.where()
      const rows = await ctx.db.problem.findMany({
        where: { reportedAt: { gte: from, lt: to }, ...scope },
        select: { departmentId: true, gridId: true, status: true, reportedAt: true, deadline: true, closedAt: true, reworkCount: true, extensionCount: true, mergedIntoId: true, reopenCount: true },
      })
      // 满意率 (回访 recorded in the period, each problem's latest): per department only
      const sat = new Map((input.by === 'department' ? await satisfaction(ctx.db, { from, to, departmentId: ctx.scope.department(undefined) }) : []).map((s) => [s.departmentId, s]))
      const names = input.by === 'department'
        ? new Map((await ctx.db.department.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name]))
        : new Map(ctx.catalog.list().map((g) => [g.id, g.name]))
      return computeMeasures(rows, { from, to, now: ctx.now(), by: input.by }).map((m) => ({
        ...m, name: m.key === null ? '未分配' : (names.get(m.key) ?? `#${m.key}`),
        satisfactionRate: sat.get(m.key)?.satisfactionRate ?? null, followUps: sat.get(m.key) ? sat.get(m.key)!.satisfied + sat.get(m.key)!.unsatisfied + sat.get(m.key)!.unreachable : 0,
      }))
    }),
})

type ProblemRow = {
  id: number; lng: number; lat: number; gridId: number | null; departmentId: number | null; categoryCode: string
  description: string; status: string; priority: string; deadline: Date | null; reporterName: string; source: string; reportedAt: Date
  dispatchedAt: Date | null; closedAt: Date | null; version: number; boundaryGridIds: string | null; reboundOfId: number | null
  mergedIntoId: number | null; reworkCount: number; extensionCount: number; externalId: string | null
  supervisingDepartmentId?: number | null; returnCount?: number
  category: { name: string }; grid: { name: string; code: string } | null; department: { name: string } | null
}

export function toView(p: ProblemRow, now: Date) {
  return {
    id: p.id, lng: p.lng, lat: p.lat, gridId: p.gridId, gridName: p.grid?.name ?? null, gridCode: p.grid?.code ?? null,
    departmentId: p.departmentId, departmentName: p.department?.name ?? null, categoryCode: p.categoryCode,
    categoryName: p.category.name, description: p.description, status: p.status, priority: p.priority, deadline: p.deadline?.toISOString() ?? null,
    overdue: isOverdue(p, now), reporterName: p.reporterName, source: p.source, reportedAt: p.reportedAt.toISOString(),
    dispatchedAt: p.dispatchedAt?.toISOString() ?? null, closedAt: p.closedAt?.toISOString() ?? null, version: p.version,
    boundaryGridIds: parseIds(p.boundaryGridIds), reboundOfId: p.reboundOfId, mergedIntoId: p.mergedIntoId,
    reworkCount: p.reworkCount, extensionCount: p.extensionCount, externalId: p.externalId,
    supervisingDepartmentId: p.supervisingDepartmentId ?? null, returnCount: p.returnCount ?? 0,
  }
}

