/**
 * Real-world ledgers over HTTP (fixtures from tests/fixtures/import/make-ledgers.ts, expected values
 * from its manifest): a title-row + merged-header October ledger and a GB18030 November ledger whose
 * 序号 restart are both imported in full and neither twice; report times set the report time, the
 * deadline and overdue; a 12345 export is recognised; DMS and swapped coordinates; and GridDuty's own
 * export imported into another database reproduces every imported problem (lossless round trip).
 */
import fs from 'node:fs'
import path from 'node:path'
import Papa from 'papaparse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundledCalendar, deadlineFor } from '../../server/domain/calendar/workingDays.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const dir = path.resolve('tests/fixtures/import/ledgers')
type Expect = { row: number; lng: number; lat: number; grid: string; category: string; reportedAt: string | null; externalId?: string; description: string }
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, { rows: number; headerRow: number; ok: Expect[]; bad?: Record<string, string>; swapped?: number[] }>
const file = (name: string) => fs.readFileSync(path.join(dir, name))

interface Answer {
  headerRow: number; headers: string[]; preset: string | null; source: string; committed?: boolean; batchId?: number
  summary: { total: number; ok: number; skipped: number; failed: number; warnings: number; imported?: number }
  rows: { row: number; ok: boolean; reason?: string; warnings?: string[]; problemId?: number }[]
}

describe.each(testDatabases())('ledger import on %s', (db) => {
  let app: RunningApp
  let cookie: string
  let gridIdOf: Map<string, number>
  beforeAll(async () => {
    app = await startApp({ db })
    cookie = await sessionCookieFor(app.url, 'leader')
    gridIdOf = new Map((await app.db.grid.findMany({ select: { id: true, code: true } })).map((g) => [g.code, g.id]))
  })
  afterAll(async () => { await app?.stop() })

  const post = async (body: Uint8Array, query: string, url = app.url, c = cookie) => {
    const res = await fetch(`${url}/api/import/problems?${query}`, { method: 'POST', headers: { cookie: c, 'content-type': 'application/octet-stream' }, body: body as unknown as BodyInit })
    expect(res.status, await res.clone().text()).toBe(200)
    return (await res.json()) as Answer
  }
  const problemsOf = (batchId: number, on = app) => on.db.problem.findMany({ where: { importBatchId: batchId }, orderBy: { id: 'asc' } })

  /** every expected row imported once, with its grid, category, description and report time */
  async function expectImported(name: string, res: Answer, tolerance = 1e-9) {
    const m = manifest[name]!
    expect(res.committed).toBe(true)
    expect(res.summary.imported).toBe(m.ok.length)
    const ps = await problemsOf(res.batchId!)
    const byId = new Map(ps.map((p) => [p.id, p]))
    for (const e of m.ok) {
      const r = res.rows.find((x) => x.row === e.row)!
      expect(r, `row ${e.row}`).toMatchObject({ ok: true })
      const p = byId.get(r.problemId!)!
      expect(p.gridId, `row ${e.row}`).toBe(gridIdOf.get(e.grid))
      expect(p.categoryCode).toBe(e.category)
      expect(p.description).toBe(e.description)
      expect(p.reportedAt.toISOString()).toBe(e.reportedAt)
      expect(Math.abs(p.lng - e.lng)).toBeLessThan(tolerance)
      expect(Math.abs(p.lat - e.lat)).toBeLessThan(tolerance)
      if (e.externalId) expect(p.externalId).toBe(e.externalId)
    }
    return ps
  }

  it('imports October (title rows, merged header) and November (GB18030, 序号 restarting) in full, each once', async () => {
    const nov = 'ledger-2026-10-title-merged.xlsx', dec = 'ledger-2026-11-gb18030.csv'
    const before = await app.db.problem.count()
    const pv = await post(file(nov), 'mode=preview&coords=wgs84')
    expect(pv.headerRow).toBe(4)
    expect(pv.headers.slice(4, 7)).toEqual(['问题位置·经度', '问题位置·纬度', '问题位置·地址'])
    expect(pv.summary).toMatchObject({ total: 20, ok: 20, failed: 0 })
    // the header row can be chosen: row 3 alone maps no coordinates, so nothing is checked
    const chosen = await post(file(nov), 'mode=preview&coords=wgs84&headerRow=3')
    expect(chosen.headerRow).toBe(3)
    expect(chosen.rows).toEqual([])
    await expectImported(nov, await post(file(nov), 'mode=commit&coords=wgs84&commitMode=all-or-nothing&fileName=11月.xlsx'))
    expect((await post(file(dec), 'mode=preview&coords=wgs84')).headerRow).toBe(2)
    await expectImported(dec, await post(file(dec), 'mode=commit&coords=wgs84&commitMode=all-or-nothing&fileName=12月.csv'), 1e-6)
    expect(await app.db.problem.count()).toBe(before + 40)
    // the same files again: nothing added
    for (const name of [nov, dec]) {
      const again = await post(file(name), 'mode=commit&coords=wgs84&commitMode=good-rows')
      expect(again.summary).toMatchObject({ imported: 0, skipped: 20, failed: 0 })
    }
    expect(await app.db.problem.count()).toBe(before + 40)
  })

  it('report times set the deadline and overdue; future, unreadable and missing times are refused', async () => {
    const name = 'ledger-deadlines.xlsx'
    const m = manifest[name]!
    const res = await post(file(name), 'mode=commit&coords=wgs84&commitMode=good-rows')
    expect(Object.fromEntries(res.rows.filter((r) => !r.ok).map((r) => [r.row, r.reason]))).toEqual(m.bad)
    const ps = await expectImported(name, res)
    const cal = bundledCalendar()
    for (const p of ps) expect(p.deadline!.toISOString()).toBe(deadlineFor('LJ01', p.reportedAt, false, cal).deadline.toISOString())
    // Monday 2 Nov 2026 09:30 + 2 working days: the end of Wednesday 4 Nov, Beijing
    expect(ps[0]!.deadline!.toISOString()).toBe('2026-11-04T15:59:59.999Z')
    const overdue = await app.db.problem.count({ where: { id: { in: ps.map((p) => p.id) }, status: 'reported', deadline: { lt: new Date() } } })
    expect(overdue).toBe(ps.length) // all of them lie weeks back
  })

  it('recognises a 12345 export (GCJ-02): work-order numbers as ids scoped to 12345', async () => {
    const name = 'hotline-12345.xlsx'
    const pv = await post(file(name), 'mode=preview&coords=gcj02')
    expect(pv).toMatchObject({ preset: '12345', source: '12345' })
    await expectImported(name, await post(file(name), 'mode=commit&coords=gcj02&commitMode=all-or-nothing'), 2e-6)
  })

  it('reads every DMS form; a swapped lng/lat is swapped back with a warning', async () => {
    const name = 'ledger-dms.csv'
    const res = await post(file(name), 'mode=commit&coords=wgs84&commitMode=all-or-nothing')
    await expectImported(name, res)
    expect(res.summary.warnings).toBe(1)
    expect(res.rows.filter((r) => r.warnings?.includes('SWAPPED_COORDINATES')).map((r) => r.row)).toEqual(manifest[name]!.swapped)
  })

  it('round trip: GridDuty\'s own export imported into another database reproduces every imported problem', async () => {
    const exported = Buffer.from(await (await fetch(`${app.url}/api/problems/export?format=csv`, { headers: { cookie } })).arrayBuffer())
    const xlsx = Buffer.from(await (await fetch(`${app.url}/api/problems/export?format=xlsx`, { headers: { cookie } })).arrayBuffer())
    const imported = await app.db.problem.findMany({ where: { source: 'import', externalId: { not: null } }, orderBy: { id: 'asc' } })
    expect(imported.length).toBeGreaterThanOrEqual(60)
    // into the same database: everything is already here
    const same = await post(exported, 'mode=preview&coords=gcj02')
    expect(same.preset).toBe('gridduty')
    expect(same.summary.ok).toBe(0)
    // into another database (a fresh copy of the demo city): the imported problems come back as they were
    for (const body of [exported, xlsx]) {
      const other = await startApp({ db })
      try {
        const c2 = await sessionCookieFor(other.url, 'leader')
        const res = await post(body, 'mode=commit&coords=gcj02&commitMode=good-rows', other.url, c2)
        expect(res.committed).toBe(true)
        const back = new Map((await other.db.problem.findMany({ where: { externalId: { in: imported.map((p) => p.externalId!) } } })).map((p) => [p.externalId!, p]))
        expect(back.size).toBe(imported.length)
        for (const p of imported) {
          const q = back.get(p.externalId!)!
          expect({ lng: q.lng, lat: q.lat, gridId: q.gridId, departmentId: q.departmentId, categoryCode: q.categoryCode, description: q.description, priority: q.priority, reportedAt: q.reportedAt.toISOString(), deadline: q.deadline?.toISOString() })
            .toEqual({ lng: p.lng, lat: p.lat, gridId: p.gridId, departmentId: p.departmentId, categoryCode: p.categoryCode, description: p.description, priority: p.priority, reportedAt: p.reportedAt.toISOString(), deadline: p.deadline?.toISOString() })
        }
        // problems reported in the app itself are recognised as the same problems (same id, place, category)
        const own = (Papa.parse<string[]>(exported.toString('utf8').replace(/^\uFEFF/, '')).data).slice(1).filter((r) => r.length > 1 && r[18] === '')
        expect(own.length).toBeGreaterThan(0)
        expect(res.summary.imported).toBe(imported.length)
      } finally { await other.stop() }
    }
  }, 120_000)
})
