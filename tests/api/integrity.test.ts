/**
 * stats.integrity over real HTTP: a department with a last-day burst, a late entry (补录), a problem closed
 * minutes after its report and two voided problems; exact counts and record ids; departments are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { monthOf } from '../../server/domain/time.ts'

const HOUR = 3_600_000
const MIN = 60_000

describe.each(testDatabases())('stats.integrity on %s', (db) => {
  let app: RunningApp
  let deptId: number
  const ids = { late: [] as number[], early: 0, backfilled: 0, quick: 0, slow: 0, voided: [] as number[] }
  const now = new Date()
  const from = '2026-11'
  const to = monthOf(now) < from ? from : monthOf(now)

  beforeAll(async () => {
    app = await startApp({ db })
    const leader = await loggedIn(app.url, 'leader')
    // set-up rows written directly: a department of its own, so its figures are exactly these
    const dept = await app.db.department.create({ data: { name: `诚信测试部门-${db}`, shortName: '诚信测试', contactPerson: '测试', phone: '0917-0000000' } })
    deptId = dept.id
    const gridId = app.catalog.list('community')[0]!.id
    const admin = await app.db.user.findFirstOrThrow({ where: { login: 'admin' } })
    const inspect = async (date: Date, recordedAt: Date) => (await app.db.inspection.create({
      data: { gridId, departmentId: deptId, date, month: monthOf(date), inspector: '测试', findings: '正常', createdById: admin.id, recordedAt },
    })).id
    // 5 inspections in November 2026: 4 in its last 3 days (28–30 Nov, Beijing), 1 on 10 Nov
    for (const d of ['2026-11-28T02:00:00Z', '2026-11-28T06:00:00Z', '2026-11-29T03:00:00Z', '2026-11-30T01:00:00Z']) {
      ids.late.push(await inspect(new Date(d), new Date(new Date(d).getTime() + HOUR)))
    }
    // the 10 Nov one was recorded 5 days later: 补录 (more than 48 h)
    ids.early = await inspect(new Date('2026-11-10T02:00:00Z'), new Date('2026-11-15T02:00:00Z'))
    ids.backfilled = ids.early
    const problem = async (over: { status: string; reportedAt: Date; closedAt?: Date | null }) => (await app.db.problem.create({
      data: { lng: 107.2, lat: 34.36, gridId, departmentId: deptId, categoryCode: 'XX02', description: '诚信测试', reporterName: '测试', ...over },
    })).id
    // closed 10 minutes after its report (quick), and one closed after two days (not quick)
    ids.quick = await problem({ status: 'closed', reportedAt: new Date(now.getTime() - 3 * HOUR), closedAt: new Date(now.getTime() - 3 * HOUR + 10 * MIN) })
    ids.slow = await problem({ status: 'closed', reportedAt: new Date(now.getTime() - 50 * HOUR), closedAt: new Date(now.getTime() - 2 * HOUR) })
    // two problems voided through the workflow (the void event carries the time)
    for (let k = 0; k < 2; k++) {
      const id = await problem({ status: 'reported', reportedAt: new Date(now.getTime() - HOUR) })
      await leader.problem.transition.mutate({ id, version: 1, action: 'void', note: '重复上报' })
      ids.voided.push(id)
    }
  })
  afterAll(async () => { await app?.stop() })

  it('reports exact counts and record ids for the department', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const r = await leader.stats.integrity.query({ from, to })
    const mine = r.departments.find((d) => d.departmentId === deptId)!
    expect(mine).toBeDefined()
    // last-day burst: 4 of 5 inspections in the last 3 days (0.8 ≥ 0.5, at least 5 inspections)
    expect(mine.signals.lastDayBurst).toMatchObject({ count: 4, base: 5, value: 0.8, flagged: true })
    expect(mine.signals.lastDayBurst.records.inspections).toEqual([...ids.late].sort((a, b) => a - b))
    // 补录: 1 of 5 (0.2 ≥ 0.2)
    expect(mine.signals.backfill).toMatchObject({ count: 1, base: 5, value: 0.2, flagged: true })
    expect(mine.signals.backfill.records.inspections).toEqual([ids.backfilled])
    // closed within 30 minutes: 1 of 2 closed
    expect(mine.signals.quickClose).toMatchObject({ count: 1, base: 2, value: 0.5, flagged: true })
    expect(mine.signals.quickClose.records.problems).toEqual([ids.quick])
    // voided: 2 of the 4 problems reported or ended in the range
    expect(mine.signals.mergeVoid).toMatchObject({ count: 2, base: 4, value: 0.5, flagged: true })
    expect(mine.signals.mergeVoid.records.problems).toEqual([...ids.voided].sort((a, b) => a - b))
    // nothing else
    expect(mine.signals.rebound.count).toBe(0)
    expect(mine.signals.sameSpot.count).toBe(0)
    expect(mine.flagged).toBe(4)
    // drill-down rows for every record named
    expect(r.records.inspections.map((i) => i.id)).toEqual(expect.arrayContaining([...ids.late, ids.early]))
    expect(r.records.problems.find((p) => p.id === ids.quick)).toMatchObject({ status: 'closed' })
  })

  it('refuses departments and planners; a bad range is BAD_INPUT', async () => {
    const rfb = await loggedIn(app.url, 'rfb')
    expect(await errorOf(rfb.stats.integrity.query({ from, to }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    const planner = await loggedIn(app.url, 'planner')
    expect(await errorOf(planner.stats.integrity.query({ from, to }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    const admin = await loggedIn(app.url, 'admin')
    expect(await errorOf(admin.stats.integrity.query({ from: '2026-11', to: '2026-10' }))).toMatchObject({ code: 'BAD_REQUEST' })
  })
})
