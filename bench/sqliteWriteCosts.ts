/**
 * What SQLite's part of an import costs, in parts: N problems and their 'report' events inserted as the
 * import's writer thread inserts them (server/workers/importWriterThread.ts: one prepared INSERT per
 * problem and per event, one BEGIN IMMEDIATE … COMMIT, the same cache and pragmas) into a copy of a
 * 20,000-grid synthetic city, with
 *   base        the schema as it is (foreign keys on, every index)
 *   nofk        foreign_keys = OFF (no reference lookup per row)
 *   noevents    the problems only (no 'report' event rows)
 *   noidx       Problem's and ProblemEvent's secondary indexes dropped (the primary keys and externalId's unique index kept)
 * and their combinations, each variant three times, interleaved. Nothing else runs: the rows are made
 * before the clock starts. This is the ceiling of the writer thread, which is the import's slowest
 * stage on SQLite (the main thread waits for it; bench/results/<date>-sqlite-write-costs.json).
 *   npx tsx bench/sqliteWriteCosts.ts [rows=200000] [variants=base,nofk,noevents,nofk+noevents,noidx,noidx+nofk+noevents]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { migrateDeploy } from '../prisma/migrate.ts'
import { createDb } from '../server/db/client.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { EVENT_COLUMNS, PROBLEM_COLUMNS, SQLITE_IMPORT_CACHE_KIB, sqliteInsertSql } from '../server/services/importWriter.ts'
import { loadSyntheticCity } from './loadCity.ts'
import { median } from './assignment.ts'

const N = Number(process.argv[2] ?? 200_000)
const VARIANTS = (process.argv[3] ?? 'base,nofk,noevents,nofk+noevents,noidx,noidx+nofk+noevents').split(',')
const GRIDS = 20_000
const dir = path.resolve('var/bench')
fs.mkdirSync(dir, { recursive: true })
const city = path.join(dir, `write-costs-city-${GRIDS}.db`)
if (!fs.existsSync(city)) {
  await migrateDeploy({ provider: 'sqlite', file: city })
  const db = await createDb({ provider: 'sqlite', file: city })
  await loadSyntheticCity(db, GRIDS, 7)
  await db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)')
  await db.$disconnect()
}

function trial(variant: string) {
  const file = path.join(dir, 'write-costs-trial.db')
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  fs.copyFileSync(city, file)
  const c = new Database(file)
  c.pragma('journal_mode = WAL')
  if (variant.includes('noidx')) {
    for (const name of c.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('Problem', 'ProblemEvent') AND sql IS NOT NULL AND name <> 'Problem_externalId_key'`).pluck().all() as string[]) c.exec(`DROP INDEX "${name}"`)
  }
  // the writer thread's connection (importWriterThread.ts)
  c.pragma(`foreign_keys = ${variant.includes('nofk') ? 'OFF' : 'ON'}`)
  c.pragma(`cache_size = -${SQLITE_IMPORT_CACHE_KIB}`)
  c.pragma('wal_autocheckpoint = 0')
  const grids = c.prepare('SELECT id FROM "Grid"').pluck().all() as number[]
  const deps = c.prepare('SELECT id FROM "Department"').pluck().all() as number[]
  const cats = c.prepare('SELECT code FROM "ProblemCategory"').pluck().all() as string[]
  const user = c.prepare('SELECT id FROM "User" LIMIT 1').pluck().get() as number
  const now = '2026-12-02T00:00:00.000+00:00'
  const batch = Number(c.prepare(`INSERT INTO "ImportBatch" ("fileName","fileHash","coordSystem","mode","total","skipped","failed","createdById","createdAt","imported","report") VALUES ('bench.csv','h','wgs84','good-rows',0,0,0,?,?,0,'[]')`).run(user, now).lastInsertRowid)
  const r = mulberry32(11)
  const two = (v: number) => String(v).padStart(2, '0')
  const rows: unknown[][] = new Array(N)
  for (let i = 0; i < N; i++) {
    const day = 1 + Math.floor(r() * 28)
    const reportedAt = `2026-10-${two(day)}T${two(Math.floor(r() * 24))}:${two(Math.floor(r() * 60))}:00.000+00:00`
    const dep = deps[Math.floor(r() * deps.length)]!
    const cells: Record<(typeof PROBLEM_COLUMNS)[number], unknown> = {
      id: i + 1, lng: 108.9 + r() / 10, lat: 34.2 + r() / 10, gridId: grids[Math.floor(r() * grids.length)], departmentId: dep, categoryCode: cats[i % cats.length],
      supervisingDepartmentId: dep, routingRuleId: null, description: `台账问题${i}`, status: 'reported', priority: 'normal',
      deadline: `2026-11-${two(1 + (day % 28))}T15:59:59.999+00:00`, reporterId: user, reporterName: '管理员', source: 'import', externalId: `bench:L${i}`,
      boundaryGridIds: null, reboundOfId: null, reportedAt, createdAt: now, updatedAt: now, importBatchId: batch, importRow: i + 2,
    }
    rows[i] = PROBLEM_COLUMNS.map((k) => cells[k])
  }
  const insertProblem = c.prepare(sqliteInsertSql('Problem', PROBLEM_COLUMNS)), insertEvent = c.prepare(sqliteInsertSql('ProblemEvent', EVENT_COLUMNS))
  const events = !variant.includes('noevents')
  const event: Record<(typeof EVENT_COLUMNS)[number], unknown> = { problemId: 0, action: 'report', fromStatus: null, toStatus: 'reported', actorId: user, at: now, note: `导入批次 #${batch}` }
  const ev = EVENT_COLUMNS.map((k) => event[k]), problemIdAt = EVENT_COLUMNS.indexOf('problemId')
  const t0 = performance.now()
  c.exec('BEGIN IMMEDIATE')
  for (let i = 0; i < N; i++) {
    insertProblem.run(rows[i]!)
    if (events) { ev[problemIdAt] = i + 1; insertEvent.run(ev) }
  }
  const t1 = performance.now()
  c.exec('COMMIT')
  const t2 = performance.now()
  c.close()
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  return { variant, rows: N, insertMs: Math.round(t1 - t0), commitMs: Math.round(t2 - t1), rowsPerSecond: Math.round(N / ((t2 - t0) / 1000)), usPerRow: Number((((t2 - t0) * 1000) / N).toFixed(1)) }
}

const runs: ReturnType<typeof trial>[] = []
for (let round = 0; round < 3; round++) {
  for (const v of VARIANTS) {
    const x = trial(v)
    runs.push(x)
    console.log(`${v.padEnd(22)} ${x.rowsPerSecond} rows/s (${x.usPerRow} µs/row: insert ${x.insertMs} ms, commit ${x.commitMs} ms)`)
  }
}
const summary = VARIANTS.map((v) => {
  const mine = runs.filter((x) => x.variant === v)
  return { variant: v, medianRowsPerSecond: median(mine.map((x) => x.rowsPerSecond)), medianUsPerRow: median(mine.map((x) => x.usPerRow)) }
})
console.table(summary)
const out = path.join('bench/results', `${new Date().toISOString().slice(0, 10)}-sqlite-write-costs.json`)
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), grids: GRIDS, rows: N, cpu: os.cpus()[0]?.model, loadAverage: os.loadavg(), summary, runs }, null, 2) + '\n')
console.log(`wrote ${out}`)
