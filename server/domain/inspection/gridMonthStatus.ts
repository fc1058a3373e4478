/**
 * The state of a grid-month (a grid's monthly duty, 每月到网格开展一次实地检查) — the one definition,
 * used by the coverage map, 我的网格, the dashboard, the drill-down, the ranking and the bulletin.
 *
 *   done        at least one inspection in the month by the department holding the grid on that
 *               inspection's date, proven on site (see `provenOnSite` in presence.ts)          已检查
 *   unverified  inspected by the holder in the month, but none proven on site (no location,
 *               outside the tolerance, GPS accuracy worse than the tolerance, or 补录 not approved) 待核实
 *   pending     none of the above and the month (Asia/Shanghai) is not over                        未检查
 *   missed      none of the above and the month is over                                           漏检
 *   noHolder    no department held the grid at any moment of the month (up to now)               无包抓
 *
 * A grid handed over mid-month is judged on the inspections of whoever held it on each inspection's
 * date: the old holder's before the handover counts, so does the new holder's after it. Inspections by
 * a department not holding the grid on that date are ignored (neither done nor unverified).
 */
import { holdsOn, type HolderPeriod } from '../holder.ts'
import { monthRange, type MonthKey } from '../time.ts'
import { presenceFailures, type PresenceContext, type PresenceEvidence, type PresenceFailure } from './presence.ts'

/** The grid-month states, in legend order. */
export const GRID_MONTH_STATES = ['done', 'unverified', 'pending', 'missed', 'noHolder'] as const
/** A grid-month state (see the module comment). */
export type GridMonthState = (typeof GRID_MONTH_STATES)[number]

// Labels and colours of the states: server/domain/vocabulary/status.ts (GRID_MONTH_STATUS), the one source.

/** An inspection as the grid-month rule sees it. */
export interface GridMonthInspection extends PresenceEvidence {
  /** record id, reported back for drill-down (the index in the input when absent) */
  id?: number
  departmentId: number
}

/** The state of a grid-month, with the inspections behind it. */
export interface GridMonthResult {
  state: GridMonthState
  /** ids of the holder's inspections in the month proven on site */
  provenIds: number[]
  /** the holder's inspections in the month not proven on site, and why */
  unproven: { id: number; failures: PresenceFailure[] }[]
}

/** Does any holder period overlap [from, to)? */
function heldDuring(holders: readonly HolderPeriod[], from: Date, to: Date): boolean {
  return holders.some((h) => h.validFrom < to && (h.validTo === null || h.validTo > from))
}

/**
 * The state of `month` for one grid, from its holder periods and its inspections, judged at `now`.
 * Pure; `presence` carries the tolerance, the backfill window and the boundary in force on a date.
 */
export function gridMonthStatus(
  month: MonthKey,
  holders: readonly HolderPeriod[],
  inspections: readonly GridMonthInspection[],
  now: Date,
  presence: PresenceContext = {},
): GridMonthResult {
  const { start, end } = monthRange(month)
  const until = now < end ? new Date(Math.max(now.getTime() + 1, start.getTime() + 1)) : end
  const provenIds: number[] = []
  const unproven: GridMonthResult['unproven'] = []
  inspections.forEach((i, index) => {
    if (i.date < start || i.date >= end) return
    if (!holders.some((h) => h.departmentId === i.departmentId && holdsOn(h, i.date))) return
    const id = i.id ?? index
    const failures = presenceFailures(i, presence)
    if (failures.length === 0) provenIds.push(id)
    else unproven.push({ id, failures })
  })
  let state: GridMonthState
  if (provenIds.length > 0) state = 'done'
  else if (unproven.length > 0) state = 'unverified'
  else if (!heldDuring(holders, start, until)) state = 'noHolder'
  else state = now < end ? 'pending' : 'missed'
  return { state, provenIds, unproven }
}

/** A grid-month's inspections counted per department (InspectionTally): recorded, and proven on site. */
export interface InspectionCounts { departmentId: number; inspected: number; proven: number }

/**
 * The grid-month's state from counts, when that is possible without the inspections' dates: no holder
 * period touches the month, or exactly one department held the grid through the whole month. Then
 * this is `gridMonthStatus(...).state` (every inspection in the month by that department counts).
 * null when the grid changed hands during the month: judge it with `gridMonthStatus`.
 */
export function gridMonthStateFromCounts(month: MonthKey, holders: readonly HolderPeriod[], counts: readonly InspectionCounts[], now: Date): GridMonthState | null {
  const { start, end } = monthRange(month)
  const touching = holders.filter((h) => h.validFrom < end && (h.validTo === null || h.validTo > start))
  if (touching.length === 0) return 'noHolder'
  if (touching.length > 1) return null
  const h = touching[0]!
  if (h.validFrom > start || (h.validTo !== null && h.validTo < end)) return null
  let inspected = 0, proven = 0
  for (const c of counts) if (c.departmentId === h.departmentId) { inspected += c.inspected; proven += c.proven }
  if (proven > 0) return 'done'
  if (inspected > 0) return 'unverified'
  return now < end ? 'pending' : 'missed'
}
