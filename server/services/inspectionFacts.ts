/** The facts of an inspection row the grid-month rule judges (used by coverage, the ranking and the aggregates). */
import { judgedAt } from '../domain/inspection/capture.ts'
import type { GridMonthInspection } from '../domain/inspection/gridMonthStatus.ts'

/**
 * The columns of an inspection row the grid-month rule needs (select them with INSPECTION_FACT_SELECT
 * and map with `inspectionFact`). Until the schema has `recordedAt`, the server's `createdAt` is the
 * record's server time stamp; GPS accuracy and the 补录 approval are read when the row carries them.
 */
export const INSPECTION_FACT_SELECT = {
  id: true, gridId: true, departmentId: true, date: true, onSite: true, lng: true, lat: true, distanceOutside: true, createdAt: true,
  recordedAt: true, accuracyM: true, approvedAt: true, capturedAt: true,
} as const

/** An inspection row as selected by INSPECTION_FACT_SELECT. */
export interface InspectionFactRow {
  id: number; gridId: number; departmentId: number; date: Date; onSite: boolean | null
  lng: number | null; lat: number | null; distanceOutside: number | null; createdAt: Date
  recordedAt: Date; accuracyM: number | null; approvedAt: Date | null
  /** offline capture: the accepted corrected capture time (capture.ts); lateness is measured to it */
  capturedAt?: Date | null
}

/** The facts the grid-month rule judges, from an inspection row. */
export function inspectionFact<R extends InspectionFactRow>(r: R): GridMonthInspection & { gridId: number; onSite: boolean | null } {
  return {
    id: r.id, gridId: r.gridId, departmentId: r.departmentId, date: r.date, onSite: r.onSite, lng: r.lng, lat: r.lat,
    distanceOutsideM: r.distanceOutside, recordedAt: judgedAt(r),
    accuracyM: r.accuracyM, approvedAt: r.approvedAt,
  }
}
