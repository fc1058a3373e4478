/** The monthly rhythm end to end: photos, inspections, meetings, workspace, ranking, bulletin — scope on each database. */
import { pointOnFeature } from '@turf/turf'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMonths, monthOf, monthRange } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64')
type Client = Awaited<ReturnType<typeof loggedIn>>

describe.each(testDatabases())('monthly rhythm API on %s', (db) => {
  let app: RunningApp
  let leader: Client, rfb: Client, cgj: Client, admin: Client
  const cookies = new Map<Client, string>()
  const cookieOf = (c: Client) => cookies.get(c)!
  const sessionCookie = async (login: string) => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}123` }) })
    return res.headers.getSetCookie()[0]!.split(';')[0]!
  }
  const month = monthOf(new Date())
  const lastMonth = addMonths(month, -1)
  beforeAll(async () => {
    app = await startApp({ db })
    ;[leader, rfb, cgj, admin] = await Promise.all([loggedIn(app.url, 'leader'), loggedIn(app.url, 'rfb'), loggedIn(app.url, 'cgj'), loggedIn(app.url, 'admin')])
    for (const [c, l] of [[leader, 'leader'], [rfb, 'rfb'], [cgj, 'cgj']] as const) cookies.set(c, await sessionCookie(l))
  })
  afterAll(async () => { await app?.stop() })

  const upload = (c: Client | null, body: Buffer, type: string, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/photos`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type, ...(c ? { cookie: cookieOf(c) } : {}), ...headers } })
  const departmentId = async (name: string) => (await leader.department.list.query()).find((d) => d.name === name)!.id
  const gridOf = async (dept: string) => {
    const fc = await leader.grid.list.query({ level: 'community', month })
    return fc.features.find((f) => f.properties.holderDepartment === dept)!
  }

  describe('photos', () => {
    it('accepts a PNG and serves it back with its type and nosniff; needs a session', async () => {
      const res = await upload(rfb, PNG, 'image/png')
      expect(res.status).toBe(201)
      const p = await res.json() as { id: number; mime: string; size: number; sha256: string }
      expect(p).toMatchObject({ mime: 'image/png', size: PNG.length })
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/)
      const get = await fetch(`${app.url}/api/photos/${p.id}`, { headers: { cookie: cookieOf(leader) } })
      expect(get.status).toBe(200)
      expect(get.headers.get('content-type')).toBe('image/png')
      expect(get.headers.get('x-content-type-options')).toBe('nosniff')
      expect(Buffer.from(await get.arrayBuffer()).equals(PNG)).toBe(true)
      expect((await fetch(`${app.url}/api/photos/${p.id}`)).status).toBe(401)
      expect((await fetch(`${app.url}/api/photos/99999999`, { headers: { cookie: cookieOf(leader) } })).status).toBe(404)
    })

    it('refuses a text file named .jpg, a mislabelled image, anonymous and cross-site uploads', async () => {
      const text = await upload(rfb, Buffer.from('这不是图片，只是文本 hello.jpg'), 'image/jpeg')
      expect(text.status).toBe(400)
      expect(((await text.json()) as { error: { appCode: string } }).error.appCode).toBe('PHOTO_TYPE')
      const mislabelled = await upload(rfb, PNG, 'image/jpeg')
      expect(((await mislabelled.json()) as { error: { appCode: string } }).error.appCode).toBe('PHOTO_TYPE')
      expect((await upload(null, PNG, 'image/png')).status).toBe(401)
      expect((await upload(rfb, PNG, 'image/png', { origin: 'http://evil.example' })).status).toBe(403)
    })

    it('refuses more than 5 MB', async () => {
      const big = Buffer.alloc(5 * 1024 * 1024 + 1)
      PNG.copy(big)
      const res = await upload(rfb, big, 'image/png')
      expect(res.status).toBe(413)
      expect(((await res.json()) as { error: { appCode: string } }).error.appCode).toBe('PHOTO_TOO_LARGE')
      const exact = Buffer.alloc(5 * 1024 * 1024)
      PNG.copy(exact)
      expect((await upload(rfb, exact, 'image/png')).status).toBe(201)
    })
  })

  describe('inspections and scope', () => {
    it('records with checklist, inspectors and own photos; a photo is used once and only by its uploader', async () => {
      const grid = await gridOf('市人防办')
      const [lng, lat] = pointOnFeature(grid).geometry.coordinates as [number, number]
      const mine = (await (await upload(rfb, PNG, 'image/png')).json()) as { id: number }
      const theirs = (await (await upload(cgj, PNG, 'image/png')).json()) as { id: number }
      const theme = await rfb.theme.get.query({ month })
      const base = { gridId: grid.properties.id, date: new Date().toISOString(), inspectors: ['张三', '李四'], lng, lat }
      const r = await rfb.inspection.record.mutate({ ...base, checklist: theme.checklist.map((item, i) => ({ item, ok: i > 0 })), findings: '', photoIds: [mine.id] })
      expect(r).toMatchObject({ onSite: true, photoIds: [mine.id] })
      const listed = (await rfb.inspection.listForMonth.query({ month })).find((i) => i.id === r.id)!
      expect(listed).toMatchObject({ inspector: '张三，李四', photoIds: [mine.id], onSite: true, distanceOutside: 0 })
      expect(listed.checklist).toHaveLength(theme.checklist.length)
      expect(listed.checklist[0]).toEqual({ item: theme.checklist[0], ok: false })
      expect(await errorOf(rfb.inspection.record.mutate({ ...base, findings: 'x', photoIds: [mine.id] }))).toMatchObject({ appCode: 'PHOTO_ALREADY_ATTACHED' })
      expect(await errorOf(rfb.inspection.record.mutate({ ...base, findings: 'x', photoIds: [theirs.id] }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'PHOTO_NOT_YOURS' })
      expect(await errorOf(rfb.inspection.record.mutate({ ...base, findings: 'x', photoIds: [99999999] }))).toMatchObject({ appCode: 'PHOTO_NOT_FOUND' })
      // the failed calls rolled back: no extra inspections
      expect((await rfb.inspection.listForMonth.query({ month, gridId: grid.properties.id })).filter((i) => i.findings === 'x')).toHaveLength(0)
      expect(await errorOf(rfb.inspection.record.mutate({ gridId: grid.properties.id, date: new Date().toISOString(), findings: 'x' }))).toMatchObject({ appCode: 'BAD_INPUT' })
    })

    it('a department cannot record or list for another; leaders read all', async () => {
      const rfbGrid = await gridOf('市人防办')
      const rfbId = await departmentId('市人防办')
      const cgjId = await departmentId('市城管局')
      expect(await errorOf(cgj.inspection.record.mutate({ gridId: rfbGrid.properties.id, date: new Date().toISOString(), inspectors: ['王'], findings: 'x' })))
        .toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_GRID' })
      expect(await errorOf(cgj.inspection.listForMonth.query({ month, departmentId: rfbId }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_DEPARTMENT' })
      const cgjList = await cgj.inspection.listForMonth.query({ month: lastMonth })
      const cgjCount = await app.db.inspection.count({ where: { departmentId: cgjId, month: lastMonth } })
      expect(cgjCount).toBeGreaterThan(0) // the seed has last month's inspections for 市城管局: else the scope check below proves nothing
      expect(cgjList.length).toBe(cgjCount)
      expect(new Set(cgjList.map((i) => i.departmentId))).toEqual(new Set([cgjId]))
      const all = await leader.inspection.listForMonth.query({ month: lastMonth })
      expect(new Set(all.map((i) => i.departmentId)).size).toBeGreaterThan(3)
      expect(all.filter((i) => i.departmentId === cgjId).map((i) => i.id).sort()).toEqual(cgjList.map((i) => i.id).sort())
      expect(await errorOf(cgj.inspection.notOnSite.query({ month }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
      expect(await errorOf(cgj.workspace.mine.query({ departmentId: rfbId }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
      expect(await errorOf(cgj.stats.departmentRanking.query({ from: month, to: month }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
      expect(await errorOf(cgj.report.monthlyBulletin.query({ month }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
    })

    it('leaders see the inspections that were not on site', async () => {
      const grid = await gridOf('市人防办')
      const [lng, lat] = pointOnFeature(grid).geometry.coordinates as [number, number]
      const far = await rfb.inspection.record.mutate({ gridId: grid.properties.id, date: new Date().toISOString(), inspectors: ['张三'], findings: '远程', lng: lng + 0.05, lat })
      expect(far.onSite).toBe(false)
      const list = await leader.inspection.notOnSite.query({ month })
      expect(list.find((i) => i.id === far.id)).toMatchObject({ reason: 'outside', departmentName: '市人防办' })
      expect(list.every((i) => i.onSite !== true)).toBe(true)
    })
  })

  describe('meetings, themes, workspace', () => {
    it('a department records its own meeting; others do not see it; leaders do', async () => {
      const rfbId = await departmentId('市人防办')
      const m = await rfb.meeting.record.mutate({ date: new Date().toISOString(), attendees: '邵娜、郭秀涛', topics: '本月巡查安排', decisions: '月底前完成全部网格检查', departmentId: rfbId })
      expect(m).toMatchObject({ departmentName: '市人防办', month })
      expect(await errorOf(cgj.meeting.record.mutate({ date: new Date().toISOString(), attendees: 'x', topics: 'y', departmentId: rfbId }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
      expect((await cgj.meeting.list.query({ month })).map((x) => x.id)).not.toContain(m.id)
      expect(await errorOf(cgj.meeting.list.query({ month, departmentId: rfbId }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
      expect((await leader.meeting.list.query({ month })).map((x) => x.id)).toContain(m.id)
      const range = await leader.meeting.list.query({ from: addMonths(month, -3), to: lastMonth })
      expect(new Set(range.map((x) => x.month)).size).toBe(3) // seeded: the last three months
      expect(await errorOf(leader.meeting.record.mutate({ date: new Date().toISOString(), attendees: 'x', topics: 'y' }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
      expect((await rfb.workspace.mine.query({})).meetingHeld).toBe(true)
    })

    it('an admin sets the month theme; others may only read it', async () => {
      const next = addMonths(month, 3)
      expect((await rfb.theme.get.query({ month: next })).configured).toBe(false)
      expect(await errorOf(leader.theme.set.mutate({ month: next, title: '主题', checklist: ['a'] }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
      await admin.theme.set.mutate({ month: next, title: '文明养犬专项整治', checklist: ['牵绳遛狗', '及时清理粪便'] })
      expect(await rfb.theme.get.query({ month: next })).toEqual({ month: next, title: '文明养犬专项整治', checklist: ['牵绳遛狗', '及时清理粪便'], configured: true })
      expect((await rfb.theme.get.query({ month })).configured).toBe(true) // seeded
    })

    it('workspace.mine: the department\'s own grids with the month\'s status, matching the coverage map', async () => {
      const w = await rfb.workspace.mine.query({})
      expect(w.department.name).toBe('市人防办')
      expect(w.grids.map((g) => g.name)).toEqual(expect.arrayContaining(['均家滩社区', '北面滩社区', '南面滩社区']))
      // days left counting today, from the Beijing calendar date read with Intl (not the code under test)
      const [by, bm, bd] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date()).split('-').map(Number) as [number, number, number]
      expect(w.daysLeft).toBe(new Date(Date.UTC(by, bm, 0)).getUTCDate() - bd + 1)
      const [communities, streets] = await Promise.all([leader.grid.list.query({ level: 'community', month }), leader.grid.list.query({ level: 'street', month })])
      const held = [...communities.features, ...streets.features].filter((f) => f.properties.holderDepartment === '市人防办')
      expect(w.grids.map((g) => g.id).sort()).toEqual(held.map((f) => f.properties.id).sort())
      for (const g of w.grids) {
        const f = held.find((x) => x.properties.id === g.id)!
        expect([g.status, g.openProblems, g.overdueProblems]).toEqual([f.properties.inspectionStatus, f.properties.openProblems, f.properties.overdueProblems])
      }
      const siteCount = await app.db.evaluationSite.count({ where: { gridId: { in: w.grids.map((g) => g.id) } } })
      expect(siteCount).toBeGreaterThan(0) // the seed puts evaluation sites in 市人防办's grids
      expect(w.grids.flatMap((g) => g.sites).length).toBe(siteCount)
      expect(await errorOf(leader.workspace.mine.query({}))).toMatchObject({ appCode: 'DEPARTMENT_REQUIRED' })
    })
  })

  describe('ranking, coverage and bulletin', () => {
    it('last month\'s ranking agrees with raw counts from the map, the inspections and the meetings', async () => {
      const ranking = await leader.stats.departmentRanking.query({ from: lastMonth, to: lastMonth })
      const [communities, streets, inspections, meetings] = await Promise.all([
        leader.grid.list.query({ level: 'community', month: lastMonth }), leader.grid.list.query({ level: 'street', month: lastMonth }),
        leader.inspection.listForMonth.query({ month: lastMonth }), leader.meeting.list.query({ month: lastMonth }),
      ])
      const held = [...communities.features, ...streets.features].map((f) => f.properties).filter((p) => p.holderDepartmentId !== null)
      expect(ranking.rows.length).toBeGreaterThan(5)
      for (const row of ranking.rows) {
        const grids = held.filter((p) => p.holderDepartmentId === row.departmentId)
        const onSite = grids.filter((p) => inspections.some((i) => i.gridId === p.id && i.onSite === true && i.departmentId === row.departmentId))
        expect([row.departmentName, row.gridMonths, row.inspectedOnSite, row.missed, row.meetingsHeld]).toEqual([
          row.departmentName, grids.length, onSite.length, grids.filter((p) => p.inspectionStatus === 'missed').length,
          new Set(meetings.filter((m) => m.departmentId === row.departmentId).map((m) => m.month)).size,
        ])
      }
      expect(ranking.totals.gridMonths).toBe(held.length)
      expect(ranking.rows.map((r) => r.rank)).toEqual(ranking.rows.map((_, i) => i + 1))
      expect(ranking.rows.some((r) => r.meetingsHeld === 0)).toBe(true) // the seed leaves some meetings out
    })

    it('this month\'s overdue and on-time figures agree with the problem list', async () => {
      const ranking = await leader.stats.departmentRanking.query({ from: month, to: month })
      const problems = []
      let cursor: number | undefined
      do {
        const page = await leader.problem.list.query({ cursor, limit: 200 })
        problems.push(...page.items)
        cursor = page.nextCursor ?? undefined
      } while (cursor)
      const { start, end } = monthRange(month)
      for (const row of ranking.rows) {
        const mine = problems.filter((p) => p.departmentId === row.departmentId)
        const closed = mine.filter((p) => p.status === 'closed' && p.closedAt && new Date(p.closedAt) >= start && new Date(p.closedAt) < end)
        expect([row.departmentName, row.overdue, row.closed, row.closedOnTime]).toEqual([
          row.departmentName, mine.filter((p) => p.overdue).length, closed.length, closed.filter((p) => !p.deadline || p.closedAt! <= p.deadline).length,
        ])
      }
      expect(ranking.totals.overdue).toBeGreaterThan(0) // else the drill-down below checks an empty list
      expect(ranking.totals.overdue).toBe(problems.filter((p) => p.overdue && ranking.rows.some((r) => r.departmentId === p.departmentId)).length)
      const drill = await leader.stats.drillDown.query({ from: month, to: month, measure: 'overdue', departmentId: ranking.rows[0]!.departmentId })
      expect(drill.rows).toHaveLength(ranking.rows[0]!.overdue)
    })

    it('trend covers 12 months; coverage values follow the colour switch', async () => {
      const t = await leader.stats.trend.query({ months: 12 })
      expect(t.months).toHaveLength(12)
      expect(t.months[11]).toBe(month)
      const byStatus = await leader.stats.coverage.query({ month, colourBy: 'status' })
      const fc = await leader.grid.list.query({ level: 'community', month })
      for (const g of byStatus.grids) {
        const f = fc.features.find((x) => x.properties.id === g.gridId)!
        expect(g.value).toBe(f.properties.holderDepartmentId === null ? 'unheld' : f.properties.inspectionStatus)
      }
      const byOverdue = await leader.stats.coverage.query({ month, colourBy: 'overdue' })
      expect(byOverdue.grids.map((g) => g.value)).toEqual(byOverdue.grids.map((g) => fc.features.find((f) => f.properties.id === g.gridId)!.properties.overdueProblems))
      expect(byOverdue.max).toBe(Math.max(...fc.features.map((f) => f.properties.overdueProblems)))
      const days = await leader.stats.coverage.query({ month, colourBy: 'daysSinceInspection' })
      const rfbGrid = await gridOf('市人防办')
      expect(days.grids.find((g) => g.gridId === rfbGrid.properties.id)!.value).toBe(0) // inspected on site today, above
    })

    it('the bulletin: JSON figures and an Excel workbook with the expected sheets, also as a download', async () => {
      const j = await leader.report.monthlyBulletin.query({ month: lastMonth, format: 'json' })
      if (j.format !== 'json') throw new Error('expected json')
      const b = j.bulletin
      expect(b.summary.done + b.summary.unverified + b.summary.missed + b.summary.pending).toBe(b.summary.held)
      expect(b.missedGrids.filter((g) => g.status === 'missed')).toHaveLength(b.summary.missed)
      expect(b.summary.missed).toBeGreaterThan(0)
      expect(b.ranking.length).toBeGreaterThan(5)
      const x = await leader.report.monthlyBulletin.query({ month: lastMonth, format: 'xlsx' })
      if (x.format !== 'xlsx') throw new Error('expected xlsx')
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load(Buffer.from(x.base64, 'base64') as unknown as ArrayBuffer)
      expect(wb.worksheets.map((w) => w.name)).toEqual(['概况', '部门排名', '漏检网格', '未到岗检查', '超期问题', '网格状态', '更正'])
      expect(wb.getWorksheet('部门排名')!.rowCount).toBe(b.ranking.length + 1)
      expect(wb.getWorksheet('漏检网格')!.rowCount).toBe(b.missedGrids.length + 1)
      const res = await fetch(`${app.url}/api/report/bulletin?month=${lastMonth}&format=xlsx`, { headers: { cookie: cookieOf(leader) } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/spreadsheetml/)
      const wb2 = new ExcelJS.Workbook()
      await wb2.xlsx.load(await res.arrayBuffer())
      expect(wb2.worksheets).toHaveLength(7)
      expect((await fetch(`${app.url}/api/report/bulletin?month=${lastMonth}&format=xlsx`, { headers: { cookie: cookieOf(rfb) } })).status).toBe(403)
      expect((await fetch(`${app.url}/api/report/bulletin?month=${lastMonth}&format=xlsx`)).status).toBe(401)
    })
  })
})
