/**
 * Boundary drafts against the database: resolve a draft over the grids in force, validate it,
 * preview its impact (points queried by the changed bbox only), save it as a BoundaryVersion in one
 * transaction, and read versions back (geometry of any grid at any version).
 */
import { neutraliseText } from '../domain/export/cells.ts'
import { bbox as turfBbox, pointOnFeature } from '@turf/turf'
import { geometryToWgs84, type CoordSystem } from '../domain/geometry/coordSystems.ts'
import type { Feature, FeatureCollection } from 'geojson'
import { type GridChange, type Holder, type Impact, type ImpactPoint } from '../domain/boundary/impact.ts'
import type { GridGeometry } from '../domain/boundary/topology.ts'
import { blockingIssues, RULES, type DraftGrid, type ValidationIssue } from '../domain/boundary/validation.ts'
import { GridIndex } from '../domain/geometry/gridIndex.ts'
import { geometryArea } from '../domain/geometry/validate.ts'
import { isOpen } from '../domain/problem/status.ts'
import { formatDate } from '../domain/time.ts'
import { childLevel, GRID_LEVELS, PARENT_LEVEL } from '../domain/grid/levels.ts'
import type { Db } from '../db/client.ts'
import { badInput, conflict, notFound } from '../domain/errors.ts'
import { writeAudit } from './audit.ts'
import type { CatalogGrid, GridCatalog, GridLevel } from './gridCatalog.ts'
import { failpoint } from './failpoints.ts'
import { geometryTooComplex, runHeavy } from './heavy.ts'
import type { ShapeWarning } from '../domain/boundary/shapeWarnings.ts'
import { PROBLEM_TALLY_SELECT, tallyProblemUpdate } from './aggregates.ts'
import type { TopoGridInput, TopologyReport } from '../domain/boundary/topologyBuild.ts'
export type { TopologyReport }

export interface DraftInputGrid {
  /** String(id) for an existing grid, "new:…" for a new one */
  key: string
  id: number | null
  code: string
  name: string
  level: GridLevel
  /** key of the parent street (String(id) or a new street's key), null for a street */
  parentKey: string | null
  geometry: GridGeometry
}
export interface DraftInput { grids: DraftInputGrid[]; retire: number[] }

export interface ResolvedDraft {
  /** grids the draft really changes or adds */
  changed: DraftGrid[]
  retire: CatalogGrid[]
  /** existing grids before the draft, by key */
  before: Map<string, CatalogGrid>
  /** numeric id per key (new grids: -1, -2, …) */
  numId: Map<string, number>
  context: DraftGrid[]
}

const toDraft = (g: CatalogGrid): DraftGrid => ({ key: String(g.id), id: g.id, code: g.code, name: g.name, level: g.level, parentKey: g.parentId === null ? null : String(g.parentId), geometry: g.geometry })

/** The draft over the grids in force: drops unchanged grids, checks references, gathers siblings. */
export function resolveDraft(catalog: GridCatalog, input: DraftInput): ResolvedDraft {
  const before = new Map<string, CatalogGrid>()
  const changed: DraftGrid[] = []
  const numId = new Map<string, number>()
  let next = -1
  const keys = new Set<string>()
  for (const g of input.grids) {
    if (keys.has(g.key)) throw badInput(`草稿中网格 ${g.key} 重复`, 'DRAFT_DUPLICATE_KEY')
    keys.add(g.key)
    if (g.id !== null) {
      const cur = catalog.get(g.id)
      if (!cur) throw notFound(`网格 ${g.id}`, 'GRID_NOT_FOUND')
      if (g.key !== String(g.id)) throw badInput('已有网格的 key 应为其 id', 'DRAFT_BAD_KEY')
      if (cur.level !== g.level) throw badInput(`${cur.name} 的层级不能改变`, 'DRAFT_LEVEL_CHANGED')
      before.set(g.key, cur)
      numId.set(g.key, cur.id)
      const same = JSON.stringify(cur.geometry) === JSON.stringify(g.geometry) && cur.name === g.name && cur.code === g.code
      if (same) continue
    } else {
      if (!g.key.startsWith('new:')) throw badInput('新网格的 key 应以 new: 开头', 'DRAFT_BAD_KEY')
      numId.set(g.key, next--)
    }
    changed.push({ key: g.key, id: g.id, code: g.code, name: g.name, level: g.level, parentKey: g.parentKey, geometry: g.geometry })
  }
  const retire = input.retire.map((id) => {
    const g = catalog.get(id)
    if (!g) throw notFound(`网格 ${id}`, 'GRID_NOT_FOUND')
    if (keys.has(String(id))) throw badInput(`${g.name} 不能既修改又撤销`, 'DRAFT_RETIRE_CHANGED')
    return g
  })
  for (const g of retire) numId.set(String(g.id), g.id)
  // context: siblings of changed grids, children of changed streets, parents of changed communities (after the draft)
  const retired = new Set(retire.map((g) => g.id))
  const changedByKey = new Map(changed.map((g) => [g.key, g]))
  const parents = new Set<string | null>()
  for (const g of [...changed, ...retire.map(toDraft)]) {
    parents.add(g.parentKey)
    if (childLevel(g.level)) parents.add(g.key)
  }
  const context = new Map<string, DraftGrid>()
  for (const g of catalog.list()) {
    if (retired.has(g.id)) continue
    const d = changedByKey.get(String(g.id)) ?? toDraft(g)
    if (parents.has(d.parentKey) || parents.has(d.key)) context.set(d.key, d)
  }
  for (const g of changed) context.set(g.key, g)
  return { changed, retire, before, numId, context: [...context.values()] }
}

/** The draft's rules (validateDraft), in the heavy-task pool: a boundary too complex to check in time is GEOMETRY_TOO_COMPLEX. */
export async function validateResolved(r: ResolvedDraft, minArea?: number): Promise<ValidationIssue[]> {
  const previousType = new Map([...r.before].map(([k, g]) => [k, g.geometry.type]))
  return runHeavy('validateDraft', [{ changed: r.changed, context: r.context, previousType }, { minArea }], geometryTooComplex)
}

/**
 * The live check of a draft: its rules (as `validateResolved`) and the shape warnings it introduces
 * (never blocking: spikes, acute angles, borders approaching themselves), in one heavy task.
 */
export async function checkResolved(r: ResolvedDraft, minArea?: number): Promise<{ issues: ValidationIssue[]; warnings: ShapeWarning[] }> {
  const previousType = new Map([...r.before].map(([k, g]) => [k, g.geometry.type]))
  const before = new Map([...r.before].map(([k, g]) => [k, g.geometry]))
  return runHeavy('validateDraftWithWarnings', [{ changed: r.changed, context: r.context, previousType }, { minArea }, before], geometryTooComplex)
}

async function holdersAt(db: Db, gridIds: number[], at: Date): Promise<Map<number, Holder | null>> {
  const rows = await db.gridHolder.findMany({
    where: { gridId: { in: gridIds }, validFrom: { lte: at }, OR: [{ validTo: null }, { validTo: { gt: at } }] },
    include: { department: { select: { name: true } } }, orderBy: { validFrom: 'asc' },
  })
  const m = new Map<number, Holder | null>(gridIds.map((id) => [id, null]))
  for (const h of rows) m.set(h.gridId, { departmentId: h.departmentId, departmentName: h.department.name })
  return m
}

export interface Preview { impact: Impact; issues: ValidationIssue[]; changedAreas: FeatureCollection; newIds: Record<string, number> }

/** Impact of a resolved draft: only points inside the changed bbox are read from the database. */
export async function previewResolved(db: Db, catalog: GridCatalog, r: ResolvedDraft, at: Date): Promise<Impact & { changedAreas: FeatureCollection }> {
  const changes: GridChange[] = [
    ...r.changed.map((g) => ({ id: r.numId.get(g.key)!, code: g.code, name: g.name, level: g.level, before: r.before.get(g.key)?.geometry ?? null, after: g.geometry })),
    ...r.retire.map((g) => ({ id: g.id, code: g.code, name: g.name, level: g.level, before: g.geometry, after: null })),
  ]
  // polygon clipping and point location are CPU work on request data: in the heavy-task pool
  const region = await runHeavy('changedRegion', [changes], geometryTooComplex)
  let points: ImpactPoint[] = []
  if (region.bbox) {
    const [x0, y0, x1, y1] = region.bbox
    const inBox = { lng: { gte: x0, lte: x1 }, lat: { gte: y0, lte: y1 } }
    const [problems, sites, inspections] = await Promise.all([
      db.problem.findMany({ where: { ...inBox, mergedIntoId: null }, select: { id: true, lng: true, lat: true, gridId: true, status: true, description: true } }),
      db.evaluationSite.findMany({ where: inBox, select: { id: true, lng: true, lat: true, gridId: true, name: true } }),
      db.inspection.findMany({ where: { lng: { gte: x0, lte: x1 }, lat: { gte: y0, lte: y1 } }, select: { id: true, lng: true, lat: true, gridId: true, date: true, inspector: true } }),
    ])
    points = [
      ...problems.map((p) => ({ kind: 'problem' as const, id: p.id, label: p.description.slice(0, 40), lng: p.lng, lat: p.lat, gridId: p.gridId, open: isOpen(p.status) })),
      ...sites.map((s) => ({ kind: 'site' as const, id: s.id, label: s.name, lng: s.lng, lat: s.lat, gridId: s.gridId })),
      ...inspections.map((i) => ({ kind: 'inspection' as const, id: i.id, label: `${formatDate(i.date)} ${i.inspector}`, lng: i.lng!, lat: i.lat!, gridId: i.gridId })),
    ]
  }
  const retired = new Set(r.retire.map((g) => g.id))
  const changedById = new Map(r.changed.map((g) => [r.numId.get(g.key)!, g]))
  const draftGrids = [
    ...catalog.list().filter((g) => !retired.has(g.id) && !changedById.has(g.id)).map((g) => ({ id: g.id, code: g.code, level: g.level, geometry: g.geometry })),
    ...[...changedById].map(([id, g]) => ({ id, code: g.code, level: g.level, geometry: g.geometry })),
  ]
  const gridInfo = new Map(catalog.list().map((g) => [g.id, { id: g.id, code: g.code, name: g.name, level: g.level }]))
  for (const [id, g] of changedById) gridInfo.set(id, { id, code: g.code, name: g.name, level: g.level })
  const involved = new Set<number>([...changes.map((c) => c.id), ...points.map((p) => p.gridId).filter((x): x is number => x !== null)])
  // only draft grids meeting the changed bbox take part in the impact (computeImpact filters the same way): only they cross the thread hop
  const near = region.bbox ? draftGrids.filter((g) => boxMeets(turfBbox(g.geometry), region.bbox!)) : []
  for (const g of near) involved.add(g.id)
  const holders = await holdersAt(db, [...involved].filter((id) => id > 0), at)
  const impact = await runHeavy('computeImpact', [{ region, draftGrids: near, points, holders, gridInfo, retiredIds: [...retired] }], geometryTooComplex)
  const changedAreas: FeatureCollection = {
    type: 'FeatureCollection',
    features: region.perGrid.flatMap((g) => [
      ...(g.gainedGeometry ? [{ type: 'Feature', properties: { gridId: g.id, name: g.name, kind: 'gained', area: g.gained }, geometry: g.gainedGeometry } as Feature] : []),
      ...(g.lostGeometry ? [{ type: 'Feature', properties: { gridId: g.id, name: g.name, kind: 'lost', area: g.lost }, geometry: g.lostGeometry } as Feature] : []),
    ]),
  }
  return { ...impact, changedAreas }
}

const boxMeets = (a: number[], b: number[]) => a[0]! <= b[2]! && b[0]! <= a[2]! && a[1]! <= b[3]! && b[1]! <= a[3]!

// ---- versions ----

export async function currentVersion(db: Pick<Db, 'boundaryVersion'>): Promise<number> {
  const v = await db.boundaryVersion.findFirst({ where: { number: { gte: 0 } }, orderBy: { number: 'desc' }, select: { number: true } }) // pending versions have negative numbers
  return v?.number ?? 0
}

export interface SaveOptions { baseVersion: number; effectiveFrom: Date; reason: string; accept: string[]; authorId: number; minArea?: number; restore?: number[]
  /** applying a scheduled version: its row becomes the new version (see applyDueVersions) */
  pendingId?: number }

function isUniqueViolation(e: unknown): boolean {
  const o = e as { code?: string; message?: string; cause?: unknown }
  return o?.code === 'P2002' || /Unique constraint|UNIQUE constraint|duplicate key/i.test(String(o?.message ?? '')) || (o?.cause !== undefined && o.cause !== e && isUniqueViolation(o.cause))
}

/** Save a draft as a new boundary version. Throws CONFLICT when the base version is not the latest. */
export async function saveDraft(db: Db, catalog: GridCatalog, input: DraftInput, opts: SaveOptions, now: Date) {
  const cur = await currentVersion(db)
  if (opts.pendingId === undefined && (await db.boundaryVersion.count({ where: { pendingKey: { not: null } } })) > 0) {
    throw conflict('有待生效的边界版本，请先等待其生效或取消后再保存', 'BOUNDARY_PENDING_EXISTS')
  }
  if (opts.baseVersion !== cur) throw conflict(`边界已被他人修改（当前版本 ${cur}，草稿基于版本 ${opts.baseVersion}），请重新载入后再编辑`, 'BOUNDARY_VERSION_CONFLICT')
  const r = resolveDraft(catalog, input)
  const restore = (opts.restore ?? [])
  if (r.changed.length === 0 && r.retire.length === 0 && restore.length === 0) throw badInput('草稿没有任何改动', 'DRAFT_EMPTY')
  const issues = await validateResolved(r, opts.minArea)
  const blocking = blockingIssues(issues, opts.accept)
  if (blocking.length) throw badInput(`草稿未通过校验：${blocking.slice(0, 3).map((i) => i.message).join('；')}`, 'BOUNDARY_INVALID', blocking.map(({ geometry: _g, ...i }) => i))
  const impact = await previewResolved(db, catalog, r, opts.effectiveFrom)
  const at = opts.effectiveFrom
  const number = cur + 1
  try {
    await db.$transaction(async (tx) => {
      let baseline = await tx.boundaryVersion.findUnique({ where: { number: 0 } })
      if (!baseline) baseline = await tx.boundaryVersion.create({ data: { number: 0, baseVersion: 0, effectiveFrom: new Date(0), reason: '初始边界', authorId: null } })
      const versionData = {
          number, baseVersion: opts.baseVersion, effectiveFrom: at, authorId: opts.authorId, reason: opts.reason,
          accepted: JSON.stringify(opts.accept),
          summary: JSON.stringify({ changed: r.changed.map((g) => g.key), retired: r.retire.map((g) => g.id), restored: restore, moved: impact.moved.length, changedArea: impact.changedArea }),
      }
      let version
      if (opts.pendingId !== undefined) {
        const n = await tx.boundaryVersion.updateMany({ where: { id: opts.pendingId, appliedAt: null, cancelledAt: null }, data: { ...versionData, pendingKey: null, appliedAt: now } })
        if (n.count === 0) throw conflict('待生效版本已被取消或已生效', 'BOUNDARY_PENDING_GONE')
        version = await tx.boundaryVersion.findUniqueOrThrow({ where: { id: opts.pendingId } })
      } else version = await tx.boundaryVersion.create({ data: versionData })
      const closeHistory = async (g: CatalogGrid) => {
        const open = await tx.gridGeometryHistory.findFirst({ where: { gridId: g.id, validTo: null }, orderBy: { validFrom: 'desc' } })
        if (open) await tx.gridGeometryHistory.update({ where: { id: open.id }, data: { validTo: at } })
        else await tx.gridGeometryHistory.create({ data: { gridId: g.id, versionId: baseline.id, geometry: JSON.stringify(g.geometry), validFrom: new Date(0), validTo: at } })
      }
      const created = new Map<string, number>()
      // coarser levels first (districts, streets, communities) so a new child can point at a new parent
      const ordered = [...r.changed].sort((a, b) => GRID_LEVELS.indexOf(a.level) - GRID_LEVELS.indexOf(b.level))
      for (const [step, g] of ordered.entries()) {
        if (step > 0) await failpoint('boundary.save', step, ordered.length) // crash tests: kill with a grid written
        const [minLng, minLat, maxLng, maxLat] = turfBbox(g.geometry)
        const shape = { geometry: JSON.stringify(g.geometry), minLng, minLat, maxLng, maxLat, area: geometryArea(g.geometry) }
        const prev = r.before.get(g.key)
        if (prev) {
          await closeHistory(prev)
          const n = await tx.grid.updateMany({ where: { id: prev.id, version: prev.version, retiredAt: null }, data: { ...shape, name: g.name, code: g.code, version: { increment: 1 } } })
          if (n.count === 0) throw conflict(`网格 ${prev.name} 已被他人修改，请重新载入`, 'BOUNDARY_VERSION_CONFLICT')
          await tx.gridGeometryHistory.create({ data: { gridId: prev.id, versionId: version.id, geometry: shape.geometry, validFrom: at } })
          await writeAudit(tx, { actorId: opts.authorId, action: 'grid.boundary', entity: 'Grid', entityId: prev.id, at: now, before: { version: prev.version, area: prev.area, bbox: prev.bbox, boundaryVersion: cur }, after: { version: prev.version + 1, area: shape.area, bbox: [minLng, minLat, maxLng, maxLat], boundaryVersion: number } })
        } else {
          const parentId = g.parentKey === null ? null : (created.get(g.parentKey) ?? Number(g.parentKey))
          const row = await tx.grid.create({ data: { ...shape, code: g.code, name: g.name, level: g.level, parentId: Number.isFinite(parentId) ? parentId : null } })
          created.set(g.key, row.id)
          await tx.gridGeometryHistory.create({ data: { gridId: row.id, versionId: version.id, geometry: shape.geometry, validFrom: at } })
          await writeAudit(tx, { actorId: opts.authorId, action: 'grid.create', entity: 'Grid', entityId: row.id, at: now, after: { code: g.code, name: g.name, area: shape.area, boundaryVersion: number } })
        }
      }
      for (const g of r.retire) {
        await closeHistory(g)
        const n = await tx.grid.updateMany({ where: { id: g.id, version: g.version, retiredAt: null }, data: { retiredAt: at, version: { increment: 1 } } })
        if (n.count === 0) throw conflict(`网格 ${g.name} 已被他人修改，请重新载入`, 'BOUNDARY_VERSION_CONFLICT')
        await tx.gridGeometryHistory.create({ data: { gridId: g.id, versionId: version.id, geometry: 'null', validFrom: at } })
        await writeAudit(tx, { actorId: opts.authorId, action: 'grid.retire', entity: 'Grid', entityId: g.id, at: now, before: { version: g.version, area: g.area }, after: { retiredAt: at.toISOString(), boundaryVersion: number } })
      }
      for (const id of restore) {
        const n = await tx.grid.updateMany({ where: { id, retiredAt: { not: null } }, data: { retiredAt: null, version: { increment: 1 } } })
        if (n.count === 0) throw conflict(`网格 ${id} 不是已撤销的网格`, 'BOUNDARY_VERSION_CONFLICT')
        const open = await tx.gridGeometryHistory.findFirst({ where: { gridId: id, validTo: null }, orderBy: { validFrom: 'desc' } })
        if (open) await tx.gridGeometryHistory.update({ where: { id: open.id }, data: { validTo: at } })
        await writeAudit(tx, { actorId: opts.authorId, action: 'grid.restore', entity: 'Grid', entityId: id, at: now, after: { boundaryVersion: number } })
      }
      // re-assign per the impact: sites always; problems open now or reported since the effective date
      const realId = (id: number | null) => (id === null ? null : id > 0 ? id : (created.get([...r.numId].find(([, v]) => v === id)![0]) ?? null))
      const movedProblems = impact.moved.filter((m) => m.kind === 'problem')
      const probRows = movedProblems.length ? await tx.problem.findMany({ where: { id: { in: movedProblems.map((m) => m.id) } }, select: { id: true, version: true, ...PROBLEM_TALLY_SELECT } }) : []
      const rowById = new Map(probRows.map((p) => [p.id, p]))
      for (const m of impact.moved) {
        const to = realId(m.to.gridId)
        if (m.kind === 'site') {
          await tx.evaluationSite.update({ where: { id: m.id }, data: { gridId: to } })
          await writeAudit(tx, { actorId: opts.authorId, action: 'site.regrid', entity: 'EvaluationSite', entityId: m.id, at: now, before: { gridId: m.from.gridId }, after: { gridId: to, boundaryVersion: number } })
        } else if (m.kind === 'problem') {
          const p = rowById.get(m.id)
          if (!p || !(isOpen(p.status) || p.reportedAt >= at)) continue
          await tx.problem.update({ where: { id: m.id }, data: { gridId: to, departmentId: m.to.departmentId, version: { increment: 1 } } })
          await tallyProblemUpdate(tx, m.id, p)
          await writeAudit(tx, { actorId: opts.authorId, action: 'problem.regrid', entity: 'Problem', entityId: m.id, at: now, before: { gridId: p.gridId, departmentId: p.departmentId }, after: { gridId: to, departmentId: m.to.departmentId, boundaryVersion: number } })
        }
      }
      await writeAudit(tx, { actorId: opts.authorId, action: 'boundary.save', entity: 'BoundaryVersion', entityId: version.id, at: now, after: { number, baseVersion: opts.baseVersion, effectiveFrom: at.toISOString(), reason: opts.reason, accepted: opts.accept } })
    })
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('边界已被他人同时保存，请重新载入后再编辑', 'BOUNDARY_VERSION_CONFLICT')
    throw e
  }
  await catalog.reload(db)
  return { number, moved: impact.moved.length, changed: r.changed.length, retired: r.retire.length, issues: issues.map(({ geometry: _g, ...i }) => i) }
}

// ---- scheduled versions ----

export interface ScheduleOptions { baseVersion: number; effectiveFrom: Date; reason: string; accept: string[]; authorId: number; minArea?: number }

/** A draft effective in the future: validated now, stored as a pending version, applied by applyDueVersions. */
export async function scheduleDraft(db: Db, catalog: GridCatalog, input: DraftInput, opts: ScheduleOptions, now: Date) {
  const cur = await currentVersion(db)
  if (opts.baseVersion !== cur) throw conflict(`边界已被他人修改（当前版本 ${cur}，草稿基于版本 ${opts.baseVersion}），请重新载入后再编辑`, 'BOUNDARY_VERSION_CONFLICT')
  const r = resolveDraft(catalog, input)
  if (r.changed.length === 0 && r.retire.length === 0) throw badInput('草稿没有任何改动', 'DRAFT_EMPTY')
  const issues = await validateResolved(r, opts.minArea)
  const blocking = blockingIssues(issues, opts.accept)
  if (blocking.length) throw badInput(`草稿未通过校验：${blocking.slice(0, 3).map((i) => i.message).join('；')}`, 'BOUNDARY_INVALID', blocking.map(({ geometry: _g, ...i }) => i))
  const impact = await previewResolved(db, catalog, r, opts.effectiveFrom)
  try {
    const row = await db.$transaction(async (tx) => {
      const low = await tx.boundaryVersion.findFirst({ orderBy: { number: 'asc' }, select: { number: true } })
      const row = await tx.boundaryVersion.create({
        data: {
          number: Math.min(low?.number ?? 0, 0) - 1, baseVersion: opts.baseVersion, effectiveFrom: opts.effectiveFrom, authorId: opts.authorId, reason: opts.reason,
          accepted: JSON.stringify(opts.accept), pendingKey: opts.baseVersion,
          pendingDraft: JSON.stringify({ draft: input, minArea: opts.minArea ?? null }),
          summary: JSON.stringify({ changed: r.changed.map((g) => g.key), retired: r.retire.map((g) => g.id), moved: impact.moved.length, changedArea: impact.changedArea }),
        },
      })
      await writeAudit(tx, { actorId: opts.authorId, action: 'boundary.schedule', entity: 'BoundaryVersion', entityId: row.id, at: now, after: { baseVersion: opts.baseVersion, effectiveFrom: opts.effectiveFrom.toISOString(), reason: opts.reason } })
      return row
    })
    return { id: row.id, pending: true as const, effectiveFrom: row.effectiveFrom.toISOString(), moved: impact.moved.length, changed: r.changed.length, retired: r.retire.length, issues: issues.map(({ geometry: _g, ...i }) => i) }
  } catch (e) {
    if (isUniqueViolation(e)) throw conflict('已有基于同一版本的待生效边界草稿，请先取消它', 'BOUNDARY_VERSION_CONFLICT')
    throw e
  }
}

/** Cancel a pending version (never applied afterwards). */
export async function cancelPending(db: Db, id: number, actorId: number | null, now: Date, reason = '已取消') {
  const n = await db.$transaction(async (tx) => {
    const n = await tx.boundaryVersion.updateMany({ where: { id, pendingKey: { not: null }, appliedAt: null, cancelledAt: null }, data: { pendingKey: null, cancelledAt: now, cancelReason: reason } })
    if (n.count) await writeAudit(tx, { actorId, action: 'boundary.cancel', entity: 'BoundaryVersion', entityId: id, at: now, after: { reason } })
    return n.count
  })
  if (n === 0) throw notFound('待生效的边界版本', 'BOUNDARY_PENDING_NOT_FOUND')
}

/**
 * Applies every pending version whose date has come, oldest first, through saveDraft (same path as an
 * immediate save). A draft that no longer validates is cancelled with the reason; a version applied or
 * cancelled concurrently (another server) is skipped. Returns the numbers applied.
 */
export async function applyDueVersions(db: Db, catalog: GridCatalog, now: Date): Promise<number[]> {
  const due = await db.boundaryVersion.findMany({ where: { pendingKey: { not: null }, appliedAt: null, cancelledAt: null, effectiveFrom: { lte: now } }, orderBy: { effectiveFrom: 'asc' } })
  const applied: number[] = []
  for (const v of due) {
    const { draft, minArea } = JSON.parse(v.pendingDraft ?? '{}') as { draft: DraftInput; minArea: number | null }
    await catalog.reloadIfChanged(db)
    try {
      const r = await saveDraft(db, catalog, draft, { baseVersion: v.baseVersion, effectiveFrom: v.effectiveFrom, reason: v.reason, accept: JSON.parse(v.accepted) as string[], authorId: v.authorId ?? 0, minArea: minArea ?? undefined, pendingId: v.id }, now)
      applied.push(r.number)
    } catch (e) {
      const still = await db.boundaryVersion.findUnique({ where: { id: v.id }, select: { appliedAt: true, cancelledAt: true } })
      if (!still || still.appliedAt || still.cancelledAt) continue
      const code = (e as { appCode?: string }).appCode
      if (!code) throw e // database trouble: retry on the next tick
      await cancelPending(db, v.id, null, now, `无法生效：${(e as Error).message}`).catch(() => {})
    }
  }
  return applied
}

// ---- point → grid at a date ----

interface DatedIndex { byId: Map<number, VersionGrid>; community: GridIndex; street: GridIndex }
const datedCache = new WeakMap<Db, Map<string, DatedIndex>>()

/** The grids in force at a past date, from GridGeometryHistory; cached per set of history rows (= per version). */
async function indexAt(db: Db, at: Date): Promise<DatedIndex> {
  const rows = await db.gridGeometryHistory.findMany({ where: { validFrom: { lte: at }, OR: [{ validTo: null }, { validTo: { gt: at } }] }, select: { id: true, gridId: true }, orderBy: { id: 'asc' } })
  const touched = await db.gridGeometryHistory.findMany({ select: { gridId: true }, distinct: ['gridId'] })
  const pick = new Map<number, number>()
  for (const r of rows) pick.set(r.gridId, r.id) // latest row wins
  const key = [...pick].map(([g, id]) => `${g}:${id}`).join(',') + `|${touched.length}`
  let cache = datedCache.get(db)
  if (!cache) datedCache.set(db, (cache = new Map()))
  const hit = cache.get(key)
  if (hit) return hit
  const [hist, grids] = await Promise.all([
    db.gridGeometryHistory.findMany({ where: { id: { in: [...pick.values()] } }, select: { gridId: true, geometry: true } }),
    db.grid.findMany({ orderBy: { code: 'asc' } }),
  ])
  const geomOf = new Map(hist.map((h) => [h.gridId, JSON.parse(h.geometry) as GridGeometry | null]))
  const changed = new Set(touched.map((t) => t.gridId))
  const list: VersionGrid[] = []
  for (const g of grids) {
    const geometry = changed.has(g.id) ? (geomOf.get(g.id) ?? null) : g.retiredAt ? null : (JSON.parse(g.geometry) as GridGeometry)
    if (geometry) list.push({ id: g.id, code: g.code, name: g.name, level: g.level as GridLevel, parentId: g.parentId, geometry })
  }
  const idx: DatedIndex = { byId: new Map(list.map((g) => [g.id, g])), community: GridIndex.build(list.filter((g) => g.level === 'community')), street: GridIndex.build(list.filter((g) => g.level === 'street')) }
  if (cache.size >= 16) cache.delete(cache.keys().next().value!)
  cache.set(key, idx)
  return idx
}

/** The community and street containing a point at a date (now or later: the grids in force, from the catalog). */
export async function locateAtDate(db: Db, catalog: GridCatalog, lng: number, lat: number, at: Date | null, now: Date) {
  if (!at || at.getTime() >= now.getTime()) return catalog.locate(lng, lat)
  const idx = await indexAt(db, at)
  const ref = (id: number | null | undefined) => { const g = id == null ? undefined : idx.byId.get(id); return g ? { id: g.id, code: g.code, name: g.name } : null }
  return { community: ref(idx.community.locate(lng, lat)), street: ref(idx.street.locate(lng, lat)) }
}

/**
 * Revert to an earlier version, saved as a new version (nothing is deleted): the geometries of every
 * grid touched since `version` go back to what they were then. Grids merged away since are brought
 * back first so the draft can address them; if saving fails they are retired again as they were.
 */
export async function revertToVersion(db: Db, catalog: GridCatalog, input: { version: number; baseVersion: number; reason?: string }, authorId: number, now: Date) {
  const cur = await currentVersion(db)
  if (input.version >= cur) throw badInput('只能回退到更早的版本', 'REVERT_NOT_EARLIER')
  const touched = await db.gridGeometryHistory.findMany({ where: { version: { number: { gt: input.version } } }, select: { gridId: true }, distinct: ['gridId'] })
  const ids = touched.map((t) => t.gridId)
  const target = await geometriesAt(db, input.version, ids)
  const rows = await db.grid.findMany({ where: { id: { in: ids } } })
  const d: DraftInput = { grids: [], retire: [] }
  const restore: { id: number; retiredAt: Date }[] = []
  for (const g of rows) {
    const geom = target.get(g.id) ?? null
    if (geom === null) { if (!g.retiredAt) d.retire.push(g.id); continue }
    if (g.retiredAt) restore.push({ id: g.id, retiredAt: g.retiredAt })
    d.grids.push({ key: String(g.id), id: g.id, code: g.code, name: g.name, level: g.level as GridLevel, parentKey: g.parentId === null ? null : String(g.parentId), geometry: geom })
  }
  if (restore.length) {
    await db.grid.updateMany({ where: { id: { in: restore.map((r) => r.id) } }, data: { retiredAt: null } })
    await catalog.reload(db)
  }
  try {
    return await saveDraft(db, catalog, d, {
      baseVersion: input.baseVersion, effectiveFrom: now, reason: input.reason?.trim() || `回退到版本 ${input.version}`,
      accept: ACCEPTABLE_RULES, authorId,
    }, now)
  } catch (e) {
    if (restore.length) {
      for (const r of restore) await db.grid.update({ where: { id: r.id }, data: { retiredAt: r.retiredAt } })
      await catalog.reload(db)
    }
    throw e
  }
}

/**
 * One grid's boundary in force at an instant (GridGeometryHistory), e.g. to judge an inspection's
 * presence on its date: the catalog's for now or later; a grid whose boundary never changed has its
 * current one; null when the grid did not exist (or was retired) then.
 */
export async function geometryOnDate(db: Db, catalog: GridCatalog, gridId: number, at: Date, now: Date): Promise<GridGeometry | null> {
  const current = catalog.get(gridId)?.geometry ?? null
  if (at.getTime() >= now.getTime()) return current
  const row = await db.gridGeometryHistory.findFirst({
    where: { gridId, validFrom: { lte: at }, OR: [{ validTo: null }, { validTo: { gt: at } }] }, orderBy: { id: 'desc' }, select: { geometry: true },
  })
  if (row) return JSON.parse(row.geometry) as GridGeometry | null
  const changed = await db.gridGeometryHistory.count({ where: { gridId } })
  return changed > 0 ? null : current
}

/** Geometry of every grid that ever changed, at version n (null = did not exist or retired). */
export async function geometriesAt(db: Db, n: number, gridIds?: number[]): Promise<Map<number, GridGeometry | null>> {
  const rows = await db.gridGeometryHistory.findMany({
    where: gridIds ? { gridId: { in: gridIds } } : {}, include: { version: { select: { number: true } } }, orderBy: { id: 'asc' },
  })
  const out = new Map<number, { num: number; geometry: GridGeometry | null } | null>()
  for (const row of rows) {
    const num = row.version.number
    if (!out.has(row.gridId)) out.set(row.gridId, null)
    if (num > n) continue
    const best = out.get(row.gridId)
    if (!best || num >= best.num) out.set(row.gridId, { num, geometry: JSON.parse(row.geometry) as GridGeometry | null })
  }
  return new Map([...out].map(([id, v]) => [id, v?.geometry ?? null]))
}

export interface VersionGrid { id: number; code: string; name: string; level: GridLevel; parentId: number | null; geometry: GridGeometry }

/** All grids in force at version n (grids never changed keep their current geometry). */
export async function gridsAtVersion(db: Db, n: number): Promise<VersionGrid[]> {
  const [rows, hist] = await Promise.all([db.grid.findMany({ orderBy: { code: 'asc' } }), geometriesAt(db, n)])
  const out: VersionGrid[] = []
  for (const r of rows) {
    const geometry = hist.has(r.id) ? hist.get(r.id)! : r.retiredAt ? null : (JSON.parse(r.geometry) as GridGeometry)
    if (geometry) out.push({ id: r.id, code: r.code, name: r.name, level: r.level as GridLevel, parentId: r.parentId, geometry })
  }
  return out
}

/** Point → grid assignment at version n (problems and sites), as CSV. */
export async function assignmentCsv(db: Db, n: number): Promise<string> {
  const grids = await gridsAtVersion(db, n)
  const byId = new Map(grids.map((g) => [g.id, g]))
  const idx = { community: GridIndex.build(grids.filter((g) => g.level === 'community')), street: GridIndex.build(grids.filter((g) => g.level === 'street')) }
  const [problems, sites] = await Promise.all([
    db.problem.findMany({ select: { id: true, lng: true, lat: true, gridId: true }, orderBy: { id: 'asc' } }),
    db.evaluationSite.findMany({ select: { id: true, lng: true, lat: true, gridId: true, name: true }, orderBy: { id: 'asc' } }),
  ])
  const lines = ['type,id,lng,lat,grid_code,grid_name,street_code,stored_grid_id']
  const esc = (raw: string) => { const s = neutraliseText(raw); return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s }
  for (const [type, list] of [['problem', problems], ['site', sites]] as const) {
    for (const p of list) {
      const c = idx.community.locate(p.lng, p.lat), s = idx.street.locate(p.lng, p.lat)
      const g = byId.get(c ?? s ?? -1)
      lines.push([type, p.id, p.lng, p.lat, esc(g?.code ?? ''), esc(g?.name ?? ''), s ? byId.get(s)!.code : '', p.gridId ?? ''].join(','))
    }
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n'
}

export function versionFeatureCollection(grids: VersionGrid[]): FeatureCollection {
  return { type: 'FeatureCollection', features: grids.map((g) => ({ type: 'Feature', id: g.id, properties: { id: g.id, code: g.code, name: g.name, level: g.level, parentId: g.parentId }, geometry: g.geometry })) }
}

// ---- import ----

export interface ImportOptions { level: GridLevel; nameField: string; codeField: string; coordSystem: CoordSystem }

/** Imported features → a draft: a code already in force replaces that grid's boundary, others are new grids. */
export function draftFromFeatures(catalog: GridCatalog, fc: FeatureCollection, opts: ImportOptions): { draft: DraftInput; fields: string[]; skipped: SkippedFeature[] } {
  const features = fc.features.map((f) => {
    const g = f.geometry
    const polygonal = g && (g.type === 'Polygon' || g.type === 'MultiPolygon')
    return { properties: (f.properties ?? {}) as Record<string, unknown>, geometry: polygonal ? geometryToWgs84(g, opts.coordSystem) : null }
  })
  const r = draftFromImported(catalog, features, { level: opts.level, fields: { name: opts.nameField, code: opts.codeField } })
  return { draft: r.draft, fields: r.fields, skipped: r.skipped }
}

/** The file fields that give each grid's name, code, level and parent code (level and parent optional). */
export interface FieldMapping { name: string; code: string; level?: string; parent?: string }

/**
 * The words a level field may hold, per level (values compared case-insensitively, trimmed). A new
 * level adds its line here and its option in the planner's import panel (BOUNDARY_IMPORT_LEVELS).
 */
export const LEVEL_WORDS: Partial<Record<GridLevel, RegExp>> = {
  district: /^(district|区县|区|县|县级市|旗)$/i,
  street: /^(street|街道|街道办事处|乡|镇|乡镇)$/i,
  community: /^(community|社区|村|居委会|村委会|社区居委会)$/i,
}

export type SkipCode = 'NOT_POLYGON' | 'MISSING_NAME' | 'BAD_CODE' | 'UNKNOWN_LEVEL' | 'UNKNOWN_PARENT' | 'DUPLICATE_CODE' | 'INVALID_GEOMETRY'
export interface SkippedFeature { index: number; name: string | null; code: SkipCode; reason: string }

const CODE_RE = /^\d{6,20}$/

/**
 * Features already in WGS84 → a draft, with every feature left out and why. The level is the
 * mapped field's (LEVEL_WORDS) or the chosen one; the parent is the grid (in force or in the same
 * file) with the mapped parent code, else — for a community — the street that contains it.
 */
export function draftFromImported(
  catalog: GridCatalog,
  features: readonly { properties: Record<string, unknown>; geometry: GridGeometry | null; otherType?: string }[],
  opts: { level: GridLevel; fields: FieldMapping },
): { draft: DraftInput; fields: string[]; skipped: SkippedFeature[] } {
  const fields = new Set<string>()
  const skipped: SkippedFeature[] = []
  const grids: DraftInputGrid[] = []
  const byCode = new Map(catalog.list().map((g) => [g.code, g]))
  const newByCode = new Map<string, DraftInputGrid>()
  const seen = new Set<string>()
  const val = (f: { properties: Record<string, unknown> }, k: string | undefined) => (k ? String(f.properties[k] ?? '').trim() : '')
  const parents: { grid: DraftInputGrid; parentCode: string; index: number }[] = []
  features.forEach((f, i) => {
    for (const k of Object.keys(f.properties)) fields.add(k)
    const name = val(f, opts.fields.name) || null
    const skip = (code: SkipCode, reason: string) => skipped.push({ index: i, name, code, reason })
    const geometry = f.geometry
    if (!geometry) return skip('NOT_POLYGON', `不是面要素（${f.otherType ?? '无几何'}）`)
    if (!name) return skip('MISSING_NAME', `名称字段“${opts.fields.name}”为空`)
    const code = val(f, opts.fields.code)
    if (!CODE_RE.test(code)) return skip('BAD_CODE', code ? `编码“${code.slice(0, 30)}”不是 6–20 位数字` : `编码字段“${opts.fields.code}”为空`)
    if (seen.has(code)) return skip('DUPLICATE_CODE', `编码 ${code} 在文件中重复`)
    let level = opts.level
    if (opts.fields.level) {
      const word = val(f, opts.fields.level)
      const found = (Object.entries(LEVEL_WORDS) as [GridLevel, RegExp][]).find(([lv, re]) => re.test(word) || word === lv)
      if (!found) return skip('UNKNOWN_LEVEL', `层级“${word.slice(0, 20)}”无法识别`)
      level = found[0]
    }
    seen.add(code)
    const existing = byCode.get(code)
    if (existing && existing.level === level) {
      grids.push({ key: String(existing.id), id: existing.id, code, name, level, parentKey: existing.parentId === null ? null : String(existing.parentId), geometry })
      return
    }
    const g: DraftInputGrid = { key: `new:${i}`, id: null, code, name, level, parentKey: null, geometry }
    const parentCode = val(f, opts.fields.parent)
    if (parentCode) parents.push({ grid: g, parentCode, index: i })
    else if (PARENT_LEVEL[level]) {
      // a new community goes into the street under its point; a new street into the district under its
      // point when it lies within that district's bbox (else none: a file of larger areas is not a district's streets)
      const parentLevel = PARENT_LEVEL[level]!
      const [x, y] = pointOnFeature(geometry).geometry.coordinates as [number, number]
      const parent = catalog.locateAt(parentLevel, x, y)
      const [a0, b0, a1, b1] = turfBbox(geometry)
      const within = parent && (parentLevel !== 'district' || (a0 >= parent.bbox[0] && b0 >= parent.bbox[1] && a1 <= parent.bbox[2] && b1 <= parent.bbox[3]))
      g.parentKey = parent && within ? String(parent.id) : null
    }
    newByCode.set(code, g)
    grids.push(g)
  })
  // parent codes: a grid of the same file first, then one in force
  const dropped = new Set<DraftInputGrid>()
  for (const p of parents) {
    const inFile = newByCode.get(p.parentCode)
    const inForce = byCode.get(p.parentCode)
    if (inFile && inFile !== p.grid) p.grid.parentKey = inFile.key
    else if (inForce) p.grid.parentKey = String(inForce.id)
    else { dropped.add(p.grid); skipped.push({ index: p.index, name: p.grid.name, code: 'UNKNOWN_PARENT', reason: `上级编码 ${p.parentCode.slice(0, 20)} 不存在` }) }
  }
  skipped.sort((a, b) => a.index - b.index)
  return { draft: { grids: grids.filter((g) => !dropped.has(g)), retire: [] }, fields: [...fields], skipped }
}

/**
 * The topology build of an imported draft (server/domain/boundary/topologyBuild.ts, in the heavy-task
 * pool): the imported grids are snapped to each other and to the grids in force around them (their
 * siblings near the import, their parents, every child of a parent or of an imported grid — grids in
 * force never move), overlaps within the tolerance are resolved, and what remains is reported. Grids
 * in `exclude` (invalid geometry) are left out of the build and returned unchanged.
 */
export async function buildImportTopology(catalog: GridCatalog, draft: DraftInput, skipped: SkippedFeature[], snapM?: number, exclude: ReadonlySet<string> = new Set()): Promise<{ draft: DraftInput; topology: TopologyReport }> {
  const grids = draft.grids.filter((g) => !exclude.has(g.key))
  const keys = new Set(grids.map((g) => g.key))
  const inputs: TopoGridInput[] = grids.map((g) => ({ key: g.key, code: g.code, name: g.name, level: g.level, parentKey: g.parentKey, geometry: g.geometry, imported: true }))
  if (grids.length) {
    const boxes = grids.map((g) => turfBbox(g.geometry))
    const margin = 0.001 // ≈ 100 m: neighbours just across a border
    const box = [Math.min(...boxes.map((b) => b[0]!)) - margin, Math.min(...boxes.map((b) => b[1]!)) - margin, Math.max(...boxes.map((b) => b[2]!)) + margin, Math.max(...boxes.map((b) => b[3]!)) + margin]
    const parents = new Set(grids.map((g) => g.parentKey).filter((k): k is string => k !== null))
    const siblingGroups = new Set(grids.map((g) => `${g.level}|${g.parentKey ?? ''}`))
    const inForce = catalog.list().filter((c) => !keys.has(String(c.id)))
    // parents of children in force that take part are needed too (a child's parent decides its gaps)
    for (const c of inForce) {
      const key = String(c.id), parentKey = c.parentId === null ? null : String(c.parentId)
      const isParent = parents.has(key)
      const isChildOfImported = parentKey !== null && keys.has(parentKey)
      const isSibling = siblingGroups.has(`${c.level}|${parentKey ?? ''}`) && (parentKey !== null || boxMeets(turfBbox(c.geometry), box))
      if (isParent || isChildOfImported || isSibling) inputs.push({ key, code: c.code, name: c.name, level: c.level, parentKey, geometry: c.geometry, imported: false })
    }
    // a parent's key must resolve among the inputs; a parent that is neither imported nor in force is dropped
    const present = new Set(inputs.map((g) => g.key))
    for (const g of inputs) if (g.parentKey !== null && !present.has(g.parentKey)) g.parentKey = null
  }
  const built = await runHeavy('topologyBuild', [inputs, skipped, { snapM }], geometryTooComplex)
  return {
    draft: { ...draft, grids: draft.grids.map((g) => (built.geometry[g.key] ? { ...g, geometry: built.geometry[g.key]! } : g)) },
    topology: built.report,
  }
}

export const ACCEPTABLE_RULES = Object.entries(RULES).filter(([, r]) => r.acceptable).map(([c]) => c)
