/**
 * Administration writes (admin only, each with its audit row in the same transaction): departments,
 * users and grid responsibility (包抓) periods.
 */
import { hashPassword } from '../auth/password.ts'
import { afterSessionChange, announceSessionChange } from '../auth/sessionCache.ts'
import type { Db } from '../db/client.ts'
import { badInput, conflict, notFound } from '../domain/errors.ts'
import type { Role } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import { markFiguresChanged } from './aggregates.ts'
import { failpoint } from './failpoints.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { assertNoHolderOverlap, holderTransaction } from './holderPeriods.ts'

// ---- departments
export const departmentView = (d: DepartmentRow) => ({ id: d.id, name: d.name, shortName: d.shortName, contactPerson: d.contactPerson, phone: d.phone, version: d.version })
type DepartmentRow = { id: number; name: string; shortName: string; contactPerson: string; phone: string; version: number }
export interface DepartmentFields { name: string; shortName: string; contactPerson: string; phone: string }

/** A new department (name unique), with its audit row. */
export async function createDepartment(db: Db, actorId: number, input: DepartmentFields) {
  if (await db.department.findUnique({ where: { name: input.name } })) throw conflict(`部门 ${input.name} 已存在`, 'DEPARTMENT_NAME_TAKEN')
  const d = await db.$transaction(async (tx) => {
    const row = await tx.department.create({ data: input })
    await writeAudit(tx, { actorId, action: 'department.create', entity: 'department', entityId: row.id, before: null, after: departmentView(row) })
    await markFiguresChanged(tx)
    return row
  })
  return departmentView(d)
}

/** Changes a department; `version` is the one the editor saw (VERSION_CONFLICT if it moved on). */
export async function updateDepartment(db: Db, actorId: number, input: { id: number; version: number } & Partial<DepartmentFields>) {
  const { id: departmentId, version, ...changes } = input
  const d = await db.$transaction(async (tx) => {
    const before = await tx.department.findUnique({ where: { id: departmentId } })
    if (!before) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
    if (changes.name && changes.name !== before.name && (await tx.department.findUnique({ where: { name: changes.name } }))) {
      throw conflict(`部门 ${changes.name} 已存在`, 'DEPARTMENT_NAME_TAKEN')
    }
    const n = await tx.department.updateMany({ where: { id: departmentId, version }, data: { ...changes, version: { increment: 1 } } })
    if (n.count !== 1) throw conflict('部门信息已被他人修改，请刷新后重试', 'VERSION_CONFLICT')
    const after = (await tx.department.findUnique({ where: { id: departmentId } }))!
    await writeAudit(tx, { actorId, action: 'department.update', entity: 'department', entityId: departmentId, before: departmentView(before), after: departmentView(after) })
    await markFiguresChanged(tx)
    // signed-in users carry their department's name (auth.me): a rename reaches every cached session
    const announced = after.name !== before.name ? await announceSessionChange(db, tx, { all: true }) : null
    return { after, announced }
  })
  if (d.announced) await afterSessionChange(db, d.announced)
  return departmentView(d.after)
}

// ---- users (password hashes never leave the server or enter the audit log)
type UserRow = { id: number; login: string; displayName: string; role: string; departmentId: number | null; createdAt: Date; department?: { name: string } | null }
export const userView = (u: UserRow) => ({
  id: u.id, login: u.login, displayName: u.displayName, role: u.role, departmentId: u.departmentId,
  departmentName: u.department?.name ?? null, createdAt: u.createdAt.toISOString(),
})

async function checkRoleDepartment(db: { department: { findUnique(a: { where: { id: number } }): Promise<unknown> } }, role: string, departmentId: number | null) {
  if (role === 'department' && departmentId === null) throw badInput('部门用户必须指定所属部门', 'DEPARTMENT_REQUIRED')
  if (departmentId !== null && !(await db.department.findUnique({ where: { id: departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
}

export interface NewUser { login: string; displayName: string; role: Role; departmentId: number | null; password: string }

export async function createUser(db: Db, actorId: number, input: NewUser) {
  await checkRoleDepartment(db, input.role, input.departmentId)
  if (await db.user.findUnique({ where: { login: input.login } })) throw conflict(`登录名 ${input.login} 已存在`, 'LOGIN_TAKEN')
  const passwordHash = await hashPassword(input.password)
  const row = await db.$transaction(async (tx) => {
    const u = await tx.user.create({ data: { login: input.login, displayName: input.displayName, role: input.role, departmentId: input.departmentId, passwordHash }, include: { department: { select: { name: true } } } })
    await writeAudit(tx, { actorId, action: 'user.create', entity: 'user', entityId: u.id, before: null, after: userView(u) })
    return u
  })
  return userView(row)
}

/** Changes a user's name, role, department or password; any change ends the user's sessions. */
export async function updateUser(db: Db, actorId: number, input: { id: number; displayName?: string; role?: Role; departmentId?: number | null; password?: string }) {
  const before = await db.user.findUnique({ where: { id: input.id }, include: { department: { select: { name: true } } } })
  if (!before) throw notFound('用户', 'USER_NOT_FOUND')
  const role = input.role ?? before.role
  const departmentId = input.departmentId === undefined ? before.departmentId : input.departmentId
  await checkRoleDepartment(db, role, departmentId)
  if (before.id === actorId && role !== 'admin') throw badInput('不能取消自己的管理员角色', 'CANNOT_DEMOTE_SELF')
  const passwordHash = input.password ? await hashPassword(input.password) : undefined
  const row = await db.$transaction(async (tx) => {
    const u = await tx.user.update({
      where: { id: input.id },
      data: { displayName: input.displayName, role, departmentId, ...(passwordHash ? { passwordHash } : {}) },
      include: { department: { select: { name: true } } },
    })
    await tx.session.deleteMany({ where: { userId: u.id } })
    const announced = await announceSessionChange(db, tx, { userId: u.id })
    await writeAudit(tx, { actorId, action: 'user.update', entity: 'user', entityId: u.id, before: userView(before), after: { ...userView(u), passwordChanged: Boolean(passwordHash) } })
    return { u, announced }
  })
  // the user's sessions end in every process at once (server/auth/sessionCache.ts)
  await afterSessionChange(db, row.announced)
  return userView(row.u)
}

// ---- grid responsibility (包抓): the previous holder's period ends where the new one starts; history is never overwritten
type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

export const holderRowView = (h: { id: number; gridId: number; departmentId: number; cadreName: string; cadreTitle: string; contactName: string; contactPhone: string; validFrom: Date; validTo: Date | null; department?: { name: string } }) => ({
  id: h.id, gridId: h.gridId, departmentId: h.departmentId, departmentName: h.department?.name ?? null,
  cadreName: h.cadreName, cadreTitle: h.cadreTitle, contactName: h.contactName, contactPhone: h.contactPhone,
  validFrom: h.validFrom.toISOString(), validTo: h.validTo?.toISOString() ?? null,
})

type AssignInput = { gridId: number; departmentId: number; cadreName: string; cadreTitle: string; contactName: string; contactPhone: string; validFrom: Date }

/**
 * One assignment inside a transaction. Returns null when the grid is already held exactly so
 * (same department from the same instant): a retried request changes nothing.
 */
async function assignOne(tx: Tx, actorId: number, a: AssignInput, expectedHolderId?: number | null) {
  const open = await tx.gridHolder.findMany({ where: { gridId: a.gridId, validTo: null }, include: { department: { select: { name: true } } }, orderBy: { validFrom: 'desc' } })
  const current = open[0] ?? null
  if (current && current.departmentId === a.departmentId && current.validFrom.getTime() === a.validFrom.getTime()) return null
  if (expectedHolderId !== undefined && (current?.id ?? null) !== expectedHolderId) {
    throw conflict('该网格的包抓单位已被他人修改，请刷新后重试', 'HOLDER_CONFLICT')
  }
  const later = await tx.gridHolder.count({ where: { gridId: a.gridId, validFrom: { gte: a.validFrom } } })
  if (later > 0) throw badInput('起始日期须晚于该网格现有包抓记录的起始日期', 'HOLDER_DATE_NOT_AFTER_CURRENT')
  for (const prev of open) {
    const ended = await tx.gridHolder.updateMany({ where: { id: prev.id, validTo: null }, data: { validTo: a.validFrom } })
    if (ended.count !== 1) throw conflict('该网格的包抓单位已被他人修改，请刷新后重试', 'HOLDER_CONFLICT')
  }
  const row = await tx.gridHolder.create({ data: { ...a, validTo: null }, include: { department: { select: { name: true } } } })
  await writeAudit(tx, {
    actorId, action: 'holder.assign', entity: 'grid', entityId: a.gridId,
    before: current ? holderRowView(current) : null, after: holderRowView(row),
  })
  return row
}

async function checkRefs(db: Db, departmentId: number) {
  if (!(await db.department.findUnique({ where: { id: departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
}

export interface HolderFields { departmentId: number; cadreName: string; cadreTitle: string; contactName: string; contactPhone: string; validFrom: string }

/** Assigns a department to a grid from a date; `expectedHolderId` is the holder period the editor saw. */
export async function assignHolder(deps: { db: Db; catalog: GridCatalog }, actorId: number, input: HolderFields & { gridId: number; expectedHolderId: number | null }) {
  if (!deps.catalog.get(input.gridId)) throw notFound('网格', 'GRID_NOT_FOUND')
  await checkRefs(deps.db, input.departmentId)
  const { expectedHolderId, validFrom, ...rest } = input
  // serializable, with the grid's periods checked for overlap before the commit (services/holderPeriods.ts)
  const row = await holderTransaction(deps.db, async (tx) => {
    const r = await assignOne(tx, actorId, { ...rest, validFrom: new Date(validFrom) }, expectedHolderId)
    if (r) await assertNoHolderOverlap(tx, [input.gridId])
    return r
  })
  return { changed: row !== null, holder: row ? holderRowView(row) : null }
}

/** One department to many grids from one date, all or nothing; grids already held so are left alone. */
export async function bulkAssignHolders(deps: { db: Db; catalog: GridCatalog }, actorId: number, input: HolderFields & { gridIds: number[] }) {
  const gridIds = [...new Set(input.gridIds)]
  const unknown = gridIds.filter((g) => !deps.catalog.get(g))
  if (unknown.length) throw badInput(`网格不存在：${unknown.slice(0, 10).join(', ')}`, 'GRID_NOT_FOUND', { unknown })
  await checkRefs(deps.db, input.departmentId)
  const { gridIds: _ignored, validFrom, ...rest } = input
  const from = new Date(validFrom)
  let assigned = 0
  await holderTransaction(deps.db, async (tx) => {
    assigned = 0
    for (const [i, gridId] of gridIds.entries()) {
      if ((await assignOne(tx, actorId, { ...rest, gridId, validFrom: from })) !== null) assigned++
      await failpoint('holder.bulkAssign', i, gridIds.length)
    }
    await assertNoHolderOverlap(tx, gridIds)
  }, { timeout: 120_000, maxWait: 10_000 })
  return { assigned, unchanged: gridIds.length - assigned }
}
