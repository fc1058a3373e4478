/**
 * Issue 17 §1 — no request can stall or kill the server. While hostile inputs are processed, the
 * event loop keeps serving: /healthz is polled every 50 ms and must answer within the bound (200 ms)
 * throughout, and the server's own event-loop delay (perf_hooks.monitorEventLoopDelay, preloaded into
 * the server by tests/faults/loopMonitor.mjs) stays under it. In flight together:
 *   - planner boundary.validate with a 6,001-vertex self-intersecting star (was: > 4 min, 4.5 GB, OOM);
 *   - planner boundary.validate with a 20,000-vertex circle (was: every route frozen 21.6 s);
 *   - a 1,000,000-row .xlsx (15.6 MB) to POST /api/import/problems?mode=preview (was: 67 s frozen, 3.1 GB);
 *   - a 300-call `auth.login` batch (299 wrong passwords, 1 right; was: 299 BAD_CREDENTIALS and a session).
 * Each gets a clear answer (a correct result, or its stable error code) and the server stays alive.
 * The measurement is sound: the server is a child process (tests/faults/harness.ts), /healthz is
 * polled from another child process (tests/faults/healthPoller.mjs), the request bodies are built
 * before the measurement starts and the sheet is streamed from disk (written once into var/test).
 * The bound is EVENT_LOOP_BOUND_MS (default 200; the issue's bound — raise it only to measure on an
 * overloaded machine, never in CI). EVENT_LOOP_CPU_PROF=1 writes a --cpu-prof of the server to
 * var/test/prof.
 * A second server process with a tiny time limit and a one-task queue shows a task being killed
 * (GEOMETRY_TOO_COMPLEX), its thread replaced, and a full queue refused with 503 SERVER_BUSY.
 */
import { fork } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sessionCookieFor } from '../support/procedures.ts'
import { circle, selfIntersectingStar } from '../support/hostileGeometry.ts'
import { bigProblemSheet } from '../support/hostileSheets.ts'
import { loginBatchRequest } from '../support/loginBatch.ts'
import { copyTemplateDb, ensureStopped, startServerProcess, type ServerProcess } from './harness.ts'

const BOUND_MS = Number(process.env.EVENT_LOOP_BOUND_MS) > 0 ? Number(process.env.EVENT_LOOP_BOUND_MS) : 200

const draftWith = (parentKey: string, geometry: Polygon, n: number) => ({
  grids: [{ key: `new:${n}`, id: null, code: `61019990${String(n).padStart(4, '0')}`, name: `压力测试${n}`, level: 'community' as const, parentKey, geometry }],
  retire: [],
})

interface TrpcAnswer { status: number; issues?: { code: string }[]; appCode?: string }
/** A tRPC mutation with a body prepared beforehand; only the (small) answer is parsed here. */
async function mutate(url: string, proc: string, body: string, cookie: string): Promise<TrpcAnswer> {
  const res = await fetch(`${url}/trpc/${proc}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body })
  const json = (await res.json()) as { result?: { data?: { issues?: { code: string }[] } }; error?: { data?: { appCode?: string } } }
  return { status: res.status, issues: json.result?.data?.issues, appCode: json.error?.data?.appCode }
}

/** POSTs a file streamed from disk (never held in this process's memory). */
function postFile(url: string, file: string, cookie: string): Promise<{ status: number; body: { error?: { appCode: string } } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream', 'content-length': fs.statSync(file).size } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { try { resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { appCode: string } } }) } catch (e) { reject(e as Error) } })
      res.on('error', reject)
    })
    req.on('error', reject)
    fs.createReadStream(file).pipe(req)
  })
}

/** /healthz polled every 50 ms from a separate process; `stop` gives the largest latency seen. */
async function pollHealth(url: string) {
  const child = fork(path.resolve('tests/faults/healthPoller.mjs'), [url], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  await new Promise<void>((resolve) => child.once('message', () => resolve()))
  return {
    stop: () => new Promise<{ max: number; count: number; failures: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { max: number; count: number; failures: number }))
      child.send('stop')
    }),
  }
}

describe('the event loop keeps serving while hostile inputs are processed', () => {
  let server: ServerProcess | undefined
  let drop: (() => void) | undefined
  let sheetFile: string
  let plannerCookie: string
  let leaderCookie: string
  let street: string
  let starBody: string, circleBody: string
  let batch: ReturnType<typeof loginBatchRequest>

  beforeAll(async () => {
    // written once into var/test with exceljs's streaming writer (≈ 12 s of CPU), then reused
    sheetFile = await bigProblemSheet(1_000_000)
    const db = copyTemplateDb('loop')
    drop = db.drop
    const prof = process.env.EVENT_LOOP_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve('var/test/prof')}`] : []
    server = await startServerProcess(db.file, {}, ['--import', './tests/faults/loopMonitor.mjs', ...prof])
    plannerCookie = await sessionCookieFor(server.url, 'planner')
    leaderCookie = await sessionCookieFor(server.url, 'leader')
    const list = await fetch(`${server.url}/trpc/grid.list?input=${encodeURIComponent(JSON.stringify({ level: 'street' }))}`, { headers: { cookie: leaderCookie } })
    const fc = (await list.json()) as { result: { data: { features: { id?: number; properties: { id: number } }[] } } }
    street = String(fc.result.data.features[0]!.properties.id)
    starBody = JSON.stringify({ draft: draftWith(street, selfIntersectingStar(6001), 1) })
    circleBody = JSON.stringify({ draft: draftWith(street, circle(20_000), 2) })
    batch = loginBatchRequest(server.url)
    // the server warms its worker threads at start-up (server/main.ts); wait until both answer
    const small = (n: number) => JSON.stringify({ draft: draftWith(street, circle(16), 10 + n) })
    await Promise.all([0, 1].map((n) => mutate(server!.url, 'boundary.validate', small(n), plannerCookie)))
  }, 240_000)
  afterAll(async () => {
    if (server && process.env.EVENT_LOOP_CPU_PROF === '1') { server.kill('SIGTERM'); await server.exited }
    await ensureStopped(server)
    drop?.()
  })

  it(`answers /healthz within ${BOUND_MS} ms while a 6,001-vertex star, a 20,000-vertex circle, a 1,000,000-row xlsx and a 300-call login batch are in flight`, async () => {
    const url = server!.url
    expect(fs.statSync(sheetFile).size).toBeLessThan(20 * 1024 * 1024) // under the upload limit: the rows must really be read
    const health = await pollHealth(url)
    server!.kill('SIGUSR2')
    await server!.waitFor(/\[loop\] measuring/)
    await new Promise((r) => setTimeout(r, 200))

    const star = mutate(url, 'boundary.validate', starBody, plannerCookie)
    const round = mutate(url, 'boundary.validate', circleBody, plannerCookie)
    const sheet = postFile(`${url}/api/import/problems?mode=preview`, sheetFile, leaderCookie)

    // ---- LOGIN BATCH (issue 17 §2): a 300-call `auth.login` batch goes in flight here ----
    const login = fetch(batch.url, batch.init).then(async (res) => ({ status: res.status, cookie: res.headers.get('set-cookie'), body: (await res.json()) as { error?: { data?: { appCode?: string } } } }))

    const [s, c, x, l] = await Promise.all([star, round, sheet, login])
    await new Promise((r) => setTimeout(r, 200))
    const h = await health.stop()
    server!.kill('SIGUSR2')
    await server!.waitFor(/\[loop\] max=/)
    const m = /\[loop\] max=([\d.]+) p99=([\d.]+)/.exec(server!.stderr())!
    const loopMaxMs = Number(m[1])
    console.log(`[eventLoop] healthz: ${h.count} polls, max ${h.max.toFixed(0)} ms; server event-loop delay max ${m[1]} ms, p99 ${m[2]} ms (bound ${BOUND_MS} ms)`)
    console.log(`[eventLoop] star ${s.status} ${s.appCode ?? ''}, circle ${c.status} ${c.appCode ?? ''}, sheet ${x.status} ${x.body.error?.appCode}, login batch ${l.status} ${l.body.error?.data?.appCode}`)

    // the star is answered as invalid (or refused as too complex), never computed for minutes
    if (s.status === 200) expect(s.issues!.map((i) => i.code)).toContain('GEOMETRY_INVALID')
    else expect(s.appCode).toBe('GEOMETRY_TOO_COMPLEX')
    // the circle is a valid ring: a result (its rules' issues), or too complex in the time limit
    if (c.status === 200) expect(c.issues!.map((i) => i.code)).not.toContain('GEOMETRY_INVALID')
    else expect(c.appCode).toBe('GEOMETRY_TOO_COMPLEX')
    // the sheet is within the row limit (1,048,576): read and checked in full in the worker (every row
    // counted), or, on a slow machine, killed at the time limit
    if (x.status === 200) expect((x.body as { summary?: { total: number } }).summary?.total).toBe(1_000_000)
    else expect([x.status, x.body.error?.appCode]).toEqual([413, 'IMPORT_TOO_LARGE'])
    // the batch is refused as a whole before any password is tried: no session
    expect(l.status).toBe(413)
    expect(l.body.error?.data?.appCode).toBe('BATCH_TOO_LARGE')
    expect(l.cookie).toBeNull()

    expect(h.failures).toBe(0)
    expect(h.count).toBeGreaterThan(5)
    expect(h.max).toBeLessThan(BOUND_MS)
    expect(loopMaxMs).toBeLessThan(BOUND_MS)
    // alive and serving
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const me = (await (await fetch(`${url}/trpc/auth.me`, { headers: { cookie: plannerCookie } })).json()) as { result?: { data?: { login?: string } } }
    expect(me.result?.data?.login).toBe('planner')
    expect(server!.child.exitCode).toBeNull()
  }, 240_000)
})

describe('a task over its time limit is killed, its thread replaced; a full queue is refused', () => {
  let server: ServerProcess | undefined
  let drop: (() => void) | undefined
  afterAll(async () => { await ensureStopped(server); drop?.() })

  it('IMPORT_TOO_LARGE for a task over HEAVY_TASK_TIMEOUT_MS, the next task still runs, 503 SERVER_BUSY past the queue', async () => {
    const xlsx = fs.readFileSync(await bigProblemSheet(1_000_000))
    const db = copyTemplateDb('heavy')
    drop = db.drop
    // one thread, one waiting task, 1 s per task (a few seconds for this file's size): reading its 1,000,000 rows takes longer
    server = await startServerProcess(db.file, { WORKER_POOL_SIZE: '1', HEAVY_TASK_QUEUE: '1', HEAVY_TASK_TIMEOUT_MS: '1000' })
    const url = server.url
    const cookie = await sessionCookieFor(url, 'leader')
    const preview = (body: Uint8Array) => fetch(`${url}/api/import/problems?mode=preview`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream' }, body: body as unknown as BodyInit })
      .then(async (res) => ({ status: res.status, body: (await res.json()) as { error?: { appCode: string }; summary?: { total: number } } }))

    const killed = await preview(xlsx)
    expect(killed).toMatchObject({ status: 413, body: { error: { appCode: 'IMPORT_TOO_LARGE' } } })
    // the thread was replaced: a small CSV is read
    const csv = new TextEncoder().encode('经度,纬度,类别,描述\n108.94,34.27,ROAD,占道经营\n108.95,34.28,ROAD,垃圾乱堆\n')
    const ok = await preview(csv)
    expect(ok.status).toBe(200)
    expect(ok.body.summary?.total).toBe(2)
    // one running + one waiting; the rest are refused at once with a retryable 503
    const all = await Promise.all(Array.from({ length: 5 }, () => preview(xlsx)))
    const busy = all.filter((r) => r.status === 503)
    expect(busy.length).toBeGreaterThanOrEqual(3)
    expect(busy.every((r) => r.body.error?.appCode === 'SERVER_BUSY')).toBe(true)
    expect(all.filter((r) => r.status !== 503).every((r) => r.status === 413 && r.body.error?.appCode === 'IMPORT_TOO_LARGE')).toBe(true)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    expect(server.child.exitCode).toBeNull()
    expect(server.stderr()).toMatch(/\[heavy\] task checkLedgerParts killed/) // the ledger's read-and-check task (problemImport.ts)
  }, 240_000)
})
