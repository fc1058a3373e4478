/**
 * A problem's life after it is reported: workflow transitions (dispatch, submit, reassign,
 * extensions…) and merging a duplicate. The rules are the pure table in domain/problem/workflow.ts;
 * this service loads the problem, checks scope and version, and writes the change, its event,
 * any extension row, attached photos and the audit row in one transaction.
 */
import type { Db, Prisma } from '../db/client.ts'
import { AppError, badInput, conflict, notFound, type ErrorKind } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { OPEN_STATUSES } from '../domain/problem/status.ts'
import { applyTransition, categoryLimit, type Actor, type ActionType, type MergeTarget, type WorkflowAction } from '../domain/problem/workflow.ts'
import { metresBetween } from '../domain/problem/nearby.ts'
import type { ProblemStatus } from '../domain/problem/status.ts'
import { problemConfig } from './problems.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { attachPhotos } from './photos.ts'
import { departmentScope } from './scope.ts'
import { replay, runIdempotent } from './idempotency.ts'
import { tallyProblemUpdate } from './aggregates.ts'

/** What a problem view needs joined (problem.list/byId/transition answers). */
export const problemInclude = {
  category: { select: { name: true } },
  grid: { select: { name: true, code: true } },
  department: { select: { name: true } },
} as const satisfies Prisma.ProblemInclude

/** The error kind of each of the workflow's refusals. */
const REFUSAL_KIND: Record<string, ErrorKind> = {
  ROLE_FORBIDDEN: 'FORBIDDEN', NOT_YOUR_DEPARTMENT: 'FORBIDDEN', ILLEGAL_TRANSITION: 'CONFLICT', EXTENSION_PENDING: 'CONFLICT',
  NO_PENDING_EXTENSION: 'CONFLICT', MERGE_TARGET_CLOSED: 'CONFLICT', NOT_MERGED: 'CONFLICT', RETURN_PENDING: 'CONFLICT',
}

export const actorOf = (u: SessionUser): Actor => ({ id: u.id, role: u.role, departmentId: u.departmentId })

const NOT_OURS = '该问题不属于本部门'

export function workflowState(p: { status: string; departmentId: number | null; gridId: number | null; priority: string; deadline: Date | null; reworkCount: number; extensionCount: number; category: { code: string; deadlineDays: number; kind: string } }) {
  return {
    status: p.status, departmentId: p.departmentId, gridId: p.gridId, priority: p.priority, deadline: p.deadline,
    limit: categoryLimit(p.category), reworkCount: p.reworkCount, extensionCount: p.extensionCount,
  }
}

export interface TransitionRequest {
  id: number
  version: number
  action: ActionType | 'decideExtension'
  note?: string
  photoIds?: number[]
  departmentId?: number
  gridId?: number | null
  newDeadline?: string
  approve?: boolean
  /** client-generated UUID (an offline queue entry): a repeated step answers with the first result, never a CONFLICT */
  idempotencyKey?: string
}

export interface WorkflowDeps { db: Db; catalog: GridCatalog }

/** Moves a problem along its workflow; a stale version is CONFLICT. Returns the problem as it is now. */
export async function transitionProblem(deps: WorkflowDeps, user: SessionUser, input: TransitionRequest, now: Date) {
  const { db } = deps
  const { idempotencyKey, ...request } = input
  const idem = { key: idempotencyKey, userId: user.id, procedure: 'problem.transition', request }
  // a retry answers with the problem as it is now, before the version check (its own step moved the version)
  if (idempotencyKey && await replay<{ id: number }>(db, { ...idem, key: idempotencyKey })) {
    return db.problem.findUniqueOrThrow({ where: { id: input.id }, include: problemInclude })
  }
  const p = await db.problem.findUnique({
    where: { id: input.id },
    include: { category: { select: { code: true, deadlineDays: true, kind: true } }, extensions: { where: { status: 'pending' }, take: 1 } },
  })
  if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
  departmentScope(user).assert(p, NOT_OURS)
  if (p.version !== input.version) throw conflict('问题已被他人修改，请刷新后重试')
  const pending = p.extensions[0] ?? null
  const action = await toAction(deps, input, now)
  // a 退单 waiting for its ruling blocks accepting (services/problemReturns.ts)
  const pendingReturn = (await db.problemReturn.count({ where: { problemId: p.id, status: 'pending' } })) > 0
  const result = applyTransition({ ...workflowState(p), pendingExtension: pending, pendingReturn }, action, actorOf(user), now, deps.catalog.holidays.calendar)
  if (!result.ok) throw new AppError(REFUSAL_KIND[result.code] ?? 'BAD_INPUT', result.code, result.message)
  const { changes, event } = result
  await runIdempotent(db, idem, async (tx) => {
    const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { ...changes, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
    await tallyProblemUpdate(tx, p.id, p)
    await tx.problemEvent.create({ data: { problemId: p.id, action: event.action, fromStatus: event.fromStatus, toStatus: event.toStatus, actorId: user.id, note: event.note, at: now } })
    if (result.extension?.kind === 'request') {
      await tx.deadlineExtension.create({ data: { problemId: p.id, requestedById: user.id, newDeadline: result.extension.newDeadline, reason: event.note, createdAt: now } })
    } else if (result.extension?.kind === 'decision' && pending) {
      const d = await tx.deadlineExtension.updateMany({ where: { id: pending.id, status: 'pending' }, data: { status: result.extension.approved ? 'approved' : 'rejected', decidedById: user.id, decidedAt: now } })
      if (d.count === 0) throw conflict('延期申请已被处理，请刷新后重试')
    }
    if (input.photoIds?.length) await attachPhotos(tx, input.photoIds, { problemId: p.id, stage: action.type }, user)
    const before = Object.fromEntries(Object.keys(changes).map((k) => [k, p[k as keyof typeof p]]))
    await writeAudit(tx, { actorId: user.id, action: `problem.${action.type}`, entity: 'Problem', entityId: p.id, before: { ...before, version: p.version }, after: { ...changes, version: p.version + 1, note: event.note, extension: result.extension }, at: now })
    return { id: p.id, version: p.version + 1 }
  }, now)
  return db.problem.findUniqueOrThrow({ where: { id: p.id }, include: problemInclude })
}

async function toAction(deps: WorkflowDeps, input: TransitionRequest, now: Date): Promise<WorkflowAction> {
  const note = input.note
  switch (input.action) {
    case 'dispatch': return { type: 'dispatch', note, departmentId: input.departmentId }
    case 'submit': return { type: 'submit', note, photoIds: input.photoIds }
    case 'reassign': {
      if (input.departmentId === undefined && input.gridId == null) throw badInput('改派需要指定部门或网格', 'REASSIGN_TARGET')
      if (input.gridId != null && !deps.catalog.get(input.gridId)) throw notFound('网格', 'GRID_NOT_FOUND')
      // a grid without a department: the grid's holder today takes it
      const departmentId = input.departmentId
        ?? (holderOn(await deps.db.gridHolder.findMany({ where: { gridId: input.gridId! } }), now)?.departmentId ?? null)
      return { type: 'reassign', note, departmentId, gridId: input.gridId }
    }
    case 'requestExtension': {
      if (!input.newDeadline) throw badInput('申请延期需要新的期限', 'BAD_DEADLINE')
      return { type: 'requestExtension', note, newDeadline: new Date(input.newDeadline) }
    }
    case 'decideExtension':
      if (input.approve === undefined) throw badInput('请选择批准或驳回', 'BAD_INPUT')
      return { type: 'decideExtension', note, approve: input.approve }
    default: return { type: input.action, note } as WorkflowAction
  }
}

/**
 * Merging a duplicate, through the workflow table (domain/problem/workflow.ts): the leadership merges
 * (the duplicate is voided and linked to the target) or confirms a department's request; a department
 * only requests (`requestMerge`, its problem stays as it is until the leadership confirms). Both
 * problems open, same category, within PROBLEM_DUPLICATE_M. Recorded as an event on both problems
 * with the other's id, audited, reversible with `unmergeProblem`.
 */
export async function mergeProblem(db: Db, user: SessionUser, input: { id: number; intoId: number; version?: number; note?: string }, now: Date) {
  if (input.id === input.intoId) throw badInput('不能合并到自身', 'MERGE_SELF')
  const [p, into] = await Promise.all([
    db.problem.findUnique({ where: { id: input.id }, include: { category: { select: { code: true, deadlineDays: true, kind: true } } } }),
    db.problem.findUnique({ where: { id: input.intoId } }),
  ])
  if (!p || !into) throw notFound('问题', 'PROBLEM_NOT_FOUND')
  const scope = departmentScope(user)
  scope.assert(p, NOT_OURS)
  scope.assert(into, NOT_OURS)
  if (input.version !== undefined && input.version !== p.version) throw conflict('问题已被他人修改，请刷新后重试')
  const target: MergeTarget = {
    id: into.id, status: into.status, categoryCode: into.categoryCode, mergedIntoId: into.mergedIntoId,
    distanceM: metresBetween(p, into), maxDistanceM: problemConfig().duplicateM,
  }
  const type = user.role === 'department' ? 'requestMerge' as const : 'merge' as const
  const result = applyTransition({ ...workflowState(p), pendingExtension: null, categoryCode: p.categoryCode, mergedIntoId: p.mergedIntoId }, { type, note: input.note, into: target }, actorOf(user), now)
  if (!result.ok) throw new AppError(REFUSAL_KIND[result.code] ?? 'BAD_INPUT', result.code, result.message, { distanceM: Math.round(target.distanceM), maxDistanceM: target.maxDistanceM })
  const { changes, event } = result
  await db.$transaction(async (tx) => {
    const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { ...changes, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
    await tallyProblemUpdate(tx, p.id, p)
    await tx.problemEvent.create({ data: { problemId: p.id, action: event.action, fromStatus: event.fromStatus, toStatus: event.toStatus, actorId: user.id, note: event.note, targetProblemId: into.id, at: now } })
    if (type === 'merge') {
      await tx.problemEvent.create({ data: { problemId: into.id, action: 'mergedFrom', fromStatus: into.status, toStatus: into.status, actorId: user.id, note: `#${p.id} 合并到此`, targetProblemId: p.id, at: now } })
    }
    await writeAudit(tx, { actorId: user.id, action: `problem.${type}`, entity: 'Problem', entityId: p.id, before: { status: p.status, mergedIntoId: p.mergedIntoId, mergeRequestIntoId: p.mergeRequestIntoId, version: p.version }, after: { ...changes, intoId: into.id, distanceM: Math.round(target.distanceM), version: p.version + 1 }, at: now })
  })
  return { id: p.id, mergedIntoId: type === 'merge' ? into.id : null, requested: type === 'requestMerge', mergeRequestIntoId: type === 'requestMerge' ? into.id : null }
}

/** Undoes a merge (leadership): the problem returns to the status it had before its last merge event. */
export async function unmergeProblem(db: Db, user: SessionUser, input: { id: number; version?: number; note?: string }, now: Date) {
  const p = await db.problem.findUnique({ where: { id: input.id }, include: { category: { select: { code: true, deadlineDays: true, kind: true } } } })
  if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
  departmentScope(user).assert(p, NOT_OURS)
  if (input.version !== undefined && input.version !== p.version) throw conflict('问题已被他人修改，请刷新后重试')
  const last = await db.problemEvent.findFirst({ where: { problemId: p.id, action: 'merge' }, orderBy: [{ at: 'desc' }, { id: 'desc' }] })
  const restoreTo = (last?.fromStatus ?? 'reported') as ProblemStatus
  const result = applyTransition({ ...workflowState(p), pendingExtension: null, categoryCode: p.categoryCode, mergedIntoId: p.mergedIntoId }, { type: 'unmerge', note: input.note, restoreTo }, actorOf(user), now)
  if (!result.ok) throw new AppError(REFUSAL_KIND[result.code] ?? 'BAD_INPUT', result.code, result.message)
  const { changes, event } = result
  const intoId = p.mergedIntoId!
  await db.$transaction(async (tx) => {
    const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { ...changes, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
    await tallyProblemUpdate(tx, p.id, p)
    await tx.problemEvent.create({ data: { problemId: p.id, action: 'unmerge', fromStatus: event.fromStatus, toStatus: event.toStatus, actorId: user.id, note: event.note || `撤销合并到 #${intoId}`, targetProblemId: intoId, at: now } })
    const into = await tx.problem.findUnique({ where: { id: intoId }, select: { status: true } })
    if (into) await tx.problemEvent.create({ data: { problemId: intoId, action: 'unmergedFrom', fromStatus: into.status, toStatus: into.status, actorId: user.id, note: `#${p.id} 撤销合并`, targetProblemId: p.id, at: now } })
    await writeAudit(tx, { actorId: user.id, action: 'problem.unmerge', entity: 'Problem', entityId: p.id, before: { status: p.status, mergedIntoId: intoId, version: p.version }, after: { ...changes, version: p.version + 1 }, at: now })
  })
  return { id: p.id, status: restoreTo, mergedIntoId: null }
}
