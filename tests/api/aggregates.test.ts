/**
 * Aggregates (services/aggregates.ts, docs/monthly.md) on each database: after a seeded random sequence
 * of writes through the real write paths — reports, spot problems with inspections, workflow steps
 * (dispatch, close, void, reassign), 退单 and rulings, merges, 回访 reopenings, an import, a boundary
 * save that moves problems between grids — the stored aggregates equal a recomputation from scratch,
 * and coverage and the ranking read from them equal the same figures computed from the rows.
 * Then midnight: overdue changes with the clock alone (no write), and rolling the clock keeps them equal.
 */
import ExcelJS from 'exceljs'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { departmentRanking } from '../../server/domain/inspection/ranking.ts'
import { ACTION_TYPES } from '../../server/domain/problem/workflow.ts'
import { OPEN_STATUSES } from '../../server/domain/problem/status.ts'
import { mulberry32 } from '../../server/domain/random.ts'
import { addMonths, monthOf, monthRange } from '../../server/domain/time.ts'
import { problemTallies, recomputedAggregates, rollOverdueClock, storedAggregates } from '../../server/services/aggregates.ts'
import { monthCoverage, monthCoverageFromRows } from '../../server/services/coverage.ts'
import { cityCoverage, cityRanking } from '../../server/services/cityFigures.ts'
import { commitImport } from '../../server/services/problemImport.ts'
import { loadRankingAggregates, loadRankingInput } from '../../server/services/monthly.ts'
import { loggedIn } from '../support/apiClient.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { findBorderMove } from '../support/boundaryDraft.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>
const DAY = 86_400_000

describe.each(testDatabases())('aggregates on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) }, 120_000)
  afterAll(async () => { await app?.stop() })

  /** coverage and ranking from the aggregates vs from the rows, at `now`, for this month and the last */
  const expectReadsEqual = async (now: Date) => {
    for (const m of [monthOf(now), addMonths(monthOf(now), -1)]) {
      const [fast, slow] = await Promise.all([monthCoverage(app.db, m, now), monthCoverageFromRows(app.db, m, now)])
      const canon = (c: typeof fast) => [...c].filter(([, v]) => v.holder || v.openProblems || v.overdueProblems || v.inspectionStatus !== 'noHolder').sort((a, b) => a[0] - b[0])
      expect(canon(fast)).toEqual(canon(slow))
      const [ra, rr] = await Promise.all([loadRankingAggregates(app.db, m, m, now), loadRankingInput(app.db, m, m)])
      expect(departmentRanking(m, m, ra, now)).toEqual(departmentRanking(m, m, rr, now))
      // the cached city-wide reads (services/cityFigures.ts), twice (built, then from the cache): the same figures
      for (let k = 0; k < 2; k++) {
        const city = await cityCoverage(app.db, m, now)
        expect(city).not.toBeNull()
        expect(canon(new Map(city!))).toEqual(canon(slow))
        const ranking = await cityRanking(app.db, m, m, now)
        // a month that is over is judged at its last moment from the rows: not cached
        if (now < monthRange(m).end) expect(ranking).toEqual(departmentRanking(m, m, rr, now))
        else expect(ranking).toBeNull()
      }
    }
  }

  it('a random sequence of writes, an import and a boundary save: aggregates = recomputation', async () => {
    const rnd = mulberry32(20261130)
    const pick = <T>(a: readonly T[]) => a[Math.floor(rnd() * a.length)]!
    const [admin, leader, rfb, cgj, planner] = await Promise.all([loggedIn(app.url, 'admin'), loggedIn(app.url, 'leader'), loggedIn(app.url, 'rfb'), loggedIn(app.url, 'cgj'), loggedIn(app.url, 'planner')])
    const actors: Client[] = [admin, leader, rfb, cgj]
    const fc = await leader.grid.list.query({ level: 'community' })
    const held = fc.features.filter((f) => f.properties.holderDepartmentId)
    const categories = (await leader.problem.categories.query()).map((c) => c.code)
    const departments = (await leader.department.list.query()).map((d) => d.id)
    const pointIn = (f: (typeof fc.features)[number]) => pointOnFeature(f).geometry.coordinates as [number, number]
    const ids: number[] = []
    const attempt = async (fn: () => Promise<unknown>) => { try { await fn() } catch { /* refusals are part of the sequence */ } }
    const current = async (id: number) => admin.problem.byId.query({ id })

    // the boundary save first (findBorderMove needs the demo's untouched shared vertex), with a problem in the moved strip
    const move = await findBorderMove(planner)
    const strip = await admin.problem.create.mutate({ lng: move.gainedPoint[0], lat: move.gainedPoint[1], categoryCode: pick(categories), description: '边界条带中的问题' })
    ids.push(strip.id)

    for (let step = 0; step < 70; step++) {
      const r = rnd()
      if (r < 0.3 || ids.length < 5) {
        const g = pick(held)
        const [lng, lat] = pointIn(g)
        const p = await pick([admin, leader]).problem.create.mutate({ lng: lng + (rnd() - 0.5) * 1e-5, lat, categoryCode: pick(categories), description: `随机问题 ${step}`, priority: rnd() < 0.3 ? 'urgent' : 'normal' })
        ids.push(p.id)
      } else if (r < 0.4) {
        const g = pick(held)
        const [lng, lat] = pointIn(g)
        const dept = g.properties.holderDepartment === '市容环境卫生服务中心' ? rfb : admin
        await attempt(() => dept.inspection.record.mutate({
          gridId: g.properties.id, date: new Date(Date.now() - Math.floor(rnd() * 3) * DAY).toISOString(), inspector: '检查员', findings: '随机检查',
          ...(rnd() < 0.7 ? { lng: lng + (rnd() < 0.2 ? 0.05 : 0), lat } : {}),
          ...(rnd() < 0.5 ? { problems: [{ categoryCode: pick(categories), description: '现场问题' }] } : {}),
        }))
      } else if (r < 0.8) {
        const id = pick(ids)
        const p = await current(id)
        const action = pick(ACTION_TYPES)
        await attempt(() => pick(actors).problem.transition.mutate({
          id, version: p.version, action, note: '随机操作',
          ...(action === 'dispatch' || action === 'reassign' ? { departmentId: pick(departments) } : {}),
          ...(action === 'requestExtension' ? { newDeadline: new Date(Date.now() + 10 * DAY).toISOString() } : {}),
          ...(action === 'decideExtension' ? { approve: rnd() < 0.5 } : {}),
        } as Parameters<typeof admin.problem.transition.mutate>[0]))
      } else if (r < 0.87) {
        const id = pick(ids)
        const p = await current(id)
        if (p.status === 'dispatched') {
          await attempt(() => pick([rfb, cgj, admin]).problem.return.mutate({ id, version: p.version, reason: '不属于本部门' }))
          const q = await current(id)
          await attempt(() => leader.problem.ruleReturn.mutate({ id, version: q.version, decision: rnd() < 0.6 ? 'reassign' : 'reject', departmentId: pick(departments) }))
        }
      } else if (r < 0.93) {
        const [a, b] = [pick(ids), pick(ids)]
        const p = await current(a)
        await attempt(() => (rnd() < 0.7 ? admin.problem.merge.mutate({ id: a, intoId: b, version: p.version }) : admin.problem.unmerge.mutate({ id: a, version: p.version })))
      } else {
        const id = pick(ids)
        const p = await current(id)
        if (p.status === 'closed') await attempt(() => leader.followUp.record.mutate({ problemId: id, outcome: 'unsatisfied', reopen: true, version: p.version }))
      }
    }

    // an import (over HTTP: the driver path) of a few rows in held grids
    const wb = new ExcelJS.Workbook()
    const ws = wb.addWorksheet('问题')
    ws.addRow(['编号', '经度', '纬度', '问题类别', '问题描述'])
    for (let k = 0; k < 12; k++) { const [lng, lat] = pointIn(pick(held)); ws.addRow([`AGG-${k}`, lng + k * 1e-6, lat, pick(categories), `导入问题 ${k}`]) }
    const cookie = await sessionCookieFor(app.url, 'leader')
    const res = await fetch(`${app.url}/api/import/problems?mode=commit&coords=wgs84&commitMode=good-rows&fileName=agg.xlsx`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream' }, body: new Uint8Array(await wb.xlsx.writeBuffer()) as unknown as BodyInit,
    })
    const imported = await res.json() as { committed: boolean; summary: { imported: number } }
    expect(imported).toMatchObject({ committed: true, summary: { imported: 12 } }) // the driver path (importWriter.ts, the default)
    await expectReadsEqual(new Date())
    // and the same through the Prisma writer
    const wb2 = new ExcelJS.Workbook()
    const ws2 = wb2.addWorksheet('问题')
    ws2.addRow(['编号', '经度', '纬度', '问题类别', '问题描述'])
    for (let k = 0; k < 9; k++) { const [lng, lat] = pointIn(pick(held)); ws2.addRow([`AGP-${k}`, lng + k * 1e-6, lat, pick(categories), `导入问题（Prisma）${k}`]) }
    const u = (await app.db.user.findFirst({ where: { role: 'leader' }, select: { id: true, displayName: true } }))!
    const viaPrisma = await commitImport(app.db, app.catalog, u, Buffer.from(await wb2.xlsx.writeBuffer()), { fileName: 'agg-prisma.xlsx', coordSystem: 'wgs84', mode: 'good-rows', writer: 'prisma' }, new Date())
    expect(viaPrisma).toMatchObject({ committed: true, summary: { imported: 9 } })
    expect(await storedAggregates(app.db)).toEqual(await recomputedAggregates(app.db))

    // the boundary save: the strip's problem changes grid (and department) in the save's transaction
    const before = await current(strip.id)
    const version = (await planner.boundary.versions.query()).at(0)?.number ?? 0
    await planner.boundary.save.mutate({ draft: move.draft, baseVersion: version, effectiveFrom: new Date().toISOString(), reason: '聚合测试', accept: ['GAP', 'NOT_CONTIGUOUS'] })
    const after = await current(strip.id)
    if (before.status !== 'closed' && before.status !== 'voided') expect(after.gridId).toBe(move.x.id)

    const stored = await storedAggregates(app.db)
    expect(stored.problem.length).toBeGreaterThan(10)
    expect(stored.inspection.length).toBeGreaterThan(10)
    expect(stored).toEqual(await recomputedAggregates(app.db))
    await expectReadsEqual(new Date())
  }, 600_000)

  it('midnight: overdue changes with the clock alone, and rolling the clock keeps the aggregates exact', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const fc = await admin.grid.list.query({ level: 'community' })
    const g = fc.features.find((f) => f.properties.holderDepartmentId)!
    const [lng, lat] = pointOnFeature(g).geometry.coordinates as [number, number]
    const p = await admin.problem.create.mutate({ lng, lat, categoryCode: (await admin.problem.categories.query())[0]!.code, description: '跨越午夜' })
    const deadline = new Date((await admin.problem.byId.query({ id: p.id })).deadline!)
    const open = async (now: Date) => (await problemTallies(app.db, now, [g.properties.id])).reduce((s, r) => s + r.overdue, 0)
    const justBefore = new Date(deadline.getTime() - 1), dayAfter = new Date(deadline.getTime() + DAY)
    // the same stored rows, read before and after the deadline: one more overdue, no write in between
    const snapshot = await storedAggregates(app.db)
    const [b, a] = [await open(justBefore), await open(dayAfter)]
    // this problem, and any other open one of the grid due in the same day (problems reported on one
    // day share their deadline): counted from the rows
    const dueThatDay = await app.db.problem.count({ where: { gridId: g.properties.id, status: { in: [...OPEN_STATUSES] }, deadline: { gte: justBefore, lt: dayAfter } } })
    expect(dueThatDay).toBeGreaterThanOrEqual(1)
    expect(a - b).toBe(dueThatDay)
    expect((await monthCoverage(app.db, monthOf(dayAfter), dayAfter, [g.properties.id])).get(g.properties.id)!.overdueProblems)
      .toBe((await monthCoverageFromRows(app.db, monthOf(dayAfter), dayAfter, [g.properties.id])).get(g.properties.id)!.overdueProblems)
    expect(await storedAggregates(app.db)).toEqual(snapshot)
    // the scheduler's roll to a later midnight (and back): stored = recomputed, reads unchanged
    for (const when of [dayAfter, new Date(dayAfter.getTime() + 40 * DAY), new Date()]) {
      await rollOverdueClock(app.db, when)
      expect(await storedAggregates(app.db)).toEqual(await recomputedAggregates(app.db))
      expect(await open(dayAfter)).toBe(a)
      await expectReadsEqual(when)
    }
  }, 300_000)

  it('the cached figures of one server follow writes made through another server on the same database', async () => {
    const other = await startApp({ shareDb: app.config })
    try {
      const [here, there] = await Promise.all([loggedIn(app.url, 'admin'), loggedIn(other.url, 'leader')])
      const m = monthOf(new Date())
      const status = () => there.grid.status.query({ level: 'community' })
      const ranking = () => there.stats.departmentRanking.query({ from: m, to: m })
      const s0 = await status()
      expect(await status()).toEqual(s0) // from the cache now
      const r0 = await ranking()
      expect(await ranking()).toEqual(r0)
      const fc = await here.grid.list.query({ level: 'community' })
      const g = fc.features.find((f) => f.properties.holderDepartmentId && s0.status[s0.ids.indexOf(f.properties.id)] === 'pending')!
      expect(g).toBeDefined()
      const i = s0.ids.indexOf(g.properties.id)
      const [lng, lat] = pointOnFeature(g).geometry.coordinates as [number, number]
      // a problem reported through this server: the other one's open count of the grid goes up
      await here.problem.create.mutate({ lng, lat, categoryCode: (await here.problem.categories.query())[0]!.code, description: '另一进程写入' })
      const s1 = await status()
      expect(s1.openProblems[i]).toBe(s0.openProblems[i]! + 1)
      // an inspection on site: the grid turns done there, and the ranking counts one more on-site grid-month
      await here.inspection.record.mutate({ gridId: g.properties.id, date: new Date().toISOString(), inspector: '检查员', findings: '另一进程检查', lng, lat })
      const s2 = await status()
      expect(s2.status[i]).toBe('done')
      const r2 = await ranking()
      expect(r2.totals.inspectedOnSite).toBe(r0.totals.inspectedOnSite + 1)
    } finally {
      await other.stop()
    }
  }, 300_000)
})
