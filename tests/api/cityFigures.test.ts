/**
 * The cached city figures (services/cityFigures.ts) follow writes incrementally, across processes: two
 * servers on one database; a seeded random sequence of writes through either (reports, inspections,
 * workflow steps with deadline extensions, 退单 and rulings, meetings, holder changes), and after every
 * step both servers' cached coverage and ranking equal the same figures recomputed from the rows — read
 * at now, then in a middle phase a day and a half later (deadlines in the overdue tail passing without
 * a write), each phase long enough that the cache follows the writes by patching the changed grids.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { departmentRanking } from '../../server/domain/inspection/ranking.ts'
import { ACTION_TYPES } from '../../server/domain/problem/workflow.ts'
import { mulberry32 } from '../../server/domain/random.ts'
import { addMonths, monthOf } from '../../server/domain/time.ts'
import { recomputedAggregates, storedAggregates } from '../../server/services/aggregates.ts'
import { cityCoverage, cityRanking } from '../../server/services/cityFigures.ts'
import { monthCoverageFromRows } from '../../server/services/coverage.ts'
import { loadRankingInput } from '../../server/services/monthly.ts'
import { loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>
const DAY = 86_400_000

describe.each(testDatabases())('cached city figures on %s', (db) => {
  let a: RunningApp, b: RunningApp
  beforeAll(async () => {
    a = await startApp({ db })
    b = await startApp({ shareDb: a.config })
  }, 120_000)
  afterAll(async () => { await b?.stop(); await a?.stop() })

  it('follow a random sequence of writes through two servers, with reads in between: cache = recomputation', async () => {
    const rnd = mulberry32(20261201)
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
    const [adminA, leaderA, rfbA, adminB, leaderB, cgjB] = await Promise.all([
      loggedIn(a.url, 'admin'), loggedIn(a.url, 'leader'), loggedIn(a.url, 'rfb'), loggedIn(b.url, 'admin'), loggedIn(b.url, 'leader'), loggedIn(b.url, 'cgj'),
    ])
    const admins = [adminA, adminB], actors: Client[] = [adminA, leaderA, adminB, leaderB]
    const fc = await leaderA.grid.list.query({ level: 'community' })
    const held = fc.features.filter((f) => f.properties.holderDepartmentId)
    const categories = (await leaderA.problem.categories.query()).map((c) => c.code)
    const departments = (await leaderA.department.list.query()).map((d) => d.id)
    const pointIn = (f: (typeof fc.features)[number]) => pointOnFeature(f).geometry.coordinates as [number, number]
    const attempt = async (fn: () => Promise<unknown>) => { try { await fn() } catch { /* refusals are part of the sequence */ } }
    const ids: number[] = []
    const canon = (c: ReadonlyMap<number, unknown>) => [...c].filter(([, v]) => {
      const x = v as { holder: unknown; openProblems: number; overdueProblems: number; inspectionStatus: string }
      return x.holder || x.openProblems || x.overdueProblems || x.inspectionStatus !== 'noHolder'
    }).sort((p, q) => p[0] - q[0])

    /** both servers' cached figures = the rows', at now (+ `ahead` ms) */
    const expectCacheEqual = async (label: string, ahead = 0) => {
      const at = new Date(Date.now() + ahead)
      {
        for (const m of [monthOf(at), addMonths(monthOf(at), -1)]) {
          const slow = canon(await monthCoverageFromRows(a.db, m, at))
          const rows = await loadRankingInput(a.db, m, m)
          for (const app of [a, b]) {
            const city = await cityCoverage(app.db, m, at)
            expect(city, label).not.toBeNull()
            expect(canon(city!), `${label}: coverage ${m} at ${at.toISOString()}`).toEqual(slow)
            if (m === monthOf(at)) expect(await cityRanking(app.db, m, m, at), `${label}: ranking ${m}`).toEqual(departmentRanking(m, m, rows, at))
          }
        }
      }
    }

    await expectCacheEqual('start')
    let checks = 0
    for (let step = 0; step < 45; step++) {
      const r = rnd()
      let what = ''
      if (r < 0.3 || ids.length < 4) {
        what = 'report'
        const [lng, lat] = pointIn(pick(held))
        const p = await pick(actors).problem.create.mutate({ lng: lng + (rnd() - 0.5) * 1e-5, lat, categoryCode: pick(categories), description: `缓存随机问题 ${step}`, priority: rnd() < 0.5 ? 'urgent' : 'normal' })
        ids.push(p.id)
      } else if (r < 0.45) {
        what = 'inspection'
        const g = pick(held)
        const [lng, lat] = pointIn(g)
        const client = g.properties.holderDepartment === '市容环境卫生服务中心' ? rfbA : pick(admins)
        await attempt(() => client.inspection.record.mutate({
          gridId: g.properties.id, date: new Date(Date.now() - Math.floor(rnd() * 2) * DAY).toISOString(), inspector: '检查员', findings: '缓存随机检查',
          ...(rnd() < 0.7 ? { lng: lng + (rnd() < 0.2 ? 0.05 : 0), lat } : {}),
        }))
      } else if (r < 0.75) {
        what = 'transition'
        const id = pick(ids)
        const p = await adminA.problem.byId.query({ id })
        const action = pick(ACTION_TYPES)
        const later = p.deadline ? new Date(new Date(p.deadline).getTime() + (0.5 + rnd()) * DAY) : new Date(Date.now() + DAY)
        await attempt(() => pick(actors).problem.transition.mutate({
          id, version: p.version, action, note: '缓存随机操作',
          ...(action === 'dispatch' || action === 'reassign' ? { departmentId: pick(departments) } : {}),
          ...(action === 'requestExtension' ? { newDeadline: later.toISOString() } : {}),
          ...(action === 'decideExtension' ? { approve: rnd() < 0.7 } : {}),
        } as Parameters<typeof adminA.problem.transition.mutate>[0]))
      } else if (r < 0.85) {
        what = '退单'
        const id = pick(ids)
        const p = await adminA.problem.byId.query({ id })
        if (p.status === 'dispatched') {
          await attempt(() => pick([cgjB, adminA, adminB]).problem.return.mutate({ id, version: p.version, reason: '不属于本部门' }))
          const q = await adminA.problem.byId.query({ id })
          await attempt(() => pick([leaderA, leaderB]).problem.ruleReturn.mutate({ id, version: q.version, decision: rnd() < 0.6 ? 'reassign' : 'reject', departmentId: pick(departments) }))
        }
      } else if (r < 0.93) {
        what = 'meeting'
        await pick(admins).meeting.record.mutate({ departmentId: pick(departments), date: new Date().toISOString(), attendees: '甲、乙', topics: '缓存测试', decisions: '' })
      } else {
        what = 'holder'
        const g = pick(held)
        const history = await adminA.holder.history.query({ gridId: g.properties.id })
        await attempt(() => pick(admins).holder.assign.mutate({
          gridId: g.properties.id, expectedHolderId: history[0]?.id ?? null, departmentId: pick(departments),
          cadreName: '缓存测试', cadreTitle: '主任', contactName: '联系人', contactPhone: '13800000000', validFrom: new Date().toISOString(),
        }))
      }
      // reads in between: after most steps, sometimes after a few writes in a row
      if (rnd() < 0.7) { await expectCacheEqual(`step ${step} (${what})`, step >= 15 && step < 30 ? 1.5 * DAY : 0); checks++ }
    }
    await expectCacheEqual('end')
    await expectCacheEqual('end, later', 1.5 * DAY)
    expect(checks).toBeGreaterThan(20)

    // an extension moves a deadline without changing any count: read just after the old deadline, the
    // problem is overdue; after the extension (through the other server) it is not, in the cache too
    const rfbDept = (await rfbA.auth.me.query())!.departmentId!
    const g = held.find((f) => f.properties.holderDepartment === '市容环境卫生服务中心') ?? held[0]!
    const [lng, lat] = pointIn(g)
    let soon: { id: number; deadline: Date } | null = null
    for (const code of categories) {
      const p = await adminA.problem.create.mutate({ lng, lat, categoryCode: code, description: '即将超期', priority: 'urgent' })
      const deadline = new Date((await adminA.problem.byId.query({ id: p.id })).deadline!)
      if (deadline.getTime() - Date.now() < 1.5 * DAY) { soon = { id: p.id, deadline }; break }
    }
    expect(soon).not.toBeNull()
    const ahead = soon!.deadline.getTime() + 60_000 - Date.now()
    let p = await adminA.problem.byId.query({ id: soon!.id })
    if (p.status === 'reported') {
      await leaderA.problem.transition.mutate({ id: p.id, version: p.version, action: 'register', note: '登记' })
      p = await adminA.problem.byId.query({ id: soon!.id })
    }
    await leaderA.problem.transition.mutate({ id: p.id, version: p.version, action: 'dispatch', departmentId: rfbDept, note: '派遣' })
    const overdueOf = async (at: Date) => (await monthCoverageFromRows(a.db, monthOf(at), at, [g.properties.id])).get(g.properties.id)!.overdueProblems
    const before = await overdueOf(new Date(Date.now() + ahead))
    await expectCacheEqual('before the extension', ahead)
    p = await adminA.problem.byId.query({ id: soon!.id })
    await rfbA.problem.transition.mutate({ id: p.id, version: p.version, action: 'requestExtension', newDeadline: new Date(soon!.deadline.getTime() + 5 * DAY).toISOString(), note: '材料未到' })
    p = await adminA.problem.byId.query({ id: soon!.id })
    await leaderB.problem.transition.mutate({ id: p.id, version: p.version, action: 'decideExtension', approve: true })
    expect(await overdueOf(new Date(Date.now() + ahead))).toBe(before - 1)
    await expectCacheEqual('after the extension', ahead)
    expect(ids.length).toBeGreaterThan(8)
    expect(await storedAggregates(a.db)).toEqual(await recomputedAggregates(a.db))
  }, 900_000)
})
