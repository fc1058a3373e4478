/**
 * A ledger checked as it is read, row by row, without keeping the rows (the heavy-task pool reads an
 * uploaded file through it: server/workers/heavyTasks.ts `checkLedgerParts`, in parts). The first rows are held
 * until the header row is known (it is found among the first HEADER_SCAN rows), then every row goes
 * through `rowChecker` (server/domain/problem/importRows.ts: every rule of parseRows before the grid)
 * and only its outcome is kept, column by column: numbers in typed arrays, texts packed into one string
 * with their end offsets. Handing that back to the main thread copies a few buffers and strings (a
 * million row objects took seconds to deserialize there, in one piece, with the event loop held);
 * the main thread unpacks one row at a time while it places them in their grids. Pure.
 */
import { findHeaderRow, HEADER_SCAN } from './headerRow.ts'
import {
  cellText, detectPreset, guessMapping, REASON_MESSAGES, rowChecker, type BadRow, type ColumnMapping, type CoordSystem, type PresetName, type RowCandidate, type RowReason,
} from './importRows.ts'

export interface PlanOptions {
  coordSystem: CoordSystem
  mapping?: ColumnMapping
  /** the header row, 1-based as the spreadsheet numbers it (default: found among the first rows) */
  headerRow?: number
  /** a preset mapping; default: recognised from the column names; 'none': never */
  preset?: PresetName | 'none'
  /** the source external ids are scoped to (default: the preset's, else the id column's name) */
  source?: string
}

export const REQUIRED_FIELDS = ['lng', 'lat', 'category', 'description'] as const

/** The sheet's rows, the header found (or chosen), the mapping, preset and source. */
export function planTable(all: readonly (readonly unknown[])[], opts: PlanOptions) {
  const header = findHeaderRow(all, opts.headerRow === undefined ? undefined : opts.headerRow - 1)
  const preset = opts.preset === 'none' ? null : detectPreset(header.headers, opts.preset)
  const mapping = opts.mapping ?? preset?.mapping ?? guessMapping(header.headers)
  const idHeader = mapping.externalId === undefined ? '' : (header.headers[mapping.externalId] ?? '').split('·').pop()!.trim()
  const source = (opts.source?.trim() || preset?.source || idHeader || 'file').slice(0, 40)
  const coordSystem = preset?.coordSystem ?? opts.coordSystem
  return { header, preset, mapping, source, coordSystem, rows: all.slice(header.index + 1), firstRow: header.index + 2 }
}

/** Texts packed into one string: text i is `text.slice(ends[i - 1] ?? 0, ends[i])`. */
export interface Packed { text: string; ends: Int32Array }
export const unpack = (p: Packed, i: number): string => p.text.slice(i === 0 ? 0 : p.ends[i - 1]!, p.ends[i]!)

class Packer {
  private parts: string[] = []
  private ends = new Column((n) => new Int32Array(n))
  private length = 0
  push(s: string) { this.parts.push(s); this.length += s.length; this.ends.push(this.length) }
  done(): Packed { const text = this.parts.join(''); this.parts = []; return { text, ends: this.ends.done() } }
}

/** The rows refused before their grid, one array per field. */
export interface BadRows {
  n: number
  row: Int32Array
  /** index into `reasons` */
  reason: Uint8Array
  reasons: RowReason[]
  /** 1: the row has a detail */
  hasDetail: Uint8Array
  detail: Packed
}

/** The i-th bad row as the row checker gave it. */
export function badAt(b: BadRows, i: number): BadRow {
  const reason = b.reasons[b.reason[i]!]!
  const r: BadRow = { row: b.row[i]!, ok: false, reason, message: REASON_MESSAGES[reason] }
  r.detail = b.hasDetail[i] ? unpack(b.detail, i) : undefined
  return r
}

/** The good rows (so far) before their grid, one array per field; row i of each array is one row. */
export interface Candidates {
  n: number
  row: Int32Array
  lng: Float64Array
  lat: Float64Array
  /** milliseconds since the epoch; NaN: no report time */
  reportedAt: Float64Array
  /** 1: coordinates swapped back; 2: urgent */
  flags: Uint8Array
  /** index into `codes` */
  category: Uint16Array
  codes: string[]
  description: Packed
  externalId: Packed
}

export interface CheckedLedger {
  /** 0-based index of the header row */
  headerIndex: number
  headers: string[]
  /** the first rows as text (at most 12 columns of 40 characters), to choose the header row from */
  topRows: string[][]
  mapping: ColumnMapping
  preset: PresetName | null
  source: string
  coordSystem: CoordSystem
  /** required fields with no column: nothing was checked */
  missing: string[]
  /** data rows (after the header row) */
  total: number
  /** the rows refused before their grid was known, in row order */
  bad: BadRows
  candidates: Candidates
}

export interface LedgerCheckOptions extends PlanOptions {
  /** code → code, name → code (as ParseOptions.categories) */
  categories: [string, string][]
  /** report times after this are refused (milliseconds) */
  now: number
}

class Column<T extends Float64Array | Int32Array | Uint8Array | Uint16Array> {
  a: T
  n = 0
  constructor(private make: (n: number) => T) { this.a = make(4096) }
  push(v: number) {
    if (this.n === this.a.length) { const b = this.make(this.a.length * 2); b.set(this.a as never); this.a = b }
    this.a[this.n++] = v
  }
  done(): T { return this.a.slice(0, this.n) as T }
}

/** the columns of the rows refused while reading, empty */
const newBadColumns = () => ({ row: new Column((n) => new Int32Array(n)), reason: new Column((n) => new Uint8Array(n)), hasDetail: new Column((n) => new Uint8Array(n)), detail: new Packer() })
/** the numeric columns of the good rows, empty */
const newCandidateColumns = () => ({
  row: new Column((n) => new Int32Array(n)), lng: new Column((n) => new Float64Array(n)), lat: new Column((n) => new Float64Array(n)),
  reportedAt: new Column((n) => new Float64Array(n)), flags: new Column((n) => new Uint8Array(n)), category: new Column((n) => new Uint16Array(n)),
})

/** Feed it the sheet's rows in order (header and title rows included), then `finish()`. */
export class LedgerChecker {
  private head: unknown[][] = []
  private headHasText = false
  private plan: ReturnType<typeof planTable> | null = null
  private check: ReturnType<typeof rowChecker> | null = null
  private missing: string[] = []
  private seenRows = 0
  private dataRows = 0
  private bad = newBadColumns()
  private reasons = new Map<RowReason, number>()
  private cols = newCandidateColumns()
  private codes = new Map<string, number>()
  private description = new Packer()
  private externalId = new Packer()
  /** good rows in the parts already taken */
  private validBefore = 0

  constructor(private opts: LedgerCheckOptions) {}

  /** rows read so far (header rows included) */
  get read(): number { return this.seenRows }
  /** good rows so far (before their grid) */
  get valid(): number { return this.validBefore + this.cols.row.n }

  push(values: readonly unknown[]): void {
    this.seenRows++
    if (!this.plan) {
      this.head.push(values as unknown[])
      if (!this.headHasText) this.headHasText = values.some((v) => cellText(v) !== '')
      // the header row is one of the first HEADER_SCAN (a chosen one at most the HEADER_SCAN-th), or,
      // when none of them has two texts, the first row with any text (findHeaderRow)
      if (this.head.length > HEADER_SCAN && this.headHasText) this.start()
      return
    }
    this.take(values)
  }

  private start(): void {
    const plan = planTable(this.head, this.opts)
    this.plan = plan
    this.missing = ['lng', 'lat', 'category', 'description'].filter((f) => plan.mapping[f as keyof ColumnMapping] === undefined)
    this.check = rowChecker({ mapping: plan.mapping, coordSystem: plan.coordSystem, categories: new Map(this.opts.categories), source: plan.source, now: new Date(this.opts.now) })
    for (const r of plan.rows) this.take(r)
  }

  private take(values: readonly unknown[]): void {
    const p = this.plan!
    const row = p.firstRow + this.dataRows++
    if (this.missing.length) return // nothing is checked until the mapping is complete
    const c = this.check!(values, row)
    if (c.ok === false) { this.addBad(c); return }
    this.add(c)
  }

  private addBad(b: BadRow): void {
    let reason = this.reasons.get(b.reason)
    if (reason === undefined) { reason = this.reasons.size; this.reasons.set(b.reason, reason) }
    this.bad.row.push(b.row); this.bad.reason.push(reason)
    this.bad.hasDetail.push(b.detail === undefined ? 0 : 1); this.bad.detail.push(b.detail ?? '')
  }

  private add(c: RowCandidate): void {
    const k = this.cols
    k.row.push(c.row); k.lng.push(c.lng); k.lat.push(c.lat)
    k.reportedAt.push(c.reportedAt ? c.reportedAt.getTime() : NaN)
    k.flags.push((c.swapped ? 1 : 0) | (c.priority === 'urgent' ? 2 : 0))
    let code = this.codes.get(c.categoryCode)
    if (code === undefined) { code = this.codes.size; this.codes.set(c.categoryCode, code) }
    k.category.push(code)
    this.description.push(c.description)
    this.externalId.push(c.externalId)
  }

  /** good and bad rows checked since the last part was taken */
  get pending(): number { return this.cols.row.n + this.bad.row.n }

  /**
   * The rows checked since the last part (null until the header row is known): for a reader that works
   * on the rows while the file is still being read. Each part is a CheckedLedger of its own rows
   * (`total`: data rows so far); `finish()` then gives the last part.
   */
  takePart(): CheckedLedger | null {
    return this.plan ? this.snapshot() : null
  }

  /** everything not taken as a part yet (all of it when no part was taken) */
  finish(): CheckedLedger {
    if (!this.plan) this.start()
    return this.snapshot()
  }

  private snapshot(): CheckedLedger {
    const p = this.plan!
    const k = this.cols
    const out: CheckedLedger = {
      headerIndex: p.header.index, headers: p.header.headers,
      topRows: this.head.slice(0, 10).map((r) => (r ?? []).slice(0, 12).map((v) => cellText(v).slice(0, 40))),
      mapping: p.mapping, preset: p.preset?.name ?? null, source: p.source, coordSystem: p.coordSystem,
      missing: this.missing, total: this.dataRows,
      bad: { n: this.bad.row.n, row: this.bad.row.done(), reason: this.bad.reason.done(), reasons: [...this.reasons.keys()], hasDetail: this.bad.hasDetail.done(), detail: this.bad.detail.done() },
      candidates: {
        n: k.row.n, row: k.row.done(), lng: k.lng.done(), lat: k.lat.done(), reportedAt: k.reportedAt.done(), flags: k.flags.done(), category: k.category.done(),
        codes: [...this.codes.keys()], description: this.description.done(), externalId: this.externalId.done(),
      },
    }
    this.validBefore += k.row.n
    // the next part starts empty (reason and category indexes keep counting: their tables only grow)
    this.bad = newBadColumns()
    this.cols = newCandidateColumns()
    this.description = new Packer()
    this.externalId = new Packer()
    return out
  }
}

/** The typed arrays' buffers of a checked part (handed to another thread without a copy). */
export function partBuffers(c: CheckedLedger): ArrayBuffer[] {
  const k = c.candidates, b = c.bad
  return [k.row, k.lng, k.lat, k.reportedAt, k.flags, k.category, k.description.ends, k.externalId.ends, b.row, b.reason, b.hasDetail, b.detail.ends].map((a) => a.buffer as ArrayBuffer)
}

/** The i-th candidate back as the row checker gave it. */
export function candidateAt(c: Candidates, i: number): RowCandidate {
  const t = c.reportedAt[i]!
  return {
    row: c.row[i]!, lng: c.lng[i]!, lat: c.lat[i]!, categoryCode: c.codes[c.category[i]!]!, description: unpack(c.description, i), externalId: unpack(c.externalId, i),
    priority: c.flags[i]! & 2 ? 'urgent' : 'normal', reportedAt: Number.isNaN(t) ? null : new Date(t), swapped: (c.flags[i]! & 1) === 1,
  }
}
