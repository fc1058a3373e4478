/**
 * GridDuty's benchmark, one command: `npm run bench` (full: 1,000,000 points and problems, about
 * 10–20 minutes on 2 cores) or `npm run bench -- --quick` (100,000 points / 50,000 problems).
 *   --sections=assignment,postgis,import,load,map   pick sections (default: all)
 *   --grids=20000                                   grids of the city used by import/load/map
 * Prints Markdown tables and writes everything to bench/results/<date>.json. Every ratio is
 * against a baseline measured in this same run. Nothing here runs in CI.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { migrateDeploy } from '../prisma/migrate.ts'
import { createDb } from '../server/db/client.ts'
import type { DbConfig } from '../server/db/config.ts'
import { GridCatalog } from '../server/services/gridCatalog.ts'
import { createDatabase, startPostgres, type PgServer } from '../scripts/localPostgres.ts'
import { benchAssignment, formatAssignment, type AssignmentBenchResult } from './assignment.ts'
import { benchImport, benchLedgerImport, type ImportResult, type LedgerImportResult } from './importProblems.ts'
import { benchLedgerPreview, type LedgerPreviewResult } from './importProblems.ts'
import { benchLoad, startServerProcess, type LoadBench } from './load.ts'
import { loadSyntheticCity, type LoadedCity } from './loadCity.ts'
import { benchMap, type MapResult } from './map.ts'
import { ensureClientBuilt } from '../tests/support/appServer.ts'
import { benchPostgis, type PostgisResult } from './postgis.ts'
import { syntheticCity } from './syntheticCity.ts'
import { benchOverhead, demoDatabase, formatOverhead, type OverheadResult } from './overhead.ts'
import { benchProblemTiles, formatProblemTiles, type ProblemTilesResult } from './problemTiles.ts'
import { benchPhone, formatPhone, type PhoneRun } from './phone.ts'
import { formatTargets, recordedTargets, type TargetResult } from './targets.ts'
import { benchCoverage, type CoverageBench } from './coverage.ts'

const argv = process.argv.slice(2)
const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const quick = argv.includes('--quick')
const ALL = ['assignment', 'postgis', 'import', 'load', 'map', 'overhead', 'tiles', 'phone', 'coverage'] as const
const sections = new Set((flag('sections') ?? ALL.join(',')).split(','))
for (const s of sections) if (!(ALL as readonly string[]).includes(s)) throw new Error(`unknown section ${s} (have: ${ALL.join(', ')})`)
const GRIDS = Number(flag('grids') ?? 20_000)
const POINTS = Number(flag('points') ?? (quick ? 100_000 : 1_000_000))
const PROBLEMS = Number(flag('problems') ?? (quick ? 50_000 : 1_000_000))
/** rows timed through Prisma (the rest by the driver): Prisma 7's createMany runs ~1–2 k rows/s here */
const PRISMA_ROWS = Number(flag('prisma-rows') ?? (quick ? 10_000 : 100_000))
const SIZES = [2000, 20_000]
/** rows of the ledger imported end to end through GridDuty's import (bench/importProblems.ts benchLedgerImport) */
const LEDGER_ROWS = Number(flag('ledger-rows') ?? (quick ? 200_000 : 1_000_000))
const SEED = 20260101

const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`)
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0))
const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`

interface Results {
  date: string
  quick: boolean
  machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; platform: string }
  params: { grids: number; points: number; problems: number; prismaRows: number; sizes: number[] }
  assignment?: AssignmentBenchResult
  postgis?: PostgisResult[] | { skipped: string }
  city?: Record<string, LoadedCity>
  import?: ImportResult[]
  ledgerImport?: LedgerImportResult[]
  ledgerPreview?: LedgerPreviewResult[]
  load?: Record<string, LoadBench>
  map?: MapResult[]
  coverage?: CoverageBench[]
  overhead?: OverheadResult[]
  /** target 3: open problems as cluster tiles (bench/problemTiles.ts) */
  tiles?: ProblemTilesResult
  /** target 6: login → first map on a throttled phone (bench/phone.ts) */
  phone?: PhoneRun[]
  /** issue 14's targets, PASS/FAIL (bench/targets.ts) */
  targets?: TargetResult[]
  errors: string[]
}

const results: Results = {
  date: new Date().toISOString(), quick,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', memoryGB: Math.round(os.totalmem() / 1e9), node: process.version, platform: `${os.platform()} ${os.release()}` },
  params: { grids: GRIDS, points: POINTS, problems: PROBLEMS, prismaRows: PRISMA_ROWS, sizes: SIZES }, errors: [],
}

let pgServer: PgServer | null = null
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => { void (pgServer?.stop() ?? Promise.resolve()).finally(() => process.exit(130)) })
}
const needsPg = sections.has('postgis') || sections.has('import') || sections.has('load') || sections.has('overhead') || sections.has('coverage')
const stops: (() => Promise<void>)[] = []

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  if (!sections.has(name)) return
  try { await fn() } catch (e) {
    const msg = `${name}: ${(e as Error).stack ?? e}`
    log(`!! ${msg}`)
    results.errors.push(msg)
  }
}

try {
  await section('assignment', async () => {
    results.assignment = await benchAssignment({ sizes: SIZES, points: POINTS, seed: SEED, log })
  })

  if (needsPg) {
    try { pgServer = await startPostgres() } catch (e) { results.errors.push(`PostgreSQL: ${(e as Error).message}`); log(`no PostgreSQL: ${(e as Error).message}`) }
  }

  await section('postgis', async () => {
    if (!pgServer) { results.postgis = { skipped: 'no PostgreSQL server' }; return }
    const url = await createDatabase(pgServer, 'bench_postgis')
    const out: PostgisResult[] = []
    for (const n of SIZES) {
      const base = results.assignment?.sizes.find((s) => s.polygons === n)?.methods[1]?.pointsPerSecond ?? NaN
      try { out.push(await benchPostgis(url, n, POINTS, SEED, base, log)) } catch (e) {
        if (/postgis/i.test((e as Error).message) && /extension|control file/i.test((e as Error).message)) { results.postgis = { skipped: `PostGIS not installed: ${(e as Error).message}` }; return }
        throw e
      }
    }
    results.postgis = out
  })

  // the synthetic city in a GridDuty database: SQLite always, PostgreSQL when available
  const cities: { kind: 'sqlite' | 'postgres'; config: DbConfig }[] = []
  if (sections.has('import') || sections.has('load') || sections.has('map')) {
    fs.mkdirSync('var/bench', { recursive: true })
    const file = path.resolve(`var/bench/city-${GRIDS}.db`)
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
    cities.push({ kind: 'sqlite', config: { provider: 'sqlite', file } })
    if (pgServer && (sections.has('import') || sections.has('load'))) cities.push({ kind: 'postgres', config: { provider: 'postgres', url: await createDatabase(pgServer, 'bench_city') } })
    results.city = {}
    for (const c of cities) {
      log(`loading the ${GRIDS}-grid synthetic city into ${c.kind}…`)
      await migrateDeploy(c.config)
      const db = await createDb(c.config)
      try { results.city[c.kind] = await loadSyntheticCity(db, GRIDS, SEED) } finally { await db.$disconnect() }
    }
  }
  const bbox = syntheticCity(GRIDS, SEED).bbox

  await section('import', async () => {
    results.import = []
    for (const c of cities) {
      const db = await createDb(c.config)
      try {
        const catalog = await GridCatalog.load(db)
        results.import.push(await benchImport({ config: c.config, db, catalog, bbox, rows: PROBLEMS, prismaRows: PRISMA_ROWS, log }))
        // GridDuty's own ledger import end to end (parse → check → driver commit), issue 14 target 4
        ;(results.ledgerImport ??= []).push(await benchLedgerImport({ config: c.config, db, catalog, bbox, rows: LEDGER_ROWS, log }))
        // the read side alone through the HTTP route's code (previewImport: heavy-task pool, then grids), with its memory
        ;(results.ledgerPreview ??= []).push(await benchLedgerPreview({ config: c.config, db, catalog, bbox, rows: LEDGER_ROWS, log }))
      } finally { await db.$disconnect() }
    }
  })

  await section('load', async () => {
    results.load = {}
    for (const c of cities) {
      const server = await startServerProcess(c.config)
      stops.push(server.stop)
      try { results.load[c.kind] = await benchLoad({ url: server.url, bbox, quick, departmentIds: results.city?.[c.kind]?.departmentIds ?? [1], log }) } finally { await server.stop() }
    }
  })

  await section('map', async () => {
    const staticDir = await ensureClientBuilt()
    const sqlite = cities.find((c) => c.kind === 'sqlite')!
    const server = await startServerProcess(sqlite.config, staticDir)
    try { results.map = await benchMap({ url: server.url, modes: ['geojson', 'tiles'], minGrids: Math.min(1000, GRIDS / 4), log }) } finally { await server.stop() }
  })
  // issue 14 target 1: per-request overhead on the demo city (bench/overhead.ts)
  await section('overhead', async () => {
    results.overhead = []
    fs.mkdirSync('var/bench', { recursive: true })
    const file = path.resolve('var/bench/overhead.db')
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
    const targets: [string, DbConfig][] = [['SQLite', { provider: 'sqlite', file }]]
    if (pgServer) targets.push(['PostgreSQL', { provider: 'postgres', url: await createDatabase(pgServer, 'bench_overhead') }])
    for (const [name, config] of targets) {
      await demoDatabase(config)
      results.overhead.push(await benchOverhead({ config, database: name, quick, log }))
    }
  })

  await section('tiles', async () => {
    results.tiles = await benchProblemTiles({ quick, log })
  })

  await section('phone', async () => {
    results.phone = await benchPhone({ log })
  })

  // coverage at scale (bench/coverage.ts): its own databases, the city with 12 months of inspections
  await section('coverage', async () => {
    results.coverage = []
    fs.mkdirSync('var/bench', { recursive: true })
    const file = path.resolve(`var/bench/coverage-${GRIDS}.db`)
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
    const configs: DbConfig[] = [{ provider: 'sqlite', file }]
    if (pgServer) configs.push({ provider: 'postgres', url: await createDatabase(pgServer, 'bench_coverage') })
    for (const config of configs) results.coverage.push(await benchCoverage({ config, grids: GRIDS, problems: PROBLEMS, quick, seed: SEED, log }))
  })
} finally {
  await pgServer?.stop().catch(() => {})
}

// ---- report
const lines: string[] = []
const m = results.machine
lines.push(`# GridDuty benchmark ${results.date.slice(0, 10)}${quick ? ' (quick)' : ''}`)
lines.push(`${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, Node ${m.node}, ${m.platform}`)
if (results.assignment) {
  lines.push('\n## Point → grid assignment')
  lines.push(formatAssignment(results.assignment))
}
if (results.postgis && Array.isArray(results.postgis)) {
  lines.push('\n## PostGIS (same polygons and points; × = against the flatbush + turf baseline above)')
  lines.push('| grids | method | points/s | × baseline | ≠ GridDuty | points in 2+ grids | load / GiST build |')
  lines.push('|---|---|---|---|---|---|---|')
  for (const p of results.postgis) for (const v of p.variants) {
    lines.push(`| ${p.polygons} | ${v.name} (PostGIS ${p.postgis}) | ${fmt(v.pointsPerSecond)} | ${v.ratioToBaseline.toFixed(2)} | ${v.disagreements} | ${v.multiMatches} | ${(p.loadMs / 1000).toFixed(1)} s / ${(p.indexMs / 1000).toFixed(1)} s |`)
  }
} else if (results.postgis) lines.push(`\nPostGIS: skipped (${(results.postgis as { skipped: string }).skipped})`)
if (results.city) {
  lines.push('\n## Synthetic city loaded into GridDuty')
  for (const [k, c] of Object.entries(results.city)) lines.push(`- ${k}: ${c.grids} unit grids + ${c.streets} streets, ${c.holders} holders, ${c.inspections} inspections this month, ${(c.ms / 1000).toFixed(1)} s`)
}
if (results.import?.length) {
  lines.push('\n## Bulk import of problems (grid assignment by the index + Prisma createMany in transactions)')
  lines.push('| database | rows | in a grid | GridDuty (Prisma) rows/s | of which assignment | driver only rows/s | GridDuty ÷ driver |')
  lines.push('|---|---|---|---|---|---|---|')
  for (const r of results.import) lines.push(`| ${r.database} | ${fmt(r.rows)} | ${(100 * r.assigned / r.rows).toFixed(0)}% | ${fmt(r.prisma.rowsPerSecond)} (${fmt(r.prisma.rows)} rows in ${(r.prisma.ms / 1000).toFixed(1)} s) | ${(r.prisma.assignMs / 1000).toFixed(2)} s | ${fmt(r.driver.rowsPerSecond)} (${(r.driver.ms / 1000).toFixed(1)} s) | ${r.ratio.toFixed(2)} |`)
}
if (results.load) {
  lines.push(`\n## Latency under a fixed request rate (autocannon, loopback, ${GRIDS}-grid city${results.import?.length ? `, ${fmt(PROBLEMS)} problems` : ''})`)
  lines.push('| database | request | rate (req/s) | requests | p50 ms | p90 ms | p99 ms | max ms | errors / non-2xx / timeouts | bytes/resp |')
  lines.push('|---|---|---|---|---|---|---|---|---|---|')
  for (const [db, lb] of Object.entries(results.load)) for (const r of lb.runs) {
    lines.push(`| ${db} | ${r.name} | ${r.rate} | ${r.requests} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} | ${r.errors} / ${r.non2xx} / ${r.timeouts} | ${fmt(r.avgBytes)} |`)
  }
}
if (results.load) {
  for (const [db, lb] of Object.entries(results.load)) {
    lines.push(`- ${db}: one grid.list of the city ${lb.oneGridList.ms.toFixed(0)} ms, ${mb(lb.oneGridList.bytes)}; one grid.status ${lb.oneGridStatus.ms.toFixed(0)} ms, ${mb(lb.oneGridStatus.bytes)}; first cut of ${lb.coldTiles.tiles} z14 tiles ${(lb.coldTiles.ms / 1000).toFixed(1)} s (${(lb.coldTiles.ms / lb.coldTiles.tiles).toFixed(0)} ms each, sequential)`)
  }
}
if (results.map?.length) {
  lines.push(`\n## The ${GRIDS}-grid map in headless Chromium (software WebGL)`)
  lines.push('| mode | first visit until idle | its payload (tiles) | reload until idle | grids drawn | reload payload (tRPC + tiles) | frames in a 2 s pan | month change | refetched on month change |')
  lines.push('|---|---|---|---|---|---|---|---|---|')
  const base = results.map.find((r) => r.mode === 'geojson')
  for (const r of results.map) {
    const ratio = base && r !== base && r.loadMs && base.loadMs ? ` (${(base.loadMs / r.loadMs).toFixed(1)}× faster)` : ''
    lines.push(r.error ? `| ${r.mode} | failed: ${r.error} ||||||||`
      : `| ${r.mode} | ${(r.firstVisit.ms / 1000).toFixed(1)} s | ${mb(r.firstVisit.bytes)} (${r.firstVisit.tileRequests}) | ${(r.loadMs / 1000).toFixed(1)} s${ratio} | ${r.renderedGrids} | ${mb(r.bytes.trpc)} + ${mb(r.bytes.tiles)} (${r.bytes.tileRequests} tiles) | ${r.panFramesIn2s} | ${r.monthChange ? `${(r.monthChange.ms / 1000).toFixed(1)} s` : '–'} | ${r.monthChange ? `${mb(r.monthChange.bytes)}, ${r.monthChange.tileRequests} tiles` : '–'} |`)
  }
}
if (results.overhead?.length) lines.push(`\n## Per-request overhead (demo city, autocannon 10 connections at full speed)\n${formatOverhead(results.overhead)}`)
if (results.tiles) lines.push(`\n## Open problems as cluster tiles (target 3)\n${formatProblemTiles(results.tiles)}`)
if (results.phone) lines.push(`\n## The phone: login → first map, demo city (target 6)\n${formatPhone(results.phone)}`)
results.targets = [...recordedTargets()]
if (results.targets.length) lines.push(`\n## Targets (issue 14)\n${formatTargets(results.targets)}`)
if (results.errors.length) lines.push(`\n## Errors\n${results.errors.map((e) => `- ${e.split('\n')[0]}`).join('\n')}`)
console.log(lines.join('\n'))

fs.mkdirSync('bench/results', { recursive: true })
const out = path.join('bench/results', `${results.date.slice(0, 10)}${quick ? '-quick' : ''}${flag('sections') ? `-${[...sections].join('-')}` : ''}.json`)
fs.writeFileSync(out, JSON.stringify({ ...results, table: lines.join('\n') }, null, 2))
log(`wrote ${out}`)
process.exitCode = results.errors.length ? 1 : 0
