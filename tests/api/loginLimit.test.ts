/**
 * The login limit holds under batching, parallel requests, several server processes and a spoofed
 * X-Forwarded-For (issue 17 §2). The documented defaults are 10 failed attempts per login and 30 per
 * client address in 15 minutes, 300 in total per minute, and at most 20 calls per tRPC batch.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { clientAddress, parseTrustedProxies } from '../../server/api/clientAddress.ts'
import { addressKey, LoginLimiter } from '../../server/auth/loginLimiter.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { loginBatchRequest } from '../support/loginBatch.ts'

const PER_LOGIN = 10
const PER_ADDRESS = 30

interface Outcome { status: number; appCode: string; scope?: string; cookie?: string }

async function outcomeOf(res: Response): Promise<Outcome> {
  const body = (await res.json()) as { error?: { data?: { appCode?: string; details?: { scope?: string } } } }
  return { status: res.status, appCode: body.error?.data?.appCode ?? 'OK', scope: body.error?.data?.details?.scope, cookie: res.headers.getSetCookie()[0] }
}

function login(url: string, login: string, password: string, headers: Record<string, string> = {}): Promise<Outcome> {
  return fetch(`${url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ login, password }) }).then(outcomeOf)
}

const tally = (outcomes: Outcome[]) => outcomes.reduce<Record<string, number>>((m, o) => ({ ...m, [o.appCode]: (m[o.appCode] ?? 0) + 1 }), {})

describe.each(testDatabases())('the login limit on %s', (kind) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db: kind }) })
  afterAll(async () => { await app?.stop() })
  // every test starts with no attempts counted (they all come from 127.0.0.1)
  beforeEach(async () => { await app.db.loginCounter.deleteMany() })

  it('refuses a 300-call login batch as a whole, before any call runs', async () => {
    const sessions = await app.db.session.count()
    const { url, init } = loginBatchRequest(app.url, { login: 'planner', calls: 300 })
    const res = await fetch(url, init)
    const out = await outcomeOf(res)
    expect(out).toMatchObject({ status: 413, appCode: 'BATCH_TOO_LARGE' })
    expect(out.cookie).toBeUndefined()
    expect(await app.db.session.count()).toBe(sessions)
    expect(await app.db.loginCounter.count()).toBe(0)
  })

  it('caps batches at 20 calls and takes auth.* only as a single call', async () => {
    const queries = (n: number) => fetch(`${app.url}/trpc/${Array(n).fill('meta.config').join(',')}?batch=1&input=${encodeURIComponent('{}')}`)
    expect((await queries(20)).status).toBe(200)
    expect(await outcomeOf(await queries(21))).toMatchObject({ status: 413, appCode: 'BATCH_TOO_LARGE' })
    // two logins, a login next to a mutation, a percent-encoded comma: refused before anything runs
    const problems = await app.db.problem.count()
    for (const paths of ['auth.login,auth.login', 'problem.create,auth.login', 'auth.login%2Cauth.login', 'meta.config,auth.me']) {
      const body = JSON.stringify({ 0: { login: 'planner', password: 'planner123' }, 1: { login: 'planner', password: 'planner123' } })
      const res = await fetch(`${app.url}/trpc/${paths}?batch=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      expect(await outcomeOf(res), paths).toMatchObject({ status: 400, appCode: 'AUTH_NOT_BATCHABLE', cookie: undefined })
    }
    expect(await app.db.problem.count()).toBe(problems)
    expect(await app.db.loginCounter.count()).toBe(0)
    // a batch of one login is a single call
    const single = await fetch(`${app.url}/trpc/auth.login?batch=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ 0: { login: 'planner', password: 'planner123' } }) })
    expect(single.status).toBe(200)
    expect(single.headers.getSetCookie()[0]).toMatch(/^gd_session=/)
  })

  it('100 parallel wrong passwords for one login: at most 10 are evaluated, then even the right one is refused', async () => {
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => login(app.url, 'cgj', `wrong-${i}`)))
    const counts = tally(outcomes)
    expect(Object.keys(counts).sort()).toEqual(['BAD_CREDENTIALS', 'LOGIN_RATE_LIMITED'])
    expect(counts.BAD_CREDENTIALS).toBeGreaterThan(0)
    expect(counts.BAD_CREDENTIALS).toBeLessThanOrEqual(PER_LOGIN)
    expect(outcomes.filter((o) => o.appCode === 'LOGIN_RATE_LIMITED').every((o) => o.status === 429 && o.scope === 'login')).toBe(true)
    const right = await login(app.url, 'cgj', 'cgj123')
    expect(right).toMatchObject({ status: 429, appCode: 'LOGIN_RATE_LIMITED', cookie: undefined })
    // another login from the same address is not locked by it
    expect(await login(app.url, 'rfb', 'rfb123')).toMatchObject({ status: 200, appCode: 'OK' })
  })

  it('a right password clears its login\'s failures but does not give the address its failures back', async () => {
    for (let i = 0; i < PER_LOGIN - 1; i++) expect((await login(app.url, 'jtj', `wrong-${i}`)).appCode).toBe('BAD_CREDENTIALS')
    expect((await login(app.url, 'jtj', 'jtj123')).appCode).toBe('OK')
    // the login may fail again as often as before ...
    for (let i = 0; i < PER_LOGIN; i++) expect((await login(app.url, 'jtj', `again-${i}`)).appCode).toBe('BAD_CREDENTIALS')
    expect((await login(app.url, 'jtj', 'again')).appCode).toBe('LOGIN_RATE_LIMITED')
    // ... while the address keeps all 19 failures on its count: 11 more fit under its 30, the next is refused
    for (let i = 0; i < PER_ADDRESS - 2 * PER_LOGIN + 1; i++) expect((await login(app.url, `ghost${i}`, 'x')).appCode).toBe('BAD_CREDENTIALS')
    expect(await login(app.url, 'ghost-last', 'x')).toMatchObject({ appCode: 'LOGIN_RATE_LIMITED', scope: 'address' })
  })

  it('one address may fail at most 30 times across different logins; then a right password from it is refused too', async () => {
    // 4 logins × 8 wrong passwords: each login under its own limit, the address over its limit
    const outcomes = await Promise.all(Array.from({ length: 32 }, (_, i) => login(app.url, `nobody${i % 4}`, `wrong-${i}`)))
    const counts = tally(outcomes)
    expect(counts.BAD_CREDENTIALS).toBeLessThanOrEqual(PER_ADDRESS)
    expect(counts.BAD_CREDENTIALS).toBeGreaterThanOrEqual(PER_ADDRESS - 2)
    expect(counts.LOGIN_RATE_LIMITED).toBe(32 - counts.BAD_CREDENTIALS!)
    expect(await login(app.url, 'planner', 'planner123')).toMatchObject({ status: 429, appCode: 'LOGIN_RATE_LIMITED', scope: 'address', cookie: undefined })
  })

  it('a spoofed X-Forwarded-For from an untrusted peer does not change the counted address', async () => {
    const outcomes: Outcome[] = []
    for (let i = 0; i < PER_ADDRESS + 5; i++) outcomes.push(await login(app.url, `spoof${i}`, 'x', { 'x-forwarded-for': `203.0.113.${i + 1}` }))
    expect(tally(outcomes)).toEqual({ BAD_CREDENTIALS: PER_ADDRESS, LOGIN_RATE_LIMITED: 5 })
    expect(outcomes.slice(PER_ADDRESS).every((o) => o.scope === 'address')).toBe(true)
    expect(await login(app.url, 'planner', 'planner123', { 'x-forwarded-for': '198.51.100.1' })).toMatchObject({ appCode: 'LOGIN_RATE_LIMITED', scope: 'address' })
  })

  it('behind a trusted proxy (TRUSTED_PROXIES) each forwarded client has its own count, and a forged left-hand hop changes nothing', async () => {
    const saved = process.env.TRUSTED_PROXIES
    process.env.TRUSTED_PROXIES = '10.9.9.9, 127.0.0.0/8'
    const proxied = await startApp({ shareDb: app.config }).finally(() => {
      if (saved === undefined) delete process.env.TRUSTED_PROXIES
      else process.env.TRUSTED_PROXIES = saved
    })
    try {
      const outcomes: Outcome[] = []
      for (let i = 0; i < PER_ADDRESS + 1; i++) outcomes.push(await login(proxied.url, `viaproxy${i}`, 'x', { 'x-forwarded-for': '203.0.113.7' }))
      expect(tally(outcomes)).toEqual({ BAD_CREDENTIALS: PER_ADDRESS, LOGIN_RATE_LIMITED: 1 })
      // the client puts another address in front: the proxy appends the real one, which is still counted
      expect(await login(proxied.url, 'planner', 'planner123', { 'x-forwarded-for': '198.51.100.9, 203.0.113.7' })).toMatchObject({ appCode: 'LOGIN_RATE_LIMITED', scope: 'address' })
      // another client behind the same proxy is not affected
      expect(await login(proxied.url, 'planner', 'planner123', { 'x-forwarded-for': '203.0.113.8' })).toMatchObject({ status: 200, appCode: 'OK' })
      // the server without trusted proxies counted none of that on 127.0.0.1
      expect(await login(app.url, 'rfb', 'rfb123')).toMatchObject({ status: 200, appCode: 'OK' })
    } finally {
      await proxied.stop()
    }
  })

  it('two server processes on one database share the limit', async () => {
    const second = await startApp({ shareDb: app.config })
    try {
      const outcomes = await Promise.all(Array.from({ length: 40 }, (_, i) => login(i % 2 ? second.url : app.url, 'planner', `wrong-${i}`)))
      const counts = tally(outcomes)
      expect(counts.BAD_CREDENTIALS).toBeGreaterThan(0)
      expect(counts.BAD_CREDENTIALS).toBeLessThanOrEqual(PER_LOGIN)
      expect(await login(second.url, 'planner', 'planner123')).toMatchObject({ appCode: 'LOGIN_RATE_LIMITED', scope: 'login' })
      expect(await login(app.url, 'planner', 'planner123')).toMatchObject({ appCode: 'LOGIN_RATE_LIMITED', scope: 'login' })
    } finally {
      await second.stop()
    }
  })

  it('the global ceiling refuses everyone once reached, and a refused attempt keeps nothing in the other scopes', async () => {
    const limiter = new LoginLimiter({ perLogin: 10, perAddress: 30, windowMs: 15 * 60_000, global: 5, globalWindowMs: 60_000 })
    const now = Date.now()
    const held = []
    for (let i = 0; i < 5; i++) {
      const r = await limiter.reserve(app.db, { login: `g${i}`, address: `192.0.2.${i}` }, now)
      expect(r.ok).toBe(true)
      held.push(r)
    }
    expect(await limiter.reserve(app.db, { login: 'g-other', address: '192.0.2.99' }, now)).toMatchObject({ ok: false, scope: 'global' })
    const rows = await app.db.loginCounter.findMany({ where: { key: { in: ['g-other', '192.0.2.99'] } } })
    expect(rows.every((r) => r.count === 0)).toBe(true)
    // a success gives its reservation back: one more attempt fits
    const first = held[0]!
    if (!first.ok) throw new Error('reserved above')
    await first.succeeded()
    expect((await limiter.reserve(app.db, { login: 'g-other', address: '192.0.2.99' }, now)).ok).toBe(true)
    expect((await limiter.reserve(app.db, { login: 'g-next', address: '192.0.2.98' }, now)).ok).toBe(false)
  })
})

describe('the client address', () => {
  const trusted = parseTrustedProxies('10.0.0.0/8, ::1, fd00::/8')

  it('is the socket peer unless the peer is a trusted proxy', () => {
    expect(clientAddress('198.51.100.1', '1.2.3.4', trusted)).toBe('198.51.100.1')
    expect(clientAddress('::ffff:198.51.100.1', '1.2.3.4', null)).toBe('198.51.100.1')
    expect(clientAddress('127.0.0.1', '1.2.3.4', parseTrustedProxies(undefined))).toBe('127.0.0.1')
  })

  it('walks X-Forwarded-For from the right past trusted hops only', () => {
    expect(clientAddress('10.1.1.1', '1.2.3.4', trusted)).toBe('1.2.3.4')
    expect(clientAddress('::ffff:10.1.1.1', 'evil, 9.9.9.9, 10.2.2.2', trusted)).toBe('9.9.9.9')
    expect(clientAddress('::1', ['5.5.5.5', 'fd00::7'], trusted)).toBe('5.5.5.5')
    expect(clientAddress('10.1.1.1', '[2001:db8::1]:4711', trusted)).toBe('2001:db8::1')
    expect(clientAddress('10.1.1.1', '10.3.3.3', trusted)).toBe('10.3.3.3')
    expect(clientAddress('10.1.1.1', 'not-an-ip', trusted)).toBe('10.1.1.1')
  })

  it('refuses a malformed TRUSTED_PROXIES entry', () => {
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1', '::1/129', '10.0.0.0/x']) expect(() => parseTrustedProxies(bad), bad).toThrow(/TRUSTED_PROXIES/)
  })

  it('counts IPv6 clients by their /64', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:db8::5')).toBe('2001:db8:0:0::/64')
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(addressKey('192.0.2.1')).toBe('192.0.2.1')
  })
})
