/**
 * Cells of real-world problem ledgers (问题台账) and 12345 work-order exports, read the way a person
 * wrote them. Pure: no I/O, no clock (the caller passes `now`).
 *
 *  - report times (上报时间 / 受理时间 / 来电时间): Excel dates and serial numbers, `2026/11/3 9:30`,
 *    `2026-11-03 09:30:05`, `2026年11月3日`, `2026年11月3日 9时30分`, `2026.11.3`, ISO 8601 with or
 *    without an offset. A time without an offset is Beijing time (Asia/Shanghai, server/domain/time.ts).
 *  - coordinates: decimal (also with a comma decimal, full-width digits, a trailing `°`), and
 *    degrees-minutes-seconds (`107°05'01.59"`, `107 5 1.59`, `107度5分1.59秒`, `E107°05′01.59″`).
 *  - lng/lat order: a point outside China whose swapped numbers fall inside China was written the
 *    wrong way round: it is swapped back and the row carries a warning (never silently).
 */
import { CHINA_OFFSET_MS } from '../time.ts'

/** Full-width ASCII (０-９, ．, －, ：, ／, space) to half-width. */
export function halfWidth(s: string): string {
  return s.replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ')
}

/** The text of a cell as exceljs / papaparse give it (rich text, formula results). */
export function cellText(v: unknown): string {
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

// ---------------------------------------------------------------- coordinates

const PLAIN_DECIMAL = /^[+-]?\d+(\.\d+)?$/
const DMS_SEPARATORS = /^[\s°º˚度'′’‘分"″”“秒:]*$/

/**
 * A coordinate from a cell: a number, decimal text, or degrees-minutes-seconds; NaN when unreadable.
 * A leading or trailing W/S (西经/南纬) makes it negative; minutes and seconds must be below 60.
 */
export function parseCoordinate(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN
  if (v instanceof Date) return NaN
  const text = cellText(v)
  // the common case, plain decimal ASCII: what the steps below give for it, without them
  if (PLAIN_DECIMAL.test(text)) return Number(text)
  let s = halfWidth(text)
  if (!s) return NaN
  let sign = 1
  const hemi = /^(东经|北纬|西经|南纬|[EeNnWwSs])\s*|\s*(东经|北纬|西经|南纬|[EeNnWwSs])$/.exec(s)
  if (hemi) {
    const h = (hemi[1] ?? hemi[2])!
    if (/^[WwSs]$|西经|南纬/.test(h)) sign = -1
    s = s.slice(0, hemi.index) + s.slice(hemi.index + hemi[0].length)
    s = s.trim()
  }
  if (s.startsWith('-')) { sign = -sign; s = s.slice(1).trim() }
  else if (s.startsWith('+')) s = s.slice(1).trim()
  if (/^\d+,\d+$/.test(s)) s = s.replace(',', '.')
  if (/^\d+(\.\d+)?°?$/.test(s)) return sign * Number(s.replace('°', ''))
  // degrees minutes seconds: 1 to 3 numbers separated only by degree/minute/second marks or spaces
  const nums = s.match(/\d+(?:\.\d+)?/g)
  if (!nums || nums.length > 3 || !DMS_SEPARATORS.test(s.replace(/\d+(?:\.\d+)?/g, ''))) return NaN
  // two bare numbers glued by one space would be ambiguous with a thousands separator: need a mark or 3 parts
  if (nums.length === 2 && !/[°º˚度'′’分]/.test(s)) return NaN
  const [d, m = '0', sec = '0'] = nums
  const mm = Number(m), ss = Number(sec)
  if (mm >= 60 || ss >= 60) return NaN
  // only the last part may carry a fraction
  if ((nums.length > 1 && d!.includes('.')) || (nums.length > 2 && m.includes('.'))) return NaN
  return sign * (Number(d) + mm / 60 + ss / 3600)
}

/** A rough box around China (incl. the South China Sea islands' latitudes down to 3°N). */
export function inChina(lng: number, lat: number): boolean {
  return lng >= 73 && lng <= 136 && lat >= 3 && lat <= 54
}

/**
 * The file's (x, y) as (lng, lat): swapped back when only the swapped order lies in China.
 * `swapped` tells the caller to warn.
 */
export function orderForChina(x: number, y: number): { lng: number; lat: number; swapped: boolean } {
  if (!inChina(x, y) && inChina(y, x)) return { lng: y, lat: x, swapped: true }
  return { lng: x, lat: y, swapped: false }
}

// ---------------------------------------------------------------- report times

/** Excel's day 0 (serial dates count days from 1899-12-30, the 1900 leap-year bug included). */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30)
const DAY_MS = 86_400_000

/** Beijing wall-clock fields → the instant; null when a field is out of range (2026-02-30). */
function beijing(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s >= 60) return null
  const wall = Date.UTC(y, mo - 1, d, h, mi, 0) + Math.round(s * 1000)
  const check = new Date(wall)
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return null
  return new Date(wall - CHINA_OFFSET_MS)
}

const DATE_TEXT = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[T\s]\s*(\d{1,2})\s*[:时點点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2}(?:\.\d+)?))?\s*[分秒]?)?$/
const ISO_ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

/** The earliest report time accepted (older values are typing errors or Excel's empty date). */
export const EARLIEST_REPORT = new Date(Date.UTC(2000, 0, 1) - CHINA_OFFSET_MS)

/**
 * A report time from a cell; null when unreadable. exceljs gives date cells as a Date whose UTC
 * fields are the wall clock the sheet shows (Excel has no time zones): read as Beijing time. A
 * number is an Excel serial date (46329.39583 = 2026-11-03 09:30).
 */
export function parseReportTime(v: unknown): Date | null {
  const d = readTime(v)
  return d && d >= EARLIEST_REPORT ? d : null
}

function readTime(v: unknown): Date | null {
  if (v === null || v === undefined) return null
  if (v instanceof Date) {
    if (!Number.isFinite(v.getTime())) return null
    return new Date(v.getTime() - CHINA_OFFSET_MS)
  }
  if (typeof v === 'number') return fromSerial(v)
  if (typeof v === 'object') {
    const o = v as { result?: unknown }
    if (o.result !== undefined) return readTime(o.result)
  }
  const s = halfWidth(cellText(v)).replace(/\s+/g, ' ')
  if (!s) return null
  if (/^\d+(\.\d+)?$/.test(s)) return fromSerial(Number(s))
  if (ISO_ZONED.test(s)) {
    const d = new Date(s)
    return Number.isFinite(d.getTime()) ? d : null
  }
  const m = DATE_TEXT.exec(s)
  if (!m) return null
  return beijing(Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 0 : Number(m[4]), m[5] === undefined ? 0 : Number(m[5]), m[6] === undefined ? 0 : Number(m[6]))
}

function fromSerial(n: number): Date | null {
  // 36526 = 2000-01-01, 73051 = 2100-01-01: other numbers are not dates of a ledger
  if (!Number.isFinite(n) || n < 36526 || n > 73051) return null
  const wall = EXCEL_EPOCH_MS + Math.round(n * DAY_MS / 1000) * 1000
  return new Date(wall - CHINA_OFFSET_MS)
}
