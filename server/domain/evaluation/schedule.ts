/**
 * The evaluation task list's schedule (定进度): the countdown to the evaluation date, milestone
 * overdue rules and an indicator's status. Calendar days are Asia/Shanghai days. Pure.
 *
 * Rules
 * - Countdown: whole China calendar days from today to the evaluation day (0 on the day itself,
 *   negative once it has passed).
 * - A milestone is due by the END of its due day (dueDate is midnight China time of that day).
 *   It is overdue when that day is over and its progress is below 100.
 * - Indicator status, first match wins:
 *     done      every milestone at 100 (an indicator without milestones is never done: it has no plan)
 *     overdue   a milestone is overdue
 *     at_risk   a milestone below 100 is due within AT_RISK_DAYS days (counting today) and is below
 *               AT_RISK_PROGRESS, or the evaluation is within AT_RISK_DAYS and the indicator is below 100
 *     on_track  otherwise
 * - Indicator progress: the mean of its milestones' progress, rounded (0 without milestones).
 */
import { CHINA_OFFSET_MS } from '../time.ts'

const DAY = 86_400_000
export const AT_RISK_DAYS = 7
export const AT_RISK_PROGRESS = 50

export const INDICATOR_STATUSES = ['on_track', 'at_risk', 'overdue', 'done'] as const
export type IndicatorStatus = (typeof INDICATOR_STATUSES)[number]

export interface MilestoneLike { dueDate: Date; progress: number }

/** The China calendar day number (days since 1970-01-01 China time) of an instant. */
export function chinaDayNumber(instant: Date): number {
  return Math.floor((instant.getTime() + CHINA_OFFSET_MS) / DAY)
}

/** Days from today (China time) to the evaluation day: 0 on the day, negative after it. */
export function countdownDays(evaluationDate: Date, now: Date): number {
  return chinaDayNumber(evaluationDate) - chinaDayNumber(now)
}

/** Overdue (超期): the due day (China time) is over and progress is below 100. */
export function isMilestoneOverdue(m: MilestoneLike, now: Date): boolean {
  return m.progress < 100 && chinaDayNumber(now) > chinaDayNumber(m.dueDate)
}

/** Days left to a milestone's due day, counting today (1 on the due day, 0 or less once overdue). */
export function milestoneDaysLeft(m: MilestoneLike, now: Date): number {
  return chinaDayNumber(m.dueDate) - chinaDayNumber(now) + 1
}

export function indicatorProgress(milestones: readonly MilestoneLike[]): number {
  if (milestones.length === 0) return 0
  return Math.round(milestones.reduce((s, m) => s + clampProgress(m.progress), 0) / milestones.length)
}

export function clampProgress(p: number): number {
  return Math.max(0, Math.min(100, Math.round(p)))
}

export function indicatorStatus(ind: { evaluationDate: Date; milestones: readonly MilestoneLike[] }, now: Date): IndicatorStatus {
  const ms = ind.milestones
  if (ms.length > 0 && ms.every((m) => m.progress >= 100)) return 'done'
  if (ms.some((m) => isMilestoneOverdue(m, now))) return 'overdue'
  const soonBehind = ms.some((m) => m.progress < 100 && milestoneDaysLeft(m, now) <= AT_RISK_DAYS && m.progress < AT_RISK_PROGRESS)
  const evaluationSoon = countdownDays(ind.evaluationDate, now) <= AT_RISK_DAYS
  if (soonBehind || evaluationSoon) return 'at_risk'
  return 'on_track'
}
