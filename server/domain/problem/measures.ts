/**
 * Department and grid measures for a period (考核指标), a pure function over problem rows.
 *
 * Population: problems reported in [from, to), not voided and not merged into another.
 * asOf = min(to, now): the instant the period is judged at.
 *   due        = population problems that are closed by asOf, or whose deadline is before asOf
 *   结案率      closureRate   = closed / due
 *   按期结案率   onTimeRate    = closed no later than their deadline / closed
 *   返工率      reworkRate    = problems sent back at least once / population
 *   延期率      extensionRate = problems with at least one approved extension / population
 *   平均结案天数 avgDaysToClose = mean (closedAt − reportedAt) in days over closed
 *   overdue    = open at asOf with a deadline before asOf
 *   reopened   = problems reopened at least once after an unsatisfied 回访 (reopenCount > 0)
 * A rate with a zero denominator is null.
 */
export interface MeasureRow {
  departmentId: number | null
  gridId: number | null
  status: string
  reportedAt: Date
  deadline: Date | null
  closedAt: Date | null
  reworkCount: number
  extensionCount: number
  mergedIntoId?: number | null
  reopenCount?: number
}

export interface Measures {
  key: number | null
  total: number
  due: number
  closed: number
  closedOnTime: number
  open: number
  overdue: number
  reworked: number
  extended: number
  reopened: number
  closureRate: number | null
  onTimeRate: number | null
  reworkRate: number | null
  extensionRate: number | null
  avgDaysToClose: number | null
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b)

export function computeMeasures(rows: readonly MeasureRow[], opts: { from: Date; to: Date; now: Date; by: 'department' | 'grid' }): Measures[] {
  const asOf = Math.min(opts.to.getTime(), opts.now.getTime())
  const groups = new Map<number | null, MeasureRow[]>()
  for (const r of rows) {
    const t = r.reportedAt.getTime()
    if (t < opts.from.getTime() || t >= opts.to.getTime()) continue
    if (r.status === 'voided' || r.mergedIntoId != null) continue
    const key = opts.by === 'department' ? r.departmentId : r.gridId
    const list = groups.get(key)
    if (list) list.push(r)
    else groups.set(key, [r])
  }
  const out: Measures[] = []
  for (const [key, list] of groups) {
    let due = 0, closed = 0, closedOnTime = 0, open = 0, overdue = 0, reworked = 0, extended = 0, closeDays = 0, reopened = 0
    for (const r of list) {
      const isClosed = r.status === 'closed' && r.closedAt !== null && r.closedAt.getTime() <= asOf
      const pastDeadline = r.deadline !== null && r.deadline.getTime() < asOf
      if (isClosed) {
        closed++
        if (r.deadline === null || r.closedAt!.getTime() <= r.deadline.getTime()) closedOnTime++
        closeDays += (r.closedAt!.getTime() - r.reportedAt.getTime()) / 86_400_000
      } else {
        open++
        if (pastDeadline) overdue++
      }
      if (isClosed || pastDeadline) due++
      if (r.reworkCount > 0) reworked++
      if (r.extensionCount > 0) extended++
      if ((r.reopenCount ?? 0) > 0) reopened++
    }
    out.push({
      key, total: list.length, due, closed, closedOnTime, open, overdue, reworked, extended, reopened,
      closureRate: ratio(closed, due), onTimeRate: ratio(closedOnTime, closed),
      reworkRate: ratio(reworked, list.length), extensionRate: ratio(extended, list.length),
      avgDaysToClose: closed === 0 ? null : closeDays / closed,
    })
  }
  return out.sort((a, b) => (a.key ?? Infinity) - (b.key ?? Infinity))
}
