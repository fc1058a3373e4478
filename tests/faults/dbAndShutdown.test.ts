/**
 * The database locked by someone else: requests fail cleanly with a retryable 503 DB_UNAVAILABLE,
 * and the server recovers by itself when the lock goes. SIGTERM: in-flight requests finish, exit 0.
 */
import fs from 'node:fs'
import http from 'node:http'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { callProcedure, sessionCookieFor } from '../support/procedures.ts'
import { copyTemplateDb, ensureStopped, startServerProcess, type ServerProcess } from './harness.ts'

const running: ServerProcess[] = []
const dbs: { drop(): void }[] = []
afterEach(async () => {
  for (const p of running.splice(0)) await ensureStopped(p)
  for (const d of dbs.splice(0)) d.drop()
})

describe('database locked or unavailable', () => {
  it('writes fail with 503 DB_UNAVAILABLE (retryable) while another process holds the lock, then work again', async () => {
    const { file, drop } = copyTemplateDb('lock')
    dbs.push({ drop })
    const server = await startServerProcess(file, { SQLITE_BUSY_TIMEOUT_MS: '300' })
    running.push(server)
    const leader = await sessionCookieFor(server.url, 'leader')
    const fc = (await callProcedure(server.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, leader)).data as { features: { properties: { id: number } }[] }
    // the demo city seeded into the template database: its community grids, counted in the data file
    const demo = JSON.parse(fs.readFileSync('data/demo/grids.geojson', 'utf8')) as { features: { properties: { level: string } }[] }
    expect(fc.features.length).toBe(demo.features.filter((f) => f.properties.level === 'community').length)
    const create = () => callProcedure(server.url, { path: 'problem.create', type: 'mutation' }, { lng: 107.15, lat: 34.37, categoryCode: 'LJ01', description: '锁库测试' }, leader)
    const before = (await callProcedure(server.url, { path: 'problem.list', type: 'query' }, { limit: 1 }, leader)).data as { items: { id: number }[] }

    // another process takes the write lock and keeps it
    const other = new Database(file, { timeout: 1000 })
    other.exec('BEGIN EXCLUSIVE')
    other.prepare("UPDATE Department SET phone = phone WHERE id = 1").run()
    try {
      for (let i = 0; i < 3; i++) {
        const r = await create()
        expect(r.status).toBe(503)
        expect(r.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', appCode: 'DB_UNAVAILABLE' })
        expect(r.error!.message).toMatch(/数据库暂时不可用/)
      }
      const login = await fetch(`${server.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: 'admin123' }) })
      expect(login.status).toBe(503) // a session cannot be written either
      const body = (await login.json()) as { error: { data: { appCode: string; retryable: boolean } } }
      expect(body.error.data).toMatchObject({ appCode: 'DB_UNAVAILABLE', retryable: true })
      // reads go on (WAL: a writer does not block readers) and the server stays up
      expect((await callProcedure(server.url, { path: 'grid.list', type: 'query' }, { level: 'street' }, leader)).ok).toBe(true)
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    } finally {
      other.exec('ROLLBACK')
      other.close()
    }
    // the lock is gone: the same request works, without a restart, and the failed ones left nothing
    const ok = await create()
    expect(ok.status).toBe(200)
    const after = (await callProcedure(server.url, { path: 'problem.list', type: 'query' }, { limit: 5 }, leader)).data as { items: { id: number; description: string }[] }
    expect(after.items.filter((p) => p.id > before.items[0]!.id).map((p) => p.description)).toEqual(['锁库测试'])
    expect(server.stderr()).not.toMatch(/uncaught|unhandled/i)
  }, 120_000)
})

describe('graceful shutdown', () => {
  it('SIGTERM lets the in-flight request finish, commits it, closes the database and exits 0', async () => {
    const { file, drop } = copyTemplateDb('term')
    dbs.push({ drop })
    const server = await startServerProcess(file, { GRIDDUTY_FAILPOINTS: 'holder.bulkAssign=40' })
    running.push(server)
    const admin = await sessionCookieFor(server.url, 'admin')
    const fc = (await callProcedure(server.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, admin)).data as { features: { properties: { id: number } }[] }
    const gridIds = fc.features.map((f) => f.properties.id)
    const input = { gridIds, departmentId: 2, cadreName: '停机测试', cadreTitle: '局长', contactName: '联系人', contactPhone: '0917-1111111', validFrom: new Date().toISOString() }
    const inFlight = callProcedure(server.url, { path: 'holder.bulkAssign', type: 'mutation' }, input, admin)
    await server.waitFor(/failpoint holder\.bulkAssign halfway/)
    server.kill('SIGTERM')
    await server.waitFor(/SIGTERM: finishing in-flight requests/)
    // new connections are refused while it drains
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    const r = await inFlight
    expect(r.status).toBe(200)
    expect(r.data).toEqual({ assigned: gridIds.length, unchanged: 0 })
    expect(await server.exited).toBe(0)
    const db = new Database(file, { readonly: true })
    try {
      const n = (db.prepare("SELECT count(*) AS n FROM GridHolder WHERE cadreName = '停机测试' AND validTo IS NULL").get() as { n: number }).n
      expect(n).toBe(gridIds.length)
      expect((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check).toBe('ok')
    } finally { db.close() }
  }, 120_000)

  it('SIGTERM under keep-alive traffic: no new request after it, in-flight ones answered with Connection: close, exit 0 within SHUTDOWN_GRACE_MS', async () => {
    const { file, drop } = copyTemplateDb('keepalive')
    dbs.push({ drop })
    const GRACE = 8000
    const server = await startServerProcess(file, { GRIDDUTY_FAILPOINTS: 'holder.bulkAssign=40', SHUTDOWN_GRACE_MS: String(GRACE) })
    running.push(server)
    const admin = await sessionCookieFor(server.url, 'admin')
    const fc = (await callProcedure(server.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, admin)).data as { features: { properties: { id: number } }[] }
    const gridIds = fc.features.map((f) => f.properties.id)

    type Outcome = { sentAt: number; status?: number; connection?: string; error?: string; socket?: number }
    const send = (agent: http.Agent, method: string, urlPath: string, body?: string) => new Promise<Omit<Outcome, 'sentAt'>>((resolve) => {
      const req = http.request(`${server.url}${urlPath}`, { method, agent, headers: { cookie: admin, 'content-type': 'application/json' } }, (res) => {
        const socket = sockets.indexOf(res.socket) >= 0 ? sockets.indexOf(res.socket) : sockets.push(res.socket) - 1
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode, connection: String(res.headers.connection ?? ''), socket }))
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
      })
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }))
      req.end(body)
    })
    const sockets: unknown[] = []
    let exited = false
    void server.exited.then(() => { exited = true })
    // four keep-alive clients, one connection each, sending back to back
    const agents = Array.from({ length: 4 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }))
    const outcomes: Outcome[][] = agents.map(() => [])
    const query = `/trpc/problem.list?input=${encodeURIComponent(JSON.stringify({ limit: 5 }))}`
    const writers = agents.map(async (agent, i) => {
      while (!exited) {
        const sentAt = performance.now()
        outcomes[i]!.push({ sentAt, ...(await send(agent, 'GET', query)) })
        await new Promise((r) => setTimeout(r, 10))
      }
    })
    try {
      const slowAgent = new http.Agent({ keepAlive: true })
      const input = { gridIds, departmentId: 3, cadreName: '长连接停机', cadreTitle: '局长', contactName: '联系人', contactPhone: '0917-2222222', validFrom: new Date().toISOString() }
      const inFlight = send(slowAgent, 'POST', '/trpc/holder.bulkAssign', JSON.stringify(input))
      await server.waitFor(/failpoint holder\.bulkAssign halfway/)
      const killedAt = performance.now()
      server.kill('SIGTERM')
      await server.waitFor(/SIGTERM: finishing in-flight requests/)
      const seenAt = performance.now()
      // a new connection is refused at once
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
      const slow = await inFlight
      expect(slow).toMatchObject({ status: 200, connection: 'close' })
      const code = await server.exited
      const exitedAt = performance.now()
      await Promise.all(writers)
      for (const a of [...agents, slowAgent]) a.destroy()

      expect(code).toBe(0)
      expect(exitedAt - killedAt).toBeLessThan(GRACE)
      for (const [i, list] of outcomes.entries()) {
        const before = list.filter((o) => o.sentAt < killedAt)
        const after = list.filter((o) => o.sentAt > seenAt)
        // the clients really were keep-alive: many answers over one connection before SIGTERM
        expect(before.length, `client ${i}`).toBeGreaterThan(3)
        expect(new Set(before.filter((o) => o.status).map((o) => o.socket)).size, `client ${i}`).toBe(1)
        expect(before.every((o) => o.status === 200), `client ${i}: ${JSON.stringify(before.filter((o) => o.status !== 200))}`).toBe(true)
        // every request sent once the server was stopping was refused or its connection closed: none answered
        expect(after.length, `client ${i}`).toBeGreaterThan(0)
        expect(after.filter((o) => o.status !== undefined), `client ${i}`).toEqual([])
        expect(after.every((o) => o.error), `client ${i}`).toBe(true)
      }
      const db = new Database(file, { readonly: true })
      try {
        const n = (db.prepare("SELECT count(*) AS n FROM GridHolder WHERE cadreName = '长连接停机' AND validTo IS NULL").get() as { n: number }).n
        expect(n).toBe(gridIds.length)
      } finally { db.close() }
    } finally {
      exited = true
      await Promise.all(writers)
    }
  }, 120_000)
})
