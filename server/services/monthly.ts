/**
 * Loads the plain rows the ranking (server/domain/inspection/ranking.ts) works on, for a range of
 * months, in a fixed number of queries; and the month's theme (configured or default).
 */
import type { Db } from '../db/client.ts'
import { legacyStatus } from '../domain/inspection/monthStatus.ts'
import { monthsBetween, NO_PROBLEM_FIGURES, problemFigures, type GridMonth, type ProblemFigures, type RankingInput } from '../domain/inspection/ranking.ts'
import { OPEN_STATUSES } from '../domain/problem/status.ts'
import { problemTallies, type ProblemTallyRow } from './aggregates.ts'
import { parseChecklist, themeFor, type MonthTheme } from '../domain/inspection/themes.ts'
import { monthRange, type MonthKey } from '../domain/time.ts'
import { writeAudit } from './audit.ts'
import { INSPECTION_FACT_SELECT, inspectionFact, monthCoverage, type GridCoverage } from './coverage.ts'

export async function loadRankingInput(db: Db, from: MonthKey, to: MonthKey): Promise<RankingInput> {
  const start = monthRange(from).start
  const end = monthRange(to).end
  const [departments, holdings, inspections, meetings, problems, returns] = await Promise.all([
    db.department.findMany({ select: { id: true, name: true }, orderBy: { id: 'asc' } }),
    db.gridHolder.findMany({ where: { validFrom: { lt: end }, OR: [{ validTo: null }, { validTo: { gt: start } }] }, select: { gridId: true, departmentId: true, validFrom: true, validTo: true } }),
    db.inspection.findMany({ where: { date: { gte: start, lt: end } }, select: INSPECTION_FACT_SELECT }),
    db.meeting.findMany({ where: { month: { gte: from, lte: to } }, select: { departmentId: true, month: true } }),
    db.problem.findMany({
      where: { departmentId: { not: null }, reportedAt: { lt: end }, OR: [{ closedAt: null }, { closedAt: { gte: start } }] },
      select: { departmentId: true, status: true, deadline: true, reportedAt: true, closedAt: true, supervisingDepartmentId: true, gridId: true },
    }),
    db.problemReturn.findMany({ where: { createdAt: { gte: start, lt: end } }, select: { departmentId: true, status: true, createdAt: true, gridId: true } }),
  ])
  return { departments, holdings, inspections: inspections.map(inspectionFact), meetings, problems, returns }
}

/**
 * The ranking's input from the aggregates (services/aggregates.ts) instead of every problem and
 * inspection row: the held grid-months from `monthCoverage` (one per month of the range), the problem
 * figures from ProblemMonthTally and ProblemTally (overdue at now). A range that is over is judged at
 * its last moment, which the current tallies cannot tell: its overdue/coordination figures are counted
 * from the problem rows open at that instant. `departmentRanking` on this equals it on `loadRankingInput`.
 */
export async function loadRankingAggregates(db: Db, from: MonthKey, to: MonthKey, now: Date): Promise<RankingInput> {
  const start = monthRange(from).start
  const end = monthRange(to).end
  const t = end < now ? new Date(end.getTime() - 1) : now
  const months = monthsBetween(from, to).filter((m) => monthRange(m).start <= now)
  const [departments, meetings, returns, monthTallies, coverages, open] = await Promise.all([
    db.department.findMany({ select: { id: true, name: true }, orderBy: { id: 'asc' } }),
    db.meeting.findMany({ where: { month: { gte: from, lte: to } }, select: { departmentId: true, month: true } }),
    db.problemReturn.findMany({ where: { createdAt: { gte: start, lt: end } }, select: { departmentId: true, status: true, createdAt: true } }),
    db.problemMonthTally.findMany({ where: { month: { lte: to } } }),
    Promise.all(months.map((m) => monthCoverage(db, m, now))),
    t === now ? problemTallies(db, now) : null,
  ])
  const input = rankingInputFromAggregates(from, now, { departments, meetings, returns, monthTallies: monthTallies.filter((r) => r.month <= to), coverages: months.map((m, k) => [m, coverages[k]!] as const), open })
  if (!open) {
    // the range is over: the problems open at its last moment (still open, or closed since)
    const rows = await db.problem.findMany({
      where: { departmentId: { not: null }, reportedAt: { lte: t }, OR: [{ status: { in: [...OPEN_STATUSES] }, OR: [{ closedAt: null }, { closedAt: { gte: start } }] }, { status: { in: ['closed', 'voided'] }, closedAt: { gt: t } }] },
      select: { departmentId: true, status: true, deadline: true, reportedAt: true, closedAt: true, supervisingDepartmentId: true },
    })
    const figures = input.problemFigures as Map<number, ProblemFigures>
    const of = (d: number) => figures.get(d) ?? figures.set(d, { ...NO_PROBLEM_FIGURES }).get(d)!
    for (const [d, f] of problemFigures(rows, start, end, t)) {
      const g = of(d)
      g.overdue += f.overdue; g.coordOpen += f.coordOpen; g.coordOverdue += f.coordOverdue
    }
    for (const [d, f] of figures) if (Object.values(f).every((n) => n === 0)) figures.delete(d)
  }
  return input
}

/** The loaded aggregate rows `rankingInputFromAggregates` assembles (one month's coverage per month of the range, up to now). */
export interface RankingAggregateParts {
  departments: RankingInput['departments']
  meetings: RankingInput['meetings']
  returns: NonNullable<RankingInput['returns']>
  /** ProblemMonthTally rows of months up to the range's last */
  monthTallies: readonly { departmentId: number; supervisingDepartmentId: number; month: string; reported: number; ended: number; closed: number; closedOnTime: number }[]
  coverages: readonly (readonly [MonthKey, ReadonlyMap<number, GridCoverage>])[]
  /** ProblemTally with overdue at now; null when the range is over (the caller adds those figures) */
  open: readonly ProblemTallyRow[] | null
}

/** The ranking input from aggregate rows (shared by loadRankingAggregates and the city cache, services/cityFigures.ts). */
export function rankingInputFromAggregates(from: MonthKey, now: Date, parts: RankingAggregateParts): RankingInput {
  const { departments, meetings, returns, monthTallies, open } = parts
  const gridMonths: GridMonth[] = []
  for (const [month, coverage] of parts.coverages) {
    // legacyStatus per state, once per month (it computes the month's range: 20,000 grids made it the ranking's main cost)
    const legacy = new Map<GridMonth['state'], GridMonth['status']>()
    const statusOf = (s: GridMonth['state']) => legacy.get(s) ?? legacy.set(s, legacyStatus(s, month, now)).get(s)!
    for (const [gridId, c] of coverage) {
      if (!c.holder) continue
      gridMonths.push({ gridId, month, departmentId: c.holder.departmentId, state: c.inspectionStatus, status: statusOf(c.inspectionStatus), onSite: c.inspectionStatus === 'done' })
    }
  }
  const figures = new Map<number, ProblemFigures>()
  const of = (d: number) => figures.get(d) ?? figures.set(d, { ...NO_PROBLEM_FIGURES }).get(d)!
  for (const r of monthTallies) {
    const n = r.reported - (r.month < from ? r.ended : 0)
    of(r.departmentId).handled += n
    if (r.supervisingDepartmentId !== 0 && r.supervisingDepartmentId !== r.departmentId) of(r.supervisingDepartmentId).coordTotal += n
    if (r.month >= from) { of(r.departmentId).closed += r.closed; of(r.departmentId).closedOnTime += r.closedOnTime }
  }
  if (open) {
    for (const r of open) {
      if (r.departmentId !== 0) of(r.departmentId).overdue += r.overdue
      if (r.supervisingDepartmentId !== 0 && r.supervisingDepartmentId !== r.departmentId) {
        of(r.supervisingDepartmentId).coordOpen += r.open
        of(r.supervisingDepartmentId).coordOverdue += r.overdue
      }
    }
  }
  for (const [d, f] of figures) if (Object.values(f).every((n) => n === 0)) figures.delete(d)
  return { departments, holdings: [], inspections: [], meetings, problems: [], returns, gridMonths, problemFigures: figures }
}

export async function loadTheme(db: Db, month: MonthKey): Promise<MonthTheme> {
  const row = await db.monthlyTheme.findUnique({ where: { month } })
  return themeFor(month, row ? { title: row.title, checklist: parseChecklist(row.checklist) } : null)
}

/** Configures a month's theme and checklist, with its audit row, in one transaction. */
export async function setTheme(db: Db, actorId: number, input: { month: MonthKey; title: string; checklist: string[] }): Promise<MonthTheme> {
  const data = { title: input.title, checklist: JSON.stringify(input.checklist) }
  await db.$transaction(async (tx) => {
    const before = await tx.monthlyTheme.findUnique({ where: { month: input.month } })
    await tx.monthlyTheme.upsert({ where: { month: input.month }, create: { month: input.month, ...data }, update: data })
    await writeAudit(tx, { actorId, action: 'theme.set', entity: 'MonthlyTheme', entityId: input.month, before, after: { month: input.month, ...data } })
  })
  return loadTheme(db, input.month)
}
