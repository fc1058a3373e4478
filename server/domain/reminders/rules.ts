/**
 * The timed reminder rules (催办、超期、督办、月度检查提醒), pure: given the open problems, this month's
 * grid states, the open supervision notices and `now`, which notices are due. The scheduler
 * (services/scheduler.ts) asks this every tick; each notice carries a `key` unique to
 * (rule, subject, period), which the database stores under a unique constraint, so a notice is
 * decided once however many ticks or processes see it.
 *
 *   deadlineSoon          an open problem whose deadline falls on the next working day or today
 *                         (from 00:00 Beijing of the working day before the deadline's day)
 *   overdue               an open problem past its deadline            (department + leadership)
 *   supervision           overdue by ≥ N working days (SUPERVISION_AFTER_WORKING_DAYS, default 3):
 *                         a 督办单 is issued with a reply deadline of M working days (default 2)
 *   supervisionEscalated  a 督办单 unanswered after its reply deadline: one level up (the leadership)
 *   inspectionDue         a grid held by a department whose month is still 'pending' when at most
 *                         D calendar days of the month are left (default 5), one notice per department
 *
 * Periods: a deadline rule's period is the deadline itself (an approved extension or a reopening
 * starts a new period and a new reminder); the inspection rule's period is the month.
 */
import { addDays, addWorkingDays, beijingDay, isWorkingDay, startOfBeijingDay, workingDaysBetween, type HolidayCalendar } from '../calendar/workingDays.ts'
import { isOverdue } from '../problem/status.ts'
import { daysLeftInMonth, monthOf, type MonthKey } from '../time.ts'

export const REMINDER_RULES = ['deadlineSoon', 'overdue', 'supervision', 'supervisionEscalated', 'inspectionDue'] as const
export type ReminderRule = (typeof REMINDER_RULES)[number]

export interface ReminderConfig {
  /** working days overdue before a 督办单 is issued */
  supervisionAfterWorkingDays: number
  /** working days the department has to reply to a 督办单 */
  replyWorkingDays: number
  /** calendar days before the month's end (counting today) from which a pending grid is reminded */
  inspectionDaysBeforeMonthEnd: number
}

export const DEFAULT_REMINDER_CONFIG: ReminderConfig = { supervisionAfterWorkingDays: 3, replyWorkingDays: 2, inspectionDaysBeforeMonthEnd: 5 }

/** Reads SUPERVISION_AFTER_WORKING_DAYS, SUPERVISION_REPLY_WORKING_DAYS, INSPECTION_REMIND_DAYS (whole numbers ≥ 1). */
export function reminderConfigFrom(env: Record<string, string | undefined>): ReminderConfig {
  const n = (v: string | undefined, d: number) => { const x = Number(v); return v && Number.isInteger(x) && x >= 1 ? x : d }
  return {
    supervisionAfterWorkingDays: n(env.SUPERVISION_AFTER_WORKING_DAYS, DEFAULT_REMINDER_CONFIG.supervisionAfterWorkingDays),
    replyWorkingDays: n(env.SUPERVISION_REPLY_WORKING_DAYS, DEFAULT_REMINDER_CONFIG.replyWorkingDays),
    inspectionDaysBeforeMonthEnd: n(env.INSPECTION_REMIND_DAYS, DEFAULT_REMINDER_CONFIG.inspectionDaysBeforeMonthEnd),
  }
}

export interface ReminderProblem { id: number; status: string; departmentId: number | null; deadline: Date | null }
export interface ReminderGridMonth { gridId: number; departmentId: number | null; state: string }
export interface ReminderNotice { id: number; problemId: number; departmentId: number; replyDue: Date; repliedAt: Date | null; level: number }

export type DueNotice =
  | { rule: 'deadlineSoon' | 'overdue'; key: string; problemId: number; departmentId: number; deadline: Date }
  | { rule: 'supervision'; key: string; problemId: number; departmentId: number; deadline: Date; daysOverdue: number; replyDue: Date }
  | { rule: 'supervisionEscalated'; key: string; noticeId: number; problemId: number; departmentId: number }
  | { rule: 'inspectionDue'; key: string; departmentId: number; month: MonthKey; gridIds: number[] }

/** The start (00:00 Beijing) of the last working day before the Beijing day of `deadline`. */
export function reminderStart(deadline: Date, calendar: HolidayCalendar): Date {
  let day = addDays(beijingDay(deadline), -1)
  while (!isWorkingDay(day, calendar)) day = addDays(day, -1)
  return startOfBeijingDay(day)
}

/** Where the problem's deadline runs: only problems the department holds (dispatched or being rectified). */
const IN_DEPARTMENT_HANDS = new Set(['dispatched', 'rectifying'])

/** Which notices are due at `now`. Deterministic order: problems by id, rules in REMINDER_RULES order. */
export function dueNotices(
  input: { problems: readonly ReminderProblem[]; gridMonths?: readonly ReminderGridMonth[]; notices?: readonly ReminderNotice[] },
  now: Date,
  calendar: HolidayCalendar,
  config: ReminderConfig = DEFAULT_REMINDER_CONFIG,
): DueNotice[] {
  const out: DueNotice[] = []
  for (const p of [...input.problems].sort((a, b) => a.id - b.id)) {
    if (!p.deadline || p.departmentId === null || !IN_DEPARTMENT_HANDS.has(p.status)) continue
    const period = p.deadline.toISOString()
    const base = { problemId: p.id, departmentId: p.departmentId, deadline: p.deadline }
    if (!isOverdue(p, now)) {
      if (now.getTime() >= reminderStart(p.deadline, calendar).getTime()) out.push({ rule: 'deadlineSoon', key: `deadlineSoon:problem:${p.id}:${period}`, ...base })
      continue
    }
    out.push({ rule: 'overdue', key: `overdue:problem:${p.id}:${period}`, ...base })
    const daysOverdue = workingDaysBetween(p.deadline, now, calendar)
    if (daysOverdue >= config.supervisionAfterWorkingDays) {
      out.push({ rule: 'supervision', key: `supervision:problem:${p.id}:${period}`, ...base, daysOverdue, replyDue: addWorkingDays(now, config.replyWorkingDays, calendar) })
    }
  }
  for (const n of [...(input.notices ?? [])].sort((a, b) => a.id - b.id)) {
    if (n.repliedAt === null && n.level < 2 && now.getTime() > n.replyDue.getTime()) {
      out.push({ rule: 'supervisionEscalated', key: `supervisionEscalated:notice:${n.id}`, noticeId: n.id, problemId: n.problemId, departmentId: n.departmentId })
    }
  }
  if (input.gridMonths && daysLeftInMonth(now) <= config.inspectionDaysBeforeMonthEnd) {
    const month = monthOf(now)
    const pending = new Map<number, number[]>()
    for (const g of input.gridMonths) {
      if (g.state !== 'pending' || g.departmentId === null) continue
      const list = pending.get(g.departmentId) ?? []
      list.push(g.gridId)
      pending.set(g.departmentId, list)
    }
    for (const [departmentId, gridIds] of [...pending].sort((a, b) => a[0] - b[0])) {
      out.push({ rule: 'inspectionDue', key: `inspectionDue:department:${departmentId}:${month}`, departmentId, month, gridIds: gridIds.sort((a, b) => a - b) })
    }
  }
  return out
}

/** The number of a 督办单 as printed: 督办〔2026〕第7号. */
export function supervisionNumber(year: number, seq: number): string {
  return `督办〔${year}〕第${seq}号`
}

/** The delay before attempt `attempts + 1` of an outbound message: base · 2^(attempts−1), capped. */
export function backoffMs(attempts: number, baseMs = 5_000, capMs = 3_600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1))
}
