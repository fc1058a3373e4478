/**
 * The transaction a problem import writes in, behind one small interface so that the commit
 * (services/problemImport.ts commitPreview) is one sequence of steps whatever writes the rows:
 *  - `driver` (default): the database driver — better-sqlite3 prepared statements in one
 *    `BEGIN IMMEDIATE … COMMIT` on SQLite; on PostgreSQL `COPY … FROM STDIN` (pg-copy-streams, text
 *    format) per chunk in one transaction, on the pool Prisma itself uses (server/db/client.ts
 *    rawDriver) — the problems' ids taken from their sequence first, in file order, so that events
 *    and audit rows can name them (COPY returns nothing);
 *  - `prisma`: Prisma createMany in an interactive transaction (the reference the driver is tested
 *    against, tests/api/importDriver.test.ts, and the fallback for a client without a driver).
 * Both write the same rows: the ImportBatch, the problems (ids in file order), one 'report' event
 * per problem, the batch's report and the batch's one audit row (an import is one act: docs/evidence.md
 * "Imports"). Nothing is visible before COMMIT; a crash anywhere leaves nothing (tests/faults/crash.test.ts).
 */
import Database from 'better-sqlite3'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { rawDriver, type Db, type RawDriver } from '../db/client.ts'
import { auditColumns, auditValues, writeAudit, writeAuditMany, type AuditEntry } from './audit.ts'

export type ImportWriter = 'driver' | 'prisma'

export interface BatchValues {
  fileName: string; fileHash: string; coordSystem: string; mode: string
  total: number; skipped: number; failed: number; createdById: number; createdAt: Date
}

/** A problem as the import writes it (every other column takes its default). */
export interface ProblemValues {
  lng: number; lat: number; gridId: number | null; departmentId: number | null; categoryCode: string
  supervisingDepartmentId: number | null; routingRuleId: number | null; description: string; status: string; priority: string
  deadline: Date | null; reporterId: number | null; reporterName: string; source: string; externalId: string; importBatchId: number
  boundaryGridIds: string | null; reboundOfId: number | null; reportedAt: Date; createdAt: Date; updatedAt: Date
}
const PROBLEM_COLUMNS = ['lng', 'lat', 'gridId', 'departmentId', 'categoryCode', 'supervisingDepartmentId', 'routingRuleId', 'description', 'status', 'priority', 'deadline', 'reporterId', 'reporterName', 'source', 'externalId', 'importBatchId', 'boundaryGridIds', 'reboundOfId', 'reportedAt', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof ProblemValues)[]

export interface EventValues { problemId: number; action: string; fromStatus: string | null; toStatus: string; actorId: number | null; at: Date; note: string }
const EVENT_COLUMNS = ['problemId', 'action', 'fromStatus', 'toStatus', 'actorId', 'at', 'note'] as const satisfies readonly (keyof EventValues)[]

/** What the commit does inside the import's transaction. */
export interface ImportTx {
  readonly writer: ImportWriter
  /** the database under the transaction (for SQL the caller adds inside the same transaction) */
  readonly provider: 'sqlite' | 'postgres'
  createBatch(b: BatchValues): Promise<number>
  /**
   * inserts the problems in order; their ids in the same order. On PostgreSQL it returns once the
   * rows are sent (the ids are taken first) and the next call waits for the COPY — `flush` too.
   */
  insertProblems(rows: readonly ProblemValues[]): Promise<number[]>
  /** the problems' events (PostgreSQL: returns once sent, as insertProblems) */
  insertEvents(rows: readonly EventValues[]): Promise<void>
  /** waits until every row sent is written (or the write failed: it throws) */
  flush(): Promise<void>
  insertAudits(rows: readonly (AuditEntry & { at: Date })[]): Promise<void>
  finishBatch(id: number, imported: number, report: string): Promise<void>
  /** raw SQL in this transaction (`?` placeholders on SQLite, `$1` on PostgreSQL) */
  sql(text: string, params: unknown[]): Promise<void>
  /** a query's first column of its first row (undefined when none), in this transaction */
  value(text: string, params: unknown[]): Promise<unknown>
}

const q = (c: string) => `"${c}"`
/** `f` of a Date, remembered per Date object (an import's rows share `now` and each day's deadline) */
function perDate(f: (d: Date) => string): (d: Date | null) => string | null {
  const seen = new WeakMap<Date, { ms: number; text: string }>()
  return (d) => {
    if (!d) return null
    const ms = d.getTime()
    let t = seen.get(d)
    if (t?.ms !== ms) { t = { ms, text: f(d) }; seen.set(d, t) } // a Date changed since is formatted again
    return t.text
  }
}
/** Prisma's SQLite DateTime text ("2026-11-03T01:30:00.000+00:00") */
const sqliteTime = perDate((d) => d.toISOString().replace('Z', '+00:00'))
/** Prisma's PostgreSQL TIMESTAMP(3) holds UTC without a zone: pass the UTC wall clock */
const pgTime = perDate((d) => d.toISOString().slice(0, 23))

/**
 * Runs `fn` in one import transaction with the chosen writer (the driver unless the client has
 * none): committed when `fn` resolves, rolled back when it throws.
 */
export async function withImportTx<T>(db: Db, writer: ImportWriter, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const driver = writer === 'driver' ? rawDriver(db) : null
  if (!driver) return prismaTx(db, fn)
  return driver.provider === 'sqlite' ? sqliteTx(driver, fn) : pgTx(driver.pool, fn)
}

async function sqliteTx<T>(driver: Extract<RawDriver, { provider: 'sqlite' }>, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const conn = new Database(driver.file, { timeout: driver.busyTimeoutMs })
  try {
    conn.pragma('foreign_keys = ON')
    // the Problem table carries a dozen indexes: a page cache that holds their hot pages keeps the
    // transaction from spilling to the WAL while it is open (64 MB, this connection only)
    conn.pragma('cache_size = -65536')
    const insertProblem = conn.prepare(`INSERT INTO "Problem" (${PROBLEM_COLUMNS.map(q).join(',')}) VALUES (${PROBLEM_COLUMNS.map(() => '?').join(',')})`)
    const insertEvent = conn.prepare(`INSERT INTO "ProblemEvent" (${EVENT_COLUMNS.map(q).join(',')}) VALUES (${EVENT_COLUMNS.map(() => '?').join(',')})`)
    const insertAudit = conn.prepare(`INSERT INTO "AuditLog" (${auditColumns.map(q).join(',')}) VALUES (${auditColumns.map(() => '?').join(',')})`)
    const value = (v: unknown) => (v instanceof Date ? sqliteTime(v) : v)
    const tx: ImportTx = {
      writer: 'driver', provider: 'sqlite',
      async flush() {},
      async createBatch(b) {
        const r = conn.prepare('INSERT INTO "ImportBatch" ("fileName","fileHash","coordSystem","mode","total","imported","skipped","failed","report","createdById","createdAt") VALUES (?,?,?,?,?,0,?,?,\'[]\',?,?)')
          .run(b.fileName, b.fileHash, b.coordSystem, b.mode, b.total, b.skipped, b.failed, b.createdById, sqliteTime(b.createdAt))
        return Number(r.lastInsertRowid)
      },
      async insertProblems(rows) {
        const ids = new Array<number>(rows.length)
        for (let i = 0; i < rows.length; i++) {
          const p = rows[i]!
          ids[i] = Number(insertProblem.run(p.lng, p.lat, p.gridId, p.departmentId, p.categoryCode, p.supervisingDepartmentId, p.routingRuleId, p.description, p.status, p.priority, sqliteTime(p.deadline), p.reporterId, p.reporterName, p.source, p.externalId, p.importBatchId, p.boundaryGridIds, p.reboundOfId, sqliteTime(p.reportedAt), sqliteTime(p.createdAt), sqliteTime(p.updatedAt)).lastInsertRowid)
        }
        return ids
      },
      async insertEvents(rows) {
        for (const e of rows) insertEvent.run(e.problemId, e.action, e.fromStatus, e.toStatus, e.actorId, sqliteTime(e.at), e.note)
      },
      async insertAudits(rows) {
        for (const a of rows) insertAudit.run(...auditValues(a).map(value))
      },
      async finishBatch(id, imported, report) {
        conn.prepare('UPDATE "ImportBatch" SET "imported" = ?, "report" = ? WHERE "id" = ?').run(imported, report, id)
      },
      async sql(text, params) { conn.prepare(text).run(...params.map(value)) },
      async value(text, params) { return conn.prepare(text).pluck().get(...params.map(value)) },
    }
    conn.exec('BEGIN IMMEDIATE')
    try {
      const out = await fn(tx)
      conn.exec('COMMIT')
      return out
    } catch (e) {
      if (conn.inTransaction) conn.exec('ROLLBACK')
      throw e
    }
  } finally {
    conn.close()
  }
}

/** A value in COPY's text format: \\N for null, the UTC wall clock for a Date, backslash escapes for text. */
function copyText(v: unknown): string {
  if (v === null || v === undefined) return '\\N'
  if (v instanceof Date) return pgTime(v)!
  if (typeof v === 'number') return String(v)
  const t = String(v)
  return /[\\\t\n\r]/.test(t) ? t.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : t
}

/**
 * Rows into a table by one COPY … FROM STDIN in the open transaction (a write chunk's lines, built
 * first). Resolves once the data is handed to the connection; `done` settles when PostgreSQL has
 * taken the rows (or refused them) — meanwhile the caller prepares the next chunk.
 */
async function copyRows(client: pg.PoolClient, table: string, columns: readonly string[], count: number, line: (i: number) => string): Promise<{ done: Promise<void> }> {
  return copyText_(client, table, columns, copyLines(count, line))
}

/** COPY's text: one line per row. */
function copyLines(count: number, line: (i: number) => string): string {
  let buf = ''
  for (let i = 0; i < count; i++) buf += line(i) + '\n'
  return buf
}

/** copyRows on lines already built. */
async function copyText_(client: pg.PoolClient, table: string, columns: readonly string[], buf: string): Promise<{ done: Promise<void> }> {
  if (!buf) return { done: Promise.resolve() }
  const stream = client.query(copyFrom(`COPY ${q(table)} (${columns.map(q).join(',')}) FROM STDIN`))
  const done = new Promise<void>((resolve, reject) => { stream.once('finish', resolve); stream.once('error', reject) })
  done.catch(() => {}) // awaited by the next step; never unhandled meanwhile
  let over = false
  done.finally(() => { over = true }).catch(() => {})
  stream.end(buf)
  // sent: the server asked for the data and the socket took it (the stream holds it until then)
  while (!over && stream.writableLength > 0) await new Promise<void>((r) => setImmediate(r))
  return { done }
}

async function pgTx<T>(pool: pg.Pool, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  /** the COPY PostgreSQL is still working on: every next step waits for it (and fails with it) */
  let inFlight: Promise<void> | null = null
  const settle = async () => { const p = inFlight; inFlight = null; if (p) await p }
  const tx: ImportTx = {
    writer: 'driver', provider: 'postgres',
    async flush() { await settle() },
    async createBatch(b) {
      await settle()
      const r = await client.query<{ id: number }>('INSERT INTO "ImportBatch" ("fileName","fileHash","coordSystem","mode","total","imported","skipped","failed","report","createdById","createdAt") VALUES ($1,$2,$3,$4,$5,0,$6,$7,\'[]\',$8,$9::timestamp(3)) RETURNING id',
        [b.fileName, b.fileHash, b.coordSystem, b.mode, b.total, b.skipped, b.failed, b.createdById, pgTime(b.createdAt)])
      return r.rows[0]!.id
    },
    async insertProblems(rows) {
      await settle()
      if (!rows.length) return []
      // the ids the default would give, in file order (one sequence call per row, ascending)
      const r = await client.query<{ id: number }>('SELECT nextval(pg_get_serial_sequence(\'"Problem"\', \'id\'))::int AS id FROM generate_series(1, $1::int)', [rows.length])
      const ids = r.rows.map((x) => x.id).sort((a, b) => a - b)
      inFlight = (await copyRows(client, 'Problem', ['id', ...PROBLEM_COLUMNS], rows.length, (i) => {
        const p = rows[i]!
        let s = String(ids[i]!)
        for (const c of PROBLEM_COLUMNS) s += '\t' + copyText(p[c])
        return s
      })).done
      return ids
    },
    async insertEvents(rows) {
      const lines = copyLines(rows.length, (i) => EVENT_COLUMNS.map((c) => copyText(rows[i]![c])).join('\t')) // while the problems' COPY runs
      await settle()
      inFlight = (await copyText_(client, 'ProblemEvent', EVENT_COLUMNS, lines)).done
    },
    async insertAudits(rows) {
      await settle()
      await (await copyRows(client, 'AuditLog', auditColumns, rows.length, (i) => auditValues(rows[i]!).map(copyText).join('\t'))).done
    },
    async finishBatch(id, imported, report) {
      await settle()
      await client.query('UPDATE "ImportBatch" SET "imported" = $1, "report" = $2 WHERE "id" = $3', [imported, report, id])
    },
    async sql(text, params) { await settle(); await client.query(text, params.map((v) => (v instanceof Date ? pgTime(v) : v))) },
    async value(text, params) {
      await settle()
      const r = await client.query({ text, values: params.map((v) => (v instanceof Date ? pgTime(v) : v)), rowMode: 'array' })
      return (r.rows[0] as unknown[] | undefined)?.[0]
    },
  }
  let broken: unknown = null
  try {
    await client.query('BEGIN')
    const out = await fn(tx)
    await settle()
    await client.query('COMMIT')
    return out
  } catch (e) {
    broken = e
    await settle().catch(() => {}) // a COPY still running ends (refused or not) before the rollback
    await client.query('ROLLBACK').catch(() => {})
    throw e
  } finally {
    client.release(broken instanceof Error && !('code' in broken) ? broken : undefined)
  }
}

async function prismaTx<T>(db: Db, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const provider = rawDriver(db)?.provider ?? 'sqlite'
  return db.$transaction(async (t) => fn({
    writer: 'prisma', provider,
    async flush() {},
    async createBatch(b) {
      return (await t.importBatch.create({ data: { ...b, imported: 0, report: '[]' } })).id
    },
    async insertProblems(rows) {
      await t.problem.createMany({ data: rows as ProblemValues[] })
      const ids = new Map((await t.problem.findMany({ where: { externalId: { in: rows.map((r) => r.externalId) } }, select: { id: true, externalId: true } })).map((x) => [x.externalId!, x.id]))
      return rows.map((r) => ids.get(r.externalId)!)
    },
    async insertEvents(rows) { await t.problemEvent.createMany({ data: rows as EventValues[] }) },
    async insertAudits(rows) {
      if (rows.length === 1) await writeAudit(t, rows[0]!)
      else await writeAuditMany(t, rows)
    },
    async finishBatch(id, imported, report) { await t.importBatch.update({ where: { id }, data: { imported, report } }) },
    async sql(text, params) { await t.$executeRawUnsafe(text, ...params) },
    async value(text, params) {
      const rows = await t.$queryRawUnsafe<Record<string, unknown>[]>(text, ...params)
      return rows[0] ? Object.values(rows[0])[0] : undefined
    },
  }), { timeout: 600_000, maxWait: 20_000 })
}

/**
 * Which of `externalIds` a problem already carries (the preview's "already imported" check): one
 * indexed lookup per 50,000 ids through the driver (a JSON array on SQLite, `= ANY($1::text[])` on
 * PostgreSQL), Prisma `findMany … in` per 5,000 for a client without a driver.
 */
export async function existingExternalIds(db: Db, externalIds: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>()
  if (!externalIds.length) return found
  const driver = rawDriver(db)
  if (!driver) {
    for (let i = 0; i < externalIds.length; i += 5_000) {
      const rows = await db.problem.findMany({ where: { externalId: { in: externalIds.slice(i, i + 5_000) } }, select: { externalId: true } })
      for (const r of rows) found.add(r.externalId!)
    }
    return found
  }
  const PART = 50_000
  if (driver.provider === 'sqlite') {
    const conn = new Database(driver.file, { readonly: true, timeout: driver.busyTimeoutMs })
    try {
      const stmt = conn.prepare('SELECT "externalId" AS e FROM "Problem" WHERE "externalId" IN (SELECT value FROM json_each(?))').pluck()
      for (let i = 0; i < externalIds.length; i += PART) for (const e of stmt.all(JSON.stringify(externalIds.slice(i, i + PART)))) found.add(e as string)
    } finally { conn.close() }
    return found
  }
  for (let i = 0; i < externalIds.length; i += PART) {
    const r = await driver.pool.query<{ e: string }>('SELECT "externalId" AS e FROM "Problem" WHERE "externalId" = ANY($1::text[])', [externalIds.slice(i, i + PART)])
    for (const x of r.rows) found.add(x.e)
  }
  return found
}
