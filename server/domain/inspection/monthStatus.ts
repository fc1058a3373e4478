/**
 * The three-state view of a grid-month (done / pending / missed) that today's map, 我的网格 and
 * `grid.list` show, DERIVED from the one definition in gridMonthStatus.ts:
 *   done    — gridMonthStatus is `done` (an inspection by the holder on that date, proven on site)
 *   pending — anything else while the month (Asia/Shanghai) is running     (未检查)
 *   missed  — anything else once the month is over                        (漏检)
 * An `unverified` grid-month (inspected, but not proven on site) is therefore NOT shown as done here;
 * callers that can show the fifth state should call `gridMonthStatus` directly.
 */
import type { HolderPeriod } from '../holder.ts'
import { monthRange, type MonthKey } from '../time.ts'
import { gridMonthStatus, type GridMonthInspection, type GridMonthState } from './gridMonthStatus.ts'
import type { PresenceContext } from './presence.ts'

/** The three legacy states, in legend order. */
export const INSPECTION_STATUSES = ['done', 'pending', 'missed'] as const
/** A legacy three-state status. */
export type InspectionStatus = (typeof INSPECTION_STATUSES)[number]

/**
 * An inspection as the month rule sees it. `onSite` is the judgement stored at recording time (legacy);
 * the optional evidence fields (location, accuracy, precomputed distance, server stamp, approval) take
 * precedence when given — see `PresenceEvidence`.
 */
export interface InspectionFact extends GridMonthInspection { departmentId: number; date: Date; onSite?: boolean | null }

/** Options of `monthStatus`. */
export interface MonthStatusOptions extends PresenceContext {
  /**
   * @deprecated ignored: `done` always requires proof of presence now (one definition).
   * Kept so existing callers compile.
   */
  requireOnSite?: boolean
}

/** Map a grid-month state to the three-state view, for a month judged at `now`. */
export function legacyStatus(state: GridMonthState, month: MonthKey, now: Date): InspectionStatus {
  if (state === 'done') return 'done'
  return now < monthRange(month).end ? 'pending' : 'missed'
}

/** The three-state status of a grid-month: `gridMonthStatus` folded by `legacyStatus`. */
export function monthStatus(
  month: MonthKey,
  holders: readonly HolderPeriod[],
  inspections: readonly InspectionFact[],
  now: Date,
  options: MonthStatusOptions = {},
): InspectionStatus {
  return legacyStatus(gridMonthStatus(month, holders, inspections, now, options).state, month, now)
}
