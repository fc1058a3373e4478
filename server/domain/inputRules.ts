/**
 * What every text and date input must satisfy, wherever it enters (tRPC, Open311, imports).
 * Pure: no HTTP, no database.
 */
import { CHINA_OFFSET_MS } from './time.ts'

/** Years a date input may name: wide enough for any real record, narrow enough to catch typos like 0000 or 20260. */
export const YEAR_MIN = 2000
export const YEAR_MAX = 2100

/** A lone UTF-16 surrogate (a high one not followed by a low one, or a low one not preceded by a high one). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** True when the string is valid UTF-16 (it can be stored as UTF-8 without loss). */
export function isWellFormedText(s: string): boolean {
  return !LONE_SURROGATE.test(s)
}

/**
 * The path of the first string (value or object key) in a JSON-like value that is not valid
 * UTF-16, e.g. "0.description"; null when all are valid.
 */
export function illFormedTextPath(value: unknown): string | null {
  const hit = find(value, 0)
  return hit === null ? null : hit.reverse().join('.') || '(root)'
}

/** The path (innermost first) to the first ill-formed string; built only on a hit, so a large numeric input costs one pass. */
function find(value: unknown, depth: number): (string | number)[] | null {
  if (typeof value === 'string') return isWellFormedText(value) ? null : []
  if (depth > 64 || value === null || typeof value !== 'object') return null
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i]
      if (v === null || (typeof v !== 'string' && typeof v !== 'object')) continue
      if (Array.isArray(v) && v.length <= 4 && typeof v[0] === 'number' && typeof v[1] === 'number' && (v.length < 3 || typeof v[2] === 'number') && (v.length < 4 || typeof v[3] === 'number')) continue // a coordinate
      const hit = find(v, depth + 1)
      if (hit) { hit.push(i); return hit }
    }
    return null
  }
  for (const k of Object.keys(value)) {
    if (!isWellFormedText(k)) return [k]
    const hit = find((value as Record<string, unknown>)[k], depth + 1)
    if (hit) { hit.push(k); return hit }
  }
  return null
}

/** True when y-m-d is a real calendar day (Gregorian) within YEAR_MIN..YEAR_MAX. */
export function isCalendarDay(y: number, m: number, d: number): boolean {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) return false
  if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1) return false
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!
  return d <= days
}

/** "YYYY-MM-DD" naming a real day in range. */
export function isIsoDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  return !!m && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))
}

/** "YYYY-MM" naming a month in range. */
export function isIsoMonth(s: string): boolean {
  const m = /^(\d{4})-(\d{2})$/.exec(s)
  return !!m && isCalendarDay(Number(m[1]), Number(m[2]), 1)
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * A W3C / ISO 8601 date or date-time ("2026-02-28", "2026-02-28T10:00:00+hh:mm", "…Z") as an
 * instant; null unless every field is real (no 30 February, no hour 24) and the year is in range.
 * A bare date or a time without an offset is read as Beijing time.
 */
export function parseIsoInstant(s: string): Date | null {
  const m = DATE_TIME.exec(s.trim())
  if (!m) return null
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (!isCalendarDay(y, mo, d)) return null
  const hh = Number(m[4] ?? 0), mm = Number(m[5] ?? 0), ss = Number(m[6] ?? 0)
  if (hh > 23 || mm > 59 || ss > 59) return null
  let offsetMin = CHINA_OFFSET_MS / 60_000
  const z = m[7]
  if (z === 'Z') offsetMin = 0
  else if (z) {
    const oh = Number(z.slice(1, 3)), om = Number(z.slice(-2))
    if (oh > 14 || om > 59) return null
    offsetMin = (z[0] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  const fraction = /\.(\d{1,3})/.exec(s)?.[1] ?? '0'
  return new Date(Date.UTC(y, mo - 1, d, hh, mm, ss, Number(fraction.padEnd(3, '0'))) - offsetMin * 60_000)
}
