/**
 * PostgreSQL's bulk import checks its rows' foreign keys once per distinct value (ReferenceGuard in
 * server/services/importWriter.ts) instead of one trigger call per row: a missing reference is
 * refused with PostgreSQL's own error, the referenced rows are locked until the import commits,
 * and a role without the privilege to turn the triggers off imports with the triggers. (That the
 * rows written are the Prisma path's is tests/api/importDriver.test.ts.)
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createDb, rawDriver, type Db } from '../../server/db/client.ts'
import type { DbConfig } from '../../server/db/config.ts'
import { constraintError } from '../../server/db/errors.ts'
import { ForeignKeyViolation, withImportTx, type ImportRowValues, type ProblemValues } from '../../server/services/importWriter.ts'
import { freshDatabase } from '../support/appServer.ts'

// with TEST_POSTGRES=1 (as in CI), as tests/db/migrations.test.ts
const adminUrl = inject('postgresAdminUrl')
if (adminUrl) describe('the PostgreSQL import\'s reference checks', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>
  let db: Db
  let ref: { gridId: number; departmentId: number; categoryCode: string; userId: number }
  const roleDbs: Db[] = []

  beforeAll(async () => {
    fresh = await freshDatabase('postgres')
    db = await createDb(fresh.config)
    const grid = (await db.grid.findFirst({ where: { level: 'community' } }))!
    const dep = (await db.department.findFirst())!
    const cat = (await db.problemCategory.findFirst())!
    const user = (await db.user.findFirst({ where: { role: 'leader' } }))!
    ref = { gridId: grid.id, departmentId: dep.id, categoryCode: cat.code, userId: user.id }
  })
  afterAll(async () => {
    for (const d of roleDbs) {
      await d.$disconnect()
      // Prisma ends the pool only if it used it itself; these were used by the import alone
      const pool = (rawDriver(d) as { pool?: pg.Pool } | null)?.pool
      if (pool && !pool.ended) await pool.end()
    }
    await db?.$disconnect()
    await fresh?.drop()
  })

  const url = () => (fresh.config as Extract<DbConfig, { provider: 'postgres' }>).url
  const sql = async (text: string, params: unknown[] = [], as?: string) => {
    const u = new URL(url())
    if (as) u.username = as
    const c = new pg.Client({ connectionString: u.toString() })
    await c.connect()
    try { return (await c.query(text, params)).rows } finally { await c.end() }
  }
  let seq = 0
  const row = (over: Partial<ProblemValues> = {}): ImportRowValues => {
    const at = new Date('2026-11-20T02:00:00Z')
    return {
      row: 2 + seq,
      note: '第 2 行',
      problem: {
        lng: 108.95, lat: 34.27, gridId: ref.gridId, departmentId: ref.departmentId, categoryCode: ref.categoryCode,
        supervisingDepartmentId: ref.departmentId, routingRuleId: null, description: '测试', status: 'pending', priority: 'normal',
        deadline: null, reporterId: null, reporterName: '测试', source: 'import', externalId: `REF-${process.pid}-${seq++}`,
        boundaryGridIds: null, reboundOfId: null, reportedAt: at, createdAt: at, updatedAt: at, ...over,
      },
    }
  }
  /** one import transaction writing `rows`; `during` runs after they are written, before COMMIT */
  const importRows = (on: Db, rows: ImportRowValues[], during?: () => Promise<void>) => withImportTx(on, 'driver', async (tx) => {
    const at = new Date()
    const batchId = await tx.createBatch({ fileName: 'refs.csv', fileHash: 'x', coordSystem: 'wgs84', mode: 'all-or-nothing', total: rows.length, skipped: 0, failed: 0, createdById: ref.userId, createdAt: at, imported: rows.length, report: '[]' })
    const ids = await tx.insertProblems(batchId, rows, { actorId: ref.userId, at, notePrefix: `导入批次 #${batchId} ` })
    await tx.flush()
    await during?.()
    return { batchId, ids: Array.from(ids) }
  })
  const batches = async () => db.importBatch.count()

  it('refuses a grid, a department or a category that does not exist with PostgreSQL\'s foreign-key error, and writes nothing', async () => {
    const before = await batches()
    for (const [over, constraint, column] of [
      [{ gridId: 987_654 }, 'Problem_gridId_fkey', 'gridId'],
      [{ departmentId: 987_654 }, 'Problem_departmentId_fkey', 'departmentId'],
      [{ categoryCode: 'NO-SUCH-CODE' }, 'Problem_categoryCode_fkey', 'categoryCode'],
    ] as const) {
      // the bad row among good ones, in the second chunk call as in the first
      const err = await importRows(db, [row(), row(over), row()]).then(() => null, (e: unknown) => e)
      expect(err).toBeInstanceOf(ForeignKeyViolation)
      expect(err).toMatchObject({ code: '23503', constraint, table: 'Problem' })
      expect((err as ForeignKeyViolation).detail).toContain(`Key (${column})=`)
    }
    expect(await batches()).toBe(before)
  })

  it('writes good rows, each with its report event, and keeps the referenced rows locked until it commits', async () => {
    // a department nothing else refers to: without the lock, deleting it would not wait for the import
    const [dep] = await sql(`INSERT INTO "Department" ("name", "shortName", "contactPerson", "phone", "updatedAt") VALUES ($1, $1, '测试', '00000000', now()) RETURNING id`, [`锁测试 ${process.pid}`]) as { id: number }[]
    let deleteWhileOpen: unknown = 'not tried'
    const { batchId, ids } = await importRows(db, [row({ departmentId: dep!.id }), row()], async () => {
      deleteWhileOpen = await sql(`SET lock_timeout = '300ms'; DELETE FROM "Department" WHERE id = ${dep!.id}`).then(() => 'deleted', (e: { code?: string }) => e.code)
    })
    expect(deleteWhileOpen).toBe('55P03') // lock_not_available: the import holds the department FOR KEY SHARE
    const problems = await db.problem.findMany({ where: { importBatchId: batchId }, orderBy: { id: 'asc' }, select: { id: true, departmentId: true } })
    expect(problems.map((p) => p.id)).toEqual(ids)
    expect(problems[0]!.departmentId).toBe(dep!.id)
    const events = await db.problemEvent.findMany({ where: { problemId: { in: ids } }, select: { problemId: true, action: true, actorId: true } })
    expect(events.sort((a, b) => a.problemId - b.problemId)).toEqual(ids.map((id) => ({ problemId: id, action: 'report', actorId: ref.userId })))
  })

  it('a role that may not turn triggers off imports with them (same rows, same error); one granted SET on the parameter uses the guard', async () => {
    const db1 = `gd_plain_${process.pid}`, db2 = `gd_granted_${process.pid}`
    for (const r of [db1, db2]) {
      await sql(`CREATE ROLE "${r}" LOGIN; GRANT ALL ON ALL TABLES IN SCHEMA public TO "${r}"; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "${r}"; GRANT USAGE ON SCHEMA public TO "${r}"`)
    }
    await sql(`GRANT SET ON PARAMETER session_replication_role TO "${db2}"`)
    const as = async (role: string) => {
      const u = new URL(url()); u.username = role
      const d = await createDb({ provider: 'postgres', url: u.toString() })
      roleDbs.push(d)
      return d
    }
    const plain = await as(db1), granted = await as(db2)
    expect((await sql('SELECT rolsuper FROM pg_roles WHERE rolname = current_user', [], db1))[0]).toEqual({ rolsuper: false })

    const ok = await importRows(plain, [row(), row()])
    expect(await db.problem.count({ where: { importBatchId: ok.batchId } })).toBe(2)
    const byTrigger = await importRows(plain, [row({ gridId: 987_654 })]).then(() => null, (e: unknown) => e)
    expect(byTrigger).not.toBeInstanceOf(ForeignKeyViolation) // PostgreSQL's trigger refused it
    expect(byTrigger).toMatchObject({ code: '23503', constraint: 'Problem_gridId_fkey' })
    // either way the import route answers 400 REFERENCE_NOT_FOUND (server/db/errors.ts), not a 500
    expect(constraintError(byTrigger)).toMatchObject({ httpStatus: 400, appCode: 'REFERENCE_NOT_FOUND' })

    const byGuard = await importRows(granted, [row({ gridId: 987_654 })]).then(() => null, (e: unknown) => e)
    expect(byGuard).toBeInstanceOf(ForeignKeyViolation)
    expect(byGuard).toMatchObject({ code: '23503', constraint: 'Problem_gridId_fkey' })
    expect(constraintError(byGuard)).toMatchObject({ httpStatus: 400, appCode: 'REFERENCE_NOT_FOUND' })
    const good = await importRows(granted, [row()])
    expect(await db.problem.count({ where: { importBatchId: good.batchId } })).toBe(1)
  })
})
