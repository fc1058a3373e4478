/**
 * Issue 14 target 1: sessions are verified from an in-process cache (server/auth/sessionCache.ts),
 * and ending a session is still immediate — in the process that ended it and in another process on
 * the same database (a second server with its own database client, cache and, on PostgreSQL, its
 * own LISTEN connection). On each database.
 */
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sessionCacheFor } from '../../server/auth/sessionCache.ts'
import { userForSession } from '../../server/auth/sessions.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const input = (o: unknown) => `?input=${encodeURIComponent(JSON.stringify(o))}`

describe.each(testDatabases())('session cache on %s', (db) => {
  let a: RunningApp
  let b: RunningApp

  beforeAll(async () => {
    a = await startApp({ db })
    b = await startApp({ shareDb: a.config })
  })
  afterAll(async () => { await b?.stop(); await a?.stop() })

  const login = async (app: RunningApp, who: string) => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: who, password: `${who}123` }) })
    expect(res.status).toBe(200)
    return res.headers.getSetCookie()[0]!.split(';')[0]!
  }
  const me = async (app: RunningApp, cookie: string) =>
    ((await (await fetch(`${app.url}/trpc/auth.me`, { headers: { cookie } })).json()) as { result: { data: { login: string; role: string; departmentName: string | null } | null } }).result.data
  const post = async (app: RunningApp, path: string, cookie: string, body: unknown) =>
    fetch(`${app.url}/trpc/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify(body) })
  const statusOf = async (app: RunningApp, cookie: string) => (await fetch(`${app.url}/trpc/problem.list${input({})}`, { headers: { cookie } })).status
  /** until the other process's listener is up (PostgreSQL) its cache is bypassed: wait until it serves hits */
  const warm = async (app: RunningApp, cookie: string) => {
    const cache = sessionCacheFor(app.db)!
    for (let i = 0; i < 100; i++) {
      const before = cache.stats.hits
      expect(await me(app, cookie)).not.toBeNull()
      if (cache.stats.hits > before) return
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('the session cache never answered')
  }

  it('answers repeated lookups from memory', async () => {
    const c = await login(a, 'leader')
    await warm(a, c)
    const cache = sessionCacheFor(a.db)!
    const { hits, misses } = cache.stats
    for (let i = 0; i < 5; i++) expect((await me(a, c))?.login).toBe('leader')
    expect(cache.stats.hits - hits).toBe(5)
    expect(cache.stats.misses - misses).toBe(0)
  })

  it('logout ends the session at once in this process and in the other one', async () => {
    const c = await login(a, 'rfb')
    await warm(a, c)
    await warm(b, c)
    const out = await post(a, 'auth.logout', c, {})
    expect(out.status).toBe(200)
    expect(await me(a, c)).toBeNull()
    expect(await me(b, c)).toBeNull()
    expect(await statusOf(b, c)).toBe(401)
  })

  it('a role change and a password change end the user\'s sessions at once in the other process', async () => {
    const admin = await login(a, 'admin')
    const users = ((await (await fetch(`${a.url}/trpc/user.list`, { headers: { cookie: admin } })).json()) as { result: { data: { id: number; login: string; role: string; departmentId: number | null }[] } }).result.data
    const cgj = users.find((u) => u.login === 'cgj')!
    let c = await login(b, 'cgj')
    await warm(b, c)
    expect(await statusOf(b, c)).toBe(200)
    expect((await post(a, 'user.update', admin, { id: cgj.id, role: 'leader', departmentId: cgj.departmentId })).status).toBe(200)
    expect(await me(b, c)).toBeNull()
    expect(await statusOf(b, c)).toBe(401)
    // signed in again: the new role
    c = await login(b, 'cgj')
    await warm(b, c)
    expect((await me(b, c))?.role).toBe('leader')
    expect((await post(a, 'user.update', admin, { id: cgj.id, password: 'another-secret-9' })).status).toBe(200)
    expect(await me(b, c)).toBeNull()
    expect((await post(a, 'user.update', admin, { id: cgj.id, role: cgj.role, departmentId: cgj.departmentId })).status).toBe(200)
  })

  it('a department rename reaches the cached sessions of the other process', async () => {
    const admin = await login(a, 'admin')
    const c = await login(b, 'rfb')
    await warm(b, c)
    const before = (await me(b, c))!.departmentName!
    const deps = ((await (await fetch(`${a.url}/trpc/department.list`, { headers: { cookie: admin } })).json()) as { result: { data: { id: number; name: string; version: number }[] } }).result.data
    const d = deps.find((x) => x.name === before)!
    expect((await post(a, 'department.update', admin, { id: d.id, version: d.version, name: `${before}（改名）` })).status).toBe(200)
    expect((await me(b, c))?.departmentName).toBe(`${before}（改名）`)
    expect((await post(a, 'department.update', admin, { id: d.id, version: d.version + 1, name: before })).status).toBe(200)
  })

  // PostgreSQL learns of changes by LISTEN, without a per-lookup read (the tests above)
  if (db === 'sqlite') it('SQLite: the lookups of one event-loop turn share one read of the change marker, made after all of them started', async () => {
    const cookie = await login(a, 'jtj')
    await warm(a, cookie)
    const token = cookie.split('=')[1]!
    const cache = sessionCacheFor(a.db)!
    const reads = cache.stats.markerReads
    // twenty lookups start in this turn; then, still in it, another connection ends the session
    const lookups = Array.from({ length: 20 }, () => userForSession(a.db, token, new Date()))
    const other = new Database((a.config as { file: string }).file)
    try {
      const ended = other.prepare('DELETE FROM "Session" WHERE id = ?').run(createHash('sha256').update(token).digest('hex'))
      expect(ended.changes).toBe(1)
    } finally { other.close() }
    // the one read comes after that commit: none of the twenty answers from the stale entry
    expect(await Promise.all(lookups)).toEqual(Array(20).fill(null))
    expect(cache.stats.markerReads - reads).toBe(1)
  })
})
