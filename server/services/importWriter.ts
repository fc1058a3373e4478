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
 * per problem, the batch (with its report of the refused rows) and the batch's one audit row (an import is one act: docs/evidence.md
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
  /** the rows the transaction writes (all of them or it fails) */
  imported: number
  /** the batch's report: the refused rows as JSON (docs/evidence.md "Imports"; the imported ones are their problems) */
  report: string
}

/** A problem as the import writes it (every other column takes its default; `importBatchId` and `importRow` are set by the writer from the batch and the row). */
export interface ProblemValues {
  lng: number; lat: number; gridId: number | null; departmentId: number | null; categoryCode: string
  supervisingDepartmentId: number | null; routingRuleId: number | null; description: string; status: string; priority: string
  deadline: Date | null; reporterId: number | null; reporterName: string; source: string; externalId: string
  boundaryGridIds: string | null; reboundOfId: number | null; reportedAt: Date; createdAt: Date; updatedAt: Date
}
/** A good row as the commit writes it: its row in the file (Problem.importRow), the problem, and the rest of its 'report' event's note. */
export interface ImportRowValues { row: number; problem: ProblemValues; note: string }
/** What every imported problem's 'report' event shares: the importer, the time and the note's start (导入批次 #N). */
export interface ReportEvent { actorId: number | null; at: Date; notePrefix: string }

/** the problem's columns taken from ProblemValues (importBatchId and importRow come from the batch and the row) */
const VALUE_COLUMNS = ['lng', 'lat', 'gridId', 'departmentId', 'categoryCode', 'supervisingDepartmentId', 'routingRuleId', 'description', 'status', 'priority', 'deadline', 'reporterId', 'reporterName', 'source', 'externalId', 'boundaryGridIds', 'reboundOfId', 'reportedAt', 'createdAt', 'updatedAt'] as const satisfies readonly (keyof ProblemValues)[]
const PROBLEM_COLUMNS = ['id', ...VALUE_COLUMNS, 'importBatchId', 'importRow'] as const
const EVENT_COLUMNS = ['problemId', 'action', 'fromStatus', 'toStatus', 'actorId', 'at', 'note'] as const
/** an imported problem's event: it was reported (its status is the problem's) */
const EVENT_ACTION = 'report'

/** What the commit does inside the import's transaction. */
export interface ImportTx {
  readonly writer: ImportWriter
  /** the database under the transaction (for SQL the caller adds inside the same transaction) */
  readonly provider: 'sqlite' | 'postgres'
  /** the batch with its counts and report (final: nothing updates a batch afterwards) */
  createBatch(b: BatchValues): Promise<number>
  /**
   * inserts the rows' problems in order (importBatchId = batchId, importRow = the row) and one
   * 'report' event each; the problems' ids in the same order (ascending). On PostgreSQL it returns
   * once the rows are sent (the ids are taken first) and the next call waits for them — `flush` too.
   */
  insertProblems(batchId: number, rows: readonly ImportRowValues[], event: ReportEvent): Promise<ArrayLike<number>>
  /** waits until every row sent is written (or the write failed: it throws) */
  flush(): Promise<void>
  insertAudits(rows: readonly (AuditEntry & { at: Date })[]): Promise<void>
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

const BATCH_INSERT = (p: (i: number) => string) => `INSERT INTO "ImportBatch" ("fileName","fileHash","coordSystem","mode","total","imported","skipped","failed","report","createdById","createdAt") VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(p).join(',')})`
const batchParams = (b: BatchValues, time: (d: Date) => string | null) => [b.fileName, b.fileHash, b.coordSystem, b.mode, b.total, b.imported, b.skipped, b.failed, b.report, b.createdById, time(b.createdAt)]

/**
 * Runs `fn` in one import transaction with the chosen writer (the driver unless the client has
 * none): committed when `fn` resolves, rolled back when it throws.
 */
export async function withImportTx<T>(db: Db, writer: ImportWriter, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const driver = writer === 'driver' ? rawDriver(db) : null
  if (!driver) return prismaTx(db, fn)
  return driver.provider === 'sqlite' ? sqliteTx(driver, fn) : pgTx(driver.pool, fn)
}

/**
 * The import connection's page cache (KiB; SQLite's default is 2 MB): the problems' dozen indexes
 * take each new row at a random place, so a cache that holds their pages keeps the transaction from
 * spilling pages to the WAL (and reading them back) while it is open. Pages are allocated as used.
 */
const SQLITE_IMPORT_CACHE_KIB = 512 * 1024

async function sqliteTx<T>(driver: Extract<RawDriver, { provider: 'sqlite' }>, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const conn = new Database(driver.file, { timeout: driver.busyTimeoutMs })
  try {
    conn.pragma('foreign_keys = ON')
    conn.pragma(`cache_size = -${SQLITE_IMPORT_CACHE_KIB}`) // this connection only, for this transaction
    // one prepared statement per table, bound from one reused array (measured: a multi-row INSERT of
    // 5–100 rows bound from a flat array was slower than this on better-sqlite3, not faster)
    const insert = (table: string, columns: readonly string[]) => conn.prepare(`INSERT INTO ${q(table)} (${columns.map(q).join(',')}) VALUES (${columns.map(() => '?').join(',')})`)
    const insertProblem = insert('Problem', PROBLEM_COLUMNS), insertEvent = insert('ProblemEvent', EVENT_COLUMNS), insertAudit = insert('AuditLog', auditColumns)
    const value = (v: unknown) => (v instanceof Date ? sqliteTime(v) : v)
    const pv = new Array<unknown>(PROBLEM_COLUMNS.length), ev = new Array<unknown>(EVENT_COLUMNS.length)
    /** the id AUTOINCREMENT gives next (the write lock is held: BEGIN IMMEDIATE) */
    let nextId = 0
    const tx: ImportTx = {
      writer: 'driver', provider: 'sqlite',
      async flush() {},
      async createBatch(b) {
        return Number(conn.prepare(BATCH_INSERT(() => '?')).run(...batchParams(b, sqliteTime)).lastInsertRowid)
      },
      async insertProblems(batchId, rows, event) {
        // the ids are given, as AUTOINCREMENT would (max of the table's sequence and its largest id, plus one)
        if (!nextId) nextId = Number(conn.prepare('SELECT max(coalesce((SELECT "seq" FROM sqlite_sequence WHERE "name" = \'Problem\'), 0), coalesce((SELECT max("id") FROM "Problem"), 0)) + 1').pluck().get())
        const ids = new Array<number>(rows.length)
        ev[1] = EVENT_ACTION; ev[2] = null; ev[4] = event.actorId; ev[5] = sqliteTime(event.at)
        for (let i = 0; i < rows.length; i++) {
          const x = rows[i]!, p = x.problem, id = nextId++
          ids[i] = id
          pv[0] = id; pv[1] = p.lng; pv[2] = p.lat; pv[3] = p.gridId; pv[4] = p.departmentId; pv[5] = p.categoryCode
          pv[6] = p.supervisingDepartmentId; pv[7] = p.routingRuleId; pv[8] = p.description; pv[9] = p.status; pv[10] = p.priority
          pv[11] = sqliteTime(p.deadline); pv[12] = p.reporterId; pv[13] = p.reporterName; pv[14] = p.source; pv[15] = p.externalId
          pv[16] = p.boundaryGridIds; pv[17] = p.reboundOfId; pv[18] = sqliteTime(p.reportedAt); pv[19] = sqliteTime(p.createdAt); pv[20] = sqliteTime(p.updatedAt)
          pv[21] = batchId; pv[22] = x.row
          insertProblem.run(pv)
          ev[0] = id; ev[3] = p.status; ev[6] = event.notePrefix + x.note
          insertEvent.run(ev)
        }
        return ids
      },
      async insertAudits(rows) {
        for (const a of rows) insertAudit.run(...auditValues(a).map(value))
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

/** COPY's text: one line per row. */
function copyLines(count: number, line: (i: number) => string): string {
  let buf = ''
  for (let i = 0; i < count; i++) buf += line(i) + '\n'
  return buf
}

/**
 * Lines already built into a table by one COPY … FROM STDIN in the open transaction. Resolves once
 * the data is handed to the connection; `done` settles when PostgreSQL has taken the rows (or
 * refused them) and the connection is ready for the next query — meanwhile the caller prepares the
 * next chunk. The caller sends nothing else on the connection before `done` settles.
 */
async function copyInto(client: pg.PoolClient, table: string, columns: readonly string[], buf: string): Promise<{ done: Promise<void> }> {
  if (!buf) return { done: Promise.resolve() }
  const stream = client.query(copyFrom(`COPY ${q(table)} (${columns.map(q).join(',')}) FROM STDIN`))
  // 'finish' comes after PostgreSQL's ReadyForQuery (pg-copy-streams): the connection is free again.
  // A refused COPY emits 'error' (pg then clears its active query when ReadyForQuery arrives).
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
      const r = await client.query<{ id: number }>(BATCH_INSERT((i) => (i === 11 ? '$11::timestamp(3)' : `$${i}`)) + ' RETURNING id', batchParams(b, pgTime))
      return r.rows[0]!.id
    },
    async insertProblems(batchId, rows, event) {
      await settle()
      if (!rows.length) return []
      // the ids the default would give, in file order (one sequence call per row, ascending)
      const r = await client.query<{ id: number }>('SELECT nextval(pg_get_serial_sequence(\'"Problem"\', \'id\'))::int AS id FROM generate_series(1, $1::int)', [rows.length])
      const ids = r.rows.map((x) => x.id).sort((a, b) => a - b)
      const tail = `\t${batchId}\t`, t = copyText
      // the columns of PROBLEM_COLUMNS in order, each read by name (no keyed read per column)
      const problems = copyLines(rows.length, (i) => {
        const x = rows[i]!, p = x.problem
        return ids[i]! + '\t' + t(p.lng) + '\t' + t(p.lat) + '\t' + t(p.gridId) + '\t' + t(p.departmentId) + '\t' + t(p.categoryCode) + '\t' + t(p.supervisingDepartmentId) +
          '\t' + t(p.routingRuleId) + '\t' + t(p.description) + '\t' + t(p.status) + '\t' + t(p.priority) + '\t' + t(p.deadline) + '\t' + t(p.reporterId) + '\t' + t(p.reporterName) +
          '\t' + t(p.source) + '\t' + t(p.externalId) + '\t' + t(p.boundaryGridIds) + '\t' + t(p.reboundOfId) + '\t' + t(p.reportedAt) + '\t' + t(p.createdAt) + '\t' + t(p.updatedAt) +
          tail + x.row
      })
      inFlight = (await copyInto(client, 'Problem', PROBLEM_COLUMNS, problems)).done
      // the events' lines while PostgreSQL inserts the problems; sent when it is done
      const common = `\t${EVENT_ACTION}\t\\N\t`, rest = `\t${copyText(event.actorId)}\t${copyText(event.at)}\t`
      const events = copyLines(rows.length, (i) => ids[i]! + common + copyText(rows[i]!.problem.status) + rest + copyText(event.notePrefix + rows[i]!.note))
      await settle()
      inFlight = (await copyInto(client, 'ProblemEvent', EVENT_COLUMNS, events)).done
      return ids
    },
    async insertAudits(rows) {
      await settle()
      await (await copyInto(client, 'AuditLog', auditColumns, copyLines(rows.length, (i) => auditValues(rows[i]!).map(copyText).join('\t')))).done
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

/** rows per createMany on the Prisma path: 1,000 × 23 columns stays under PostgreSQL's 32,767 bound values */
const PRISMA_ROWS_PER_STATEMENT = 1_000

async function prismaTx<T>(db: Db, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const provider = rawDriver(db)?.provider ?? 'sqlite'
  return db.$transaction(async (t) => fn({
    writer: 'prisma', provider,
    async flush() {},
    async createBatch(b) {
      return (await t.importBatch.create({ data: b })).id
    },
    async insertProblems(batchId, rows, event) {
      // createMany in parts of PRISMA_ROWS_PER_STATEMENT, one after the other: a bigger one Prisma splits
      // itself (PostgreSQL binds at most 32,767 values per statement) and sends the parts at once on the
      // transaction's connection (pg: "Calling client.query() when the client is already executing a query")
      for (let i = 0; i < rows.length; i += PRISMA_ROWS_PER_STATEMENT) {
        await t.problem.createMany({ data: rows.slice(i, i + PRISMA_ROWS_PER_STATEMENT).map((x) => ({ ...x.problem, importBatchId: batchId, importRow: x.row })) })
      }
      const found = new Map((await t.problem.findMany({ where: { externalId: { in: rows.map((x) => x.problem.externalId) } }, select: { id: true, externalId: true } })).map((x) => [x.externalId!, x.id]))
      const ids = rows.map((x) => found.get(x.problem.externalId)!)
      for (let i = 0; i < rows.length; i += PRISMA_ROWS_PER_STATEMENT) {
        await t.problemEvent.createMany({ data: rows.slice(i, i + PRISMA_ROWS_PER_STATEMENT).map((x, k) => ({ problemId: ids[i + k]!, action: EVENT_ACTION, fromStatus: null, toStatus: x.problem.status, actorId: event.actorId, at: event.at, note: event.notePrefix + x.note })) })
      }
      return ids
    },
    async insertAudits(rows) {
      if (rows.length === 1) await writeAudit(t, rows[0]!)
      else await writeAuditMany(t, rows)
    },
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
