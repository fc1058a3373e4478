/** Evaluation preparation API (测评): task list scope, sites, readiness, mock evaluation → problem. On each database. */
import { readFileSync } from 'node:fs'
import { pointOnFeature } from '@turf/turf'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const users = JSON.parse(readFileSync('data/demo/users.json', 'utf8')) as { login: string; role: string; department: string | null }[]
const loginOf = (department: string) => users.find((u) => u.role === 'department' && u.department === department)?.login
/** The seeded task list (prisma/seedEvaluation.ts seeds exactly this file, dates relative to the seeding moment). */
const taskList = JSON.parse(readFileSync('data/evaluation/indicators.json', 'utf8')) as {
  evaluationInDays: number
  indicators: { code: string; siteTypes: string[]; departments: { name: string }[]; milestones: { dueInDays: number; progress: number }[] }[]
}

describe.each(testDatabases())('evaluation API on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) })
  afterAll(async () => { await app?.stop() })

  const community = async (name: string) => {
    const leader = await loggedIn(app.url, 'leader')
    const f = (await leader.grid.list.query({ level: 'community' })).features.find((x) => x.properties.name === name)
    if (!f) throw new Error(`no community ${name}`)
    return { id: f.properties.id, point: pointOnFeature(f).geometry.coordinates as [number, number] }
  }

  it('leaders see the whole task list; a department only its own indicators', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const all = await leader.indicator.list.query({})
    expect(all.items.map((i) => i.code).sort()).toEqual(taskList.indicators.map((i) => i.code).sort())
    expect(all.scoped).toBe(false)
    expect(all.countdown).toBe(taskList.evaluationInDays)
    for (const i of all.items) {
      expect(i.departments.map((d) => d.name).sort()).toEqual(taskList.indicators.find((x) => x.code === i.code)!.departments.map((d) => d.name).sort())
      expect(i.leadLeader).toBeTruthy()
      expect(i.overdueMilestones).toBe(i.milestones.filter((m) => m.overdue).length)
    }
    // overdue: a milestone due before today still below 100 % (and not every milestone done)
    const overdueCodes = taskList.indicators.filter((i) => i.milestones.some((m) => m.dueInDays < 0 && m.progress < 100)).map((i) => i.code)
    expect(overdueCodes.length).toBe(2) // the demo list has two behind schedule: a count of 0 would prove nothing
    expect(all.counts.overdue).toBe(overdueCodes.length)
    const overdue = await leader.indicator.list.query({ overdue: true })
    expect(overdue.items.map((i) => i.code).sort()).toEqual([...overdueCodes].sort())
    expect(overdue.items.every((i) => i.status === 'overdue')).toBe(true)

    const rfb = await loggedIn(app.url, 'rfb')
    const mine = await rfb.indicator.list.query({})
    expect(mine.scoped).toBe(true)
    expect(mine.items.map((i) => i.code).sort()).toEqual(taskList.indicators.filter((i) => i.departments.some((d) => d.name === '市人防办')).map((i) => i.code).sort())
    expect(mine.items.length).toBeLessThan(all.items.length)
    expect(mine.items.every((i) => i.departments.some((d) => d.name === '市人防办'))).toBe(true)
    const cgjId = all.items.flatMap((i) => i.departments).find((d) => d.name === '市城管局')!.departmentId
    expect(await errorOf(rfb.indicator.list.query({ departmentId: cgjId }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_DEPARTMENT' })
    const byDept = await leader.indicator.list.query({ departmentId: cgjId })
    expect(byDept.items.every((i) => i.departments.some((d) => d.departmentId === cgjId))).toBe(true)
  })

  it('a department reports progress only on its own indicators, with a version check', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const rfb = await loggedIn(app.url, 'rfb')
    const all = (await leader.indicator.list.query({})).items
    const own = (await rfb.indicator.list.query({})).items[0]!
    const other = all.find((i) => !i.departments.some((d) => d.name === '市人防办'))!
    const om = other.milestones[0]!
    expect(await errorOf(rfb.indicator.milestoneUpdate.mutate({ id: om.id, version: om.version, progress: 100 }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_INDICATOR' })
    expect(await errorOf(rfb.indicator.byId.query({ id: other.id }))).toMatchObject({ appCode: 'NOT_YOUR_INDICATOR' })
    const m = own.milestones.find((x) => x.progress < 100) ?? own.milestones[0]!
    const updated = await rfb.indicator.milestoneUpdate.mutate({ id: m.id, version: m.version, progress: 100, note: '已完成' })
    const after = updated.milestones.find((x) => x.id === m.id)!
    expect(after).toMatchObject({ progress: 100, overdue: false, version: m.version + 1, note: '已完成' })
    expect(after.doneAt).not.toBeNull()
    expect(await errorOf(rfb.indicator.milestoneUpdate.mutate({ id: m.id, version: m.version, progress: 50 }))).toMatchObject({ code: 'CONFLICT', appCode: 'VERSION_CONFLICT' })
    const planner = await loggedIn(app.url, 'planner')
    expect(await errorOf(planner.indicator.milestoneUpdate.mutate({ id: m.id, version: after.version, progress: 50 }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(rfb.indicator.update.mutate({ id: own.id, version: own.version, name: 'x' }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
  })

  it('imports indicators all-or-nothing, skips existing codes, and updates with a version check', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const before = (await leader.indicator.list.query({ year: 2030 })).items.length
    expect(before).toBe(0)
    const csv = ['编号,名称,标准,分值,点位类型,牵头领导,任务,责任单位,配合单位,责任人,进度',
      'T-1,社区文明实践,有阵地有活动,3,社区、公园广场,张三,建阵地,市民政局,市文明办,李四,2030-03-01 摸底；2030-04-01 验收',
      'T-2,不存在的单位,,2,学校,,,某某局,,,'].join('\n')
    const bad = await leader.indicator.import.mutate({ year: 2030, evaluationDate: '2030-06-01', csv })
    expect(bad).toMatchObject({ total: 2, created: 0, failed: 1 })
    expect(bad.report[1]).toMatchObject({ row: 3, status: 'failed' })
    expect((await leader.indicator.list.query({ year: 2030 })).items.length).toBe(0)
    const good = await leader.indicator.import.mutate({ year: 2030, evaluationDate: '2030-06-01', csv: csv.split('\n').slice(0, 2).join('\n') })
    expect(good).toMatchObject({ created: 1, failed: 0 })
    const [t1] = (await leader.indicator.list.query({ year: 2030 })).items
    expect(t1).toMatchObject({ code: 'T-1', points: 3, siteTypes: ['社区', '公园广场'], evaluationDate: '2030-06-01', progress: 0 })
    expect(t1!.milestones.map((m) => m.dueDate)).toEqual(['2030-03-01', '2030-04-01'])
    expect(t1!.departments.map((d) => [d.name, d.role])).toEqual([['市民政局', 'lead'], ['市文明办', 'assist']])
    const again = await leader.indicator.import.mutate({ year: 2030, evaluationDate: '2030-06-01', rows: [{ code: 'T-1', name: '重复', points: 1, departments: [{ name: '市民政局' }] }] })
    expect(again).toMatchObject({ created: 0, skipped: 1 })
    const upd = await leader.indicator.update.mutate({ id: t1!.id, version: t1!.version, leadLeader: '王五', addMilestones: [{ title: '复查', dueDate: '2030-05-01' }] })
    expect(upd).toMatchObject({ leadLeader: '王五', version: t1!.version + 1 })
    expect(upd.milestones).toHaveLength(3)
    expect(await errorOf(leader.indicator.update.mutate({ id: t1!.id, version: t1!.version, task: 'x' }))).toMatchObject({ code: 'CONFLICT', appCode: 'VERSION_CONFLICT' })
    const rfb = await loggedIn(app.url, 'rfb')
    expect(await errorOf(rfb.indicator.import.mutate({ year: 2030, evaluationDate: '2030-06-01', rows: [] }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
  })

  it('exports the progress table to Excel within the caller\'s scope', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const rfb = await loggedIn(app.url, 'rfb')
    const load = async (b64: string) => {
      const wb = new ExcelJS.Workbook()
      await wb.xlsx.load(Buffer.from(b64, 'base64') as unknown as ArrayBuffer)
      return wb.worksheets[0]!
    }
    const all = await leader.indicator.export.query({})
    const ws = await load(all.base64)
    expect(ws.getRow(1).getCell(2).value).toBe('指标')
    const codes = new Set<string>()
    ws.eachRow((r, n) => { if (n > 1) codes.add(String(r.getCell(1).value)) })
    expect(codes.size).toBe(all.rows)
    const mine = await rfb.indicator.export.query({})
    const ws2 = await load(mine.base64)
    const codes2 = new Set<string>()
    ws2.eachRow((r, n) => { if (n > 1) codes2.add(String(r.getCell(1).value)) })
    expect(codes2).toEqual(new Set((await rfb.indicator.list.query({})).items.map((i) => i.code)))
    expect(codes2.size).toBeLessThan(codes.size)
  })

  it('creates, moves and imports sites, re-assigning them to the grid that contains them', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const a = await community('均家滩社区')
    const b = await community('北面滩社区')
    const s = await leader.evaluation.siteCreate.mutate({ name: '测试农贸市场', type: '农贸市场', lng: a.point[0], lat: a.point[1] })
    expect(s.gridId).toBe(a.id)
    const moved = await leader.evaluation.siteUpdate.mutate({ id: s.id, version: s.version, lng: b.point[0], lat: b.point[1] })
    expect(moved).toMatchObject({ gridId: b.id, moved: true, version: s.version + 1 })
    expect(await errorOf(leader.evaluation.siteUpdate.mutate({ id: s.id, version: s.version, name: 'x' }))).toMatchObject({ code: 'CONFLICT' })
    expect(await errorOf(leader.evaluation.siteCreate.mutate({ name: '远方', type: '学校', lng: 116.4, lat: 39.9 }))).toMatchObject({ appCode: 'OUTSIDE_GRIDS' })
    const rfb = await loggedIn(app.url, 'rfb')
    expect(await errorOf(rfb.evaluation.siteCreate.mutate({ name: 'x', type: '学校', lng: a.point[0], lat: a.point[1] }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })

    const csv = `名称,类型,经度,纬度\n导入学校,学校,${a.point[0]},${a.point[1]}\n无类型,,${a.point[0]},${a.point[1]}\n远方医院,医院,116.4,39.9\n导入学校,学校,${b.point[0]},${b.point[1]}\n`
    const r = await leader.evaluation.siteImport.mutate({ fileBase64: Buffer.from(csv).toString('base64') })
    expect(r).toMatchObject({ total: 4, created: 1, failed: 3 })
    expect(r.errors.map((e) => [e.row, e.ok ? '' : e.reason])).toEqual([[3, 'MISSING_TYPE'], [4, 'OUTSIDE_GRIDS'], [5, 'DUPLICATE']])
    const sites = await leader.site.list.query()
    expect(sites.features.filter((f) => f.properties.name === '导入学校').map((f) => f.properties.gridId)).toEqual([a.id])
  })

  it('moving a site on the map: re-assigned with its department; refused outside every grid and for department users', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const grids = (await leader.grid.list.query({ level: 'community' })).features
    const a = await community('均家滩社区')
    const holderOf = (id: number) => grids.find((f) => f.properties.id === id)!.properties.holderDepartment
    // a community held by another department than 均家滩社区's
    const other = grids.find((f) => f.properties.holderDepartmentId !== null && f.properties.holderDepartment !== holderOf(a.id))!
    const b = { id: other.properties.id, point: pointOnFeature(other).geometry.coordinates as [number, number] }
    const s = await leader.evaluation.siteCreate.mutate({ name: '拖动测试点位', type: '学校', lng: a.point[0], lat: a.point[1] })
    const moved = await leader.evaluation.siteUpdate.mutate({ id: s.id, version: s.version, lng: b.point[0], lat: b.point[1] })
    expect(moved).toMatchObject({ gridId: b.id, gridName: other.properties.name, departmentName: holderOf(b.id), moved: true })
    expect(moved.departmentName).not.toBe(holderOf(a.id))

    // outside every grid: refused, the site stays where it was
    expect(await errorOf(leader.evaluation.siteUpdate.mutate({ id: s.id, version: moved.version, lng: 116.4, lat: 39.9 })))
      .toMatchObject({ code: 'BAD_REQUEST', appCode: 'OUTSIDE_GRIDS', message: '该位置不在任何网格内' })
    const after = (await leader.evaluation.readiness.query()).sites.find((x) => x.id === s.id)!
    expect(after).toMatchObject({ lng: b.point[0], lat: b.point[1], gridId: b.id, version: moved.version })

    // a department user may not move a site, not even one in its own grids
    const rfb = await loggedIn(app.url, 'rfb')
    const own = (await rfb.evaluation.readiness.query()).sites[0]!
    expect(await errorOf(rfb.evaluation.siteUpdate.mutate({ id: own.id, version: own.version, lng: a.point[0], lat: a.point[1] }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(rfb.evaluation.siteUpdate.mutate({ id: s.id, version: moved.version, lng: a.point[0], lat: a.point[1] }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    const unchanged = (await leader.evaluation.readiness.query()).sites.find((x) => x.id === own.id)!
    expect(unchanged).toMatchObject({ lng: own.lng, lat: own.lat, version: own.version })
  })

  it('readiness per site and shares per type, street and department; a department sees its own sites', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const r = await leader.evaluation.readiness.query()
    expect(r.sites.length).toBe(await app.db.evaluationSite.count())
    expect(new Set(r.sites.map((s) => s.readiness)).size).toBeGreaterThan(1)
    expect(r.byType.reduce((n, t) => n + t.total, 0)).toBe(r.sites.length)
    expect(r.overall!.ready).toBe(r.sites.filter((s) => s.readiness === 'ready').length)
    for (const s of r.sites) {
      if (s.readiness === 'ready') expect(s.lastRate! >= 0.9 && s.openProblemsNear === 0).toBe(true)
      if (s.lastRate === null && s.openProblemsNear === 0) expect(s.readiness).toBe('unassessed')
    }
    // the map's site points carry the same readiness (the readiness layer colours them)
    const points = await leader.site.list.query()
    const byId = new Map(r.sites.map((x) => [x.id, x.readiness]))
    expect(points.features.map((f) => f.properties.readiness)).toEqual(points.features.map((f) => byId.get(f.properties.id)))
    const rfb = await loggedIn(app.url, 'rfb')
    const mine = await rfb.evaluation.readiness.query()
    expect(mine.sites.length).toBeGreaterThan(0)
    // exactly the sites the leader's (unscoped) report gives the department, none of the others
    expect(mine.sites.map((s) => s.id).sort((a, b) => a - b)).toEqual(r.sites.filter((s) => s.departmentName === '市人防办').map((s) => s.id).sort((a, b) => a - b))
    expect(mine.byDepartment.map((d) => d.key)).toEqual(['市人防办'])
  })

  it('runs a mock evaluation: reproducible sample, score sheets, scores, lost point → problem of the right department', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const p1 = await leader.mock.draw.mutate({ name: 'p', by: 'type', types: ['农贸市场', '背街小巷'], perStratum: 2, seed: 99, preview: true })
    const p2 = await leader.mock.draw.mutate({ name: 'p', by: 'type', types: ['背街小巷', '农贸市场'], perStratum: 2, seed: 99, preview: true })
    expect(p1.sites.map((s) => s.siteId)).toEqual(p2.sites.map((s) => s.siteId))
    expect(p1.sites).toHaveLength(4)
    expect(p1.id).toBeNull()
    const rfb = await loggedIn(app.url, 'rfb')
    expect(await errorOf(rfb.mock.draw.mutate({ name: 'x', perStratum: 1 }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })

    const ev = await leader.mock.draw.mutate({ name: 'API 测试模拟测评', by: 'type', types: ['农贸市场', '背街小巷'], perStratum: 2, seed: 99 })
    expect(ev.sites.map((s) => s.siteId)).toEqual(p1.sites.map((s) => s.siteId))
    const sheets = await leader.mock.sheets.query({ id: ev.id! })
    expect(sheets.sites).toHaveLength(4)
    for (const s of sheets.sites) {
      // the seeded indicators checked at the site's type (data/evaluation/indicators.json)
      expect(s.lines.map((l) => l.code).sort()).toEqual(taskList.indicators.filter((i) => i.siteTypes.includes(s.type)).map((i) => i.code).sort())
      expect(s.scored).toBe(false)
    }
    const site = sheets.sites.find((s) => s.departmentId !== null && loginOf(s.departmentName!))!
    expect(site).toBeTruthy()
    const [l1, l2] = site.lines
    expect(await errorOf(leader.mock.score.mutate({ mockSiteId: site.mockSiteId, scores: [{ indicatorId: l1!.indicatorId, lostPoints: l1!.maxPoints + 1 }] }))).toMatchObject({ appCode: 'LOST_OVER_MAX' })
    const scores = [{ indicatorId: l1!.indicatorId, lostPoints: 1, note: '占道经营' }, ...(l2 ? [{ indicatorId: l2.indicatorId, lostPoints: 0 }] : [])]
    const scored = await leader.mock.score.mutate({ mockSiteId: site.mockSiteId, scores })
    const max = l1!.maxPoints + (l2?.maxPoints ?? 0)
    expect(scored.rate).toBeCloseTo((max - 1) / max, 10)
    const entry = scored.scores.find((e) => e.indicatorId === l1!.indicatorId)!

    const res = await leader.mock.results.query({ id: ev.id! })
    expect(res.scoredSites).toBe(1)
    expect(res.overall!.rate).toBeCloseTo((max - 1) / max, 10)
    expect(res.byDepartment.map((d) => d.key)).toEqual([site.departmentId])

    expect(await errorOf(rfb.mock.toProblem.mutate({ scoreId: entry.id, categoryCode: 'NM02' }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
    const asked = Date.now()
    const problem = await leader.mock.toProblem.mutate({ scoreId: entry.id, categoryCode: 'NM02', deadlineDays: 3 })
    expect(problem.departmentId).toBe(site.departmentId)
    expect(problem.gridId).toBe(site.gridId)
    // 3 working days: the end (23:59:59.999 Beijing) of the 3rd working day after today (Beijing), a
    // working day being Monday–Friday unless the city's calendar says holiday, or a day the calendar
    // makes a workday — counted here day by day from the calendar's rows
    const calendar = new Map((await app.db.calendarDay.findMany()).map((d) => [d.day, d.kind]))
    const beijing = new Date(asked + 8 * 3_600_000)
    let day = Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth(), beijing.getUTCDate())
    for (let left = 3; left > 0;) {
      day += 86_400_000
      const kind = calendar.get(new Date(day).toISOString().slice(0, 10))
      const weekday = new Date(day).getUTCDay()
      if (kind === 'workday' || (kind !== 'holiday' && weekday !== 0 && weekday !== 6)) left--
    }
    expect(new Date(problem.deadline!).getTime()).toBe(day + 86_400_000 - 1 - 8 * 3_600_000)
    expect(await errorOf(leader.mock.toProblem.mutate({ scoreId: entry.id, categoryCode: 'NM02' }))).toMatchObject({ code: 'CONFLICT', appCode: 'ALREADY_CONVERTED' })
    if (l2) {
      const zero = scored.scores.find((e) => e.indicatorId === l2.indicatorId)!
      expect(await errorOf(leader.mock.toProblem.mutate({ scoreId: zero.id, categoryCode: 'NM02' }))).toMatchObject({ appCode: 'NO_LOST_POINTS' })
    }
    // the responsible department sees it in its problem list, from the evaluation
    const dept = await loggedIn(app.url, loginOf(site.departmentName!)!)
    const list = await dept.problem.list.query({})
    const found = list.items.find((p) => p.id === problem.problemId)
    expect(found).toMatchObject({ source: 'evaluation', departmentId: site.departmentId })
    const again = await leader.mock.sheets.query({ id: ev.id! })
    expect(again.sites.find((s) => s.mockSiteId === site.mockSiteId)!.lines.find((l) => l.indicatorId === l1!.indicatorId)!.problemId).toBe(problem.problemId)
    // comparison over time: the demo evaluation and this one
    const history = await leader.mock.list.query()
    expect(history.length).toBeGreaterThanOrEqual(2)
    expect(history[0]!.id).toBe(ev.id)
    expect(history[0]!.rate).toBeCloseTo((max - 1) / max, 10)
    // a department reads only its own sites' sheets
    const deptSheets = await dept.mock.sheets.query({ id: ev.id! })
    expect(deptSheets.sites.every((s) => s.departmentId === site.departmentId)).toBe(true)
  })
})
