/**
 * What the plain HTTP routes (photos, import/export, bulletin, tiles, Open311) share with each
 * other and with /trpc: the session user, the cross-site check, a bounded body reader, JSON errors.
 */
import type http from 'node:http'
import { readCookie, SESSION_COOKIE, userForSession } from '../auth/sessions.ts'
import type { Db } from '../db/client.ts'
import type { SessionUser } from '../domain/user.ts'
import { httpAnswerOf } from './errorMapping.ts'
import { sameOrigin } from '../auth/origin.ts'

export interface HttpDeps { db: Db; now: () => Date }

export function sendError(res: http.ServerResponse, status: number, appCode: string, message: string): void {
  if (res.headersSent) { res.destroy(); return }
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(JSON.stringify({ error: { message, appCode } }))
}

export function sendAppError(res: http.ServerResponse, e: unknown): void {
  const a = httpAnswerOf(e)
  if (a.unexpected) console.error('[http]', e)
  sendError(res, a.status, a.appCode, a.message)
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

/**
 * How much of a refused (too large) request body is read and thrown away before the answer, so the
 * client — still sending — reads the 413 instead of a reset connection. Past it the connection is
 * closed after the answer. Setting: REFUSED_BODY_DRAIN_MB (default 64).
 */
export function refusedBodyDrainBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.REFUSED_BODY_DRAIN_MB)
  return (Number.isFinite(v) && v >= 0 ? v : 64) * 1024 * 1024
}

/**
 * Discards the rest of a request body up to `cap` more bytes: resolves true when the body ended,
 * false when it went past the cap (the caller then answers with `Connection: close`, see
 * closeAfterAnswer) or the connection broke.
 */
export function discardBody(req: http.IncomingMessage, cap = refusedBodyDrainBytes()): Promise<boolean> {
  if (req.complete || req.readableEnded) return Promise.resolve(true)
  return new Promise((resolve) => {
    let size = 0
    const done = (ok: boolean) => { req.off('data', onData); req.off('end', onEnd); req.off('error', onFail); req.off('close', onFail); resolve(ok) }
    const onData = (c: Buffer) => { size += c.length; if (size > cap) { req.pause(); done(false) } }
    const onEnd = () => done(true)
    const onFail = () => done(req.complete)
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onFail)
    req.on('close', onFail)
    req.resume()
  })
}

/** After an answer sent while the body was not read to its end: no keep-alive, close once it is out. */
export function closeAfterAnswer(res: http.ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close')
  res.once('finish', () => setTimeout(() => res.req?.socket?.destroy(), 1_000).unref())
}

/**
 * Reads the body up to `limit` bytes. Past it (declared or counted) rejects with `tooLarge()` without
 * buffering the rest: the rest is read and discarded first (up to refusedBodyDrainBytes), so the
 * client reads the answer; a body beyond even that gets its answer with `Connection: close`.
 */
export function readBody(req: http.IncomingMessage, limit: number, tooLarge: () => Error, res?: http.ServerResponse, opts: { shared?: boolean } = {}): Promise<Buffer> {
  const refuse = async (): Promise<never> => {
    const ended = await discardBody(req)
    if (!ended && res) closeAfterAnswer(res)
    throw tooLarge()
  }
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return refuse()
  // `shared`: the bytes go into one SharedArrayBuffer as they arrive (its length declared), so handing
  // them to a worker thread (the heavy-task pool) copies nothing, and no concatenation at the end
  // holds the event loop
  const into = opts.shared && Number.isFinite(declared) && declared > 0 ? Buffer.from(new SharedArrayBuffer(declared)) : null
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (c: Buffer) => {
      if (size + c.length > limit || (into && size + c.length > into.length)) { req.off('data', onData); req.off('end', onEnd); chunks.length = 0; refuse().catch(reject); return }
      if (into) c.copy(into, size)
      else chunks.push(c)
      size += c.length
    }
    const onEnd = () => resolve(into ? into.subarray(0, size) : Buffer.concat(chunks))
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', reject)
  })
}

export { describeIssues } from './errorMapping.ts'
