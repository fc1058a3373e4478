/**
 * The grid register (网格台账): which department holds (包抓) which grid, with its responsible cadre,
 * from which date. One file format for import and export (docs/register.md):
 *
 *   网格编码 | 网格名称 | 所属街道 | 包抓部门 | 责任人 | 职务 | 联系人 | 联系电话 | 生效日期 | 失效日期
 *
 * A row names its grid by code, or by name (with 所属街道 — the parent grid's name — when the name
 * alone is ambiguous). 联系人 is optional (defaults to 责任人); 失效日期 is optional (blank: until the
 * grid's next period starts, or still holding). Dates are Beijing calendar days: `2026-01-05`,
 * `2026/1/5`, `2026.1.5`, `2026年1月5日`, `20260105` or an Excel serial date; 失效日期 is the first day
 * the holder no longer holds (the next holder's 生效日期).
 *
 * Pure: the caller reads the file into a header row and raw cell values and supplies the grids and
 * departments; every data row comes back either ok (resolved) or with its spreadsheet row number and
 * reason. The periods themselves (overlaps with the database and between rows) are checked by
 * `planRegister` in registerPlan.ts.
 */
import { isWellFormedText } from '../inputRules.ts'
import type { HolderContact } from '../holder.ts'

export const REGISTER_FIELDS = ['gridCode', 'gridName', 'street', 'department', 'cadreName', 'cadreTitle', 'contactName', 'contactPhone', 'validFrom', 'validTo'] as const
export type RegisterField = (typeof REGISTER_FIELDS)[number]

/** The header of an exported register, in column order (the import reads it back, plus the aliases below). */
export const REGISTER_HEADER: Readonly<Record<RegisterField, string>> = {
  gridCode: '网格编码', gridName: '网格名称', street: '所属街道', department: '包抓部门', cadreName: '责任人',
  cadreTitle: '职务', contactName: '联系人', contactPhone: '联系电话', validFrom: '生效日期', validTo: '失效日期',
}

/** Other header names people write for the same columns (compared after `normaliseHeader`). */
const ALIASES: Readonly<Record<RegisterField, readonly string[]>> = {
  gridCode: ['网格编码', '网格代码', '网格编号', '编码', '代码', '社区编码', 'gridcode', 'code'],
  gridName: ['网格名称', '网格', '网格名', '社区', '社区名称', '社区（网格）', '名称', 'gridname', 'grid', 'name'],
  street: ['所属街道', '街道', '街道名称', '街道（镇）', '街镇', '所属街镇', 'street'],
  department: ['包抓部门', '包抓单位', '责任单位', '责任部门', '部门', '单位', 'department', 'holder'],
  cadreName: ['责任人', '包抓领导', '责任领导', '负责人', '包抓责任人', 'cadre', 'responsible'],
  cadreTitle: ['职务', '责任人职务', '领导职务', 'title'],
  contactName: ['联系人', '联络员', 'contact', 'contactname'],
  contactPhone: ['联系电话', '电话', '手机', '手机号', '联系方式', 'phone', 'tel', 'contactphone'],
  validFrom: ['生效日期', '起始日期', '开始日期', '包抓起始日期', '生效时间', 'validfrom', 'from'],
  validTo: ['失效日期', '截止日期', '结束日期', '终止日期', 'validto', 'to'],
}

/** field → column index (0-based) */
export type RegisterMapping = Partial<Record<RegisterField, number>>

/** A header cell compared without spaces, asterisks (required marks), case, or a trailing note in brackets. */
export function normaliseHeader(h: unknown): string {
  return String(h ?? '').replace(/[\s*＊]/g, '').replace(/[（(][^）)]*[）)]$/, '').toLowerCase()
}

/** Which column holds which field, from the header row (the first matching column wins). */
export function registerMapping(headers: readonly unknown[]): RegisterMapping {
  const m: RegisterMapping = {}
  const names = headers.map(normaliseHeader)
  for (const f of REGISTER_FIELDS) {
    const i = names.findIndex((n, idx) => n !== '' && ALIASES[f].includes(n) && !Object.values(m).includes(idx))
    if (i >= 0) m[f] = i
  }
  return m
}

/** The columns a register must have; a grid needs a code column or a name column. */
export function missingColumns(m: RegisterMapping): string[] {
  const out: string[] = []
  if (m.gridCode === undefined && m.gridName === undefined) out.push(`${REGISTER_HEADER.gridCode}/${REGISTER_HEADER.gridName}`)
  for (const f of ['department', 'cadreName', 'cadreTitle', 'contactPhone', 'validFrom'] as const) if (m[f] === undefined) out.push(REGISTER_HEADER[f])
  return out
}

export type RegisterReason =
  | 'MISSING_FIELD' | 'UNKNOWN_GRID' | 'AMBIGUOUS_GRID' | 'GRID_MISMATCH' | 'UNKNOWN_DEPARTMENT'
  | 'BAD_PHONE' | 'BAD_DATE' | 'BAD_TEXT' | 'OVERLAP_ROW' | 'OVERLAP_EXISTING'

export const REGISTER_REASONS: Readonly<Record<RegisterReason, { zh: string; en: string }>> = {
  MISSING_FIELD: { zh: '缺少必填项', en: 'A required field is empty' },
  UNKNOWN_GRID: { zh: '网格不存在', en: 'No such grid' },
  AMBIGUOUS_GRID: { zh: '网格名称不唯一，请填写网格编码或所属街道', en: 'The grid name is not unique: give the code or the street' },
  GRID_MISMATCH: { zh: '网格编码与名称不符', en: 'The grid code and name do not match' },
  UNKNOWN_DEPARTMENT: { zh: '包抓部门不存在（可选择导入时新建）', en: 'No such department (it can be created on import)' },
  BAD_PHONE: { zh: '联系电话格式不正确', en: 'The phone number is not valid' },
  BAD_DATE: { zh: '日期无效', en: 'The date is not valid' },
  BAD_TEXT: { zh: '含无效字符或过长', en: 'Invalid characters or too long' },
  OVERLAP_ROW: { zh: '与文件中另一行的包抓期重叠', en: 'The period overlaps another row of the file' },
  OVERLAP_EXISTING: { zh: '与该网格现有的包抓期重叠', en: 'The period overlaps an existing period of the grid' },
}

/** A grid as the register sees it: `parentName` is its street's (the parent grid's) name. */
export interface RegisterGrid { id: number; code: string; name: string; parentName: string | null }

export interface RegisterContext {
  grids: readonly RegisterGrid[]
  /** department name → id */
  departments: ReadonlyMap<string, number>
  /** unknown departments are accepted as new ones (created on commit) */
  createDepartments: boolean
  /** the spreadsheet row number of the first data row (2 below a one-row header) */
  firstRow?: number
}

export interface RegisterEntry extends HolderContact {
  gridId: number
  gridCode: string
  gridName: string
  /** null: a new department, `departmentName`, created on commit */
  departmentId: number | null
  /** Beijing calendar days "YYYY-MM-DD"; validTo exclusive, null = open */
  validFrom: string
  validTo: string | null
}

export type RegisterRow =
  | { row: number; ok: true; entry: RegisterEntry }
  | { row: number; ok: false; reason: RegisterReason; message: string; detail?: string }

const bad = (row: number, reason: RegisterReason, detail?: string): RegisterRow =>
  ({ row, ok: false, reason, message: REGISTER_REASONS[reason].zh, ...(detail ? { detail } : {}) })

const FULL_WIDTH = /[\uFF01-\uFF5E]/g
/** Full-width ASCII (０-９, －, （…) as ordinary characters. */
const halfWidth = (s: string) => s.replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ')

/**
 * A cell as text: trimmed, numbers without exponent, and the `'` the export puts before a text that
 * would start like a formula (server/domain/export/cells.ts) taken off again.
 */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : String(v)
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10)
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[] }
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('').trim()
    if (o.text !== undefined) return cellText(o.text)
    if (o.result !== undefined) return cellText(o.result)
    return ''
  }
  const s = String(v).trim()
  return /^'[=+\-@\t\r]/.test(s) ? s.slice(1) : s
}

const DAY_MS = 86_400_000
/** Excel's day 0 of the 1900 date system (serial 60 is the non-existent 1900-02-29; dates after it count from here). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30)

function isoDay(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31) return null
  const t = new Date(Date.UTC(y, m - 1, d))
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null
  return t.toISOString().slice(0, 10)
}

/**
 * A date cell as a Beijing calendar day "YYYY-MM-DD", or null if it is not one. A Date from the
 * spreadsheet reader is a calendar day at UTC midnight (Excel dates have no zone); a number is an
 * Excel serial date.
 */
export function parseRegisterDate(v: unknown): string | null {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null
    return isoDay(v.getUTCFullYear(), v.getUTCMonth() + 1, v.getUTCDate())
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 61 || v > 109_574) return null // 1900-03-01 … 2199-12-31
    const t = new Date(EXCEL_EPOCH + Math.floor(v) * DAY_MS)
    return isoDay(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
  }
  const s = halfWidth(cellText(v)).replace(/\s+/g, ' ').trim()
  if (!s) return null
  let m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$/.exec(s)
  if (m) return isoDay(Number(m[1]), Number(m[2]), Number(m[3]))
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s)
  if (m) return isoDay(Number(m[1]), Number(m[2]), Number(m[3]))
  if (/^\d{5}(\.\d+)?$/.test(s)) return parseRegisterDate(Number(s)) // a serial date that became text (CSV)
  return null
}

/**
 * A phone number as written, normalised (full-width digits, spaces around dashes): a mobile number
 * (11 digits starting 1[3-9], optionally +86), a landline with area code (0917-2001524, 029 8888 6666,
 * with an extension 转123 / -123), or a 5–8 digit local or service number. Null if it is none of these.
 */
export function normalisePhone(v: unknown): string | null {
  const s = halfWidth(cellText(v)).trim().replace(/\s*-\s*/g, '-').replace(/\s+/g, ' ')
  if (!s || s.length > 30) return null
  const digits = s.replace(/^\+86[\s-]?/, '').replace(/(转|ext\.?|x)\s*\d{1,6}$/i, '')
  const compact = digits.replace(/[\s-]/g, '')
  if (/^[\d\s-]+$/.test(digits) && (/^1[3-9]\d{9}$/.test(compact) || /^0\d{9,11}(\d{1,6})?$/.test(compact) || /^\d{5,8}$/.test(compact))) return s
  return null
}

const TEXT_MAX = 50

/** Every data row resolved against the grids and departments, or refused with its row number and reason. */
export function parseRegisterRows(rows: readonly (readonly unknown[])[], mapping: RegisterMapping, ctx: RegisterContext): RegisterRow[] {
  const first = ctx.firstRow ?? 2
  const byCode = new Map(ctx.grids.map((g) => [g.code, g]))
  const byName = new Map<string, RegisterGrid[]>()
  for (const g of ctx.grids) byName.set(g.name, [...(byName.get(g.name) ?? []), g])
  const out: RegisterRow[] = []
  rows.forEach((cells, i) => {
    const row = first + i
    const raw = (f: RegisterField): unknown => (mapping[f] === undefined ? undefined : cells[mapping[f]!])
    const text = (f: RegisterField) => halfWidth(cellText(raw(f))).replace(/\s+/g, ' ').trim()
    if (!cells.some((c) => cellText(c) !== '')) return // an empty row is no row
    const code = text('gridCode'), name = text('gridName'), street = text('street')
    const departmentName = text('department'), cadreName = text('cadreName'), cadreTitle = text('cadreTitle')
    const contactName = text('contactName') || cadreName
    const missing = [
      !code && !name ? `${REGISTER_HEADER.gridCode}/${REGISTER_HEADER.gridName}` : '',
      !departmentName ? REGISTER_HEADER.department : '', !cadreName ? REGISTER_HEADER.cadreName : '',
      !cadreTitle ? REGISTER_HEADER.cadreTitle : '', !text('contactPhone') ? REGISTER_HEADER.contactPhone : '',
      cellText(raw('validFrom')) === '' ? REGISTER_HEADER.validFrom : '',
    ].filter(Boolean)
    if (missing.length) { out.push(bad(row, 'MISSING_FIELD', missing.join('、'))); return }
    for (const [f, v] of [['department', departmentName], ['cadreName', cadreName], ['cadreTitle', cadreTitle], ['contactName', contactName], ['gridName', name], ['street', street]] as const) {
      if (v.length > TEXT_MAX || !isWellFormedText(v) || /[\u0000-\u001f]/.test(v)) { out.push(bad(row, 'BAD_TEXT', REGISTER_HEADER[f])); return }
    }
    // the grid: by code (checked against the name if both are given), else by name within its street
    let grid: RegisterGrid | undefined
    if (code) {
      grid = byCode.get(code)
      if (!grid) { out.push(bad(row, 'UNKNOWN_GRID', code)); return }
      if (name && name !== grid.name) { out.push(bad(row, 'GRID_MISMATCH', `${code} 为「${grid.name}」`)); return }
    } else {
      const named = byName.get(name) ?? []
      const inStreet = street ? named.filter((g) => g.parentName === street) : named
      if (inStreet.length === 0) { out.push(bad(row, 'UNKNOWN_GRID', street ? `${street} ${name}` : name)); return }
      if (inStreet.length > 1) { out.push(bad(row, 'AMBIGUOUS_GRID', inStreet.map((g) => `${g.parentName ?? '—'}：${g.code}`).join('；'))); return }
      grid = inStreet[0]!
    }
    const departmentId = ctx.departments.get(departmentName) ?? null
    if (departmentId === null && !ctx.createDepartments) { out.push(bad(row, 'UNKNOWN_DEPARTMENT', departmentName)); return }
    const contactPhone = normalisePhone(raw('contactPhone'))
    if (!contactPhone) { out.push(bad(row, 'BAD_PHONE', text('contactPhone'))); return }
    const validFrom = parseRegisterDate(raw('validFrom'))
    if (!validFrom) { out.push(bad(row, 'BAD_DATE', `${REGISTER_HEADER.validFrom}：${text('validFrom')}`)); return }
    let validTo: string | null = null
    if (cellText(raw('validTo')) !== '') {
      validTo = parseRegisterDate(raw('validTo'))
      if (!validTo) { out.push(bad(row, 'BAD_DATE', `${REGISTER_HEADER.validTo}：${text('validTo')}`)); return }
      if (validTo <= validFrom) { out.push(bad(row, 'BAD_DATE', `${REGISTER_HEADER.validTo}须晚于${REGISTER_HEADER.validFrom}`)); return }
    }
    out.push({
      row, ok: true,
      entry: { gridId: grid.id, gridCode: grid.code, gridName: grid.name, departmentId, departmentName, cadreName, cadreTitle, contactName, contactPhone, validFrom, validTo },
    })
  })
  return out
}
