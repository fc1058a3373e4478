/**
 * One grid-month state everywhere (issue 11 §1) and a published month frozen (§2): the same inspections
 * read through grid.list, grid.status, 我的网格, the ranking and its drill-down, the bulletin (data and
 * Excel) give the same state per grid and the same counts; a published bulletin keeps its figures and
 * lists later entries as corrections.
 */
import { bbox as geometryBbox, destination, pointOnFeature } from '@turf/turf'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMonths, monthOf, monthRange } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { tallyInspection } from '../../server/services/aggregates.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>

/** The department users of the demo data (data/demo/users.json): login by department name. */
const LOGIN: Record<string, string> = {
  市人防办: 'rfb', 市城管局: 'cgj', 市交通运输局: 'jtj', 市生态环境局: 'sthjj', 市市场监管局: 'scjgj', 市住建局: 'zjj', 市水利局: 'slj', 市民政局: 'mzj',
  市卫健委: 'wjw', 市教育局: 'jyj', 市文旅局: 'wlj', 市公安局交警支队: 'jjzd', 市自然资源局: 'zrzyj', 市商务局: 'swj', 市司法局: 'sfj', 市财政局: 'czj',
}

describe.each(testDatabases())('one grid-month state everywhere on %s', (db) => {
  let app: RunningApp
  let leader: Client
  let leaderCookie = ''
  const month = monthOf(new Date())
  const lastMonth = addMonths(month, -1)

  beforeAll(async () => {
    app = await startApp({ db })
    leader = await loggedIn(app.url, 'leader')
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'leader', password: 'leader123' }) })
    leaderCookie = res.headers.getSetCookie()[0]!.split(';')[0]!
  })
  afterAll(async () => { await app?.stop() })

  const xlsx = async (m: string) => {
    const res = await fetch(`${app.url}/api/report/bulletin?month=${m}&format=xlsx`, { headers: { cookie: leaderCookie } })
    expect(res.status).toBe(200)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await res.arrayBuffer() as ArrayBuffer)
    return wb
  }
  const rowsOf = (wb: ExcelJS.Workbook, sheet: string) => {
    const ws = wb.getWorksheet(sheet)
    expect(ws, sheet).toBeDefined()
    const out: unknown[][] = []
    ws!.eachRow((r, i) => { if (i > 1) out.push((r.values as unknown[]).slice(1)) })
    return out
  }
  const summaryValue = (wb: ExcelJS.Workbook, key: string) => rowsOf(wb, '概况').find((r) => r[0] === key)?.[1]

  it('on-site → done, 4 km outside → unverified, none → pending: the same on every surface', async () => {
    // three grids nobody inspected yet this month, held by departments with a user
    const fc0 = await leader.grid.list.query({ level: 'community', month })
    const picked = fc0.features.filter((f) => f.properties.inspectionStatus === 'pending' && LOGIN[f.properties.holderDepartment ?? '']).slice(0, 3)
    expect(picked, 'three pending grids in the demo data').toHaveLength(3)
    const [onSite, far, none] = picked as [typeof picked[0], typeof picked[0], typeof picked[0]]
    const clientOf = (f: typeof onSite) => loggedIn(app.url, LOGIN[f.properties.holderDepartment!]!)
    const deptIds = [...new Set(picked.map((f) => f.properties.holderDepartmentId!))]
    const rankingOf = async () => {
      const rows = (await leader.stats.departmentRanking.query({ from: month, to: month })).rows.filter((r) => deptIds.includes(r.departmentId))
      const sum = (k: 'inspectedOnSite' | 'unverified' | 'pending' | 'gridMonths') => rows.reduce((s, r) => s + r[k], 0)
      return { inspectedOnSite: sum('inspectedOnSite'), unverified: sum('unverified'), pending: sum('pending'), gridMonths: sum('gridMonths') }
    }
    const before = await rankingOf()

    const inside = pointOnFeature(onSite).geometry.coordinates as [number, number]
    const a = await (await clientOf(onSite)).inspection.record.mutate({ gridId: onSite.properties.id, date: new Date().toISOString(), inspectors: ['甲'], findings: '实地', lng: inside[0], lat: inside[1] })
    expect(a.onSite).toBe(true)
    const [, , , maxLat] = geometryBbox(far)
    const farInside = pointOnFeature(far).geometry.coordinates as [number, number]
    const [lng, lat] = destination([farInside[0], maxLat], 4, 0).geometry.coordinates as [number, number] // 4 km north of the grid's top
    const b = await (await clientOf(far)).inspection.record.mutate({ gridId: far.properties.id, date: new Date().toISOString(), inspectors: ['乙'], findings: '远程', lng, lat })
    expect(b.onSite).toBe(false)

    const expected = new Map([[onSite.properties.id, 'done'], [far.properties.id, 'unverified'], [none.properties.id, 'pending']])
    const ids = [...expected.keys()]

    // grid.list and grid.status
    const fc = await leader.grid.list.query({ level: 'community', month })
    const st = await leader.grid.status.query({ level: 'community', month })
    for (const [gid, state] of expected) {
      expect(fc.features.find((f) => f.properties.id === gid)!.properties.inspectionStatus, `grid.list ${gid}`).toBe(state)
      expect(st.status[st.ids.indexOf(gid)], `grid.status ${gid}`).toBe(state)
    }
    // 我的网格 (each department's own view and the leader's view of it)
    for (const f of picked) {
      const deptId = f.properties.holderDepartmentId!
      for (const c of [await clientOf(f), leader]) {
        const ws = await c.workspace.mine.query({ month, departmentId: deptId })
        expect(ws.grids.find((g) => g.id === f.properties.id)?.status, `workspace ${f.properties.id}`).toBe(expected.get(f.properties.id))
        // every community grid of the department in the same state as on the map, and the summary counts those states
        const onMap = new Map(fc.features.map((x) => [x.properties.id, x.properties.inspectionStatus]))
        for (const g of ws.grids) if (onMap.has(g.id)) expect(g.status, `workspace vs map ${g.id}`).toBe(onMap.get(g.id))
        expect(ws.summary).toMatchObject({
          done: ws.grids.filter((g) => g.status === 'done').length,
          unverified: ws.grids.filter((g) => g.status === 'unverified').length,
          pending: ws.grids.filter((g) => g.status === 'pending').length,
        })
      }
    }
    // the ranking: one more on site, one more unverified, two fewer pending
    const after = await rankingOf()
    expect([after.inspectedOnSite - before.inspectedOnSite, after.unverified - before.unverified, after.pending - before.pending, after.gridMonths - before.gridMonths]).toEqual([1, 1, -2, 0])
    // the drill-down (whole city): notOnSite is the unverified grid-months
    const drill = async (measure: 'inspectedOnSite' | 'notOnSite' | 'pending') =>
      (await leader.stats.drillDown.query({ from: month, to: month, measure })).rows as { gridId: number; status: string }[]
    const [d1, d2, d3] = await Promise.all([drill('inspectedOnSite'), drill('notOnSite'), drill('pending')])
    expect(d1.filter((r) => ids.includes(r.gridId)).map((r) => [r.gridId, r.status])).toEqual([[onSite.properties.id, 'done']])
    expect(d2.filter((r) => ids.includes(r.gridId)).map((r) => [r.gridId, r.status])).toEqual([[far.properties.id, 'unverified']])
    expect(d3.filter((r) => ids.includes(r.gridId)).map((r) => [r.gridId, r.status])).toEqual([[none.properties.id, 'pending']])
    const city = (await leader.stats.departmentRanking.query({ from: month, to: month })).totals
    expect([d1.length, d2.length, d3.length]).toEqual([city.inspectedOnSite, city.unverified, city.pending])
    // the bulletin (data): per grid and its counts, the same as the map's held grids
    const res = await leader.report.monthlyBulletin.query({ month })
    if (res.format !== 'json') throw new Error('expected the JSON bulletin')
    const bul = res.bulletin
    for (const [gid, state] of expected) expect(bul.grids.find((g) => g.gridId === gid)?.state, `bulletin ${gid}`).toBe(state)
    // the bulletin counts the grids of every level: the map's statuses of all levels, held ones
    const all = [...fc.features, ...(await leader.grid.list.query({ level: 'street', month })).features]
    const held = all.filter((f) => f.properties.holderDepartmentId !== null)
    expect(held.length).toBe(bul.summary.held)
    const countOf = (s: string) => held.filter((f) => f.properties.inspectionStatus === s).length
    expect(bul.summary).toMatchObject({ done: countOf('done'), unverified: countOf('unverified'), pending: countOf('pending'), missed: 0 })
    expect(bul.notOnSite.find((i) => i.id === b.id)).toMatchObject({ reason: 'outside' })
    expect(bul.notOnSite.find((i) => i.id === a.id)).toBeUndefined()
    expect(bul.published).toBeNull()
    // the bulletin (Excel): the grid-state sheet and the summary
    const wb = await xlsx(month)
    const states = new Map(rowsOf(wb, '网格状态').map((r) => [r[0], r[3]]))
    for (const f of [onSite, far, none]) expect(states.get(f.properties.code), `xlsx ${f.properties.code}`).toBe(expected.get(f.properties.id))
    expect(summaryValue(wb, '未核实')).toBe(countOf('unverified'))
    expect(summaryValue(wb, '已检查')).toBe(countOf('done'))
    expect(summaryValue(wb, '发布状态')).toBe('未发布')
  })

  it('a published month is frozen: later entries are corrections, the figures stay', async () => {
    // refusals first: a department may not publish; the running month cannot be published
    const someDept = await loggedIn(app.url, 'cgj')
    expect(await errorOf(someDept.report.publishBulletin.mutate({ month: lastMonth }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(leader.report.publishBulletin.mutate({ month }))).toMatchObject({ appCode: 'BULLETIN_MONTH_NOT_OVER' })

    const live = await leader.report.monthlyBulletin.query({ month: lastMonth })
    if (live.format !== 'json') throw new Error('expected the JSON bulletin')
    const missed = live.bulletin.grids.find((g) => g.state === 'missed' && g.held)
    expect(missed, 'a missed grid last month in the demo data').toBeDefined()
    const published = await leader.report.publishBulletin.mutate({ month: lastMonth })
    expect(published.published).not.toBeNull()
    expect(published.summary).toEqual(live.bulletin.summary)
    expect(await errorOf(leader.report.publishBulletin.mutate({ month: lastMonth }))).toMatchObject({ appCode: 'BULLETIN_ALREADY_PUBLISHED' })
    const audit = await app.db.auditLog.findMany({ where: { action: 'report.publishBulletin' } })
    expect(audit).toHaveLength(1)

    // a late entry for that month, written straight into the database (an on-site check-in, recorded now)
    const fc = await leader.grid.list.query({ level: 'community', month: lastMonth })
    const grid = fc.features.find((f) => f.properties.id === missed!.gridId)!
    const [lng, lat] = pointOnFeature(grid).geometry.coordinates as [number, number]
    const holder = (await app.db.gridHolder.findFirst({ where: { gridId: grid.properties.id, departmentId: grid.properties.holderDepartmentId! } }))!
    const user = (await app.db.user.findFirst({ where: { role: 'admin' } }))!
    const date = new Date(monthRange(lastMonth).start.getTime() + 2 * 86_400_000 + 10 * 3_600_000)
    expect(holder.validFrom <= date).toBe(true)
    // (with its aggregate, in the same transaction, as every write path does: services/aggregates.ts)
    await app.db.$transaction(async (tx) => {
      const row = await tx.inspection.create({ data: {
        gridId: grid.properties.id, departmentId: holder.departmentId, date, month: lastMonth, inspector: '补录', findings: '发布后补录',
        lng, lat, onSite: true, distanceOutside: 0, createdById: user.id,
      } })
      await tallyInspection(tx, null, row)
    })

    // live views see it (entered late: not proven, so unverified), the published bulletin does not
    const liveAfter = (await leader.grid.list.query({ level: 'community', month: lastMonth })).features.find((f) => f.properties.id === grid.properties.id)!
    expect(liveAfter.properties.inspectionStatus).toBe('unverified')
    const frozen = await leader.report.monthlyBulletin.query({ month: lastMonth })
    if (frozen.format !== 'json') throw new Error('expected the JSON bulletin')
    expect(frozen.bulletin.summary).toEqual(live.bulletin.summary)
    expect(frozen.bulletin.grids.find((g) => g.gridId === grid.properties.id)?.state).toBe('missed')
    expect(frozen.bulletin.published?.at).toBe(published.published!.at)
    expect(frozen.bulletin.corrections).toHaveLength(1)
    expect(frozen.bulletin.corrections[0]).toMatchObject({ gridId: grid.properties.id, from: 'missed', to: 'unverified' })
    expect(Date.parse(frozen.bulletin.corrections[0]!.recordedAt)).toBeGreaterThan(Date.parse(published.published!.at))

    // the Excel workbook: published, the same figures, the correction listed
    const wb = await xlsx(lastMonth)
    expect(String(summaryValue(wb, '发布状态'))).toMatch(/^已发布 /)
    expect(summaryValue(wb, '漏检')).toBe(live.bulletin.summary.missed)
    const corr = rowsOf(wb, '更正')
    expect(corr).toHaveLength(1)
    expect(corr[0]!.slice(0, 4)).toEqual([grid.properties.code, grid.properties.name, '漏检', '未核实'])
  })
})
