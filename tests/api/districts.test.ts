/**
 * The district level (区县) through the real API, on SQLite and (TEST_POSTGRES=1) PostgreSQL: the coverage
 * map's rows, the department ranking and the monthly bulletin read per district (districtId) add up — a
 * district equals the sum of its streets, the whole city the sum of its districts — the filter is
 * validated, districts without a holder are not counted as unheld grids, and a department user
 * reaches none of the leaders' figures with a district filter.
 */
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMonths, monthOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>
interface Props { id: number; name: string; code: string; parentId: number | null }

describe.each(testDatabases())('districts on %s', (db) => {
  let app: RunningApp
  let leader: Client, rfb: Client
  let districts: Props[], streets: Props[], communities: Props[]
  const thisMonth = monthOf(new Date())
  const months = [addMonths(thisMonth, -1), thisMonth]
  beforeAll(async () => {
    app = await startApp({ db })
    ;[leader, rfb] = await Promise.all([loggedIn(app.url, 'leader'), loggedIn(app.url, 'rfb')]) as [Client, Client]
    const props = async (level: 'district' | 'street' | 'community') => (await leader.grid.list.query({ level })).features.map((f) => f.properties as Props)
    ;[districts, streets, communities] = await Promise.all([props('district'), props('street'), props('community')])
  })
  afterAll(async () => { await app?.stop() })
  const sessionCookie = async (login: string) => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}123` }) })
    return res.headers.getSetCookie()[0]!.split(';')[0]!
  }

  const streetsOf = (d: Props) => streets.filter((s) => s.parentId === d.id)
  const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0)

  it('the demo city has two districts holding all its streets, codes under their parent\'s prefix', () => {
    expect(districts.map((d) => d.code).sort()).toEqual(['610398', '610399'])
    for (const s of streets) {
      const d = districts.find((x) => x.id === s.parentId)!
      expect(s.code.startsWith(d.code)).toBe(true)
    }
    for (const c of communities) expect(c.code.slice(0, 9)).toBe(streets.find((s) => s.id === c.parentId)!.code.slice(0, 9))
    for (const d of districts) expect(streetsOf(d).length).toBeGreaterThanOrEqual(2)
  })

  it('refuses an area that is not a district or street, with a stable code', async () => {
    const community = communities[0]!.id
    expect(await errorOf(leader.stats.departmentRanking.query({ from: thisMonth, to: thisMonth, districtId: community }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'AREA_NOT_DISTRICT' })
    expect(await errorOf(leader.report.monthlyBulletin.query({ month: thisMonth, districtId: 999_999 }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'AREA_NOT_DISTRICT' })
    expect(await errorOf(leader.stats.coverage.query({ month: thisMonth, districtId: community }))).toMatchObject({ appCode: 'AREA_NOT_DISTRICT' })
    expect(await errorOf(leader.grid.status.query({ level: 'community', districtId: community }))).toMatchObject({ appCode: 'AREA_NOT_DISTRICT' })
    const res = await fetch(`${app.url}/api/report/bulletin?month=${thisMonth}&format=json&districtId=abc`, { headers: { cookie: await sessionCookie('leader') } })
    expect(res.status).toBe(400)
  })

  it('coverage map: a district\'s rows are its streets\' rows; the city\'s the districts\'', async () => {
    for (const month of months) {
      for (const level of ['community', 'street'] as const) {
        const rows = async (districtId?: number) => (await leader.stats.coverage.query({ month, level, colourBy: 'open', districtId })).grids
        const city = await rows()
        const perDistrict = await Promise.all(districts.map((d) => rows(d.id)))
        expect(perDistrict.flat().map((r) => r.gridId).sort()).toEqual(city.map((r) => r.gridId).sort())
        for (const [i, d] of districts.entries()) {
          const perStreet = (await Promise.all(streetsOf(d).map((s) => rows(s.id)))).flat()
          expect(perStreet.map((r) => r.gridId).sort()).toEqual(perDistrict[i]!.map((r) => r.gridId).sort())
          for (const k of ['openProblems', 'overdueProblems'] as const) expect(sum(perDistrict[i]!, (r) => r[k])).toBe(sum(perStreet, (r) => r[k]))
          expect(perDistrict[i]!.filter((r) => r.held).length).toBe(perStreet.filter((r) => r.held).length)
        }
        for (const k of ['openProblems', 'overdueProblems'] as const) expect(sum(city, (r) => r[k])).toBe(sum(perDistrict.flat(), (r) => r[k]))
      }
      // the map's status arrays, filtered the same way
      const st = await leader.grid.status.query({ level: 'community', month, districtId: districts[0]!.id })
      const mine = new Set(streetsOf(districts[0]!).map((s) => s.id))
      expect(st.ids.sort()).toEqual(communities.filter((c) => mine.has(c.parentId!)).map((c) => c.id).sort())
    }
    // the level selector's level: districts have rows of their own
    expect((await leader.stats.coverage.query({ month: thisMonth, level: 'district' })).grids.map((r) => r.name).sort()).toEqual(districts.map((d) => d.name).sort())
  })

  const ADDITIVE = ['gridMonths', 'inspected', 'inspectedOnSite', 'unverified', 'missed', 'pending', 'closed', 'closedOnTime', 'overdue', 'coordTotal', 'coordOpen', 'coordOverdue', 'returns', 'returnsRejected'] as const

  it('ranking: per district = sum of its streets, per department and in total; city = sum of districts', async () => {
    for (const month of months) {
      const ranking = (districtId?: number) => leader.stats.departmentRanking.query({ from: month, to: month, districtId })
      const city = await ranking()
      const perDistrict = await Promise.all(districts.map((d) => ranking(d.id)))
      expect(city.totals.gridMonths).toBeGreaterThan(0)
      for (const k of ADDITIVE) expect(city.totals[k], k).toBe(sum(perDistrict, (r) => r.totals[k]))
      for (const [i, d] of districts.entries()) {
        const perStreet = await Promise.all(streetsOf(d).map((s) => ranking(s.id)))
        expect(perDistrict[i]!.totals.gridMonths).toBeGreaterThan(0)
        for (const k of ADDITIVE) expect(perDistrict[i]!.totals[k], `${d.name} ${k}`).toBe(sum(perStreet, (r) => r.totals[k]))
        for (const row of perDistrict[i]!.rows) {
          const streetRows = perStreet.map((r) => r.rows.find((x) => x.departmentId === row.departmentId))
          expect(row.gridMonths).toBe(sum(streetRows, (x) => x?.gridMonths ?? 0))
          expect(row.overdue).toBe(sum(streetRows, (x) => x?.overdue ?? 0))
        }
      }
      // per department: city row = sum of the department's district rows
      for (const row of city.rows) expect(row.gridMonths).toBe(sum(perDistrict, (r) => r.rows.find((x) => x.departmentId === row.departmentId)?.gridMonths ?? 0))
      // districts have no holder: they never appear as grid-months of their own
      const drill = await leader.stats.drillDown.query({ from: month, to: month, measure: 'gridMonths' })
      expect(drill.kind === 'grids' && drill.rows.some((r) => districts.some((d) => d.id === r.gridId))).toBe(false)
    }
  })

  const BULLETIN_SUMS = ['grids', 'held', 'unheld', 'done', 'unverified', 'pending', 'missed', 'gridMonths', 'inspectedOnSite', 'inspections', 'notOnSite', 'closed', 'overdue'] as const

  it('bulletin: per district = sum of its streets; city = sum of districts; districts are not unheld grids', async () => {
    for (const month of months) {
      const bulletin = async (districtId?: number) => {
        const r = await leader.report.monthlyBulletin.query({ month, districtId })
        if (r.format !== 'json') throw new Error('expected json')
        return r.bulletin
      }
      const city = await bulletin()
      expect(city.area).toBeNull()
      // the city's grids are its streets and communities: the two districts (no holder) are not counted
      expect(city.summary.grids).toBe(streets.length + communities.length)
      expect(city.grids.some((g) => districts.some((d) => d.id === g.gridId))).toBe(false)
      const perDistrict = await Promise.all(districts.map((d) => bulletin(d.id)))
      for (const k of BULLETIN_SUMS) expect(city.summary[k], k).toBe(sum(perDistrict, (b) => b.summary[k]))
      expect(city.missedGrids.length).toBe(sum(perDistrict, (b) => b.missedGrids.length))
      for (const [i, d] of districts.entries()) {
        expect(perDistrict[i]!.area).toMatchObject({ id: d.id, name: d.name, level: 'district' })
        const perStreet = await Promise.all(streetsOf(d).map((s) => bulletin(s.id)))
        for (const k of BULLETIN_SUMS) expect(perDistrict[i]!.summary[k], `${d.name} ${k}`).toBe(sum(perStreet, (b) => b.summary[k]))
        expect(perDistrict[i]!.summary.grids).toBeGreaterThan(0)
      }
    }
  })

  it('the bulletin\'s Excel names the district', async () => {
    const d = districts[0]!
    const r = await leader.report.monthlyBulletin.query({ month: months[0]!, format: 'xlsx', districtId: d.id })
    expect(r.format === 'xlsx' && r.fileName).toBe(`检查通报-${months[0]}-${d.name}.xlsx`)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(Buffer.from(r.format === 'xlsx' ? r.base64 : '', 'base64') as unknown as ArrayBuffer)
    const summary = wb.getWorksheet('概况')!
    const cells = summary.getSheetValues().flat().map(String)
    expect(cells).toContain(`${d.name}（${d.code}）`)
    const res = await fetch(`${app.url}/api/report/bulletin?month=${months[0]}&format=xlsx&districtId=${d.id}`, { headers: { cookie: await sessionCookie('leader') } })
    expect(res.status).toBe(200)
    expect(decodeURIComponent(res.headers.get('content-disposition') ?? '')).toContain(d.name)
  })

  it('a department user reads no leader figures with a district filter, and the map no more than without', async () => {
    const d = districts[0]!
    expect(await errorOf(rfb.stats.departmentRanking.query({ from: thisMonth, to: thisMonth, districtId: d.id }))).toMatchObject({ code: 'FORBIDDEN' })
    expect(await errorOf(rfb.stats.coverage.query({ month: thisMonth, districtId: d.id }))).toMatchObject({ code: 'FORBIDDEN' })
    expect(await errorOf(rfb.stats.drillDown.query({ from: thisMonth, to: thisMonth, measure: 'overdue', districtId: d.id }))).toMatchObject({ code: 'FORBIDDEN' })
    expect(await errorOf(rfb.report.monthlyBulletin.query({ month: thisMonth, districtId: d.id }))).toMatchObject({ code: 'FORBIDDEN' })
    const res = await fetch(`${app.url}/api/report/bulletin?month=${thisMonth}&format=json&districtId=${d.id}`, { headers: { cookie: await sessionCookie('rfb') } })
    expect(res.status).toBe(403)
    // the map's public layer: a district filter gives a subset of what the city view gives
    const all = await rfb.grid.status.query({ level: 'community' })
    const part = await rfb.grid.status.query({ level: 'community', districtId: d.id })
    expect(part.ids.length).toBeGreaterThan(0)
    expect(part.ids.length).toBeLessThan(all.ids.length)
    for (const [i, id] of part.ids.entries()) expect(part.status[i]).toBe(all.status[all.ids.indexOf(id)])
  })
})
