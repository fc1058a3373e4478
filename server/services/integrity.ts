/**
 * stats.integrity: the facts behind the signs of gaming (server/domain/integrity/signals.ts), gathered
 * from the database for a range of months, and the pure rules applied to them. Leaders and admins only
 * (the permission matrix); nothing here is department-scoped because a department never calls it.
 */
import type { Db } from '../db/client.ts'
import { integritySignals, rangeOf, type IntegrityPhoto, type IntegrityProblem, type IntegrityReport } from '../domain/integrity/signals.ts'
import { badInput } from '../domain/errors.ts'
import type { MonthKey } from '../domain/time.ts'

/** The signals per department over the months from..to, with the record ids behind each. */
export async function integrityReport(db: Db, input: { from: MonthKey; to: MonthKey }): Promise<IntegrityReport> {
  let range: { start: Date; end: Date }
  try { range = rangeOf(input.from, input.to) } catch { throw badInput('起始月份不能晚于结束月份', 'BAD_RANGE') }
  const [departments, inspections, photoRows, problemRows, endEvents] = await Promise.all([
    db.department.findMany({ select: { id: true, name: true }, orderBy: { id: 'asc' } }),
    db.inspection.findMany({
      where: { date: { gte: range.start, lt: range.end } },
      select: { id: true, departmentId: true, gridId: true, date: true, recordedAt: true, lng: true, lat: true },
    }),
    // photos of records up to the end of the range: the range's own, and older ones a reused photo may come from
    db.photo.findMany({
      where: { OR: [{ inspection: { date: { lt: range.end } } }, { problem: { reportedAt: { lt: range.end } } }] },
      select: {
        id: true, dhash: true, takenAt: true, exifLng: true, exifLat: true,
        inspection: { select: { id: true, departmentId: true, date: true, lng: true, lat: true } },
        problem: { select: { id: true, departmentId: true, reportedAt: true, lng: true, lat: true } },
      },
    }),
    // problems alive in the range (reported before its end, not closed before its start), and every rebound
    db.problem.findMany({
      where: { OR: [
        { reportedAt: { lt: range.end }, OR: [{ closedAt: null }, { closedAt: { gte: range.start } }] },
        { reboundOfId: { not: null } },
      ] },
      select: { id: true, departmentId: true, status: true, reportedAt: true, closedAt: true, reboundOfId: true, mergedIntoId: true },
    }),
    db.problemEvent.findMany({ where: { action: { in: ['void', 'merge'] } }, select: { problemId: true, action: true, at: true } }),
  ])
  const voidedAt = new Map<number, Date>(), mergedAt = new Map<number, Date>()
  for (const e of endEvents) (e.action === 'merge' ? mergedAt : voidedAt).set(e.problemId, e.at)
  const problems: IntegrityProblem[] = problemRows.map((p) => ({
    id: p.id, departmentId: p.departmentId, status: p.status, reportedAt: p.reportedAt, closedAt: p.closedAt, reboundOfId: p.reboundOfId,
    mergedIntoId: p.mergedIntoId, mergedAt: mergedAt.get(p.id) ?? null,
    // a voided problem without its event (demo or legacy rows): voided when it was closed
    voidedAt: p.status === 'voided' && !mergedAt.has(p.id) ? (voidedAt.get(p.id) ?? p.closedAt ?? null) : null,
  }))
  const photos: IntegrityPhoto[] = []
  for (const ph of photoRows) {
    const evidence = { dHash: ph.dhash, exifTakenAt: ph.takenAt, exifLng: ph.exifLng, exifLat: ph.exifLat }
    if (ph.inspection) {
      const i = ph.inspection
      photos.push({ id: ph.id, departmentId: i.departmentId, record: { kind: 'inspection', id: i.id, date: i.date, lng: i.lng, lat: i.lat }, ...evidence })
    } else if (ph.problem) {
      const p = ph.problem
      // a problem without a responsible department: still a photo a reused one may match (department -1 is never reported)
      photos.push({ id: ph.id, departmentId: p.departmentId ?? -1, record: { kind: 'problem', id: p.id, date: p.reportedAt, lng: p.lng, lat: p.lat }, ...evidence })
    }
  }
  return integritySignals({ from: input.from, to: input.to, departments, inspections, photos, problems })
}

/** The report and a short description of every record it names (drill-down rows link to the problem or grid). */
export async function integrityWithRecords(db: Db, input: { from: MonthKey; to: MonthKey }) {
  const report = await integrityReport(db, input)
  const ids = { inspections: new Set<number>(), problems: new Set<number>(), photos: new Set<number>() }
  for (const d of report.departments) for (const s of Object.values(d.signals)) {
    s.records.inspections.forEach((i) => ids.inspections.add(i))
    s.records.problems.forEach((i) => ids.problems.add(i))
    s.records.photos.forEach((i) => ids.photos.add(i))
  }
  const [inspections, problems, photos] = await Promise.all([
    db.inspection.findMany({ where: { id: { in: [...ids.inspections] } }, select: { id: true, gridId: true, date: true, recordedAt: true, inspector: true, grid: { select: { name: true } } }, orderBy: { id: 'asc' } }),
    db.problem.findMany({ where: { id: { in: [...ids.problems] } }, select: { id: true, gridId: true, status: true, description: true, reportedAt: true, closedAt: true, reboundOfId: true, mergedIntoId: true, grid: { select: { name: true } } }, orderBy: { id: 'asc' } }),
    db.photo.findMany({ where: { id: { in: [...ids.photos] } }, select: { id: true, inspectionId: true, problemId: true }, orderBy: { id: 'asc' } }),
  ])
  return {
    ...report,
    records: {
      inspections: inspections.map((i) => ({ id: i.id, gridId: i.gridId, gridName: i.grid.name, date: i.date.toISOString(), recordedAt: i.recordedAt.toISOString(), inspector: i.inspector })),
      problems: problems.map((p) => ({ id: p.id, gridId: p.gridId, gridName: p.grid?.name ?? null, status: p.status, description: p.description, reportedAt: p.reportedAt.toISOString(), closedAt: p.closedAt?.toISOString() ?? null, reboundOfId: p.reboundOfId, mergedIntoId: p.mergedIntoId })),
      photos,
    },
  }
}
