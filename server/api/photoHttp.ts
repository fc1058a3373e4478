/**
 * Plain HTTP routes for photos (binary bodies do not suit tRPC's JSON):
 *   POST /api/photos       raw image body (Content-Type image/jpeg|png|webp) → {"id", "mime", "size", "sha256"}
 *   GET  /api/photos/:id   the bytes with their stored type
 * Both need a session cookie; the POST must be same-origin. Errors: JSON { error: { message, appCode } }.
 */
import type http from 'node:http'
import { readCookie, SESSION_COOKIE, userForSession } from '../auth/sessions.ts'
import type { Db } from '../db/client.ts'
import { loadPhoto, PHOTO_MAX_BYTES, photoTooLarge, storePhoto } from '../services/photos.ts'
import { AppError } from './errors.ts'
import type { SessionUser } from './trpc.ts'

export interface HttpDeps { db: Db; now: () => Date }

const STATUS: Record<string, number> = { BAD_REQUEST: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, PAYLOAD_TOO_LARGE: 413 }

export function sendError(res: http.ServerResponse, status: number, appCode: string, message: string): void {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(JSON.stringify({ error: { message, appCode } }))
}

export function sendAppError(res: http.ServerResponse, e: unknown): void {
  if (e instanceof AppError) { sendError(res, STATUS[e.code] ?? 400, e.appCode, e.message); return }
  console.error('[http]', e)
  sendError(res, 500, 'INTERNAL', '服务器内部错误，请稍后重试')
}

export async function sessionUserOf(db: Db, req: http.IncomingMessage, now: Date): Promise<SessionUser | null> {
  return userForSession(db, readCookie(req.headers.cookie, SESSION_COOKIE), now)
}

/** A state-changing request from another site (Origin or Fetch metadata says so). */
export function crossSiteRequest(req: http.IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true
  const origin = req.headers.origin
  if (!origin) return false
  try { return new URL(origin).host !== req.headers.host } catch { return true }
}

/** Reads the body up to `limit` bytes; more → rejects with PHOTO_TOO_LARGE, without buffering the rest. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(photoTooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) { req.removeAllListeners('data'); req.resume(); reject(photoTooLarge()); return }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** Handles /api/photos[/:id]; returns false for any other URL. */
export function handlePhotoHttp(deps: HttpDeps, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const { pathname } = new URL(req.url ?? '/', 'http://x')
  const m = /^\/api\/photos(?:\/(\d{1,10}))?\/?$/.exec(pathname)
  if (!m) return false
  void (async () => {
    try {
      res.setHeader('Cache-Control', 'no-store')
      if (m[1] === undefined && req.method === 'POST') {
        if (crossSiteRequest(req)) { sendError(res, 403, 'CROSS_SITE_REQUEST', '拒绝跨站请求'); req.resume(); return }
        const user = await sessionUserOf(deps.db, req, deps.now())
        if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); req.resume(); return }
        const bytes = await readBody(req, PHOTO_MAX_BYTES)
        const photo = await storePhoto(deps.db, bytes, req.headers['content-type'], user.id)
        res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(photo))
        return
      }
      if (m[1] !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
        const user = await sessionUserOf(deps.db, req, deps.now())
        if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); return }
        const photo = await loadPhoto(deps.db, Number(m[1]))
        if (!photo) { sendError(res, 404, 'PHOTO_NOT_FOUND', '照片不存在'); return }
        res.writeHead(200, {
          'Content-Type': photo.mime, 'Content-Length': String(photo.data.length), 'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'private, max-age=86400', 'Content-Disposition': 'inline',
        })
        res.end(req.method === 'HEAD' ? undefined : Buffer.from(photo.data))
        return
      }
      sendError(res, 405, 'METHOD_NOT_ALLOWED', '不支持的请求方法')
    } catch (e) {
      req.resume()
      sendAppError(res, e)
    }
  })()
  return true
}
