/**
 * SIGKILL in the middle of large multi-row writes, then restart: every committed row is there,
 * nothing half-written is, and retrying the same request is safe (idempotent).
 */
import Database from 'better-sqlite3'
import { pointOnFeature } from '@turf/turf'
import { afterEach, describe, expect, it } from 'vitest'
import { callProcedure, sessionCookieFor } from '../support/procedures.ts'
import { copyTemplateDb, ensureStopped, startServerProcess, type ServerProcess } from './harness.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { findBorderMove } from '../support/boundaryDraft.ts'

const running: ServerProcess[] = []
const dbs: { drop(): void }[] = []
afterEach(async () => {
  for (const p of running.splice(0)) await ensureStopped(p)
  for (const d of dbs.splice(0)) d.drop()
})
const start = async (file: string, env: Record<string, string> = {}) => { const p = await startServerProcess(file, env); running.push(p); return p }

/** Straight from the file, as a fresh process would see it after a crash. */
function inspectDb(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    return {
      integrity: (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
      holders: db.prepare('SELECT id, gridId, departmentId, validFrom, validTo FROM GridHolder ORDER BY id').all(),
      audits: (db.prepare('SELECT count(*) AS n FROM AuditLog').get() as { n: number }).n,
      problems: (db.prepare('SELECT count(*) AS n FROM Problem').get() as { n: number }).n,
      importedB: (db.prepare("SELECT count(*) AS n FROM Problem WHERE externalId LIKE 'ext:编号:KILL-%'").get() as { n: number }).n,
      events: (db.prepare('SELECT count(*) AS n FROM ProblemEvent').get() as { n: number }).n,
      importAudits: (db.prepare("SELECT count(*) AS n FROM AuditLog WHERE action = 'problem.import'").get() as { n: number }).n,
      batches: (db.prepare('SELECT count(*) AS n FROM ImportBatch').get() as { n: number }).n,
    }
  } finally { db.close() }
}

/** What a boundary save touches, straight from the file. */
function boundaryState(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    return {
      integrity: (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
      grids: db.prepare('SELECT id, version, geometry, retiredAt FROM Grid ORDER BY id').all() as { id: number; version: number }[],
      versions: db.prepare('SELECT number FROM BoundaryVersion ORDER BY number').all() as { number: number }[],
      history: (db.prepare('SELECT count(*) AS n FROM GridGeometryHistory').get() as { n: number }).n,
      problems: db.prepare('SELECT id, gridId, departmentId FROM Problem ORDER BY id').all(),
      sites: db.prepare('SELECT id, gridId FROM EvaluationSite ORDER BY id').all(),
      audits: (db.prepare('SELECT count(*) AS n FROM AuditLog').get() as { n: number }).n,
    }
  } finally { db.close() }
}

describe('SIGKILL during a large write', () => {
  it('holder bulk assignment: killed halfway through the transaction → nothing written; the retry writes all once', async () => {
    const { file, drop } = copyTemplateDb('bulk')
    dbs.push({ drop })
    // each step of the bulk assignment waits, and the halfway step announces itself on stderr
    const server = await start(file, { GRIDDUTY_FAILPOINTS: 'holder.bulkAssign=15' })
    const admin = await sessionCookieFor(server.url, 'admin')
    const leader = await sessionCookieFor(server.url, 'leader')
    const grids = (await callProcedure(server.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, leader)).data as { features: { properties: { id: number } }[] }
    const gridIds = grids.features.map((f) => f.properties.id)
    expect(gridIds.length).toBeGreaterThan(30)
    const depts = (await callProcedure(server.url, { path: 'department.list', type: 'query' }, undefined, leader)).data as { id: number }[]
    const input = { gridIds, departmentId: depts[2]!.id, cadreName: '崩溃测试', cadreTitle: '局长', contactName: '联系人', contactPhone: '0917-0000000', validFrom: new Date().toISOString() }
    const before = inspectDb(file)

    const inFlight = callProcedure(server.url, { path: 'holder.bulkAssign', type: 'mutation' }, input, admin).catch((e: Error) => e)
    await server.waitFor(/failpoint holder\.bulkAssign halfway/)
    server.kill('SIGKILL')
    expect(await server.exited).toBe('SIGKILL')
    expect(await inFlight).toBeInstanceOf(Error) // the client saw the connection die, no answer

    const afterCrash = inspectDb(file)
    expect(afterCrash.integrity).toBe('ok')
    expect(afterCrash.holders).toEqual(before.holders) // not one period ended, not one started
    expect(afterCrash.audits).toBe(before.audits)

    // restart and retry the very same request: everything once; a second retry changes nothing
    const again = await start(file)
    const admin2 = await sessionCookieFor(again.url, 'admin')
    const r1 = await callProcedure(again.url, { path: 'holder.bulkAssign', type: 'mutation' }, input, admin2)
    expect(r1.data).toEqual({ assigned: gridIds.length, unchanged: 0 })
    const r2 = await callProcedure(again.url, { path: 'holder.bulkAssign', type: 'mutation' }, input, admin2)
    expect(r2.data).toEqual({ assigned: 0, unchanged: gridIds.length })
    await ensureStopped(again)
    const final = inspectDb(file)
    expect(final.holders.length).toBe(before.holders.length + gridIds.length)
    expect(final.audits).toBe(before.audits + gridIds.length)
    const open = (final.holders as { gridId: number; departmentId: number; validTo: unknown }[]).filter((h) => h.validTo === null && gridIds.includes(h.gridId))
    expect(open).toHaveLength(gridIds.length)
    expect(new Set(open.map((h) => h.departmentId))).toEqual(new Set([input.departmentId]))
  }, 120_000)

  it('problem import (driver, several chunks): killed mid-import → all rows or none; the retry imports each row exactly once', async () => {
    const { file, drop } = copyTemplateDb('import')
    dbs.push({ drop })
    const server = await start(file, { GRIDDUTY_FAILPOINTS: 'problem.import=300' })
    const leader = await sessionCookieFor(server.url, 'leader')
    const grids = (await callProcedure(server.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, leader)).data as { features: GeoJSON.Feature<GeoJSON.Polygon>[] }
    const points = grids.features.map((f) => pointOnFeature(f).geometry.coordinates as [number, number])
    const ROWS = 7000 // two write chunks of the driver's transaction (WRITE_CHUNK 5000): killed after the first
    const csv = (prefix: string) => '编号,经度,纬度,类别,描述\n' + Array.from({ length: ROWS }, (_, i) => {
      const [lng, lat] = points[i % points.length]!
      return `${prefix}-${i},${lng},${lat},LJ01,批量导入第${i}行`
    }).join('\n') + '\n'
    const post = (body: string, cookie: string, url = server.url) => fetch(`${url}/api/import/problems?mode=commit&coords=wgs84&commitMode=all-or-nothing&fileName=kill.csv`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body })

    const before = inspectDb(file)
    // each chunk of the import waits, and the halfway chunk announces itself: a chunk is written, the transaction is open
    const inFlight = post(csv('KILL'), leader).catch((e: Error) => e)
    await server.waitFor(/failpoint problem\.import halfway/)
    server.kill('SIGKILL')
    expect(await server.exited).toBe('SIGKILL')
    expect(await inFlight).toBeInstanceOf(Error)
    const afterCrash = inspectDb(file)
    expect(afterCrash.integrity).toBe('ok')
    // nothing of the killed import: no rows, no batch record
    expect(afterCrash.importedB).toBe(0)
    expect(afterCrash.batches).toBe(before.batches)
    expect(afterCrash.problems).toBe(before.problems)
    expect(afterCrash.events).toBe(before.events) // nor their events and audit rows
    expect(afterCrash.importAudits).toBe(before.importAudits)

    const again = await start(file)
    const leader2 = await sessionCookieFor(again.url, 'leader')
    await (await post(csv('KILL'), leader2, again.url)).json()
    const retried = (await (await post(csv('KILL'), leader2, again.url)).json()) as { summary: { imported: number; skipped: number } }
    expect(retried.summary.imported).toBe(0) // already there: nothing imported twice
    await ensureStopped(again)
    const final = inspectDb(file)
    expect(final.importedB).toBe(ROWS)
    expect(final.problems).toBe(before.problems + ROWS)
    expect(final.events).toBe(before.events + ROWS)
    expect(final.importAudits).toBe(before.importAudits + 2) // one per batch (the retry's empty batch too), none per problem (docs/evidence.md)
  }, 300_000)
  it('boundary save: killed halfway through the transaction → no grid, history, version or re-assignment written; the retry saves once', async () => {
    const { file, drop } = copyTemplateDb('boundary')
    dbs.push({ drop })
    const server = await start(file, { GRIDDUTY_FAILPOINTS: 'boundary.save=300' })
    const planner = await loggedIn(server.url, 'planner')
    const { draft } = await findBorderMove(planner)
    const input = { draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '崩溃测试' }
    const before = boundaryState(file)

    const inFlight = planner.boundary.save.mutate(input).catch((e: Error) => e)
    await server.waitFor(/failpoint boundary\.save halfway/) // one of the two grids is written
    server.kill('SIGKILL')
    expect(await server.exited).toBe('SIGKILL')
    expect(await inFlight).toBeInstanceOf(Error)
    expect(boundaryState(file)).toEqual(before)

    const again = await start(file)
    const planner2 = await loggedIn(again.url, 'planner')
    expect((await planner2.boundary.save.mutate(input)).number).toBe(1)
    // the same request once more: the base version is gone, nothing is saved twice
    expect(await errorOf(planner2.boundary.save.mutate(input))).toMatchObject({ code: 'CONFLICT', appCode: 'BOUNDARY_VERSION_CONFLICT' })
    await ensureStopped(again)
    const final = boundaryState(file)
    expect(final.versions.filter((v) => v.number > 0)).toHaveLength(1)
    const changed = final.grids.filter((g, i) => g.version !== before.grids[i]!.version)
    expect(changed.map((g) => g.id).sort()).toEqual(draft.grids.map((g) => g.id).sort())
  }, 120_000)
})
