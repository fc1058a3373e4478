/** Open311 GeoReport v2 at /open311/v2/: responses checked against the specification's field lists. */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REQUEST_FIELDS, SERVICE_FIELDS } from '../../server/open311.ts'
import { loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { sessionCookieFor } from '../support/procedures.ts'

/** The GeoReport v2 field lists, written out from the specification (not imported from the server). */
const SPEC_SERVICE = ['service_code', 'service_name', 'description', 'metadata', 'type', 'keywords', 'group']
const SPEC_REQUEST = ['service_request_id', 'status', 'status_notes', 'service_name', 'service_code', 'description', 'agency_responsible',
  'service_notice', 'requested_datetime', 'updated_datetime', 'expected_datetime', 'address', 'address_id', 'zipcode', 'lat', 'long', 'media_url']
const W3C = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)$/
const KEY = 'test-open311-key-0123456789'

type Req = Record<string, unknown> & { service_request_id: string; status: string; detailed_status: string }

describe.each(testDatabases())('Open311 GeoReport v2 on %s', (db) => {
  let app: RunningApp
  let point: [number, number]
  let cookie: string
  const saved = process.env.OPEN311_API_KEY
  beforeAll(async () => {
    process.env.OPEN311_API_KEY = KEY
    app = await startApp({ db })
    const leader = await loggedIn(app.url, 'leader')
    const f = (await leader.grid.list.query({ level: 'community' })).features.find((x) => x.properties.name === '北面滩社区')!
    point = pointOnFeature(f).geometry.coordinates as [number, number]
    cookie = await sessionCookieFor(app.url, 'leader')
  })
  afterAll(async () => {
    if (saved === undefined) delete process.env.OPEN311_API_KEY
    else process.env.OPEN311_API_KEY = saved
    await app?.stop()
  })

  const get = async (path: string, headers: Record<string, string> = { cookie }) => {
    const r = await fetch(`${app.url}/open311/v2/${path}`, { headers })
    return { status: r.status, body: await r.json() as unknown }
  }
  const postForm = async (fields: Record<string, string>, headers: Record<string, string> = {}) => {
    const r = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields).toString() })
    return { status: r.status, body: await r.json() as unknown }
  }

  it('the server field lists match the specification', () => {
    expect([...SERVICE_FIELDS]).toEqual(SPEC_SERVICE)
    expect([...REQUEST_FIELDS]).toEqual(SPEC_REQUEST)
  })

  it('services.json lists the categories as realtime services without metadata', async () => {
    const { status, body } = await get('services.json')
    expect(status).toBe(200)
    const services = body as Record<string, unknown>[]
    expect(services.length).toBeGreaterThanOrEqual(10)
    for (const s of services) {
      expect(Object.keys(s).sort()).toEqual([...SPEC_SERVICE].sort())
      expect(s).toMatchObject({ metadata: false, type: 'realtime' })
      expect(typeof s.service_code).toBe('string')
    }
    expect(services.find((s) => s.service_code === 'LJ01')).toMatchObject({ service_name: '暴露垃圾', group: '全域无垃圾' })
  })

  it('refuses anonymous reads and writes with GeoReport errors', async () => {
    const r = await get('services.json', {})
    expect(r.status).toBe(401)
    expect(r.body).toEqual([{ code: 401, description: expect.any(String) }])
    const w = await postForm({ service_code: 'LJ01', lat: String(point[1]), long: String(point[0]), description: 'x' })
    expect(w.status).toBe(403)
    expect(w.body).toEqual([{ code: 403, description: expect.any(String) }])
    const wrongKey = await postForm({ api_key: 'nope', service_code: 'LJ01', lat: String(point[1]), long: String(point[0]), description: 'x' })
    expect(wrongKey.status).toBe(403)
  })

  it('POST requests.json with an api_key creates a problem through the normal assignment', async () => {
    const r = await postForm({ api_key: KEY, service_code: 'XX01', lat: String(point[1]), long: String(point[0]), description: '12345 热线：楼道堆物', first_name: '明', last_name: '张' })
    expect(r.status).toBe(201)
    const created = r.body as Record<string, unknown>[]
    expect(created).toHaveLength(1)
    expect(Object.keys(created[0]!).sort()).toEqual(['account_id', 'service_notice', 'service_request_id'])
    const id = created[0]!.service_request_id as string
    expect(id).toMatch(/^\d+$/)

    const one = await get(`requests/${id}.json`)
    expect(one.status).toBe(200)
    const [req] = one.body as Req[]
    for (const f of SPEC_REQUEST) expect(req, f).toHaveProperty(f)
    expect(req).toMatchObject({ service_request_id: id, status: 'open', detailed_status: 'reported', service_code: 'XX01', service_name: '乱堆乱放', agency_responsible: '市人防办', address: '北面滩社区' })
    expect(req!.lat).toBeCloseTo(point[1], 6)
    expect(req!.long).toBeCloseTo(point[0], 6)
    expect(req!.requested_datetime).toMatch(W3C)
    expect(req!.expected_datetime).toMatch(W3C)
    const leader = await loggedIn(app.url, 'leader')
    expect(await leader.problem.byId.query({ id: Number(id) })).toMatchObject({ source: 'open311', reporterName: '张明', departmentName: '市人防办' })

    // JSON body with the session cookie works too
    const j = await fetch(`${app.url}/open311/v2/requests.json`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, origin: app.url }, body: JSON.stringify({ service_code: 'LJ01', lat: point[1], long: point[0], description: 'JSON 提交' }) })
    expect(j.status).toBe(201)
    expect(((await j.json()) as { account_id: string }[])[0]!.account_id).toMatch(/^\d+$/)
  })

  it('POST validation errors', async () => {
    const base = { api_key: KEY, service_code: 'LJ01', lat: String(point[1]), long: String(point[0]), description: 'x' }
    expect(await postForm({ ...base, service_code: 'NOPE' })).toMatchObject({ status: 404, body: [{ code: 404 }] })
    expect(await postForm({ ...base, lat: '' })).toMatchObject({ status: 400, body: [{ code: 400 }] })
    expect(await postForm({ ...base, long: '181' })).toMatchObject({ status: 400 })
    expect(await postForm({ ...base, description: '' })).toMatchObject({ status: 400 })
    expect(await postForm(base, { origin: 'http://evil.example' })).toMatchObject({ status: 403 })
  })

  it('GET requests.json filters by id, service_code, status and dates', async () => {
    const all = (await get('requests.json')).body as Req[]
    expect(all.length).toBeGreaterThan(10)
    expect(all.length).toBeLessThan(1000) // below the cap: every filter below is then a subset of `all`
    // the default window is the last 90 days (GeoReport v2): counted in the database directly
    expect(all.length).toBe(await app.db.problem.count({ where: { reportedAt: { gte: new Date(Date.now() - 90 * 86_400_000) } } }))
    const idsOf = (rs: Req[]) => rs.map((r) => r.service_request_id).sort()
    for (const f of SPEC_REQUEST) expect(all[0], f).toHaveProperty(f)
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(['open', 'closed']))
    for (const r of all) expect(r.status).toBe(['closed', 'voided'].includes(r.detailed_status) ? 'closed' : 'open')

    const closed = (await get('requests.json?status=closed')).body as Req[]
    expect(closed.length).toBeGreaterThan(0)
    expect(idsOf(closed)).toEqual(idsOf(all.filter((r) => r.status === 'closed')))
    const lj = (await get('requests.json?service_code=LJ01,XX01&status=open')).body as Req[]
    expect(lj.length).toBeGreaterThan(0)
    expect(idsOf(lj)).toEqual(idsOf(all.filter((r) => ['LJ01', 'XX01'].includes(r.service_code as string) && r.status === 'open')))
    const ids = all.slice(0, 3).map((r) => r.service_request_id)
    const byId = (await get(`requests.json?service_request_id=${ids.join(',')}`)).body as Req[]
    expect(byId.map((r) => r.service_request_id).sort()).toEqual([...ids].sort())
    const start = new Date(Date.now() - 2 * 86_400_000).toISOString()
    const recent = (await get(`requests.json?start_date=${encodeURIComponent(start)}`)).body as Req[]
    expect(recent.length).toBeLessThan(all.length)
    expect(recent.every((r) => new Date(r.requested_datetime as string).getTime() >= new Date(start).getTime())).toBe(true)
    expect((await get('requests.json?start_date=yesterday')).status).toBe(400)
    expect((await get('requests/99999999.json')).status).toBe(404)
    expect((await get('requests.xml')).status).toBe(400)
  })

  it('a department session reads only its own requests; api_key reads everything', async () => {
    const rfb = await sessionCookieFor(app.url, 'rfb')
    const own = (await get('requests.json', { cookie: rfb })).body as Req[]
    expect(own.length).toBeGreaterThan(0)
    const viaKey = (await get(`requests.json?api_key=${KEY}`, {})).body as Req[]
    const ids = (rs: Req[]) => rs.map((r) => r.service_request_id).sort()
    expect(ids(own)).toEqual(ids(viaKey.filter((r) => r.agency_responsible === '市人防办')))
    expect(viaKey.length).toBeGreaterThan(own.length)
  })
})
