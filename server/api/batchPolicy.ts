/**
 * What a tRPC batch (`/trpc/a,b,c?batch=1`) may hold, decided from the URL before any procedure
 * runs (tRPC runs a batch's calls concurrently): at most TRPC_MAX_BATCH calls (default 20), and no
 * `auth.*` call together with anything else — sign-in, sign-out and "who am I" travel alone, so a
 * batch can neither multiply password guesses nor mix a sign-in with the mutations it unlocks.
 */
import type http from 'node:http'

export const DEFAULT_MAX_BATCH = 20

export function maxBatchFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.TRPC_MAX_BATCH?.trim()
  if (!raw) return DEFAULT_MAX_BATCH
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`TRPC_MAX_BATCH must be a positive whole number (got "${raw}")`)
  return n
}

export interface BatchRefusal { status: number; code: string; appCode: string; message: string }

/** Why the request at `url` (under /trpc/) must not reach tRPC, or null. Parses the path as tRPC does. */
export function batchRefusal(url: string, maxBatch: number): BatchRefusal | null {
  const parsed = new URL(url, 'http://x')
  if (parsed.searchParams.get('batch') !== '1') return null
  let paths: string[]
  try {
    paths = decodeURIComponent(parsed.pathname.slice('/trpc/'.length)).split(',')
  } catch {
    return null // tRPC refuses an undecodable path itself
  }
  if (paths.length > maxBatch) {
    return { status: 413, code: 'PAYLOAD_TOO_LARGE', appCode: 'BATCH_TOO_LARGE', message: `一次批量请求最多 ${maxBatch} 个调用（收到 ${paths.length} 个）` }
  }
  if (paths.length > 1 && paths.some((p) => p.startsWith('auth.'))) {
    return { status: 400, code: 'BAD_REQUEST', appCode: 'AUTH_NOT_BATCHABLE', message: '登录、退出等认证调用须单独发送，不能放在批量请求中' }
  }
  return null
}

/** Reads TRPC_MAX_BATCH once; the returned check answers a refused batch itself and returns true. */
export function batchGuard(env: NodeJS.ProcessEnv = process.env): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  const maxBatch = maxBatchFromEnv(env)
  return (req, res) => {
    const refusal = batchRefusal(req.url ?? '/', maxBatch)
    if (!refusal) return false
    res.writeHead(refusal.status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
      .end(JSON.stringify({ error: { message: refusal.message, data: { code: refusal.code, httpStatus: refusal.status, appCode: refusal.appCode } } }))
    return true
  }
}
