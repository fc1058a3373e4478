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
import { rawDriver, type Db } from '../db/client.ts'
import {
  cellText, detectPreset, guessMapping, parseRows, REASON_MESSAGES, summarize, type ColumnMapping, type CoordSystem, type OkRow, type ParsedRow, type PresetName, type RowTarget,
} from '../domain/problem/importRows.ts'
import { findHeaderRow, HEADER_SCAN } from '../domain/problem/headerRow.ts'
import { AppError, badInput } from '../domain/errors.ts'
import { holderOn } from '../domain/holder.ts'
import { failpoint } from './failpoints.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { problemConfig } from './problems.ts'
import { boundaryGridIndex, reboundIndex } from '../domain/problem/nearby.ts'
import { categoryLimit, problemDeadline } from '../domain/problem/workflow.ts'
import { existingExternalIds, withImportTx, type ImportWriter, type ProblemValues } from './importWriter.ts'
import { beijingDay } from '../domain/calendar/workingDays.ts'
import { importTooLarge, runHeavy } from './heavy.ts'
import type { Table } from '../workers/spreadsheet.ts'
import { tallyNewProblems } from './aggregates.ts'

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
export async function readTable(bytes: Uint8Array, headerless = false): Promise<Table> {
  return runHeavy('readTable', [bytes, { maxRows: IMPORT_MAX_ROWS + (headerless ? HEADER_SCAN : 0), maxCells: IMPORT_MAX_CELLS, headerless }], importTooLarge)
}

export interface ImportOptions {
  fileName: string
  coordSystem: CoordSystem
  mapping?: ColumnMapping
  /** the header row, 1-based as the spreadsheet numbers it (default: found among the first rows) */
  headerRow?: number
  /** a preset mapping; default: recognised from the column names; 'none': never */
  preset?: PresetName | 'none'
  /** the source external ids are scoped to (default: the preset's, else the id column's name) */
  source?: string
  /** refuse (instead of asking for the mapping) when a required column is not mapped */
  forCommit?: boolean
  /** rows read / rows valid so far, while checking (the HTTP route streams it to the browser) */
  onProgress?: (p: ImportProgress) => void
  /** filled with the milliseconds each phase took (the bench's breakdown; nothing else reads it) */
  timings?: ImportTimings
}

/** Milliseconds per phase of an import: the preview's checks, then the commit's flags and writes. */
export interface ImportTimings {
  /** coordinates, time, category, grid assignment, identity of every row (parseRows) */
  check?: number
  /** duplicates within the file and rows imported earlier (a lookup of every external id) */
  dedupe?: number
  /** boundary and rebound flags (spatial indexes built once) and the routing of each row */
  flags?: number
  /** the problems, their events, their audit rows (the driver's statements) */
  write?: number
  /** COMMIT (with SQLite's WAL checkpoint after it) and the batch's report */
  commit?: number
}

export interface ImportProgress { phase: 'read' | 'check' | 'write'; total: number; read: number; valid: number; written?: number }

const REQUIRED_FIELDS = ['lng', 'lat', 'category', 'description'] as const
const FIELD_NAMES: Record<(typeof REQUIRED_FIELDS)[number], string> = { lng: '经度', lat: '纬度', category: '类别', description: '描述' }

export interface ImportPreview {
  fileHash: string
  /** the header row used, 1-based; the person can choose another one */
  headerRow: number
  /** the first rows of the sheet as text (at most 12 columns), to choose the header row from */
  topRows: string[][]
  headers: string[]
  mapping: ColumnMapping
  /** the preset recognised or chosen, if any */
  preset: PresetName | null
  /** the source external ids are scoped to */
  source: string
  /** required fields with no column: the mapping must be completed before anything is checked */
  missing: string[]
  coordSystem: CoordSystem
  /** no report-time column: the import time is every row's report time */
  noReportTime: boolean
  summary: { total: number; ok: number; skipped: number; failed: number; warnings: number }
  rows: ParsedRow[]
}

const tick = () => new Promise<void>((r) => setImmediate(r))

/** The sheet's rows, the header found (or chosen), the mapping, preset and source. */
export function planTable(all: unknown[][], opts: Pick<ImportOptions, 'mapping' | 'headerRow' | 'preset' | 'source' | 'coordSystem'>) {
  const header = findHeaderRow(all, opts.headerRow === undefined ? undefined : opts.headerRow - 1)
  const preset = opts.preset === 'none' ? null : detectPreset(header.headers, opts.preset)
  const mapping = opts.mapping ?? preset?.mapping ?? guessMapping(header.headers)
  const idHeader = mapping.externalId === undefined ? '' : (header.headers[mapping.externalId] ?? '').split('·').pop()!.trim()
  const source = (opts.source?.trim() || preset?.source || idHeader || 'file').slice(0, 40)
  const coordSystem = preset?.coordSystem ?? opts.coordSystem
  return { header, preset, mapping, source, coordSystem, rows: all.slice(header.index + 1), firstRow: header.index + 2 }
}

/** Reads, maps and checks every row (nothing is written). */
export async function previewImport(db: Db, catalog: GridCatalog, bytes: Uint8Array, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const all = (await readTable(bytes, true)).rows
  return previewRows(db, catalog, all, createHash('sha256').update(bytes).digest('hex'), opts, now)
}

/** previewImport on rows already read (the bench and the tests feed rows directly). */
export async function previewRows(db: Db, catalog: GridCatalog, all: unknown[][], fileHash: string, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const plan = planTable(all, opts)
  const { mapping, coordSystem } = plan
  const missing = REQUIRED_FIELDS.filter((f) => mapping[f] === undefined)
  const topRows = all.slice(0, 10).map((r) => (r ?? []).slice(0, 12).map((v) => cellText(v).slice(0, 40)))
  const base = {
    fileHash, headerRow: plan.header.index + 1, topRows, headers: plan.header.headers, mapping, preset: plan.preset?.name ?? null,
    source: plan.source, coordSystem, noReportTime: mapping.reportedAt === undefined,
  }
  const total = plan.rows.length
  opts.onProgress?.({ phase: 'read', total, read: 0, valid: 0 })
  if (missing.length) {
    // the caller shows the headers and asks for the mapping; a commit cannot go on
    if (opts.forCommit) throw badInput(`未找到「${missing.map((f) => FIELD_NAMES[f]).join('、')}」列，请指定列对应关系`, 'IMPORT_MAPPING')
    return { ...base, missing, summary: { total, ok: 0, skipped: 0, failed: 0, warnings: 0 }, rows: [] }
  }
  const cats = await db.problemCategory.findMany({ select: { code: true, name: true } })
  const categories = new Map<string, string>()
  for (const c of cats) { categories.set(c.code, c.code); categories.set(c.code.toLowerCase(), c.code); categories.set(c.name.toLowerCase(), c.code); categories.set(c.name, c.code) }
  // holders of every grid now, once
  const holders = await db.gridHolder.findMany({ where: { validFrom: { lte: now } } })
  const byGrid = new Map<number, typeof holders>()
  for (const h of holders) byGrid.set(h.gridId, [...(byGrid.get(h.gridId) ?? []), h])
  const deptNames = new Map((await db.department.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name]))
  const targets = new Map<number, RowTarget>()
  const locate = (lng: number, lat: number): RowTarget | null => {
    const g = catalog.assign(lng, lat)
    if (!g) return null
    let t = targets.get(g.id)
    if (!t) {
      const dep = holderOn(byGrid.get(g.id) ?? [], now)?.departmentId ?? null
      t = { gridId: g.id, gridName: g.name, departmentId: dep, departmentName: dep === null ? null : (deptNames.get(dep) ?? null) }
      targets.set(g.id, t)
    }
    return t
  }
  const t0 = performance.now()
  const rows: ParsedRow[] = []
  const step = Math.max(CHUNK, Math.min(20_000, Math.ceil(total / 50)))
  let valid = 0
  for (let i = 0; i < total; i += step) {
    const part = parseRows(plan.rows.slice(i, i + step), { mapping, coordSystem, categories, locate, firstRow: plan.firstRow + i, source: plan.source, now })
    for (const r of part) { rows.push(r); if (r.ok) valid++ }
    opts.onProgress?.({ phase: 'check', total, read: Math.min(total, i + step), valid })
    await tick()
  }
  const t1 = performance.now()
  // duplicates across chunks, and rows already imported earlier
  const seen = new Map<string, number>()
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!
    if (!r.ok) continue
    const earlier = seen.get(r.externalId)
    if (earlier !== undefined) rows[i] = { row: r.row, ok: false, reason: 'DUPLICATE_IN_FILE', message: REASON_MESSAGES.DUPLICATE_IN_FILE, detail: `第 ${earlier} 行` }
    else seen.set(r.externalId, r.row)
  }
  const existing = await alreadyImported(db, rows)
  const final = rows.map((r): ParsedRow => (r.ok && existing.has(r.externalId) ? { row: r.row, ok: false, reason: 'ALREADY_IMPORTED', message: REASON_MESSAGES.ALREADY_IMPORTED } : r))
  if (opts.timings) { opts.timings.check = t1 - t0; opts.timings.dedupe = performance.now() - t1 }
  return { ...base, missing: [], summary: summarize(final), rows: final }
}

/**
 * External ids of the good rows that are already in the database: the same externalId, or (`gd:<id>`,
 * a row of GridDuty's own export of a problem reported in the app) that very problem here.
 */
async function alreadyImported(db: Db, rows: readonly ParsedRow[]): Promise<Set<string>> {
  const ok = rows.filter((r): r is OkRow => r.ok)
  const existing = await existingExternalIds(db, ok.map((r) => r.externalId))
  const LOOKUP = 5_000
  const own = ok.filter((r) => r.externalId.startsWith('gd:'))
  for (let i = 0; i < own.length; i += LOOKUP) {
    const part = own.slice(i, i + LOOKUP)
    const found = await db.problem.findMany({ where: { id: { in: part.map((r) => Number(r.externalId.slice(3))) }, externalId: null }, select: { id: true, lng: true, lat: true, categoryCode: true } })
    const byId = new Map(found.map((p) => [p.id, p]))
    for (const r of part) {
      const p = byId.get(Number(r.externalId.slice(3)))
      if (p && p.categoryCode === r.categoryCode && Math.abs(p.lng - r.lng) < 1e-9 && Math.abs(p.lat - r.lat) < 1e-9) existing.add(r.externalId)
    }
  }
  return existing
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
  opts: ImportOptions & { mode: ImportMode; writer?: ImportWriter }, now: Date,
): Promise<ImportResult> {
  const preview = await previewImport(db, catalog, bytes, { ...opts, forCommit: true }, now)
  return commitPreview(db, catalog, user, preview, opts, now)
}

/** Rows per statement group (and per progress report / failpoint step) in the driver's transaction. */
export const WRITE_CHUNK = 5_000

/**
 * The commit of a checked file: the same validation and assignment as the preview (the caller passes
 * the preview), flags computed in memory, then ONE transaction through the driver (or Prisma,
 * services/importWriter.ts): the batch, the problems, their 'report' events and audit rows, the
 * batch's report and audit row. Progress is reported per chunk written.
 */
export async function commitPreview(
  db: Db, catalog: GridCatalog, user: { id: number; displayName: string }, preview: ImportPreview,
  opts: Pick<ImportOptions, 'fileName' | 'coordSystem' | 'onProgress' | 'timings'> & { mode: ImportMode; writer?: ImportWriter }, now: Date,
): Promise<ImportResult> {
  const t0 = performance.now()
  if (opts.mode === 'all-or-nothing' && preview.summary.failed > 0) {
    return { committed: false, batchId: null, summary: { ...preview.summary, imported: 0 }, rows: preview.rows }
  }
  const good = preview.rows.filter((r): r is OkRow => r.ok)
  const limits = new Map((await db.problemCategory.findMany({ select: { code: true, deadlineDays: true, kind: true } })).map((c) => [c.code, categoryLimit(c)]))
  // flags computed up front (in memory), so the write transaction stays short
  const cfg = problemConfig()
  const closed = await db.problem.findMany({
    where: { status: 'closed', closedAt: { gte: new Date(now.getTime() - cfg.reboundDays * 86_400_000), lte: now } },
    select: { id: true, lng: true, lat: true, categoryCode: true, closedAt: true },
  })
  const routeOf = await problemRouter(db, catalog) // the responsibility matrix (docs/routing.md)
  // the routing depends only on (category, grid, holder) at `now`: each combination goes through the matrix once
  const routes = new Map<string, Routing>()
  const routeOnce = (code: string, gridId: number, holder: number | null): Routing => {
    const key = `${code}|${gridId}|${holder}`
    let x = routes.get(key)
    if (!x) { x = routeOf(code, gridId, holder, now); routes.set(key, x) }
    return x
  }
  // a normal deadline depends only on the Beijing day the limit starts (addWorkingDaysDetailed counts
  // whole working days from the end of that day), so it is computed once per day and limit
  const deadlines = new Map<string, Date>()
  const deadlineOf = (start: Date, code: string, priority: 'normal' | 'urgent') => {
    const limit = limits.get(code) ?? categoryLimit({ code, deadlineDays: 7 })
    if (priority === 'urgent') return problemDeadline(start, limit, priority, catalog.holidays.calendar)
    const key = `${beijingDay(start)}|${limit.normal.workingDays}`
    let d = deadlines.get(key)
    if (!d) { d = problemDeadline(start, limit, priority, catalog.holidays.calendar); deadlines.set(key, d) }
    return d
  }
  // spatial indexes built once per import (a scan of every grid and every closed problem per row was the import's cost)
  const lists = new Map<string, ReturnType<typeof boundaryGridIndex>>()
  const rebounds = reboundIndex(closed)
  /** one row as it is written: the problem's values and its 'report' event's note */
  const prepare = (r: OkRow): ImportedRow => {
    const level = catalog.get(r.target.gridId)?.level ?? 'community'
    let list = lists.get(level)
    if (!list) { list = boundaryGridIndex(catalog.list(level)); lists.set(level, list) }
    const boundary = list.candidates(r.lng, r.lat, r.target.gridId, { distanceM: cfg.boundaryM })
    const rebound = rebounds.find(r, { distanceM: cfg.reboundM, days: cfg.reboundDays, now })
    const routing = routeOnce(r.categoryCode, r.target.gridId, r.target.departmentId)
    const reportedAt = r.reportedAt ?? now
    const boundaryIds = boundary.length ? boundary.map((b) => b.gridId) : null
    return {
      row: r.row,
      problem: {
        lng: r.lng, lat: r.lat, gridId: r.target.gridId, departmentId: routing.departmentId, categoryCode: r.categoryCode,
        supervisingDepartmentId: routing.supervisingDepartmentId, routingRuleId: routing.ruleId,
        description: r.description, status: 'reported', priority: r.priority,
        deadline: deadlineOf(reportedAt, r.categoryCode, r.priority),
        reporterId: user.id, reporterName: user.displayName, source: 'import', externalId: r.externalId, importBatchId: 0,
        boundaryGridIds: boundaryIds ? JSON.stringify(boundaryIds) : null, reboundOfId: rebound?.id ?? null,
        reportedAt, createdAt: now, updatedAt: now,
      },
      note: (boundaryIds ? `；边界问题：邻近网格 ${boundaryIds.join(', ')}` : '') + (rebound ? `；反弹：与 #${rebound.id} 相距 ${Math.round(rebound.distanceM)} 米` : ''),
    }
  }
  const total = preview.summary.total, valid = good.length
  const chunks = Math.ceil(good.length / WRITE_CHUNK)
  /** chunk c of the good rows, prepared (flags, routing, deadline); the time it took goes to `flags` */
  let flagsMs = 0
  const prepareChunk = async (c: number): Promise<ImportedRow[]> => {
    const t = performance.now()
    const out = good.slice(c * WRITE_CHUNK, (c + 1) * WRITE_CHUNK).map(prepare)
    flagsMs += performance.now() - t
    return out
  }
  // PostgreSQL (the driver) works in its own process: chunk k+1 is prepared while it inserts chunk k.
  // Elsewhere the writes run on this thread: every chunk is prepared first, outside the transaction.
  const writer = opts.writer ?? 'driver'
  const pipelined = writer === 'driver' && rawDriver(db)?.provider === 'postgres'
  const ready: ImportedRow[][] = []
  if (!pipelined) for (let c = 0; c < chunks; c++) { ready.push(await prepareChunk(c)); await tick() }
  const take = async (c: number) => (pipelined ? prepareChunk(c) : ready[c]!)
  const t1 = performance.now()
  const preparedBefore = flagsMs // the rest of flagsMs is preparing inside the transaction (pipelined)
  let t2 = t1
  const fileName = opts.fileName.slice(0, 200)
  try {
    return await withImportTx(db, writer, async (tx) => {
      const batchId = await tx.createBatch({
        fileName, fileHash: preview.fileHash, coordSystem: preview.coordSystem, mode: opts.mode,
        total, skipped: preview.summary.skipped, failed: preview.summary.failed, createdById: user.id, createdAt: now,
      })
      const created = new Map<number, number>()
      const handlerOf = new Map<number, number | null>()
      const written: ProblemValues[] = []
      let next = chunks ? await take(0) : []
      for (let c = 0; c < chunks; c++) {
        const chunk = next
        for (const x of chunk) x.problem.importBatchId = batchId
        // PostgreSQL writes in its own process: the calls return once the rows are sent, and the next
        // chunk is prepared (flags, routing) while it inserts them; flush waits for it
        const ids = await tx.insertProblems(chunk.map((x) => x.problem))
        next = c + 1 < chunks ? await take(c + 1) : []
        await tx.insertEvents(chunk.map((x, k) => ({
          problemId: ids[k]!, action: 'report', fromStatus: null, toStatus: 'reported', actorId: user.id, at: now, note: `导入批次 #${batchId}${x.note}`,
        })))
        await tx.flush()
        chunk.forEach((x, k) => { created.set(x.row, ids[k]!); handlerOf.set(x.row, x.problem.departmentId); written.push(x.problem) })
        opts.onProgress?.({ phase: 'write', total, read: total, valid, written: Math.min(valid, (c + 1) * WRITE_CHUNK) })
        await failpoint('problem.import', c + 1, chunks + 1) // crash tests: kill with a chunk written, the transaction open
        await tick()
      }
      t2 = performance.now()
      // aggregates (services/aggregates.ts): the problems written, summed in memory, added to the tallies in the same transaction
      await tallyNewProblems(tx, written.map((p) => ({ gridId: p.gridId, departmentId: p.departmentId, supervisingDepartmentId: p.supervisingDepartmentId, status: p.status, deadline: p.deadline, reportedAt: p.reportedAt, closedAt: null })))
      const rows = preview.rows.map((r) => (r.ok ? { ...r, problemId: created.get(r.row) } : r))
      const report = rows.map((r) => (r.ok ? { row: r.row, ok: true, problemId: r.problemId, gridId: r.target.gridId, departmentId: handlerOf.get(r.row) ?? r.target.departmentId } : { row: r.row, ok: false, reason: r.reason, message: r.message, detail: r.detail }))
      await tx.finishBatch(batchId, created.size, JSON.stringify(report))
      // the import is ONE audited act (docs/evidence.md "Imports"): the batch's row names the file
      // (hash), its rows and the problems' ids (ascending in file order); the report maps row → id
      let firstProblemId: number | null = null, lastProblemId: number | null = null
      for (const id of created.values()) { firstProblemId ??= id; lastProblemId = id }
      await tx.insertAudits([{
        actorId: user.id, action: 'problem.import', entity: 'ImportBatch', entityId: batchId, at: now,
        after: { fileName: opts.fileName, fileHash: preview.fileHash, mode: opts.mode, ...preview.summary, imported: created.size, firstProblemId, lastProblemId },
      }])
      return { committed: true, batchId, summary: { ...preview.summary, imported: created.size }, rows }
    }).finally(() => { if (opts.timings) Object.assign(opts.timings, { flags: t1 - t0 + flagsMs - preparedBefore, write: t2 - t1 - (flagsMs - preparedBefore), commit: performance.now() - t2 }) })
  } catch (e) {
    // two imports of the same rows at once: the unique externalId refuses the second
    const code = (e as { code?: string }).code
    if (code === 'P2002' || code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AppError('CONFLICT', 'IMPORT_CONFLICT', '部分行刚被其他导入写入，请重新预览后再导入')
    throw e
  }
}

/** A good row as the commit writes it: the problem (its batch id set when the batch exists) and the rest of its event's note. */
interface ImportedRow { row: number; problem: ProblemValues; note: string }
