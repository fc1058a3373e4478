/**
 * Plain HTTP routes for problem files (raw bytes do not suit tRPC's JSON):
 *   POST /api/import/problems?mode=preview|commit&coords=wgs84|gcj02|bd09&commitMode=all-or-nothing|good-rows
 *        &mapping=<json {field: columnIndex}>&fileName=<name>      body: the raw .xlsx or .csv bytes (≤ 200 MB, ≤ 1,048,576 rows)
 *        → preview: { fileHash, headers, mapping, summary, rows, omitted, reasons }   commit: { committed, batchId, summary, rows, omitted, reasons }
 *        (`rows` bounded: every bad row up to 10,000 and the first 1,000 good ones; `omitted` counts the rest,
 *        `reasons` every bad row by reason; services/problemImport.ts boundedAnswer)
 *   GET  /api/problems/export?format=csv|xlsx&<problem.list filters>  → the filtered list as a download
 * Session cookie required; the POST must come from a leader or admin (server/http.ts refuses
 * cross-site POSTs to /api/ first).
 */
import { neutraliseRow } from '../domain/export/cells.ts'
import type http from 'node:http'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { z } from 'zod'
import { COORD_SYSTEMS, GRIDDUTY_EXPORT_HEADER, IMPORT_FIELDS, PRESETS } from '../domain/problem/importRows.ts'
import { HEADER_SCAN } from '../domain/problem/headerRow.ts'
import { isOverdue } from '../domain/problem/status.ts'
import { formatDateTime, formatDeadline, w3cChinaDateTime } from '../domain/time.ts'
import { statusLabel } from '../domain/vocabulary/status.ts'
import type { GridCatalog } from '../services/gridCatalog.ts'
import { BAD_ROWS_LISTED, boundedAnswer, commitImport, GOOD_ROWS_LISTED, IMPORT_MAX_BYTES, IMPORT_MODES, IMPORT_SMALL_BYTES, previewImport, type ImportProgress } from '../services/problemImport.ts'
import { serverBusy } from '../services/heavy.ts'
import { AppError } from '../domain/errors.ts'
import { httpAnswerOf } from './errorMapping.ts'
import { allowed } from './permissions.ts'
import { describeIssues, readBody, sendAppError, sendError, sessionUserOf, type HttpDeps } from './httpUtil.ts'
import { listFilters, listWhere } from './routers/problem.ts'

/** Permission-matrix paths whose roles these routes share (the matrix stays the one place for roles). */
export const IMPORT_PERMISSION = 'problem.imports'
export const EXPORT_PERMISSION = 'problem.list'

const tooLarge = () => new AppError('TOO_LARGE', 'IMPORT_TOO_LARGE', `文件不能超过 ${IMPORT_MAX_BYTES / 1024 / 1024} MB`)

const importQuery = z.object({
  mode: z.enum(['preview', 'commit']),
  coords: z.enum(COORD_SYSTEMS).default('wgs84'),
  commitMode: z.enum(IMPORT_MODES).default('all-or-nothing'),
  fileName: z.string().trim().max(200).default('import'),
  headerRow: z.coerce.number().int().min(1).max(HEADER_SCAN).optional(),
  preset: z.enum([...PRESETS, 'none']).optional(),
  source: z.string().trim().max(40).optional(),
  /** 1: answer as NDJSON, {"progress":…} lines while reading/checking/writing, then {"result":…} or {"error":…} */
  progress: z.enum(['0', '1']).default('0'),
  mapping: z.string().max(2000).optional().transform((s, c) => {
    if (!s) return undefined
    try {
      return z.partialRecord(z.enum(IMPORT_FIELDS), z.number().int().min(0).max(500)).parse(JSON.parse(s))
    } catch {
      c.addIssue({ code: 'custom', message: 'mapping 应为 {"lng":0,"lat":1,…} 形式的 JSON' })
      return z.NEVER
    }
  }),
})

const exportQuery = listFilters.extend({
  format: z.enum(['csv', 'xlsx']).default('csv'),
  gridId: z.coerce.number().int().positive().optional(), departmentId: z.coerce.number().int().positive().optional(),
  open: z.stringbool().optional(), overdue: z.stringbool().optional(), boundary: z.stringbool().optional(), rebound: z.stringbool().optional(),
})

const EXPORT_MAX_ROWS = 50_000

/**
 * Big uploads (over IMPORT_SMALL_BYTES, or of undeclared size) one at a time (IMPORT_BIG_SLOTS,
 * default 1): the body is only read once a slot is free (the upload waits meanwhile), at most
 * IMPORT_BIG_QUEUE (default 2) wait, and any more are refused at once with a retryable SERVER_BUSY —
 * so two 200 MB ledgers never hold their bytes, checks and rows in memory together.
 */
const bigSlots = { running: 0, waiting: [] as (() => void)[] }
const envInt = (name: string, dflt: number, min: number) => { const v = Number(process.env[name]); return Number.isInteger(v) && v >= min ? v : dflt }
async function bigUploadSlot(): Promise<() => void> {
  const slots = envInt('IMPORT_BIG_SLOTS', 1, 1), queue = envInt('IMPORT_BIG_QUEUE', 2, 0)
  if (bigSlots.running < slots) bigSlots.running++
  else {
    if (bigSlots.waiting.length >= queue) throw serverBusy()
    await new Promise<void>((resolve) => bigSlots.waiting.push(resolve)) // the finishing upload hands its slot over
  }
  let done = false
  return () => {
    if (done) return
    done = true
    const next = bigSlots.waiting.shift()
    if (next) next()
    else bigSlots.running--
  }
}

function badQuery(res: http.ServerResponse, e: z.ZodError) {
  sendError(res, 400, 'BAD_INPUT', describeIssues(e.issues))
}

/** Previews or commits an uploaded ledger; with `progress=1` as NDJSON progress lines, then the (bounded) result. */
async function answerImport(deps: HttpDeps & { catalog: GridCatalog }, user: { id: number; displayName: string }, q: z.infer<typeof importQuery>, bytes: Uint8Array, res: http.ServerResponse): Promise<void> {
  const stream = q.progress === '1'
  const opts = {
    fileName: q.fileName, coordSystem: q.coords, mapping: q.mapping, headerRow: q.headerRow, preset: q.preset, source: q.source,
    onProgress: stream ? (p: ImportProgress) => { res.write(JSON.stringify({ progress: p }) + '\n') } : undefined,
  }
  const now = deps.now()
  if (stream) res.writeHead(200, { 'Content-Type': 'application/x-ndjson; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
  try {
    const out = boundedAnswer(q.mode === 'preview'
      ? await previewImport(deps.db, deps.catalog, bytes, { ...opts, listed: { bad: BAD_ROWS_LISTED, good: GOOD_ROWS_LISTED } }, now)
      : await commitImport(deps.db, deps.catalog, user, bytes, { ...opts, mode: q.commitMode }, now))
    if (stream) res.end(JSON.stringify({ result: out }) + '\n')
    else res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(out))
  } catch (e) {
    if (!stream) throw e
    // the status line is sent: the error is the last line
    // (a grid, department or category the rows refer to removed meanwhile: refused, nothing written)
    const a = httpAnswerOf(e)
    if (a.unexpected) console.error('[import]', e)
    res.end(JSON.stringify({ error: { code: a.kind, appCode: a.appCode, message: a.message } }) + '\n')
  }
}

/** Handles /api/import/problems and /api/problems/export; false for any other URL. */
export function handleImportHttp(deps: HttpDeps & { catalog: GridCatalog }, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname !== '/api/import/problems' && url.pathname !== '/api/problems/export') return false
  const query = Object.fromEntries(url.searchParams)
  void (async () => {
    try {
      res.setHeader('Cache-Control', 'no-store')
      if (url.pathname === '/api/import/problems') {
        if (req.method !== 'POST') { sendError(res, 405, 'METHOD_NOT_ALLOWED', '不支持的请求方法'); req.resume(); return }
        const user = await sessionUserOf(deps.db, req, deps.now())
        if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); req.resume(); return }
        if (!allowed(IMPORT_PERMISSION, user.role)) { sendError(res, 403, 'ROLE_FORBIDDEN', '当前角色无权执行此操作'); req.resume(); return }
        const q = importQuery.safeParse(query)
        if (!q.success) { badQuery(res, q.error); req.resume(); return }
        const declared = Number(req.headers['content-length'])
        if (Number.isFinite(declared) && declared > IMPORT_MAX_BYTES) { await readBody(req, IMPORT_MAX_BYTES, tooLarge, res); return } // refused (413)
        let release = () => {}
        let read = false
        if (!(Number.isFinite(declared) && declared <= IMPORT_SMALL_BYTES)) {
          release = await bigUploadSlot()
          res.once('close', () => { if (!read) release() }) // a client gone before its upload ended gives the slot back
        }
        try {
          const bytes = await readBody(req, IMPORT_MAX_BYTES, tooLarge, res, { shared: true })
          read = true
          if (bytes.length === 0) { sendError(res, 400, 'IMPORT_EMPTY', '文件为空'); return }
          await answerImport(deps, user, q.data, bytes, res)
        } finally {
          release()
        }
        return
      }
      // export
      if (req.method !== 'GET' && req.method !== 'HEAD') { sendError(res, 405, 'METHOD_NOT_ALLOWED', '不支持的请求方法'); return }
      const user = await sessionUserOf(deps.db, req, deps.now())
      if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); return }
      if (!allowed(EXPORT_PERMISSION, user.role)) { sendError(res, 403, 'ROLE_FORBIDDEN', '当前角色无权执行此操作'); return }
      const q = exportQuery.safeParse(query)
      if (!q.success) { badQuery(res, q.error); return }
      const now = deps.now()
      const rows = await deps.db.problem.findMany({
        where: listWhere(user, q.data, now), orderBy: { id: 'desc' }, take: EXPORT_MAX_ROWS,
        include: { category: { select: { name: true } }, grid: { select: { name: true } }, department: { select: { name: true } } },
      })
      // the GridDuty preset of the problem import reads this back (server/domain/problem/importRows.ts)
      const header = [...GRIDDUTY_EXPORT_HEADER]
      const iso = (d: Date | null) => (d ? formatDateTime(d) : '')
      // every cell of a user's text neutralised against formula injection (domain/export/cells.ts)
      const table = rows.map((p) => neutraliseRow([
        p.id, statusLabel('problem', p.status, 'zh-CN'), p.category.name, p.description, p.grid?.name ?? '',
        p.department?.name ?? '', p.reporterName, w3cChinaDateTime(p.reportedAt).slice(0, 19).replace('T', ' '), formatDeadline(p.deadline, true).replace('—', ''), iso(p.closedAt), isOverdue(p, now) ? '是' : '',
        p.reworkCount, p.extensionCount, p.boundaryGridIds ? '是' : '', p.reboundOfId ? `#${p.reboundOfId}` : '', p.lng, p.lat,
        p.priority === 'urgent' ? '紧急' : '一般', p.externalId ?? '',
      ]))
      const stamp = iso(now).slice(0, 10)
      if (q.data.format === 'csv') {
        const body = Buffer.from('\uFEFF' + Papa.unparse([header, ...table]), 'utf8')
        res.writeHead(200, {
          'Content-Type': 'text/csv; charset=utf-8', 'Content-Length': String(body.length),
          'Content-Disposition': `attachment; filename="problems-${stamp}.csv"; filename*=UTF-8''${encodeURIComponent(`问题清单-${stamp}.csv`)}`,
        }).end(req.method === 'HEAD' ? undefined : body)
        return
      }
      const wb = new ExcelJS.Workbook()
      const ws = wb.addWorksheet('问题清单')
      ws.addRow(header).font = { bold: true }
      for (const r of table) ws.addRow(r)
      ws.views = [{ state: 'frozen', ySplit: 1 }]
      const body = Buffer.from(await wb.xlsx.writeBuffer())
      res.writeHead(200, {
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'Content-Length': String(body.length),
        'Content-Disposition': `attachment; filename="problems-${stamp}.xlsx"; filename*=UTF-8''${encodeURIComponent(`问题清单-${stamp}.xlsx`)}`,
      }).end(req.method === 'HEAD' ? undefined : body)
    } catch (e) {
      req.resume()
      sendAppError(res, e)
    }
  })()
  return true
}
