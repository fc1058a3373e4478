/**
 * Open311 GeoReport v2 (JSON only) at /open311/v2/, so that 311 clients and tools can read and
 * submit problems:
 *   GET  services.json                 categories as services
 *   GET  requests.json                 service_request_id, service_code, start_date, end_date, status
 *   GET  requests/{id}.json            one request (as a one-element array)
 *   POST requests.json                 form-encoded or JSON (JSON and our own Origin when signed in by
 *                                      cookie); creates a problem through the normal
 *                                      assignment path → [{ service_request_id, service_notice, account_id }]
 * Our states map to open/closed; the detailed state is in the extension field `detailed_status`.
 * Access: a logged-in session cookie (department users see their own department's requests), or
 * `api_key` equal to env OPEN311_API_KEY. Set OPEN311_PUBLIC_READ=1 to allow anonymous GETs.
 * Errors: HTTP status + [{ code, description }].
 */
import { timingSafeEqual } from 'node:crypto'
import type http from 'node:http'
import type { SessionUser } from './domain/user.ts'
import { httpStatusOf } from './api/errorMapping.ts'
import { departmentScope } from './services/scope.ts'
import { crossSiteRequest, readBody, sessionUserOf, type HttpDeps } from './api/httpUtil.ts'
import { AppError } from './domain/errors.ts'
import { categoryLimit } from './domain/problem/workflow.ts'
import { isOpen } from './domain/problem/status.ts'
import { PROBLEM_ACTION, PROBLEM_STATUS } from './domain/vocabulary/status.ts'
import type { Prisma } from './db/client.ts'
import { CHINA_OFFSET_MS, w3cChinaDateTime } from './domain/time.ts'
import { illFormedTextPath, parseIsoInstant, YEAR_MAX, YEAR_MIN } from './domain/inputRules.ts'
import { sameOrigin } from './auth/origin.ts'
import type { GridCatalog } from './services/gridCatalog.ts'
import { createProblem } from './services/problems.ts'

export const OPEN311_PREFIX = '/open311/v2/'
const MAX_BODY = 64 * 1024
const MAX_RESULTS = 1000
const DEFAULT_DAYS = 90

/** GeoReport v2 request fields, in the order of the specification, plus our extension. */
export const REQUEST_FIELDS = [
  'service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description', 'agency_responsible',
  'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime', 'address', 'address_id', 'zipcode',
  'lat', 'long', 'media_url',
] as const
export const SERVICE_FIELDS = ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group'] as const

class Open311Error extends Error {
  constructor(readonly status: number, readonly code: number, description: string) { super(description) }
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Access-Control-Allow-Origin': '*' })
    .end(JSON.stringify(body))
}
const fail = (res: http.ServerResponse, status: number, description: string) => send(res, status, [{ code: status, description }])

/** W3C date-time in Beijing time (see server/domain/time.ts). */
function w3c(d: Date | null): string | null {
  return d ? w3cChinaDateTime(d) : null
}

function apiKeyOk(given: string | null | undefined): boolean {
  const expected = process.env.OPEN311_API_KEY
  if (!expected || !given) return false
  const a = Buffer.from(given), b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

type Caller = { user: SessionUser | null; viaKey: boolean }

async function callerOf(deps: HttpDeps, req: http.IncomingMessage, apiKey: string | null | undefined): Promise<Caller | null> {
  if (apiKeyOk(apiKey)) return { user: null, viaKey: true }
  const user = await sessionUserOf(deps.db, req, deps.now())
  return user ? { user, viaKey: false } : null
}

const requestInclude = {
  category: { select: { name: true } },
  department: { select: { name: true } },
  grid: { select: { name: true } },
  photos: { select: { id: true }, orderBy: { id: 'asc' as const }, take: 1 },
  events: { select: { note: true, action: true, toStatus: true, at: true }, orderBy: [{ at: 'desc' as const }, { id: 'desc' as const }], take: 1 },
}
type RequestRow = Prisma.ProblemGetPayload<{ include: typeof requestInclude }>

function toRequest(p: RequestRow, origin: string) {
  return {
    service_request_id: String(p.id),
    status: isOpen(p.status) ? 'open' : 'closed',
    // written back from the problem's events: the latest step (its status in Chinese) and its note
    status_notes: statusNotes(p.events[0]),
    service_name: p.category.name,
    service_code: p.categoryCode,
    description: p.description,
    agency_responsible: p.department?.name ?? null,
    service_notice: null,
    requested_datetime: w3c(p.reportedAt),
    updated_datetime: w3c(p.events[0] && p.events[0].at > p.reportedAt ? p.events[0].at : p.reportedAt),
    expected_datetime: w3c(p.deadline),
    address: p.grid?.name ?? null,
    address_id: null,
    zipcode: null,
    lat: p.lat,
    long: p.lng,
    media_url: p.photos[0] ? `${origin}/api/photos/${p.photos[0].id}` : null,
    // extension: our own state of the closed loop
    detailed_status: p.status,
  }
}

/** The status note of a request from its latest event: "结案：已清理完毕" (step label, then the note). */
function statusNotes(e: { note: string; action: string; toStatus: string } | undefined): string | null {
  if (!e) return null
  const step = (PROBLEM_ACTION as Record<string, { 'zh-CN': string }>)[e.action]?.['zh-CN'] ?? PROBLEM_STATUS[e.toStatus as keyof typeof PROBLEM_STATUS]?.['zh-CN'] ?? e.action
  const status = PROBLEM_STATUS[e.toStatus as keyof typeof PROBLEM_STATUS]?.['zh-CN'] ?? e.toStatus
  return `${step}（${status}）${e.note ? `：${e.note}` : ''}`
}

/** A W3C date or date-time naming a real calendar day (no 30 February) in YEAR_MIN..YEAR_MAX; 400 otherwise. */
function parseDate(s: string | null, name: string): Date | undefined {
  if (!s) return undefined
  const d = parseIsoInstant(s)
  if (!d) throw new Open311Error(400, 400, `${name} must be a W3C date-time of a real day between ${YEAR_MIN} and ${YEAR_MAX}`)
  return d
}

/** Handles everything under /open311/v2/; false for any other URL. */
export function handleOpen311(deps: HttpDeps & { catalog: GridCatalog }, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x')
  if (!url.pathname.startsWith(OPEN311_PREFIX)) return false
  const rest = url.pathname.slice(OPEN311_PREFIX.length)
  const origin = `${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'}://${req.headers.host ?? 'localhost'}`
  void (async () => {
    try {
      if (req.method === 'OPTIONS') { res.writeHead(204, { 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Content-Type' }).end(); return }
      if (rest.endsWith('.xml')) throw new Open311Error(400, 400, 'only the JSON format is supported; use .json')
      const q = url.searchParams
      if (req.method === 'GET' || req.method === 'HEAD') {
        const publicRead = process.env.OPEN311_PUBLIC_READ === '1'
        const caller = await callerOf(deps, req, q.get('api_key'))
        if (!caller && !publicRead) throw new Open311Error(401, 401, 'a session or a valid api_key is required')
        const scope: Prisma.ProblemWhereInput = departmentScope(caller?.user ?? null).where()
        if (rest === 'services.json') {
          const cats = await deps.db.problemCategory.findMany({ orderBy: { code: 'asc' } })
          send(res, 200, cats.map((c) => ({
            service_code: c.code, service_name: c.name, description: `${c.group}（${c.kind}），处置时限 ${categoryLimit(c).normal.workingDays} 个工作日（紧急 ${categoryLimit(c).urgent.hours} 小时）`,
            metadata: false, type: 'realtime', keywords: [c.group, c.kind, c.name].join(','), group: c.group,
          })))
          return
        }
        const one = /^requests\/(\d{1,10})\.json$/.exec(rest)
        if (one) {
          const p = await deps.db.problem.findFirst({ where: { id: Number(one[1]), ...scope }, include: requestInclude })
          if (!p) throw new Open311Error(404, 404, `service request ${one[1]} not found`)
          send(res, 200, [toRequest(p, origin)])
          return
        }
        if (rest === 'requests.json') {
          const ids = q.get('service_request_id')
          const where: Prisma.ProblemWhereInput = { ...scope }
          if (ids) {
            const list = ids.split(',').map((s) => s.trim())
            if (list.some((s) => !/^\d{1,10}$/.test(s))) throw new Open311Error(400, 400, 'service_request_id must be a comma-separated list of ids')
            where.id = { in: list.map(Number) }
          } else {
            const codes = q.get('service_code')
            if (codes) where.categoryCode = { in: codes.split(',').map((s) => s.trim()) }
            const end = parseDate(q.get('end_date'), 'end_date') ?? deps.now()
            const start = parseDate(q.get('start_date'), 'start_date') ?? new Date(end.getTime() - DEFAULT_DAYS * 86_400_000)
            where.reportedAt = { gte: start, lte: end }
            const status = q.get('status')
            if (status) {
              const wanted = status.split(',').map((s) => s.trim())
              if (wanted.some((s) => s !== 'open' && s !== 'closed')) throw new Open311Error(400, 400, 'status must be open or closed')
              if (!(wanted.includes('open') && wanted.includes('closed'))) {
                where.status = wanted.includes('open') ? { in: ['reported', 'registered', 'dispatched', 'rectifying', 'submitted'] } : { in: ['closed', 'voided'] }
              }
            }
          }
          const rows = await deps.db.problem.findMany({ where, include: requestInclude, orderBy: { id: 'desc' }, take: MAX_RESULTS })
          send(res, 200, rows.map((p) => toRequest(p, origin)))
          return
        }
        throw new Open311Error(404, 404, 'unknown resource')
      }
      if (req.method === 'POST' && rest === 'requests.json') {
        if (crossSiteRequest(req)) throw new Open311Error(403, 403, 'cross-site request refused')
        const raw = (await readBody(req, MAX_BODY, () => new Open311Error(413, 413, 'request body too large'), res)).toString('utf8')
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
        let body: Record<string, unknown>
        if (type === 'application/json') {
          try { body = JSON.parse(raw || '{}') as Record<string, unknown> } catch { throw new Open311Error(400, 400, 'malformed JSON body') }
          if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Open311Error(400, 400, 'the JSON body must be an object')
        } else if (type === 'application/x-www-form-urlencoded' || type === '') {
          body = Object.fromEntries(new URLSearchParams(raw))
        } else throw new Open311Error(415, 415, 'use application/x-www-form-urlencoded or application/json')
        const badText = illFormedTextPath(body)
        if (badText) throw new Open311Error(400, 400, `${badText} is not valid text (lone UTF-16 surrogate)`)
        const str = (k: string) => (body[k] === undefined || body[k] === null ? '' : String(body[k]).trim())
        const caller = await callerOf(deps, req, str('api_key') || q.get('api_key'))
        if (!caller) throw new Open311Error(403, 403, 'a session or a valid api_key is required to submit')
        // a cookie is sent by the browser on its own: such a write must be JSON (a CORS-preflighted
        // type) from our own origin; API-key callers (servers, 311 tools) are not affected
        if (!caller.viaKey) {
          if (type !== 'application/json') throw new Open311Error(415, 415, 'a request authenticated by a session cookie must be application/json')
          if (!req.headers.origin || !sameOrigin(req, req.headers.origin)) throw new Open311Error(403, 403, 'a request authenticated by a session cookie must come from this site (Origin)')
        }
        const code = str('service_code')
        if (!code) throw new Open311Error(400, 400, 'service_code is required')
        const category = await deps.db.problemCategory.findUnique({ where: { code } })
        if (!category) throw new Open311Error(404, 404, `service_code ${code} not found`)
        const lat = Number(str('lat')), lng = Number(str('long'))
        if (!str('lat') || !str('long') || !Number.isFinite(lat) || !Number.isFinite(lng) || lat < -90 || lat > 90 || lng < -180 || lng > 180) {
          throw new Open311Error(400, 400, 'lat and long are required (WGS84 decimal degrees); address-only requests are not supported')
        }
        const description = str('description').slice(0, 2000)
        if (!description) throw new Open311Error(400, 400, 'description is required')
        const address = str('address_string').slice(0, 200)
        const name = [str('last_name'), str('first_name')].filter(Boolean).join('') || str('email') || 'Open311'
        const reporter = caller.user ? { id: caller.user.id, name: caller.user.displayName } : { id: null, name: name.slice(0, 100) }
        const p = await createProblem(deps.db, deps.catalog, {
          lng, lat, categoryCode: category.code, description: address ? `${description}（${address}）` : description,
          source: 'open311', reporter,
        }, deps.now())
        const notice = p.gridId === null ? '该位置不在任何网格内，将由文明办人工分派' : p.departmentId === null ? '该网格暂无包抓部门，将由文明办人工分派' : '已受理，将派遣责任部门处置'
        send(res, 201, [{ service_request_id: String(p.id), service_notice: notice, account_id: caller.user ? String(caller.user.id) : null }])
        return
      }
      throw new Open311Error(405, 405, 'method not allowed')
    } catch (e) {
      req.resume()
      if (e instanceof Open311Error) { fail(res, e.status, e.message); return }
      if (e instanceof AppError) { fail(res, httpStatusOf(e), e.message); return }
      console.error('[open311]', e)
      fail(res, 500, 'internal server error')
    }
  })()
  return true
}
