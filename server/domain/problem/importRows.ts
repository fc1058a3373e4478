/**
 * Rows of an imported spreadsheet (third-party evaluation results, hotline exports) → problems.
 * Pure: the caller reads the file (exceljs / papaparse) into a header row and data rows of raw
 * cell values, and supplies how to locate a point and which categories exist. Every data row
 * comes back either ok (with where it goes) or with its spreadsheet row number and a reason.
 */
import { createHash } from 'node:crypto'
import { isWellFormedText } from '../inputRules.ts'
import { formatDateTime } from '../time.ts'
import { cellText, EARLIEST_REPORT, orderForChina, parseCoordinate, parseReportTime } from './ledgerCells.ts'

// the coordinate systems: one definition for every import (server/domain/geometry/coordSystems.ts)
import { COORD_SYSTEMS, pointToWgs84, type CoordSystem } from '../geometry/coordSystems.ts'
export { COORD_SYSTEMS, type CoordSystem }

export const IMPORT_FIELDS = ['lng', 'lat', 'category', 'description', 'externalId', 'address', 'priority', 'reportedAt', 'appId'] as const
export type ImportField = (typeof IMPORT_FIELDS)[number]
/** field → column index (0-based) */
export type ColumnMapping = Partial<Record<ImportField, number>>

/**
 * Column names recognised for each field. `序号` (a row's running number, restarting every month) is
 * deliberately absent: it is never an identity. `appId` is only set by the GridDuty export preset.
 */
const HEADER_GUESSES: Record<Exclude<ImportField, 'appId'>, RegExp> = {
  lng: /^(经度|坐标经度|经度坐标|lng|lon|long|longitude|x|东经|x坐标)$/i,
  lat: /^(纬度|坐标纬度|纬度坐标|lat|latitude|y|北纬|y坐标)$/i,
  category: /^(类别|问题类别|类型|问题类型|分类|问题分类|诉求类型|案件类型|案件类别|工单类型|category|type|service_code|类别编码|类别代码)$/i,
  description: /^(描述|问题描述|内容|问题内容|情况说明|诉求内容|反映内容|问题情况|案件描述|description|desc|details?)$/i,
  externalId: /^(编号|工单编号|工单号|案件编号|案件号|问题编号|来源编号|external ?id|id|ticket|ref)$/i,
  address: /^(地址|位置|地点|详细地址|问题地址|诉求地址|发生地址|发生地点|address|location)$/i,
  priority: /^(优先级|紧急程度|priority|urgency)$/i,
  reportedAt: /^(上报时间|受理时间|来电时间|报告时间|发现时间|反映时间|登记时间|上报日期|受理日期|来电日期|reported ?(at|time|date)?|report ?(time|date)|time|date|时间|日期)$/i,
}

/** A column name without a trailing note in brackets: "经度（GCJ-02）" → "经度". */
const bare = (h: unknown) => String(h ?? '').trim().replace(/[\s（(].*[)）]$/, '').trim()

/**
 * Guess the mapping from the header row (Chinese or English names). A joined two-level name
 * ("问题位置·经度", server/domain/problem/headerRow.ts) is tried whole, then child, then parent.
 */
export function guessMapping(headers: readonly unknown[]): ColumnMapping {
  const m: ColumnMapping = {}
  const names = headers.map((h) => {
    const whole = bare(h)
    const parts = whole.split('·').map(bare).filter(Boolean)
    return [whole, ...parts.reverse()]
  })
  // whole names first across all columns, then the parts, so an exact column wins over a joined one
  for (let pass = 0; pass < 3; pass++) {
    names.forEach((cands, i) => {
      const name = cands[pass]
      if (!name || Object.values(m).includes(i)) return
      for (const f of Object.keys(HEADER_GUESSES) as (keyof typeof HEADER_GUESSES)[]) {
        if (m[f] === undefined && HEADER_GUESSES[f].test(name)) { m[f] = i; break }
      }
    })
  }
  return m
}

// ---------------------------------------------------------------- presets

export const PRESETS = ['12345', 'gridduty'] as const
export type PresetName = (typeof PRESETS)[number]

/** The columns of the problem list that GridDuty itself exports (server/api/importHttp.ts). */
export const GRIDDUTY_EXPORT_HEADER = ['编号', '状态', '类别', '描述', '网格', '责任部门', '上报人', '上报时间', '期限', '结案时间', '超期', '返工次数', '延期次数', '边界问题', '反弹', '经度', '纬度', '优先级', '来源编号'] as const

export interface Preset {
  name: PresetName
  /** the source an external id is scoped to */
  source: string
  /** the coordinate system the export writes, when fixed */
  coordSystem?: CoordSystem
  mapping: ColumnMapping
}

/**
 * A preset recognised from the column names: a typical 12345 work-order export (工单编号, 来电时间,
 * 诉求内容, 诉求地址, 诉求类型, 经度, 纬度) or GridDuty's own problem list export (always WGS84; its
 * 来源编号 is the external id verbatim, its 编号 the problem's id in the exporting app). Null: none.
 */
export function detectPreset(headers: readonly string[], force?: PresetName): Preset | null {
  const at = (name: string) => { const i = headers.findIndex((h) => bare(h) === name); return i < 0 ? undefined : i }
  const is12345 = at('工单编号') !== undefined && (at('诉求内容') !== undefined || at('来电时间') !== undefined)
  const isOwn = ['编号', '状态', '类别', '描述', '网格', '上报时间', '经度', '纬度'].every((h) => at(h) !== undefined)
  if (force === 'gridduty' || (!force && isOwn)) {
    return {
      name: 'gridduty', source: 'gridduty', coordSystem: 'wgs84',
      mapping: clean({ lng: at('经度'), lat: at('纬度'), category: at('类别'), description: at('描述'), reportedAt: at('上报时间'), priority: at('优先级'), externalId: at('来源编号'), appId: at('编号') }),
    }
  }
  if (force === '12345' || (!force && is12345)) {
    const g = guessMapping(headers)
    return {
      name: '12345', source: '12345',
      mapping: clean({ ...g, externalId: at('工单编号') ?? g.externalId, reportedAt: at('来电时间') ?? at('受理时间') ?? g.reportedAt, description: at('诉求内容') ?? g.description, address: at('诉求地址') ?? g.address, category: at('诉求类型') ?? g.category }),
    }
  }
  return null
}

function clean(m: Record<string, number | undefined>): ColumnMapping {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as ColumnMapping
}

export type RowReason =
  | 'EMPTY_ROW' | 'MISSING_COORDINATES' | 'BAD_COORDINATES' | 'OUTSIDE_GRIDS' | 'UNKNOWN_CATEGORY'
  | 'MISSING_CATEGORY' | 'MISSING_DESCRIPTION' | 'DUPLICATE_IN_FILE' | 'ALREADY_IMPORTED' | 'BAD_TEXT'
  | 'MISSING_TIME' | 'BAD_TIME' | 'FUTURE_TIME'

export const REASON_MESSAGES: Record<RowReason, string> = {
  EMPTY_ROW: '空行',
  MISSING_COORDINATES: '缺少经纬度',
  BAD_COORDINATES: '经纬度无效',
  OUTSIDE_GRIDS: '坐标不在任何网格内',
  UNKNOWN_CATEGORY: '问题类别不存在',
  MISSING_CATEGORY: '缺少问题类别',
  MISSING_DESCRIPTION: '缺少问题描述',
  DUPLICATE_IN_FILE: '与文件中前面的行重复',
  ALREADY_IMPORTED: '已导入过（不重复导入）',
  BAD_TEXT: '含无效字符（不成对的 UTF-16 代理项）',
  MISSING_TIME: '缺少上报时间',
  BAD_TIME: '上报时间无法识别（例：2026/11/3 9:30、2026年11月3日、2026-11-03T09:30:00+08:00）',
  FUTURE_TIME: '上报时间晚于现在',
}

/** Warnings on a row that is imported anyway. */
export type RowWarning = 'SWAPPED_COORDINATES'
export const WARNING_MESSAGES: Record<RowWarning, string> = {
  SWAPPED_COORDINATES: '经纬度填反，已交换',
}

/** Reasons that skip a row rather than fail it. */
export const SKIP_REASONS: readonly RowReason[] = ['EMPTY_ROW', 'ALREADY_IMPORTED', 'DUPLICATE_IN_FILE']

export interface RowTarget { gridId: number; gridName: string; departmentId: number | null; departmentName: string | null }

/** What a good row holds from its cells, checked (before and after it is placed in its grid). */
export interface RowFields {
  row: number
  lng: number
  lat: number
  categoryCode: string
  description: string
  externalId: string
  priority: 'normal' | 'urgent'
  /** the file's report time; null when the file has no report-time column (the import time is used) */
  reportedAt: Date | null
}

export interface OkRow extends RowFields {
  ok: true
  warnings?: RowWarning[]
  target: RowTarget
}
export interface BadRow { row: number; ok: false; reason: RowReason; message: string; detail?: string }
export type ParsedRow = OkRow | BadRow

export interface ParseOptions {
  mapping: ColumnMapping
  coordSystem: CoordSystem
  /** code → code, and lower-cased name → code */
  categories: ReadonlyMap<string, string>
  locate(lng: number, lat: number): RowTarget | null
  /** spreadsheet row number of the first data row (header is row 1 → 2) */
  firstRow?: number
  /** the source external ids are scoped to (a preset's, or the id column's name); default 'file' */
  source?: string
  /** report times after this are refused (default: the real clock) */
  now?: Date
}

export { cellText, parseCoordinate } from './ledgerCells.ts'

/**
 * Identity of a row without an external id: a hash of (report time, position rounded to ~1 m,
 * category, description). Two months' ledgers whose 序号 restart are different rows; the same row
 * imported again is the same.
 */
export function contentHash(reportedAt: Date | null, lng: number, lat: number, categoryCode: string, description: string): string {
  const t = reportedAt ? reportedAt.toISOString() : ''
  const h = createHash('sha256').update(`${t}|${lng.toFixed(5)}|${lat.toFixed(5)}|${categoryCode}|${description.replace(/\s+/g, ' ')}`).digest('hex')
  return `hash:${h.slice(0, 32)}`
}

/** Prefixes of ids GridDuty itself writes: kept verbatim when its own export comes back. */
const OWN_ID = /^(ext|hash|gd):/

/**
 * The external id of a row: `ext:<source>:<id>` from an explicit work-order number column, the
 * GridDuty export's 来源编号 verbatim, `gd:<编号>` for a problem that was reported in the exporting
 * app, else the content hash.
 */
export function rowIdentity(source: string, fileId: string, appId: string, hash: () => string): string {
  if (fileId) return source === 'gridduty' && OWN_ID.test(fileId) ? fileId : `ext:${source}:${fileId}`
  if (appId && /^\d+$/.test(appId)) return `gd:${appId}`
  return hash()
}

/** A category from its code or name; a 12345 type like "市容环境/暴露垃圾" by its last part too. */
function findCategory(categories: ReadonlyMap<string, string>, text: string): string | undefined {
  const direct = categories.get(text) ?? categories.get(text.toLowerCase())
  if (direct) return direct
  const last = text.split(/[/／>＞－—|-]/).map((s) => s.trim()).filter(Boolean).pop()
  return last && last !== text ? categories.get(last) ?? categories.get(last.toLowerCase()) : undefined
}

/** Report times more than this after `now` are refused (clocks of the exporting system drift). */
const FUTURE_SLACK_MS = 5 * 60_000

/**
 * A row checked up to (not including) its grid: bad, or what an ok row will hold once placed. This
 * part needs no grid index, so the heavy-task pool runs it on uploaded files
 * (server/domain/problem/ledgerCheck.ts); `placeRow` finishes it with the grid.
 */
export interface RowCandidate extends RowFields {
  ok?: undefined
  swapped: boolean
}

/** The per-row check of parseRows before the grid: every rule, in the same order. */
export function rowChecker(opts: Omit<ParseOptions, 'locate' | 'firstRow'>): (r: readonly unknown[] | null | undefined, row: number) => BadRow | RowCandidate {
  const m = opts.mapping
  const source = opts.source ?? 'file'
  const now = (opts.now ?? new Date()).getTime()
  // every cell's text once per row (it was computed up to three times)
  let texts: string[] = []
  const cell = (f: ImportField) => (m[f] === undefined ? '' : (texts[m[f]!] ?? ''))
  let row = 0
  const bad = (reason: RowReason, detail?: string): BadRow => ({ row, ok: false, reason, message: REASON_MESSAGES[reason], detail })
  return (r, rowNumber) => {
    row = rowNumber
    if (!r) return bad('EMPTY_ROW')
    texts = new Array<string>(r.length)
    let filled = false
    for (let k = 0; k < r.length; k++) { const t = cellText(r[k]); texts[k] = t; if (t !== '') filled = true }
    if (!filled) return bad('EMPTY_ROW')
    for (let k = 0; k < texts.length; k++) if (!isWellFormedText(texts[k]!)) return bad('BAD_TEXT', `第 ${k + 1} 列`)
    const rawLng = m.lng === undefined ? undefined : r[m.lng]
    const rawLat = m.lat === undefined ? undefined : r[m.lat]
    const lngText = cell('lng'), latText = cell('lat')
    if (lngText === '' || latText === '') return bad('MISSING_COORDINATES')
    const px = parseCoordinate(rawLng), py = parseCoordinate(rawLat)
    if (!Number.isFinite(px) || !Number.isFinite(py) || px < -180 || px > 180 || py < -180 || py > 180 || (px === 0 && py === 0)) {
      return bad('BAD_COORDINATES', `${lngText}, ${latText}`)
    }
    const { lng: x, lat: y, swapped } = orderForChina(px, py)
    if (y < -90 || y > 90) return bad('BAD_COORDINATES', `${lngText}, ${latText}`)
    let reportedAt: Date | null = null
    if (m.reportedAt !== undefined) {
      const raw = r[m.reportedAt]
      const text = cell('reportedAt')
      if (text === '' && !(raw instanceof Date)) return bad('MISSING_TIME')
      reportedAt = parseReportTime(raw)
      if (!reportedAt || reportedAt < EARLIEST_REPORT) return bad('BAD_TIME', text)
      if (reportedAt.getTime() > now + FUTURE_SLACK_MS) return bad('FUTURE_TIME', formatDateTime(reportedAt))
    }
    const categoryText = cell('category')
    if (!categoryText) return bad('MISSING_CATEGORY')
    const categoryCode = findCategory(opts.categories, categoryText)
    if (!categoryCode) return bad('UNKNOWN_CATEGORY', categoryText)
    const rawDescription = cell('description')
    if (!rawDescription) return bad('MISSING_DESCRIPTION')
    const [lng, lat] = pointToWgs84(x, y, opts.coordSystem)
    const address = cell('address')
    const description = address ? `${rawDescription}（${address}）` : rawDescription
    const externalId = rowIdentity(source, cell('externalId'), cell('appId'), () => contentHash(reportedAt, lng, lat, categoryCode, description))
    const pr = cell('priority').toLowerCase()
    const priority = pr === 'urgent' || pr === '紧急' || pr === '急' || pr === '高' ? 'urgent' : 'normal'
    return { row, lng, lat, categoryCode, description, externalId, priority, reportedAt, swapped }
  }
}

/** A checked row with its grid: ok, or outside every grid. */
export function placeRow(c: RowCandidate, target: RowTarget | null): OkRow | BadRow {
  if (!target) return { row: c.row, ok: false, reason: 'OUTSIDE_GRIDS', message: REASON_MESSAGES.OUTSIDE_GRIDS, detail: `${c.lng.toFixed(6)}, ${c.lat.toFixed(6)}` }
  const ok: OkRow = { row: c.row, ok: true, lng: c.lng, lat: c.lat, categoryCode: c.categoryCode, description: c.description, externalId: c.externalId, priority: c.priority, reportedAt: c.reportedAt, target }
  if (c.swapped) ok.warnings = ['SWAPPED_COORDINATES']
  return ok
}

/** A good row whose external id an earlier good row of the file has. */
export function duplicateRow(row: number, earlier: number): BadRow {
  return { row, ok: false, reason: 'DUPLICATE_IN_FILE', message: REASON_MESSAGES.DUPLICATE_IN_FILE, detail: `第 ${earlier} 行` }
}

export function parseRows(rows: readonly (readonly unknown[])[], opts: ParseOptions): ParsedRow[] {
  const first = opts.firstRow ?? 2
  const check = rowChecker(opts)
  const seen = new Map<string, number>()
  return rows.map((r, i): ParsedRow => {
    const c = check(r, first + i)
    if (c.ok === false) return c
    const placed = placeRow(c, opts.locate(c.lng, c.lat))
    if (!placed.ok) return placed
    const earlier = seen.get(placed.externalId)
    if (earlier !== undefined) return duplicateRow(placed.row, earlier)
    seen.set(placed.externalId, placed.row)
    return placed
  })
}
