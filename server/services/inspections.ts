/**
 * Recording an on-site inspection (实地检查): the grid's holder on that date, the department's
 * right to record for it, presence (on site or how far outside), the row, its photos and the
 * audit row in one transaction.
 */
import type { Db } from '../db/client.ts'
import { AppError, badInput, forbidden, notFound } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { checkPresence } from '../domain/inspection/presence.ts'
import { monthOf } from '../domain/time.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { attachPhotos } from './photos.ts'
import { departmentScope } from './scope.ts'
import { replay, runIdempotent, type Tx } from './idempotency.ts'
import { createProblemTx } from './problems.ts'

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
  /** problems found on the spot, stored with the inspection in one transaction */
  problems?: SpotProblemInput[]
  /** client-generated UUID (one per form instance): a retried submit creates nothing twice */
  idempotencyKey?: string
}

/** A problem found during the inspection; its point defaults to the check-in point. */
export interface RecordedInspection {
  id: number; gridId: number; departmentId: number; date: string; month: string
  onSite: boolean | null; distanceOutside: number | null; photoIds: number[]; problemIds: number[]
}

export interface SpotProblemInput {
  categoryCode: string
  description: string
  urgent?: boolean
  lng?: number
  lat?: number
  photoIds?: number[]
}

/**
 * A department user records only for grids its department holds on that date. With a check-in
 * point, the server decides whether it was on site. Photos uploaded by the same user are attached.
 */
export async function recordInspection(db: Db, user: SessionUser, input: InspectionInput, now: Date, catalog: GridCatalog): Promise<RecordedInspection> {
  const { idempotencyKey, ...request } = input
  const idem = { key: idempotencyKey, userId: user.id, procedure: 'inspection.record', request }
  // a retry answers with the first result before any check (the date may have aged, the holder changed)
  if (idempotencyKey) {
    const prior = await replay<RecordedInspection>(db, { ...idem, key: idempotencyKey })
    if (prior) return prior
  }
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
  const spots = await checkSpotProblems(db, input, catalog)
  return runIdempotent(db, idem, async (tx): Promise<RecordedInspection> => {
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
    const problemIds = await createSpotProblems(tx, user, created.id, spots, now, catalog)
    return {
      id: created.id, gridId: created.gridId, departmentId: created.departmentId, date: created.date.toISOString(), month: created.month,
      onSite: created.onSite, distanceOutside: presence?.distanceOutside ?? null, photoIds: [...new Set(input.photoIds)], problemIds,
    }
  }, now)
}

type CheckedSpot = SpotProblemInput & { lng: number; lat: number; index: number }

/** A spot problem's refusal names the problem (1-based in the message, 0-based `index` in details). */
function spotError(index: number, cause: AppError | { appCode: string; message: string }) {
  return new AppError('BAD_INPUT', 'SPOT_PROBLEM_INVALID', `第 ${index + 1} 个现场问题：${cause.message}`, { index, n: index + 1, reason: cause.message, reasonCode: cause.appCode })
}

/**
 * Checks every spot problem before anything is written: a point (its own, else the check-in point),
 * inside a grid, a known category. The first failure refuses the whole inspection.
 */
async function checkSpotProblems(db: Db, input: InspectionInput, catalog: GridCatalog): Promise<CheckedSpot[]> {
  const list = input.problems ?? []
  if (list.length === 0) return []
  const codes = new Set((await db.problemCategory.findMany({ select: { code: true } })).map((c) => c.code))
  return list.map((p, index) => {
    const lng = p.lng ?? input.lng
    const lat = p.lat ?? input.lat
    if (lng === undefined || lat === undefined) throw spotError(index, { appCode: 'SPOT_PROBLEM_NO_POINT', message: '没有位置：请定位后再登记现场问题，或为该问题指定位置' })
    if (!codes.has(p.categoryCode)) throw spotError(index, { appCode: 'UNKNOWN_CATEGORY', message: `问题类别 ${p.categoryCode} 不存在` })
    if (!catalog.assign(lng, lat)) throw spotError(index, { appCode: 'OUTSIDE_GRIDS', message: '该位置不在任何网格内' })
    return { ...p, lng, lat, index }
  })
}

/** The spot problems, through the same path as problem.create (assignment, deadline, event, audit), with their photos. */
async function createSpotProblems(tx: Tx, user: SessionUser, inspectionId: number, spots: CheckedSpot[], now: Date, catalog: GridCatalog): Promise<number[]> {
  const ids: number[] = []
  for (const s of spots) {
    try {
      const p = await createProblemTx(tx, catalog, {
        lng: s.lng, lat: s.lat, categoryCode: s.categoryCode, description: s.description, priority: s.urgent ? 'urgent' : 'normal',
        source: 'inspection', inspectionId, reporter: { id: user.id, name: user.displayName },
      }, now)
      if (s.photoIds?.length) await attachPhotos(tx, s.photoIds, { problemId: p.id, stage: 'report' }, user)
      ids.push(p.id)
    } catch (e) {
      if (e instanceof AppError && e.kind !== 'UNAVAILABLE') throw spotError(s.index, e)
      throw e
    }
  }
  return ids
}
