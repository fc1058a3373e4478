/**
 * Sessions, CSRF, security headers, and the admin procedures (users, departments, holders) with
 * their audit trail — end to end over HTTP on each database.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_TTL_MS } from '../../server/auth/sessions.ts'
import { apiClient, errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { callProcedure, sessionCookieFor } from '../support/procedures.ts'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

describe.each(testDatabases())('sessions, CSRF and headers on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) })
  afterAll(async () => { await app?.stop() })

  it('the session cookie is HttpOnly, SameSite=Lax, lives as long as the session, and only its hash is stored', async () => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'planner', password: 'planner123' }) })
    const cookie = res.headers.getSetCookie()[0]!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(new RegExp(`Max-Age=${SESSION_TTL_MS / 1000}(;|$)`))
    const token = decodeURIComponent(cookie.split(';')[0]!.split('=')[1]!)
    expect(await app.db.session.findUnique({ where: { id: token } })).toBeNull()
    const row = await app.db.session.findUnique({ where: { id: sha256(token) } })
    expect(row!.expiresAt.getTime() - Date.now()).toBeGreaterThan(SESSION_TTL_MS - 60_000)
    expect((await app.db.user.findUnique({ where: { login: 'planner' } }))!.passwordHash).toMatch(/^scrypt\$/)
  })

  it('an expired session is refused', async () => {
    const cookie = await sessionCookieFor(app.url, 'planner')
    const token = decodeURIComponent(cookie.split('=')[1]!)
    expect((await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'street' }, cookie)).ok).toBe(true)
    await app.db.session.update({ where: { id: sha256(token) }, data: { expiresAt: new Date(Date.now() - 1000) } })
    const r = await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'street' }, cookie)
    expect(r.error).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'NOT_LOGGED_IN' })
    expect((await callProcedure(app.url, { path: 'auth.me', type: 'query' }, undefined, cookie)).data).toBeNull()
  })

  it('logout deletes the session: the old cookie no longer works even if replayed', async () => {
    const cookie = await sessionCookieFor(app.url, 'planner')
    const token = decodeURIComponent(cookie.split('=')[1]!)
    const out = await fetch(`${app.url}/trpc/auth.logout`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' })
    expect(out.headers.getSetCookie()[0]).toMatch(/Max-Age=0/)
    expect(await app.db.session.findUnique({ where: { id: sha256(token) } })).toBeNull()
    expect((await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'street' }, cookie)).error).toMatchObject({ code: 'UNAUTHORIZED' })
  })

  it('the 11th failed login in a row is rate limited, even with the right password', async () => {
    const login = db === 'sqlite' ? 'sthjj' : 'scjgj'
    const anon = apiClient(app.url)
    for (let i = 0; i < 10; i++) {
      expect(await errorOf(anon.auth.login.mutate({ login, password: `wrong${i}` }))).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'BAD_CREDENTIALS' })
    }
    expect(await errorOf(anon.auth.login.mutate({ login, password: 'wrong-again' }))).toMatchObject({ code: 'TOO_MANY_REQUESTS', appCode: 'LOGIN_RATE_LIMITED' })
    expect(await errorOf(anon.auth.login.mutate({ login, password: `${login}123` }))).toMatchObject({ appCode: 'LOGIN_RATE_LIMITED' })
    // other users are not locked out by it
    await loggedIn(app.url, 'jtj')
  })

  it('refuses state changes that are not JSON or come from another site, and writes nothing', async () => {
    const cookie = await sessionCookieFor(app.url, 'leader')
    const before = await app.db.problem.count()
    const body = JSON.stringify({ lng: 107.2, lat: 34.36, categoryCode: 'LJ01', description: 'csrf' })
    const post = (headers: Record<string, string>, b: string | URLSearchParams = body) => fetch(`${app.url}/trpc/problem.create`, { method: 'POST', headers: { cookie, ...headers }, body: b })
    for (const ct of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const r = await post({ 'content-type': ct })
      expect(r.status, ct).toBe(415)
      expect(((await r.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('UNSUPPORTED_CONTENT_TYPE')
    }
    const noType = await fetch(`${app.url}/trpc/problem.create`, { method: 'POST', headers: { cookie }, body: new Blob([body]) })
    expect(noType.status).toBe(415)
    const foreign = await post({ 'content-type': 'application/json', origin: 'https://evil.example' })
    expect(foreign.status).toBe(403)
    expect(((await foreign.json()) as { error: { data: { appCode: string } } }).error.data.appCode).toBe('CROSS_SITE_REQUEST')
    expect((await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await post({ 'content-type': 'application/json', origin: 'null' })).status).toBe(403)
    expect(await app.db.problem.count()).toBe(before)
    // the same request from our own origin goes through
    const ok = await post({ 'content-type': 'application/json; charset=utf-8', origin: app.url, 'sec-fetch-site': 'same-origin' })
    expect(ok.status).toBe(200)
    expect(await app.db.problem.count()).toBe(before + 1)
    // other POST endpoints (/api/…) refuse foreign origins too
    const photo = await fetch(`${app.url}/api/photos`, { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'content-type': 'image/png' }, body: new Uint8Array([1, 2, 3]) })
    expect(photo.status).toBe(403)
  })

  it('every response carries the security headers', async () => {
    const cookie = await sessionCookieFor(app.url, 'leader')
    const responses = await Promise.all([
      fetch(`${app.url}/trpc/meta.config`),
      fetch(`${app.url}/trpc/grid.list?input=${encodeURIComponent('{"level":"street"}')}`, { headers: { cookie } }),
      fetch(`${app.url}/trpc/grid.list?input=${encodeURIComponent('{"level":"x"}')}`, { headers: { cookie } }),
      fetch(`${app.url}/trpc/no.such.procedure`),
      fetch(`${app.url}/trpc/problem.create`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }),
      fetch(`${app.url}/trpc/problem.create`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' }),
      fetch(`${app.url}/healthz`),
      fetch(`${app.url}/nothing-here`),
      fetch(`${app.url}/api/nothing-here`),
    ])
    for (const r of responses) {
      const h = r.headers
      expect(h.get('x-content-type-options'), r.url).toBe('nosniff')
      expect(h.get('x-frame-options'), r.url).toBe('DENY')
      const csp = h.get('content-security-policy') ?? ''
      expect(csp, r.url).toMatch(/default-src 'self'/)
      expect(csp, r.url).toMatch(/frame-ancestors 'none'/)
      expect(csp, r.url).toMatch(/object-src 'none'/)
      expect(csp, r.url).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/)
      expect(h.get('referrer-policy'), r.url).toBeTruthy()
    }
    expect(responses[1]!.headers.get('cache-control')).toBe('no-store')
  })
})

describe.each(testDatabases())('admin: users, departments, holders and the audit trail on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) })
  afterAll(async () => { await app?.stop() })

  it('departments: create, update with version, stale version → VERSION_CONFLICT, audited', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const d = await admin.department.create.mutate({ name: '市测试局', shortName: '测试局', contactPerson: '赵六', phone: '0917-1234567' })
    expect(d.version).toBe(1)
    expect(await errorOf(admin.department.create.mutate({ name: '市测试局', shortName: 'x', contactPerson: '', phone: '' }))).toMatchObject({ code: 'CONFLICT', appCode: 'DEPARTMENT_NAME_TAKEN' })
    const u = await admin.department.update.mutate({ id: d.id, version: 1, phone: '0917-7654321' })
    expect(u).toMatchObject({ version: 2, phone: '0917-7654321', name: '市测试局' })
    expect(await errorOf(admin.department.update.mutate({ id: d.id, version: 1, phone: '0' }))).toMatchObject({ code: 'CONFLICT', appCode: 'VERSION_CONFLICT' })
    expect((await admin.department.list.query()).find((x) => x.id === d.id)).toMatchObject({ version: 2, phone: '0917-7654321' })
    const leader = await loggedIn(app.url, 'leader')
    const trail = await leader.audit.list.query({ entity: 'department', entityId: String(d.id) })
    expect(trail.items.map((i) => i.action)).toEqual(['department.update', 'department.create'])
    expect(trail.items[0]).toMatchObject({ actorLogin: 'admin', before: { phone: '0917-1234567', version: 1 }, after: { phone: '0917-7654321', version: 2 } })
    expect(Date.now() - new Date(trail.items[0]!.at).getTime()).toBeLessThan(60_000)
  })

  it('users: create (can log in), update ends their sessions, no password hash anywhere, audited', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const depts = await admin.department.list.query()
    const cgj = depts.find((d) => d.name === '市城管局')!
    expect(await errorOf(admin.user.create.mutate({ login: 'newbie', displayName: '新人', role: 'department', departmentId: null, password: 'longenough1' }))).toMatchObject({ appCode: 'DEPARTMENT_REQUIRED' })
    const u = await admin.user.create.mutate({ login: 'newbie', displayName: '新人', role: 'department', departmentId: cgj.id, password: 'longenough1' })
    expect(u).not.toHaveProperty('passwordHash')
    expect(await errorOf(admin.user.create.mutate({ login: 'newbie', displayName: '又一个', role: 'leader', departmentId: null, password: 'longenough1' }))).toMatchObject({ code: 'CONFLICT', appCode: 'LOGIN_TAKEN' })
    const newbie = await loggedIn(app.url, 'newbie', 'longenough1')
    expect((await newbie.auth.me.query())!.departmentName).toBe('市城管局')
    await admin.user.update.mutate({ id: u.id, role: 'leader', departmentId: null })
    expect(await errorOf(newbie.grid.list.query({ level: 'street' }))).toMatchObject({ code: 'UNAUTHORIZED' })
    expect((await (await loggedIn(app.url, 'newbie', 'longenough1')).auth.me.query())!.role).toBe('leader')
    const me = (await admin.auth.me.query())!
    expect(await errorOf(admin.user.update.mutate({ id: me.id, role: 'leader' }))).toMatchObject({ appCode: 'CANNOT_DEMOTE_SELF' })
    const list = await admin.user.list.query()
    expect(JSON.stringify(list)).not.toMatch(/scrypt/)
    const trail = await admin.audit.list.query({ entity: 'user', entityId: String(u.id) })
    expect(trail.items.map((i) => i.action)).toEqual(['user.update', 'user.create'])
    expect(JSON.stringify(trail.items)).not.toMatch(/scrypt|longenough/)
    expect(trail.items[0]).toMatchObject({ before: { role: 'department' }, after: { role: 'leader' } })
  })

  it('holders: assigning ends the previous period, keeps history, refuses stale edits, is idempotent, audited', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const leader = await loggedIn(app.url, 'leader')
    const fc = await leader.grid.list.query({ level: 'community' })
    const grid = fc.features.find((f) => f.properties.holderDepartment === '市人防办')!.properties
    const depts = await admin.department.list.query()
    const cgj = depts.find((d) => d.name === '市城管局')!
    const history = await admin.holder.history.query({ gridId: grid.id })
    const current = history.find((h) => h.validTo === null)!
    const from = new Date(Date.now() - 60_000).toISOString()
    const fields = { gridId: grid.id, departmentId: cgj.id, cadreName: '钱七', cadreTitle: '副局长', contactName: '孙八', contactPhone: '0917-2222222', validFrom: from }
    expect(await errorOf(admin.holder.assign.mutate({ ...fields, expectedHolderId: current.id + 100000 }))).toMatchObject({ code: 'CONFLICT', appCode: 'HOLDER_CONFLICT' })
    const r = await admin.holder.assign.mutate({ ...fields, expectedHolderId: current.id })
    expect(r.changed).toBe(true)
    // the same request again (a retry) changes nothing
    expect(await admin.holder.assign.mutate({ ...fields, expectedHolderId: current.id })).toMatchObject({ changed: false })
    const after = await admin.holder.history.query({ gridId: grid.id })
    expect(after).toHaveLength(history.length + 1)
    expect(after.find((h) => h.id === current.id)).toMatchObject({ departmentName: '市人防办', validTo: new Date(from).toISOString() })
    expect(after.filter((h) => h.validTo === null)).toEqual([expect.objectContaining({ departmentName: '市城管局', validFrom: new Date(from).toISOString() })])
    const g = await leader.grid.byId.query({ id: grid.id })
    expect(g.holder?.departmentName).toBe('市城管局')
    // a date not after the current period is refused
    expect(await errorOf(admin.holder.assign.mutate({ ...fields, departmentId: depts[0]!.id, validFrom: current.validFrom, expectedHolderId: r.holder!.id }))).toMatchObject({ appCode: 'HOLDER_DATE_NOT_AFTER_CURRENT' })
    const trail = await leader.audit.list.query({ entity: 'grid', entityId: String(grid.id) })
    expect(trail.items[0]).toMatchObject({ action: 'holder.assign', actorLogin: 'admin', before: { departmentName: '市人防办' }, after: { departmentName: '市城管局' } })
    expect(trail.items.filter((i) => i.action === 'holder.assign')).toHaveLength(1)
    // and the previous holder can no longer record inspections there, the new one can
    const rfb = await loggedIn(app.url, 'rfb')
    expect(await errorOf(rfb.inspection.record.mutate({ gridId: grid.id, date: new Date().toISOString(), inspector: '张三', findings: 'x' }))).toMatchObject({ appCode: 'NOT_YOUR_GRID' })
  })

  it('bulk assignment is all or nothing: one unknown grid and nothing is written', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const leader = await loggedIn(app.url, 'leader')
    const fc = await leader.grid.list.query({ level: 'community' })
    const ids = fc.features.slice(0, 5).map((f) => f.properties.id)
    const dept = (await admin.department.list.query())[1]!
    const fields = { departmentId: dept.id, cadreName: '周九', cadreTitle: '局长', contactName: '吴十', contactPhone: '0917-3333333', validFrom: new Date().toISOString() }
    const before = { holders: await app.db.gridHolder.count(), audits: await app.db.auditLog.count() }
    expect(await errorOf(admin.holder.bulkAssign.mutate({ ...fields, gridIds: [...ids, 999999] }))).toMatchObject({ appCode: 'GRID_NOT_FOUND' })
    expect({ holders: await app.db.gridHolder.count(), audits: await app.db.auditLog.count() }).toEqual(before)
    const r = await admin.holder.bulkAssign.mutate({ ...fields, gridIds: ids })
    expect(r).toEqual({ assigned: 5, unchanged: 0 })
    expect(await admin.holder.bulkAssign.mutate({ ...fields, gridIds: ids })).toEqual({ assigned: 0, unchanged: 5 })
    expect(await app.db.gridHolder.count()).toBe(before.holders + 5)
    expect(await app.db.auditLog.count()).toBe(before.audits + 5)
  })
})
