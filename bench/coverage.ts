/**
 * Coverage at scale (issue 14, target 2): the synthetic city (bench/loadCity.ts) with 12 months of
 * inspections and `problems` problems (half of them open), written by the driver, the aggregates then
 * refreshed with plain SQL (services/aggregates.ts `refreshProblemTallies`, the bulk-import path); then
 * grid.status and the dashboard ranking (stats.departmentRanking, this month) against a server process:
 * p50 at a fixed 50 req/s, and the throughput with 10 connections. Then the same while a writer reports
 * problems and records inspections through the API a few times a second (the cached figures follow each
 * write incrementally, services/cityFigures.ts). Records the targets (bench/targets.ts).
 */
import Database from 'better-sqlite3'
import autocannon from 'autocannon'
import pg from 'pg'
import { migrateDeploy } from '../prisma/migrate.ts'
import { createDb } from '../server/db/client.ts'
import type { DbConfig } from '../server/db/config.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { addMonths, monthOf, monthRange } from '../server/domain/time.ts'
import { refreshInspectionTallies, refreshProblemTallies, rollOverdueClock } from '../server/services/aggregates.ts'
import { GridCatalog } from '../server/services/gridCatalog.ts'
import { sessionCookie, startServerProcess } from './load.ts'
import { loadSyntheticCity } from './loadCity.ts'
import { recordTarget } from './targets.ts'

const DAY = 86_400_000
const STATUSES = ['reported', 'registered', 'dispatched', 'rectifying', 'submitted', 'closed', 'closed', 'closed', 'closed', 'voided'] as const

export interface CoverageRun {
  name: string; mode: 'rate 50/s' | '10 connections'; seconds: number; requests: number; reqPerSec: number; p50: number; p99: number; errors: number; non2xx: number; avgBytes: number
  /** the mixed load: writes through the API during the run (done per second, failed) */
  writes?: { perSecond: number; failed: number }
}
export interface CoverageBench {
  database: 'sqlite' | 'postgres'
  grids: number; problems: number; open: number; inspections: number
  loadMs: number; refreshMs: { problems: number; inspections: number }
  /** the first request of each (builds the cached figures), ms */
  firstMs?: Record<string, number>
  runs: CoverageRun[]
}

/** Inspections of the 11 months before this one, for ~35% of the held grids each month (createMany). */
async function olderInspections(db: Awaited<ReturnType<typeof createDb>>, seed: number, now: Date): Promise<number> {
  const holders = await db.gridHolder.findMany({ select: { gridId: true, departmentId: true } })
  const creator = (await db.user.findFirstOrThrow({ where: { role: 'admin' } })).id
  const r = mulberry32(seed + 5)
  const rows: { gridId: number; departmentId: number; date: Date; month: string; inspector: string; findings: string; onSite: boolean; createdById: number }[] = []
  for (let k = 1; k <= 11; k++) {
    const month = addMonths(monthOf(now), -k)
    const { start } = monthRange(month)
    for (const h of holders) {
      if (r() >= 0.35) continue
      const date = new Date(start.getTime() + Math.floor(r() * 28) * DAY + 10 * 3600_000)
      rows.push({ gridId: h.gridId, departmentId: h.departmentId, date, month, inspector: '合成检查员', findings: '', onSite: r() < 0.9, createdById: creator })
    }
  }
  await db.$transaction(async (tx) => { for (let i = 0; i < rows.length; i += 5000) await tx.inspection.createMany({ data: rows.slice(i, i + 5000) }) }, { timeout: 600_000, maxWait: 60_000 })
  return rows.length
}

/** `n` problems over the city (each assigned by the grid index to its grid and holder), by the bare driver. */
async function driverProblems(config: DbConfig, db: Awaited<ReturnType<typeof createDb>>, n: number, seed: number, now: Date): Promise<number> {
  const catalog = await GridCatalog.load(db)
  const grids = catalog.list('community')
  const holders = new Map((await db.gridHolder.findMany({ where: { validTo: null }, select: { gridId: true, departmentId: true } })).map((h) => [h.gridId, h.departmentId]))
  const categories = await db.problemCategory.findMany({ select: { code: true, deadlineDays: true } })
  const r = mulberry32(seed + 7)
  const cols = ['lng', 'lat', 'gridId', 'departmentId', 'supervisingDepartmentId', 'categoryCode', 'description', 'status', 'deadline', 'reporterName', 'source', 'reportedAt', 'closedAt', 'createdAt', 'updatedAt'] as const
  const rows: unknown[][] = []
  let open = 0
  for (let i = 0; i < n; i++) {
    const g = grids[Math.floor(r() * grids.length)]!
    const [x0, y0, x1, y1] = g.bbox
    const lng = x0 + (x1 - x0) * r(), lat = y0 + (y1 - y0) * r()
    const hit = catalog.assign(lng, lat)
    const dept = hit ? holders.get(hit.id) ?? null : null
    const c = categories[Math.floor(r() * categories.length)]!
    const reportedAt = new Date(now.getTime() - Math.floor(r() * 365 * DAY))
    const status = i % 2 === 0 ? STATUSES[Math.floor(r() * 5)]! : STATUSES[5 + Math.floor(r() * 5)]!
    if (i % 2 === 0) open++
    const deadline = new Date(reportedAt.getTime() + c.deadlineDays * DAY)
    const closedAt = status === 'closed' ? new Date(Math.min(now.getTime(), reportedAt.getTime() + Math.floor(r() * 2 * c.deadlineDays) * DAY)) : null
    rows.push([lng, lat, hit?.id ?? null, dept, dept, c.code, `合成问题 ${i + 1}`, status, deadline, '合成', 'import', reportedAt, closedAt, reportedAt, now])
  }
  if (config.provider === 'sqlite') {
    const sq = new Database(config.file)
    sq.pragma('journal_mode = WAL')
    const stmt = sq.prepare(`INSERT INTO "Problem" (${cols.map((k) => `"${k}"`).join(',')}) VALUES (${cols.map(() => '?').join(',')})`)
    const iso = (v: unknown) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : v)
    const insert = sq.transaction((chunk: unknown[][]) => { for (const row of chunk) stmt.run(...row.map(iso)) })
    for (let i = 0; i < rows.length; i += 50_000) insert(rows.slice(i, i + 50_000))
    sq.close()
  } else {
    const c = new pg.Client({ connectionString: config.url })
    await c.connect()
    try {
      const types = ['float8', 'float8', 'int4', 'int4', 'int4', 'text', 'text', 'text', 'timestamptz', 'text', 'text', 'timestamptz', 'timestamptz', 'timestamptz', 'timestamptz']
      const sql = `INSERT INTO "Problem" (${cols.map((k) => `"${k}"`).join(',')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(',')})`
      for (let i = 0; i < rows.length; i += 50_000) {
        const chunk = rows.slice(i, i + 50_000)
        await c.query(sql, cols.map((_, k) => chunk.map((row) => row[k])))
      }
      await c.query('ANALYZE')
    } finally { await c.end() }
  }
  return open
}

async function run(url: string, cookie: string, name: string, path: string, seconds: number, rate: number | null): Promise<CoverageRun> {
  const res = await autocannon({
    url: url + path, connections: 10, duration: seconds, timeout: 30, ...(rate ? { overallRate: rate } : {}),
    headers: { cookie, 'accept-encoding': 'gzip' },
  })
  return {
    name, mode: rate ? 'rate 50/s' : '10 connections', seconds, requests: res.requests.total, reqPerSec: res.requests.total / seconds,
    p50: res.latency.p50, p99: res.latency.p99, errors: res.errors, non2xx: res.non2xx,
    avgBytes: res.requests.total ? res.throughput.total / res.requests.total : 0,
  }
}

/** How many writes per second the mixed load's writer aims at (problem reports and inspections, alternately). */
const WRITES_PER_SECOND = 3

/**
 * A writer through the API until `stop()`: every 1/WRITES_PER_SECOND s a problem report at a point in a
 * random grid, or an on-site inspection of a random held grid (as admin), at a fixed rate (up to 4 in flight).
 */
function startWriter(url: string, cookie: string, points: { gridId: number; lng: number; lat: number }[], categories: string[], seed: number) {
  const r = mulberry32(seed + 11)
  let running = true, done = 0, failed = 0, n = 0
  const t0 = performance.now()
  const post = async (proc: string, body: unknown) => {
    const res = await fetch(`${url}/trpc/${proc}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    await res.arrayBuffer()
    if (res.ok) done++; else failed++
  }
  const inFlight = new Set<Promise<void>>()
  const loop = (async () => {
    while (running) {
      const next = t0 + (++n * 1000) / WRITES_PER_SECOND
      const p = points[Math.floor(r() * points.length)]!
      const write = (n % 2
        ? post('problem.create', { lng: p.lng, lat: p.lat, categoryCode: categories[Math.floor(r() * categories.length)]!, description: '混合负载问题' })
        : post('inspection.record', { gridId: p.gridId, date: new Date().toISOString(), inspector: '混合负载', findings: '混合负载检查', lng: p.lng, lat: p.lat })
      ).catch(() => { failed++ })
      inFlight.add(write)
      void write.finally(() => inFlight.delete(write))
      if (inFlight.size >= 4) await Promise.race(inFlight)
      const wait = next - performance.now()
      if (wait > 0) await new Promise((res) => setTimeout(res, wait))
    }
    await Promise.all(inFlight)
  })()
  return {
    async stop() { running = false; await loop; const s = (performance.now() - t0) / 1000; return { perSecond: done / s, failed } },
  }
}

export async function benchCoverage(opts: { config: DbConfig; grids: number; problems: number; quick: boolean; seed: number; log?: (s: string) => void }): Promise<CoverageBench> {
  const { config } = opts
  const log = opts.log ?? (() => {})
  const kind = config.provider === 'sqlite' ? 'sqlite' : 'postgres'
  const now = new Date()
  const t0 = performance.now()
  await migrateDeploy(config)
  const db = await createDb(config)
  let refreshMs = { problems: 0, inspections: 0 }, inspections = 0, open = 0
  const writePoints: { gridId: number; lng: number; lat: number }[] = []
  let categories: string[] = []
  try {
    log(`coverage (${kind}): ${opts.grids} grids, 12 months of inspections, ${opts.problems} problems…`)
    const city = await loadSyntheticCity(db, opts.grids, opts.seed, now)
    inspections = city.inspections + await olderInspections(db, opts.seed, now)
    open = await driverProblems(config, db, opts.problems, opts.seed, now)
    let t = performance.now()
    await rollOverdueClock(db, now)
    await refreshProblemTallies(db)
    refreshMs = { problems: performance.now() - t, inspections: 0 }
    t = performance.now()
    await refreshInspectionTallies(db)
    refreshMs.inspections = performance.now() - t
    // the mixed load's writer: points inside held grids, and the categories
    const catalog = await GridCatalog.load(db)
    const heldGrids = new Set((await db.gridHolder.findMany({ where: { validTo: null }, select: { gridId: true } })).map((h) => h.gridId))
    const pr = mulberry32(opts.seed + 13)
    for (const g of catalog.list('community')) {
      if (writePoints.length >= 2000 || !heldGrids.has(g.id) || pr() > 0.2) continue
      const [x0, y0, x1, y1] = g.bbox
      for (let k = 0; k < 20; k++) {
        const lng = x0 + (x1 - x0) * pr(), lat = y0 + (y1 - y0) * pr()
        if (catalog.assign(lng, lat)?.id === g.id) { writePoints.push({ gridId: g.id, lng, lat }); break }
      }
    }
    categories = (await db.problemCategory.findMany({ select: { code: true } })).map((c) => c.code)
    log(`coverage (${kind}): aggregates refreshed in ${(refreshMs.problems / 1000).toFixed(1)} s (problems, plain SQL) + ${(refreshMs.inspections / 1000).toFixed(1)} s (inspections)`)
  } finally { await db.$disconnect() }
  const loadMs = performance.now() - t0
  const server = await startServerProcess(config)
  const runs: CoverageRun[] = []
  const firstMs: Record<string, number> = {}
  try {
    const cookie = await sessionCookie(server.url)
    const input = (o: unknown) => `input=${encodeURIComponent(JSON.stringify(o))}`
    const month = monthOf(now)
    const paths: [string, string][] = [
      ['grid.status (community)', `/trpc/grid.status?${input({ level: 'community' })}`],
      ['stats.departmentRanking (this month)', `/trpc/stats.departmentRanking?${input({ from: month, to: month })}`],
    ]
    const seconds = opts.quick ? 5 : 10
    for (const [name, path] of paths) {
      const t1 = performance.now()
      const first = await fetch(server.url + path, { headers: { cookie } })
      if (!first.ok) throw new Error(`${name}: HTTP ${first.status} ${await first.text()}`)
      await first.arrayBuffer()
      // the first request builds the in-memory figures (services/cityFigures.ts); the runs then read them
      firstMs[name] = performance.now() - t1
      log(`coverage (${kind}): ${name}, first request (cold) ${firstMs[name]!.toFixed(0)} ms`)
      for (const rate of [50, null]) {
        log(`coverage (${kind}): ${name}, ${rate ? `${rate} req/s` : '10 connections'} for ${seconds} s…`)
        runs.push(await run(server.url, cookie, name, path, seconds, rate))
      }
    }
    // the mixed load: the same reads while departments report problems and record inspections
    const adminCookie = await sessionCookie(server.url, 'admin')
    for (const [name, path] of paths) {
      for (const rate of [50, null]) {
        log(`coverage (${kind}): ${name}, ${rate ? `${rate} req/s` : '10 connections'} for ${seconds} s while writing ${WRITES_PER_SECOND}/s…`)
        const writer = startWriter(server.url, adminCookie, writePoints, categories, opts.seed)
        const res = await run(server.url, cookie, `${name} + writes`, path, seconds, rate)
        res.writes = await writer.stop()
        log(`coverage (${kind}):   p50 ${res.p50} ms, ${res.reqPerSec.toFixed(0)} req/s; writes ${res.writes.perSecond.toFixed(1)}/s (${res.writes.failed} failed)`)
        runs.push(res)
      }
    }
  } finally { await server.stop() }
  const db2 = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'
  for (const name of ['grid.status (community)', 'stats.departmentRanking (this month)']) {
    const fixed = runs.find((r) => r.name === name && r.mode === 'rate 50/s')!
    const sat = runs.find((r) => r.name === name && r.mode === '10 connections')!
    const scale = `${opts.grids} grids, ${opts.problems} problems (${open} open)`
    // no request completed (or any failed): no figure, never a PASS
    recordTarget({ section: 'coverage', name: `${name} p50 at 50 req/s (${db2})`, measured: fixed.errors || fixed.non2xx || fixed.requests === 0 ? NaN : fixed.p50, goal: 100, compare: '≤', unit: 'ms', note: scale })
    recordTarget({ section: 'coverage', name: `${name} throughput, 10 connections (${db2})`, measured: sat.errors || sat.non2xx || sat.requests === 0 ? NaN : sat.reqPerSec, goal: 50, compare: '≥', unit: 'req/s', note: scale })
    // the mixed load: no figure (never a PASS) when a read or a write failed, or the writer fell far behind
    const mixed = (mode: CoverageRun['mode']) => runs.find((r) => r.name === `${name} + writes` && r.mode === mode)!
    const bad = (r: CoverageRun) => r.errors > 0 || r.non2xx > 0 || r.requests === 0 || !r.writes || r.writes.failed > 0 || r.writes.perSecond < WRITES_PER_SECOND / 2
    const mf = mixed('rate 50/s'), ms = mixed('10 connections')
    const wnote = (r: CoverageRun) => `${scale}; writes ${r.writes?.perSecond.toFixed(1) ?? '?'}/s through the API (${r.writes?.failed ?? '?'} failed)`
    recordTarget({ section: 'coverage', name: `${name} p50 at 50 req/s, ${WRITES_PER_SECOND} writes/s (${db2})`, measured: bad(mf) ? NaN : mf.p50, goal: 100, compare: '≤', unit: 'ms', note: wnote(mf) })
    recordTarget({ section: 'coverage', name: `${name} throughput, 10 connections, ${WRITES_PER_SECOND} writes/s (${db2})`, measured: bad(ms) ? NaN : ms.reqPerSec, goal: 50, compare: '≥', unit: 'req/s', note: wnote(ms) })
  }
  return { database: kind, grids: opts.grids, problems: opts.problems, open, inspections, loadMs, refreshMs, firstMs, runs }
}
