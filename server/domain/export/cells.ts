/**
 * CSV / Excel formula injection (OWASP "CSV Injection"): a spreadsheet treats a cell beginning with
 * `=`, `+`, `-` or `@` (and, in some programs, a leading tab or carriage return) as a formula. Every cell
 * holding a user's text is neutralised before export by prefixing a single quote `'`, which Excel and
 * LibreOffice show as text. Real numbers (typeof number, and strings that are plainly a decimal number
 * such as "-12.5") stay as they are, so figures still sum. Quoting of commas, quotes and line breaks
 * is the CSV writer's job (papaparse / exceljs), not this module's.
 */

/** First characters that make a spreadsheet read a cell as a formula. */
export const FORMULA_TRIGGERS: readonly string[] = ['=', '+', '-', '@', '\t', '\r']

const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

/** Does the text start like a formula (and is not a plain number)? */
export function isFormulaLike(text: string): boolean {
  return text.length > 0 && FORMULA_TRIGGERS.includes(text[0]!) && !PLAIN_NUMBER.test(text)
}

/** A text cell made safe: prefixed with `'` when it starts like a formula, unchanged otherwise. */
export function neutraliseText(text: string): string {
  return isFormulaLike(text) ? `'${text}` : text
}

/** A value exported to a cell. */
export type CellValue = string | number | boolean | Date | null | undefined

/**
 * A cell made safe for CSV/XLSX: strings are neutralised (see `neutraliseText`); numbers, booleans,
 * dates, null and undefined are returned unchanged.
 */
export function neutraliseCell<T extends CellValue>(value: T): T {
  return (typeof value === 'string' ? neutraliseText(value) : value) as T
}

/** Every cell of a row neutralised (arrays or objects of cells). */
export function neutraliseRow<R extends readonly CellValue[] | Record<string, CellValue>>(row: R): R {
  if (Array.isArray(row)) return row.map((v) => neutraliseCell(v)) as unknown as R
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, neutraliseCell(v)])) as R
}
