/**
 * A grid's monthly duty (每月到网格开展一次实地检查): was it inspected this month by the
 * department responsible for it?
 *   done    — an inspection in the month by the department holding the grid on that inspection's date
 *   pending — none yet, the month is still running (未检查)
 *   missed  — none, and the month is over (漏检)
 * A grid handed over mid-month is judged by inspections of whoever held it when they inspected:
 * the old holder's inspection before the handover counts, so does the new holder's after it.
 */
import { holdsOn, type HolderPeriod } from '../holder.ts'
import { monthRange, type MonthKey } from '../time.ts'

export const INSPECTION_STATUSES = ['done', 'pending', 'missed'] as const
export type InspectionStatus = (typeof INSPECTION_STATUSES)[number]

export interface InspectionFact { departmentId: number; date: Date; onSite?: boolean | null }

export interface MonthStatusOptions {
  /** count only inspections proven on site (proof of presence); default false */
  requireOnSite?: boolean
}

export function monthStatus(
  month: MonthKey,
  holders: readonly HolderPeriod[],
  inspections: readonly InspectionFact[],
  now: Date,
  options: MonthStatusOptions = {},
): InspectionStatus {
  const { start, end } = monthRange(month)
  const counts = inspections.some((i) =>
    i.date >= start && i.date < end &&
    (!options.requireOnSite || i.onSite === true) &&
    holders.some((h) => h.departmentId === i.departmentId && holdsOn(h, i.date)))
  if (counts) return 'done'
  return now < end ? 'pending' : 'missed'
}
