/**
 * Evaluation sites (测评点位): their types, and rows of an imported spreadsheet → sites. Pure: the
 * caller reads the file (exceljs / papaparse) into a header row and data rows of raw cell values
 * and says how to find the grid of a point. Each row comes back ok or with its row number and a reason.
 */
import { parseCoordinate, type CoordSystem } from '../problem/importRows.ts'
import { pointToWgs84 } from '../geometry/coordSystems.ts'

export const SITE_TYPES = ['农贸市场', '老旧小区', '背街小巷', '交通路口', '学校', '医院', '公园广场', '车站', '河道', '政务服务大厅', '窗口单位', '景区', '商业大街', '社区'] as const

const HEADERS = {
  name: /^(名称|点位名称|点位|name|site)$/i,
  type: /^(类型|点位类型|类别|type)$/i,
  lng: /^(经度|lng|lon|longitude|x)$/i,
  lat: /^(纬度|lat|latitude|y)$/i,
} as const
type Field = keyof typeof HEADERS

export type SiteRowReason = 'EMPTY_ROW' | 'MISSING_NAME' | 'MISSING_TYPE' | 'UNKNOWN_TYPE' | 'BAD_COORDINATES' | 'OUTSIDE_GRIDS' | 'DUPLICATE'
export const SITE_ROW_MESSAGES: Record<SiteRowReason, string> = {
  EMPTY_ROW: '空行',
  MISSING_NAME: '缺少点位名称',
  MISSING_TYPE: '缺少点位类型',
  UNKNOWN_TYPE: '点位类型不在清单中',
  BAD_COORDINATES: '经纬度缺失或无效',
  OUTSIDE_GRIDS: '坐标不在任何网格内',
  DUPLICATE: '同名同类型点位已存在或在文件中重复',
}

export interface SiteRowOk { row: number; ok: true; name: string; type: string; lng: number; lat: number; gridId: number }
export interface SiteRowBad { row: number; ok: false; reason: SiteRowReason; message: string }
export type SiteRow = SiteRowOk | SiteRowBad

export function siteColumns(headers: readonly unknown[]): Partial<Record<Field, number>> {
  const m: Partial<Record<Field, number>> = {}
  headers.forEach((h, i) => {
    const name = String(h ?? '').trim()
    for (const f of Object.keys(HEADERS) as Field[]) if (m[f] === undefined && HEADERS[f].test(name)) { m[f] = i; break }
  })
  return m
}

export function parseSiteRows(
  header: readonly unknown[], rows: readonly (readonly unknown[])[],
  opts: { coordSystem: CoordSystem; assign(lng: number, lat: number): number | null; existing: ReadonlySet<string> },
): SiteRow[] {
  const cols = siteColumns(header)
  const seen = new Set(opts.existing)
  const text = (r: readonly unknown[], f: Field) => (cols[f] === undefined ? '' : String(r[cols[f]!] ?? '').trim())
  return rows.map((r, i): SiteRow => {
    const row = i + 2
    const bad = (reason: SiteRowReason): SiteRowBad => ({ row, ok: false, reason, message: SITE_ROW_MESSAGES[reason] })
    if (r.every((c) => String(c ?? '').trim() === '')) return bad('EMPTY_ROW')
    const name = text(r, 'name')
    const type = text(r, 'type')
    if (!name) return bad('MISSING_NAME')
    if (!type) return bad('MISSING_TYPE')
    if (!(SITE_TYPES as readonly string[]).includes(type)) return bad('UNKNOWN_TYPE')
    const x = cols.lng === undefined ? NaN : parseCoordinate(r[cols.lng])
    const y = cols.lat === undefined ? NaN : parseCoordinate(r[cols.lat])
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 180 || Math.abs(y) > 90) return bad('BAD_COORDINATES')
    const [lng, lat] = pointToWgs84(x, y, opts.coordSystem)
    const gridId = opts.assign(lng, lat)
    if (gridId === null) return bad('OUTSIDE_GRIDS')
    const key = siteKey(name, type)
    if (seen.has(key)) return bad('DUPLICATE')
    seen.add(key)
    return { row, ok: true, name, type, lng, lat, gridId }
  })
}

export const siteKey = (name: string, type: string) => `${type}|${name}`
