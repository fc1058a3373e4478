/**
 * Recording an on-site inspection (实地检查): the grid's holder on that date, the department's
 * right to record for it, presence (on site or how far outside), the row, its photos and the
 * audit row in one transaction.
 */
import type { Db } from '../db/client.ts'
import { badInput, forbidden, notFound } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { checkPresence } from '../domain/inspection/presence.ts'
import { monthOf } from '../domain/time.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { attachPhotos } from './photos.ts'
import { departmentScope } from './scope.ts'

const presenceTolerance = () => Number(process.env.PRESENCE_TOLERANCE_M ?? 50)

export interface InspectionInput {
  gridId: number
  /** ISO date-time */
  date: string
  inspector?: string
  inspectors?: string[]
  findings: string
  checklist: { item: string; ok: boolean; note?: string }[]
  photoIds: number[]
  lng?: number
  lat?: number
}

/**
 * A department user records only for grids its department holds on that date. With a check-in
 * point, the server decides whether it was on site. Photos uploaded by the same user are attached.
 */
export async function recordInspection(db: Db, user: SessionUser, input: InspectionInput, now: Date, catalog: GridCatalog) {
  const grid = catalog.get(input.gridId)
  if (!grid) throw notFound('网格', 'GRID_NOT_FOUND')
  const date = new Date(input.date)
  if (date.getTime() > now.getTime() + 5 * 60_000) throw badInput('检查日期不能晚于现在', 'DATE_IN_FUTURE')
  const holder = holderOn(await db.gridHolder.findMany({ where: { gridId: grid.id } }), date)
  if (!holder) throw badInput(`${grid.name} 在该日期没有包抓部门`, 'GRID_UNHELD')
  if (!departmentScope(user).sees(holder.departmentId)) throw forbidden(`${grid.name} 不是本部门包抓的网格`, 'NOT_YOUR_GRID')
  const presence = input.lng !== undefined && input.lat !== undefined
    ? checkPresence(grid.geometry, input.lng, input.lat, presenceTolerance()) : null
  const inspector = [...new Set([...(input.inspector ? [input.inspector] : []), ...(input.inspectors ?? [])])].join('，').slice(0, 200)
  const row = await db.$transaction(async (tx) => {
    const created = await tx.inspection.create({
      data: {
        gridId: grid.id, departmentId: holder.departmentId, date, month: monthOf(date), inspector,
        findings: input.findings, checklist: JSON.stringify(input.checklist),
        lng: input.lng ?? null, lat: input.lat ?? null, onSite: presence?.onSite ?? null,
        distanceOutside: presence ? Math.round(presence.distanceOutside * 10) / 10 : null,
        createdById: user.id,
      },
    })
    await attachPhotos(tx, input.photoIds, { inspectionId: created.id }, user)
    await writeAudit(tx, { actorId: user.id, action: 'inspection.record', entity: 'Inspection', entityId: created.id, after: { ...created, photoIds: input.photoIds } })
    return created
  })
  return {
    id: row.id, gridId: row.gridId, departmentId: row.departmentId, date: row.date.toISOString(), month: row.month,
    onSite: row.onSite, distanceOutside: presence?.distanceOutside ?? null, photoIds: [...new Set(input.photoIds)],
  }
}
