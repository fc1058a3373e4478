/**
 * Issue 14 target 1: GET queries skip tRPC's Fetch-API conversion (server/api/fastQuery.ts). The two
 * paths must give the same answers: a second server on the same database runs with
 * TRPC_FAST_QUERIES=0 (every query through tRPC's handler) and every request below — successes,
 * batches, refusals, bad input, unknown paths, mutations over GET — must get the same status and
 * the same body from both. The counter proves the fast path really answered the successes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fastQueryStats } from '../../server/api/fastQuery.ts'
import { monthOf } from '../../server/domain/time.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const LOGINS = ['leader', 'rfb', 'planner', 'admin'] as const
type Login = (typeof LOGINS)[number]
const q = (path: string, input?: unknown) => `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
const batch = (paths: string[], inputs: Record<string, unknown>) => `/trpc/${paths.join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(inputs))}`

describe.each(testDatabases())('fast GET queries on %s', (db) => {
  let fast: RunningApp
  let full: RunningApp
  const cookie = {} as Record<Login, string>
  const month = monthOf(new Date())

  beforeAll(async () => {
    fast = await startApp({ db })
    process.env.TRPC_FAST_QUERIES = '0'
    try { full = await startApp({ shareDb: fast.config }) } finally { delete process.env.TRPC_FAST_QUERIES }
    for (const login of LOGINS) {
      const res = await fetch(`${fast.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}123` }) })
      expect(res.status).toBe(200)
      cookie[login] = res.headers.getSetCookie()[0]!.split(';')[0]!
    }
  })
  afterAll(async () => { await full?.stop(); await fast?.stop() })

  const both = async (path: string, who: Login | null) => {
    const headers: Record<string, string> = who ? { cookie: cookie[who] } : {}
    const [a, b] = await Promise.all([fetch(fast.url + path, { headers }), fetch(full.url + path, { headers })])
    const [ta, tb] = [await a.text(), await b.text()]
    return { fast: { status: a.status, type: a.headers.get('content-type'), body: JSON.parse(ta) as unknown }, full: { status: b.status, type: b.headers.get('content-type'), body: JSON.parse(tb) as unknown } }
  }

  it('answers successful queries itself, with the bodies tRPC gives', async () => {
    const labels = await (await fetch(fast.url + q('grid.labels', { level: 'community' }), { headers: { cookie: cookie.leader } })).json() as { result: { data: { features: { geometry: { coordinates: [number, number] } }[] } } }
    const [lng, lat] = labels.result.data.features[0]!.geometry.coordinates
    const cases: [string, Login | null][] = [
      [q('auth.me'), 'leader'], [q('auth.me'), 'rfb'], [q('auth.me'), null],
      [q('grid.locate', { lng, lat }), 'leader'], [q('grid.locate', { lng: 0, lat: 0 }), 'rfb'],
      [q('grid.status', { level: 'community', month }), 'leader'], [q('grid.status', { level: 'community', month }), 'rfb'],
      [q('problem.list', {}), 'rfb'], [q('problem.list', { open: true }), 'leader'],
      [batch(['meta.config', 'grid.locate'], { 1: { lng, lat } }), 'planner'],
      [batch(['meta.config', 'grid.labels'], { 1: { level: 'street' } }), 'admin'],
    ]
    for (const [path, who] of cases) {
      const before = fastQueryStats.answered
      const r = await both(path, who)
      expect(r.fast.status, path).toBe(200)
      expect(r.fast, `${path} as ${who}`).toEqual(r.full)
      expect(fastQueryStats.answered, `${path} answered by the fast path`).toBe(before + 1)
    }
  })

  it('hands every refusal and malformed request to tRPC, so errors keep its shape and status', async () => {
    const cases: [string, Login | null, number][] = [
      [q('grid.status', { level: 'community', month }), null, 401], // not signed in
      [q('audit.list', {}), 'rfb', 403], // role refused
      [q('grid.locate', { lng: 'east', lat: 1 }), 'leader', 400], // bad input
      [q('problem.byId', { id: 999_999_999 }), 'leader', 404],
      [q('nope.nothing'), 'leader', 404], // unknown procedure
      [q('auth.logout'), 'leader', 405], // a mutation over GET
      [`/trpc/grid.locate?input=%7Bnot-json`, 'leader', 400],
      [batch(['meta.config', 'audit.list'], { 1: {} }), 'rfb', 207], // one call of a batch refused
    ]
    for (const [path, who, status] of cases) {
      const before = fastQueryStats.answered
      const r = await both(path, who)
      expect(r.full.status, path).toBe(status)
      expect(r.fast, `${path} as ${who}`).toEqual(r.full)
      expect(fastQueryStats.answered, `${path} not answered by the fast path`).toBe(before)
    }
  })

  it('a cached city answer is encoded once per encoding: the same body gzip, brotli and plain, again and again, and the same as tRPC', async () => {
    const path = q('grid.status', { level: 'community' })
    const bodies: string[] = [], encodings: (string | null)[] = []
    for (const enc of ['gzip', 'br', 'identity', 'gzip', 'br']) {
      const res = await fetch(fast.url + path, { headers: { cookie: cookie.leader, 'accept-encoding': enc } })
      expect(res.status).toBe(200)
      encodings.push(res.headers.get('content-encoding'))
      bodies.push(await res.text()) // fetch decodes gzip and brotli
    }
    expect(encodings).toEqual(['gzip', 'br', null, 'gzip', 'br'])
    for (const b of bodies) expect(b).toBe(bodies[0])
    const viaTrpc = await fetch(full.url + path, { headers: { cookie: cookie.leader } })
    expect(JSON.parse(bodies[0]!)).toEqual(JSON.parse(await viaTrpc.text()))
  })
})
