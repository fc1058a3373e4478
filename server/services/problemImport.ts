/**
 * Importing a spreadsheet of problems (Excel .xlsx via exceljs, CSV via papaparse): read the table,
 * map columns, convert coordinates to WGS84, preview each row, then commit in one transaction
 * (all rows or none, or the good rows only) with an ImportBatch row holding the report of the refused
 * rows (each imported row is its problem: Problem.importBatchId + Problem.importRow).
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
import { CHINA_OFFSET_MS } from '../domain/time.ts'
import { holderOn } from '../domain/holder.ts'
import { failpoint } from './failpoints.ts'
import type { GridCatalog } from './gridCatalog.ts'
import { problemConfig } from './problems.ts'
import { boundaryGridIndex, reboundIndex } from '../domain/problem/nearby.ts'
import { categoryLimit, problemDeadline } from '../domain/problem/workflow.ts'
import { existingExternalIds, withImportTx, type BatchValues, type ImportRowValues, type ImportWriter, type ProblemValues } from './importWriter.ts'
import { importTooLarge, runHeavy } from './heavy.ts'
import { readLedgerInParts } from './ledgerParts.ts'
import type { Table } from '../workers/spreadsheet.ts'
import { startProblemTally } from './aggregates.ts'

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
  /** the commit's flags (importFlags): every good row prepared as it is placed, into `prepared` */
  prepare?: (r: OkRow) => ImportedRow
  /** with `prepare`: where the prepared rows go as they are placed (the commit writes them meanwhile) */
  preparedInto?: PreparedRows
}

/**
 * A commit's rows as they are prepared, in row order: the writer takes them in chunks while the rest
 * of the file is still read and checked (commitImport), so reading and writing overlap.
 */
export class PreparedRows {
  /** the rows added and not yet taken (from `head` on): the producer pushes here */
  readonly rows: ImportedRow[] = []
  private head = 0
  /** rows taken so far */
  taken = 0
  /** no more rows will come (the file is read, or reading it failed) */
  done = false
  private wake: (() => void) | null = null
  /** rows added so far */
  get count(): number { return this.taken + this.rows.length - this.head }
  /** rows were added */
  notify(): void { const w = this.wake; this.wake = null; w?.() }
  end(): void { this.done = true; this.notify() }
  /** until at least `n` rows are waiting, or no more will come */
  async waiting(n: number): Promise<void> {
    while (!this.done && this.rows.length - this.head < n) await new Promise<void>((resolve) => { this.wake = resolve })
  }
  /** the next rows, at most `n`; they are no longer held here (a million rows are not kept to the end) */
  take(n: number): ImportedRow[] {
    const out = this.rows.slice(this.head, this.head + n)
    this.head += out.length
    this.taken += out.length
    if (this.head >= 65_536) { this.rows.splice(0, this.head); this.head = 0 }
    return out
  }
}

/**
 * Milliseconds per phase of an import: the preview's checks, then the commit's flags and writes. The
 * file is read in parts while the parts before are placed and (a commit) flagged, so `check`,
 * `dedupe` and `flags` mostly run during `read`: the phases overlap and do not add up to the whole.
 */
export interface ImportTimings {
  /** reading and checking the file row by row until its last part is in (the heavy-task pool; previewRows: this thread) */
  read?: number
  /** coordinates, time, category, grid assignment, identity of every row (parseRows) */
  check?: number
  /** duplicates within the file and rows imported earlier (a lookup of every external id) */
  dedupe?: number
  /** boundary and rebound flags (spatial indexes built once) and the routing of each row */
  flags?: number
  /** from the transaction's start (the first chunk, while the file is still read) to the last row written */
  write?: number
  /** from the last row written to the commit: the tallies, the batch's counts and audit row, COMMIT (SQLite's WAL checkpoint runs after it, off the event loop) */
  commit?: number
  /**
   * within `write`: how long the transaction waited for rows to be prepared (the reading, placing and
   * flagging were behind), and how long it spent handing chunks over — building them for the driver and
   * waiting for the writer thread or PostgreSQL to take the ones before (the database side was behind):
   * which side an import waits for
   */
  waitRows?: number
  waitWriter?: number
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
  /** with `prepare` (a commit): every good row as it is written, in row order, and the milliseconds that took */
  prepared?: ImportedRow[]
  flagsMs?: number
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
 * the heavy-task pool (rows read / valid reported while it runs) and comes back in parts while it is
 * still being read (services/ledgerParts.ts); each part is placed in its grids and de-duplicated here
 * (the grid index lives in this process) meanwhile, so reading and placing overlap on two cores.
 */
export async function previewImport(db: Db, catalog: GridCatalog, bytes: Uint8Array, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const { categories } = await importLookups(db, now)
  const placer = await LedgerPlacer.create(db, catalog, opts, now)
  const t0 = performance.now()
  const counters = new SharedArrayBuffer(8)
  const seen = new Int32Array(counters)
  let last = -1
  const report = () => {
    const read = Atomics.load(seen, 0)
    if (read !== last) { last = read; opts.onProgress?.({ phase: 'read', total: 0, read, valid: Atomics.load(seen, 1) }) }
  }
  const timer = opts.onProgress ? setInterval(report, 250) : null
  let readMs = 0
  let result: { fileHash: string }
  try {
    result = await readLedgerInParts(bytes, { maxRows: IMPORT_MAX_ROWS + HEADER_SCAN, maxCells: IMPORT_MAX_CELLS, headerless: true }, ledgerOptions(opts, categories, now), async (part, lastPart) => {
      if (lastPart) {
        readMs = performance.now() - t0
        if (timer) clearInterval(timer)
      }
      await placer.add(part, lastPart)
    }, { progress: counters, timeoutFactor: bytes.length / (bytes[0] === 0x50 && bytes[1] === 0x4b ? IMPORT_BYTES_PER_TIMEOUT.xlsx : IMPORT_BYTES_PER_TIMEOUT.csv) })
  } finally {
    if (timer) clearInterval(timer)
  }
  if (opts.timings) opts.timings.read = readMs
  return placer.finish(result.fileHash)
}

function ledgerOptions(opts: ImportOptions, categories: Map<string, string>, now: Date): LedgerCheckOptions {
  return { coordSystem: opts.coordSystem, mapping: opts.mapping, headerRow: opts.headerRow, preset: opts.preset, source: opts.source, categories: [...categories], now: now.getTime() }
}

/** previewImport on rows already read (the tests feed rows directly): the same checks, on this thread, in one part. */
export async function previewRows(db: Db, catalog: GridCatalog, all: unknown[][], fileHash: string, opts: ImportOptions, now: Date): Promise<ImportPreview> {
  const { categories } = await importLookups(db, now)
  const placer = await LedgerPlacer.create(db, catalog, opts, now)
  const t0 = performance.now()
  const checker = new LedgerChecker(ledgerOptions(opts, categories, now))
  for (let i = 0; i < all.length; i++) {
    checker.push(all[i]!)
    if (i % PLACE_STEP === PLACE_STEP - 1) await tick()
  }
  const checked = checker.finish()
  if (opts.timings) opts.timings.read = performance.now() - t0
  await placer.add(checked, true)
  return placer.finish(fileHash)
}

/**
 * The checked rows placed in their grids (the finest grid containing the point and its holder now),
 * duplicates within the file and rows imported earlier skipped: every row in row order. Parts of the
 * ledger are added in row order as they are read (each part: its rows refused while reading and its
 * candidates, one contiguous range of rows); `finish` gives the preview of them all.
 */
class LedgerPlacer {
  private readonly targets = new Map<number, RowTarget>()
  /** external id → the row that first had it (duplicates within the file, across parts) */
  private readonly seen = new Map<string, number>()
  private readonly rows: ParsedRow[] = []
  private readonly reasons: Partial<Record<RowReason, number>> = {}
  private readonly summary = { total: 0, ok: 0, skipped: 0, failed: 0, warnings: 0 }
  private readonly limit: { bad: number; good: number }
  private listedBad = 0
  private listedGood = 0
  private valid = 0
  private placeMs = 0
  private dedupeMs = 0
  private flagsMs = 0
  private readonly prepared: ImportedRow[]
  private header: CheckedLedger | null = null
  private since = performance.now()

  private constructor(
    private readonly db: Db, private readonly catalog: GridCatalog, private readonly opts: ImportOptions, private readonly now: Date,
    private readonly byGrid: Map<number, { gridId: number; departmentId: number; validFrom: Date; validTo: Date | null }[]>, private readonly deptNames: Map<number, string>,
  ) {
    this.limit = opts.listed ?? { bad: Infinity, good: Infinity }
    this.prepared = opts.preparedInto?.rows ?? []
  }

  /** holders of every grid now and the departments' names, once */
  static async create(db: Db, catalog: GridCatalog, opts: ImportOptions, now: Date): Promise<LedgerPlacer> {
    const holders = await db.gridHolder.findMany({ where: { validFrom: { lte: now } } })
    const byGrid = new Map<number, typeof holders>()
    for (const h of holders) byGrid.set(h.gridId, [...(byGrid.get(h.gridId) ?? []), h])
    const deptNames = new Map((await db.department.findMany({ select: { id: true, name: true } })).map((d) => [d.id, d.name]))
    return new LedgerPlacer(db, catalog, opts, now, byGrid, deptNames)
  }

  private locate(lng: number, lat: number): RowTarget | null {
    const g = this.catalog.assign(lng, lat)
    if (!g) return null
    let t = this.targets.get(g.id)
    if (!t) {
      const dep = holderOn(this.byGrid.get(g.id) ?? [], this.now)?.departmentId ?? null
      t = { gridId: g.id, gridName: g.name, departmentId: dep, departmentName: dep === null ? null : (this.deptNames.get(dep) ?? null) }
      this.targets.set(g.id, t)
    }
    return t
  }

  /** a turn of the event loop every 1,024 rows once SLICE_MS have passed since the last one */
  private async yieldSometimes(i: number): Promise<void> {
    if ((i & 1023) === 1023 && performance.now() - this.since > SLICE_MS) { await tick(); this.since = performance.now() }
  }

  private count(r: RowReason): boolean {
    this.reasons[r] = (this.reasons[r] ?? 0) + 1
    if (SKIP_REASONS.includes(r)) this.summary.skipped++
    else this.summary.failed++
    return this.listedBad++ < this.limit.bad
  }

  async add(part: CheckedLedger, last: boolean): Promise<void> {
    const opts = this.opts
    this.header = part
    this.summary.total = part.total
    if (part.missing.length) {
      // the caller shows the headers and asks for the mapping; a commit cannot go on
      if (opts.forCommit) throw badInput(`未找到「${part.missing.map((f) => FIELD_NAMES[f as keyof typeof FIELD_NAMES]).join('、')}」列，请指定列对应关系`, 'IMPORT_MAPPING')
      return
    }
    if (last) opts.onProgress?.({ phase: 'read', total: part.total, read: part.total, valid: this.valid + part.candidates.n })
    const t0 = performance.now()
    const c = part.candidates, bad = part.bad
    // pass 1, in row order: each good row placed in its grid (state ≥ 0: its target), outside every grid
    // (-1), or a duplicate of an earlier placed row (-row of that row). Numbers only: no row objects yet.
    const placed: RowTarget[] = []
    const state = new Int32Array(c.n)
    const indexOf = new Map<RowTarget, number>()
    const done = this.summary.ok + this.summary.skipped + this.summary.failed
    // a progress line every 2 % of the rows (at least 500 and at most PLACE_STEP rows apart) once the total is known
    const step = Math.max(500, Math.min(PLACE_STEP, Math.ceil(part.total / 50)))
    for (let i = 0; i < c.n; i++) {
      const t = this.locate(c.lng[i]!, c.lat[i]!)
      if (!t) state[i] = -1
      else {
        const id = unpack(c.externalId, i)
        const earlier = this.seen.get(id)
        if (earlier !== undefined) state[i] = -earlier
        else {
          this.seen.set(id, c.row[i]!)
          this.valid++
          let k = indexOf.get(t)
          if (k === undefined) { k = placed.length; placed.push(t); indexOf.set(t, k) }
          state[i] = k
        }
      }
      if (last && i % step === step - 1) {
        opts.onProgress?.({ phase: 'check', total: part.total, read: Math.min(part.total, done + i + 1 + bad.n), valid: this.valid })
        await tick()
        this.since = performance.now()
      } else await this.yieldSometimes(i)
    }
    if (last) { this.seen.clear(); opts.onProgress?.({ phase: 'check', total: part.total, read: part.total, valid: this.valid }) }
    const t1 = performance.now()
    // rows already imported earlier
    const existing = await alreadyImported(this.db, c, state)
    // pass 2, in row order: the rows refused while reading merged with the placed ones; row objects only
    // for the rows listed (all of them unless `listed` caps them), every row counted
    const rows = this.rows, summary = this.summary, prepare = opts.prepare
    let b = 0
    const badUpTo = async (row: number) => {
      for (; b < bad.n && bad.row[b]! < row; b++) {
        if (this.count(bad.reasons[bad.reason[b]!]!)) rows.push(badAt(bad, b))
        await this.yieldSometimes(b)
      }
    }
    for (let i = 0; i < c.n; i++) {
      const row = c.row[i]!
      await badUpTo(row)
      const st = state[i]!
      if (st === -1) { if (this.count('OUTSIDE_GRIDS')) rows.push(placeRow(candidateAt(c, i), null)) }
      else if (st < -1) { if (this.count('DUPLICATE_IN_FILE')) rows.push(duplicateRow(row, -st)) }
      else if (existing.has(i)) { if (this.count('ALREADY_IMPORTED')) rows.push({ row, ok: false, reason: 'ALREADY_IMPORTED', message: REASON_MESSAGES.ALREADY_IMPORTED }) }
      else {
        summary.ok++
        if (c.flags[i]! & 1) summary.warnings++
        const listed = this.listedGood++ < this.limit.good
        if (listed || prepare) {
          const ok = placeRow(candidateAt(c, i), placed[st]!) as OkRow
          if (listed) rows.push(ok)
          if (prepare) {
            const t = performance.now()
            if ((this.prepared.push(prepare(ok)) & 1023) === 0) opts.preparedInto?.notify()
            this.flagsMs += performance.now() - t
          }
        }
      }
      await this.yieldSometimes(i)
    }
    await badUpTo(Infinity)
    opts.preparedInto?.notify()
    this.placeMs += t1 - t0
    this.dedupeMs += performance.now() - t1
  }

  finish(fileHash: string): ImportPreview {
    const checked = this.header!
    const { mapping, coordSystem, total } = checked
    const base = {
      fileHash, headerRow: checked.headerIndex + 1, topRows: checked.topRows, headers: checked.headers, mapping, preset: checked.preset,
      source: checked.source, coordSystem, noReportTime: mapping.reportedAt === undefined,
    }
    if (checked.missing.length) return { ...base, missing: checked.missing, summary: { total, ok: 0, skipped: 0, failed: 0, warnings: 0 }, rows: [] }
    if (this.opts.timings) { this.opts.timings.check = this.placeMs; this.opts.timings.dedupe = this.dedupeMs }
    const summary = this.summary, limit = this.limit
    const out: ImportPreview = { ...base, missing: [], summary, rows: this.rows }
    if (this.opts.listed) { out.omitted = { ok: Math.max(0, summary.ok - limit.good), bad: Math.max(0, summary.skipped + summary.failed - limit.bad) }; out.reasons = this.reasons }
    if (this.opts.prepare) { if (!this.opts.preparedInto) out.prepared = this.prepared; out.flagsMs = this.flagsMs; if (this.opts.timings) this.opts.timings.dedupe = this.dedupeMs - this.flagsMs }
    return out
  }
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
  /**
   * committed: the rows listed as boundedAnswer lists them (the first GOOD_ROWS_LISTED good rows with
   * their problems' ids, the first BAD_ROWS_LISTED bad ones; `omitted` and `reasons` count the rest);
   * refused (all-or-nothing): listed the same way
   */
  rows: (ParsedRow & { problemId?: number })[]
  omitted?: { ok: number; bad: number }
  reasons?: Partial<Record<RowReason, number>>
}

/**
 * Commits an import: in `all-or-nothing` mode a single failed row refuses the whole file (nothing is
 * written); in `good-rows` mode the good rows are written and the bad ones reported. One transaction.
 */
export async function commitImport(
  db: Db, catalog: GridCatalog, user: { id: number; displayName: string }, bytes: Uint8Array,
  opts: ImportOptions & { mode: ImportMode; writer?: ImportWriter }, now: Date,
): Promise<ImportResult> {
  // each good row is flagged, routed and given its deadline as its part is placed, while the worker
  // reads the next part (the flags overlap the read instead of following it)
  const prepare = await importFlags(db, catalog, user, now)
  // rows kept: every bad row (the batch's report) and the good rows the answer lists; the good rows
  // are written as they are prepared, while the next parts are read
  return writeImport(db, user, opts, now, (preparedInto) =>
    previewImport(db, catalog, bytes, { ...opts, forCommit: true, prepare, preparedInto, listed: { bad: Infinity, good: GOOD_ROWS_LISTED } }, now))
}

/**
 * What the commit adds to each good row, in memory: the boundary and rebound flags (spatial indexes
 * built once per import: a scan of every grid and every closed problem per row was the import's cost),
 * the routing (responsibility matrix) and the deadline. Returns the row as it is written.
 */
async function importFlags(db: Db, catalog: GridCatalog, user: { id: number; displayName: string }, now: Date): Promise<(r: OkRow) => ImportedRow> {
  const limits = new Map((await db.problemCategory.findMany({ select: { code: true, deadlineDays: true, kind: true } })).map((c) => [c.code, categoryLimit(c)]))
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
    // the Beijing day as a number (formatting the date per row was a second of a million-row import)
    const key = `${Math.floor((start.getTime() + CHINA_OFFSET_MS) / 86_400_000)}|${limit.normal.workingDays}`
    let d = deadlines.get(key)
    if (!d) { d = problemDeadline(start, limit, priority, catalog.holidays.calendar); deadlines.set(key, d) }
    return d
  }
  const lists = new Map<string, ReturnType<typeof boundaryGridIndex>>()
  const rebounds = reboundIndex(closed)
  const boundaryOpts = { distanceM: cfg.boundaryM }, reboundOpts = { distanceM: cfg.reboundM, days: cfg.reboundDays, now }
  /** one row as it is written: the problem's values and its 'report' event's note */
  return (r: OkRow): ImportedRow => {
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
        reporterId: user.id, reporterName: user.displayName, source: 'import', externalId: r.externalId,
        boundaryGridIds: boundaryIds ? JSON.stringify(boundaryIds) : null, reboundOfId: rebound?.id ?? null,
        reportedAt, createdAt: now, updatedAt: now,
      },
      note: (boundaryIds ? `；边界问题：邻近网格 ${boundaryIds.join(', ')}` : '') + (rebound ? `；反弹：与 #${rebound.id} 相距 ${Math.round(rebound.distanceM)} 米` : ''),
    }
  }
}

/** Rows per statement group (and per progress report / failpoint step) in the driver's transaction. */
export const WRITE_CHUNK = 5_000

/** all-or-nothing and a row failed: nothing is written */
const refusedFile = (preview: ImportPreview, mode: ImportMode) => mode === 'all-or-nothing' && preview.summary.failed > 0
function refusedAnswer(preview: ImportPreview): ImportResult {
  const refused = boundedAnswer({ rows: preview.rows })
  refused.omitted.ok += preview.omitted?.ok ?? 0
  return { committed: false, batchId: null, summary: { ...preview.summary, imported: 0 }, rows: refused.rows, omitted: refused.omitted, reasons: refused.reasons }
}
/** thrown inside the transaction when the file, read to its end, is refused: the transaction rolls back */
class RefusedFile { constructor(readonly preview: ImportPreview) {} }

type CommitOptions = Pick<ImportOptions, 'fileName' | 'coordSystem' | 'onProgress' | 'timings'> & { mode: ImportMode; writer?: ImportWriter }

/**
 * The commit of a checked file (the preview the caller has): the same validation and assignment as
 * the preview, flags computed in memory, then ONE transaction (writeImport).
 */
export async function commitPreview(
  db: Db, catalog: GridCatalog, user: { id: number; displayName: string }, preview: ImportPreview, opts: CommitOptions, now: Date,
): Promise<ImportResult> {
  if (refusedFile(preview, opts.mode)) return refusedAnswer(preview)
  const prepare = preview.prepared ? null : await importFlags(db, catalog, user, now)
  return writeImport(db, user, opts, now, async (into) => {
    if (preview.prepared) for (const r of preview.prepared) into.rows.push(r)
    else {
      const t = performance.now()
      for (const r of preview.rows) {
        if (r.ok && (into.rows.push(prepare!(r)) & 1023) === 0) { into.notify(); await tick() }
      }
      return { ...preview, flagsMs: (preview.flagsMs ?? 0) + performance.now() - t } // the caller's preview stays as it was
    }
    return preview
  })
}

/**
 * The import's ONE transaction through the driver (or Prisma, services/importWriter.ts): the batch,
 * the problems and their 'report' events in chunks of WRITE_CHUNK as `produce` prepares them (the
 * rest of the file is still being read: the reading, on this thread and the heavy-task pool, and the
 * writing, on the writer thread or in PostgreSQL, overlap), then the tallies, the batch's final counts
 * and report, its audit row, COMMIT. The transaction starts with the first chunk (a file refused
 * before it never opens one); a file refused at its end, or a read that fails, rolls it back.
 * Progress is reported per chunk written once the file is read.
 */
async function writeImport(
  db: Db, user: { id: number; displayName: string }, opts: CommitOptions, now: Date,
  produce: (into: PreparedRows) => Promise<ImportPreview>,
): Promise<ImportResult> {
  const into = new PreparedRows()
  let preview: ImportPreview | null = null
  const production = produce(into).then((p) => { preview = p }).finally(() => into.end())
  production.catch(() => {}) // awaited below
  await into.waiting(WRITE_CHUNK)
  if (into.done) {
    await production
    if (refusedFile(preview!, opts.mode)) return refusedAnswer(preview!)
  }
  const writer = opts.writer ?? 'driver'
  const fileName = opts.fileName.slice(0, 200)
  const t1 = performance.now()
  let t2 = t1, waitRows = 0, waitWriter = 0
  const listedIds: number[] = []
  /** the batch's values; its counts and report are final once the file is read */
  const batchOf = (p: ImportPreview | null, imported: number): BatchValues => ({
    fileName, fileHash: p?.fileHash ?? '', coordSystem: p?.coordSystem ?? opts.coordSystem, mode: opts.mode,
    total: p?.summary.total ?? 0, skipped: p?.summary.skipped ?? 0, failed: p?.summary.failed ?? 0, createdById: user.id, createdAt: now, imported,
    // the batch's report: the refused rows (each imported row is its problem: importBatchId + importRow)
    report: p ? JSON.stringify(p.rows.filter((r): r is BadRow => !r.ok).map((r) => ({ row: r.row, ok: false, reason: r.reason, message: r.message, detail: r.detail }))) : '[]',
  })
  try {
    return await withImportTx(db, writer, async (tx) => {
      const batchId = await tx.createBatch(batchOf(preview, 0))
      const event = { actorId: user.id, at: now, notePrefix: `导入批次 #${batchId}` }
      // aggregates (services/aggregates.ts): the problems written, summed in memory as they are
      // written, added to the tallies at the end of the same transaction
      const tally = await startProblemTally(tx)
      let firstProblemId: number | null = null, lastProblemId: number | null = null
      for (let c = 1; ; c++) {
        const w0 = performance.now()
        await into.waiting(WRITE_CHUNK)
        const chunk = into.take(WRITE_CHUNK)
        const w1 = performance.now()
        waitRows += w1 - w0
        if (!chunk.length) break
        // the driver returns once the rows are handed over (the writer thread or PostgreSQL inserts
        // them meanwhile); the next write, flush or query waits for them
        const ids = await tx.insertProblems(batchId, chunk, event)
        waitWriter += performance.now() - w1
        for (const x of chunk) tally.add(x.problem)
        if (ids.length) { firstProblemId ??= ids[0]!; lastProblemId = ids[ids.length - 1]! }
        for (let k = 0; k < ids.length && listedIds.length < GOOD_ROWS_LISTED; k++) listedIds.push(ids[k]!)
        const read: ImportPreview | null = preview
        if (read) opts.onProgress?.({ phase: 'write', total: read.summary.total, read: read.summary.total, valid: into.count, written: into.taken })
        // crash tests: kill with a chunk written, the transaction open (the chunks' count is known once
        // the file is read; while it is still read, the first chunk is the one announced)
        await failpoint('problem.import', c, read ? c + Math.ceil((into.count - into.taken) / WRITE_CHUNK) + 1 : c + 1)
        await tick()
      }
      await production // a read that failed: the transaction rolls back
      const p: ImportPreview = preview!
      if (refusedFile(p, opts.mode)) throw new RefusedFile(p)
      const f0 = performance.now()
      await tx.flush()
      t2 = performance.now()
      waitWriter += t2 - f0
      const valid = into.taken
      await tally.write()
      await tx.finishBatch(batchId, batchOf(p, valid))
      // the import is ONE audited act (docs/evidence.md "Imports"): the batch's row names the file
      // (hash), its rows and the problems' ids (ascending in file order); each problem names its batch and row
      await tx.insertAudits([{
        actorId: user.id, action: 'problem.import', entity: 'ImportBatch', entityId: batchId, at: now,
        after: { fileName: opts.fileName, fileHash: p.fileHash, mode: opts.mode, ...p.summary, imported: valid, firstProblemId, lastProblemId },
      }])
      // the answer lists the first GOOD_ROWS_LISTED good rows (with their problems' ids) and BAD_ROWS_LISTED bad ones
      const answer = boundedAnswer({ rows: p.rows })
      answer.omitted.ok += p.omitted?.ok ?? 0 // good rows the preview did not keep (a commit keeps only those it lists)
      let g = 0
      const rows = answer.rows.map((r) => (r.ok ? { ...r, problemId: listedIds[g++] } : r))
      return { committed: true, batchId, summary: { ...p.summary, imported: valid }, rows, omitted: answer.omitted, reasons: answer.reasons }
    }).finally(() => { if (opts.timings) Object.assign(opts.timings, { flags: (preview as ImportPreview | null)?.flagsMs ?? 0, write: t2 - t1, commit: performance.now() - t2, waitRows, waitWriter }) })
  } catch (e) {
    if (e instanceof RefusedFile) return refusedAnswer(e.preview)
    // two imports of the same rows at once: the unique externalId refuses the second
    const code = (e as { code?: string }).code
    if (code === 'P2002' || code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AppError('CONFLICT', 'IMPORT_CONFLICT', '部分行刚被其他导入写入，请重新预览后再导入')
    throw e
  } finally {
    await production.catch(() => {}) // a write that failed: the reading ends before this returns
  }
}

/** A good row as the commit writes it: its row, the problem (its batch id set by the writer) and the rest of its event's note. */
type ImportedRow = ImportRowValues
