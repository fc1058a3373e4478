/**
 * The header row of a ledger, found among its first rows. Real 问题台账 start with title rows
 * ("2026年11月 问题台账", "填报单位：…") and often a two-level header whose parent cells are merged
 * over their children ("问题位置" over "经度 | 纬度 | 地址"; "序号" merged down over both rows).
 * Pure: rows of raw cell values in, the chosen row and its column names out.
 *
 * Rule: every row among the first HEADER_SCAN rows is tried as the (last) header row; its column
 * names are its own texts, joined with the row above when that row is a parent header (at least two
 * different texts, laid out differently): a merged parent's text is carried right over the empty
 * cells of its merge, then a column is "parent·child", or the parent alone where the child is empty
 * (merged down). The row whose names map the most import fields wins; ties go to the earlier row. A
 * person can override it (1-based row number) in the preview.
 */
import { cellText } from './ledgerCells.ts'
import { guessMapping } from './importRows.ts'

export const HEADER_SCAN = 20
/** joins a parent header's text and its child's */
export const HEADER_JOIN = '·'

export interface HeaderChoice {
  /** 0-based index of the (last) header row in the sheet; data starts on the next row */
  index: number
  /** 0-based index of the parent header row joined into the names, or null */
  parent: number | null
  /** column names (parent·child where joined) */
  headers: string[]
  /** how many import fields these names map (the score) */
  mapped: number
}

const texts = (r: readonly unknown[] | undefined) => (r ?? []).map((v) => cellText(v).replace(/\s+/g, ' '))
const distinct = (t: string[]) => new Set(t.filter(Boolean)).size

/** The column names when `index` is the header row (joined with a parent row above if there is one). */
export function headerAt(rows: readonly (readonly unknown[])[], index: number): { headers: string[]; parent: number | null } {
  const child = texts(rows[index])
  const above = index > 0 ? texts(rows[index - 1]) : []
  const isParent = distinct(above) >= 2 && above.some((t, i) => Boolean(t) !== Boolean(child[i] ?? ''))
  if (!isParent) return { headers: child, parent: null }
  const width = Math.max(child.length, above.length)
  const headers: string[] = []
  let carried = ''
  for (let i = 0; i < width; i++) {
    const p = above[i] ?? '', c = child[i] ?? ''
    // a merged parent spans right over empty parent cells, but only above filled child cells
    if (p) carried = p
    else if (!c) carried = ''
    const parent = p || (c ? carried : '')
    headers.push(parent && c && parent !== c ? `${parent}${HEADER_JOIN}${c}` : (c || parent))
  }
  return { headers, parent: index - 1 }
}

const score = (headers: string[]) => Object.keys(guessMapping(headers)).length

/** The best header row among the first rows; `forced` (0-based) skips the search. */
export function findHeaderRow(rows: readonly (readonly unknown[])[], forced?: number): HeaderChoice {
  if (forced !== undefined) {
    const h = headerAt(rows, forced)
    return { index: forced, ...h, mapped: score(h.headers) }
  }
  let best: HeaderChoice | null = null
  const n = Math.min(rows.length, HEADER_SCAN)
  for (let i = 0; i < n; i++) {
    if (distinct(texts(rows[i])) < 2) continue // empty and title rows
    const h = headerAt(rows, i)
    const mapped = score(h.headers)
    if (!best || mapped > best.mapped) best = { index: i, ...h, mapped }
  }
  if (best) return best
  // nothing with two texts: the first non-empty row
  const first = Math.max(0, rows.findIndex((r) => texts(r).some(Boolean)))
  const h = headerAt(rows, first)
  return { index: first, ...h, mapped: score(h.headers) }
}
