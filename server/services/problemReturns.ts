/**
 * 退单 (a department returns a misrouted problem) and the leadership's ruling on it, through the workflow
 * table (domain/problem/workflow.ts: actions `return` and `ruleReturn`). Each is a ProblemEvent (picked up
 * by notifications), a ProblemReturn row (measures: 退单率, rulings against) and an audit row, written in
 * one transaction with the problem's optimistic version check. A ruling that reassigns may amend the
 * responsibility matrix with a new rule (services/routing.ts), audited too.
 */
import type { Db } from '../db/client.ts'
import { AppError, badInput, conflict, notFound, type ErrorKind } from '../domain/errors.ts'
import { applyTransition, returnWindowEnd } from '../domain/problem/workflow.ts'
import type { AreaKind } from '../domain/routing/matrix.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { actorOf, workflowState } from './problemWorkflow.ts'
import { createRule, placeOf } from './routing.ts'
import { departmentScope } from './scope.ts'
import { notifyUsers, recipientsFor } from './notifications.ts'
import { markRankingChanged, tallyProblemUpdate } from './aggregates.ts'

/** RETURN_WINDOW_HOURS: working hours after dispatch a department may return a problem (default 24). */
export function returnWindowHours(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.RETURN_WINDOW_HOURS)
  return env.RETURN_WINDOW_HOURS && Number.isFinite(v) && v >= 0 ? v : 24
}

const KIND: Record<string, ErrorKind> = {
  ROLE_FORBIDDEN: 'FORBIDDEN', NOT_YOUR_DEPARTMENT: 'FORBIDDEN', ILLEGAL_TRANSITION: 'CONFLICT',
  RETURN_PENDING: 'CONFLICT', NO_PENDING_RETURN: 'CONFLICT', RETURN_WINDOW_CLOSED: 'CONFLICT',
}

export interface Deps { db: Db; catalog: GridCatalog }

async function load(db: Db, id: number) {
  const p = await db.problem.findUnique({ where: { id }, include: { category: { select: { code: true, deadlineDays: true, kind: true, group: true } } } })
  if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
  const pending = await db.problemReturn.findFirst({ where: { problemId: id, status: 'pending' }, orderBy: { id: 'desc' } })
  return { p, pending }
}

/** The handling department returns its dispatched problem with a reason and a suggested department. */
export async function returnProblem(deps: Deps, user: SessionUser, input: { id: number; version: number; reason: string; suggestedDepartmentId?: number | null }, now: Date) {
  const { db } = deps
  const { p, pending } = await load(db, input.id)
  departmentScope(user).assert(p, '该问题不属于本部门')
  if (p.version !== input.version) throw conflict('问题已被他人修改，请刷新后重试')
  const suggested = input.suggestedDepartmentId ?? null
  if (suggested !== null && !(await db.department.findUnique({ where: { id: suggested } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
  const hours = returnWindowHours()
  const result = applyTransition({ ...workflowState(p), pendingExtension: null, dispatchedAt: p.dispatchedAt, pendingReturn: !!pending },
    { type: 'return', note: input.reason, suggestedDepartmentId: suggested, windowHours: hours }, actorOf(user), now, deps.catalog.holidays.calendar)
  if (!result.ok) {
    const end = returnWindowEnd(p.dispatchedAt, hours, deps.catalog.holidays.calendar)
    throw new AppError(KIND[result.code] ?? 'BAD_INPUT', result.code, result.message, { windowHours: hours, windowEnd: end?.toISOString() ?? null })
  }
  const { event } = result
  await db.$transaction(async (tx) => {
    const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { returnCount: { increment: 1 }, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
    const ret = await tx.problemReturn.create({ data: {
      problemId: p.id, departmentId: p.departmentId!, requestedById: user.id, reason: event.note, suggestedDepartmentId: suggested,
      categoryCode: p.categoryCode, gridId: p.gridId, createdAt: now,
    } })
    await markRankingChanged(tx)
    await tx.problemEvent.create({ data: { problemId: p.id, action: 'return', fromStatus: event.fromStatus, toStatus: event.toStatus, actorId: user.id, note: event.note, at: now } })
    await writeAudit(tx, { actorId: user.id, action: 'problem.return', entity: 'Problem', entityId: p.id, before: { version: p.version, returnCount: p.returnCount }, after: { version: p.version + 1, returnId: ret.id, reason: event.note, suggestedDepartmentId: suggested }, at: now })
    // the leadership rules on returns: they hear of it in the same transaction (in-app, and the outbox)
    const from = (await tx.department.findUnique({ where: { id: p.departmentId! }, select: { name: true } }))?.name ?? ''
    await notifyUsers(tx, {
      userIds: await recipientsFor(tx, { leadership: true }), kind: 'returned', title: `问题 #${p.id} 被退单，待裁定`,
      body: `${from}：${event.note}`, link: `/problems?id=${p.id}`, problemId: p.id, departmentId: p.departmentId,
    }, now)
  })
  return { id: p.id }
}

export interface RulingInput {
  id: number
  version: number
  decision: 'reassign' | 'reject'
  departmentId?: number | null
  note?: string
  /** amend the matrix from the ruling: the category (or its group) at this grid / its street / the whole city → the new department */
  amend?: { area: 'grid' | 'street' | 'city'; scope: 'category' | 'group' } | null
}

/** The leadership rules on the pending return: reassign (optionally amending the matrix) or reject. */
export async function ruleOnReturn(deps: Deps, user: SessionUser, input: RulingInput, now: Date) {
  const { db, catalog } = deps
  const { p, pending } = await load(db, input.id)
  if (p.version !== input.version) throw conflict('问题已被他人修改，请刷新后重试')
  if (input.decision === 'reassign' && input.departmentId != null && !(await db.department.findUnique({ where: { id: input.departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
  const result = applyTransition({ ...workflowState(p), pendingExtension: null, dispatchedAt: p.dispatchedAt, pendingReturn: !!pending },
    { type: 'ruleReturn', note: input.note, decision: input.decision, departmentId: input.departmentId ?? null }, actorOf(user), now, catalog.holidays.calendar)
  if (!result.ok) throw new AppError(KIND[result.code] ?? 'BAD_INPUT', result.code, result.message)
  if (input.amend && input.decision !== 'reassign') throw badInput('只有改派的裁定可以修改责任矩阵', 'RULE_AMEND')
  const { changes, event } = result
  const newDept = input.decision === 'reassign' ? input.departmentId! : null
  const decisionWord = input.decision === 'reassign' ? '改派' : '驳回退单'
  const note = event.note || decisionWord
  await db.$transaction(async (tx) => {
    let amendedRuleId: number | null = null
    if (input.amend && newDept !== null) {
      const place = placeOf(catalog, p.gridId)
      const areaKind: AreaKind = input.amend.area === 'city' ? 'city' : input.amend.area === 'street' ? 'street' : 'grids'
      const areaIds = areaKind === 'city' ? [] : areaKind === 'street' ? (place.streetId === null ? [] : [place.streetId]) : (p.gridId === null ? [] : [p.gridId])
      if (areaKind !== 'city' && areaIds.length === 0) throw badInput('该问题不在网格内，只能按全市修改责任矩阵', 'RULE_AREA')
      const rule = await createRule(db, catalog, user, {
        categoryCode: input.amend.scope === 'category' ? p.categoryCode : null, categoryGroup: input.amend.scope === 'group' ? p.category.group : null,
        areaKind, areaIds, departmentId: newDept, validFrom: now.toISOString(), note: `退单裁定（问题 #${p.id}）：${note}`,
      }, now, { fromReturnId: pending!.id, tx })
      amendedRuleId = rule.id
    }
    const routingChange = newDept !== null ? { routingRuleId: amendedRuleId } : {}
    const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { ...changes, ...routingChange, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
    await tallyProblemUpdate(tx, p.id, p)
    const d = await tx.problemReturn.updateMany({ where: { id: pending!.id, status: 'pending' }, data: {
      status: input.decision === 'reassign' ? 'reassigned' : 'rejected', newDepartmentId: newDept, ruledById: user.id, ruledAt: now, ruling: note, amendedRuleId,
    } })
    if (d.count === 0) throw conflict('退单已被裁定，请刷新后重试')
    await markRankingChanged(tx)
    await tx.problemEvent.create({ data: { problemId: p.id, action: 'ruleReturn', fromStatus: event.fromStatus, toStatus: event.toStatus, actorId: user.id, note: `${decisionWord}：${note}`, at: now } })
    const before = Object.fromEntries(Object.keys(changes).map((k) => [k, p[k as keyof typeof p]]))
    // the returning department (and, on a reassignment, the new one) hear the ruling
    const newName = newDept !== null ? (await tx.department.findUnique({ where: { id: newDept }, select: { name: true } }))?.name ?? '' : ''
    await notifyUsers(tx, {
      userIds: [...await recipientsFor(tx, { departmentId: pending!.departmentId }), ...(newDept !== null ? await recipientsFor(tx, { departmentId: newDept }) : [])],
      kind: 'returnRuled', title: input.decision === 'reassign' ? `问题 #${p.id} 的退单已裁定：改派${newName}` : `问题 #${p.id} 的退单被驳回`,
      body: note, link: `/problems?id=${p.id}`, problemId: p.id, departmentId: newDept ?? p.departmentId,
    }, now)
    await writeAudit(tx, { actorId: user.id, action: 'problem.ruleReturn', entity: 'Problem', entityId: p.id, before: { ...before, version: p.version }, after: { ...changes, version: p.version + 1, returnId: pending!.id, decision: input.decision, note, amendedRuleId }, at: now })
  })
  return { id: p.id }
}

/** The returns of a problem, oldest first, with names. */
export async function returnsOf(db: Db, problemId: number) {
  const rows = await db.problemReturn.findMany({ where: { problemId }, orderBy: { id: 'asc' } })
  const ids = [...new Set(rows.flatMap((r) => [r.departmentId, r.suggestedDepartmentId, r.newDepartmentId]).filter((x): x is number => x !== null))]
  const userIds = [...new Set(rows.flatMap((r) => [r.requestedById, r.ruledById]).filter((x): x is number => x !== null))]
  const [depts, users] = await Promise.all([
    db.department.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }),
    db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, displayName: true } }),
  ])
  const dn = new Map(depts.map((d) => [d.id, d.name]))
  const un = new Map(users.map((u) => [u.id, u.displayName]))
  return rows.map((r) => ({
    id: r.id, departmentId: r.departmentId, departmentName: dn.get(r.departmentId) ?? null, reason: r.reason,
    suggestedDepartmentId: r.suggestedDepartmentId, suggestedDepartmentName: r.suggestedDepartmentId === null ? null : (dn.get(r.suggestedDepartmentId) ?? null),
    status: r.status, newDepartmentId: r.newDepartmentId, newDepartmentName: r.newDepartmentId === null ? null : (dn.get(r.newDepartmentId) ?? null),
    requestedBy: un.get(r.requestedById) ?? null, ruledBy: r.ruledById === null ? null : (un.get(r.ruledById) ?? null),
    ruledAt: r.ruledAt?.toISOString() ?? null, ruling: r.ruling, amendedRuleId: r.amendedRuleId, createdAt: r.createdAt.toISOString(),
  }))
}
