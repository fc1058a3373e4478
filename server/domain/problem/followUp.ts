/**
 * 回访 outcomes and the satisfaction rate (满意率), pure.
 *   satisfactionRate = satisfied / (satisfied + unsatisfied) over each problem's LATEST 回访;
 *   unreachable (联系不上) is counted but not in the rate. A rate with a zero denominator is null.
 */
export const FOLLOW_UP_OUTCOMES = ['satisfied', 'unsatisfied', 'unreachable'] as const
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number]

export interface FollowUpRow { id: number; problemId: number; departmentId: number | null; outcome: string; at: Date }
export interface Satisfaction { departmentId: number | null; satisfied: number; unsatisfied: number; unreachable: number; satisfactionRate: number | null }

export function satisfactionByDepartment(rows: readonly FollowUpRow[]): Satisfaction[] {
  const latest = new Map<number, FollowUpRow>()
  for (const r of rows) {
    const cur = latest.get(r.problemId)
    if (!cur || r.at > cur.at || (r.at.getTime() === cur.at.getTime() && r.id > cur.id)) latest.set(r.problemId, r)
  }
  const by = new Map<number | null, Satisfaction>()
  for (const r of latest.values()) {
    const s = by.get(r.departmentId) ?? { departmentId: r.departmentId, satisfied: 0, unsatisfied: 0, unreachable: 0, satisfactionRate: null }
    if (r.outcome === 'satisfied' || r.outcome === 'unsatisfied' || r.outcome === 'unreachable') s[r.outcome]++
    by.set(r.departmentId, s)
  }
  for (const s of by.values()) s.satisfactionRate = s.satisfied + s.unsatisfied === 0 ? null : s.satisfied / (s.satisfied + s.unsatisfied)
  return [...by.values()].sort((a, b) => (a.departmentId ?? Infinity) - (b.departmentId ?? Infinity))
}
