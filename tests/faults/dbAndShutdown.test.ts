/**
 * The database locked by someone else: requests fail cleanly with a retryable 503 DB_UNAVAILABLE,
 * and the server recovers by itself when the lock goes. SIGTERM: in-flight requests finish, exit 0.
 */
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
    expect(fc.features.length).toBeGreaterThan(0)
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
})
