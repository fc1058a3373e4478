/**
 * The bulk import's driver path (better-sqlite3 / pg unnest, services/importWriter.ts) writes exactly
 * the rows the Prisma path writes — problems, events, audit rows, the batch and its report — for the
 * same files on two fresh copies of the same database; and the HTTP route streams its progress.
 */
import fs from 'node:fs'
import path from 'node:path'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawDriver } from '../../server/db/client.ts'
import { commitImport } from '../../server/services/problemImport.ts'
import type { ImportWriter } from '../../server/services/importWriter.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const dir = path.resolve('tests/fixtures/import/ledgers')
const FILES: [name: string, coords: 'wgs84' | 'gcj02'][] = [['ledger-2026-10-title-merged.xlsx', 'wgs84'], ['hotline-12345.xlsx', 'gcj02'], ['ledger-dms.csv', 'wgs84']]

describe.each(testDatabases())('driver import on %s', (db) => {
  const apps: RunningApp[] = []
  beforeAll(async () => { apps.push(await startApp({ db }), await startApp({ db })) })
  afterAll(async () => { for (const a of apps) await a.stop() })

  /** a larger generated CSV (two write chunks): a point in every community grid, some urgent */
  async function bigCsv(app: RunningApp, n: number): Promise<Buffer> {
    const grids = await app.db.grid.findMany({ where: { level: 'community', retiredAt: null }, select: { geometry: true } })
    const pts = grids.map((g) => pointOnFeature({ type: 'Feature', properties: {}, geometry: JSON.parse(g.geometry) as GeoJSON.Polygon }).geometry.coordinates as [number, number])
    const lines = ['工单编号,上报时间,类别,描述,经度,纬度,优先级']
    for (let i = 0; i < n; i++) {
      const [x, y] = pts[i % pts.length]!
      lines.push(`BIG-${i},2026-11-${String(1 + (i % 28)).padStart(2, '0')} 08:00,${['LJ01', 'XX01', 'JT01'][i % 3]},第${i}行,${x + (i % 7) * 1e-5},${y},${i % 5 === 0 ? '紧急' : ''}`)
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
    const files = [...FILES.map(([name, coords]) => ({ name, coords, bytes: fs.readFileSync(path.join(dir, name)) })), { name: 'big.csv', coords: 'wgs84' as const, bytes: await bigCsv(a, 6_000) }]
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
    expect(viaDriver.problems.length).toBe(20 + 10 + 8 + 6_000)
    expect(viaDriver.events.length).toBe(viaDriver.problems.length)
    expect(viaDriver.audits.length).toBe(viaDriver.problems.length + files.length)
    expect(viaDriver.problems.filter((p) => p.priority === 'urgent').length).toBe(1200)
    expect(viaDriver).toEqual(viaPrisma)
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
