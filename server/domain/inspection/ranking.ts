/**
 * Department ranking (部门排名) for a month or a range of months, from plain rows — no database.
 *
 * Figures per department:
 *   coverage       grid-months inspected on site / grid-months held (巡查覆盖率). A grid-month belongs to the
 *                  department holding the grid when the month is judged (its last moment, or now for the
 *                  running month), so a grid handed over mid-month is the new holder's duty; it counts as
 *                  inspected on site when its state (gridMonthStatus, the one definition) is `done`; `inspected`
 *                  also counts `unverified` grid-months (inspected by the holder, not proven on site), counted
 *                  apart (`unverified`): `missed` and `pending` are the grid-months in those states only.
 *   meetings       months with at least one coordination meeting / months in the range (每月工作协调会).
 *   onTimeRate     problems closed in the range by their deadline / problems closed in the range (按期结案率).
 *   overdue        problems open and past their deadline at the end of the range (or now, if earlier).
 *   These problem figures count for the handling department (departmentId; docs/routing.md).
 *   coordination   per holder department (supervising, 属地): the problems in its grids that other departments
 *                  handle — coordTotal (in the range), coordOpen / coordOverdue (at the end of the range).
 *   returns        退单 made by the department in the range; returnsRejected: rulings against it (rejected);
 *                  returnRate = returns / (problems it handles + problems reassigned away from it by a ruling).
 */
import { holderOn, type HolderPeriod } from '../holder.ts'
import { addMonths, monthRange, MONTH_PATTERN, type MonthKey } from '../time.ts'
import { gridMonthStatus, type GridMonthInspection, type GridMonthState } from './gridMonthStatus.ts'
import { legacyStatus, type InspectionStatus } from './monthStatus.ts'
import type { PresenceContext } from './presence.ts'

/** A holder period of a grid. */
export interface HoldingRow extends HolderPeriod { gridId: number }
/**
 * An inspection row. `onSite` is the stored legacy judgement; the optional evidence fields of
 * `GridMonthInspection` (accuracyM, distanceOutsideM, recordedAt, approvedAt, lng/lat, id) refine it.
 */
export interface InspectionRow extends GridMonthInspection { gridId: number; departmentId: number; date: Date; onSite: boolean | null }
/** A coordination meeting (工作协调会) held by a department in a month. */
export interface MeetingRow { departmentId: number; month: MonthKey }
/** A problem as the ranking sees it. */
export interface ProblemRow { departmentId: number | null; status: string; deadline: Date | null; reportedAt: Date; closedAt: Date | null; supervisingDepartmentId?: number | null }
/** A 退单 (ProblemReturn) as the ranking sees it. */
export interface ReturnRow { departmentId: number; status: string; createdAt: Date }
/** A department. */
export interface DepartmentRow { id: number; name: string }

/** The plain rows a ranking is computed from. */
export interface RankingInput {
  departments: readonly DepartmentRow[]
  holdings: readonly HoldingRow[]
  inspections: readonly InspectionRow[]
  meetings: readonly MeetingRow[]
  problems: readonly ProblemRow[]
  /** 退单 of the range (optional: no returns) */
  returns?: readonly ReturnRow[]
  /**
   * Precomputed from aggregates (services/monthly.ts `loadRankingAggregates`): when present they replace
   * the figures computed from `holdings`/`inspections` (gridMonths) and `problems` (problemFigures).
   */
  gridMonths?: readonly GridMonth[]
  problemFigures?: ReadonlyMap<number, ProblemFigures>
}

/** A department's problem figures over a range (see the module comment). */
export interface ProblemFigures {
  /** problems it handles in the range: reported before the range ends, not closed before it starts */
  handled: number
  closed: number
  closedOnTime: number
  overdue: number
  coordTotal: number
  coordOpen: number
  coordOverdue: number
}

export const NO_PROBLEM_FIGURES: ProblemFigures = { handled: 0, closed: 0, closedOnTime: 0, overdue: 0, coordTotal: 0, coordOpen: 0, coordOverdue: 0 }

/**
 * The problem figures per department from problem rows (those reported before `rangeEnd` and not closed
 * before `rangeStart`), judged at `t`.
 */
export function problemFigures(problems: readonly ProblemRow[], rangeStart: Date, rangeEnd: Date, t: Date): Map<number, ProblemFigures> {
  const out = new Map<number, ProblemFigures>()
  const of = (d: number) => out.get(d) ?? out.set(d, { ...NO_PROBLEM_FIGURES }).get(d)!
  for (const p of problems) {
    if (p.departmentId === null) continue
    const f = of(p.departmentId)
    f.handled++
    if (p.status === 'closed' && p.closedAt !== null && p.closedAt >= rangeStart && p.closedAt < rangeEnd) {
      f.closed++
      if (closedOnTime(p)) f.closedOnTime++
    }
    if (overdueAt(p, t)) f.overdue++
    if (p.supervisingDepartmentId != null && p.supervisingDepartmentId !== p.departmentId) {
      const c = of(p.supervisingDepartmentId)
      c.coordTotal++
      if (openAt(p, t)) c.coordOpen++
      if (overdueAt(p, t)) c.coordOverdue++
    }
  }
  return out
}

/** Every month from `from` to `to`, both included; [] when to < from. */
export function monthsBetween(from: MonthKey, to: MonthKey): MonthKey[] {
  if (!MONTH_PATTERN.test(from) || !MONTH_PATTERN.test(to)) throw new Error(`invalid month range ${from}..${to}`)
  const out: MonthKey[] = []
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(m)
  return out
}

/** The instant a month is judged at: its last moment once over, else now. */
export function judgedAt(month: MonthKey, now: Date): Date {
  const { end } = monthRange(month)
  return now < end ? now : new Date(end.getTime() - 1)
}

/** One held grid-month and its state. */
export interface GridMonth {
  gridId: number
  month: MonthKey
  /** the department responsible for the month (holder when judged) */
  departmentId: number
  /** the three-state view shown on the map (legacyStatus): 'done' only when proven on site, else pending / missed */
  status: InspectionStatus
  /** state is `done`: inspected and proven on site */
  onSite: boolean
  /** the grid-month's state (gridMonthStatus) */
  state: GridMonthState
}

const groupBy = <T, K>(rows: readonly T[], key: (r: T) => K) => {
  const m = new Map<K, T[]>()
  for (const r of rows) { const k = key(r); const list = m.get(k); if (list) list.push(r); else m.set(k, [r]) }
  return m
}

/** The held grid-months of the given months (unheld grids have no duty and are left out). */
export function gridMonths(months: readonly MonthKey[], holdings: readonly HoldingRow[], inspections: readonly InspectionRow[], now: Date, presence: PresenceContext = {}): GridMonth[] {
  const holdingsByGrid = groupBy(holdings, (h) => h.gridId)
  const inspectionsByGrid = groupBy(inspections, (i) => i.gridId)
  const out: GridMonth[] = []
  for (const month of months) {
    const { start, end } = monthRange(month)
    if (start > now) continue // a future month has no duty yet
    const at = judgedAt(month, now)
    for (const [gridId, periods] of holdingsByGrid) {
      const holder = holderOn(periods, at)
      if (!holder) continue
      const facts = (inspectionsByGrid.get(gridId) ?? []).filter((i) => i.date >= start && i.date < end)
      const { state } = gridMonthStatus(month, periods, facts, now, presence)
      out.push({
        gridId, month, departmentId: holder.departmentId, state,
        status: legacyStatus(state, month, now),
        onSite: state === 'done',
      })
    }
  }
  return out
}

/** Open (not closed, not voided) at an instant, judged from the closing instant where known. */
function openAt(p: ProblemRow, t: Date): boolean {
  if (p.reportedAt > t) return false
  if (p.status === 'closed' || p.status === 'voided') return p.closedAt !== null && p.closedAt > t
  return true
}

/** Open and past its deadline at instant `t`. */
export function overdueAt(p: ProblemRow, t: Date): boolean {
  return openAt(p, t) && p.deadline !== null && p.deadline < t
}

/** Closed, and by its deadline (or without one). */
export function closedOnTime(p: ProblemRow): boolean {
  return p.status === 'closed' && p.closedAt !== null && (p.deadline === null || p.closedAt <= p.deadline)
}

/** One department's figures in the ranking. */
export interface RankingRow {
  rank: number
  departmentId: number
  departmentName: string
  gridMonths: number
  /** grid-months inspected by the holder, proven on site or not (done + unverified) */
  inspected: number
  inspectedOnSite: number
  /** grid-months inspected but none proven on site (state `unverified`) */
  unverified: number
  missed: number
  pending: number
  /** inspectedOnSite / gridMonths, null without held grids */
  coverage: number | null
  months: number
  meetingsHeld: number
  meetingRate: number
  closed: number
  closedOnTime: number
  onTimeRate: number | null
  overdue: number
  /** coordination (属地): problems in the department's grids handled by others */
  coordTotal: number
  coordOpen: number
  coordOverdue: number
  /** 退单 made, rulings against (rejected), 退单率 */
  returns: number
  returnsRejected: number
  returnRate: number | null
}

/** The ranking of a range of months, with its totals. */
export interface Ranking {
  from: MonthKey
  to: MonthKey
  months: MonthKey[]
  rows: RankingRow[]
  totals: Omit<RankingRow, 'rank' | 'departmentId' | 'departmentName'>
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b)

/** Default order: coverage, then on-time closure, then fewest overdue, then meetings, then name. */
export function compareRows(a: Omit<RankingRow, 'rank'>, b: Omit<RankingRow, 'rank'>): number {
  const desc = (x: number | null, y: number | null) => (y ?? -1) - (x ?? -1)
  return desc(a.coverage, b.coverage) || desc(a.onTimeRate, b.onTimeRate) || a.overdue - b.overdue
    || b.meetingRate - a.meetingRate || a.departmentName.localeCompare(b.departmentName, 'zh-CN')
}

/**
 * The ranking of the months from..to (judged at `now`). Departments appear when they held a grid,
 * had a problem or held a meeting in the range.
 */
export function departmentRanking(from: MonthKey, to: MonthKey, input: RankingInput, now: Date, presence: PresenceContext = {}): Ranking {
  const months = monthsBetween(from, to).filter((m) => monthRange(m).start <= now)
  const monthSet = new Set(months)
  const rangeStart = monthRange(from).start
  const rangeEnd = monthRange(to).end
  const t = rangeEnd < now ? new Date(rangeEnd.getTime() - 1) : now
  const gm = groupBy(input.gridMonths ?? gridMonths(months, input.holdings, input.inspections, now, presence), (g) => g.departmentId)
  const meetingMonths = new Map<number, Set<MonthKey>>()
  for (const m of input.meetings) if (monthSet.has(m.month)) (meetingMonths.get(m.departmentId) ?? meetingMonths.set(m.departmentId, new Set()).get(m.departmentId)!).add(m.month)
  const figures = input.problemFigures ?? problemFigures(input.problems, rangeStart, rangeEnd, t)
  const returns = groupBy((input.returns ?? []).filter((r) => r.createdAt >= rangeStart && r.createdAt < rangeEnd), (r) => r.departmentId)

  const rows: Omit<RankingRow, 'rank'>[] = []
  for (const d of input.departments) {
    const g = gm.get(d.id) ?? []
    const f = figures.get(d.id) ?? NO_PROBLEM_FIGURES
    const held = meetingMonths.get(d.id)?.size ?? 0
    const rs = returns.get(d.id) ?? []
    if (g.length === 0 && f.handled === 0 && held === 0 && f.coordTotal === 0 && rs.length === 0) continue
    const reassignedAway = rs.filter((r) => r.status === 'reassigned').length
    const onTime = f.closedOnTime
    const onSite = g.filter((x) => x.onSite).length
    rows.push({
      departmentId: d.id, departmentName: d.name,
      gridMonths: g.length, inspected: g.filter((x) => x.state === 'done' || x.state === 'unverified').length, inspectedOnSite: onSite,
      unverified: g.filter((x) => x.state === 'unverified').length,
      missed: g.filter((x) => x.state === 'missed').length, pending: g.filter((x) => x.state === 'pending').length,
      coverage: ratio(onSite, g.length),
      months: months.length, meetingsHeld: held, meetingRate: ratio(held, months.length) ?? 0,
      closed: f.closed, closedOnTime: onTime, onTimeRate: ratio(onTime, f.closed),
      overdue: f.overdue,
      coordTotal: f.coordTotal, coordOpen: f.coordOpen, coordOverdue: f.coordOverdue,
      returns: rs.length, returnsRejected: rs.filter((r) => r.status === 'rejected').length, returnRate: ratio(rs.length, f.handled + reassignedAway),
    })
  }
  rows.sort(compareRows)
  const sum = (k: 'gridMonths' | 'inspected' | 'inspectedOnSite' | 'unverified' | 'missed' | 'pending' | 'meetingsHeld' | 'closed' | 'closedOnTime' | 'overdue' | 'coordTotal' | 'coordOpen' | 'coordOverdue' | 'returns' | 'returnsRejected') => rows.reduce((s, r) => s + r[k], 0)
  const totals = {
    gridMonths: sum('gridMonths'), inspected: sum('inspected'), inspectedOnSite: sum('inspectedOnSite'), unverified: sum('unverified'), missed: sum('missed'), pending: sum('pending'),
    coverage: ratio(sum('inspectedOnSite'), sum('gridMonths')),
    months: months.length, meetingsHeld: sum('meetingsHeld'),
    meetingRate: ratio(sum('meetingsHeld'), months.length * rows.length) ?? 0,
    closed: sum('closed'), closedOnTime: sum('closedOnTime'), onTimeRate: ratio(sum('closedOnTime'), sum('closed')),
    overdue: sum('overdue'),
    coordTotal: sum('coordTotal'), coordOpen: sum('coordOpen'), coordOverdue: sum('coordOverdue'),
    returns: sum('returns'), returnsRejected: sum('returnsRejected'),
    returnRate: ratio(sum('returns'), rows.reduce((s, r) => s + (figures.get(r.departmentId)?.handled ?? 0), 0) + (input.returns ?? []).filter((x) => x.status === 'reassigned' && x.createdAt >= rangeStart && x.createdAt < rangeEnd).length),
  }
  return { from, to, months, rows: rows.map((r, i) => ({ ...r, rank: i + 1 })), totals }
}

/** The city's figures for one month of a trend. */
export interface TrendPoint { month: MonthKey; coverage: number | null; meetingRate: number; onTimeRate: number | null; overdue: number; missed: number }

/** One ranking per month: the city's figures and each department's coverage, oldest month first. */
export function trend(months: readonly MonthKey[], input: RankingInput, now: Date, presence: PresenceContext = {}): {
  months: MonthKey[]
  overall: TrendPoint[]
  departments: { departmentId: number; departmentName: string; coverage: (number | null)[] }[]
} {
  const per = months.map((m) => departmentRanking(m, m, input, now, presence))
  const depts = new Map<number, string>()
  for (const r of per) for (const row of r.rows) depts.set(row.departmentId, row.departmentName)
  return {
    months: [...months],
    overall: per.map((r, i) => ({ month: months[i]!, coverage: r.totals.coverage, meetingRate: r.totals.meetingRate, onTimeRate: r.totals.onTimeRate, overdue: r.totals.overdue, missed: r.totals.missed })),
    departments: [...depts].map(([departmentId, departmentName]) => ({
      departmentId, departmentName,
      coverage: per.map((r) => r.rows.find((x) => x.departmentId === departmentId)?.coverage ?? null),
    })),
  }
}
