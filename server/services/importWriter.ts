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
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import type pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { rawDriver, type Db, type RawDriver } from '../db/client.ts'
import type { WriterReply, WriterRequest, WriterSetup } from '../workers/importWriterThread.ts'
import { runHeavy } from './heavy.ts'
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
/** the columns the import writes, in the order its statements take them (bench/sqliteWriteCosts.ts inserts the same) */
export const PROBLEM_COLUMNS = ['id', ...VALUE_COLUMNS, 'importBatchId', 'importRow'] as const
export const EVENT_COLUMNS = ['problemId', 'action', 'fromStatus', 'toStatus', 'actorId', 'at', 'note'] as const
/** an imported problem's event: it was reported (its status is the problem's) */
const EVENT_ACTION = 'report'

/** What the commit does inside the import's transaction. */
export interface ImportTx {
  readonly writer: ImportWriter
  /** the database under the transaction (for SQL the caller adds inside the same transaction) */
  readonly provider: 'sqlite' | 'postgres'
  /**
   * the batch, first (its problems refer to it), with the counts known so far; `finishBatch` gives
   * it its final counts and report before the commit (nothing updates a batch afterwards)
   */
  createBatch(b: BatchValues): Promise<number>
  finishBatch(id: number, b: BatchValues): Promise<void>
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

/** the batch's columns, in the order of batchParams; placeholder i (1-based) is column i */
const BATCH_COLUMNS = ['fileName', 'fileHash', 'coordSystem', 'mode', 'total', 'imported', 'skipped', 'failed', 'report', 'createdById', 'createdAt'] as const
const BATCH_INSERT = (p: (i: number) => string) => `INSERT INTO "ImportBatch" (${BATCH_COLUMNS.map(q).join(',')}) VALUES (${BATCH_COLUMNS.map((_, i) => p(i + 1)).join(',')})`
/** the same columns set on batch `p(BATCH_COLUMNS.length + 1)` */
const BATCH_UPDATE = (p: (i: number) => string) => `UPDATE "ImportBatch" SET ${BATCH_COLUMNS.map((c, i) => `${q(c)} = ${p(i + 1)}`).join(', ')} WHERE "id" = ${p(BATCH_COLUMNS.length + 1)}`
const batchParams = (b: BatchValues, time: (d: Date) => string | null) => BATCH_COLUMNS.map((c) => (c === 'createdAt' ? time(b.createdAt) : b[c]))

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
export const SQLITE_IMPORT_CACHE_KIB = 512 * 1024

/**
 * The WAL checkpoint after an import's commit: a million rows leave ~1 GB in the write-ahead log, and
 * copying it into the database took 6 s — on the event loop when the committing connection did it
 * itself (SQLite's automatic checkpoint runs in the COMMIT). The import connection turns that off and
 * the heavy-task pool copies the log instead, while the server answers. A checkpoint is only
 * housekeeping: the rows are durable in the log at COMMIT, and readers see them either way.
 */
let checkpointing: Promise<unknown> = Promise.resolve()
function checkpointLater(driver: Extract<RawDriver, { provider: 'sqlite' }>): void {
  const file = driver.file
  checkpointing = checkpointing.then(() => runHeavy('walCheckpoint', [file, driver.busyTimeoutMs], undefined, { timeoutFactor: 30 }))
    .catch((e: unknown) => console.warn(`[import] WAL checkpoint after the import not done (the next one copies it): ${(e as Error).message}`))
}
/** Resolves when the checkpoints started by imports so far are done (tests, the bench). */
export function importCheckpointsDone(): Promise<unknown> {
  return checkpointing
}

/** 'problems' requests the writer thread may hold at once: the main thread prepares the next while it inserts, and waits beyond that */
const SQLITE_WRITES_IN_FLIGHT = 3

/** the SQLite writer thread's prepared INSERT of `columns` */
export const sqliteInsertSql = (table: string, columns: readonly string[]) => `INSERT INTO ${q(table)} (${columns.map(q).join(',')}) VALUES (${columns.map(() => '?').join(',')})`

/**
 * The SQLite transaction on the writer thread (workers/importWriterThread.ts). `insertProblems`
 * returns once the rows are handed over (the ids are given here, as AUTOINCREMENT would, under the
 * write lock BEGIN IMMEDIATE took); every other step waits for the writes before it and fails with them.
 */
async function sqliteTx<T>(driver: Extract<RawDriver, { provider: 'sqlite' }>, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const setup: WriterSetup = {
    file: driver.file, busyTimeoutMs: driver.busyTimeoutMs, cacheKib: SQLITE_IMPORT_CACHE_KIB,
    problemSql: sqliteInsertSql('Problem', PROBLEM_COLUMNS), problemColumns: PROBLEM_COLUMNS.length, idColumn: PROBLEM_COLUMNS.indexOf('id'), statusColumn: PROBLEM_COLUMNS.indexOf('status'), eventSql: sqliteInsertSql('ProblemEvent', EVENT_COLUMNS), auditSql: sqliteInsertSql('AuditLog', auditColumns),
  }
  const worker = new Worker(new URL('../workers/importWriter.worker.mjs', import.meta.url), { workerData: setup })
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  let lastId = 0
  /** the thread's end (an exception in it, or exited): every request waiting fails with it */
  let dead: Error | null = null
  const die = (e: Error) => { dead ??= e; for (const w of waiting.values()) w.reject(dead); waiting.clear() }
  worker.on('message', (r: WriterReply) => {
    const w = waiting.get(r.id)
    waiting.delete(r.id)
    if (r.ok) w?.resolve(r.value)
    else w?.reject(Object.assign(new Error(r.message), r.code ? { code: r.code } : {}))
  })
  worker.on('error', die)
  worker.on('exit', () => die(new Error('import writer thread ended')))
  type Request = WriterRequest extends infer R ? R extends WriterRequest ? Omit<R, 'id'> : never : never
  const request = (m: Request): Promise<unknown> => {
    if (dead) return Promise.reject(dead)
    const id = ++lastId
    const p = new Promise<unknown>((resolve, reject) => waiting.set(id, { resolve, reject }))
    worker.postMessage({ ...m, id })
    return p
  }
  const value = (v: unknown) => (v instanceof Date ? sqliteTime(v) : v)
  /** the inserts handed over and not yet answered, oldest first */
  const inFlight: Promise<unknown>[] = []
  const settle = async () => { while (inFlight.length) await inFlight.shift() }
  /** the id AUTOINCREMENT gives next (the write lock is held: BEGIN IMMEDIATE) */
  let nextId = 0
  const tx: ImportTx = {
    writer: 'driver', provider: 'sqlite',
    flush: settle,
    async createBatch(b) {
      await settle()
      await request({ op: 'run', sql: BATCH_INSERT(() => '?'), params: batchParams(b, sqliteTime) })
      return Number(await request({ op: 'value', sql: 'SELECT last_insert_rowid()', params: [] }))
    },
    async finishBatch(id, b) {
      await settle()
      await request({ op: 'run', sql: BATCH_UPDATE(() => '?'), params: [...batchParams(b, sqliteTime), id] })
    },
    async insertProblems(batchId, rows, event) {
      // the ids are given, as AUTOINCREMENT would (max of the table's sequence and its largest id, plus one)
      if (!nextId) nextId = Number(await request({ op: 'value', sql: 'SELECT max(coalesce((SELECT "seq" FROM sqlite_sequence WHERE "name" = \'Problem\'), 0), coalesce((SELECT max("id") FROM "Problem"), 0)) + 1', params: [] }))
      const n = PROBLEM_COLUMNS.length
      const ids = new Array<number>(rows.length), values = new Array<unknown>(rows.length * n), notes = new Array<string>(rows.length)
      for (let i = 0, o = 0; i < rows.length; i++, o += n) {
        const x = rows[i]!, p = x.problem, id = nextId++
        ids[i] = id
        values[o] = id; values[o + 1] = p.lng; values[o + 2] = p.lat; values[o + 3] = p.gridId; values[o + 4] = p.departmentId; values[o + 5] = p.categoryCode
        values[o + 6] = p.supervisingDepartmentId; values[o + 7] = p.routingRuleId; values[o + 8] = p.description; values[o + 9] = p.status; values[o + 10] = p.priority
        values[o + 11] = sqliteTime(p.deadline); values[o + 12] = p.reporterId; values[o + 13] = p.reporterName; values[o + 14] = p.source; values[o + 15] = p.externalId
        values[o + 16] = p.boundaryGridIds; values[o + 17] = p.reboundOfId; values[o + 18] = sqliteTime(p.reportedAt); values[o + 19] = sqliteTime(p.createdAt); values[o + 20] = sqliteTime(p.updatedAt)
        values[o + 21] = batchId; values[o + 22] = x.row
        notes[i] = x.note
      }
      if (inFlight.length >= SQLITE_WRITES_IN_FLIGHT) await inFlight.shift()
      const sent = request({ op: 'problems', values, notes, event: { action: EVENT_ACTION, actorId: event.actorId, at: sqliteTime(event.at)!, notePrefix: event.notePrefix } })
      sent.catch(() => {}) // awaited by the next step; never unhandled meanwhile
      inFlight.push(sent)
      return ids
    },
    async insertAudits(rows) {
      await settle()
      await request({ op: 'audits', rows: rows.map((a) => auditValues(a).map(value)) })
    },
    async sql(text, params) { await settle(); await request({ op: 'run', sql: text, params: params.map(value) }) },
    async value(text, params) { await settle(); return request({ op: 'value', sql: text, params: params.map(value) }) },
  }
  try {
    await request({ op: 'begin' })
    try {
      const out = await fn(tx)
      await settle()
      await request({ op: 'commit' })
      checkpointLater(driver)
      return out
    } catch (e) {
      await Promise.allSettled(inFlight) // the writes handed over end (done or refused) before the rollback
      await request({ op: 'rollback' }).catch(() => {})
      throw e
    }
  } finally {
    await worker.terminate()
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

/**
 * The foreign keys of a COPY, checked once per distinct value instead of once per row.
 *
 * PostgreSQL checks each inserted row's foreign keys with a trigger that looks the referenced row up
 * and locks it (FOR KEY SHARE): for an import, whose rows refer to the same few thousand grids,
 * departments and categories over and over, that was ~half of the server's time (bench, issue 14).
 * When the import's role may set `session_replication_role` (a superuser, or on PostgreSQL 15+ after
 * `GRANT SET ON PARAMETER session_replication_role TO <role>`), the problems' and events' COPYs run
 * with triggers off and this guard makes the same check for the distinct values of each chunk: it
 * locks the referenced rows FOR KEY SHARE — as the trigger does, so none can be deleted or have its
 * key changed until the import commits — and refuses the import with PostgreSQL's own
 * foreign-key error (23503, the constraint named) when one is missing. Everything else in the
 * transaction runs with triggers on. Without that privilege, or with IMPORT_FK_CHECK=row, the
 * triggers check each row as before. The constraints are read from the catalog, so a foreign key
 * added later is checked too (one over several columns makes the import use the triggers).
 */
interface ForeignKey { name: string; table: string; column: string; refTable: string; refColumn: string; refType: string }

export class ForeignKeyViolation extends Error {
  readonly code = '23503'
  constructor(readonly constraint: string, readonly table: string, readonly detail: string) {
    super(`insert or update on table "${table}" violates foreign key constraint "${constraint}"`)
  }
}

/** the single-column foreign keys of `tables` by table, or null when one spans several columns */
async function foreignKeysOf(client: pg.PoolClient, tables: readonly string[]): Promise<Map<string, ForeignKey[]> | null> {
  const r = await client.query<ForeignKey & { columns: number }>(`
    SELECT c.conname AS name, t.relname AS "table", a.attname AS "column", rt.relname AS "refTable", ra.attname AS "refColumn",
           format_type(ra.atttypid, ra.atttypmod) AS "refType", cardinality(c.conkey) AS columns
      FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_class rt ON rt.oid = c.confrelid
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
     WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])`, [tables.map(q)])
  if (r.rows.some((k) => k.columns !== 1)) return null
  const byTable = new Map<string, ForeignKey[]>(tables.map((t) => [t, []]))
  for (const k of r.rows) byTable.get(k.table)!.push(k)
  return byTable
}

class ReferenceGuard {
  /** the referenced values locked so far, as the rows hold them, per referenced table and column */
  private readonly locked = new Map<string, Set<unknown>>()
  constructor(private readonly client: pg.PoolClient, private readonly keys: Map<string, ForeignKey[]>) {}

  /**
   * Locks what the rows about to be copied into `table` refer to: `valuesOf(column)` gives a
   * column's values (null: the column is not written, so it takes its default, null).
   */
  async lock(table: string, valuesOf: (column: string) => Iterable<unknown> | null): Promise<void> {
    for (const k of this.keys.get(table) ?? []) {
      const values = valuesOf(k.column)
      if (!values) continue
      const key = `${k.refTable}.${k.refColumn}`
      let done = this.locked.get(key)
      if (!done) this.locked.set(key, done = new Set())
      // a chunk's rows repeat the same few values: each is looked at once (the database answers as text)
      const wanted = new Map<string, unknown>()
      for (const v of values) if (v !== null && v !== undefined && !done.has(v)) wanted.set(String(v), v)
      if (!wanted.size) continue
      const r = await this.client.query({
        text: `SELECT ${q(k.refColumn)}::text FROM ${q(k.refTable)} WHERE ${q(k.refColumn)} = ANY($1::${k.refType}[]) FOR KEY SHARE`,
        values: [[...wanted.keys()]], rowMode: 'array',
      })
      for (const [t] of r.rows as [string][]) { if (wanted.has(t)) done.add(wanted.get(t)); wanted.delete(t) }
      const missing = wanted.keys().next()
      if (!missing.done) {
        throw new ForeignKeyViolation(k.name, table, `Key (${k.column})=(${missing.value}) is not present in table "${k.refTable}".`)
      }
    }
  }
}

/** the guard when this transaction may run its COPYs without triggers (see ReferenceGuard), else null */
async function referenceGuard(client: pg.PoolClient): Promise<ReferenceGuard | null> {
  if (process.env.IMPORT_FK_CHECK === 'row') return null
  await client.query('SAVEPOINT gridduty_fk_check')
  try {
    await client.query('SET LOCAL session_replication_role = replica')
    await client.query('SET LOCAL session_replication_role = DEFAULT')
  } catch (e) {
    await client.query('ROLLBACK TO SAVEPOINT gridduty_fk_check; RELEASE SAVEPOINT gridduty_fk_check')
    if ((e as { code?: string }).code !== '42501') throw e // insufficient_privilege: the triggers check each row
    return null
  }
  await client.query('RELEASE SAVEPOINT gridduty_fk_check')
  const keys = await foreignKeysOf(client, ['Problem', 'ProblemEvent'])
  return keys && new ReferenceGuard(client, keys)
}

async function pgTx<T>(pool: pg.Pool, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  /** the COPY PostgreSQL is still working on: every next step waits for it (and fails with it) */
  let inFlight: Promise<void> | null = null
  const settle = async () => { const p = inFlight; inFlight = null; if (p) await p }
  /** checks the COPYs' references (null: the triggers do, row by row) */
  let guard: ReferenceGuard | null = null
  /** true while triggers are off: only the guarded COPYs of insertProblems run so */
  let triggersOff = false
  const triggers = async (on: boolean) => {
    if (!guard || on !== triggersOff) return
    await client.query(`SET LOCAL session_replication_role = ${on ? 'DEFAULT' : 'replica'}`)
    triggersOff = !on
  }
  /** before any step but insertProblems: the last COPY done, triggers on */
  const ready = async () => { await settle(); await triggers(true) }
  const tx: ImportTx = {
    writer: 'driver', provider: 'postgres',
    async flush() { await settle() },
    async createBatch(b) {
      await ready()
      const r = await client.query<{ id: number }>(BATCH_INSERT((i) => (i === 11 ? '$11::timestamp(3)' : `$${i}`)) + ' RETURNING id', batchParams(b, pgTime))
      return r.rows[0]!.id
    },
    async finishBatch(id, b) {
      await ready()
      await client.query(BATCH_UPDATE((i) => (i === 11 ? '$11::timestamp(3)' : `$${i}`)), [...batchParams(b, pgTime), id])
    },
    async insertProblems(batchId, rows, event) {
      await settle()
      if (!rows.length) return []
      // the ids the default would give, in file order (one sequence call per row, ascending)
      const r = await client.query<{ id: number }>('SELECT nextval(pg_get_serial_sequence(\'"Problem"\', \'id\'))::int AS id FROM generate_series(1, $1::int)', [rows.length])
      const ids = r.rows.map((x) => x.id).sort((a, b) => a - b)
      if (guard) {
        await guard.lock('Problem', (c) => (c === 'importBatchId' ? [batchId] : (VALUE_COLUMNS as readonly string[]).includes(c) ? rows.map((x) => x.problem[c as keyof ProblemValues]) : null))
        // the events refer to the importer and to the problems this COPY writes (this transaction's own rows: no lock)
        await guard.lock('ProblemEvent', (c) => (c === 'problemId' ? [] : c === 'actorId' ? [event.actorId] : null))
        await triggers(false)
      }
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
      await ready()
      await (await copyInto(client, 'AuditLog', auditColumns, copyLines(rows.length, (i) => auditValues(rows[i]!).map(copyText).join('\t')))).done
    },
    async sql(text, params) { await ready(); await client.query(text, params.map((v) => (v instanceof Date ? pgTime(v) : v))) },
    async value(text, params) {
      await ready()
      const r = await client.query({ text, values: params.map((v) => (v instanceof Date ? pgTime(v) : v)), rowMode: 'array' })
      return (r.rows[0] as unknown[] | undefined)?.[0]
    },
  }
  let broken: unknown = null
  try {
    await client.query('BEGIN')
    guard = await referenceGuard(client)
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
    async finishBatch(id, b) {
      await t.importBatch.update({ where: { id }, data: b })
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
