/**
 * The bulk import's driver path (better-sqlite3 / pg unnest, services/importWriter.ts) writes exactly
 * the rows the Prisma path writes — problems, events, audit rows, the batch and its report — for the
 * same files on two fresh copies of the same database; and the HTTP route streams its progress.
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawDriver } from '../../server/db/client.ts'
import { recomputedAggregates, storedAggregates } from '../../server/services/aggregates.ts'
import { commitImport, commitPreview, previewImport, WRITE_CHUNK } from '../../server/services/problemImport.ts'
import type { ImportWriter } from '../../server/services/importWriter.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const dir = path.resolve('tests/fixtures/import/ledgers')
const FILES: [name: string, coords: 'wgs84' | 'gcj02'][] = [['ledger-2026-10-title-merged.xlsx', 'wgs84'], ['hotline-12345.xlsx', 'gcj02'], ['ledger-dms.csv', 'wgs84']]

const EDGES = [1, WRITE_CHUNK - 1, WRITE_CHUNK, WRITE_CHUNK + 1]

describe.each(testDatabases())('driver import on %s', (db) => {
  const apps: RunningApp[] = []
  beforeAll(async () => { apps.push(await startApp({ db }), await startApp({ db })) })
  afterAll(async () => { for (const a of apps) await a.stop() })

  /** a larger generated CSV (two write chunks): a point in every community grid, some urgent */
  async function bigCsv(app: RunningApp, n: number, prefix = 'BIG'): Promise<Buffer> {
    const grids = await app.db.grid.findMany({ where: { level: 'community', retiredAt: null }, select: { geometry: true } })
    const pts = grids.map((g) => pointOnFeature({ type: 'Feature', properties: {}, geometry: JSON.parse(g.geometry) as GeoJSON.Polygon }).geometry.coordinates as [number, number])
    const lines = ['工单编号,上报时间,类别,描述,经度,纬度,优先级']
    for (let i = 0; i < n; i++) {
      const [x, y] = pts[i % pts.length]!
      lines.push(`${prefix}-${i},2026-11-${String(1 + (i % 28)).padStart(2, '0')} 08:00,${['LJ01', 'XX01', 'JT01'][i % 3]},${i % 11 === 0 ? `"第${i}行 反斜杠\\ 制表\t换行\n引号""x"""` : `第${i}行`},${x + (i % 7) * 1e-5},${y},${i % 5 === 0 ? '紧急' : ''}`)
    }
    return Buffer.from(lines.join('\n') + '\n')
  }

  async function dump(app: RunningApp, batchIds: number[], at: Date) {
    const problems = await app.db.problem.findMany({ where: { importBatchId: { in: batchIds } }, orderBy: { id: 'asc' } })
    const events = await app.db.problemEvent.findMany({ where: { problem: { importBatchId: { in: batchIds } } }, orderBy: { id: 'asc' } })
    const audits = await app.db.auditLog.findMany({ where: { action: 'problem.import', at }, orderBy: { id: 'asc' } })
    const batches = await app.db.importBatch.findMany({ where: { id: { in: batchIds } }, orderBy: { id: 'asc' } })
    return { problems, events, audits, batches }
  }

  it('writes the same problems, events, audit rows and batches as the Prisma path', async () => {
    const [a, b] = apps as [RunningApp, RunningApp]
    expect(rawDriver(b.db)?.provider).toBe(db)
    const now = new Date(Math.floor(Date.now() / 1000) * 1000)
    const files = [...FILES.map(([name, coords]) => ({ name, coords, bytes: fs.readFileSync(path.join(dir, name)) })), { name: 'big.csv', coords: 'wgs84' as const, bytes: await bigCsv(a, 6_000) },
      // the write chunk's edges: one row, one short of a chunk, exactly a chunk, one over
      ...await Promise.all(EDGES.map(async (n) => ({ name: `edge-${n}.csv`, coords: 'wgs84' as const, bytes: await bigCsv(a, n, `EDGE${n}`) })))]
    const run = async (app: RunningApp, writer: ImportWriter) => {
      const u = (await app.db.user.findFirst({ where: { role: 'leader' }, select: { id: true, displayName: true } }))!
      const ids: number[] = []
      for (const f of files) {
        const res = await commitImport(app.db, app.catalog, u, f.bytes, { fileName: f.name, coordSystem: f.coords, mode: 'good-rows', writer }, now)
        expect(res.committed).toBe(true)
        ids.push(res.batchId!)
      }
      return dump(app, ids, now)
    }
    const viaPrisma = await run(a, 'prisma')
    const viaDriver = await run(b, 'driver')
    expect(viaDriver.problems.length).toBe(20 + 10 + 8 + 6_000 + EDGES.reduce((x, y) => x + y, 0))
    expect(viaDriver.batches.map((b) => b.imported).slice(-EDGES.length)).toEqual(EDGES)
    expect(viaDriver.events.length).toBe(viaDriver.problems.length)
    // one audit row per import (docs/evidence.md "Imports"), none per problem: the batch's row names
    // the file's hash, its rows and the problems' ids, first..last ascending in file order
    expect(viaDriver.audits.map((x) => [x.entity, x.entityId])).toEqual(viaDriver.batches.map((b) => ['ImportBatch', String(b.id)]))
    viaDriver.batches.forEach((batch, i) => {
      const mine = viaDriver.problems.filter((p) => p.importBatchId === batch.id)
      // the report lists the refused rows only; the imported rows are their problems, ids ascending in file order
      expect((JSON.parse(batch.report) as { ok: boolean }[]).filter((r) => r.ok)).toEqual([])
      const rows = mine.map((p) => p.importRow!)
      expect(rows).toEqual([...rows].sort((x, y) => x - y))
      expect(new Set(rows).size).toBe(mine.length)
      expect(JSON.parse(viaDriver.audits[i]!.after!)).toMatchObject({
        fileName: files[i]!.name, fileHash: createHash('sha256').update(files[i]!.bytes).digest('hex'), imported: mine.length,
        firstProblemId: mine[0]!.id, lastProblemId: mine.at(-1)!.id,
      })
      expect(viaDriver.audits[i]!.actorId).toBe(batch.createdById)
    })
    expect(viaDriver.problems.filter((p) => p.priority === 'urgent').length).toBe(1200 + EDGES.reduce((x, n) => x + Math.ceil(n / 5), 0))
    // text with a backslash, a tab and a line break survives the driver's escaping (COPY on PostgreSQL)
    expect(viaDriver.problems.filter((p) => /\\/.test(p.description) && /\t/.test(p.description) && /\n/.test(p.description)).length).toBeGreaterThan(500)
    // every problem's 'report' event points at it, in the same order, naming its batch
    expect(viaDriver.events.map((e) => e.problemId)).toEqual(viaDriver.problems.map((p) => p.id))
    expect(viaDriver.events.every((e, i) => e.action === 'report' && e.note.startsWith(`导入批次 #${viaDriver.problems[i]!.importBatchId}`))).toBe(true)
    for (const app of [a, b]) expect(await app.db.auditLog.count({ where: { entity: 'Problem', action: 'problem.import' } })).toBe(0)
    expect(viaDriver).toEqual(viaPrisma)
    // the tallies the imports added (counted per group of alike problems, services/aggregates.ts
    // tallyNewProblems: many rows per grid, overdue and not, two months) equal a recomputation
    for (const app of [a, b]) expect(await storedAggregates(app.db)).toEqual(await recomputedAggregates(app.db))
  }, 300_000)

  it('the batch accounts for every row of the file: each good row is its problem (importRow), each refused row is in the report', async () => {
    const app = apps[1]!
    const u = (await app.db.user.findFirst({ where: { role: 'leader' }, select: { id: true, displayName: true } }))!
    const now = new Date()
    const good = (await bigCsv(app, 40, 'ACC')).toString('utf8').trimEnd().split('\n')
    // refused rows among the good ones: bad coordinates, an unknown category, a duplicate id, a point outside every grid
    const bytes = Buffer.from([...good.slice(0, 10), 'ACC-X1,2026-11-02 08:00,LJ01,坐标坏,abc,30', ...good.slice(10, 20), 'ACC-X2,2026-11-02 08:00,没有这个类别,类别坏,120.1,30.1',
      good[5]!, ...good.slice(20), 'ACC-X3,2026-11-02 08:00,LJ01,网格外,1.5,1.5'].join('\n') + '\n')
    const opts = { fileName: 'accounts.csv', coordSystem: 'wgs84' as const, mode: 'good-rows' as const, writer: 'driver' as const }
    const preview = await previewImport(app.db, app.catalog, bytes, opts, now)
    const badRows = preview.rows.filter((r) => !r.ok)
    expect(badRows.map((r) => r.reason).sort()).toEqual(['BAD_COORDINATES', 'UNKNOWN_CATEGORY', 'DUPLICATE_IN_FILE', 'OUTSIDE_GRIDS'].sort())
    const res = await commitPreview(app.db, app.catalog, u, preview, opts, now)
    const batch = (await app.db.importBatch.findUnique({ where: { id: res.batchId! } }))!
    const problems = await app.db.problem.findMany({ where: { importBatchId: batch.id }, orderBy: { id: 'asc' }, select: { id: true, importRow: true, externalId: true, gridId: true, lng: true, lat: true } })
    const report = JSON.parse(batch.report) as { row: number; ok: boolean; reason: string; message: string }[]
    // every row once: imported (a problem names it) or refused (the report names it), as the preview saw them
    expect(batch.total).toBe(problems.length + report.length)
    expect([...problems.map((p) => p.importRow!), ...report.map((r) => r.row)].sort((x, y) => x - y)).toEqual(preview.rows.map((r) => r.row).sort((x, y) => x - y))
    expect(report).toEqual(badRows.map((r) => ({ row: r.row, ok: false, reason: r.reason, message: r.message, ...(r.detail === undefined ? {} : { detail: r.detail }) })))
    const byRow = new Map(problems.map((p) => [p.importRow!, p]))
    for (const r of preview.rows) {
      if (!r.ok) continue
      expect(byRow.get(r.row)).toMatchObject({ externalId: r.externalId, gridId: r.target.gridId, lng: r.lng, lat: r.lat })
    }
    // the answer names each listed good row's problem
    expect(res.rows.filter((r) => r.ok).map((r) => [r.row, r.problemId])).toEqual(problems.map((p) => [p.importRow, p.id]))
    expect(res.omitted).toEqual({ ok: 0, bad: 0 })
  }, 300_000)

  it('a row written by someone else between preview and commit: IMPORT_CONFLICT, nothing of the file written, the connection usable again', async () => {
    const app = apps[1]!
    const u = (await app.db.user.findFirst({ where: { role: 'leader' }, select: { id: true, displayName: true } }))!
    const now = new Date()
    const bytes = await bigCsv(app, WRITE_CHUNK + 10, 'CONF')
    const opts = { fileName: 'conf.csv', coordSystem: 'wgs84' as const, mode: 'good-rows' as const, writer: 'driver' as const }
    const preview = await previewImport(app.db, app.catalog, bytes, opts, now)
    const taken = preview.rows[WRITE_CHUNK + 3]! // in the second chunk: the first one is already written when it fails
    if (!taken.ok) throw new Error('expected a good row')
    await app.db.problem.create({ data: { lng: taken.lng, lat: taken.lat, categoryCode: taken.categoryCode, description: 'x', status: 'reported', reporterName: 'x', externalId: taken.externalId, updatedAt: now } })
    const before = { problems: await app.db.problem.count(), events: await app.db.problemEvent.count(), audits: await app.db.auditLog.count(), batches: await app.db.importBatch.count() }
    await expect(commitPreview(app.db, app.catalog, u, preview, opts, now)).rejects.toMatchObject({ appCode: 'IMPORT_CONFLICT' })
    expect({ problems: await app.db.problem.count(), events: await app.db.problemEvent.count(), audits: await app.db.auditLog.count(), batches: await app.db.importBatch.count() }).toEqual(before)
    // previewed again, the taken row is reported as already imported and the rest goes in
    const again = await commitImport(app.db, app.catalog, u, bytes, opts, now)
    expect(again.summary).toMatchObject({ imported: WRITE_CHUNK + 9, skipped: 1 })
  }, 300_000)

  it('streams progress while checking and writing; the last line is the result', async () => {
    const app = apps[1]!
    const cookie = await sessionCookieFor(app.url, 'leader')
    const body = await bigCsv(app, 6_000)
    const post = async (mode: string) => {
      const res = await fetch(`${app.url}/api/import/problems?mode=${mode}&coords=wgs84&commitMode=good-rows&progress=1&source=stream`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: body as unknown as BodyInit })
      expect(res.headers.get('content-type')).toMatch(/ndjson/)
      return (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { progress?: { phase: string; total: number; read: number; valid: number; written?: number }; result?: { summary: { ok: number; imported?: number } } })
    }
    const preview = await post('preview')
    const checks = preview.filter((l) => l.progress?.phase === 'check').map((l) => l.progress!)
    expect(checks.length).toBeGreaterThan(1)
    expect(checks.map((p) => p.read)).toEqual([...checks.map((p) => p.read)].sort((x, y) => x - y))
    expect(checks.at(-1)).toMatchObject({ total: 6_000, read: 6_000, valid: 6_000 })
    expect(preview.at(-1)!.result!.summary.ok).toBe(6_000)
    const commit = await post('commit')
    const writes = commit.filter((l) => l.progress?.phase === 'write').map((l) => l.progress!.written)
    expect(writes).toEqual([5000, 6_000])
    expect(commit.at(-1)!.result!.summary.imported).toBe(6_000)
  }, 300_000)
})
