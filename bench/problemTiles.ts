/**
 * Issue 14, target 3 — open problems on the map at city scale: the server's cluster tiles
 * (server/services/problemTiles.ts) with 500,000 open problems over the synthetic city's extent.
 *   - first view: problem.mapInfo plus every problem tile a 1280×800 map fitted to the city requests
 *     (512-px vector tiles at the floor of the fitted zoom), bytes as sent (gzip) — against problem.map,
 *     the one GeoJSON the map loaded before (its bytes measured on the same server);
 *   - tile latency: sequential requests of random tiles over the city at the fitted zoom … +6, each
 *     once (so mostly a first cut + encode, the worst case), p50/p99.
 * Run alone: `npx tsx bench/problemTiles.ts [--quick]`, or as the `tiles` section of `npm run bench`.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { migrateDeploy } from '../prisma/migrate.ts'
import { createDb } from '../server/db/client.ts'
import type { DbConfig } from '../server/db/config.ts'
import { OPEN_STATUSES } from '../server/domain/problem/status.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { sessionCookie, startServerProcess } from './load.ts'
import { loadSyntheticCity } from './loadCity.ts'
import { syntheticCity } from './syntheticCity.ts'
import { recordTarget } from './targets.ts'

export interface ProblemTilesResult {
  openProblems: number
  insertMs: number
  /** the first problem.mapInfo on a cold server: loads the open problems and builds the leader's index */
  coldBuildMs: number
  firstView: { zoom: number; tiles: number; bytes: number; mapInfoBytes: number; ms: number }
  /** problem.map's GeoJSON of all open problems, scaled from one department's (extrapolatedFrom problems) */
  problemMapGeojson: { bytes: number; ms: number; extrapolatedFrom: number } | null
  tileLatency: { requests: number; p50: number; p90: number; p99: number; max: number; avgBytes: number }
  department: { open: number; coldBuildMs: number }
}

const DAY = 86_400_000
const WIDTH = 1280, HEIGHT = 800, TILE = 512

function tileOf(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z, r = (lat * Math.PI) / 180
  return [Math.floor(((lng + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)]
}
const mercY = (lat: number) => (1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! }

async function get(url: string, cookie: string): Promise<{ status: number; bytes: number; ms: number }> {
  const t = performance.now()
  const res = await fetch(url, { headers: { cookie, 'accept-encoding': 'gzip' } })
  // bytes on the wire: undici decodes gzip, so take Content-Length when the server sent one
  const body = new Uint8Array(await res.arrayBuffer())
  const ms = performance.now() - t
  const len = Number(res.headers.get('content-length') ?? NaN)
  return { status: res.status, bytes: Number.isFinite(len) ? len : body.length, ms }
}

export async function benchProblemTiles(opts: { quick: boolean; open?: number; log?: (s: string) => void }): Promise<ProblemTilesResult> {
  const log = opts.log ?? (() => {})
  const OPEN = opts.open ?? 500_000
  const CLOSED = opts.quick ? 0 : 500_000
  fs.mkdirSync('var/bench', { recursive: true })
  const file = path.resolve('var/bench/problem-tiles.db')
  const config: DbConfig = { provider: 'sqlite', file }
  // BENCH_REUSE=1: keep the database of the last run when it holds the same problems (the insert is the slow part)
  const reuse = process.env.BENCH_REUSE === '1' && fs.existsSync(file) && (() => {
    const sq = new Database(file, { readonly: true })
    try { return (sq.prepare(`SELECT COUNT(*) n FROM "Problem" WHERE "status" <> 'closed'`).get() as { n: number }).n === OPEN && (sq.prepare(`SELECT COUNT(*) n FROM "Problem" WHERE "status" = 'closed'`).get() as { n: number }).n === CLOSED } finally { sq.close() }
  })()
  if (!reuse) for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  await migrateDeploy(config)
  const db = await createDb(config)
  const now = new Date()
  let departmentIds: number[]
  try { departmentIds = reuse ? (await db.department.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map((d) => d.id) : (await loadSyntheticCity(db, 200, 20260101, now)).departmentIds } finally { await db.$disconnect() }

  // the city's extent: the 20,000-grid synthetic city (problems need no grid for the map)
  const bbox = syntheticCity(20_000, 20260101).bbox
  const [x0, y0, x1, y1] = bbox
  log(`tiles: inserting ${OPEN} open + ${CLOSED} closed problems…`)
  const t0 = performance.now()
  const sq = new Database(file)
  sq.pragma('journal_mode = WAL')
  const cats = (sq.prepare('SELECT code, deadlineDays FROM "ProblemCategory"').all() as { code: string; deadlineDays: number }[])
  const stmt = sq.prepare('INSERT INTO "Problem" ("lng","lat","departmentId","categoryCode","description","status","deadline","reporterName","source","reportedAt","createdAt","updatedAt") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)')
  const iso = (d: number) => new Date(d).toISOString().replace('Z', '+00:00')
  const r = mulberry32(14)
  const insert = sq.transaction((n: number, open: boolean) => {
    for (let i = 0; i < n; i++) {
      // clustered like a city: half around a few dozen hot spots, half spread out
      const hot = r() < 0.5
      const cx = hot ? x0 + (x1 - x0) * ((Math.floor(r() * 40) * 0.618) % 1) : x0 + (x1 - x0) * r()
      const cy = hot ? y0 + (y1 - y0) * ((Math.floor(r() * 40) * 0.382 + 0.1) % 1) : y0 + (y1 - y0) * r()
      const lng = hot ? cx + (r() - 0.5) * 0.01 : cx, lat = hot ? cy + (r() - 0.5) * 0.01 : cy
      const c = cats[Math.floor(r() * cats.length)]!
      const reported = now.getTime() - Math.floor(r() * 60 * DAY)
      stmt.run(lng, lat, departmentIds[Math.floor(r() * departmentIds.length)]!, c.code, `合成问题 ${i + 1}`,
        open ? OPEN_STATUSES[Math.floor(r() * OPEN_STATUSES.length)]! : 'closed', iso(reported + c.deadlineDays * DAY), '第三方测评', 'import', iso(reported), iso(reported), iso(now.getTime()))
    }
  })
  if (!reuse) {
    for (let done = 0; done < OPEN; done += 50_000) insert(Math.min(50_000, OPEN - done), true)
    for (let done = 0; done < CLOSED; done += 50_000) insert(Math.min(50_000, CLOSED - done), false)
  }
  const deptOpen = (sq.prepare(`SELECT COUNT(*) n FROM "Problem" WHERE "departmentId" = ? AND "status" <> 'closed'`).get(departmentIds[0]) as { n: number }).n
  sq.close()
  const insertMs = performance.now() - t0

  const server = await startServerProcess(config)
  try {
    const cookie = await sessionCookie(server.url, 'leader')
    log('tiles: first problem.mapInfo (cold: loads the open problems, builds the index)…')
    const info0 = performance.now()
    const infoRes = await fetch(`${server.url}/trpc/problem.mapInfo`, { headers: { cookie, 'accept-encoding': 'gzip' } })
    const infoText = await infoRes.text()
    const coldBuildMs = performance.now() - info0
    const info = (JSON.parse(infoText) as { result: { data: { count: number; version: string } } }).result.data
    if (info.count !== OPEN) throw new Error(`problem.mapInfo counts ${info.count} open problems, inserted ${OPEN}`)

    // the first view: a 1280×800 map fitted to the city
    const wx = (x1 - x0) / 360, wy = Math.abs(mercY(y0) - mercY(y1))
    const zoom = Math.floor(Math.log2(Math.min(WIDTH / (TILE * wx), HEIGHT / (TILE * wy))))
    const [ax, ay] = tileOf(x0, y1, zoom), [bx, by] = tileOf(x1, y0, zoom)
    let bytes = 0, tiles = 0
    const fv0 = performance.now()
    const firstView: Promise<void>[] = []
    for (let x = ax; x <= bx; x++) for (let y = ay; y <= by; y++) {
      tiles++
      firstView.push(get(`${server.url}/tiles/problems/${zoom}/${x}/${y}.pbf?v=${info.version}`, cookie).then((g) => { if (g.status !== 200 && g.status !== 204) throw new Error(`tile HTTP ${g.status}`); bytes += g.bytes }))
    }
    await Promise.all(firstView)
    const fvMs = performance.now() - fv0
    const mapInfoBytes = Buffer.byteLength(infoText)

    // latency: random tiles over the city, each once
    const lr = mulberry32(7)
    const seen = new Set<string>(), lat: number[] = [], sizes: number[] = []
    const N = opts.quick ? 300 : 1000
    while (lat.length < N) {
      const z = zoom + Math.floor(lr() * 7)
      const [x, y] = tileOf(x0 + (x1 - x0) * lr(), y0 + (y1 - y0) * lr(), z)
      const key = `${z}/${x}/${y}`
      if (seen.has(key)) continue
      seen.add(key)
      const g = await get(`${server.url}/tiles/problems/${key}.pbf?v=${info.version}`, cookie)
      if (g.status !== 200 && g.status !== 204) throw new Error(`tile ${key}: HTTP ${g.status}`)
      lat.push(g.ms); sizes.push(g.bytes)
    }

    // a department's scope: its own index, built on its first request
    const deptCookie = await sessionCookie(server.url, 'rfb')
    const d0 = performance.now()
    const deptInfo = (await (await fetch(`${server.url}/trpc/problem.mapInfo`, { headers: { cookie: deptCookie } })).json() as { result: { data: { count: number } } }).result.data
    const deptBuildMs = performance.now() - d0

    // what the map loaded before: every open problem as one GeoJSON. At 500,000 that response does not
    // finish on this loaded machine (undici gives up after 5 min), so it is measured for one department
    // (rfb, ~1/N of the problems) and scaled by the open problems' ratio — marked as extrapolated.
    let problemMapGeojson: ProblemTilesResult['problemMapGeojson'] = null
    try {
      log('tiles: problem.map (the old GeoJSON) of one department, for comparison…')
      const g = await get(`${server.url}/trpc/problem.map`, deptCookie)
      const scale = OPEN / Math.max(1, deptOpen)
      problemMapGeojson = { bytes: g.bytes * scale, ms: g.ms * scale, extrapolatedFrom: deptOpen }
    } catch (e) { log(`tiles: problem.map failed: ${(e as Error).message}`) }

    const result: ProblemTilesResult = {
      openProblems: OPEN, insertMs, coldBuildMs,
      firstView: { zoom, tiles, bytes: bytes + mapInfoBytes, mapInfoBytes, ms: fvMs },
      problemMapGeojson,
      tileLatency: { requests: lat.length, p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: Math.max(...lat), avgBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length },
      department: { open: deptInfo.count, coldBuildMs: deptBuildMs },
    }
    if (deptInfo.count !== deptOpen) throw new Error(`department scope: mapInfo ${deptInfo.count} ≠ ${deptOpen} open in its department`)
    recordTarget({
      section: 'tiles', name: `problems' first view (problem.mapInfo + ${tiles} tiles at z${zoom}), ${(OPEN / 1000).toFixed(0)} k open`, measured: result.firstView.bytes / 1e6, goal: 2, compare: '≤', unit: 'MB',
      note: problemMapGeojson ? `problem.map GeoJSON of the same ≈ ${(problemMapGeojson.bytes / 1e6).toFixed(0)} MB (scaled from one department's ${problemMapGeojson.extrapolatedFrom} problems)` : undefined,
    })
    recordTarget({
      section: 'tiles', name: `problem tile request p50 (${lat.length} distinct tiles z${zoom}–${zoom + 6}, each cut once)`, measured: result.tileLatency.p50, goal: 50, compare: '≤', unit: 'ms',
      note: `p90 ${result.tileLatency.p90.toFixed(1)} ms, p99 ${result.tileLatency.p99.toFixed(1)} ms; cold index build (first mapInfo) ${(coldBuildMs / 1000).toFixed(1)} s`,
    })
    return result
  } finally {
    await server.stop()
  }
}

export function formatProblemTiles(r: ProblemTilesResult): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`
  return [
    `${r.openProblems.toLocaleString('en')} open problems (inserted in ${(r.insertMs / 1000).toFixed(1)} s); first problem.mapInfo, which loads them and builds the leader's cluster index: ${(r.coldBuildMs / 1000).toFixed(1)} s; a department's (${r.department.open.toLocaleString('en')} open): ${(r.department.coldBuildMs / 1000).toFixed(2)} s`,
    '',
    '| measure | value |',
    '|---|---|',
    `| first view (1280×800 fitted to the city, z${r.firstView.zoom}) | ${r.firstView.tiles} tiles + mapInfo = ${kb(r.firstView.bytes)} in ${r.firstView.ms.toFixed(0)} ms |`,
    `| problem.map GeoJSON (before) | ${r.problemMapGeojson ? `≈ ${(r.problemMapGeojson.bytes / 1e6).toFixed(1)} MB, ≈ ${(r.problemMapGeojson.ms / 1000).toFixed(0)} s (scaled from one department's ${r.problemMapGeojson.extrapolatedFrom.toLocaleString('en')})` : 'not measured'} |`,
    `| tile latency, ${r.tileLatency.requests} distinct tiles | p50 ${r.tileLatency.p50.toFixed(1)} ms · p90 ${r.tileLatency.p90.toFixed(1)} · p99 ${r.tileLatency.p99.toFixed(1)} · max ${r.tileLatency.max.toFixed(0)} ms · ${kb(r.tileLatency.avgBytes)} avg |`,
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick')
  const r = await benchProblemTiles({ quick, log: (s) => console.error(s) })
  console.log(formatProblemTiles(r))
}
