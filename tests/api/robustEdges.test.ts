/**
 * Robust edges (issue 17 §4): malformed cookies, invalid UTF-16, impossible dates, the full-origin
 * CSRF check, Open311 cookie writes, HSTS and the Secure cookie — end to end over HTTP.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pointOnFeature } from '@turf/turf'
import { loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { callProcedure, sessionCookieFor } from '../support/procedures.ts'

const KEY = 'test-open311-key-edges-0123456789'
const LONE = 'a\ud800b'

describe.each(testDatabases())('robust edges on %s', (db) => {
  let app: RunningApp
  let point: [number, number]
  const saved = { key: process.env.OPEN311_API_KEY, origin: process.env.PUBLIC_ORIGIN, secure: process.env.COOKIE_SECURE }
  beforeAll(async () => {
    app = await startApp({ db })
    process.env.OPEN311_API_KEY = KEY
    const leader = await loggedIn(app.url, 'leader')
    const f = (await leader.grid.list.query({ level: 'community' })).features.find((x) => x.properties.name === '北面滩社区')!
    point = pointOnFeature(f).geometry.coordinates as [number, number]
  })
  afterEach(() => {
    for (const [k, v] of [['PUBLIC_ORIGIN', saved.origin], ['COOKIE_SECURE', saved.secure]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v
    }
  })
  afterAll(async () => {
    if (saved.key === undefined) delete process.env.OPEN311_API_KEY; else process.env.OPEN311_API_KEY = saved.key
    await app?.stop()
  })

  it('a malformed session cookie is treated as no session on every route class, never a 500', async () => {
    const json = { 'content-type': 'application/json' }
    for (const cookie of ['gd_session=%', 'gd_session=%E0%A4%A', 'a=1; gd_session=%zz; b=2', 'gd_session=%ud800']) {
      const h = { cookie }
      const status = async (url: string, init: RequestInit = {}) => (await fetch(`${app.url}${url}`, { ...init, headers: { ...h, ...(init.headers as Record<string, string>) } })).status
      expect(await status(`/trpc/grid.list?input=${encodeURIComponent('{"level":"street"}')}`), cookie).toBe(401)
      expect(await status('/trpc/auth.me'), cookie).toBe(200)
      expect(await status('/trpc/auth.login', { method: 'POST', headers: json, body: JSON.stringify({ login: 'planner', password: 'planner123' }) }), cookie).toBe(200)
      expect(await status('/trpc/auth.logout', { method: 'POST', headers: json, body: '{}' }), cookie).toBe(200)
      expect(await status('/api/photos/1'), cookie).toBe(401)
      expect(await status('/api/photos', { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array([1, 2, 3]) }), cookie).toBe(401)
      expect(await status('/api/import/problems?mode=preview', { method: 'POST', body: 'a,b\n1,2\n' }), cookie).toBe(401)
      expect(await status('/api/problems/export?format=csv'), cookie).toBe(401)
      expect(await status('/tiles/grids/street/12/3200/1600.pbf'), cookie).toBe(401)
      expect(await status('/open311/v2/services.json'), cookie).toBe(401)
      expect(await status('/open311/v2/requests.json', { method: 'POST', headers: json, body: '{}' }), cookie).toBe(403)
      expect(await status('/healthz'), cookie).toBe(200)
    }
  })

  it('a lone UTF-16 surrogate is refused with BAD_INPUT before storage, in every text input', async () => {
    const cookie = await sessionCookieFor(app.url, 'leader')
    const problems = await app.db.problem.count()
    const create = await callProcedure(app.url, { path: 'problem.create', type: 'mutation' }, { lng: point[0], lat: point[1], categoryCode: 'LJ01', description: LONE }, cookie)
    expect(create.error).toMatchObject({ code: 'BAD_REQUEST', appCode: 'BAD_INPUT' })
    // a lone low surrogate, and one in a plain z.string() (not text()) and in an object key
    expect((await callProcedure(app.url, { path: 'problem.create', type: 'mutation' }, { lng: point[0], lat: point[1], categoryCode: 'LJ01', description: 'x\udc00' }, cookie)).error).toMatchObject({ appCode: 'BAD_INPUT' })
    expect((await callProcedure(app.url, { path: 'auth.login', type: 'mutation' }, { login: LONE, password: 'x' })).error).toMatchObject({ appCode: 'BAD_INPUT' })
    expect((await callProcedure(app.url, { path: 'problem.create', type: 'mutation' }, { lng: point[0], lat: point[1], categoryCode: 'LJ01', description: 'ok', [LONE]: 1 }, cookie)).error).toMatchObject({ appCode: 'BAD_INPUT' })
    // a valid pair (an emoji) is fine and stored as it was sent
    const ok = await callProcedure(app.url, { path: 'problem.create', type: 'mutation' }, { lng: point[0], lat: point[1], categoryCode: 'LJ01', description: '井盖缺失 \ud83d\udea7' }, cookie)
    expect(ok.ok).toBe(true)
    expect((await app.db.problem.findUnique({ where: { id: (ok.data as { id: number }).id } }))!.description).toBe('井盖缺失 🚧')
    expect(await app.db.problem.count()).toBe(problems + 1)

    // an import (indicators as CSV text): refused whole, nothing stored
    const indicators = await app.db.indicator.count()
    const csv = `编号,名称,分值,责任单位\nZZ1,${LONE},5,市城管局\n`
    const imp = await callProcedure(app.url, { path: 'indicator.import', type: 'mutation' }, { year: 2026, evaluationDate: '2026-10-01', csv }, cookie)
    expect(imp.error).toMatchObject({ appCode: 'BAD_INPUT' })
    expect(await app.db.indicator.count()).toBe(indicators)

    // Open311 JSON body (API key)
    const o = await fetch(`${app.url}/open311/v2/requests.json?api_key=${KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service_code: 'LJ01', lat: point[1], long: point[0], description: LONE }) })
    expect(o.status).toBe(400)
    expect(((await o.json()) as { description: string }[])[0]!.description).toMatch(/description/)
    expect(await app.db.problem.count()).toBe(problems + 1)
  })

  it('dates must be real calendar days between 2000 and 2100, everywhere', async () => {
    const rfb = await sessionCookieFor(app.url, 'rfb')
    const meetings = await app.db.meeting.count()
    const meeting = (date: string) => callProcedure(app.url, { path: 'meeting.record', type: 'mutation' }, { date, attendees: '张三', topics: '月度协调' }, rfb)
    for (const date of ['0000-01-01T00:00:00Z', '1999-12-31T12:00:00+08:00', '2026-02-30T10:00:00+08:00', '2023-02-29T10:00:00Z', '2101-01-01T00:00:00Z']) {
      expect((await meeting(date)).error, date).toMatchObject({ code: 'BAD_REQUEST', appCode: 'BAD_INPUT' })
    }
    expect(await app.db.meeting.count()).toBe(meetings)
    expect((await meeting('2024-02-29T10:00:00+08:00')).ok).toBe(true) // a leap day is real
    expect(await app.db.meeting.count()).toBe(meetings + 1)

    const leader = await sessionCookieFor(app.url, 'leader')
    for (const month of ['0000-01', '2101-01', '2026-13']) {
      expect((await callProcedure(app.url, { path: 'inspection.listForMonth', type: 'query' }, { month }, leader)).error, month).toMatchObject({ appCode: 'BAD_INPUT' })
    }
    expect((await callProcedure(app.url, { path: 'inspection.listForMonth', type: 'query' }, { month: '2026-02' }, leader)).ok).toBe(true)
    const csv = '编号,名称,分值,责任单位\nZZ2,测试指标,5,市城管局\n'
    for (const evaluationDate of ['2026-02-30', '0000-01-01']) {
      expect((await callProcedure(app.url, { path: 'indicator.import', type: 'mutation' }, { year: 2026, evaluationDate, csv, dryRun: true }, leader)).error, evaluationDate).toMatchObject({ appCode: 'BAD_INPUT' })
    }

    const get = async (q: string) => fetch(`${app.url}/open311/v2/requests.json?api_key=${KEY}&${q}`)
    for (const q of ['start_date=2026-02-30', 'start_date=2026-02-30T00:00:00Z', 'end_date=0000-01-01T00:00:00Z', 'start_date=2026-04-31', 'start_date=2026-01-01T24:00:00Z']) {
      const r = await get(q)
      expect(r.status, q).toBe(400)
      expect(((await r.json()) as { code: number }[])[0]!.code, q).toBe(400)
    }
    expect((await get('start_date=2026-02-28')).status).toBe(200)
    expect((await get('start_date=2024-02-29T00:00:00%2B08:00')).status).toBe(200)
  })

  it('CSRF compares the full origin (scheme, host, port) with the public origin(s)', async () => {
    const cookie = await sessionCookieFor(app.url, 'leader')
    const before = await app.db.problem.count()
    const post = (origin: string) => fetch(`${app.url}/trpc/problem.create`, { method: 'POST', headers: { cookie, origin, 'content-type': 'application/json' }, body: JSON.stringify({ lng: point[0], lat: point[1], categoryCode: 'LJ01', description: 'csrf origin' }) })
    const u = new URL(app.url)
    for (const origin of [`https://${u.host}`, `http://${u.hostname}:${Number(u.port) + 1}`, `http://localhost:${u.port}`]) {
      const r = await post(origin)
      expect(r.status, origin).toBe(403)
      expect(((await r.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('CROSS_SITE_REQUEST')
    }
    expect(await app.db.problem.count()).toBe(before)
    expect((await post(app.url)).status).toBe(200)

    // behind a TLS proxy: PUBLIC_ORIGIN names the only origins accepted, and turns on HSTS and Secure
    process.env.PUBLIC_ORIGIN = 'https://grid.example.cn, https://gd.example.cn:8443'
    expect((await post(app.url)).status).toBe(403)
    expect((await post('https://grid.example.cn')).status).toBe(200)
    expect((await post('https://gd.example.cn:8443')).status).toBe(200)
    expect((await post('https://gd.example.cn')).status).toBe(403)
    expect((await post('http://grid.example.cn')).status).toBe(403)
    expect(await app.db.problem.count()).toBe(before + 3)
    expect((await fetch(`${app.url}/healthz`)).headers.get('strict-transport-security')).toMatch(/^max-age=31536000/)
    const login = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'planner', password: 'planner123' }) })
    expect(login.headers.getSetCookie()[0]).toMatch(/; Secure(;|$)/)

    delete process.env.PUBLIC_ORIGIN
    expect((await fetch(`${app.url}/healthz`)).headers.get('strict-transport-security')).toBeNull()
    const plain = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'planner', password: 'planner123' }) })
    expect(plain.headers.getSetCookie()[0]).not.toMatch(/Secure/)
    process.env.COOKIE_SECURE = '1'
    expect((await fetch(`${app.url}/healthz`)).headers.get('strict-transport-security')).toMatch(/^max-age=/)
  })

  it('Open311 writes with a session cookie must be JSON from our own origin; API-key callers are unaffected', async () => {
    const cookie = await sessionCookieFor(app.url, 'leader')
    const before = await app.db.problem.count()
    const fields = { service_code: 'LJ01', lat: String(point[1]), long: String(point[0]), description: 'Open311 cookie' }
    const post = (headers: Record<string, string>, body: string) => fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers, body })
    const form = new URLSearchParams(fields).toString()
    expect((await post({ cookie, origin: app.url, 'content-type': 'application/x-www-form-urlencoded' }, form)).status).toBe(415)
    expect((await post({ cookie, origin: app.url }, form)).status).toBe(415)
    expect((await post({ cookie, 'content-type': 'application/json' }, JSON.stringify(fields))).status).toBe(403) // no Origin
    expect((await post({ cookie, origin: `https://${new URL(app.url).host}`, 'content-type': 'application/json' }, JSON.stringify(fields))).status).toBe(403)
    expect(await app.db.problem.count()).toBe(before)
    expect((await post({ cookie, origin: app.url, 'content-type': 'application/json' }, JSON.stringify(fields))).status).toBe(201)
    expect((await post({ 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ ...fields, api_key: KEY }).toString())).status).toBe(201)
    expect(await app.db.problem.count()).toBe(before + 2)
  })
})
