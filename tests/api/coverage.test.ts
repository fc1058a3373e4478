/** The foundation API end to end: a real server, a real tRPC HTTP client, each database. */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addMonths, monthOf } from '../../server/domain/time.ts'
import { apiClient, errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

describe.each(testDatabases())('coverage API on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) })
  afterAll(async () => { await app?.stop() })

  const communityNamed = async (name: string) => {
    const leader = await loggedIn(app.url, 'leader')
    const fc = await leader.grid.list.query({ level: 'community' })
    const f = fc.features.find((x) => x.properties.name === name)
    if (!f) throw new Error(`no community ${name}`)
    return f
  }

  it('refuses anonymous calls and wrong passwords with stable codes', async () => {
    const anon = apiClient(app.url)
    expect(await errorOf(anon.grid.list.query({ level: 'community' }))).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'NOT_LOGGED_IN' })
    expect(await errorOf(anon.auth.login.mutate({ login: 'leader', password: 'wrong' }))).toMatchObject({ code: 'UNAUTHORIZED', appCode: 'BAD_CREDENTIALS' })
    expect(await anon.auth.me.query()).toBeNull()
  })

  it('logs in with an HttpOnly session cookie, and logout invalidates it', async () => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'leader', password: 'leader123' }) })
    const cookie = res.headers.getSetCookie()[0]!
    expect(cookie).toMatch(/^gd_session=[\w-]{40,};/)
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    const token = cookie.split(';')[0]!
    const me = await (await fetch(`${app.url}/trpc/auth.me`, { headers: { cookie: token } })).json() as { result: { data: { role: string } } }
    expect(me.result.data.role).toBe('leader')
    await fetch(`${app.url}/trpc/auth.logout`, { method: 'POST', headers: { cookie: token, 'content-type': 'application/json' }, body: '{}' })
    const after = await (await fetch(`${app.url}/trpc/auth.me`, { headers: { cookie: token } })).json() as { result: { data: unknown } }
    expect(after.result.data).toBeNull()
  })

  it('grid.list returns every community as GeoJSON with holder and monthly status', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const fc = await leader.grid.list.query({ level: 'community' })
    expect(fc.type).toBe('FeatureCollection')
    expect(fc.features.length).toBeGreaterThanOrEqual(40)
    const props = fc.features.map((f) => f.properties)
    expect(Object.keys(props[0]!).sort()).toEqual(['code', 'holderCadre', 'holderDepartment', 'holderDepartmentId', 'id', 'inspectionStatus', 'labelPoint', 'level', 'name', 'openProblems', 'overdueProblems', 'parentId'])
    // the running month: done, unverified (inspected, not on site) or pending for held grids; noHolder for the two unheld ones
    const statuses = new Set(props.map((p) => p.inspectionStatus))
    expect(statuses.has('done') && statuses.has('pending')).toBe(true)
    expect([...statuses].every((s) => ['done', 'unverified', 'pending', 'noHolder'].includes(s))).toBe(true)
    expect(props.filter((p) => p.holderDepartment === null).map((p) => p.inspectionStatus)).toEqual(['noHolder', 'noHolder'])
    expect(props.filter((p) => p.holderDepartment === null)).toHaveLength(2)
    expect(props.reduce((s, p) => s + p.openProblems, 0)).toBeGreaterThan(100)
    expect(props.some((p) => p.overdueProblems > 0)).toBe(true)
    const last = await leader.grid.list.query({ level: 'community', month: addMonths(monthOf(new Date()), -1) })
    const lastStatuses = last.features.map((f) => f.properties.inspectionStatus)
    expect(lastStatuses).toContain('missed')
    expect(lastStatuses).toContain('done')
    expect(lastStatuses).not.toContain('pending')
    const streets = await leader.grid.list.query({ level: 'street' })
    expect(streets.features.length).toBeGreaterThanOrEqual(6)
    const districtIds = new Set((await leader.grid.list.query({ level: 'district' })).features.map((f) => f.properties.id))
    expect(districtIds.size).toBeGreaterThanOrEqual(2)
    expect(streets.features.every((f) => f.properties.parentId !== null && districtIds.has(f.properties.parentId))).toBe(true)
  })

  it('grid.byId shows holder, cadre, contact, history, inspections, problems and sites', async () => {
    const f = await communityNamed('均家滩社区')
    const leader = await loggedIn(app.url, 'leader')
    const g = await leader.grid.byId.query({ id: f.properties.id })
    expect(g.name).toBe('均家滩社区')
    expect(g.parentName).toBe('高新街道')
    expect(g.holder?.departmentName).toBe('市人防办')
    expect(g.holder?.cadreName).toBeTruthy()
    expect(g.holder?.contactPhone).toMatch(/^0917-/)
    // every holder period of the grid, current one included, counted from the table
    expect(g.holderHistory).toHaveLength(await app.db.gridHolder.count({ where: { gridId: f.properties.id } }))
    expect(g.geometry.type).toMatch(/Polygon/)
    expect(await errorOf(leader.grid.byId.query({ id: 999999 }))).toMatchObject({ code: 'NOT_FOUND', appCode: 'GRID_NOT_FOUND' })
  })

  it('grid.locate finds the community and street of a point, null outside', async () => {
    const f = await communityNamed('北面滩社区')
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    const leader = await loggedIn(app.url, 'leader')
    const r = await leader.grid.locate.query({ lng, lat })
    expect(r.community?.name).toBe('北面滩社区')
    expect(r.street?.name).toBe('高新街道')
    expect(await leader.grid.locate.query({ lng: 100, lat: 20 })).toEqual({ community: null, street: null })
    expect(await errorOf(leader.grid.locate.query({ lng: 200, lat: 20 }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'BAD_INPUT' })
  })

  it('problem.create assigns the grid and its holder; departments list only their own problems', async () => {
    const f = await communityNamed('南面滩社区')
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    const leader = await loggedIn(app.url, 'leader')
    const p = await leader.problem.create.mutate({ lng, lat, categoryCode: 'LJ01', description: '测试：垃圾桶满溢' })
    expect(p).toMatchObject({ gridName: '南面滩社区', departmentName: '市人防办', status: 'reported', overdue: false })
    expect(new Date(p.deadline!).getTime()).toBeGreaterThan(Date.now())
    const rfb = await loggedIn(app.url, 'rfb')
    const mine = await rfb.problem.list.query({ gridId: f.properties.id })
    expect(mine.items.map((i) => i.id)).toContain(p.id)
    const cgj = await loggedIn(app.url, 'cgj')
    const theirs = await cgj.problem.list.query({ gridId: f.properties.id })
    expect(theirs.items).toHaveLength(0)
    expect(await errorOf(cgj.problem.list.query({ departmentId: p.departmentId! }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_DEPARTMENT' })
    expect(await errorOf(leader.problem.create.mutate({ lng, lat, categoryCode: 'NOPE', description: 'x' }))).toMatchObject({ appCode: 'UNKNOWN_CATEGORY' })
  })

  it('problem.list pages with a cursor without repeating or losing rows', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const seen: number[] = []
    let cursor: number | undefined
    do {
      const page = await leader.problem.list.query({ cursor, limit: 37 })
      seen.push(...page.items.map((i) => i.id))
      cursor = page.nextCursor ?? undefined
    } while (cursor)
    expect(seen.length).toBeGreaterThanOrEqual(240)
    expect(new Set(seen).size).toBe(seen.length)
    expect([...seen].sort((a, b) => b - a)).toEqual(seen)
  })

  it('inspection.record: a department records for its own grid and the grid turns done; others are refused', async () => {
    const month = monthOf(new Date())
    const leader = await loggedIn(app.url, 'leader')
    const fc = await leader.grid.list.query({ level: 'community', month })
    const rfbGrid = fc.features.find((f) => f.properties.holderDepartment === '市人防办' && f.properties.inspectionStatus === 'pending')
      ?? fc.features.find((f) => f.properties.holderDepartment === '市人防办')!
    const otherGrid = fc.features.find((f) => f.properties.holderDepartment && f.properties.holderDepartment !== '市人防办')!
    const [lng, lat] = pointOnFeature(rfbGrid).geometry.coordinates as [number, number]
    const rfb = await loggedIn(app.url, 'rfb')
    const r = await rfb.inspection.record.mutate({ gridId: rfbGrid.properties.id, date: new Date().toISOString(), inspector: '张三', findings: '无问题', lng, lat })
    expect(r.onSite).toBe(true)
    const after = await leader.grid.byId.query({ id: rfbGrid.properties.id })
    expect(after.inspectionStatus).toBe('done')
    expect(after.inspections.map((i) => i.id)).toContain(r.id)
    const far = await rfb.inspection.record.mutate({ gridId: rfbGrid.properties.id, date: new Date().toISOString(), inspector: '张三', findings: '远程', lng: lng + 0.05, lat })
    expect(far.onSite).toBe(false)
    expect(far.distanceOutside).toBeGreaterThan(1000)
    expect(await errorOf(rfb.inspection.record.mutate({ gridId: otherGrid.properties.id, date: new Date().toISOString(), inspector: '张三', findings: 'x' })))
      .toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_GRID' })
    expect(await errorOf(leader.inspection.record.mutate({ gridId: rfbGrid.properties.id, date: new Date().toISOString(), inspector: '王', findings: 'x' })))
      .toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(rfb.inspection.record.mutate({ gridId: rfbGrid.properties.id, date: new Date(Date.now() + 2 * 86_400_000).toISOString(), inspector: '张三', findings: 'x' })))
      .toMatchObject({ appCode: 'DATE_IN_FUTURE' })
  })

  it('department.list and byId show who holds what', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const list = await leader.department.list.query()
    expect(list.length).toBeGreaterThanOrEqual(12)
    const rfb = list.find((d) => d.name === '市人防办')!
    const detail = await leader.department.byId.query({ id: rfb.id })
    expect(detail.grids.map((g) => g.name)).toEqual(expect.arrayContaining(['均家滩社区', '北面滩社区', '南面滩社区']))
    expect(detail.grids).toHaveLength(rfb.gridCount)
  })

  it('rejects cross-site mutations and invalid input with clear errors', async () => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ login: 'leader', password: 'leader123' }) })
    expect(res.status).toBe(403)
    const leader = await loggedIn(app.url, 'leader')
    const e = await errorOf(leader.grid.list.query({ level: 'city' as 'street' }))
    expect(e).toMatchObject({ code: 'BAD_REQUEST', appCode: 'BAD_INPUT' })
    expect(e.message).toMatch(/输入有误/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
