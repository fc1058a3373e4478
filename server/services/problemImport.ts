/**
 * Importing a spreadsheet of problems (Excel .xlsx via exceljs, CSV via papaparse): read the table,
 * map columns, convert coordinates to WGS84, preview each row, then commit in one transaction
 * (all rows or none, or the good rows only) with an ImportBatch row holding the per-row report.
 * Re-importing the same rows does not duplicate: each row has a stable externalId (the file's id
 * column, else a content hash) and rows already in the database are skipped.
 */
import { problemRouter } from './routing.ts'
import type { Routing } from '../domain/routing/matrix.ts'
import { createHash } from 'node:crypto'
import type { Db } from '../db/client.ts'
import {
  guessMapping, parseRows, REASON_MESSAGES, summarize, type ColumnMapping, type CoordSystem, type OkRow, type ParsedRow, type RowTarget,
} from '../domain/problem/importRows.ts'
import { AppError, badInput } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { failpoint } from './failpoints.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { problemConfig } from './problems.ts'
import { boundaryCandidates, findRebound } from '../domain/problem/nearby.ts'
import { categoryLimit, problemDeadline } from '../domain/problem/workflow.ts'
import { writeAudit, writeAuditMany } from './audit.ts'
import { importTooLarge, runHeavy } from './heavy.ts'
import type { Table } from '../workers/spreadsheet.ts'
import { PROBLEM_TALLY_SELECT, tallyProblems } from './aggregates.ts'

export const IMPORT_MAX_BYTES = 20 * 1024 * 1024
export const IMPORT_MAX_ROWS = 50_000
/** cells read in all (a row's cells run to its last filled column) */
export const IMPORT_MAX_CELLS = 2_000_000
const CHUNK = 500

export const IMPORT_MODES = ['all-or-nothing', 'good-rows'] as const
export type ImportMode = (typeof IMPORT_MODES)[number]

export type { Table }

/**
 * The first sheet of an .xlsx, or a CSV, as a header row and data rows of raw values: read in the
 * heavy-task pool as a stream, with the row and cell limits checked while reading and zip bombs
 * refused (server/workers/spreadsheet.ts).
 */
export async function readTable(bytes: Uint8Array): Promise<Table> {
  return runHeavy('readTable', [bytes, { maxRows: IMPORT_MAX_ROWS, maxCells: IMPORT_MAX_CELLS }], importTooLarge)
}

export interface ImportOptions {
  fileName: string
  coordSystem: CoordSystem
  mapping?: ColumnMapping
  /** refuse (instead of asking for the mapping) when a required column is not mapped */
  forCommit?: boolean
}

const REQUIRED_FIELDS = ['lng', 'lat', 'category', 'description'] as const
const FIELD_NAMES: Record<(typeof REQUIRED_FIELDS)[number], string> = { lng: '经度', lat: '纬度', category: '类别', description: '描述' }

export interface ImportPreview {
  fileHash: string
  headers: string[]
  mapping: ColumnMapping
  /** required fields with no column: the mapping must be completed before anything is checked */
  missing: string[]
  coordSystem: CoordSystem
  summary: { total: number; ok: number; skipped: number; failed: number }
  rows: ParsedRow[]
}

const tick = () => new Promise<void>((r) => setImmediate(r))

/** Reads, maps and checks every row (nothing is written). */
export async function previewImport(db: Db, catalog: GridCatalog, bytes: Uint8Array, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const table = await readTable(bytes)
  const mapping = opts.mapping ?? guessMapping(table.headers)
  const missing = REQUIRED_FIELDS.filter((f) => mapping[f] === undefined)
  const fileHash = createHash('sha256').update(bytes).digest('hex')
  if (missing.length) {
    // the caller shows the headers and asks for the mapping; a commit cannot go on
    if (opts.forCommit) throw badInput(`未找到「${missing.map((f) => FIELD_NAMES[f]).join('、')}」列，请指定列对应关系`, 'IMPORT_MAPPING')
    return { fileHash, headers: table.headers, mapping, missing, coordSystem: opts.coordSystem, summary: { total: table.rows.length, ok: 0, skipped: 0, failed: 0 }, rows: [] }
  }
  const cats = await db.problemCategory.findMany({ select: { code: true, name: true } })
  const categories = new Map<string, string>()
  for (const c of cats) { categories.set(c.code, c.code); categories.set(c.code.toLowerCase(), c.code); categories.set(c.name.toLowerCase(), c.code) }
  // holders of every grid now, once
  const holders = await db.gridHolder.findMany({ where: { validFrom: { lte: now } } })
  const byGrid = new Map<number, typeof holders>()
  for (const h of holders) byGrid.set(h.gridId, [...(byGrid.get(h.gridId) ?? []), h])
  const deptNames = new Map((await db.department.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name]))
  const locate = (lng: number, lat: number): RowTarget | null => {
    const g = catalog.assign(lng, lat)
    if (!g) return null
    const dep = holderOn(byGrid.get(g.id) ?? [], now)?.departmentId ?? null
    return { gridId: g.id, gridName: g.name, departmentId: dep, departmentName: dep === null ? null : (deptNames.get(dep) ?? null) }
  }
  const rows: ParsedRow[] = []
  for (let i = 0; i < table.rows.length; i += CHUNK) {
    rows.push(...parseRows(table.rows.slice(i, i + CHUNK), { mapping, coordSystem: opts.coordSystem, categories, locate, firstRow: 2 + i }))
    await tick()
  }
  // duplicates across chunks, and rows already imported earlier
  const seen = new Map<string, number>()
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (!r.ok) continue
    const earlier = seen.get(r.externalId)
    if (earlier !== undefined) rows[i] = { row: r.row, ok: false, reason: 'DUPLICATE_IN_FILE', message: REASON_MESSAGES.DUPLICATE_IN_FILE, detail: `第 ${earlier} 行` }
    else seen.set(r.externalId, r.row)
  }
  const ids = [...seen.keys()]
  const existing = new Set<string>()
  for (let i = 0; i < ids.length; i += CHUNK) {
    const found = await db.problem.findMany({ where: { externalId: { in: ids.slice(i, i + CHUNK) } }, select: { externalId: true } })
    for (const f of found) existing.add(f.externalId!)
  }
  const final = rows.map((r): ParsedRow => (r.ok && existing.has(r.externalId) ? { row: r.row, ok: false, reason: 'ALREADY_IMPORTED', message: REASON_MESSAGES.ALREADY_IMPORTED } : r))
  return { fileHash, headers: table.headers, mapping, missing: [], coordSystem: opts.coordSystem, summary: summarize(final), rows: final }
}

export interface ImportResult {
  committed: boolean
  batchId: number | null
  summary: ImportPreview['summary'] & { imported: number }
  rows: (ParsedRow & { problemId?: number })[]
}

/**
 * Commits an import: in `all-or-nothing` mode a single failed row refuses the whole file (nothing is
 * written); in `good-rows` mode the good rows are written and the bad ones reported. One transaction.
 */
export async function commitImport(
  db: Db, catalog: GridCatalog, user: { id: number; displayName: string }, bytes: Uint8Array,
  opts: ImportOptions & { mode: ImportMode }, now: Date,
): Promise<ImportResult> {
  const preview = await previewImport(db, catalog, bytes, { ...opts, forCommit: true }, now)
  if (opts.mode === 'all-or-nothing' && preview.summary.failed > 0) {
    return { committed: false, batchId: null, summary: { ...preview.summary, imported: 0 }, rows: preview.rows }
  }
  const good = preview.rows.filter((r): r is OkRow => r.ok)
  const limits = new Map((await db.problemCategory.findMany({ select: { code: true, deadlineDays: true, kind: true } })).map((c) => [c.code, categoryLimit(c)]))
  // flags computed up front (in memory), so the write transaction stays short: bulk inserts per chunk
  const cfg = problemConfig()
  const closed = await db.problem.findMany({
    where: { status: 'closed', closedAt: { gte: new Date(now.getTime() - cfg.reboundDays * 86_400_000), lte: now } },
    select: { id: true, lng: true, lat: true, categoryCode: true, closedAt: true },
  })
  const routeOf = await problemRouter(db, catalog) // the responsibility matrix (docs/routing.md)
  const prepared: { r: OkRow; boundary: number[]; rebound: ReturnType<typeof findRebound<(typeof closed)[number]>>; routing: Routing }[] = []
  for (let i = 0; i < good.length; i++) {
    const r = good[i]!
    const level = catalog.get(r.target.gridId)?.level ?? 'community'
    const boundary = boundaryCandidates(r.lng, r.lat, r.target.gridId, catalog.list(level), { distanceM: cfg.boundaryM }).map((b) => b.gridId)
    const rebound = findRebound(r, closed, { distanceM: cfg.reboundM, days: cfg.reboundDays, now })
    prepared.push({ r, boundary, rebound, routing: routeOf(r.categoryCode, r.target.gridId, r.target.departmentId, now) })
    if (i % CHUNK === CHUNK - 1) await tick()
  }
  try {
    return await db.$transaction(async (tx) => {
      const batch = await tx.importBatch.create({
        data: {
          fileName: opts.fileName.slice(0, 200), fileHash: preview.fileHash, coordSystem: opts.coordSystem, mode: opts.mode,
          total: preview.summary.total, imported: 0, skipped: preview.summary.skipped, failed: preview.summary.failed, report: '[]', createdById: user.id, createdAt: now,
        },
      })
      const created = new Map<number, number>()
      const handlerOf = new Map<number, number | null>()
      for (let i = 0; i < prepared.length; i += CHUNK) {
        if (i > 0) await failpoint('problem.import', i / CHUNK, Math.ceil(prepared.length / CHUNK)) // crash tests: kill with a chunk written
        const chunk = prepared.slice(i, i + CHUNK)
        await tx.problem.createMany({
          data: chunk.map(({ r, boundary, rebound, routing }) => ({
            lng: r.lng, lat: r.lat, gridId: r.target.gridId, departmentId: routing.departmentId, categoryCode: r.categoryCode,
            supervisingDepartmentId: routing.supervisingDepartmentId, routingRuleId: routing.ruleId,
            description: r.description, status: 'reported', priority: r.priority, deadline: problemDeadline(now, limits.get(r.categoryCode) ?? categoryLimit({ code: r.categoryCode, deadlineDays: 7 }), r.priority, catalog.holidays.calendar),
            reporterId: user.id, reporterName: user.displayName, source: 'import', externalId: r.externalId, importBatchId: batch.id,
            boundaryGridIds: boundary.length ? JSON.stringify(boundary) : null, reboundOfId: rebound?.id ?? null, reportedAt: now, createdAt: now,
          })),
        })
        const ids = new Map((await tx.problem.findMany({ where: { externalId: { in: chunk.map((c) => c.r.externalId) } }, select: { id: true, externalId: true } })).map((x) => [x.externalId!, x.id]))
        const rows = chunk.map((c) => ({ ...c, id: ids.get(c.r.externalId)! }))
        await tallyProblems(tx, (await tx.problem.findMany({ where: { id: { in: rows.map((x) => x.id) } }, select: PROBLEM_TALLY_SELECT })).map((after) => ({ before: null, after })))
        await tx.problemEvent.createMany({
          data: rows.map(({ id, boundary, rebound }) => ({
            problemId: id, action: 'report', fromStatus: null, toStatus: 'reported', actorId: user.id, at: now,
            note: [`导入批次 #${batch.id}`, boundary.length ? `边界问题：邻近网格 ${boundary.join(', ')}` : '', rebound ? `反弹：与 #${rebound.id} 相距 ${Math.round(rebound.distanceM)} 米` : ''].filter(Boolean).join('；'),
          })),
        })
        await writeAuditMany(tx, rows.map(({ id, r, boundary, rebound, routing }) => ({
          actorId: user.id, action: 'problem.import', entity: 'Problem', entityId: id, at: now,
          after: { row: r.row, externalId: r.externalId, lng: r.lng, lat: r.lat, categoryCode: r.categoryCode, gridId: r.target.gridId, departmentId: routing.departmentId, supervisingDepartmentId: routing.supervisingDepartmentId, routingRuleId: routing.ruleId, boundaryGridIds: boundary, reboundOfId: rebound?.id ?? null, importBatchId: batch.id },
        })))
        for (const x of rows) { created.set(x.r.row, x.id); handlerOf.set(x.r.row, x.routing.departmentId) }
        await tick()
      }
      const rows = preview.rows.map((r) => (r.ok ? { ...r, problemId: created.get(r.row) } : r))
      const report = rows.map((r) => (r.ok ? { row: r.row, ok: true, problemId: r.problemId, gridId: r.target.gridId, departmentId: handlerOf.get(r.row) ?? r.target.departmentId } : { row: r.row, ok: false, reason: r.reason, message: r.message, detail: r.detail }))
      await tx.importBatch.update({ where: { id: batch.id }, data: { imported: created.size, report: JSON.stringify(report) } })
      await writeAudit(tx, { actorId: user.id, action: 'problem.import', entity: 'ImportBatch', entityId: batch.id, after: { fileName: opts.fileName, ...preview.summary, imported: created.size }, at: now })
      return { committed: true, batchId: batch.id, summary: { ...preview.summary, imported: created.size }, rows }
    }, { timeout: 300_000, maxWait: 20_000 })
  } catch (e) {
    // two imports of the same rows at once: the unique externalId refuses the second
    if ((e as { code?: string }).code === 'P2002') throw new AppError('CONFLICT', 'IMPORT_CONFLICT', '部分行刚被其他导入写入，请重新预览后再导入')
    throw e
  }
}
