/**
 * The fuzzer: property-based tests (fast-check) against the real server over HTTP. Every procedure
 * gets inputs generated from its zod schema and hostile mutations of them, as anonymous and as each
 * role; the plain HTTP endpoints get random bytes, paths and query strings. Properties:
 *  - no 5xx, ever;
 *  - every refusal carries a stable appCode (UPPER_SNAKE) and a message;
 *  - a refused write (4xx) leaves the row counts of the main tables unchanged;
 *  - no event-loop stall (the server runs in this process: monitorEventLoopDelay, plus /healthz polled throughout).
 * `npm test` runs a bounded number of cases with a fixed seed; `npm run fuzz` runs many more.
 * FUZZ_SEED=<n> replays a run (the seed is printed with every failure), FUZZ_RUNS=<n> sets the number of cases,
 * FUZZ_ONLY=<regex> limits the procedures fuzzed, FUZZ_VERBOSE=1 prints every call.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { pointOnFeature } from '@turf/turf'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowed, PERMISSIONS, PUBLIC, ROLES, type Role } from '../../server/api/permissions.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { mutationArb, schemaInputArb, UnsupportedSchema, type FuzzHints } from '../support/fuzzArb.ts'
import { callProcedure, listProcedures, sessionCookieFor, type CallResult, type Proc } from '../support/procedures.ts'

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 17_05
/** Procedure calls in total (spread over the procedures); the HTTP endpoints get a tenth of it each. */
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 700
/** The longest the event loop may be blocked while the fuzz runs. */
const MAX_STALL_MS = Number(process.env.FUZZ_MAX_STALL_MS ?? 200)
/** Test time allowed: generous per case (a loaded 2-core machine answers a call in ~80 ms). */
const TIMEOUT_MS = Math.max(180_000, RUNS * 400)

/**
 * Procedures not fuzzed, or fuzzed only as some callers, with the reason. A procedure the converter
 * cannot generate inputs for must appear here, or the coverage test fails.
 */
const NOT_FUZZED: Record<string, string> = {}
const ONLY_AS: Record<string, { who: Who[]; reason: string }> = {
  'auth.logout': { who: ['anonymous'], reason: 'ends the session it is called with (the fuzzer shares one session per role)' },
}

type Who = Role | 'anonymous'
const LOGIN_OF: Record<Role, string> = { leader: 'leader', department: 'rfb', planner: 'planner', admin: 'admin' }
const APP_CODE = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/

const replay = `(replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS})`
const fcParams = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true, interruptAfterTimeLimit: 600_000 })

describe('fuzzer coverage', () => {
  it('every procedure is fuzzed or listed with a reason; every listed entry exists', () => {
    const procs = listProcedures()
    const paths = new Set(procs.map((p) => p.path))
    expect(procs.length).toBeGreaterThan(10)
    const hints: FuzzHints = { lng: 109.5, lat: 34.5, now: new Date() }
    const unlisted: string[] = []
    for (const p of procs) {
      if (NOT_FUZZED[p.path]) continue
      if (p.type === 'subscription') { unlisted.push(`${p.path}: a subscription`); continue }
      try { schemaInputArb(p, hints) } catch (e) {
        if (!(e instanceof UnsupportedSchema)) throw e
        unlisted.push(`${p.path}: ${e.message}`)
      }
    }
    expect(unlisted, 'make these fuzzable or add them to NOT_FUZZED with the reason').toEqual([])
    expect(Object.keys({ ...NOT_FUZZED, ...ONLY_AS }).filter((k) => !paths.has(k))).toEqual([])
  })
})

describe.each(testDatabases())('fuzzing the API on %s', (db) => {
  let app: RunningApp
  let hints: FuzzHints
  const only = process.env.FUZZ_ONLY ? new RegExp(process.env.FUZZ_ONLY) : null
  const procs = listProcedures().filter((p) => p.type !== 'subscription' && !NOT_FUZZED[p.path] && (!only || only.test(p.path)))
  const cookies = new Map<Role, string>()
  const loop = monitorEventLoopDelay({ resolution: 10 })
  const health = { polls: 0, failures: [] as string[], maxMs: 0 }
  let poller: NodeJS.Timeout | undefined
  let calls = 0
  /** Per call: the longest event-loop delay and the CPU time this process spent meanwhile. */
  const stalls: string[] = []
  let worst = { delayMs: 0, cpuMs: 0, what: '' }
  /**
   * Runs one request with the event-loop monitor on (the fuzzer's own input generation stays outside).
   * A stall is a delay ≥ MAX_STALL_MS during which this process was busy on the CPU for most of it
   * (a delay without CPU use is the shared machine not scheduling us, not the server blocking).
   */
  const measured = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    loop.reset()
    loop.enable()
    const cpu0 = process.cpuUsage()
    try { return await f() } finally {
      loop.disable()
      const c = process.cpuUsage(cpu0)
      const cpuMs = (c.user + c.system) / 1000
      const delayMs = loop.count > 0 ? loop.max / 1e6 : 0
      if (delayMs > worst.delayMs) worst = { delayMs, cpuMs, what }
      if (delayMs >= MAX_STALL_MS && cpuMs >= 0.8 * delayMs) stalls.push(`${what}: event loop blocked ${delayMs.toFixed(0)} ms (${cpuMs.toFixed(0)} ms CPU)`)
    }
  }

  beforeAll(async () => {
    app = await startApp({ db })
    for (const role of ROLES) cookies.set(role, await sessionCookieFor(app.url, LOGIN_OF[role]))
    const fcol = await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, cookies.get('leader'))
    const f = (fcol.data as { features: GeoJSON.Feature<GeoJSON.Polygon>[] }).features[0]!
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    // the fuzzer's own users stay as they are (a random user.update could demote or lock one)
    const own = await app.db.user.findMany({ where: { login: { in: Object.values(LOGIN_OF) } }, select: { id: true } })
    hints = { lng, lat, now: new Date(), avoidIds: new Map([['user.update.id', new Set(own.map((u) => u.id))]]) }
    // /healthz polled throughout; the event-loop delay measured from here on
    let inFlight = false
    poller = setInterval(() => {
      if (inFlight) return
      inFlight = true
      const t0 = performance.now()
      fetch(`${app.url}/healthz`).then((r) => { if (r.status !== 200) health.failures.push(`HTTP ${r.status}`); return r.text() })
        .catch((e: unknown) => { health.failures.push(String(e)) })
        .finally(() => { health.polls++; health.maxMs = Math.max(health.maxMs, performance.now() - t0); inFlight = false })
    }, 50)
  })
  afterAll(async () => {
    clearInterval(poller)
    loop.disable()
    await app?.stop()
  })

  const counts = async () => ({
    problem: await app.db.problem.count(), problemEvent: await app.db.problemEvent.count(), inspection: await app.db.inspection.count(),
    photo: await app.db.photo.count(), auditLog: await app.db.auditLog.count(), grid: await app.db.grid.count(),
    gridHolder: await app.db.gridHolder.count(), department: await app.db.department.count(), user: await app.db.user.count(),
    importBatch: await app.db.importBatch.count(), meeting: await app.db.meeting.count(), extension: await app.db.deadlineExtension.count(),
  })

  const whoArb = (p: Proc): fc.Arbitrary<Who> => {
    const everyone: Who[] = ONLY_AS[p.path]?.who ?? ['anonymous', ...ROLES]
    const permitted = everyone.filter((w) => (w === 'anonymous' ? PERMISSIONS[p.path] === PUBLIC : PERMISSIONS[p.path] === PUBLIC || allowed(p.path, w)))
    // mostly a caller the matrix lets in, so the input (not the role) is what gets judged
    return permitted.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...permitted) }, fc.constantFrom(...everyone)) : fc.constantFrom(...everyone)
  }
  const inputArb = (p: Proc): fc.Arbitrary<{ name: string; text: string | undefined }> => {
    const fromSchema = schemaInputArb(p, hints)
    return fc.oneof(
      fromSchema.map((v) => ({ name: 'from schema', text: v === undefined ? undefined : JSON.stringify(v) })),
      fromSchema.chain((v) => mutationArb(v)),
    )
  }

  /** Failures of the properties for one call ("" when it held). */
  const judge = (r: CallResult): string[] => {
    const out: string[] = []
    if (r.status >= 500) out.push(`HTTP ${r.status} ${r.error?.appCode} ${r.error?.message}`)
    // 431: a query's input too long for a URL, refused by Node's HTTP parser before the app sees it (bare status, no body)
    if (!r.ok && r.status !== 431) {
      if (!APP_CODE.test(r.error?.appCode ?? '')) out.push(`no stable appCode (HTTP ${r.status}, appCode ${JSON.stringify(r.error?.appCode)}, ${r.error?.message.slice(0, 120)})`)
      if (!r.error?.message) out.push(`no message (HTTP ${r.status})`)
    }
    return out
  }

  it('every procedure, as every caller, with generated and mutated inputs: no 5xx, stable codes, refused writes change nothing', async () => {
    const perProc = Math.max(3, Math.ceil(RUNS / procs.length))
    const failures: string[] = []
    for (const p of procs) {
      let first = ''
      try {
        await fc.assert(fc.asyncProperty(whoArb(p), inputArb(p), async (who, input) => {
          const before = p.type === 'mutation' ? await counts() : null
          const r = await measured(`${p.path} as ${who}, ${input.name}`, () => callProcedure(app.url, p, undefined, who === 'anonymous' ? undefined : cookies.get(who), input.text === undefined ? {} : { rawInput: input.text }))
          calls++
          if (process.env.FUZZ_VERBOSE) console.log(`${p.path} as ${who}, ${input.name}: ${r.status} ${r.error?.appCode ?? ''} ${(input.text ?? '').slice(0, 200)}`)
          const bad = judge(r)
          if (before && !r.ok && r.status < 500) {
            const after = await counts()
            if (JSON.stringify(after) !== JSON.stringify(before)) bad.push(`refused (${r.status} ${r.error?.appCode}) yet rows changed: ${JSON.stringify(before)} → ${JSON.stringify(after)}`)
          }
          if (bad.length) {
            const msg = `${p.path} as ${who}, ${input.name}: ${bad.join('; ')}\n  input: ${(input.text ?? '(none)').slice(0, 300)}`
            first ||= msg
            throw new Error(msg)
          }
        }), fcParams(perProc))
      } catch (e) {
        // fast-check's report repeats the (possibly megabyte-long) counterexample: keep the seed and path, and our own message
        const where = /\{ seed: [^}]*\}/.exec((e as Error).message)?.[0] ?? ''
        failures.push(`${first || (e as Error).message.slice(0, 500)}\n  ${where}`)
      }
    }
    expect(failures, replay).toEqual([])
    expect(calls).toBeGreaterThanOrEqual(procs.length * perProc)
    // the shared sessions survived the fuzz (so every role was really exercised to the end)
    for (const role of ROLES) expect((await callProcedure(app.url, { path: 'auth.me', type: 'query' }, undefined, cookies.get(role))).data, role).toMatchObject({ role })
  }, TIMEOUT_MS)

  it('found by the fuzzer: mock.toProblem with a deadline and an unknown category gets UNKNOWN_CATEGORY, not a foreign-key error', async () => {
    const admin = cookies.get('admin')!
    const open = await app.db.scoreEntry.findMany({ where: { problemId: null }, select: { id: true }, orderBy: { id: 'asc' } })
    let answered: CallResult | undefined
    for (const { id } of open) {
      const r = await callProcedure(app.url, { path: 'mock.toProblem', type: 'mutation' }, { scoreId: id, categoryCode: 'isProto', deadlineDays: 30 }, admin)
      if (r.error?.appCode !== 'NO_LOST_POINTS') { answered = r; break }
    }
    expect(answered, 'the demo data has a score entry with lost points').toBeDefined()
    expect(answered).toMatchObject({ status: 400, error: { appCode: 'UNKNOWN_CATEGORY' } })
  })

  it('found by the fuzzer: a version number beyond a 32-bit integer is refused as bad input (PostgreSQL answered 500)', async () => {
    const calls: [string, unknown][] = [
      ['department.update', { id: 1, version: 2 ** 31, phone: '1' }],
      ['indicator.milestoneUpdate', { id: 1, version: 2 ** 53 - 1, progress: 1 }],
      ['problem.transition', { id: 1, version: 2 ** 31, action: 'accept' }],
    ]
    for (const [path, input] of calls) {
      const r = await callProcedure(app.url, { path, type: 'mutation' }, input, cookies.get('admin'))
      expect(r, path).toMatchObject({ status: 400, error: { code: 'BAD_REQUEST', appCode: 'BAD_INPUT' } })
    }
  })

  const httpRuns = Math.max(10, Math.ceil(RUNS / 10))
  const noServerError = async (what: string, res: Response) => {
    await res.arrayBuffer()
    if (res.status >= 500) throw new Error(`${what}: HTTP ${res.status}`)
  }

  it('POST /api/import/problems?mode=preview with random bytes: no 5xx', async () => {
    const cookie = cookies.get('admin')!
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.uint8Array({ maxLength: 4096 }), fc.string({ maxLength: 2000 }).map((s) => new TextEncoder().encode(s)),
        // a zip header (xlsx files are zips) followed by noise
        fc.uint8Array({ maxLength: 2048 }).map((b) => new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...b]))),
      fc.constantFrom('wgs84', 'gcj02', 'bd09', 'nonsense'),
      async (bytes, coords) => {
        const res = await measured(`import preview of ${bytes.length} bytes`, () => fetch(`${app.url}/api/import/problems?mode=preview&coords=${coords}&fileName=fuzz.xlsx`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream' }, body: bytes }))
        await noServerError(`import preview of ${bytes.length} bytes ${replay}`, res)
      }), fcParams(httpRuns))
  }, TIMEOUT_MS)

  it('GET /api/photos/<random>: no 5xx', async () => {
    const cookie = cookies.get('leader')!
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.integer().map(String), fc.constantFrom('-1', '0', '1e9', '9'.repeat(40), '..%2F..%2Fetc%2Fpasswd', '%00', '%E0%A4%A', 'NaN')),
      fc.boolean(),
      async (id, withCookie) => {
        const res = await measured(`GET /api/photos/${id}`, () => fetch(`${app.url}/api/photos/${id}`, { headers: withCookie ? { cookie } : {} }))
        await noServerError(`GET /api/photos/${id} ${replay}`, res)
      }), fcParams(httpRuns))
  }, TIMEOUT_MS)

  it('GET /tiles/... with random path params: no 5xx', async () => {
    const cookie = cookies.get('leader')!
    const part = fc.oneof(fc.nat({ max: 10_000_000 }).map(String), fc.integer().map(String), fc.string({ maxLength: 12 }).map(encodeURIComponent))
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.constantFrom('street', 'community', 'grid', 'x'), fc.string({ maxLength: 12 }).map(encodeURIComponent)),
      part, part, part, fc.option(fc.string({ maxLength: 20 })),
      async (level, z, x, y, v) => {
        const url = `${app.url}/tiles/grids/${level}/${z}/${x}/${y}.pbf${v === null ? '' : `?v=${encodeURIComponent(v)}`}`
        await noServerError(`GET ${url} ${replay}`, await measured(`GET ${url}`, () => fetch(url, { headers: { cookie } })))
      }), fcParams(httpRuns))
  }, TIMEOUT_MS)

  it('GET /open311/v2/requests.json with random query params: no 5xx', async () => {
    const keys = fc.constantFrom('service_request_id', 'service_code', 'start_date', 'end_date', 'status', 'api_key', 'page', 'x')
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('open', 'closed', '2026-01-01T00:00:00Z', '+275761-01-01', '0000-00-00', '1,2,3', '-1', 'NaN', ''))
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(keys, value), { maxLength: 6 }), fc.constantFrom('requests.json', 'services.json', 'requests/1.json', 'requests/x.json'), async (params, resource) => {
      const q = new URLSearchParams(params).toString()
      await noServerError(`GET /open311/v2/${resource}?${q} ${replay}`, await measured(`GET /open311/v2/${resource}`, () => fetch(`${app.url}/open311/v2/${resource}?${q}`)))
    }), fcParams(httpRuns))
  }, TIMEOUT_MS)

  it(`the event loop never stalled (no request blocked it ${MAX_STALL_MS} ms or more) and /healthz kept answering`, () => {
    console.log(`fuzz on ${db}: seed ${SEED}, ${calls} procedure calls; longest event-loop delay ${worst.delayMs.toFixed(0)} ms (${worst.cpuMs.toFixed(0)} ms CPU) in ${worst.what}; /healthz ${health.polls} polls, max ${health.maxMs.toFixed(0)} ms`)
    expect(worst.delayMs, 'the event-loop monitor recorded nothing').toBeGreaterThan(0)
    expect(health.polls).toBeGreaterThan(10)
    expect(health.failures).toEqual([])
    expect(stalls, replay).toEqual([])
  })
})
