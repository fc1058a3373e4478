/**
 * Plain HTTP routes for photos (binary bodies do not suit tRPC's JSON):
 *   POST /api/photos       raw image body (Content-Type image/jpeg|png|webp) → {"id", "mime", "size", "sha256"}
 *   GET  /api/photos/:id   the bytes with their stored type, to users who may read the record it belongs to
 *                          (services/photos.ts readablePhoto); anyone else gets the same 404 as for a missing id
 * Both need a session cookie; server/http.ts refuses cross-site POSTs to /api/ first. Errors: JSON { error: { message, appCode } }.
 */
import type http from 'node:http'
import { readablePhoto, PHOTO_MAX_BYTES, photoTooLarge, storePhoto } from '../services/photos.ts'
import { readBody, sendAppError, sendError, sessionUserOf, type HttpDeps } from './httpUtil.ts'
import { createHash } from 'node:crypto'
import { rememberAfter, replay } from '../services/idempotency.ts'

type StoredPhotoView = Awaited<ReturnType<typeof storePhoto>>
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i

/** The request's `Idempotency-Key` header when it is a UUID (anything else is ignored). */
function idempotencyKeyOf(req: http.IncomingMessage): string | undefined {
  const v = req.headers['idempotency-key']
  return typeof v === 'string' && UUID.test(v) ? v.toLowerCase() : undefined
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
        const user = await sessionUserOf(deps.db, req, deps.now())
        if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); req.resume(); return }
        const bytes = await readBody(req, PHOTO_MAX_BYTES, photoTooLarge, res)
        // the offline queue sends each photo under its own key: a repeated upload answers with the first photo
        const key = idempotencyKeyOf(req)
        const idem = key ? { key, userId: user.id, procedure: 'photo.upload', request: { sha256: createHash('sha256').update(bytes).digest('hex') } } : null
        const prior = idem ? await replay<StoredPhotoView>(deps.db, idem) : undefined
        if (prior) { res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(prior)); return }
        const stored = await storePhoto(deps.db, bytes, req.headers['content-type'], user.id)
        const photo = idem ? await rememberAfter(deps.db, idem, stored, deps.now()) : stored
        res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(photo))
        return
      }
      if (m[1] !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
        const user = await sessionUserOf(deps.db, req, deps.now())
        if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); return }
        const photo = await readablePhoto(deps.db, user, Number(m[1]))
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
