/**
 * Bulk import of problems, GridDuty's way: each point assigned by the grid index (the finest grid
 * containing it) and to that grid's holder, then Prisma `createMany` in batches, several batches
 * per transaction. The baseline is the database driver alone (better-sqlite3 prepared statement /
 * pg multi-row INSERT from unnest arrays) writing the same rows, measured on the same database just
 * before (then removed again), so the ratio is "what Prisma costs" on that database.
 */
import Database from 'better-sqlite3'
import os from 'node:os'
import pg from 'pg'
import type { Db } from '../server/db/client.ts'
import type { DbConfig } from '../server/db/config.ts'
import { mulberry32 } from '../server/domain/random.ts'
import type { GridCatalog } from '../server/services/gridCatalog.ts'

export interface ImportResult {
  database: 'sqlite' | 'postgres'
  rows: number
  /** rows that fell inside a grid */
  assigned: number
  batch: number
  rowsPerTransaction: number
  /** timed on `prismaRows` rows (the first ones), assignment time pro rata */
  prisma: { rows: number; ms: number; rowsPerSecond: number; assignMs: number }
  driver: { ms: number; rowsPerSecond: number }
  ratio: number
}

const STATUSES = ['reported', 'registered', 'dispatched', 'rectifying', 'submitted', 'closed', 'closed', 'closed', 'closed', 'closed'] as const
const DAY = 86_400_000

interface Row {
  lng: number; lat: number; gridId: number | null; departmentId: number | null; categoryCode: string
  description: string; status: string; deadline: Date; reporterName: string; source: string; reportedAt: Date; createdAt: Date; updatedAt: Date
}

/** n problems spread over the city's bbox (grown by 2%), reported over the last year. */
function makeRows(n: number, bbox: [number, number, number, number], categories: { code: string; deadlineDays: number }[], assign: (lng: number, lat: number) => { gridId: number | null; departmentId: number | null }, seed: number, now: Date): { rows: Row[]; assignMs: number } {
  const r = mulberry32(seed)
  const [x0, y0, x1, y1] = bbox, dx = x1 - x0, dy = y1 - y0
  const rows: Row[] = new Array(n)
  let assignMs = 0
  for (let i = 0; i < n; i++) {
    const lng = x0 - 0.02 * dx + 1.04 * dx * r(), lat = y0 - 0.02 * dy + 1.04 * dy * r()
    const t = performance.now()
    const a = assign(lng, lat)
    assignMs += performance.now() - t
    const c = categories[Math.floor(r() * categories.length)]!
    const reportedAt = new Date(now.getTime() - Math.floor(r() * 365 * DAY))
    rows[i] = {
      lng, lat, gridId: a.gridId, departmentId: a.departmentId, categoryCode: c.code, description: `批量导入问题 ${i + 1}`,
      status: STATUSES[Math.floor(r() * STATUSES.length)]!, deadline: new Date(reportedAt.getTime() + c.deadlineDays * DAY),
      reporterName: '第三方测评', source: 'import', reportedAt, createdAt: reportedAt, updatedAt: now,
    }
  }
  return { rows, assignMs }
}

const COLUMNS = ['lng', 'lat', 'gridId', 'departmentId', 'categoryCode', 'description', 'status', 'deadline', 'reporterName', 'source', 'reportedAt', 'createdAt', 'updatedAt'] as const

async function driverInsert(config: DbConfig, rows: Row[], keep = false): Promise<number> {
  const t = performance.now()
  if (config.provider === 'sqlite') {
    const sq = new Database(config.file)
    sq.pragma('journal_mode = WAL')
    const stmt = sq.prepare(`INSERT INTO "Problem" (${COLUMNS.map((c) => `"${c}"`).join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`)
    const iso = (d: Date) => d.toISOString().replace('Z', '+00:00')
    const insert = sq.transaction((chunk: Row[]) => {
      for (const p of chunk) stmt.run(p.lng, p.lat, p.gridId, p.departmentId, p.categoryCode, p.description, p.status, iso(p.deadline), p.reporterName, p.source, iso(p.reportedAt), iso(p.createdAt), iso(p.updatedAt))
    })
    for (let i = 0; i < rows.length; i += 50_000) insert(rows.slice(i, i + 50_000))
    const ms = performance.now() - t
    if (keep) { sq.close(); return ms }
    // with foreign keys on, every deleted row scans Problem for rebounds/merges pointing at it (no
    // index on reboundOfId/mergedIntoId): quadratic. The baseline rows have no dependants.
    sq.pragma('foreign_keys = OFF')
    sq.exec('DELETE FROM "Problem"')
    sq.close()
    return ms
  }
  const c = new pg.Client({ connectionString: config.url })
  await c.connect()
  try {
    const types = ['float8', 'float8', 'int4', 'int4', 'text', 'text', 'text', 'timestamptz', 'text', 'text', 'timestamptz', 'timestamptz', 'timestamptz']
    const sql = `INSERT INTO "Problem" (${COLUMNS.map((k) => `"${k}"`).join(',')}) SELECT * FROM unnest(${types.map((ty, i) => `$${i + 1}::${ty}[]`).join(',')})`
    for (let i = 0; i < rows.length; i += 50_000) {
      const chunk = rows.slice(i, i + 50_000)
      await c.query('BEGIN')
      await c.query(sql, COLUMNS.map((k) => chunk.map((p) => p[k])))
      await c.query('COMMIT')
    }
    const ms = performance.now() - t
    if (keep) return ms
    await c.query('TRUNCATE "Problem" RESTART IDENTITY CASCADE')
    return ms
  } finally { await c.end() }
}

/**
 * `prismaRows` caps the rows sent through Prisma (its createMany is slow: see docs/benchmarks.md);
 * the rest is written by the driver afterwards, untimed, so the database ends up with `rows` problems.
 */
export async function benchImport(opts: { config: DbConfig; db: Db; catalog: GridCatalog; bbox: [number, number, number, number]; rows: number; prismaRows?: number; seed?: number; log?: (s: string) => void }): Promise<ImportResult> {
  const { config, db, catalog } = opts
  const log = opts.log ?? (() => {})
  const now = new Date()
  const categories = await db.problemCategory.findMany({ select: { code: true, deadlineDays: true } })
  const holders = await db.gridHolder.findMany({ where: { validTo: null }, select: { gridId: true, departmentId: true } })
  const holderOf = new Map(holders.map((h) => [h.gridId, h.departmentId]))
  const { rows, assignMs } = makeRows(opts.rows, opts.bbox, categories, (lng, lat) => {
    const g = catalog.assign(lng, lat)
    return { gridId: g?.id ?? null, departmentId: g ? holderOf.get(g.id) ?? null : null }
  }, opts.seed ?? 7, now)
  const assigned = rows.reduce((s, p) => s + (p.gridId !== null ? 1 : 0), 0)

  log(`import (${config.provider}): driver baseline, ${rows.length} rows…`)
  const driverMs = await driverInsert(config, rows)

  // GridDuty's path: createMany batches inside transactions
  const batch = config.provider === 'sqlite' ? 2000 : 4000
  const perTx = 50_000
  const viaPrisma = rows.slice(0, Math.min(rows.length, opts.prismaRows ?? rows.length))
  log(`import (${config.provider}): Prisma createMany, ${viaPrisma.length} rows…`)
  const t = performance.now()
  for (let i = 0; i < viaPrisma.length; i += perTx) {
    const chunk = viaPrisma.slice(i, i + perTx)
    await db.$transaction(async (tx) => {
      for (let k = 0; k < chunk.length; k += batch) await tx.problem.createMany({ data: chunk.slice(k, k + batch) })
    }, { timeout: 600_000, maxWait: 60_000 })
  }
  const prismaMs = performance.now() - t + assignMs * (viaPrisma.length / rows.length)
  if (viaPrisma.length < rows.length) {
    log(`import (${config.provider}): the other ${rows.length - viaPrisma.length} rows by the driver (untimed)…`)
    await driverInsert(config, rows.slice(viaPrisma.length), true)
  }
  const count = await db.problem.count()
  if (count !== rows.length) throw new Error(`import: expected ${rows.length} problems, found ${count}`)
  return {
    database: config.provider, rows: rows.length, assigned, batch, rowsPerTransaction: perTx,
    prisma: { rows: viaPrisma.length, ms: prismaMs, rowsPerSecond: viaPrisma.length / (prismaMs / 1000), assignMs: assignMs * (viaPrisma.length / rows.length) },
    driver: { ms: driverMs, rowsPerSecond: rows.length / (driverMs / 1000) },
    ratio: (viaPrisma.length / prismaMs) / (rows.length / driverMs),
  }
}

export interface LedgerImportResult {
  database: 'sqlite' | 'postgres'
  rows: number
  imported: number
  /** the file's bytes to the committed transaction (commitImport, as the HTTP route's commit) */
  ms: { total: number }
  /** the same time by phase (services/problemImport.ts ImportTimings): read (worker), check, dedupe, flags, write, commit */
  phases: Record<string, number>
  rowsPerSecond: number
  writer: 'driver'
}

/**
 * GridDuty's own import end to end for an n-row ledger CSV (工单编号, 上报时间, 类别, 描述, 经度, 纬度),
 * through the HTTP route's commit (commitImport): the file read and checked in the heavy-task pool,
 * grid assignment and identity, flags, then the database driver in one transaction
 * (services/importWriter.ts). Run in
 * process against the city database; the imported rows are removed again afterwards so later
 * sections see the city as before. Records the issue 14 target rows (≥ 25 k rows/s SQLite, ≥ 50 k PostgreSQL).
 */
export async function benchLedgerImport(opts: { config: DbConfig; db: Db; catalog: GridCatalog; bbox: [number, number, number, number]; rows: number; seed?: number; log?: (s: string) => void }): Promise<LedgerImportResult> {
  const { config, db, catalog } = opts
  const log = opts.log ?? (() => {})
  const { commitImport, previewImport } = await import('../server/services/problemImport.ts')
  const { warmHeavyPool, closeHeavyPool } = await import('../server/services/heavy.ts')
  const { recordTarget } = await import('./targets.ts')
  const r = mulberry32(opts.seed ?? 11)
  const [x0, y0, x1, y1] = opts.bbox
  const cats = (await db.problemCategory.findMany({ select: { code: true } })).map((c) => c.code)
  const lines = ['工单编号,上报时间,类别,描述,经度,纬度']
  for (let i = 0; i < opts.rows; i++) {
    const day = 1 + Math.floor(r() * 28), h = Math.floor(r() * 24), m = Math.floor(r() * 60)
    lines.push(`L${i},2026/10/${day} ${h}:${String(m).padStart(2, '0')},${cats[i % cats.length]},台账问题${i},${(x0 + (x1 - x0) * r()).toFixed(6)},${(y0 + (y1 - y0) * r()).toFixed(6)}`)
  }
  const bytes = Buffer.from(lines.join('\n') + '\n')
  lines.length = 0
  const user = (await db.user.findFirst({ where: { role: 'admin' }, select: { id: true, displayName: true } }))!
  const now = new Date()
  log(`ledger import (${config.provider}): ${opts.rows} rows, ${(bytes.length / 1e6).toFixed(1)} MB…`)
  // the server starts its worker threads at start-up (warmHeavyPool): so does the bench, with one small file through them
  warmHeavyPool()
  await previewImport(db, catalog, Buffer.from(`经度,纬度,类别,描述\n${x0},${y0},${cats[0]},预热\n`), { fileName: 'warm.csv', coordSystem: 'wgs84' }, new Date())
  const timings: import('../server/services/problemImport.ts').ImportTimings = {}
  const t0 = performance.now()
  // what POST /api/import/problems?commit=good-rows does (server/api/importHttp.ts): the file read and
  // checked in the heavy-task pool, placed, de-duplicated, flagged and written in one transaction
  const res = await commitImport(db, catalog, user, bytes, { fileName: 'bench.csv', coordSystem: 'wgs84', source: 'bench', mode: 'good-rows', writer: 'driver', timings }, now)
  const t3 = performance.now()
  // the WAL checkpoint the SQLite import leaves to the heavy-task pool (after the answer): timed apart
  const { importCheckpointsDone } = await import('../server/services/importWriter.ts')
  await importCheckpointsDone()
  const checkpointMs = performance.now() - t3
  await closeHeavyPool() // its threads would keep the bench process alive
  const imported = res.summary.imported
  if (imported !== res.summary.ok || imported < opts.rows * 0.5) throw new Error(`ledger import: ${imported} imported of ${res.summary.ok} ok`)
  const out: LedgerImportResult = {
    database: config.provider, rows: opts.rows, imported, writer: 'driver',
    ms: { total: t3 - t0 }, phases: { ...timings }, rowsPerSecond: opts.rows / ((t3 - t0) / 1000),
  }
  recordTarget({
    section: 'import', name: `ledger import end to end, ${opts.rows} rows (${config.provider === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
    measured: out.rowsPerSecond, goal: config.provider === 'sqlite' ? 25_000 : 50_000, compare: '≥', unit: 'rows/s',
    note: `${Object.entries(out.phases).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(', ')}${config.provider === 'sqlite' ? `; then the WAL checkpoint off the event loop ${(checkpointMs / 1000).toFixed(2)} s` : ''}; ${imported} in a grid; load average ${os.loadavg()[0]!.toFixed(1)}`,
  })
  log(`ledger import (${config.provider}): ${Math.round(out.rowsPerSecond)} rows/s; removing the rows again…`)
  await removeBatch(config, res.batchId!)
  return out
}

/** Removes an import batch with its problems, events and audit rows (the bench's city stays as it was). */
async function removeBatch(config: DbConfig, batchId: number): Promise<void> {
  if (config.provider === 'sqlite') {
    const sq = new Database(config.file)
    sq.pragma('foreign_keys = OFF') // no dependants; FK checks on delete would scan Problem per row
    sq.exec(`DELETE FROM "AuditLog" WHERE "action" = 'problem.import' AND ("entity" = 'Problem' AND CAST("entityId" AS INTEGER) IN (SELECT id FROM "Problem" WHERE "importBatchId" = ${batchId}) OR ("entity" = 'ImportBatch' AND "entityId" = '${batchId}'))`)
    sq.exec(`DELETE FROM "ProblemEvent" WHERE "problemId" IN (SELECT id FROM "Problem" WHERE "importBatchId" = ${batchId})`)
    sq.exec(`DELETE FROM "Problem" WHERE "importBatchId" = ${batchId}`)
    sq.exec(`DELETE FROM "ImportBatch" WHERE id = ${batchId}`)
    sq.close()
    return
  }
  const c = new pg.Client({ connectionString: config.url })
  await c.connect()
  try {
    // statistics that know the rows just imported: without them the planner may join the deletes by nested loops (minutes)
    await c.query('ANALYZE "Problem", "ProblemEvent"')
    await c.query('BEGIN')
    await c.query('SET LOCAL session_replication_role = replica') // no FK triggers: nothing refers to these rows
    await c.query(`DELETE FROM "AuditLog" WHERE "action" = 'problem.import' AND (("entity" = 'Problem' AND "entityId" IN (SELECT id::text FROM "Problem" WHERE "importBatchId" = $1)) OR ("entity" = 'ImportBatch' AND "entityId" = $1::text))`, [batchId])
    await c.query('DELETE FROM "ProblemEvent" WHERE "problemId" IN (SELECT id FROM "Problem" WHERE "importBatchId" = $1)', [batchId])
    await c.query('DELETE FROM "Problem" WHERE "importBatchId" = $1', [batchId])
    await c.query('DELETE FROM "ImportBatch" WHERE id = $1', [batchId])
    await c.query('COMMIT')
  } finally { await c.end() }
}

export interface LedgerPreviewResult {
  database: 'sqlite' | 'postgres'
  rows: number
  bytes: number
  ok: number
  failed: number
  /** read + checked in the heavy-task pool, placed in grids, de-duplicated (previewImport, as the HTTP route) */
  ms: { read: number; place: number; dedupe: number; total: number }
  rowsPerSecond: number
  /** the bounded answer the browser gets (JSON bytes) */
  answerBytes: number
  /** the process's resident set after the preview (MB), and its peak while it ran */
  rssMb: { after: number; peak: number }
}

/**
 * The read side of the ledger import alone, for an n-row ledger CSV (工单编号, 上报时间, 类别, 描述,
 * 经度, 纬度; 1 row in 200 with an unknown category, so bad rows are listed too): previewImport as
 * the HTTP route calls it for a preview — reads and checks the file row by row in the heavy-task pool,
 * places the rows in their grids on this thread, de-duplicates them, lists a bounded answer. Nothing is
 * written. Records rows/s (issue 14 target 4's share: the preview) and the resident memory.
 */
export async function benchLedgerPreview(opts: { config: DbConfig; db: Db; catalog: GridCatalog; bbox: [number, number, number, number]; rows: number; seed?: number; log?: (s: string) => void }): Promise<LedgerPreviewResult> {
  const { config, db, catalog } = opts
  const log = opts.log ?? (() => {})
  const { BAD_ROWS_LISTED, boundedAnswer, GOOD_ROWS_LISTED, previewImport } = await import('../server/services/problemImport.ts')
  const { recordTarget } = await import('./targets.ts')
  const r = mulberry32(opts.seed ?? 13)
  const [x0, y0, x1, y1] = opts.bbox
  const cats = (await db.problemCategory.findMany({ select: { code: true } })).map((c) => c.code)
  const lines = ['工单编号,上报时间,类别,描述,经度,纬度']
  for (let i = 0; i < opts.rows; i++) {
    const day = 1 + Math.floor(r() * 28), h = Math.floor(r() * 24), m = Math.floor(r() * 60)
    const cat = i % 200 === 199 ? 'NO_SUCH_CATEGORY' : cats[i % cats.length]
    lines.push(`P${i},2026/10/${day} ${h}:${String(m).padStart(2, '0')},${cat},台账问题${i},${(x0 + (x1 - x0) * r()).toFixed(6)},${(y0 + (y1 - y0) * r()).toFixed(6)}`)
  }
  const bytes = Buffer.from(lines.join('\n') + '\n')
  lines.length = 0
  // the server starts its worker threads at start-up (warmHeavyPool): so does the bench, with one small file through them
  const { warmHeavyPool } = await import('../server/services/heavy.ts')
  warmHeavyPool()
  await previewImport(db, catalog, Buffer.from(`经度,纬度,类别,描述\n${x0},${y0},${cats[0]},预热\n`), { fileName: 'warm.csv', coordSystem: 'wgs84' }, new Date())
  log(`ledger preview (${config.provider}): ${opts.rows} rows, ${(bytes.length / 1e6).toFixed(1)} MB…`)
  let peak = 0
  const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 50)
  const timings: import('../server/services/problemImport.ts').ImportTimings = {}
  const t0 = performance.now()
  const preview = await previewImport(db, catalog, bytes, { fileName: 'bench.csv', coordSystem: 'wgs84', source: 'bench-preview', timings, listed: { bad: BAD_ROWS_LISTED, good: GOOD_ROWS_LISTED } }, new Date())
  const t1 = performance.now()
  const answerBytes = Buffer.byteLength(JSON.stringify(boundedAnswer(preview)))
  clearInterval(sample)
  const rss = process.memoryUsage.rss()
  peak = Math.max(peak, rss)
  const failed = Math.floor(opts.rows / 200)
  if (preview.summary.total !== opts.rows || preview.summary.failed < failed) throw new Error(`ledger preview: ${JSON.stringify(preview.summary)}`)
  const out: LedgerPreviewResult = {
    database: config.provider, rows: opts.rows, bytes: bytes.length, ok: preview.summary.ok, failed: preview.summary.failed,
    ms: { read: timings.read ?? NaN, place: timings.check ?? NaN, dedupe: timings.dedupe ?? NaN, total: t1 - t0 },
    rowsPerSecond: opts.rows / ((t1 - t0) / 1000), answerBytes, rssMb: { after: rss / 1e6, peak: peak / 1e6 },
  }
  recordTarget({
    section: 'import', name: `ledger preview (read, check, place, dedupe), ${opts.rows} rows (${config.provider === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
    measured: out.rowsPerSecond, goal: config.provider === 'sqlite' ? 25_000 : 50_000, compare: '≥', unit: 'rows/s',
    note: `read+check (worker) ${(out.ms.read / 1000).toFixed(2)} s, place ${(out.ms.place / 1000).toFixed(2)} s, dedupe ${(out.ms.dedupe / 1000).toFixed(2)} s; answer ${(answerBytes / 1e6).toFixed(2)} MB; RSS ${out.rssMb.after.toFixed(0)} MB (peak ${out.rssMb.peak.toFixed(0)}); load average ${os.loadavg()[0]!.toFixed(1)}`,
  })
  await (await import('../server/services/heavy.ts')).closeHeavyPool() // its threads would keep the bench process alive
  log(`ledger preview (${config.provider}): ${Math.round(out.rowsPerSecond)} rows/s, answer ${(answerBytes / 1e6).toFixed(2)} MB, RSS peak ${out.rssMb.peak.toFixed(0)} MB`)
  return out
}
