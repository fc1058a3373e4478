/**
 * Plain HTTP routes for the grid register (网格台账, docs/register.md); raw bytes do not suit tRPC:
 *   POST /api/import/register?mode=preview|commit&commitMode=all-or-nothing|good-rows
 *        &createDepartments=true|false&fileName=<name>     body: the raw .xlsx or .csv bytes (≤ 20 MB)
 *        → preview: RegisterPreview   commit: RegisterResult (committed, changed, createdDepartments, …)
 *   GET  /api/register/export?format=xlsx|csv&date=YYYY-MM-DD (default today, Beijing)
 *        → the register in force on that day, in the format the import reads
 * Session cookie required; both admin only (the permission matrix's `holder.register`); server/http.ts
 * refuses cross-site POSTs to /api/ first.
 */
import type http from 'node:http'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { z } from 'zod'
import { AppError } from '../domain/errors.ts'
import { neutraliseRow } from '../domain/export/cells.ts'
import { todayInChina } from '../domain/time.ts'
import type { GridCatalog } from '../services/gridCatalog.ts'
import { commitRegister, previewRegister, REGISTER_COLUMNS, REGISTER_MAX_BYTES, REGISTER_MODES, registerAt } from '../services/register.ts'
import { describeIssues, readBody, sendAppError, sendError, sessionUserOf, type HttpDeps } from './httpUtil.ts'
import { isoDay } from './inputs.ts'
import { allowed } from './permissions.ts'

/** The permission-matrix path whose roles these routes share. */
export const REGISTER_PERMISSION = 'holder.register'

const tooLarge = () => new AppError('TOO_LARGE', 'IMPORT_TOO_LARGE', `文件不能超过 ${REGISTER_MAX_BYTES / 1024 / 1024} MB`)

const importQuery = z.object({
  mode: z.enum(['preview', 'commit']),
  commitMode: z.enum(REGISTER_MODES).default('all-or-nothing'),
  createDepartments: z.stringbool().default(false),
  fileName: z.string().trim().max(200).default('register'),
})
const exportQuery = z.object({ format: z.enum(['xlsx', 'csv']).default('xlsx'), date: isoDay.optional() })

/** The register rows as a workbook: text cells, the two dates as date cells (yyyy-mm-dd). */
async function registerWorkbook(rows: string[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('网格台账')
  ws.addRow(REGISTER_COLUMNS).font = { bold: true }
  const asDate = (day: string) => (day ? new Date(`${day}T00:00:00Z`) : null) // a calendar day (Excel dates have no zone)
  for (const r of rows) ws.addRow([...r.slice(0, 8), asDate(r[8]!), asDate(r[9]!)])
  for (const c of [9, 10]) ws.getColumn(c).numFmt = 'yyyy-mm-dd'
  ws.getColumn(1).numFmt = '@'
  ws.getColumn(8).numFmt = '@'
  ws.columns.forEach((col, i) => { col.width = [15, 16, 14, 18, 10, 10, 10, 16, 12, 12][i] ?? 12 })
  ws.views = [{ state: 'frozen', ySplit: 1 }]
  return Buffer.from(await wb.xlsx.writeBuffer())
}

/** Handles /api/import/register and /api/register/export; false for any other URL. */
export function handleRegisterHttp(deps: HttpDeps & { catalog: GridCatalog }, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname !== '/api/import/register' && url.pathname !== '/api/register/export') return false
  const query = Object.fromEntries(url.searchParams)
  const isImport = url.pathname === '/api/import/register'
  void (async () => {
    try {
      res.setHeader('Cache-Control', 'no-store')
      if (isImport ? req.method !== 'POST' : req.method !== 'GET' && req.method !== 'HEAD') { sendError(res, 405, 'METHOD_NOT_ALLOWED', '不支持的请求方法'); req.resume(); return }
      const user = await sessionUserOf(deps.db, req, deps.now())
      if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); req.resume(); return }
      if (!allowed(REGISTER_PERMISSION, user.role)) { sendError(res, 403, 'ROLE_FORBIDDEN', '当前角色无权执行此操作'); req.resume(); return }
      if (isImport) {
        const q = importQuery.safeParse(query)
        if (!q.success) { sendError(res, 400, 'BAD_INPUT', describeIssues(q.error.issues)); req.resume(); return }
        const bytes = await readBody(req, REGISTER_MAX_BYTES, tooLarge, res, { shared: true })
        if (bytes.length === 0) { sendError(res, 400, 'IMPORT_EMPTY', '文件为空'); return }
        const opts = { fileName: q.data.fileName, createDepartments: q.data.createDepartments }
        const out = q.data.mode === 'preview'
          ? await previewRegister(deps.db, deps.catalog, bytes, opts)
          : await commitRegister(deps.db, deps.catalog, user.id, bytes, { ...opts, mode: q.data.commitMode }, deps.now())
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(out))
        return
      }
      const q = exportQuery.safeParse(query)
      if (!q.success) { sendError(res, 400, 'BAD_INPUT', describeIssues(q.error.issues)); return }
      const day = q.data.date ?? todayInChina(deps.now())
      const { rows } = await registerAt(deps.db, deps.catalog, day)
      // every text cell neutralised against formula injection (domain/export/cells.ts); the import takes the guard off
      const safe = rows.map((r) => neutraliseRow(r as string[]))
      const name = `网格台账-${day}`
      const body = q.data.format === 'csv'
        ? Buffer.from('\uFEFF' + Papa.unparse([REGISTER_COLUMNS, ...safe]) + '\r\n', 'utf8')
        : await registerWorkbook(safe)
      res.writeHead(200, {
        'Content-Type': q.data.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Length': String(body.length),
        'Content-Disposition': `attachment; filename="register-${day}.${q.data.format}"; filename*=UTF-8''${encodeURIComponent(`${name}.${q.data.format}`)}`,
      }).end(req.method === 'HEAD' ? undefined : body)
    } catch (e) {
      req.resume()
      sendAppError(res, e)
    }
  })()
  return true
}
