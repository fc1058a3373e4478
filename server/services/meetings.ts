/** The monthly coordination meeting (每月工作协调会): a department records its own, an admin any department's. */
import type { Db, Prisma } from '../db/client.ts'
import { badInput, notFound } from '../domain/errors.ts'
import { monthOf } from '../domain/time.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import { markRankingChanged } from './aggregates.ts'
import { departmentScope } from './scope.ts'

export interface MeetingInput { departmentId?: number; date: string; attendees: string; topics: string; decisions: string }

export async function recordMeeting<I extends Prisma.MeetingInclude>(db: Db, user: SessionUser, input: MeetingInput, now: Date, include: I) {
  const departmentId = departmentScope(user).department(input.departmentId)
  if (departmentId === undefined) throw badInput('请选择部门', 'DEPARTMENT_REQUIRED')
  if (!(await db.department.findUnique({ where: { id: departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
  const date = new Date(input.date)
  if (date.getTime() > now.getTime() + 5 * 60_000) throw badInput('会议日期不能晚于现在', 'DATE_IN_FUTURE')
  return db.$transaction(async (tx) => {
    const created = await tx.meeting.create({
      data: { departmentId, date, month: monthOf(date), attendees: input.attendees, topics: input.topics, decisions: input.decisions, createdById: user.id },
      include,
    })
    await markRankingChanged(tx)
    await writeAudit(tx, { actorId: user.id, action: 'meeting.record', entity: 'Meeting', entityId: created.id, after: { departmentId, date, attendees: input.attendees, topics: input.topics, decisions: input.decisions } })
    return created
  })
}
