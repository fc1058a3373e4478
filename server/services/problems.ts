/**
 * Problems with the database: the one assignment path (point → grid → holder, boundary and
 * rebound flags) used by problem.create, Open311 POST and the import; and workflow transitions
 * written together with their event and audit row in one transaction.
 */
import type { Db, Prisma } from '../db/client.ts'
import { forbidden, notFound } from '../domain/errors.ts'
import { OPEN_STATUSES, type ProblemStatus } from '../domain/problem/status.ts'
import type { Priority } from '../domain/problem/workflow.ts'
import type { SessionUser } from '../domain/user.ts'
import { holderOn } from '../domain/holder.ts'
import { boundaryCandidates, bboxAround, findRebound, NEARBY_DEFAULTS } from '../domain/problem/nearby.ts'
import { categoryLimit, problemDeadline } from '../domain/problem/workflow.ts'
import type { CategoryLimit } from '../domain/calendar/workingDays.ts'
import { badInput } from '../domain/errors.ts'
import { replay, runIdempotent } from './idempotency.ts'
import type { GridCatalog, GridLevel } from './gridCatalog.ts'
import { writeAudit } from './audit.ts'
import { attachPhotos } from './photos.ts'
import { departmentScope } from './scope.ts'
import { problemRouter } from './routing.ts'
import { PROBLEM_TALLY_SELECT, tallyProblem } from './aggregates.ts'

export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

const envNumber = (name: string, fallback: number, env: NodeJS.ProcessEnv): number => {
  const v = Number(env[name])
  return env[name] !== undefined && env[name] !== '' && Number.isFinite(v) && v >= 0 ? v : fallback
}

/** Distances and days for the flags; env overrides the defaults. */
export function problemConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    boundaryM: envNumber('PROBLEM_BOUNDARY_M', NEARBY_DEFAULTS.boundaryDistanceM, env),
    reboundM: envNumber('PROBLEM_REBOUND_M', NEARBY_DEFAULTS.reboundDistanceM, env),
    reboundDays: envNumber('PROBLEM_REBOUND_DAYS', NEARBY_DEFAULTS.reboundDays, env),
    duplicateM: envNumber('PROBLEM_DUPLICATE_M', NEARBY_DEFAULTS.duplicateDistanceM, env),
  }
}

export interface Assignment {
  gridId: number | null
  departmentId: number | null
  boundaryGridIds: number[]
}

/** The grid containing the point (community, else street), its holder at `at`, and the boundary candidates. */
export async function assignPoint(db: Db | Tx, catalog: GridCatalog, lng: number, lat: number, at: Date, holders?: Map<number, number | null>): Promise<Assignment> {
  const grid = catalog.assign(lng, lat)
  const level: GridLevel = grid?.level ?? 'community'
  const boundary = boundaryCandidates(lng, lat, grid?.id ?? null, catalog.list(level), { distanceM: problemConfig().boundaryM })
  let departmentId: number | null = null
  if (grid) {
    if (holders?.has(grid.id)) departmentId = holders.get(grid.id) ?? null
    else {
      departmentId = holderOn(await db.gridHolder.findMany({ where: { gridId: grid.id } }), at)?.departmentId ?? null
      holders?.set(grid.id, departmentId)
    }
  }
  return { gridId: grid?.id ?? null, departmentId, boundaryGridIds: boundary.map((b) => b.gridId) }
}

/** Recently closed problems around a point (for the rebound check). */
export async function recentlyClosedNear(db: Db | Tx, lng: number, lat: number, categoryCode: string | undefined, now: Date) {
  const cfg = problemConfig()
  const [x0, y0, x1, y1] = bboxAround(lng, lat, cfg.reboundM)
  return db.problem.findMany({
    where: {
      status: 'closed', categoryCode, closedAt: { gte: new Date(now.getTime() - cfg.reboundDays * 86_400_000), lte: now },
      lng: { gte: x0, lte: x1 }, lat: { gte: y0, lte: y1 },
    },
    select: { id: true, lng: true, lat: true, categoryCode: true, closedAt: true },
  })
}

export interface NewProblem {
  lng: number
  lat: number
  categoryCode: string
  description: string
  priority?: 'normal' | 'urgent'
  source?: 'manual' | 'inspection' | 'import' | 'evaluation' | 'open311'
  inspectionId?: number | null
  externalId?: string | null
  importBatchId?: number | null
  reporter: { id: number | null; name: string }
}

/** Creates a problem through the one assignment path, with its "report" event and audit row, inside `tx`. */
export async function createProblemTx(tx: Tx, catalog: GridCatalog, input: NewProblem, now: Date, opts: { holders?: Map<number, number | null>; limit?: CategoryLimit; workingDays?: number; router?: Awaited<ReturnType<typeof problemRouter>> } = {}) {
  // the category is checked even with a given limit (else an unknown code reached the insert as a foreign-key violation)
  const category = await tx.problemCategory.findUnique({ where: { code: input.categoryCode } })
  if (!category) throw badInput(`问题类别 ${input.categoryCode} 不存在`, 'UNKNOWN_CATEGORY')
  let limit = opts.limit ?? categoryLimit(category)
  // an explicit number of working days (e.g. 转为问题 from a mock evaluation) replaces the normal limit
  if (opts.workingDays !== undefined) limit = { ...limit, normal: { workingDays: opts.workingDays } }
  const a = await assignPoint(tx, catalog, input.lng, input.lat, now, opts.holders)
  // the responsibility matrix (docs/routing.md): the handling department; the holder supervises
  const routing = (opts.router ?? await problemRouter(tx, catalog))(input.categoryCode, a.gridId, a.departmentId, now)
  const cfg = problemConfig()
  const rebound = findRebound(input, await recentlyClosedNear(tx, input.lng, input.lat, input.categoryCode, now), { distanceM: cfg.reboundM, days: cfg.reboundDays, now })
  const priority = input.priority ?? 'normal'
  const notes = [
    a.gridId === null ? '不在任何网格内' : '',
    a.boundaryGridIds.length ? `边界问题：邻近网格 ${a.boundaryGridIds.join(', ')}` : '',
    rebound ? `反弹：与 #${rebound.id} 相距 ${Math.round(rebound.distanceM)} 米` : '',
  ].filter(Boolean).join('；')
  const p = await tx.problem.create({
    data: {
      lng: input.lng, lat: input.lat, gridId: a.gridId, departmentId: routing.departmentId, categoryCode: input.categoryCode,
      supervisingDepartmentId: routing.supervisingDepartmentId, routingRuleId: routing.ruleId,
      description: input.description, status: 'reported', priority, deadline: problemDeadline(now, limit, priority, catalog.holidays.calendar),
      reporterId: input.reporter.id, reporterName: input.reporter.name, source: input.source ?? 'manual',
      inspectionId: input.inspectionId ?? null, externalId: input.externalId ?? null, importBatchId: input.importBatchId ?? null,
      boundaryGridIds: a.boundaryGridIds.length ? JSON.stringify(a.boundaryGridIds) : null, reboundOfId: rebound?.id ?? null,
      reportedAt: now,
      events: { create: { action: 'report', fromStatus: null, toStatus: 'reported', actorId: input.reporter.id, note: notes, at: now } },
    },
    select: { id: true, boundaryGridIds: true, reboundOfId: true, ...PROBLEM_TALLY_SELECT },
  })
  await tallyProblem(tx, null, p)
  await writeAudit(tx, { actorId: input.reporter.id, action: 'problem.create', entity: 'Problem', entityId: p.id, after: { ...input, ...a, departmentId: routing.departmentId, supervisingDepartmentId: routing.supervisingDepartmentId, routingRuleId: routing.ruleId, reboundOfId: rebound?.id ?? null }, at: now })
  return p
}

export async function createProblem(db: Db, catalog: GridCatalog, input: NewProblem, now: Date) {
  return db.$transaction((tx) => createProblemTx(tx, catalog, input, now))
}


export interface ReportInput {
  lng: number
  lat: number
  categoryCode: string
  description: string
  inspectionId?: number
  priority?: Priority
  photoIds?: number[]
  /** client-generated UUID (an offline queue entry): a repeated submit answers with the first problem */
  idempotencyKey?: string
}

/**
 * problem.create: a signed-in user reports a problem at a point, optionally citing an inspection
 * (which must be one of the caller's department's, for department users) and attaching photos.
 * Returns the new problem's id.
 */
export async function reportProblem(deps: { db: Db; catalog: GridCatalog }, user: SessionUser, input: ReportInput, now: Date): Promise<number> {
  const { db } = deps
  const { idempotencyKey, ...request } = input
  const idem = { key: idempotencyKey, userId: user.id, procedure: 'problem.create', request }
  if (idempotencyKey) {
    const prior = await replay<{ id: number }>(db, { ...idem, key: idempotencyKey })
    if (prior) return prior.id
  }
  const category = await db.problemCategory.findUnique({ where: { code: input.categoryCode } })
  if (!category) throw badInput(`问题类别 ${input.categoryCode} 不存在`, 'UNKNOWN_CATEGORY')
  if (input.inspectionId !== undefined) {
    const inspection = await db.inspection.findUnique({ where: { id: input.inspectionId }, select: { departmentId: true } })
    if (!inspection) throw notFound('检查记录', 'INSPECTION_NOT_FOUND')
    if (!departmentScope(user).sees(inspection.departmentId)) throw forbidden('只能引用本部门的检查记录', 'INSPECTION_NOT_YOURS')
  }
  const created = await runIdempotent(db, idem, async (tx) => {
    const p = await createProblemTx(tx, deps.catalog, {
      lng: input.lng, lat: input.lat, categoryCode: category.code, description: input.description, priority: input.priority,
      source: input.inspectionId ? 'inspection' : 'manual', inspectionId: input.inspectionId ?? null,
      reporter: { id: user.id, name: user.displayName },
    }, now, { limit: categoryLimit(category) })
    if (input.photoIds?.length) await attachPhotos(tx, input.photoIds, { problemId: p.id, stage: 'report' }, user)
    return { id: p.id }
  }, now)
  return created.id
}

export interface ListFilters {
  gridId?: number; departmentId?: number; status?: ProblemStatus; categoryCode?: string
  open?: boolean; overdue?: boolean; boundary?: boolean; rebound?: boolean; from?: string; to?: string
}

/** The where-clause of a filtered problem list, scoped to the user's department for department users. */
export function listWhere(user: SessionUser, input: ListFilters, now: Date): Prisma.ProblemWhereInput {
  const departmentId = departmentScope(user).department(input.departmentId, '只能查看本部门的问题')
  const and: Prisma.ProblemWhereInput[] = []
  if (input.overdue) and.push({ status: { in: [...OPEN_STATUSES] }, deadline: { lt: now } })
  if (input.boundary) and.push({ boundaryGridIds: { not: null } })
  if (input.rebound) and.push({ reboundOfId: { not: null } })
  if (input.from || input.to) and.push({ reportedAt: { gte: input.from ? new Date(input.from) : undefined, lt: input.to ? new Date(input.to) : undefined } })
  return {
    gridId: input.gridId, departmentId, categoryCode: input.categoryCode,
    status: input.status ?? (input.open ? { in: [...OPEN_STATUSES] } : undefined),
    ...(and.length ? { AND: and } : {}),
  }
}
