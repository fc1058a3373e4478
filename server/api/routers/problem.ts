import { z } from 'zod'
import type { Prisma } from '../../db/client.ts'
import { holderOn } from '../../domain/holder.ts'
import { computeMeasures } from '../../domain/problem/measures.ts'
import { bboxAround, findDuplicates } from '../../domain/problem/nearby.ts'
import { OPEN_STATUSES, PROBLEM_STATUSES, isOverdue } from '../../domain/problem/status.ts'
import { ACTION_TYPES, PRIORITIES, applyTransition, availableActions, type Actor, type WorkflowAction } from '../../domain/problem/workflow.ts'
import { writeAudit } from '../../services/audit.ts'
import { attachPhotos } from '../../services/photos.ts'
import { createProblemTx, problemConfig } from '../../services/problems.ts'
import type { Db } from '../../db/client.ts'
import type { GridCatalog } from '../../services/gridCatalog.ts'
import { AppError, badInput, conflict, forbidden, notFound } from '../errors.ts'
import { id, rowVersion, isoDateTime, lat, lng, text } from '../inputs.ts'
import { authedProcedure, router, type SessionUser } from '../trpc.ts'

const problemInclude = {
  category: { select: { name: true } },
  grid: { select: { name: true, code: true } },
  department: { select: { name: true } },
} as const

/** HTTP-facing codes of the workflow's refusals. */
const REFUSAL_HTTP: Record<string, 'FORBIDDEN' | 'BAD_REQUEST' | 'CONFLICT'> = {
  ROLE_FORBIDDEN: 'FORBIDDEN', NOT_YOUR_DEPARTMENT: 'FORBIDDEN', ILLEGAL_TRANSITION: 'CONFLICT', EXTENSION_PENDING: 'CONFLICT',
  NO_PENDING_EXTENSION: 'CONFLICT',
}

export const listFilters = z.object({
  gridId: id.optional(), departmentId: id.optional(), status: z.enum(PROBLEM_STATUSES).optional(),
  categoryCode: text(20).min(1).optional(), open: z.boolean().optional(), overdue: z.boolean().optional(),
  boundary: z.boolean().optional(), rebound: z.boolean().optional(),
  from: isoDateTime.optional(), to: isoDateTime.optional(),
})
export type ListFilters = z.infer<typeof listFilters>

/** The where-clause of a filtered list, scoped to the user's department for department users. */
export function listWhere(user: SessionUser, input: ListFilters, now: Date): Prisma.ProblemWhereInput {
  let departmentId = input.departmentId
  if (user.role === 'department') {
    if (departmentId !== undefined && departmentId !== user.departmentId) throw forbidden('只能查看本部门的问题', 'NOT_YOUR_DEPARTMENT')
    departmentId = user.departmentId ?? -1
  }
  const and: Prisma.ProblemWhereInput[] = []
  if (input.overdue) and.push({ status: { in: [...OPEN_STATUSES] }, deadline: { lt: now } })
  if (input.boundary) and.push({ boundaryGridIds: { not: null } })
  if (input.rebound) and.push({ reboundOfId: { not: null } })
  if (input.from || input.to) and.push({ reportedAt: { gte: input.from ? new Date(input.from) : undefined, lt: input.to ? new Date(input.to) : undefined } })
  return {
    gridId: input.gridId, departmentId, categoryCode: input.categoryCode,
    status: input.status ?? (input.open ? { in: [...OPEN_STATUSES] } : undefined),
    ...(and.length ? { AND: and } : {}),
  }
}

const actorOf = (u: SessionUser): Actor => ({ id: u.id, role: u.role, departmentId: u.departmentId })

function assertScope(user: SessionUser, p: { departmentId: number | null }) {
  if (user.role === 'department' && p.departmentId !== user.departmentId) throw forbidden('该问题不属于本部门', 'NOT_YOUR_DEPARTMENT')
}

const parseIds = (s: string | null): number[] => {
  if (!s) return []
  try { const v = JSON.parse(s) as unknown; return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [] } catch { return [] }
}

const transitionInput = z.object({
  id, version: rowVersion, action: z.enum(ACTION_TYPES),
  note: text(2000).optional(), photoIds: z.array(id).max(20).optional(),
  departmentId: id.optional(), gridId: id.nullable().optional(), newDeadline: isoDateTime.optional(), approve: z.boolean().optional(),
})

export const problemRouter = router({
  categories: authedProcedure.query(({ ctx }) =>
    ctx.db.problemCategory.findMany({ orderBy: { code: 'asc' } })),

  /** Report a problem at a point: the grid containing it and that grid's holder become responsible; boundary and rebound are flagged. */
  create: authedProcedure
    .input(z.object({
      lng, lat, categoryCode: text(20).min(1), description: text(2000).min(1), inspectionId: id.optional(),
      priority: z.enum(PRIORITIES).optional(), photoIds: z.array(id).max(20).optional(),
    }))
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now()
      const category = await ctx.db.problemCategory.findUnique({ where: { code: input.categoryCode } })
      if (!category) throw badInput(`问题类别 ${input.categoryCode} 不存在`, 'UNKNOWN_CATEGORY')
      const created = await ctx.db.$transaction(async (tx) => {
        const p = await createProblemTx(tx, ctx.catalog, {
          lng: input.lng, lat: input.lat, categoryCode: category.code, description: input.description, priority: input.priority,
          source: input.inspectionId ? 'inspection' : 'manual', inspectionId: input.inspectionId ?? null,
          reporter: { id: ctx.user.id, name: ctx.user.displayName },
        }, now, { deadlineDays: category.deadlineDays })
        if (input.photoIds?.length) await attachPhotos(tx, input.photoIds, { problemId: p.id, stage: 'report' }, ctx.user)
        return p
      })
      const p = await ctx.db.problem.findUniqueOrThrow({ where: { id: created.id }, include: problemInclude })
      return toView(p, now)
    }),

  /** Problems, newest first, a page at a time; a department user sees its own department's only. */
  list: authedProcedure
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
  map: authedProcedure.query(async ({ ctx }) => {
    const now = ctx.now()
    const rows = await ctx.db.problem.findMany({
      where: { status: { in: [...OPEN_STATUSES] }, ...(ctx.user.role === 'department' ? { departmentId: ctx.user.departmentId ?? -1 } : {}) },
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

  /** One problem with its history, photos, extension requests, links and the actions the user may take. */
  byId: authedProcedure.input(z.object({ id })).query(async ({ ctx, input }) => {
    const now = ctx.now()
    const p = await ctx.db.problem.findUnique({
      where: { id: input.id },
      include: {
        ...problemInclude, category: { select: { name: true, deadlineDays: true, group: true } },
        events: { orderBy: [{ at: 'asc' }, { id: 'asc' }], include: { actor: { select: { displayName: true, role: true } } } },
        photos: { select: { id: true, stage: true, mime: true, createdAt: true }, orderBy: { id: 'asc' } },
        extensions: { orderBy: { id: 'asc' }, include: { requestedBy: { select: { displayName: true } }, decidedBy: { select: { displayName: true } } } },
        reboundOf: { select: { id: true, status: true, closedAt: true, description: true } },
        rebounds: { select: { id: true, status: true, reportedAt: true } },
        mergedInto: { select: { id: true, status: true } },
        merged: { select: { id: true, status: true, description: true } },
      },
    })
    if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
    assertScope(ctx.user, p)
    const pending = p.extensions.find((e) => e.status === 'pending') ?? null
    const boundaryIds = parseIds(p.boundaryGridIds)
    return {
      ...toView(p, now),
      categoryGroup: p.category.group,
      events: p.events.map((e) => ({ id: e.id, action: e.action, fromStatus: e.fromStatus, toStatus: e.toStatus, note: e.note, at: e.at.toISOString(), actorName: e.actor?.displayName ?? null })),
      photos: p.photos.map((ph) => ({ id: ph.id, stage: ph.stage, mime: ph.mime, createdAt: ph.createdAt.toISOString() })),
      extensions: p.extensions.map((e) => ({
        id: e.id, newDeadline: e.newDeadline.toISOString(), reason: e.reason, status: e.status, requestedBy: e.requestedBy.displayName,
        decidedBy: e.decidedBy?.displayName ?? null, decidedAt: e.decidedAt?.toISOString() ?? null, createdAt: e.createdAt.toISOString(),
      })),
      reboundOf: p.reboundOf ? { id: p.reboundOf.id, status: p.reboundOf.status, closedAt: p.reboundOf.closedAt?.toISOString() ?? null, description: p.reboundOf.description } : null,
      rebounds: p.rebounds.map((r) => ({ id: r.id, status: r.status, reportedAt: r.reportedAt.toISOString() })),
      mergedInto: p.mergedInto,
      merged: p.merged,
      boundaryCandidates: boundaryIds.map((gid) => ({ id: gid, name: ctx.catalog.get(gid)?.name ?? `#${gid}`, code: ctx.catalog.get(gid)?.code ?? null })),
      actions: availableActions({ ...workflowState(p), pendingExtension: pending }, actorOf(ctx.user)),
      canMerge: p.mergedIntoId === null && OPEN_STATUSES.includes(p.status as never) && (ctx.user.role !== 'department' || p.departmentId === ctx.user.departmentId) && ctx.user.role !== 'planner',
    }
  }),

  /** Move a problem along its workflow; stale version → CONFLICT. Problem, event, extension and audit in one transaction. */
  transition: authedProcedure.input(transitionInput).mutation(async ({ ctx, input }) => doTransition(ctx, input)),

  /** A leader approves or rejects the pending deadline extension. */
  decideExtension: authedProcedure
    .input(z.object({ id, version: rowVersion, approve: z.boolean(), note: text(2000).optional() }))
    .mutation(({ ctx, input }) => doTransition(ctx, { ...input, action: 'decideExtension' })),

  /** Likely duplicates of a problem about to be reported: open problems of the same category nearby. */
  duplicates: authedProcedure
    .input(z.object({ lng, lat, categoryCode: text(20).min(1), excludeId: id.optional() }))
    .query(async ({ ctx, input }) => {
      const cfg = problemConfig()
      const [x0, y0, x1, y1] = bboxAround(input.lng, input.lat, cfg.duplicateM)
      const rows = await ctx.db.problem.findMany({
        where: {
          categoryCode: input.categoryCode, status: { in: [...OPEN_STATUSES] }, lng: { gte: x0, lte: x1 }, lat: { gte: y0, lte: y1 }, mergedIntoId: null,
          id: input.excludeId ? { not: input.excludeId } : undefined,
          ...(ctx.user.role === 'department' ? { departmentId: ctx.user.departmentId ?? -1 } : {}), // scope: own department only
        },
        select: { id: true, lng: true, lat: true, categoryCode: true, status: true, description: true, reportedAt: true, departmentId: true },
        take: 200,
      })
      return findDuplicates(input, rows, { distanceM: cfg.duplicateM, openStatuses: OPEN_STATUSES }).slice(0, 20).map((d) => ({
        id: d.id, status: d.status, description: d.description, reportedAt: d.reportedAt.toISOString(), distanceM: Math.round(d.distanceM * 10) / 10,
      }))
    }),

  /** Merge a duplicate into another open problem of the same category: it is voided and linked. */
  merge: authedProcedure
    .input(z.object({ id, intoId: id, version: rowVersion.optional(), note: text(2000).optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.id === input.intoId) throw badInput('不能合并到自身', 'MERGE_SELF')
      const now = ctx.now()
      const [p, into] = await Promise.all([ctx.db.problem.findUnique({ where: { id: input.id } }), ctx.db.problem.findUnique({ where: { id: input.intoId } })])
      if (!p || !into) throw notFound('问题', 'PROBLEM_NOT_FOUND')
      assertScope(ctx.user, p)
      assertScope(ctx.user, into)
      if (!OPEN_STATUSES.includes(p.status as never) || !OPEN_STATUSES.includes(into.status as never) || p.mergedIntoId !== null || into.mergedIntoId !== null) {
        throw new AppError('CONFLICT', 'ILLEGAL_TRANSITION', '只能合并两个未结案的问题')
      }
      if (p.categoryCode !== into.categoryCode) throw badInput('只能合并同一类别的问题', 'MERGE_CATEGORY')
      if (input.version !== undefined && input.version !== p.version) throw conflict('问题已被他人修改，请刷新后重试')
      const note = input.note?.trim() || `合并到 #${into.id}`
      await ctx.db.$transaction(async (tx) => {
        const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { status: 'voided', mergedIntoId: into.id, version: { increment: 1 } } })
        if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
        await tx.problemEvent.create({ data: { problemId: p.id, action: 'merge', fromStatus: p.status, toStatus: 'voided', actorId: ctx.user.id, note, at: now } })
        await tx.problemEvent.create({ data: { problemId: into.id, action: 'mergedFrom', fromStatus: into.status, toStatus: into.status, actorId: ctx.user.id, note: `#${p.id} 合并到此`, at: now } })
        await writeAudit(tx, { actorId: ctx.user.id, action: 'problem.merge', entity: 'Problem', entityId: p.id, before: { status: p.status }, after: { status: 'voided', mergedIntoId: into.id }, at: now })
      })
      return { id: p.id, mergedIntoId: into.id }
    }),

  /** Recent imports (导入记录) with their summary; the import itself is POST /api/import/problems (same roles). */
  imports: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.importBatch.findMany({
      orderBy: { id: 'desc' }, take: 50,
      select: { id: true, fileName: true, coordSystem: true, mode: true, total: true, imported: true, skipped: true, failed: true, createdAt: true, createdBy: { select: { displayName: true } } },
    })
    return rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), createdBy: r.createdBy.displayName }))
  }),

  /** 结案率, 按期结案率, 返工率, 延期率, average days to close — per department or per grid for [from, to). */
  measures: authedProcedure
    .input(z.object({ from: isoDateTime, to: isoDateTime, by: z.enum(['department', 'grid']) }))
    .query(async ({ ctx, input }) => {
      const from = new Date(input.from), to = new Date(input.to)
      if (to.getTime() <= from.getTime()) throw badInput('结束时间必须晚于开始时间', 'BAD_PERIOD')
      const scope = ctx.user.role === 'department' ? { departmentId: ctx.user.departmentId ?? -1 } : {}
      const rows = await ctx.db.problem.findMany({
        where: { reportedAt: { gte: from, lt: to }, ...scope },
        select: { departmentId: true, gridId: true, status: true, reportedAt: true, deadline: true, closedAt: true, reworkCount: true, extensionCount: true, mergedIntoId: true },
      })
      const names = input.by === 'department'
        ? new Map((await ctx.db.department.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name]))
        : new Map(ctx.catalog.list().map((g) => [g.id, g.name]))
      return computeMeasures(rows, { from, to, now: ctx.now(), by: input.by }).map((m) => ({ ...m, name: m.key === null ? '未分配' : (names.get(m.key) ?? `#${m.key}`) }))
    }),
})

type TransitionInput = z.infer<typeof transitionInput> | (Omit<z.infer<typeof transitionInput>, 'action'> & { action: 'decideExtension' })

interface Ctx { db: Db; catalog: GridCatalog; user: SessionUser; now(): Date }

function workflowState(p: { status: string; departmentId: number | null; gridId: number | null; priority: string; deadline: Date | null; reworkCount: number; extensionCount: number; category: { deadlineDays?: number } }) {
  return {
    status: p.status, departmentId: p.departmentId, gridId: p.gridId, priority: p.priority, deadline: p.deadline,
    deadlineDays: p.category.deadlineDays ?? 1, reworkCount: p.reworkCount, extensionCount: p.extensionCount,
  }
}

async function doTransition(ctx: Ctx, input: TransitionInput) {
  const now = ctx.now()
  const p = await ctx.db.problem.findUnique({
    where: { id: input.id },
    include: { category: { select: { deadlineDays: true } }, extensions: { where: { status: 'pending' }, take: 1 } },
  })
  if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
  assertScope(ctx.user, p)
  if (p.version !== input.version) throw conflict('问题已被他人修改，请刷新后重试')
  const pending = p.extensions[0] ?? null
  const action = await toAction(input, ctx)
  const result = applyTransition({ ...workflowState(p), pendingExtension: pending }, action, actorOf(ctx.user), now)
  if (!result.ok) throw new AppError(REFUSAL_HTTP[result.code] ?? 'BAD_REQUEST', result.code, result.message)
  const { changes, event } = result
  await ctx.db.$transaction(async (tx) => {
    const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { ...changes, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
    await tx.problemEvent.create({ data: { problemId: p.id, action: event.action, fromStatus: event.fromStatus, toStatus: event.toStatus, actorId: ctx.user.id, note: event.note, at: now } })
    if (result.extension?.kind === 'request') {
      await tx.deadlineExtension.create({ data: { problemId: p.id, requestedById: ctx.user.id, newDeadline: result.extension.newDeadline, reason: event.note, createdAt: now } })
    } else if (result.extension?.kind === 'decision' && pending) {
      const d = await tx.deadlineExtension.updateMany({ where: { id: pending.id, status: 'pending' }, data: { status: result.extension.approved ? 'approved' : 'rejected', decidedById: ctx.user.id, decidedAt: now } })
      if (d.count === 0) throw conflict('延期申请已被处理，请刷新后重试')
    }
    if (input.photoIds?.length) await attachPhotos(tx, input.photoIds, { problemId: p.id, stage: action.type }, ctx.user)
    const before = Object.fromEntries(Object.keys(changes).map((k) => [k, p[k as keyof typeof p]]))
    await writeAudit(tx, { actorId: ctx.user.id, action: `problem.${action.type}`, entity: 'Problem', entityId: p.id, before: { ...before, version: p.version }, after: { ...changes, version: p.version + 1, note: event.note, extension: result.extension }, at: now })
  })
  const after = await ctx.db.problem.findUniqueOrThrow({ where: { id: p.id }, include: problemInclude })
  return toView(after, now)
}

async function holderOfGrid(ctx: Ctx, gridId: number): Promise<number | null> {
  return holderOn(await ctx.db.gridHolder.findMany({ where: { gridId } }), ctx.now())?.departmentId ?? null
}

async function toAction(input: TransitionInput, ctx: Ctx): Promise<WorkflowAction> {
  const note = input.note
  switch (input.action) {
    case 'dispatch': return { type: 'dispatch', note, departmentId: input.departmentId }
    case 'submit': return { type: 'submit', note, photoIds: input.photoIds }
    case 'reassign': {
      if (input.departmentId === undefined && input.gridId == null) throw badInput('改派需要指定部门或网格', 'REASSIGN_TARGET')
      if (input.gridId != null && !ctx.catalog.get(input.gridId)) throw notFound('网格', 'GRID_NOT_FOUND')
      // a grid without a department: the grid's holder today takes it
      const departmentId = input.departmentId ?? (await holderOfGrid(ctx, input.gridId!))
      return { type: 'reassign', note, departmentId, gridId: input.gridId }
    }
    case 'requestExtension': {
      if (!input.newDeadline) throw badInput('申请延期需要新的期限', 'BAD_DEADLINE')
      return { type: 'requestExtension', note, newDeadline: new Date(input.newDeadline) }
    }
    case 'decideExtension':
      if (input.approve === undefined) throw badInput('请选择批准或驳回', 'BAD_INPUT')
      return { type: 'decideExtension', note, approve: input.approve }
    default: return { type: input.action, note }
  }
}

type ProblemRow = {
  id: number; lng: number; lat: number; gridId: number | null; departmentId: number | null; categoryCode: string
  description: string; status: string; priority: string; deadline: Date | null; reporterName: string; source: string; reportedAt: Date
  dispatchedAt: Date | null; closedAt: Date | null; version: number; boundaryGridIds: string | null; reboundOfId: number | null
  mergedIntoId: number | null; reworkCount: number; extensionCount: number; externalId: string | null
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
  }
}

