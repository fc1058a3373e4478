/**
 * Latency under a bounded load on loopback (autocannon at a fixed overall request rate) against a
 * GridDuty server process (bench/serve.ts) on the synthetic city. The floor is /healthz at the same
 * rate: no database, no tRPC.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import autocannon from 'autocannon'
import type { DbConfig } from '../server/db/config.ts'
import { mulberry32 } from '../server/domain/random.ts'

export interface RunningServer { url: string; proc: ChildProcess; stop(): Promise<void> }

export async function startServerProcess(config: DbConfig, staticDir?: string): Promise<RunningServer> {
  const tsx = path.resolve('node_modules/tsx/dist/cli.mjs')
  const proc = spawn(process.execPath, [tsx, path.resolve('bench/serve.ts')], {
    env: { ...process.env, BENCH_DB: JSON.stringify(config), BENCH_STATIC: staticDir ?? '' }, stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let buf = ''
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      const m = /READY (\S+)/.exec(buf)
      if (m) resolve(m[1]!)
    })
    proc.once('exit', (code) => reject(new Error(`bench server exited (${code})`)))
  })
  return {
    url, proc,
    stop: () => new Promise((r) => { proc.once('exit', () => r()); proc.kill('SIGTERM') }),
  }
}

export async function sessionCookie(url: string, login = 'leader'): Promise<string> {
  const res = await fetch(`${url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}123` }) })
  if (!res.ok) throw new Error(`login ${login}: HTTP ${res.status}`)
  return res.headers.getSetCookie()[0]!.split(';')[0]!
}

export interface LoadResult {
  name: string
  rate: number
  seconds: number
  requests: number
  p50: number
  p90: number
  p99: number
  max: number
  errors: number
  non2xx: number
  timeouts: number
  avgBytes: number
}

function tileOf(lng: number, lat: number, z: number): [number, number] {
  const n = 2 ** z, r = (lat * Math.PI) / 180
  return [Math.floor(((lng + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)]
}

async function fire(url: string, cookie: string, name: string, rate: number, seconds: number, paths: string[]): Promise<LoadResult> {
  let i = 0
  const res = await autocannon({
    url, connections: Math.min(50, Math.max(2, Math.ceil(rate / 10))), overallRate: rate, duration: seconds, timeout: 30,
    headers: { cookie, 'accept-encoding': 'gzip' },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
  })
  return {
    name, rate, seconds, requests: res.requests.total, p50: res.latency.p50, p90: res.latency.p90, p99: res.latency.p99, max: res.latency.max,
    errors: res.errors, non2xx: res.non2xx, timeouts: res.timeouts, avgBytes: res.requests.total ? res.throughput.total / res.requests.total : 0,
  }
}

export interface LoadBench { runs: LoadResult[]; coldTiles: { tiles: number; ms: number }; oneGridList: { ms: number; bytes: number }; oneGridStatus: { ms: number; bytes: number } }

export async function benchLoad(opts: { url: string; bbox: [number, number, number, number]; quick: boolean; departmentIds: number[]; log?: (s: string) => void }): Promise<LoadBench> {
  const { url, bbox } = opts
  const departments = opts.departmentIds
  const log = opts.log ?? (() => {})
  const cookie = await sessionCookie(url)
  const seconds = opts.quick ? 3 : 10
  const r = mulberry32(99)
  const [x0, y0, x1, y1] = bbox
  const pts = Array.from({ length: 2000 }, () => [x0 + (x1 - x0) * r(), y0 + (y1 - y0) * r()] as const)
  const input = (o: unknown) => `input=${encodeURIComponent(JSON.stringify(o))}`
  const locate = pts.map(([lng, lat]) => `/trpc/grid.locate?${input({ lng, lat })}`)
  const tiles = pts.map(([lng, lat]) => { const [x, y] = tileOf(lng, lat, 14); return `/tiles/grids/community/14/${x}/${y}.pbf` })

  // the first grid.status; then every distinct z14 tile once, sequentially: geojson-vt cuts each
  // tile on first demand (the load below then measures serving, not cutting)
  let t = performance.now()
  const statusBytes = (await (await fetch(`${url}/trpc/grid.status?${input({ level: 'community' })}`, { headers: { cookie } })).arrayBuffer()).byteLength
  const oneGridStatus = { ms: performance.now() - t, bytes: statusBytes }
  const distinct = [...new Set(tiles)]
  t = performance.now()
  for (const p of distinct) await (await fetch(url + p, { headers: { cookie } })).arrayBuffer()
  const coldTiles = { tiles: distinct.length, ms: performance.now() - t }
  log(`load: first cut of ${distinct.length} z14 tiles: ${(coldTiles.ms / 1000).toFixed(1)} s`)
  t = performance.now()
  const listRes = await fetch(`${url}/trpc/grid.list?${input({ level: 'community' })}`, { headers: { cookie } })
  const listBytes = (await listRes.arrayBuffer()).byteLength
  const listMs = performance.now() - t
  log(`load: one grid.list of the city takes ${listMs.toFixed(0)} ms, ${(listBytes / 1e6).toFixed(1)} MB`)
  // grid.list returns every boundary (tens of MB at 20,000 grids): a low fixed rate, sized so it is not saturated
  const listRate = Math.max(1, Math.min(20, Math.floor(500 / listMs)))

  const runs: [string, number, string[]][] = [
    ['/healthz (floor)', 200, ['/healthz']],
    ['grid.locate', 200, locate],
    ['tile z14 (vector tiles)', 200, tiles],
    ['grid.status (community)', 10, [`/trpc/grid.status?${input({ level: 'community' })}`]],
    ['grid.list (community)', listRate, [`/trpc/grid.list?${input({ level: 'community' })}`]],
    // the list procedures on the problem table: a department's newest open problems, one grid's
    ['problem.list (department, open)', 50, departments.map((d) => `/trpc/problem.list?${input({ departmentId: d, open: true })}`)],
    ['problem.list (department, all)', 50, departments.map((d) => `/trpc/problem.list?${input({ departmentId: d })}`)],
    ['problem.list (grid)', 50, pts.slice(0, 200).map((_, k) => `/trpc/problem.list?${input({ gridId: 1 + ((k * 97) % 20000) })}`)],
  ]
  const out: LoadResult[] = []
  for (const [name, rate, paths] of runs) {
    log(`load: ${name} at ${rate} req/s for ${seconds} s…`)
    out.push(await fire(url, cookie, name, rate, seconds, paths))
  }
  return { runs: out, coldTiles, oneGridList: { ms: listMs, bytes: listBytes }, oneGridStatus }
}
