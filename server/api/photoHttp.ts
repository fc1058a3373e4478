/**
 * Plain HTTP routes for photos (binary bodies do not suit tRPC's JSON):
 *   POST /api/photos       raw image body (Content-Type image/jpeg|png|webp) → {"id", "mime", "size", "sha256", "takenAt",
 *                          "exifLng", "exifLat", "exifSource"}; optional headers X-Exif-Time ("YYYY:MM:DD HH:MM:SS"),
 *                          X-Exif-Offset ("+08:00"), X-Exif-Lng, X-Exif-Lat: the EXIF the phone read from the original
 *                          before downscaling it (used where the uploaded bytes carry none)
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

import { EXIF_HEADERS, type ExifFields } from '../domain/photo/exif.ts'
import { badInput } from '../domain/errors.ts'

/**
 * The EXIF fields the phone read from the original before re-encoding (X-Exif-Time, X-Exif-Offset,
 * X-Exif-Lng, X-Exif-Lat); undefined when none was sent. A number that is not one → PHOTO_EXIF_INVALID.
 */
function exifHeaders(req: http.IncomingMessage): ExifFields | undefined {
  const h = (name: string) => { const v = req.headers[name]; return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined }
  const num = (name: string) => {
    const v = h(name)
    if (v === undefined) return undefined
    const n = Number(v)
    if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw badInput('照片的拍摄时间或位置格式有误', 'PHOTO_EXIF_INVALID')
    return n
  }
  const f: ExifFields = { time: h(EXIF_HEADERS.time), offset: h(EXIF_HEADERS.offset), lng: num(EXIF_HEADERS.lng), lat: num(EXIF_HEADERS.lat) }
  return Object.values(f).some((v) => v !== undefined) ? f : undefined
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
        const device = exifHeaders(req)
        const bytes = await readBody(req, PHOTO_MAX_BYTES, photoTooLarge, res)
        // the offline queue sends each photo under its own key: a repeated upload answers with the first photo
        const key = idempotencyKeyOf(req)
        const idem = key ? { key, userId: user.id, procedure: 'photo.upload', request: { sha256: createHash('sha256').update(bytes).digest('hex'), device: device ?? null } } : null
        const prior = idem ? await replay<StoredPhotoView>(deps.db, idem) : undefined
        if (prior) { res.writeHead(201, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(prior)); return }
        const stored = await storePhoto(deps.db, bytes, req.headers['content-type'], user.id, device)
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
