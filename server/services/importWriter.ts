/**
 * The transaction a problem import writes in, behind one small interface so that the commit
 * (services/problemImport.ts commitPreview) is one sequence of steps whatever writes the rows:
 *  - `driver` (default): the database driver — better-sqlite3 prepared statements in one
 *    `BEGIN IMMEDIATE … COMMIT` on SQLite; `INSERT … SELECT FROM unnest($1::…[], …)` per chunk in one
 *    transaction on PostgreSQL, on the pool Prisma itself uses (server/db/client.ts rawDriver);
 *  - `prisma`: Prisma createMany in an interactive transaction (the reference the driver is tested
 *    against, tests/api/importDriver.test.ts, and the fallback for a client without a driver).
 * Both write the same rows: the ImportBatch, the problems (ids in file order), one 'report' event
 * and one audit row per problem, the batch's report and its audit row. Nothing is visible before
 * COMMIT; a crash anywhere leaves nothing (tests/faults/crash.test.ts).
 */
import Database from 'better-sqlite3'
import type pg from 'pg'
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
const PG_PROBLEM_TYPES = ['float8', 'float8', 'int4', 'int4', 'text', 'int4', 'int4', 'text', 'text', 'text', 'timestamp(3)', 'int4', 'text', 'text', 'text', 'int4', 'text', 'int4', 'timestamp(3)', 'timestamp(3)', 'timestamp(3)']

export interface EventValues { problemId: number; action: string; fromStatus: string | null; toStatus: string; actorId: number | null; at: Date; note: string }
const EVENT_COLUMNS = ['problemId', 'action', 'fromStatus', 'toStatus', 'actorId', 'at', 'note'] as const satisfies readonly (keyof EventValues)[]
const PG_EVENT_TYPES = ['int4', 'text', 'text', 'text', 'int4', 'timestamp(3)', 'text']
const PG_AUDIT_TYPES = ['int4', 'text', 'text', 'text', 'text', 'text', 'timestamp(3)']

/** What the commit does inside the import's transaction. */
export interface ImportTx {
  readonly writer: ImportWriter
  /** the database under the transaction (for SQL the caller adds inside the same transaction) */
  readonly provider: 'sqlite' | 'postgres'
  createBatch(b: BatchValues): Promise<number>
  /** inserts the problems in order; their ids in the same order */
  insertProblems(rows: readonly ProblemValues[]): Promise<number[]>
  insertEvents(rows: readonly EventValues[]): Promise<void>
  insertAudits(rows: readonly (AuditEntry & { at: Date })[]): Promise<void>
  finishBatch(id: number, imported: number, report: string): Promise<void>
  /** raw SQL in this transaction (`?` placeholders on SQLite, `$1` on PostgreSQL) */
  sql(text: string, params: unknown[]): Promise<void>
}

const q = (c: string) => `"${c}"`
/** Prisma's SQLite DateTime text ("2026-11-03T01:30:00.000+00:00") */
const sqliteTime = (d: Date | null) => (d ? d.toISOString().replace('Z', '+00:00') : null)
/** Prisma's PostgreSQL TIMESTAMP(3) holds UTC without a zone: pass the UTC wall clock */
const pgTime = (d: Date | null) => (d ? d.toISOString().slice(0, 23) : null)

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

/** One INSERT … SELECT FROM unnest(…) of column arrays. */
function unnestInsert(table: string, columns: readonly string[], types: readonly string[], returning = ''): string {
  return `INSERT INTO ${q(table)} (${columns.map(q).join(',')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(',')})${returning ? ` RETURNING ${returning}` : ''}`
}

async function pgTx<T>(pool: pg.Pool, fn: (tx: ImportTx) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  const columns = <R>(rows: readonly R[], cols: readonly (keyof R)[]) => cols.map((c) => rows.map((r) => { const v = r[c]; return v instanceof Date ? pgTime(v) : v }))
  const tx: ImportTx = {
    writer: 'driver', provider: 'postgres',
    async createBatch(b) {
      const r = await client.query<{ id: number }>('INSERT INTO "ImportBatch" ("fileName","fileHash","coordSystem","mode","total","imported","skipped","failed","report","createdById","createdAt") VALUES ($1,$2,$3,$4,$5,0,$6,$7,\'[]\',$8,$9::timestamp(3)) RETURNING id',
        [b.fileName, b.fileHash, b.coordSystem, b.mode, b.total, b.skipped, b.failed, b.createdById, pgTime(b.createdAt)])
      return r.rows[0]!.id
    },
    async insertProblems(rows) {
      if (!rows.length) return []
      // ids in file order: RETURNING follows the unnest order, checked by externalId (unique)
      const r = await client.query<{ id: number; externalId: string }>(unnestInsert('Problem', PROBLEM_COLUMNS, PG_PROBLEM_TYPES, 'id, "externalId"'), columns(rows, PROBLEM_COLUMNS))
      const byExt = new Map(r.rows.map((x) => [x.externalId, x.id]))
      return rows.map((p) => byExt.get(p.externalId)!)
    },
    async insertEvents(rows) {
      if (rows.length) await client.query(unnestInsert('ProblemEvent', EVENT_COLUMNS, PG_EVENT_TYPES), columns(rows, EVENT_COLUMNS))
    },
    async insertAudits(rows) {
      if (!rows.length) return
      const values = rows.map(auditValues)
      await client.query(unnestInsert('AuditLog', auditColumns, PG_AUDIT_TYPES), auditColumns.map((_, i) => values.map((v) => { const x = v[i]; return x instanceof Date ? pgTime(x) : x })))
    },
    async finishBatch(id, imported, report) {
      await client.query('UPDATE "ImportBatch" SET "imported" = $1, "report" = $2 WHERE "id" = $3', [imported, report, id])
    },
    async sql(text, params) { await client.query(text, params.map((v) => (v instanceof Date ? pgTime(v) : v))) },
  }
  let broken: unknown = null
  try {
    await client.query('BEGIN')
    const out = await fn(tx)
    await client.query('COMMIT')
    return out
  } catch (e) {
    broken = e
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
      // the batch's own row through writeAudit, the per-problem rows in one statement
      if (rows.length === 1 && rows[0]!.entity === 'ImportBatch') await writeAudit(t, rows[0]!)
      else await writeAuditMany(t, rows)
    },
    async finishBatch(id, imported, report) { await t.importBatch.update({ where: { id }, data: { imported, report } }) },
    async sql(text, params) { await t.$executeRawUnsafe(text, ...params) },
  }), { timeout: 600_000, maxWait: 20_000 })
}
