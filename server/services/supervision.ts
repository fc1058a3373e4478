/**
 * 督办单 (supervision notices): issued by the scheduler for a problem overdue by N working days,
 * numbered per Beijing year (督办〔2026〕第N号); the department replies (recorded, audited); an
 * unanswered notice is escalated one level (to the leadership) after its reply deadline.
 */
import type { Db, Prisma } from '../db/client.ts'
import { AppError, notFound } from '../domain/errors.ts'
import { supervisionNumber } from '../domain/reminders/rules.ts'
import type { SessionUser } from '../domain/user.ts'
import { yearOf } from '../domain/time.ts'
import { writeAudit } from './audit.ts'
import { notifyUsers, recipientsFor } from './notifications.ts'
import { departmentScope } from './scope.ts'

type Tx = Prisma.TransactionClient

/** Issue a 督办单 inside the caller's transaction (the scheduler's decision); returns its id and number. */
export async function issueSupervision(tx: Tx, input: { problemId: number; departmentId: number; deadline: Date; daysOverdue: number; replyDue: Date }, now: Date) {
  const year = yearOf(now)
  const last = await tx.supervisionNotice.findFirst({ where: { year }, orderBy: { seq: 'desc' }, select: { seq: true } })
  const seq = (last?.seq ?? 0) + 1
  const n = await tx.supervisionNotice.create({ data: { year, seq, ...input, issuedAt: now } })
  await writeAudit(tx, { actorId: null, action: 'supervision.issue', entity: 'supervisionNotice', entityId: n.id, after: { number: supervisionNumber(year, seq), ...input }, at: now })
  return { id: n.id, number: supervisionNumber(year, seq) }
}

/** Escalate an unanswered notice one level (inside the caller's transaction); false when it was answered or escalated meanwhile. */
export async function escalateSupervision(tx: Tx, noticeId: number, now: Date): Promise<boolean> {
  const r = await tx.supervisionNotice.updateMany({ where: { id: noticeId, repliedAt: null, level: 1 }, data: { level: 2, escalatedAt: now } })
  if (r.count === 0) return false
  await writeAudit(tx, { actorId: null, action: 'supervision.escalate', entity: 'supervisionNotice', entityId: noticeId, before: { level: 1 }, after: { level: 2 }, at: now })
  return true
}


/** A notice with the facts the printable page shows. */
export async function supervisionView(db: Db, row: { id: number; year: number; seq: number; problemId: number; departmentId: number; deadline: Date; daysOverdue: number; issuedAt: Date; replyDue: Date; replyText: string | null; repliedAt: Date | null; repliedById: number | null; level: number; escalatedAt: Date | null }) {
  const [problem, department, repliedBy] = await Promise.all([
    db.problem.findUnique({ where: { id: row.problemId }, select: { id: true, description: true, status: true, lng: true, lat: true, categoryCode: true, category: { select: { name: true } }, grid: { select: { name: true } } } }),
    db.department.findUnique({ where: { id: row.departmentId }, select: { name: true } }),
    row.repliedById ? db.user.findUnique({ where: { id: row.repliedById }, select: { displayName: true } }) : null,
  ])
  return {
    id: row.id, number: supervisionNumber(row.year, row.seq), year: row.year, seq: row.seq,
    problemId: row.problemId, problemDescription: problem?.description ?? '', problemStatus: problem?.status ?? '', categoryName: problem?.category.name ?? '',
    gridName: problem?.grid?.name ?? null, departmentId: row.departmentId, departmentName: department?.name ?? `#${row.departmentId}`,
    deadline: row.deadline.toISOString(), daysOverdue: row.daysOverdue, issuedAt: row.issuedAt.toISOString(), replyDue: row.replyDue.toISOString(),
    replyText: row.replyText, repliedAt: row.repliedAt?.toISOString() ?? null, repliedBy: repliedBy?.displayName ?? null,
    level: row.level, escalatedAt: row.escalatedAt?.toISOString() ?? null,
  }
}

/** The department's reply to a 督办单 (its own department only; admin for any). Once. Audited; the leadership is told. */
export async function replySupervision(db: Db, user: SessionUser, input: { id: number; text: string }, now: Date) {
  const n = await db.supervisionNotice.findUnique({ where: { id: input.id } })
  if (!n) throw notFound('督办单', 'SUPERVISION_NOT_FOUND')
  departmentScope(user).assert(n, '该督办单不是发给本部门的')
  if (user.role !== 'department' && user.role !== 'admin') throw new AppError('FORBIDDEN', 'ROLE_FORBIDDEN', '只有被督办的部门可以回复督办单')
  if (n.repliedAt) throw new AppError('CONFLICT', 'SUPERVISION_ALREADY_REPLIED', '该督办单已回复')
  const text = input.text.trim()
  if (!text) throw new AppError('BAD_INPUT', 'NOTE_REQUIRED', '回复需要填写整改情况')
  const number = supervisionNumber(n.year, n.seq)
  await db.$transaction(async (tx) => {
    const r = await tx.supervisionNotice.updateMany({ where: { id: n.id, repliedAt: null }, data: { replyText: text, repliedAt: now, repliedById: user.id } })
    if (r.count === 0) throw new AppError('CONFLICT', 'SUPERVISION_ALREADY_REPLIED', '该督办单已回复')
    await writeAudit(tx, { actorId: user.id, action: 'supervision.reply', entity: 'supervisionNotice', entityId: n.id, after: { replyText: text, late: now > n.replyDue }, at: now })
    await notifyUsers(tx, {
      userIds: await recipientsFor(tx, { leadership: true }), kind: 'message', title: `${number} 已回复`, body: text.slice(0, 200),
      link: `/supervision?id=${n.id}`, problemId: n.problemId, supervisionId: n.id, departmentId: n.departmentId,
    }, now)
  })
  return supervisionView(db, (await db.supervisionNotice.findUnique({ where: { id: n.id } }))!)
}
