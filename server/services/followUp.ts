/**
 * 回访 (follow-up with the reporter after closure): satisfied / unsatisfied / unreachable, entered by the
 * leadership. An unsatisfied 回访 may reopen the problem through the workflow table (`reopen`:
 * closed → rectifying, reopenCount+1, a fresh limit); the department is notified. Audited.
 */
import type { Db } from '../db/client.ts'
import { AppError, conflict, notFound } from '../domain/errors.ts'
import { satisfactionByDepartment, type FollowUpOutcome } from '../domain/problem/followUp.ts'
import { applyTransition } from '../domain/problem/workflow.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { notifyUsers, recipientsFor } from './notifications.ts'
import { actorOf, workflowState } from './problemWorkflow.ts'
import { tallyProblemUpdate } from './aggregates.ts'

export interface FollowUpInput { problemId: number; outcome: FollowUpOutcome; note?: string; reopen?: boolean; version?: number }

export async function recordFollowUp(deps: { db: Db; catalog: GridCatalog }, user: SessionUser, input: FollowUpInput, now: Date) {
  const { db } = deps
  const p = await db.problem.findUnique({ where: { id: input.problemId }, include: { category: { select: { code: true, deadlineDays: true, kind: true } } } })
  if (!p) throw notFound('问题', 'PROBLEM_NOT_FOUND')
  if (p.status !== 'closed') throw new AppError('CONFLICT', 'FOLLOWUP_NOT_CLOSED', '只有已结案的问题才能回访')
  if (input.version !== undefined && input.version !== p.version) throw conflict('问题已被他人修改，请刷新后重试')
  const note = (input.note ?? '').trim()
  if (input.reopen && input.outcome !== 'unsatisfied') throw new AppError('BAD_INPUT', 'FOLLOWUP_REOPEN_UNSATISFIED', '只有回访不满意才能重新办理')
  const reopen = input.reopen ? applyTransition({ ...workflowState(p), pendingExtension: null, reopenCount: p.reopenCount }, { type: 'reopen', note: note || '回访不满意，重新办理' }, actorOf(user), now, deps.catalog.holidays.calendar) : null
  if (reopen && !reopen.ok) throw new AppError(reopen.code === 'ROLE_FORBIDDEN' ? 'FORBIDDEN' : 'CONFLICT', reopen.code, reopen.message)
  return db.$transaction(async (tx) => {
    const f = await tx.problemFollowUp.create({ data: { problemId: p.id, departmentId: p.departmentId, outcome: input.outcome, note, reopened: !!reopen, byId: user.id, at: now } })
    if (reopen?.ok) {
      const r = await tx.problem.updateMany({ where: { id: p.id, version: p.version }, data: { ...reopen.changes, version: { increment: 1 } } })
      if (r.count === 0) throw conflict('问题已被他人修改，请刷新后重试')
      await tallyProblemUpdate(tx, p.id, p)
      await tx.problemEvent.create({ data: { problemId: p.id, action: 'reopen', fromStatus: reopen.event.fromStatus, toStatus: reopen.event.toStatus, actorId: user.id, note: reopen.event.note, at: now } })
      await notifyUsers(tx, {
        userIds: await recipientsFor(tx, { departmentId: p.departmentId }), kind: 'message', title: `回访不满意，问题 #${p.id} 重新办理`, body: reopen.event.note,
        link: `/problems?id=${p.id}`, problemId: p.id, departmentId: p.departmentId,
      }, now)
    }
    await writeAudit(tx, { actorId: user.id, action: 'problem.followUp', entity: 'Problem', entityId: p.id, before: reopen ? { status: p.status, version: p.version } : undefined, after: { followUpId: f.id, outcome: input.outcome, note, reopened: !!reopen, ...(reopen?.ok ? reopen.changes : {}) }, at: now })
    return f
  })
}

/** The satisfaction rate per department over 回访 recorded in [from, to) (department scope applied by the caller). */
export async function satisfaction(db: Db, where: { from?: Date; to?: Date; departmentId?: number }) {
  const rows = await db.problemFollowUp.findMany({ where: { at: { gte: where.from, lt: where.to }, ...(where.departmentId !== undefined ? { departmentId: where.departmentId } : {}) }, select: { departmentId: true, outcome: true, problemId: true, at: true, id: true } })
  return satisfactionByDepartment(rows)
}
