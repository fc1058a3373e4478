/**
 * Rows of an imported spreadsheet (third-party evaluation results, hotline exports) → problems.
 * Pure: the caller reads the file (exceljs / papaparse) into a header row and data rows of raw
 * cell values, and supplies how to locate a point and which categories exist. Every data row
 * comes back either ok (with where it goes) or with its spreadsheet row number and a reason.
 */
import { createHash } from 'node:crypto'
import gcoord from 'gcoord'
import { isWellFormedText } from '../inputRules.ts'

// the coordinate systems: one definition for every import (server/domain/geometry/coordSystems.ts)
import { COORD_SYSTEMS, type CoordSystem } from '../geometry/coordSystems.ts'
export { COORD_SYSTEMS, type CoordSystem }

export const IMPORT_FIELDS = ['lng', 'lat', 'category', 'description', 'externalId', 'address', 'priority'] as const
export type ImportField = (typeof IMPORT_FIELDS)[number]
/** field → column index (0-based) */
export type ColumnMapping = Partial<Record<ImportField, number>>

const HEADER_GUESSES: Record<ImportField, RegExp> = {
  lng: /^(经度|lng|lon|long|longitude|x|东经|经度坐标)$/i,
  lat: /^(纬度|lat|latitude|y|北纬|纬度坐标)$/i,
  category: /^(类别|问题类别|类型|问题类型|分类|category|type|service_code|类别编码|类别代码)$/i,
  description: /^(描述|问题描述|内容|问题内容|情况说明|description|desc|details?)$/i,
  externalId: /^(编号|序号|工单号|问题编号|external ?id|id|ticket|no\.?|ref)$/i,
  address: /^(地址|位置|地点|address|location)$/i,
  priority: /^(优先级|紧急程度|priority|urgency)$/i,
}

/** Guess the mapping from the header row (Chinese or English names). */
export function guessMapping(headers: readonly unknown[]): ColumnMapping {
  const m: ColumnMapping = {}
  headers.forEach((h, i) => {
    const name = String(h ?? '').trim().replace(/[\s（(].*[)）]$/, '').trim()
    for (const f of IMPORT_FIELDS) {
      if (m[f] === undefined && HEADER_GUESSES[f].test(name)) { m[f] = i; break }
    }
  })
  return m
}

export type RowReason =
  | 'EMPTY_ROW' | 'MISSING_COORDINATES' | 'BAD_COORDINATES' | 'OUTSIDE_GRIDS' | 'UNKNOWN_CATEGORY'
  | 'MISSING_CATEGORY' | 'MISSING_DESCRIPTION' | 'DUPLICATE_IN_FILE' | 'ALREADY_IMPORTED' | 'BAD_TEXT'

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
}

/** Reasons that skip a row rather than fail it. */
export const SKIP_REASONS: readonly RowReason[] = ['EMPTY_ROW', 'ALREADY_IMPORTED', 'DUPLICATE_IN_FILE']

export interface RowTarget { gridId: number; gridName: string; departmentId: number | null; departmentName: string | null }

export interface OkRow {
  row: number
  ok: true
  lng: number
  lat: number
  categoryCode: string
  description: string
  externalId: string
  priority: 'normal' | 'urgent'
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
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[] }
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('').trim()
    if (o.result !== undefined) return cellText(o.result)
    if (o.text !== undefined) return cellText(o.text)
    if (v instanceof Date) return v.toISOString()
    return ''
  }
  return String(v).trim()
}

/** A coordinate from a cell: numbers, numeric text (full-width digits, comma decimal); NaN otherwise. */
export function parseCoordinate(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN
  let s = cellText(v)
  if (!s) return NaN
  s = s.replace(/[０-９．－]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/°$/, '')
  if (/^-?\d+,\d+$/.test(s)) s = s.replace(',', '.')
  if (!/^-?\d+(\.\d+)?$/.test(s)) return NaN
  return Number(s)
}

/** Convert a point from the file's coordinate system to WGS84. */
export function toWgs84(lng: number, lat: number, from: CoordSystem): [number, number] {
  if (from === 'wgs84') return [lng, lat]
  const crs = from === 'gcj02' ? gcoord.GCJ02 : gcoord.BD09
  const [x, y] = gcoord.transform([lng, lat], crs, gcoord.WGS84) as [number, number]
  return [x, y]
}

/** Stable id of a row without an id column: category + coordinates rounded to ~1 m + description. */
export function contentHash(categoryCode: string, lng: number, lat: number, description: string): string {
  const h = createHash('sha256').update(`${categoryCode}|${lng.toFixed(5)}|${lat.toFixed(5)}|${description.replace(/\s+/g, ' ')}`).digest('hex')
  return `hash:${h.slice(0, 32)}`
}

export function parseRows(rows: readonly (readonly unknown[])[], opts: ParseOptions): ParsedRow[] {
  const first = opts.firstRow ?? 2
  const m = opts.mapping
  const seen = new Map<string, number>()
  const cell = (r: readonly unknown[], f: ImportField) => (m[f] === undefined ? '' : cellText(r[m[f]!]))
  return rows.map((r, i): ParsedRow => {
    const row = first + i
    const bad = (reason: RowReason, detail?: string): BadRow => ({ row, ok: false, reason, message: REASON_MESSAGES[reason], detail })
    if (!r || r.every((v) => cellText(v) === '')) return bad('EMPTY_ROW')
    const illFormed = r.findIndex((v) => !isWellFormedText(cellText(v)))
    if (illFormed >= 0) return bad('BAD_TEXT', `第 ${illFormed + 1} 列`)
    const rawLng = m.lng === undefined ? undefined : r[m.lng]
    const rawLat = m.lat === undefined ? undefined : r[m.lat]
    if (cellText(rawLng) === '' || cellText(rawLat) === '') return bad('MISSING_COORDINATES')
    const x = parseCoordinate(rawLng), y = parseCoordinate(rawLat)
    if (!Number.isFinite(x) || !Number.isFinite(y) || x < -180 || x > 180 || y < -90 || y > 90 || (x === 0 && y === 0)) {
      return bad('BAD_COORDINATES', `${cellText(rawLng)}, ${cellText(rawLat)}`)
    }
    const categoryText = cell(r, 'category')
    if (!categoryText) return bad('MISSING_CATEGORY')
    const categoryCode = opts.categories.get(categoryText) ?? opts.categories.get(categoryText.toLowerCase())
    if (!categoryCode) return bad('UNKNOWN_CATEGORY', categoryText)
    const description = cell(r, 'description')
    if (!description) return bad('MISSING_DESCRIPTION')
    const [lng, lat] = toWgs84(x, y, opts.coordSystem)
    const target = opts.locate(lng, lat)
    if (!target) return bad('OUTSIDE_GRIDS', `${lng.toFixed(6)}, ${lat.toFixed(6)}`)
    const fileId = cell(r, 'externalId')
    const externalId = fileId ? `ext:${fileId}` : contentHash(categoryCode, lng, lat, description)
    const earlier = seen.get(externalId)
    if (earlier !== undefined) return bad('DUPLICATE_IN_FILE', `第 ${earlier} 行`)
    seen.set(externalId, row)
    const pr = cell(r, 'priority').toLowerCase()
    const priority = pr === 'urgent' || pr === '紧急' || pr === '急' || pr === '高' ? 'urgent' : 'normal'
    const address = cell(r, 'address')
    return { row, ok: true, lng, lat, categoryCode, description: address ? `${description}（${address}）` : description, externalId, priority, target }
  })
}

/** Summary counts of a parsed file. */
export function summarize(rows: readonly ParsedRow[]): { total: number; ok: number; skipped: number; failed: number } {
  let ok = 0, skipped = 0, failed = 0
  for (const r of rows) {
    if (r.ok) ok++
    else if (SKIP_REASONS.includes(r.reason)) skipped++
    else failed++
  }
  return { total: rows.length, ok, skipped, failed }
}
