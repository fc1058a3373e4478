/**
 * The coverage of a month (本月覆盖情况): for every grid, who holds it, whether its monthly
 * inspection happened, and its open and overdue problems. A fixed number of queries whatever
 * the number of grids (no N+1).
 */
import type { Db } from '../db/client.ts'
import { holderOn, type HolderContact, type HolderPeriod } from '../domain/holder.ts'
import { gridMonthStateFromCounts, gridMonthStatus, type GridMonthInspection, type GridMonthState, type InspectionCounts } from '../domain/inspection/gridMonthStatus.ts'
import { problemTallies } from './aggregates.ts'
import { INSPECTION_FACT_SELECT, inspectionFact } from './inspectionFacts.ts'
import { OPEN_STATUSES } from '../domain/problem/status.ts'
import { monthRange, type MonthKey } from '../domain/time.ts'

export interface HolderView extends HolderContact {
  departmentId: number
  validFrom: string
  validTo: string | null
}

export interface GridCoverage {
  holder: HolderView | null
  /** the grid-month's state (gridMonthStatus, the one definition) */
  inspectionStatus: GridMonthState
  openProblems: number
  overdueProblems: number
}

type HolderRow = Awaited<ReturnType<typeof loadHolders>>[number]

function loadHolders(db: Db, where: { gridId?: number | { in: number[] }; validFrom?: { lt: Date } }) {
  return db.gridHolder.findMany({ where, include: { department: { select: { name: true } } }, orderBy: { validFrom: 'asc' } })
}

export { INSPECTION_FACT_SELECT, inspectionFact, type InspectionFactRow } from './inspectionFacts.ts'

/** The fields of a holder period `holderView` reads (a GridHolder row with its department's name). */
export type HolderViewSource = Omit<HolderContact, 'departmentName'> & HolderPeriod & { department: { name: string } }

export function holderView(h: HolderViewSource): HolderView {
  return {
    departmentId: h.departmentId, departmentName: h.department.name, cadreName: h.cadreName, cadreTitle: h.cadreTitle,
    contactName: h.contactName, contactPhone: h.contactPhone, validFrom: h.validFrom.toISOString(), validTo: h.validTo?.toISOString() ?? null,
  }
}

/** The instant whose holder a month's view shows: now for the running month, else the month's last moment. */
export function referenceInstant(month: MonthKey, now: Date): Date {
  const { end } = monthRange(month)
  return now < end ? now : new Date(end.getTime() - 1)
}

/**
 * The month's coverage from the aggregates (services/aggregates.ts): open and overdue problems from
 * ProblemTally (+ the deadlines crossed since the overdue clock), the grid-month state from
 * InspectionTally where one department held the grid the whole month (`gridMonthStateFromCounts`), and
 * from the inspection rows (gridMonthStatus) for the few grids handed over during the month.
 * Equal to `monthCoverageFromRows` (the reference; tests/db/aggregates.test.ts compares them).
 */
export async function monthCoverage(db: Db, month: MonthKey, now: Date, gridIds?: number[]): Promise<Map<number, GridCoverage>> {
  const { start, end } = monthRange(month)
  const gridFilter = gridIds ? { gridId: { in: gridIds } } : {}
  const [holders, departments, tallies, problems] = await Promise.all([
    db.gridHolder.findMany({ where: { ...gridFilter, validFrom: { lt: end }, OR: [{ validTo: null }, { validTo: { gt: start } }] }, orderBy: { validFrom: 'asc' } }),
    db.department.findMany({ select: { id: true, name: true } }),
    db.inspectionTally.findMany({ where: { ...gridFilter, month, inspected: { gt: 0 } }, select: { gridId: true, departmentId: true, inspected: true, proven: true } }),
    problemTallies(db, now, gridIds),
  ])
  const deptName = new Map(departments.map((d) => [d.id, d.name]))
  const holdersByGrid = new Map<number, HolderRow[]>()
  for (const h of holders) {
    const row = { ...h, department: { name: deptName.get(h.departmentId) ?? '' } }
    const list = holdersByGrid.get(h.gridId)
    if (list) list.push(row); else holdersByGrid.set(h.gridId, [row])
  }
  const tallyByGrid = new Map<number, InspectionCounts[]>()
  for (const t of tallies) (tallyByGrid.get(t.gridId) ?? tallyByGrid.set(t.gridId, []).get(t.gridId)!).push(t)
  return coverageFromCounts(db, month, now, holdersByGrid, tallyByGrid, problems, holderView, gridIds)
}

/**
 * The grid-month figures from per-grid counts (one definition for monthCoverage and the cached city
 * figures of services/cityFigures.ts): each grid's state from its inspection tallies, or from its
 * inspection rows when it was handed over during the month; open and overdue problems summed per
 * grid (grid 0 = outside every grid, left out); the holder at the month's reference instant.
 */
export async function coverageFromCounts<H extends HolderPeriod>(
  db: Db, month: MonthKey, now: Date,
  holdersByGrid: ReadonlyMap<number, H[]>, tallyByGrid: ReadonlyMap<number, InspectionCounts[]>,
  problems: Iterable<{ gridId: number; open: number; overdue: number }>, view: (h: H) => HolderView, gridIds?: number[],
): Promise<Map<number, GridCoverage>> {
  const at = referenceInstant(month, now)
  const openBy = new Map<number, number>(), overdueBy = new Map<number, number>()
  for (const p of problems) {
    if (p.gridId === 0) continue
    openBy.set(p.gridId, (openBy.get(p.gridId) ?? 0) + p.open)
    overdueBy.set(p.gridId, (overdueBy.get(p.gridId) ?? 0) + p.overdue)
  }
  const ids = gridIds ?? [...new Set([...holdersByGrid.keys(), ...tallyByGrid.keys(), ...openBy.keys()])]
  const states = new Map<number, GridMonthState>()
  const handedOver: number[] = []
  for (const id of ids) {
    const s = gridMonthStateFromCounts(month, holdersByGrid.get(id) ?? [], tallyByGrid.get(id) ?? [], now)
    if (s === null) handedOver.push(id); else states.set(id, s)
  }
  if (handedOver.length > 0) {
    // grids handed over during the month (rare): judged from their inspection rows
    const rows = await db.inspection.findMany({ where: { gridId: { in: handedOver }, month }, select: INSPECTION_FACT_SELECT })
    const byGrid = new Map<number, GridMonthInspection[]>()
    for (const r of rows) (byGrid.get(r.gridId) ?? byGrid.set(r.gridId, []).get(r.gridId)!).push(inspectionFact(r))
    for (const id of handedOver) states.set(id, gridMonthStatus(month, holdersByGrid.get(id) ?? [], byGrid.get(id) ?? [], now).state)
  }
  const result = new Map<number, GridCoverage>()
  for (const id of ids) {
    const current = holderOn(holdersByGrid.get(id) ?? [], at)
    result.set(id, {
      holder: current ? view(current) : null,
      inspectionStatus: states.get(id)!,
      openProblems: openBy.get(id) ?? 0,
      overdueProblems: overdueBy.get(id) ?? 0,
    })
  }
  return result
}

/** The month's coverage recomputed from the rows (the definition the aggregates must reproduce). */
export async function monthCoverageFromRows(db: Db, month: MonthKey, now: Date, gridIds?: number[]): Promise<Map<number, GridCoverage>> {
  const { start, end } = monthRange(month)
  const at = referenceInstant(month, now)
  const gridFilter = gridIds ? { gridId: { in: gridIds } } : {}
  const [holders, inspections, open, overdue] = await Promise.all([
    loadHolders(db, { ...gridFilter, validFrom: { lt: end } }),
    db.inspection.findMany({ where: { ...gridFilter, month }, select: INSPECTION_FACT_SELECT }),
    db.problem.groupBy({ by: ['gridId'], where: { ...gridFilter, status: { in: [...OPEN_STATUSES] } }, _count: { _all: true } }),
    db.problem.groupBy({ by: ['gridId'], where: { ...gridFilter, status: { in: [...OPEN_STATUSES] }, deadline: { lt: now } }, _count: { _all: true } }),
  ])
  const byGrid = <T extends { gridId: number | null }>(rows: T[]) => {
    const m = new Map<number, T[]>()
    for (const r of rows) if (r.gridId !== null) (m.get(r.gridId) ?? m.set(r.gridId, []).get(r.gridId)!).push(r)
    return m
  }
  const holdersByGrid = byGrid(holders.filter((h) => h.validTo === null || h.validTo > start))
  const inspectionsByGrid = byGrid(inspections.map(inspectionFact))
  const openBy = new Map(open.map((r) => [r.gridId, r._count._all]))
  const overdueBy = new Map(overdue.map((r) => [r.gridId, r._count._all]))
  const ids = gridIds ?? [...new Set([...holdersByGrid.keys(), ...inspectionsByGrid.keys(), ...openBy.keys()].filter((k): k is number => k !== null))]
  const result = new Map<number, GridCoverage>()
  for (const id of ids) {
    const periods = holdersByGrid.get(id) ?? []
    const current = holderOn(periods, at)
    result.set(id, {
      holder: current ? holderView(current) : null,
      inspectionStatus: gridMonthStatus(month, periods, inspectionsByGrid.get(id) ?? [], now).state,
      openProblems: openBy.get(id) ?? 0,
      overdueProblems: overdueBy.get(id) ?? 0,
    })
  }
  return result
}

export const EMPTY_COVERAGE = (month: MonthKey, now: Date): GridCoverage => ({
  holder: null, inspectionStatus: gridMonthStatus(month, [], [], now).state, openProblems: 0, overdueProblems: 0,
})

export { loadHolders }
