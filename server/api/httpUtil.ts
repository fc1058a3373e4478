/**
 * What the plain HTTP routes (photos, import/export, bulletin, tiles, Open311) share with each
 * other and with /trpc: the session user, the cross-site check, a bounded body reader, JSON errors.
 */
import type http from 'node:http'
import { readCookie, SESSION_COOKIE, userForSession } from '../auth/sessions.ts'
import type { Db } from '../db/client.ts'
import type { SessionUser } from '../domain/user.ts'
import { appErrorOf, httpStatusOf } from './errorMapping.ts'
import { sameOrigin } from '../auth/origin.ts'

export interface HttpDeps { db: Db; now: () => Date }

export function sendError(res: http.ServerResponse, status: number, appCode: string, message: string): void {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(JSON.stringify({ error: { message, appCode } }))
}

export function sendAppError(res: http.ServerResponse, e: unknown): void {
  const app = appErrorOf(e)
  if (app) { sendError(res, httpStatusOf(app), app.appCode, app.message); return }
  console.error('[http]', e)
  sendError(res, 500, 'INTERNAL', '服务器内部错误，请稍后重试')
}

export async function sessionUserOf(db: Db, req: http.IncomingMessage, now: Date): Promise<SessionUser | null> {
  return userForSession(db, readCookie(req.headers.cookie, SESSION_COOKIE), now)
}

/**
 * A state-changing request from another site: Fetch metadata says cross-site, or the Origin
 * (browsers send it on cross-site POSTs) is not exactly — scheme, host and port — one of the
 * public origins (server/api/origin.ts). GET and HEAD change nothing.
 */
export function crossSiteRequest(req: http.IncomingMessage): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false
  if (req.headers['sec-fetch-site'] === 'cross-site') return true
  const origin = req.headers.origin
  if (!origin) return false
  return !sameOrigin(req, origin)
}

/** Reads the body up to `limit` bytes; past it, rejects with `tooLarge()` without buffering the rest. */
export function readBody(req: http.IncomingMessage, limit: number, tooLarge: () => Error): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) { req.removeAllListeners('data'); req.resume(); reject(tooLarge()); return }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export { describeIssues } from './errorMapping.ts'
