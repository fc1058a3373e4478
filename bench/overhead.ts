/**
 * Issue 14, target 1: what a request costs beyond its work. A GridDuty server in its own process
 * (bench/serve.ts) on the demo city; autocannon at full speed (10 connections) against /healthz (Node
 * HTTP, no database, no tRPC: the floor of this machine at this moment), then auth.me (session + tRPC,
 * nothing else) and grid.locate (an in-memory lookup), one after the other in the same run, each
 * repeated `rounds` times interleaved so that load from other processes hits all of them alike.
 */
import fs from 'node:fs'
import path from 'node:path'
import autocannon from 'autocannon'
import { migrateDeploy } from '../prisma/migrate.ts'
import { seedDemo } from '../prisma/seed.ts'
import { createDb } from '../server/db/client.ts'
import type { DbConfig } from '../server/db/config.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { sessionCookie, startServerProcess } from './load.ts'
import { median } from './assignment.ts'
import { recordTarget } from './targets.ts'

export interface OverheadRun { name: string; reqPerSec: number; p50: number; p99: number; errors: number; non2xx: number }
export interface OverheadResult { database: string; rounds: number; seconds: number; runs: OverheadRun[]; ratios: Record<string, number> }

async function full(url: string, cookie: string, paths: string[], seconds: number) {
  let i = 0
  const r = await autocannon({
    url, connections: 10, duration: seconds, headers: { cookie },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
  })
  return { reqPerSec: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx }
}

/** a fresh demo-city database for the run */
export async function demoDatabase(config: DbConfig): Promise<void> {
  await migrateDeploy(config)
  const db = await createDb(config)
  try { await seedDemo(db) } finally { await db.$disconnect() }
}

export async function benchOverhead(opts: { config: DbConfig; database: string; quick: boolean; log?: (s: string) => void }): Promise<OverheadResult> {
  const log = opts.log ?? (() => {})
  const seconds = opts.quick ? 3 : 5
  const rounds = opts.quick ? 3 : 5
  const server = await startServerProcess(opts.config)
  try {
    const cookie = await sessionCookie(server.url)
    const input = (o: unknown) => `input=${encodeURIComponent(JSON.stringify(o))}`
    // points over the demo city's bbox (most inside a grid)
    const rnd = mulberry32(7)
    const labels = await (await fetch(`${server.url}/trpc/grid.labels?${input({ level: 'community' })}`, { headers: { cookie } })).json() as { result: { data: { features: { geometry: { coordinates: [number, number] } }[] } } }
    const pts = labels.result.data.features.map((f) => ({ lng: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }))
    if (!pts.length) throw new Error('grid.labels returned no grid')
    const locate = Array.from({ length: 500 }, (_, k) => { const p = pts[k % pts.length]!; return `/trpc/grid.locate?${input({ lng: p.lng + (rnd() - 0.5) * 0.002, lat: p.lat + (rnd() - 0.5) * 0.002 })}` })
    const kinds: [string, string[]][] = [['/healthz', ['/healthz']], ['auth.me', ['/trpc/auth.me']], ['grid.locate', locate]]
    const acc = new Map<string, OverheadRun[]>()
    for (let r = 0; r < rounds; r++) {
      for (const [name, paths] of kinds) {
        log(`overhead (${opts.database}): ${name}, round ${r + 1}/${rounds}…`)
        const m = await full(server.url, cookie, paths, seconds)
        acc.set(name, [...(acc.get(name) ?? []), { name, ...m }])
      }
    }
    // the median round of each kind
    const runs = kinds.map(([name]) => {
      const xs = [...acc.get(name)!].sort((a, b) => a.reqPerSec - b.reqPerSec)
      return xs[Math.floor(xs.length / 2)]!
    })
    const floor = runs[0]!.reqPerSec
    // each round's ratio to that round's /healthz, then the median round: load from other processes
    // moves a kind and the floor measured seconds apart alike (as bench/assignment.ts does)
    const perRound = (name: string) => acc.get(name)!.map((r, i) => r.reqPerSec / acc.get('/healthz')![i]!.reqPerSec)
    const ratios = Object.fromEntries(runs.slice(1).map((r) => [r.name, median(perRound(r.name))]))
    const rounds_ = (name: string) => perRound(name).map((x) => (100 * x).toFixed(1)).join(', ')
    const note = `/healthz ${floor.toFixed(0)} req/s in the same run (median round); per-round ratios auth.me ${rounds_('auth.me')} %, grid.locate ${rounds_('grid.locate')} %`
    recordTarget({ section: 'overhead', name: `auth.me ÷ /healthz throughput (${opts.database})`, measured: 100 * ratios['auth.me']!, goal: 40, compare: '≥', unit: '%', note })
    recordTarget({ section: 'overhead', name: `grid.locate ÷ /healthz throughput (${opts.database})`, measured: 100 * ratios['grid.locate']!, goal: 35, compare: '≥', unit: '%', note })
    recordTarget({ section: 'overhead', name: `grid.locate p99 at 10 connections (${opts.database})`, measured: runs[2]!.p99, goal: 20, compare: '≤', unit: 'ms' })
    for (const r of runs) if (r.errors || r.non2xx) throw new Error(`${r.name}: ${r.errors} errors, ${r.non2xx} non-2xx`)
    return { database: opts.database, rounds, seconds, runs, ratios }
  } finally { await server.stop() }
}

export function formatOverhead(results: OverheadResult[]): string {
  const out = ['| database | request | req/s (median of rounds) | ÷ /healthz | p50 ms | p99 ms |', '|---|---|---|---|---|---|']
  for (const res of results) for (const r of res.runs) {
    out.push(`| ${res.database} | ${r.name} | ${r.reqPerSec.toFixed(0)} | ${r.name === '/healthz' ? '100 %' : `${(100 * res.ratios[r.name]!).toFixed(0)} %`} | ${r.p50} | ${r.p99} |`)
  }
  return out.join('\n')
}

// standalone: `npx tsx bench/overhead.ts` (SQLite demo city in var/bench/)
if (import.meta.url === `file://${process.argv[1]}`) {
  fs.mkdirSync('var/bench', { recursive: true })
  const file = path.resolve('var/bench/overhead.db')
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  const config: DbConfig = { provider: 'sqlite', file }
  await demoDatabase(config)
  const r = await benchOverhead({ config, database: 'SQLite', quick: process.argv.includes('--quick'), log: (s) => console.error(s) })
  console.log(formatOverhead([r]))
}
