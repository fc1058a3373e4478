/**
 * The reminder scheduler inside the server: every SCHEDULER_INTERVAL_S seconds (default 60; off with
 * SCHEDULER=off) one tick
 *   1. takes the lease row 'reminders' (SchedulerLease: one holder at a time across every process on
 *      the database; a lease expires after 3 intervals, so a killed holder is replaced);
 *   2. asks the pure rules (domain/reminders/rules.ts) which notices are due now;
 *   3. decides each in one transaction: the ReminderDecision row (unique key per rule, subject and
 *      period: a second process or tick that races gets a unique violation and sends nothing), the
 *      督办单 when the rule issues one, the in-app notifications and the outbox rows;
 *   4. delivers due outbox rows (every process may, rows are claimed one by one).
 */
import { randomUUID } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { constraintError } from '../db/errors.ts'
import type { HolidayCalendar } from '../domain/calendar/workingDays.ts'
import { dueNotices, reminderConfigFrom, supervisionNumber, type DueNotice, type ReminderConfig } from '../domain/reminders/rules.ts'
import { daysLeftInMonth, formatDeadline, monthOf } from '../domain/time.ts'
import { monthCoverage } from './coverage.ts'
import { dispatchOutbox, notifyUsers, recipientsFor } from './notifications.ts'
import { escalateSupervision, issueSupervision } from './supervision.ts'
import { rollOverdueClock } from './aggregates.ts'

const LEASE = 'reminders'

/** Take or renew the lease; false when another holder's lease is still current. */
export async function acquireLease(db: Db, holder: string, now: Date, ttlMs: number): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs)
  const r = await db.schedulerLease.updateMany({ where: { name: LEASE, OR: [{ holder }, { expiresAt: { lt: now } }] }, data: { holder, expiresAt } })
  if (r.count > 0) return true
  try {
    await db.schedulerLease.create({ data: { name: LEASE, holder, expiresAt } })
    return true
  } catch (e) {
    if (constraintError(e)?.appCode === 'ALREADY_EXISTS') return false
    throw e
  }
}

export async function releaseLease(db: Db, holder: string): Promise<void> {
  await db.schedulerLease.updateMany({ where: { name: LEASE, holder }, data: { expiresAt: new Date(0) } })
}

type Facts = Map<number, { description: string; category: string; department: string; grid: string }>

function subjectOf(n: DueNotice): string {
  return n.rule === 'inspectionDue' ? `department:${n.departmentId}` : n.rule === 'supervisionEscalated' ? `supervisionNotice:${n.noticeId}` : `problem:${n.problemId}`
}

/** Decide one notice: false when it had been decided already (here or by another process). */
async function decide(db: Db, n: DueNotice, facts: Facts, now: Date): Promise<boolean> {
  if (await db.reminderDecision.findUnique({ where: { key: n.key }, select: { id: true } })) return false
  try {
    await db.$transaction(async (tx) => {
      await tx.reminderDecision.create({ data: { key: n.key, rule: n.rule, subject: subjectOf(n), decidedAt: now } })
      const base = { decisionKey: n.key, departmentId: n.departmentId }
      if (n.rule === 'inspectionDue') {
        await notifyUsers(tx, {
          ...base, userIds: await recipientsFor(tx, { departmentId: n.departmentId }), kind: 'inspectionDue',
          title: `本月还有 ${n.gridIds.length} 个网格未检查`, body: `${n.month} 月度实地检查：距月底不足 ${daysLeftInMonth(now)} 天，请尽快到网格开展检查。`,
          link: '/workspace', data: { month: n.month, gridIds: n.gridIds },
        }, now)
        return
      }
      const f = facts.get(n.problemId)
      const what = f ? `#${n.problemId} ${f.category}（${f.grid}）` : `#${n.problemId}`
      const link = `/problems?id=${n.problemId}`
      if (n.rule === 'deadlineSoon') {
        await notifyUsers(tx, { ...base, userIds: await recipientsFor(tx, { departmentId: n.departmentId }), kind: 'deadlineSoon', problemId: n.problemId, link,
          title: `问题即将到期：${what}`, body: `处置期限 ${formatDeadline(n.deadline, true)}，请按期整改。`, data: { deadline: n.deadline.toISOString() } }, now)
      } else if (n.rule === 'overdue') {
        await notifyUsers(tx, { ...base, userIds: await recipientsFor(tx, { departmentId: n.departmentId, leadership: true }), kind: 'overdue', problemId: n.problemId, link,
          title: `问题已超期：${what}`, body: `${f?.department ?? ''} 处置期限 ${formatDeadline(n.deadline, true)} 已过，尚未结案。`, data: { deadline: n.deadline.toISOString() } }, now)
      } else if (n.rule === 'supervision') {
        const s = await issueSupervision(tx, { problemId: n.problemId, departmentId: n.departmentId, deadline: n.deadline, daysOverdue: n.daysOverdue, replyDue: n.replyDue }, now)
        await notifyUsers(tx, { ...base, userIds: await recipientsFor(tx, { departmentId: n.departmentId }), kind: 'supervision', problemId: n.problemId, supervisionId: s.id,
          link: `/supervision?id=${s.id}`, title: `${s.number}：${what}`,
          body: `超期 ${n.daysOverdue} 个工作日，请于 ${formatDeadline(n.replyDue, true)} 前书面回复整改情况。`, data: { number: s.number, daysOverdue: n.daysOverdue, replyDue: n.replyDue.toISOString() } }, now)
      } else if (n.rule === 'supervisionEscalated') {
        if (!(await escalateSupervision(tx, n.noticeId, now))) return
        const row = await tx.supervisionNotice.findUniqueOrThrow({ where: { id: n.noticeId } })
        const number = supervisionNumber(row.year, row.seq)
        await notifyUsers(tx, { ...base, userIds: await recipientsFor(tx, { departmentId: n.departmentId, leadership: true }), kind: 'supervisionEscalated', problemId: n.problemId,
          supervisionId: n.noticeId, link: `/supervision?id=${n.noticeId}`, title: `督办升级：${number} 逾期未回复`,
          body: `${f?.department ?? ''} 未在 ${formatDeadline(row.replyDue, true)} 前回复，已提级至文明办。`, data: { number } }, now)
      }
    })
    return true
  } catch (e) {
    if (constraintError(e)?.appCode === 'ALREADY_EXISTS') return false // another process decided it first
    throw e
  }
}

/** Evaluate the rules at `now` and decide what is due; returns the keys decided by this call. */
export async function evaluateReminders(db: Db, calendar: HolidayCalendar, now: Date, config: ReminderConfig = reminderConfigFrom(process.env)): Promise<string[]> {
  const [problems, notices] = await Promise.all([
    db.problem.findMany({
      where: { status: { in: ['dispatched', 'rectifying'] }, deadline: { not: null }, departmentId: { not: null }, mergedIntoId: null },
      select: { id: true, status: true, departmentId: true, deadline: true, description: true, category: { select: { name: true } }, department: { select: { name: true } }, grid: { select: { name: true } } },
    }),
    db.supervisionNotice.findMany({ where: { repliedAt: null, level: 1, replyDue: { lt: now } } }),
  ])
  const gridMonths = daysLeftInMonth(now) <= config.inspectionDaysBeforeMonthEnd
    ? [...(await monthCoverage(db, monthOf(now), now))].map(([gridId, c]) => ({ gridId, departmentId: c.holder?.departmentId ?? null, state: c.inspectionStatus }))
    : undefined
  const facts: Facts = new Map(problems.map((p) => [p.id, { description: p.description, category: p.category.name, department: p.department?.name ?? '', grid: p.grid?.name ?? '' }]))
  const due = dueNotices({ problems, notices, gridMonths }, now, calendar, config)
  const decided: string[] = []
  for (const n of due) if (await decide(db, n, facts, now)) decided.push(n.key)
  return decided
}

export interface TickResult { leader: boolean; decided: string[]; sent: number; failed: number }

/** One scheduler tick (also called by tests): lease → evaluate → deliver. */
export async function runTick(db: Db, calendar: HolidayCalendar, now: Date, holder: string, leaseMs: number): Promise<TickResult> {
  const leader = await acquireLease(db, holder, now, leaseMs)
  const decided = leader ? await evaluateReminders(db, calendar, now) : []
  // the overdue clock of the aggregates moves to the latest Beijing midnight (services/aggregates.ts)
  if (leader) await rollOverdueClock(db, now)
  const { sent, failed } = await dispatchOutbox(db, new Date())
  return { leader, decided, sent, failed }
}

export interface Scheduler { stop(): Promise<void>; holder: string }

/** SCHEDULER_INTERVAL_S (default 60 s) in ms, or null when SCHEDULER=off. */
export function schedulerIntervalMs(env: NodeJS.ProcessEnv = process.env): number | null {
  if ((env.SCHEDULER ?? '').toLowerCase() === 'off') return null
  const s = Number(env.SCHEDULER_INTERVAL_S)
  return (env.SCHEDULER_INTERVAL_S && Number.isFinite(s) && s > 0 ? s : 60) * 1000
}

/** Start ticking every `intervalMs` (the first tick after one interval); `stop()` waits for a running tick and releases the lease. */
export function startScheduler(db: Db, calendar: () => HolidayCalendar, opts: { intervalMs: number; log?: (l: string) => void; now?: () => Date }): Scheduler {
  const holder = `${process.pid}-${randomUUID()}`
  const log = opts.log ?? (() => {})
  let running: Promise<void> | null = null
  let stopped = false
  const tick = () => {
    if (running || stopped) return
    running = runTick(db, calendar(), (opts.now ?? (() => new Date()))(), holder, Math.max(30_000, opts.intervalMs * 3))
      .then((r) => { if (r.decided.length || r.sent || r.failed) log(`[scheduler] decided ${r.decided.length}, delivered ${r.sent}, failed ${r.failed}`) })
      .catch((e) => console.error('[scheduler]', e))
      .finally(() => { running = null })
  }
  const timer = setInterval(tick, opts.intervalMs)
  timer.unref()
  return {
    holder,
    async stop() {
      stopped = true
      clearInterval(timer)
      if (running) await running
      await releaseLease(db, holder).catch(() => {})
    },
  }
}
