/** Hostile spreadsheets from issue 17, written with exceljs's streaming writer (constant memory). */
import fs from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'

const DESCRIPTIONS = ['占道经营', '垃圾乱堆', '井盖缺失', '违规停车', '广告乱贴']

/**
 * An .xlsx of `rows` problem rows (经度, 纬度, 类别, 描述) in var/test; reused when a complete one of
 * the same size is already there (written under a temporary name, renamed when finished).
 */
export async function bigProblemSheet(rows: number): Promise<string> {
  const file = path.resolve('var/test', `hostile-${rows}-rows.xlsx`)
  if (fs.existsSync(file)) return file
  const tmp = `${file}.${process.pid}.tmp`
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp, useSharedStrings: true, useStyles: false, zip: { zlib: { level: 6 } } })
  const ws = wb.addWorksheet('问题')
  ws.addRow(['经度', '纬度', '类别', '描述']).commit()
  for (let i = 0; i < rows; i++) ws.addRow([108.9 + (i % 50) * 1e-3, 34.2 + (i % 40) * 1e-3, 'ROAD', DESCRIPTIONS[i % DESCRIPTIONS.length]]).commit()
  ws.commit()
  await wb.commit()
  fs.renameSync(tmp, file)
  return file
}
