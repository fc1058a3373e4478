/**
 * Loads the plain rows the ranking (server/domain/inspection/ranking.ts) works on, for a range of
 * months, in a fixed number of queries; and the month's theme (configured or default).
 */
import type { Db } from '../db/client.ts'
import type { RankingInput } from '../domain/inspection/ranking.ts'
import { parseChecklist, themeFor, type MonthTheme } from '../domain/inspection/themes.ts'
import { monthRange, type MonthKey } from '../domain/time.ts'
import { writeAudit } from './audit.ts'
import { INSPECTION_FACT_SELECT, inspectionFact } from './coverage.ts'

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
