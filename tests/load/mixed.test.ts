/**
 * A bounded load test on loopback (autocannon): map and list reads mixed with problem and inspection
 * writes for a fixed time (LOAD_DURATION_S, default 6 s, at most 15). Reports throughput, p99 latency
 * and errors; asserts zero 5xx and no lost writes (rows created = 2xx write responses).
 * Run alone: `npm run load`.
 */
import autocannon from 'autocannon'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApp, type RunningApp } from '../support/appServer.ts'
import { callProcedure, sessionCookieFor } from '../support/procedures.ts'

const DURATION_S = Math.min(15, Math.max(1, Number(process.env.LOAD_DURATION_S ?? 6)))

describe('mixed load on loopback (SQLite)', () => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db: 'sqlite' }) })
  afterAll(async () => { await app?.stop() })

  it(`${DURATION_S} s of mixed reads and writes: no 5xx, no lost writes`, async () => {
    const leader = await sessionCookieFor(app.url, 'leader')
    const rfb = await sessionCookieFor(app.url, 'rfb')
    const me = (await callProcedure(app.url, { path: 'auth.me', type: 'query' }, undefined, rfb)).data as { departmentId: number }
    const fc = (await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, leader)).data as { features: GeoJSON.Feature<GeoJSON.Polygon, { id: number; holderDepartmentId: number | null }>[] }
    const own = fc.features.find((f) => f.properties.holderDepartmentId === me.departmentId)!
    const [lng, lat] = pointOnFeature(own).geometry.coordinates as [number, number]
    const before = { problems: await app.db.problem.count(), inspections: await app.db.inspection.count() }

    const status = new Map<string, Map<number, number>>()
    const createdIds = new Map<string, number[]>()
    const tally = (kind: string) => (code: number, body: string) => {
      const m = status.get(kind) ?? new Map<number, number>()
      m.set(code, (m.get(code) ?? 0) + 1)
      status.set(kind, m)
      if (code === 200 && (kind.endsWith('.create') || kind.endsWith('.record'))) {
        try { createdIds.set(kind, [...(createdIds.get(kind) ?? []), (JSON.parse(body) as { result: { data: { id: number } } }).result.data.id]) } catch { /* counted below */ }
      }
    }
    const q = (input: unknown) => `?input=${encodeURIComponent(JSON.stringify(input))}`
    const json = { 'content-type': 'application/json' }
    let n = 0
    const result = await autocannon({
      url: app.url,
      connections: 8,
      duration: DURATION_S,
      requests: [
        { method: 'GET', path: `/trpc/grid.list${q({ level: 'community' })}`, headers: { cookie: leader }, onResponse: tally('grid.list') },
        { method: 'GET', path: `/trpc/problem.list${q({ open: true, limit: 50 })}`, headers: { cookie: leader }, onResponse: tally('problem.list') },
        {
          method: 'POST', path: '/trpc/problem.create', headers: { cookie: leader, ...json }, onResponse: tally('problem.create'),
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ lng, lat, categoryCode: 'LJ01', description: `压测问题 ${n++}` }) }),
        },
        {
          method: 'POST', path: '/trpc/inspection.record', headers: { cookie: rfb, ...json }, onResponse: tally('inspection.record'),
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ gridId: own.properties.id, date: new Date().toISOString(), inspector: '压测', findings: `压测检查 ${n++}`, lng, lat }) }),
        },
      ],
    })
    const count = (kind: string, pred: (code: number) => boolean) => [...(status.get(kind) ?? new Map<number, number>())].filter(([c]) => pred(c)).reduce((s, [, v]) => s + v, 0)
    const fivexx = [...status.keys()].reduce((s, k) => s + count(k, (c) => c >= 500), 0)
    const report = {
      durationS: DURATION_S, requests: result.requests.total, throughputPerS: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, fivexx,
      byKind: Object.fromEntries([...status].map(([k, m]) => [k, Object.fromEntries(m)])),
    }
    console.info('load report', JSON.stringify(report))

    expect(result.errors).toBe(0)
    expect(result.timeouts).toBe(0)
    expect(fivexx).toBe(0)
    expect(result.non2xx).toBe(0)
    for (const kind of ['grid.list', 'problem.list', 'problem.create', 'inspection.record']) expect(count(kind, (c) => c === 200), kind).toBeGreaterThan(0)
    // no lost writes: every 2xx write answered with an id is a row in the database …
    const problems = createdIds.get('problem.create') ?? [], inspections = createdIds.get('inspection.record') ?? []
    expect(problems).toHaveLength(count('problem.create', (c) => c === 200))
    expect(inspections).toHaveLength(count('inspection.record', (c) => c === 200))
    expect(await app.db.problem.count({ where: { id: { in: problems } } })).toBe(problems.length)
    expect(await app.db.inspection.count({ where: { id: { in: inspections } } })).toBe(inspections.length)
    // … and the only rows without a counted answer are the few requests still in flight when the clock stopped
    const extraProblems = (await app.db.problem.count()) - before.problems - problems.length
    const extraInspections = (await app.db.inspection.count()) - before.inspections - inspections.length
    expect(extraProblems).toBeGreaterThanOrEqual(0)
    expect(extraInspections).toBeGreaterThanOrEqual(0)
    expect(extraProblems + extraInspections).toBeLessThanOrEqual(8)
  }, 60_000)
})
