/**
 * Reading uploaded spreadsheets without trusting their size (runs in the heavy-task pool):
 *  - a zip (.xlsx, zipped Shapefile) is checked against its central directory before anything is
 *    inflated (entry count, declared uncompressed size per entry and in total, compression ratio),
 *    then every entry is inflated once into nothing with a byte counter (yauzl refuses an entry whose
 *    real size differs from the declared one), so a zip bomb is refused by declared and actual size;
 *  - an .xlsx is read as a stream (exceljs WorkbookReader): rows and cells are counted while reading
 *    and reading stops at the first row over the limit;
 *  - a CSV (papaparse) is parsed row by row up to one row past the limit;
 *  - `readRows` hands each row to the caller without keeping it (a 1,000,000-row ledger is checked
 *    as it is read: server/domain/problem/ledgerCheck.ts), `parseTable` collects them.
 */
import { Readable } from 'node:stream'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import yauzl from 'yauzl'
import { AppError, badInput } from '../domain/errors.ts'

export interface Table { headers: string[]; rows: unknown[][] }
export interface TableLimits {
  maxRows: number; maxCells: number
  /** every row in `rows` and no header (the caller finds the header among the first rows) */
  headerless?: boolean
}

export const ZIP_LIMITS = {
  entries: 5_000,
  /** uncompressed bytes, all entries together */
  totalBytes: 400 * 1024 * 1024,
  /** uncompressed / compressed, for entries over 1 MB uncompressed */
  ratio: 200,
}

const zipTooLarge = (why: string) => new AppError('TOO_LARGE', 'IMPORT_TOO_LARGE', `压缩文件解压后过大（${why}），已拒绝`)
const badZip = () => badInput('无法读取压缩文件，请确认文件完整', 'IMPORT_BAD_FILE')

/** Refuses a zip whose declared or actual uncompressed size is over the limits (see ZIP_LIMITS). */
export async function checkZip(bytes: Uint8Array, limits = ZIP_LIMITS, inflate: (name: string) => boolean = () => true): Promise<yauzl.Entry[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true, validateEntrySizes: true }, (err, z) => (err || !z ? reject(badZip()) : resolve(z))))
  const entries: yauzl.Entry[] = []
  let declared = 0
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push(e)
        declared += e.uncompressedSize
        if (entries.length > limits.entries) return reject(zipTooLarge(`超过 ${limits.entries} 个文件`))
        if (declared > limits.totalBytes) return reject(zipTooLarge(`声明大小超过 ${limits.totalBytes / 1024 / 1024} MB`))
        if (e.uncompressedSize > 1024 * 1024 && e.uncompressedSize > limits.ratio * Math.max(1, e.compressedSize)) return reject(zipTooLarge(`压缩比超过 ${limits.ratio}:1`))
        zip.readEntry()
      })
      zip.on('end', () => resolve())
      zip.on('error', () => reject(badZip()))
      zip.readEntry()
    })
    // actual sizes: inflate each entry into nothing, counting bytes
    let actual = 0
    for (const e of entries) {
      if (/\/$/.test(e.fileName) || !inflate(e.fileName)) continue
      await new Promise<void>((resolve, reject) => {
        zip.openReadStream(e, (err, s) => {
          if (err || !s) return reject(badZip())
          s.on('data', (chunk: Buffer) => {
            actual += chunk.length
            if (actual > limits.totalBytes) { s.destroy(); reject(zipTooLarge(`实际大小超过 ${limits.totalBytes / 1024 / 1024} MB`)) }
          })
          s.on('end', () => resolve())
          s.on('error', () => reject(zipTooLarge('实际大小与声明不符')))
        })
      })
    }
  } finally {
    zip.close()
  }
  return entries
}

/** The parts of an .xlsx the reader needs, first the ones the sheets refer to, then the sheets by number. */
const XLSX_PARTS = ['xl/_rels/workbook.xml.rels', 'xl/workbook.xml', 'xl/sharedStrings.xml', 'xl/styles.xml']
const sheetNo = (name: string) => Number(/^xl\/worksheets\/sheet(\d+)\.xml$/.exec(name)?.[1] ?? NaN)

/**
 * The local records (header, data, descriptor) of the checked entries the reader needs, in the order
 * it needs them: exceljs's streaming reader reads local headers in file order and copies every sheet
 * that comes before the shared strings to a temporary file (exceljs's own writer puts the shared
 * strings last); fed in this order it streams the sheet. Only central-directory entries whose sizes
 * were checked reach it, so records hidden outside the directory are never inflated.
 */
function xlsxStream(bytes: Buffer, entries: yauzl.Entry[]): Readable {
  const byName = new Map(entries.map((e) => [e.fileName, e]))
  const sheets = entries.filter((e) => Number.isFinite(sheetNo(e.fileName))).sort((a, b) => sheetNo(a.fileName) - sheetNo(b.fileName))
  const chosen = [...XLSX_PARTS.map((n) => byName.get(n)).filter((e): e is yauzl.Entry => !!e), ...sheets]
  const records = chosen.map((e) => {
    const at = e.relativeOffsetOfLocalHeader
    if (bytes.readUInt32LE(at) !== 0x04034b50) throw badZip()
    let end = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28) + e.compressedSize
    if (e.generalPurposeBitFlag & 0x8) end += end + 4 <= bytes.length && bytes.readUInt32LE(end) === 0x08074b50 ? 16 : 12 // data descriptor
    if (end > bytes.length) throw badZip()
    return bytes.subarray(at, end)
  })
  return Readable.from(records)
}

const isXlsx = (b: Uint8Array) => b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04

/** Text of a CSV: UTF-8 (with or without BOM), else GB18030 (Excel's Chinese CSV). */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '')
  } catch {
    return new TextDecoder('gb18030').decode(bytes)
  }
}

const tooManyRows = (max: number) => badInput(`一次最多导入 ${max} 行`, 'IMPORT_TOO_MANY_ROWS')
const tooManyCells = (max: number) => new AppError('TOO_LARGE', 'IMPORT_TOO_LARGE', `表格单元格过多（超过 ${max} 个），请拆分后导入`)

/**
 * The first sheet of an .xlsx, or a CSV, row by row (`onRow` gets each row's raw values in sheet
 * order, rows missing from an .xlsx as empty rows), without keeping them: the row and cell limits are
 * checked as in parseTable (which collects them). Resolves with the number of rows.
 */
export async function readRows(bytes: Uint8Array, limits: TableLimits, onRow: (values: unknown[]) => void): Promise<number> {
  let count = 0, anyValue = false
  const filled = (r: unknown[]) => { for (const v of r) if (v !== null && v !== undefined && v !== '') return true; return false }
  const emit = (r: unknown[]) => { count++; if (!anyValue) anyValue = filled(r); onRow(r) }
  if (isXlsx(bytes)) {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const entries = await checkZip(bytes, ZIP_LIMITS, (n) => XLSX_PARTS.includes(n) || Number.isFinite(sheetNo(n)))
    let cells = 0, sheets = 0
    try {
      const reader = new ExcelJS.stream.xlsx.WorkbookReader(xlsxStream(buf, entries), {
        worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore',
      })
      for await (const ws of reader) {
        sheets++
        for await (const row of ws) {
          if (row.number > limits.maxRows + 1) throw tooManyRows(limits.maxRows)
          const values = (row.values as unknown[]).slice(1) // exceljs rows are 1-based
          cells += values.length
          if (cells > limits.maxCells) throw tooManyCells(limits.maxCells)
          if (row.number <= count) throw badInput('无法读取 Excel 文件，请确认是 .xlsx 格式', 'IMPORT_BAD_FILE') // rows out of order
          while (count < row.number - 1) emit([]) // rows without cells
          emit(values)
        }
        break // the first sheet only
      }
    } catch (e) {
      if (e instanceof AppError) throw e
      throw badInput('无法读取 Excel 文件，请确认是 .xlsx 格式', 'IMPORT_BAD_FILE')
    }
    if (!sheets) throw badInput('Excel 文件中没有工作表', 'IMPORT_BAD_FILE')
  } else {
    const text = decodeText(bytes)
    // one row held back: an empty last row is the final newline, not a row
    let held: unknown[] | null = null, raw = 0, cells = 0
    let over = false
    Papa.parse<string[]>(text, {
      skipEmptyLines: false,
      step: (res, parser) => {
        if (++raw > limits.maxRows + 2) { over = true; parser.abort(); return }
        if (held) { cells += held.length; emit(held) }
        held = res.data
      },
    })
    if (over) throw tooManyRows(limits.maxRows)
    const last = held as unknown[] | null
    if (last && !last.every((c) => c === '')) { cells += last.length; emit(last) }
    if (count > limits.maxRows + 1) throw tooManyRows(limits.maxRows)
    if (cells > limits.maxCells) throw tooManyCells(limits.maxCells)
  }
  if (count > limits.maxRows + 1) throw tooManyRows(limits.maxRows)
  if (limits.headerless && !anyValue) throw badInput('文件中没有数据', 'IMPORT_EMPTY')
  return count
}

/** The first sheet of an .xlsx, or a CSV, as a header row and data rows of raw values. */
export async function parseTable(bytes: Uint8Array, limits: TableLimits): Promise<Table> {
  const all: unknown[][] = []
  await readRows(bytes, limits, (r) => { all.push(r) })
  if (limits.headerless) return { headers: [], rows: all }
  const headers = (all[0] ?? []).map((h) => String(h ?? '').trim())
  if (!headers.some(Boolean)) throw badInput('文件第一行应为表头', 'IMPORT_NO_HEADER')
  return { headers, rows: all.slice(1) }
}
