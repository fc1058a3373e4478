/**
 * The grid register (网格台账, docs/register.md): import an .xlsx/CSV of who holds which grid, and
 * export it in the same format at a date. The rows and periods are judged by the pure
 * server/domain/register/ modules; this file reads the file (heavy-task pool), loads the grids,
 * departments and existing periods, and commits in one serializable transaction with an audit row
 * per changed period, per created department and one for the import — all rows or none, or the good
 * rows only. Importing the same file again changes nothing and says so.
 */
import { createHash } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { badInput } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { planRegister, type ExistingPeriod, type PlannedRow, type RegisterPlan } from '../domain/register/registerPlan.ts'
import {
  missingColumns, parseRegisterRows, registerMapping, REGISTER_FIELDS, REGISTER_HEADER, type RegisterGrid, type RegisterMapping,
} from '../domain/register/registerRows.ts'
import { chinaDate, formatDate } from '../domain/time.ts'
import { holderRowView } from './admin.ts'
import { writeAudit, writeAuditMany, type AuditEntry } from './audit.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { assertNoHolderOverlap, holderTransaction, type Tx } from './holderPeriods.ts'
import { readTable } from './problemImport.ts'

export const REGISTER_MAX_BYTES = 20 * 1024 * 1024
export const REGISTER_MODES = ['all-or-nothing', 'good-rows'] as const
export type RegisterMode = (typeof REGISTER_MODES)[number]

export interface RegisterOptions {
  fileName: string
  /** departments the file names that do not exist are created (else their rows are refused) */
  createDepartments: boolean
}

/** A row as the preview shows it: ok with what it does, or its row number and reason. */
export type RegisterRowView =
  | { row: number; ok: true; action: 'create' | 'update' | 'unchanged'; gridCode: string; gridName: string; departmentName: string; validFrom: string; newDepartment: boolean }
  | { row: number; ok: false; reason: string; message: string; detail?: string }

export interface RegisterPreview {
  fileHash: string
  headers: string[]
  mapping: RegisterMapping
  /** required columns not found: nothing is checked until the file has them */
  missing: string[]
  summary: RegisterPlan['summary']
  /** departments the file names that do not exist (rows refused unless createDepartments) */
  unknownDepartments: string[]
  rows: RegisterRowView[]
}

const registerGrids = (catalog: GridCatalog): RegisterGrid[] =>
  catalog.list().map((g) => ({ id: g.id, code: g.code, name: g.name, parentName: g.parentId === null ? null : (catalog.get(g.parentId)?.name ?? null) }))

type Reader = Pick<Tx, 'gridHolder' | 'department'>

async function existingPeriods(db: Reader, gridIds: number[]): Promise<Map<number, ExistingPeriod[]>> {
  const out = new Map<number, ExistingPeriod[]>()
  for (let i = 0; i < gridIds.length; i += 500) {
    const rows = await db.gridHolder.findMany({ where: { gridId: { in: gridIds.slice(i, i + 500) } }, include: { department: { select: { name: true } } }, orderBy: { validFrom: 'asc' } })
    for (const r of rows) out.set(r.gridId, [...(out.get(r.gridId) ?? []), { ...r, departmentName: r.department.name }])
  }
  return out
}

/** Parses and plans the table against the database as `db` (a transaction on commit) sees it. */
async function plan(db: Reader, catalog: GridCatalog, table: { headers: string[]; rows: unknown[][] }, opts: RegisterOptions) {
  const mapping = registerMapping(table.headers)
  const missing = missingColumns(mapping)
  if (missing.length) return { mapping, missing, plan: null, unknownDepartments: [] }
  const departments = new Map((await db.department.findMany({ select: { id: true, name: true } })).map((d) => [d.name, d.id]))
  const parsed = parseRegisterRows(table.rows, mapping, { grids: registerGrids(catalog), departments, createDepartments: opts.createDepartments })
  const gridIds = [...new Set(parsed.flatMap((r) => (r.ok ? [r.entry.gridId] : [])))]
  const p = planRegister(parsed, await existingPeriods(db, gridIds))
  const unknownDepartments = opts.createDepartments ? p.newDepartments : [...new Set(parsed.flatMap((r) => (!r.ok && r.reason === 'UNKNOWN_DEPARTMENT' && r.detail ? [r.detail] : [])))]
  return { mapping, missing, plan: p, unknownDepartments }
}

const rowView = (r: PlannedRow): RegisterRowView => (r.ok
  ? { row: r.row, ok: true, action: r.action, gridCode: r.entry.gridCode, gridName: r.entry.gridName, departmentName: r.entry.departmentName, validFrom: r.entry.validFrom, newDepartment: r.entry.departmentId === null }
  : { row: r.row, ok: false, reason: r.reason, message: r.message, ...(r.detail ? { detail: r.detail } : {}) })

const EMPTY_SUMMARY = { total: 0, create: 0, update: 0, unchanged: 0, failed: 0 }

/** Reads and checks every row; nothing is written. */
export async function previewRegister(db: Db, catalog: GridCatalog, bytes: Uint8Array, opts: RegisterOptions): Promise<RegisterPreview> {
  const table = await readTable(bytes)
  const fileHash = createHash('sha256').update(bytes).digest('hex')
  const p = await plan(db, catalog, table, opts)
  return {
    fileHash, headers: table.headers, mapping: p.mapping, missing: p.missing,
    summary: p.plan?.summary ?? { ...EMPTY_SUMMARY, total: table.rows.length }, unknownDepartments: p.unknownDepartments,
    rows: p.plan?.rows.map(rowView) ?? [],
  }
}

export interface RegisterResult extends RegisterPreview {
  /** false: refused (all-or-nothing with bad rows); nothing was written */
  committed: boolean
  /** false: the register already said all this (or nothing was good): nothing was written */
  changed: boolean
  createdDepartments: string[]
}

/**
 * Commits the file: reading, checking and writing happen in one serializable transaction, so the
 * periods checked are the periods written against (a concurrent import is serialized or retried).
 */
export async function commitRegister(db: Db, catalog: GridCatalog, actorId: number, bytes: Uint8Array, opts: RegisterOptions & { mode: RegisterMode }, now: Date): Promise<RegisterResult> {
  const table = await readTable(bytes)
  const fileHash = createHash('sha256').update(bytes).digest('hex')
  return holderTransaction(db, async (tx) => {
    const p = await plan(tx, catalog, table, opts)
    if (!p.plan) throw badInput(`缺少必需的列：${p.missing.join('、')}`, 'REGISTER_COLUMNS', { missing: p.missing.join('、') })
    const base = { fileHash, headers: table.headers, mapping: p.mapping, missing: [], summary: p.plan.summary, unknownDepartments: p.unknownDepartments, rows: p.plan.rows.map(rowView) }
    if (opts.mode === 'all-or-nothing' && p.plan.summary.failed > 0) return { ...base, committed: false, changed: false, createdDepartments: [] }
    const ops = p.plan.ops
    if (ops.length === 0) return { ...base, committed: true, changed: false, createdDepartments: [] }
    // new departments named by the rows being written
    const needed = [...new Set(ops.flatMap((o) => (o.kind === 'create' && o.entry.departmentId === null ? [o.entry.departmentName] : [])))]
    const deptId = new Map<string, number>()
    for (const name of needed) {
      const d = await tx.department.create({ data: { name, shortName: name.replace(/^[市区县]/, '') || name, contactPerson: '', phone: '' } })
      deptId.set(name, d.id)
      await writeAudit(tx, { actorId, action: 'department.create', entity: 'department', entityId: d.id, before: null, after: { id: d.id, name: d.name, shortName: d.shortName, source: opts.fileName.slice(0, 200) }, at: now })
    }
    const audits: AuditEntry[] = []
    const touched = new Set<number>()
    for (const o of ops) {
      if (o.kind !== 'update') continue
      const e = o.before
      const after = await tx.gridHolder.update({ where: { id: e.id }, data: o.after, include: { department: { select: { name: true } } } })
      audits.push({ actorId, action: 'holder.import', entity: 'grid', entityId: e.gridId, before: holderRowView({ ...e, department: { name: e.departmentName } }), after: { ...holderRowView(after), row: o.row }, at: now })
      touched.add(e.gridId)
    }
    for (const o of ops) {
      if (o.kind !== 'create') continue
      const x = o.entry
      const row = await tx.gridHolder.create({
        data: { gridId: x.gridId, departmentId: x.departmentId ?? deptId.get(x.departmentName)!, cadreName: x.cadreName, cadreTitle: x.cadreTitle, contactName: x.contactName, contactPhone: x.contactPhone, validFrom: o.validFrom, validTo: o.validTo, createdAt: now },
        include: { department: { select: { name: true } } },
      })
      audits.push({ actorId, action: 'holder.import', entity: 'grid', entityId: x.gridId, before: null, after: { ...holderRowView(row), row: o.row }, at: now })
      touched.add(x.gridId)
    }
    await assertNoHolderOverlap(tx, touched) // the rule, on what is now in the database (services/holderPeriods.ts)
    await writeAuditMany(tx, audits)
    await writeAudit(tx, {
      actorId, action: 'register.import', entity: 'register', entityId: opts.fileName.slice(0, 200) || 'register', at: now,
      after: { fileName: opts.fileName.slice(0, 200), fileHash, mode: opts.mode, ...p.plan.summary, createdDepartments: needed },
    })
    return { ...base, committed: true, changed: true, createdDepartments: needed }
  }, { timeout: 300_000, maxWait: 20_000 })
}

/** The register's columns in export order (the import reads them back). */
export const REGISTER_COLUMNS = REGISTER_FIELDS.map((f) => REGISTER_HEADER[f])

/** One exported row: text cells, and the two dates as Beijing days ("YYYY-MM-DD", validTo '' when open). */
export type RegisterExportRow = [code: string, name: string, street: string, department: string, cadre: string, title: string, contact: string, phone: string, validFrom: string, validTo: string]

/** The holders in force on a Beijing day (its 00:00), one row per held grid in force, by grid code. */
export async function registerAt(db: Db, catalog: GridCatalog, day: string): Promise<{ rows: RegisterExportRow[]; unheld: number }> {
  const at = chinaDate(day)
  const grids = catalog.list().sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  const holders = await db.gridHolder.findMany({ where: { validFrom: { lte: at }, OR: [{ validTo: null }, { validTo: { gt: at } }] }, include: { department: { select: { name: true } } } })
  const byGrid = new Map<number, typeof holders>()
  for (const h of holders) byGrid.set(h.gridId, [...(byGrid.get(h.gridId) ?? []), h])
  const rows: RegisterExportRow[] = []
  let unheld = 0
  for (const g of grids) {
    const h = holderOn(byGrid.get(g.id) ?? [], at)
    if (!h) { unheld++; continue }
    const street = g.parentId === null ? '' : (catalog.get(g.parentId)?.name ?? '')
    rows.push([g.code, g.name, street, h.department.name, h.cadreName, h.cadreTitle, h.contactName, h.contactPhone, formatDate(h.validFrom), h.validTo ? formatDate(h.validTo) : ''])
  }
  return { rows, unheld }
}
