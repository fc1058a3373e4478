/**
 * GET queries straight to the procedure, without the Fetch-API detour.
 *
 * tRPC 11's Node adapter turns every request into a WHATWG `Request` and every answer into a
 * `Response` stream (undici objects, AbortSignals, ReadableStreams): profiled under autocannon
 * (`--cpu-prof`, issue 14), that conversion was ~40 % of the CPU of a trivial query such as
 * `auth.me`, more than the procedure itself. For the common case — a GET of one or a batch of queries
 * that all succeed — this path calls the same procedures through `callTRPCProcedure` (same context, same
 * middlewares: role and scope checks, input validation) and writes the same JSON tRPC writes
 * (`{"result":{"data":…}}`, or an array of them for `?batch=1`). Anything else — a mutation, an
 * unknown path, unparsable input, or any error — is handed to the regular tRPC handler, so every
 * error keeps exactly tRPC's shape and status (a query has no side effect, so running it again there
 * is safe). tests/api/fastQuery.test.ts compares both paths answer for answer.
 */
import type http from 'node:http'
import { callTRPCProcedure } from '@trpc/server'
import type { Context } from './trpc.ts'
import type { AppRouter } from './root.ts'
import { sendJson, sendJsonOnce } from './compressJson.ts'
import { sharedJson } from '../services/cityFigures.ts'

interface Call { path: string; input: unknown }

/** the calls of a GET /trpc/… URL (and whether it was a batch), or null when it is not a plain query request this path takes */
export function parseQueryUrl(url: string, isQuery: (path: string) => boolean): { calls: Call[]; batch: boolean } | null {
  const q = url.indexOf('?')
  let pathPart = url.slice('/trpc/'.length, q < 0 ? undefined : q)
  try { pathPart = decodeURIComponent(pathPart) } catch { return null }
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1))
  const batch = params.get('batch') === '1'
  const paths = batch ? pathPart.split(',') : [pathPart]
  if (!batch && pathPart.includes(',')) return null
  if (!paths.every(isQuery)) return null
  const raw = params.get('input')
  let input: unknown
  try { input = raw === null ? undefined : JSON.parse(raw) } catch { return null }
  if (!batch) return { calls: [{ path: paths[0]!, input }], batch }
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) return null
  const byIndex = (input ?? {}) as Record<string, unknown>
  return { calls: paths.map((path, i) => ({ path, input: byIndex[String(i)] })), batch }
}

/** how many requests this path answered (tests check it is really taken) */
export const fastQueryStats = { answered: 0 }

export function fastQueryHandler(router: AppRouter, createContext: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<Context>) {
  const procedures = router._def.procedures as unknown as Record<string, { _def: { type: string } }>
  const isQuery = (path: string) => Object.hasOwn(procedures, path) && procedures[path]!._def.type === 'query'

  /** true when this path answered; false: give the request to the tRPC handler (nothing was written) */
  return async function fastQuery(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const parsed = parseQueryUrl(req.url ?? '', isQuery)
    if (!parsed) return false
    const { calls, batch } = parsed
    let results: unknown[]
    try {
      const ctx = await createContext(req, res)
      // tRPC's own procedure call (middlewares, input parsing, output), as its handler makes it
      results = await Promise.all(calls.map((c, batchIndex) => callTRPCProcedure({
        router, path: c.path, ctx, type: 'query', signal: undefined, batchIndex, getRawInput: async () => c.input,
      })))
    } catch {
      return false
    }
    // a cached answer (services/cityFigures.ts, e.g. grid.status at city scale) is serialised once
    const item = (data: unknown) => { const json = sharedJson(data); return json === undefined ? JSON.stringify({ result: { data } }) : `{"result":{"data":${json}}}` }
    // one cached answer alone: its body (and each compressed copy) made once
    if (!batch && sharedJson(results[0]) !== undefined) sendJsonOnce(req, res, results[0] as object, () => item(results[0]))
    else sendJson(req, res, batch ? `[${results.map(item).join(',')}]` : item(results[0])) // compressed when large (the map's GeoJSON reads)
    fastQueryStats.answered++
    return true
  }
}
