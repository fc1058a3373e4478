/**
 * Importing a spreadsheet of problems (Excel .xlsx via exceljs, CSV via papaparse): read the table,
 * map columns, convert coordinates to WGS84, preview each row, then commit in one transaction
 * (all rows or none, or the good rows only) with an ImportBatch row holding the per-row report.
 * Re-importing the same rows does not duplicate: each row has a stable externalId (the file's id
 * column, else a content hash) and rows already in the database are skipped.
 */
import { problemRouter } from './routing.ts'
import type { Routing } from '../domain/routing/matrix.ts'
import { rawDriver, type Db } from '../db/client.ts'
import {
  duplicateRow, placeRow, REASON_MESSAGES, SKIP_REASONS, type BadRow, type ColumnMapping, type CoordSystem, type OkRow, type ParsedRow, type PresetName, type RowReason, type RowTarget,
} from '../domain/problem/importRows.ts'
import { HEADER_SCAN } from '../domain/problem/headerRow.ts'
import { badAt, candidateAt, LedgerChecker, planTable, REQUIRED_FIELDS, unpack, type Candidates, type CheckedLedger, type LedgerCheckOptions } from '../domain/problem/ledgerCheck.ts'
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

/**
 * A problem ledger: up to 200 MB and 1,048,576 rows (Excel's own row limit), so a city's
 * 1,000,000-row ledger goes in one file (≈ 60–80 MB as CSV). The file is read and checked row by row
 * in the heavy-task pool without keeping its rows (ledgerCheck.ts), and at most IMPORT_BIG_SLOTS
 * files over IMPORT_SMALL_BYTES are read at once (server/api/importHttp.ts).
 */
export const IMPORT_MAX_BYTES = 200 * 1024 * 1024
export const IMPORT_MAX_ROWS = 1_048_576
/** cells read in all (a row's cells run to its last filled column): 24 columns of 1,048,576 rows */
export const IMPORT_MAX_CELLS = 24 * 1_048_576
/** a file up to this size is an ordinary upload; a bigger one waits for a big-upload slot (server/api/importHttp.ts) */
export const IMPORT_SMALL_BYTES = 20 * 1024 * 1024
/**
 * The bytes read and checked per HEAVY_TASK_TIMEOUT_MS (20 s by default): a bigger file gets
 * proportionally more time (a 70 MB CSV 140 s, a 35 MB .xlsx 175 s; measured: a 1,000,000-row CSV
 * read and checked in 31 s at load 11). An .xlsx is compressed and read slower (exceljs) per byte.
 */
export const IMPORT_BYTES_PER_TIMEOUT = { csv: 10 * 1024 * 1024, xlsx: 4 * 1024 * 1024 }
/** other spreadsheets read whole (holder register, evaluation sites): the limits they always had */
export const TABLE_MAX_ROWS = 50_000
export const TABLE_MAX_CELLS = 2_000_000
/** rows placed in their grids between two progress lines, at most */
const PLACE_STEP = 20_000
/** the event loop gets a turn at least this often (ms) while rows are placed */
const SLICE_MS = 20

export const IMPORT_MODES = ['all-or-nothing', 'good-rows'] as const
export type ImportMode = (typeof IMPORT_MODES)[number]

export type { Table }

/**
 * The first sheet of an .xlsx, or a CSV, as a header row and data rows of raw values: read in the
 * heavy-task pool as a stream, with the row and cell limits checked while reading and zip bombs
 * refused (server/workers/spreadsheet.ts).
 */
export async function readTable(bytes: Uint8Array, headerless = false): Promise<Table> {
  return runHeavy('readTable', [bytes, { maxRows: TABLE_MAX_ROWS + (headerless ? HEADER_SCAN : 0), maxCells: TABLE_MAX_CELLS, headerless }], importTooLarge)
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
  /**
   * list only this many bad and good rows in `rows` (the rest counted in `omitted`, every bad row in
   * `reasons`): a preview for the browser builds no row objects for a million rows
   */
  listed?: { bad: number; good: number }
  /** filled with the milliseconds each phase took (the bench's breakdown; nothing else reads it) */
  timings?: ImportTimings
}

/** Milliseconds per phase of an import: the preview's checks, then the commit's flags and writes. */
export interface ImportTimings {
  /** reading and checking the file row by row, before the grids (the heavy-task pool; previewRows: this thread) */
  read?: number
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

/**
 * Progress: 'read' while the file is read and checked row by row (`total` 0 until the end: not known
 * yet; `valid` rows good so far before their grid), 'check' while rows are placed in their grids
 * (`read` rows done of `total`, `valid` good), 'write' while committing.
 */
export interface ImportProgress { phase: 'read' | 'check' | 'write'; total: number; read: number; valid: number; written?: number }

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
  /** with `listed`: the rows left out of `rows` */
  omitted?: { ok: number; bad: number }
  /** with `listed`: every bad row counted by reason */
  reasons?: Partial<Record<RowReason, number>>
}

const tick = () => new Promise<void>((r) => setImmediate(r))

/** The sheet's rows, the header found (or chosen), the mapping, preset and source (server/domain/problem/ledgerCheck.ts). */
export { planTable }

/** What checking needs from the database: the categories by code and name, each grid's holders and the departments' names. */
async function importLookups(db: Db, now: Date) {
  const cats = await db.problemCategory.findMany({ select: { code: true, name: true } })
  const categories = new Map<string, string>()
  for (const c of cats) { categories.set(c.code, c.code); categories.set(c.code.toLowerCase(), c.code); categories.set(c.name.toLowerCase(), c.code); categories.set(c.name, c.code) }
  return { categories, now }
}

/**
 * Reads, maps and checks every row (nothing is written). The file is read and checked row by row in
 * the heavy-task pool (rows read / valid reported while it runs), then the good rows are placed in
 * their grids here (the grid index lives in this process) in steps, then de-duplicated.
 */
export async function previewImport(db: Db, catalog: GridCatalog, bytes: Uint8Array, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const { categories } = await importLookups(db, now)
  const t0 = performance.now()
  const counters = new SharedArrayBuffer(8)
  const seen = new Int32Array(counters)
  let last = -1
  const report = () => {
    const read = Atomics.load(seen, 0)
    if (read !== last) { last = read; opts.onProgress?.({ phase: 'read', total: 0, read, valid: Atomics.load(seen, 1) }) }
  }
  const timer = opts.onProgress ? setInterval(report, 250) : null
  let checked: CheckedLedger & { fileHash: string }
  try {
    checked = await runHeavy('checkLedger', [bytes, { maxRows: IMPORT_MAX_ROWS + HEADER_SCAN, maxCells: IMPORT_MAX_CELLS, headerless: true }, ledgerOptions(opts, categories, now), counters], importTooLarge,
      { timeoutFactor: bytes.length / (bytes[0] === 0x50 && bytes[1] === 0x4b ? IMPORT_BYTES_PER_TIMEOUT.xlsx : IMPORT_BYTES_PER_TIMEOUT.csv) })
  } finally {
    if (timer) clearInterval(timer)
  }
  if (opts.timings) opts.timings.read = performance.now() - t0
  return finishPreview(db, catalog, checked, checked.fileHash, opts, now)
}

function ledgerOptions(opts: ImportOptions, categories: Map<string, string>, now: Date): LedgerCheckOptions {
  return { coordSystem: opts.coordSystem, mapping: opts.mapping, headerRow: opts.headerRow, preset: opts.preset, source: opts.source, categories: [...categories], now: now.getTime() }
}

/** previewImport on rows already read (the tests feed rows directly): the same checks, on this thread. */
export async function previewRows(db: Db, catalog: GridCatalog, all: unknown[][], fileHash: string, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const { categories } = await importLookups(db, now)
  const t0 = performance.now()
  const checker = new LedgerChecker(ledgerOptions(opts, categories, now))
  for (let i = 0; i < all.length; i++) {
    checker.push(all[i]!)
    if (i % PLACE_STEP === PLACE_STEP - 1) await tick()
  }
  const checked = checker.finish()
  if (opts.timings) opts.timings.read = performance.now() - t0
  return finishPreview(db, catalog, checked, fileHash, opts, now)
}

/**
 * The checked rows placed in their grids (the finest grid containing the point and its holder now),
 * duplicates within the file and rows imported earlier skipped: every row in row order.
 */
async function finishPreview(db: Db, catalog: GridCatalog, checked: CheckedLedger, fileHash: string, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const { mapping, coordSystem, total } = checked
  const base = {
    fileHash, headerRow: checked.headerIndex + 1, topRows: checked.topRows, headers: checked.headers, mapping, preset: checked.preset,
    source: checked.source, coordSystem, noReportTime: mapping.reportedAt === undefined,
  }
  opts.onProgress?.({ phase: 'read', total, read: total, valid: checked.candidates.n })
  if (checked.missing.length) {
    // the caller shows the headers and asks for the mapping; a commit cannot go on
    if (opts.forCommit) throw badInput(`未找到「${checked.missing.map((f) => FIELD_NAMES[f as keyof typeof FIELD_NAMES]).join('、')}」列，请指定列对应关系`, 'IMPORT_MAPPING')
    return { ...base, missing: checked.missing, summary: { total, ok: 0, skipped: 0, failed: 0, warnings: 0 }, rows: [] }
  }
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
  const c = checked.candidates, bad = checked.bad
  // pass 1, in row order: each good row placed in its grid (state ≥ 0: its target), outside every grid
  // (-1), or a duplicate of an earlier placed row (-row of that row). Numbers only: no row objects yet.
  const placedTargets: RowTarget[] = [], targetIndex = new Map<RowTarget, number>()
  const state = new Int32Array(c.n)
  const seen = new Map<string, number>()
  let valid = 0
  // a progress line every 2 % of the rows (at least 500 and at most PLACE_STEP rows apart); a turn of
  // the event loop then, and whenever SLICE_MS have passed since the last one
  const step = Math.max(500, Math.min(PLACE_STEP, Math.ceil(c.n / 50)))
  let since = performance.now()
  const yieldSometimes = async (i: number) => {
    if ((i & 1023) === 1023 && performance.now() - since > SLICE_MS) { await tick(); since = performance.now() }
  }
  for (let i = 0; i < c.n; i++) {
    const t = locate(c.lng[i]!, c.lat[i]!)
    if (!t) state[i] = -1
    else {
      const id = unpack(c.externalId, i)
      const earlier = seen.get(id)
      if (earlier !== undefined) state[i] = -earlier
      else {
        seen.set(id, c.row[i]!)
        valid++
        let k = targetIndex.get(t)
        if (k === undefined) { k = placedTargets.length; placedTargets.push(t); targetIndex.set(t, k) }
        state[i] = k
      }
    }
    if (i % step === step - 1) {
      opts.onProgress?.({ phase: 'check', total, read: Math.min(total, i + 1 + bad.n), valid })
      await tick()
      since = performance.now()
    } else await yieldSometimes(i)
  }
  seen.clear()
  opts.onProgress?.({ phase: 'check', total, read: total, valid })
  const t1 = performance.now()
  // rows already imported earlier
  const existing = await alreadyImported(db, c, state)
  // pass 2, in row order: the rows refused while reading merged with the placed ones; row objects only
  // for the rows listed (all of them unless `listed` caps them), every row counted
  const limit = opts.listed ?? { bad: Infinity, good: Infinity }
  const rows: ParsedRow[] = []
  const reasons: Partial<Record<RowReason, number>> = {}
  const summary = { total, ok: 0, skipped: 0, failed: 0, warnings: 0 }
  let listedBad = 0, listedGood = 0
  const count = (r: RowReason) => {
    reasons[r] = (reasons[r] ?? 0) + 1
    if (SKIP_REASONS.includes(r)) summary.skipped++
    else summary.failed++
    return listedBad++ < limit.bad
  }
  let b = 0
  const badUpTo = async (row: number) => {
    for (; b < bad.n && bad.row[b]! < row; b++) {
      if (count(bad.reasons[bad.reason[b]!]!)) rows.push(badAt(bad, b))
      await yieldSometimes(b)
    }
  }
  for (let i = 0; i < c.n; i++) {
    const row = c.row[i]!
    await badUpTo(row)
    const st = state[i]!
    if (st === -1) { if (count('OUTSIDE_GRIDS')) rows.push(placeRow(candidateAt(c, i), null)) }
    else if (st < -1) { if (count('DUPLICATE_IN_FILE')) rows.push(duplicateRow(row, -st)) }
    else if (existing.has(i)) { if (count('ALREADY_IMPORTED')) rows.push({ row, ok: false, reason: 'ALREADY_IMPORTED', message: REASON_MESSAGES.ALREADY_IMPORTED }) }
    else {
      summary.ok++
      if (c.flags[i]! & 1) summary.warnings++
      if (listedGood++ < limit.good) rows.push(placeRow(candidateAt(c, i), placedTargets[st]!))
    }
    await yieldSometimes(i)
  }
  await badUpTo(Infinity)
  if (opts.timings) { opts.timings.check = t1 - t0; opts.timings.dedupe = performance.now() - t1 }
  const out: ImportPreview = { ...base, missing: [], summary, rows }
  if (opts.listed) { out.omitted = { ok: Math.max(0, summary.ok - limit.good), bad: Math.max(0, summary.skipped + summary.failed - limit.bad) }; out.reasons = reasons }
  return out
}

/** Rows listed in an answer sent to the browser: every bad row up to BAD_ROWS_LISTED, the first GOOD_ROWS_LISTED good ones. */
export const BAD_ROWS_LISTED = 10_000
export const GOOD_ROWS_LISTED = 1_000

/**
 * A preview or commit answer for the browser: the summary and counts are exact, but `rows` lists
 * (in row order) at most BAD_ROWS_LISTED bad rows and GOOD_ROWS_LISTED good ones, with how many of
 * each were left out and the bad rows counted by reason — never a million row objects. A commit
 * re-reads the uploaded file on the server; nothing the browser holds is sent back.
 */
export function boundedAnswer<T extends { rows: ParsedRow[]; omitted?: { ok: number; bad: number }; reasons?: Partial<Record<RowReason, number>> }>(answer: T, limits = { bad: BAD_ROWS_LISTED, good: GOOD_ROWS_LISTED }): Omit<T, 'rows'> & { rows: T['rows']; omitted: { ok: number; bad: number }; reasons: Partial<Record<RowReason, number>> } {
  if (answer.omitted && answer.reasons) return { ...answer, omitted: answer.omitted, reasons: answer.reasons } // listed when checked (ImportOptions.listed)
  const rows: T['rows'] = []
  const reasons: Partial<Record<RowReason, number>> = {}
  let good = 0, badN = 0
  for (const r of answer.rows) {
    if (r.ok) { if (good++ < limits.good) rows.push(r) }
    else {
      reasons[r.reason] = (reasons[r.reason] ?? 0) + 1
      if (badN++ < limits.bad) rows.push(r as BadRow)
    }
  }
  return { ...answer, rows, omitted: { ok: Math.max(0, good - limits.good), bad: Math.max(0, badN - limits.bad) }, reasons }
}

/**
 * External ids of the good rows that are already in the database: the same externalId, or (`gd:<id>`,
 * a row of GridDuty's own export of a problem reported in the app) that very problem here.
 */
async function alreadyImported(db: Db, c: Candidates, state: Int32Array): Promise<Set<number>> {
  const ok: number[] = []
  for (let i = 0; i < c.n; i++) if (state[i]! >= 0) ok.push(i)
  // in parts with a turn of the event loop between them (SQLite's lookup is synchronous: 1,000,000
  // ids at once held the loop for seconds)
  const existing = new Set<number>()
  const PART = 10_000
  for (let i = 0; i < ok.length; i += PART) {
    const part = ok.slice(i, i + PART)
    const found = await existingExternalIds(db, part.map((k) => unpack(c.externalId, k)))
    if (found.size) for (const k of part) if (found.has(unpack(c.externalId, k))) existing.add(k)
    if (i + PART < ok.length) await tick()
  }
  const LOOKUP = 5_000
  const own = ok.filter((k) => c.externalId.text.startsWith('gd:', k === 0 ? 0 : c.externalId.ends[k - 1]!))
  for (let i = 0; i < own.length; i += LOOKUP) {
    const part = own.slice(i, i + LOOKUP)
    const appId = (k: number) => Number(unpack(c.externalId, k).slice(3))
    const found = await db.problem.findMany({ where: { id: { in: part.map(appId) }, externalId: null }, select: { id: true, lng: true, lat: true, categoryCode: true } })
    const byId = new Map(found.map((p) => [p.id, p]))
    for (const k of part) {
      const p = byId.get(appId(k))
      if (p && p.categoryCode === c.codes[c.category[k]!] && Math.abs(p.lng - c.lng[k]!) < 1e-9 && Math.abs(p.lat - c.lat[k]!) < 1e-9) existing.add(k)
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
  const boundaryOpts = { distanceM: cfg.boundaryM }, reboundOpts = { distanceM: cfg.reboundM, days: cfg.reboundDays, now }
  /** one row as it is written: the problem's values and its 'report' event's note */
  const prepare = (r: OkRow): ImportedRow => {
    const level = catalog.get(r.target.gridId)?.level ?? 'community'
    let list = lists.get(level)
    if (!list) { list = boundaryGridIndex(catalog.list(level)); lists.set(level, list) }
    const boundary = list.candidateIds(r.lng, r.lat, r.target.gridId, boundaryOpts)
    const rebound = rebounds.find(r, reboundOpts)
    const routing = routeOnce(r.categoryCode, r.target.gridId, r.target.departmentId)
    const reportedAt = r.reportedAt ?? now
    const boundaryIds = boundary.length ? boundary : null
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
