/**
 * The responsibility matrix with the database (docs/routing.md): loading rules, routing a new problem
 * (handling department by the matrix, supervising department = the grid holder), editing rules with
 * audit and version checks, the matrix page (cells, gaps, overlaps) and the 属地 certificate
 * (grid.explain). The matching itself is the pure server/domain/routing/matrix.ts.
 */
import { pointToPolygonDistance, point } from '@turf/turf'
import type { Db } from '../db/client.ts'
import { AppError, badInput, conflict, forbidden, notFound } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { boundaryCandidates } from '../domain/problem/nearby.ts'
import {
  AREA_KINDS, describeRule, findGaps, findOverlaps, matrixCells, route, type AreaKind, type MatrixRule, type Place, type Routing,
} from '../domain/routing/matrix.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import { geometryOnDate, locateAtDate } from './boundary.ts'
import type { GridCatalog } from './gridCatalog.ts'

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]
type Reader = Db | Tx

/** How many returns of a category at a grid make it a matrix gap (RETURN_GAP_THRESHOLD, default 2). */
export function returnGapThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.RETURN_GAP_THRESHOLD)
  return env.RETURN_GAP_THRESHOLD && Number.isInteger(v) && v >= 1 ? v : 2
}

export interface RuleRow {
  id: number; categoryCode: string | null; categoryGroup: string | null; areaKind: string; areaIds: string
  departmentId: number; validFrom: Date; validTo: Date | null; note: string; version: number; fromReturnId: number | null
  createdAt: Date; updatedAt: Date
}

const parseIds = (s: string): number[] => {
  try { const v = JSON.parse(s) as unknown; return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [] } catch { return [] }
}

export function toMatrixRule(r: RuleRow): MatrixRule {
  return {
    id: r.id, categoryCode: r.categoryCode, categoryGroup: r.categoryGroup,
    area: { kind: (AREA_KINDS as readonly string[]).includes(r.areaKind) ? (r.areaKind as AreaKind) : 'grids', ids: parseIds(r.areaIds) },
    departmentId: r.departmentId, validFrom: r.validFrom, validTo: r.validTo,
  }
}

export async function loadRules(db: Reader): Promise<MatrixRule[]> {
  return (await db.responsibilityRule.findMany({ orderBy: { id: 'asc' } })).map(toMatrixRule)
}

/** Where a grid lies: itself, its street (a street grid is its own street) and its district (a district grid is its own). */
export function placeOf(catalog: GridCatalog, gridId: number | null): Place {
  if (gridId === null) return { gridId: null, streetId: null, districtId: null }
  const g = catalog.get(gridId)
  const streetId = !g || g.level === 'district' ? null : g.level === 'street' ? g.id : g.parentId
  const street = streetId === null ? undefined : catalog.get(streetId)
  const districtId = g?.level === 'district' ? g.id : street?.parentId != null && catalog.get(street.parentId)?.level === 'district' ? street.parentId : null
  return { gridId, streetId, districtId }
}

/** A router for many problems at once (import): the rules and categories loaded once. */
export async function problemRouter(db: Reader, catalog: GridCatalog) {
  const [rules, cats] = await Promise.all([loadRules(db), db.problemCategory.findMany({ select: { code: true, group: true } })])
  const groupOf = new Map(cats.map((c) => [c.code, c.group]))
  return (categoryCode: string, gridId: number | null, holderDepartmentId: number | null, at: Date): Routing =>
    route(rules, { categoryCode, categoryGroup: groupOf.get(categoryCode) ?? '', place: placeOf(catalog, gridId), holderDepartmentId, at })
}

// ---- names, for rules in words ----

export interface Names {
  category: (code: string) => string
  area: (kind: AreaKind, ids: readonly number[]) => string
  departmentName: (id: number | null) => string
}

export async function loadNames(db: Reader, catalog: GridCatalog): Promise<Names> {
  const [cats, depts] = await Promise.all([
    db.problemCategory.findMany({ select: { code: true, name: true } }),
    db.department.findMany({ select: { id: true, name: true } }),
  ])
  const catName = new Map(cats.map((c) => [c.code, c.name]))
  const deptName = new Map(depts.map((d) => [d.id, d.name]))
  const gridName = (id: number) => catalog.get(id)?.name ?? `#${id}`
  return {
    category: (code) => catName.get(code) ?? code,
    area: (kind, ids) => kind === 'city' ? '全市' : kind === 'district' ? ids.map(gridName).join('、') : kind === 'street' ? ids.map(gridName).join('、') : `网格 ${ids.map(gridName).join('、')}`,
    departmentName: (id) => (id === null ? '（无）' : (deptName.get(id) ?? `#${id}`)),
  }
}

export function ruleWords(rule: MatrixRule, names: Names): string {
  return describeRule(rule, { category: names.category, area: names.area, department: names.departmentName(rule.departmentId) })
}

export function ruleView(r: RuleRow, names: Names) {
  const m = toMatrixRule(r)
  return {
    id: r.id, categoryCode: r.categoryCode, categoryGroup: r.categoryGroup, areaKind: m.area.kind, areaIds: [...m.area.ids],
    areaName: names.area(m.area.kind, m.area.ids), departmentId: r.departmentId, departmentName: names.departmentName(r.departmentId),
    validFrom: r.validFrom.toISOString(), validTo: r.validTo?.toISOString() ?? null, note: r.note, version: r.version,
    fromReturnId: r.fromReturnId, words: ruleWords(m, names), updatedAt: r.updatedAt.toISOString(),
  }
}

// ---- editing ----

export interface RuleInput {
  categoryCode?: string | null
  categoryGroup?: string | null
  areaKind: AreaKind
  areaIds: number[]
  departmentId: number
  validFrom: string
  validTo?: string | null
  note?: string
}

const canEdit = (user: SessionUser) => user.role === 'admin' || user.role === 'leader'

/** Checks a rule's fields against the categories, departments and grids; the row's data. */
async function ruleData(db: Reader, catalog: GridCatalog, input: RuleInput) {
  const code = input.categoryCode || null, group = input.categoryGroup || null
  if ((code === null) === (group === null)) throw badInput('规则须指定一个问题类别或一个类别组（二选一）', 'RULE_CATEGORY')
  if (code !== null && !(await db.problemCategory.findUnique({ where: { code } }))) throw badInput(`问题类别 ${code} 不存在`, 'UNKNOWN_CATEGORY')
  if (group !== null && !(await db.problemCategory.findFirst({ where: { group } }))) throw badInput(`类别组「${group}」不存在`, 'RULE_CATEGORY')
  if (!(await db.department.findUnique({ where: { id: input.departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
  const ids = [...new Set(input.areaIds)].sort((a, b) => a - b)
  if (input.areaKind === 'city' && ids.length) throw badInput('全市规则不需要指定区域', 'RULE_AREA')
  if (input.areaKind === 'district') {
    if (ids.length === 0) throw badInput('区县规则须至少指定一个区县', 'RULE_AREA')
    if (ids.some((id) => catalog.get(id)?.level !== 'district')) throw badInput('指定的区域不是现行的区县网格', 'RULE_AREA')
  }
  if (input.areaKind === 'street') {
    if (ids.length !== 1) throw badInput('街道规则须指定一个街道', 'RULE_AREA')
    if (catalog.get(ids[0]!)?.level !== 'street') throw badInput('指定的区域不是现行的街道网格', 'RULE_AREA')
  }
  if (input.areaKind === 'grids') {
    if (ids.length === 0) throw badInput('网格规则须至少指定一个网格', 'RULE_AREA')
    const missing = ids.filter((id) => !catalog.get(id))
    if (missing.length) throw badInput(`网格 ${missing.join(', ')} 不存在或已撤销`, 'RULE_AREA')
  }
  const validFrom = new Date(input.validFrom)
  const validTo = input.validTo ? new Date(input.validTo) : null
  if (validTo && validTo.getTime() <= validFrom.getTime()) throw badInput('失效日期必须晚于生效日期', 'RULE_DATES')
  return { categoryCode: code, categoryGroup: group, areaKind: input.areaKind, areaIds: JSON.stringify(ids), departmentId: input.departmentId, validFrom, validTo, note: (input.note ?? '').trim() }
}

/** Adds a rule (leadership/admin), audited. */
export async function createRule(db: Db, catalog: GridCatalog, user: SessionUser, input: RuleInput, now: Date, extra: { fromReturnId?: number; tx?: Tx } = {}) {
  if (!canEdit(user)) throw forbidden('只有文明办领导或管理员可以修改责任矩阵', 'ROLE_FORBIDDEN')
  const write = async (tx: Tx) => {
    const data = await ruleData(tx, catalog, input)
    const row = await tx.responsibilityRule.create({ data: { ...data, fromReturnId: extra.fromReturnId ?? null, createdById: user.id, createdAt: now } })
    await writeAudit(tx, { actorId: user.id, action: 'routing.createRule', entity: 'ResponsibilityRule', entityId: row.id, after: row, at: now })
    return row
  }
  return extra.tx ? write(extra.tx) : db.$transaction(write)
}

/** Changes a rule; a stale version is CONFLICT VERSION_CONFLICT. Audited with before and after. */
export async function updateRule(db: Db, catalog: GridCatalog, user: SessionUser, input: RuleInput & { id: number; version: number }, now: Date) {
  if (!canEdit(user)) throw forbidden('只有文明办领导或管理员可以修改责任矩阵', 'ROLE_FORBIDDEN')
  return db.$transaction(async (tx) => {
    const before = await tx.responsibilityRule.findUnique({ where: { id: input.id } })
    if (!before) throw notFound('责任规则', 'RULE_NOT_FOUND')
    const data = await ruleData(tx, catalog, input)
    const r = await tx.responsibilityRule.updateMany({ where: { id: input.id, version: input.version }, data: { ...data, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('责任规则已被他人修改，请刷新后重试')
    const after = await tx.responsibilityRule.findUniqueOrThrow({ where: { id: input.id } })
    await writeAudit(tx, { actorId: user.id, action: 'routing.updateRule', entity: 'ResponsibilityRule', entityId: input.id, before, after, at: now })
    return after
  })
}

/** Ends a rule now (history is kept: validTo = now); stale version CONFLICT. */
export async function endRule(db: Db, user: SessionUser, input: { id: number; version: number }, now: Date) {
  if (!canEdit(user)) throw forbidden('只有文明办领导或管理员可以修改责任矩阵', 'ROLE_FORBIDDEN')
  return db.$transaction(async (tx) => {
    const before = await tx.responsibilityRule.findUnique({ where: { id: input.id } })
    if (!before) throw notFound('责任规则', 'RULE_NOT_FOUND')
    if (before.validTo && before.validTo <= now) throw new AppError('CONFLICT', 'RULE_ENDED', '该规则已失效')
    const validTo = before.validFrom > now ? before.validFrom : now
    const r = await tx.responsibilityRule.updateMany({ where: { id: input.id, version: input.version }, data: { validTo, version: { increment: 1 } } })
    if (r.count === 0) throw conflict('责任规则已被他人修改，请刷新后重试')
    const after = await tx.responsibilityRule.findUniqueOrThrow({ where: { id: input.id } })
    await writeAudit(tx, { actorId: user.id, action: 'routing.endRule', entity: 'ResponsibilityRule', entityId: input.id, before, after, at: now })
    return after
  })
}

// ---- the matrix page ----

/** Holders of every grid at `at`. */
async function holdersAt(db: Reader, at: Date): Promise<Map<number, number>> {
  const rows = await db.gridHolder.findMany({ where: { validFrom: { lte: at }, OR: [{ validTo: null }, { validTo: { gt: at } }] }, select: { gridId: true, departmentId: true, validFrom: true, validTo: true } })
  const byGrid = new Map<number, typeof rows>()
  for (const r of rows) byGrid.set(r.gridId, [...(byGrid.get(r.gridId) ?? []), r])
  const out = new Map<number, number>()
  for (const [gid, periods] of byGrid) { const h = holderOn(periods, at); if (h) out.set(gid, h.departmentId) }
  return out
}

/** Categories × (city, streets): the department in each cell; the rules; gaps and overlaps with their grids. */
export async function matrixView(db: Db, catalog: GridCatalog, at: Date) {
  const [rows, cats, names, holders, returns] = await Promise.all([
    db.responsibilityRule.findMany({ orderBy: { id: 'asc' } }),
    db.problemCategory.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true, group: true } }),
    loadNames(db, catalog),
    holdersAt(db, at),
    db.problemReturn.findMany({ select: { categoryCode: true, gridId: true } }),
  ])
  const rules = rows.map(toMatrixRule)
  const streets = catalog.list('street').map((s) => ({ id: s.id, name: s.name, code: s.code, districtId: placeOf(catalog, s.id).districtId, gridIds: catalog.list('community').filter((g) => g.parentId === s.id).map((g) => g.id) }))
  const cells = matrixCells(cats, streets, rules, at)
  // the finest grids: communities, and streets without communities
  const finest = [...catalog.list('community'), ...catalog.list('street').filter((s) => !streets.find((x) => x.id === s.id)?.gridIds.length)]
  const gaps = findGaps(cats, finest.map((g) => ({ id: g.id, ...placeOf(catalog, g.id), holderDepartmentId: holders.get(g.id) ?? null })), rules, at, returns, returnGapThreshold())
  const overlaps = findOverlaps(rules.filter((r) => r.validTo === null || r.validTo > at))
  const ruleById = new Map(rows.map((r) => [r.id, r]))
  const overlapGrids = (o: (typeof overlaps)[number]) => o.areaKind === 'city' ? [] : o.areaKind === 'district' ? o.areaIds.flatMap((d) => [d, ...streets.filter((s) => s.districtId === d).flatMap((s) => [s.id, ...s.gridIds])]) : o.areaKind === 'street' ? o.areaIds.flatMap((s) => [s, ...(streets.find((x) => x.id === s)?.gridIds ?? [])]) : o.areaIds
  return {
    at: at.toISOString(),
    categories: cats,
    groups: [...new Set(cats.map((c) => c.group))],
    /** the districts in force: the choices of a district rule */
    districts: catalog.list('district').map((d) => ({ id: d.id, name: d.name, code: d.code })),
    columns: [{ id: null as number | null, name: '全市', code: '' }, ...streets.map((s) => ({ id: s.id as number | null, name: s.name, code: s.code }))],
    cells: Object.fromEntries(Object.entries(cells).map(([code, cs]) => [code, cs.map((c) => ({ ...c, departmentName: c.departmentId === null ? null : names.departmentName(c.departmentId) }))])),
    rules: rows.map((r) => ({ ...ruleView(r, names), inForce: toMatrixRule(r).validFrom <= at && (r.validTo === null || r.validTo > at) })),
    gaps: gaps.map((g) => ({ ...g, categoryName: names.category(g.categoryCode), gridName: catalog.get(g.gridId)?.name ?? `#${g.gridId}`, gridCode: catalog.get(g.gridId)?.code ?? '' })),
    overlaps: overlaps.map((o) => ({
      ...o, from: o.from.toISOString(), to: o.to?.toISOString() ?? null, gridIds: overlapGrids(o),
      departments: o.ruleIds.map((id) => names.departmentName(ruleById.get(id)?.departmentId ?? null)),
    })),
  }
}

// ---- the 属地 certificate ----

/** The boundary version in force at `at`: the last applied version effective by then (null: the initial boundaries). */
async function boundaryVersionAt(db: Db, at: Date) {
  return db.boundaryVersion.findFirst({
    where: { effectiveFrom: { lte: at }, number: { gt: 0 }, cancelledAt: null, pendingKey: null },
    orderBy: [{ effectiveFrom: 'desc' }, { number: 'desc' }], select: { number: true, effectiveFrom: true, reason: true },
  })
}

/**
 * grid.explain: for a point and an instant, the grid, its holder (the supervising department), the
 * boundary version in force, the distance to the grid's nearest edge, other grids within
 * PROBLEM_BOUNDARY_M, and the handling department of every category group there.
 */
export async function explainPoint(db: Db, catalog: GridCatalog, lng: number, lat: number, at: Date, now: Date, cfg: { boundaryM: number }) {
  const located = await locateAtDate(db, catalog, lng, lat, at, now)
  const grid = located.community ?? located.street
  const [version, names, holderRows, rules, cats] = await Promise.all([
    boundaryVersionAt(db, at), loadNames(db, catalog),
    grid ? db.gridHolder.findMany({ where: { gridId: grid.id } }) : Promise.resolve([]),
    loadRules(db), db.problemCategory.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true, group: true } }),
  ])
  const holder = holderOn(holderRows, at)
  let edgeM: number | null = null
  if (grid) {
    const geometry = await geometryOnDate(db, catalog, grid.id, at, now)
    if (geometry) edgeM = Math.abs(pointToPolygonDistance(point([lng, lat]), geometry, { units: 'meters' }))
  }
  const level = grid && catalog.get(grid.id)?.level === 'street' ? 'street' : 'community'
  const near: { gridId: number; distanceM: number }[] = []
  for (const c of boundaryCandidates(lng, lat, grid?.id ?? null, catalog.list(level), { distanceM: cfg.boundaryM })) {
    if (at.getTime() >= now.getTime()) { near.push(c); continue }
    const g = await geometryOnDate(db, catalog, c.gridId, at, now)
    if (!g) continue
    const d = Math.abs(pointToPolygonDistance(point([lng, lat]), g, { units: 'meters' }))
    if (d <= cfg.boundaryM) near.push({ gridId: c.gridId, distanceM: d })
  }
  const nearHolders = await Promise.all(near.map(async (n) => holderOn(await db.gridHolder.findMany({ where: { gridId: n.gridId } }), at)?.departmentId ?? null))
  const place = placeOf(catalog, grid?.id ?? null)
  const holderId = holder?.departmentId ?? null
  const groups = [...new Set(cats.map((c) => c.group))]
  const handling = groups.map((group) => {
    const inGroup = cats.filter((c) => c.group === group)
    const per = inGroup.map((c) => ({ c, r: route(rules, { categoryCode: c.code, categoryGroup: group, place, holderDepartmentId: holderId, at }) }))
    const first = per[0]!.r
    const uniform = per.every((x) => x.r.departmentId === first.departmentId && x.r.ruleId === first.ruleId)
    const explain = (r: Routing) => {
      const rule = r.ruleId === null ? null : rules.find((x) => x.id === r.ruleId)!
      return {
        departmentId: r.departmentId, departmentName: r.departmentId === null ? null : names.departmentName(r.departmentId),
        ruleId: r.ruleId, basis: r.basis, words: rule ? ruleWords(rule, names) : r.basis === 'holder' ? '网格包抓单位处置（默认规则）' : '无人处置（矩阵空白）',
      }
    }
    return {
      group, ...explain(first),
      /** categories of the group handled otherwise than its first category */
      exceptions: uniform ? [] : per.slice(1).filter((x) => x.r.departmentId !== first.departmentId || x.r.ruleId !== first.ruleId).map((x) => ({ categoryCode: x.c.code, categoryName: x.c.name, ...explain(x.r) })),
    }
  })
  const g = grid ? catalog.get(grid.id) : undefined
  return {
    lng, lat, at: at.toISOString(), generatedAt: now.toISOString(),
    grid: grid ? { id: grid.id, code: grid.code, name: grid.name, level, streetName: located.street?.name ?? null, version: g?.version ?? null } : null,
    holder: holder ? { departmentId: holder.departmentId, departmentName: names.departmentName(holder.departmentId), cadre: `${holder.cadreName}（${holder.cadreTitle}）`, contactName: holder.contactName, contactPhone: holder.contactPhone, validFrom: holder.validFrom.toISOString(), validTo: holder.validTo?.toISOString() ?? null } : null,
    supervisingDepartmentId: holderId,
    supervisingDepartmentName: holderId === null ? null : names.departmentName(holderId),
    boundaryVersion: version ? { number: version.number, effectiveFrom: version.effectiveFrom.toISOString(), reason: version.reason } : null,
    edgeDistanceM: edgeM === null ? null : Math.round(edgeM * 10) / 10,
    boundaryM: cfg.boundaryM,
    nearbyGrids: near.map((n, i) => ({ gridId: n.gridId, code: catalog.get(n.gridId)?.code ?? '', name: catalog.get(n.gridId)?.name ?? `#${n.gridId}`, distanceM: Math.round(n.distanceM * 10) / 10, holderDepartmentName: nearHolders[i] === null ? null : names.departmentName(nearHolders[i]!) })),
    handling,
  }
}
