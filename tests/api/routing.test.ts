/**
 * The responsibility matrix and 退单 through the real API (docs/routing.md), on SQLite and (TEST_POSTGRES=1)
 * PostgreSQL: routing by the seeded rule (路面破损 → 市住建局, 市人防办 supervising), the default rule, a
 * return → ruling → reassignment round that amends the matrix, a rejected return, a return after the
 * window, scope checks, rule edits with version checks, grid.explain and the ranking's figures.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monthOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>

describe.each(testDatabases())('responsibility matrix and 退单 on %s', (db) => {
  let app: RunningApp
  let leader: Client, admin: Client, rfb: Client, zjj: Client, cgj: Client
  let point: [number, number], gridId: number
  let dept: Record<string, number>
  beforeAll(async () => {
    app = await startApp({ db })
    const [a, b, c, d, e] = await Promise.all(['leader', 'admin', 'rfb', 'zjj', 'cgj'].map((l) => loggedIn(app.url, l)))
    leader = a!; admin = b!; rfb = c!; zjj = d!; cgj = e!
    const fc = await leader.grid.list.query({ level: 'community' })
    const f = fc.features.find((x) => x.properties.name === '南面滩社区')!
    expect(f.properties.holderDepartment).toBe('市人防办')
    gridId = f.properties.id
    point = pointOnFeature(f).geometry.coordinates as [number, number]
    dept = Object.fromEntries((await leader.department.list.query()).map((d) => [d.name, d.id]))
  })
  afterAll(async () => { await app?.stop() })

  const dispatched = async (categoryCode: string) => {
    const p = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode, description: `测试 ${categoryCode}` })
    await leader.problem.transition.mutate({ id: p.id, version: 1, action: 'register' })
    return leader.problem.transition.mutate({ id: p.id, version: 2, action: 'dispatch' })
  }

  it('a 路面破损 problem in a grid held by 市人防办 is handled by 市住建局, 市人防办 supervising', async () => {
    const p = await rfb.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'LM01', description: '路面坑洼' })
    expect(p).toMatchObject({ gridId, departmentId: dept['市住建局'], departmentName: '市住建局', supervisingDepartmentId: dept['市人防办'] })
    const d = await leader.problem.byId.query({ id: p.id })
    expect(d.routing).toMatchObject({ basis: 'rule', departmentId: dept['市住建局'], supervisingDepartmentId: dept['市人防办'], supervisingDepartmentName: '市人防办' })
    expect(d.routing.rule).toMatchObject({ categoryCode: 'LM01', areaKind: 'city', departmentName: '市住建局' })
    expect(d.routing.words).toBe('全市的「路面破损」类问题由市住建局处置')
    // the supervising department sees and follows it, but does not act on it; the handling one does
    expect((await rfb.problem.byId.query({ id: p.id })).actions).toEqual([])
    expect((await zjj.problem.byId.query({ id: p.id })).id).toBe(p.id)
    expect(await errorOf(cgj.problem.byId.query({ id: p.id }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
    // another category in the same grid: no rule, the holder handles (default rule)
    const q = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'XX02', description: '小广告' })
    const qd = await leader.problem.byId.query({ id: q.id })
    expect(qd.routing).toMatchObject({ basis: 'holder', rule: null, departmentId: dept['市人防办'], supervisingDepartmentId: dept['市人防办'], words: '网格包抓单位处置（默认规则）' })
  })

  it('return → ruling → reassignment, amending the matrix from the ruling', async () => {
    const p = await dispatched('LM01')
    expect(p.departmentName).toBe('市住建局')
    expect((await zjj.problem.byId.query({ id: p.id })).canReturn).toBe(true)
    expect(await errorOf(zjj.problem.return.mutate({ id: p.id, version: p.version, reason: ' ' }))).toMatchObject({ code: 'BAD_REQUEST' })
    expect(await errorOf(cgj.problem.return.mutate({ id: p.id, version: p.version, reason: '不是我们的' }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
    const r = await zjj.problem.return.mutate({ id: p.id, version: p.version, reason: '属城管局占道挖掘管理', suggestedDepartmentId: dept['市城管局'] })
    expect(r).toMatchObject({ status: 'dispatched', departmentName: '市住建局', returnCount: 1, version: p.version + 1 })
    expect(await errorOf(zjj.problem.return.mutate({ id: p.id, version: r.version, reason: '再退' }))).toMatchObject({ code: 'CONFLICT', appCode: 'RETURN_PENDING' })
    expect(await errorOf(zjj.problem.transition.mutate({ id: p.id, version: r.version, action: 'accept' }))).toMatchObject({ appCode: 'RETURN_PENDING' })
    // a department cannot rule; the leader can
    expect(await errorOf(zjj.problem.ruleReturn.mutate({ id: p.id, version: r.version, decision: 'reject' }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    // the leadership hears of the return at once (in-app notification, written in the return's transaction)
    const leaderTitles = (await leader.notification.list.query({ limit: 100 })).map((n) => n.title)
    expect(leaderTitles).toContain(`问题 #${p.id} 被退单，待裁定`)
    const pending = await leader.problem.byId.query({ id: p.id })
    expect(pending).toMatchObject({ canRuleReturn: true, returns: [{ status: 'pending', departmentName: '市住建局', suggestedDepartmentName: '市城管局', reason: '属城管局占道挖掘管理' }] })
    expect(await errorOf(leader.problem.ruleReturn.mutate({ id: p.id, version: r.version - 1, decision: 'reject' }))).toMatchObject({ appCode: 'VERSION_CONFLICT' })
    const ruled = await leader.problem.ruleReturn.mutate({
      id: p.id, version: r.version, decision: 'reassign', departmentId: dept['市城管局'], note: '该处路面由城管局管理', amend: { area: 'grid', scope: 'category' },
    })
    expect(ruled).toMatchObject({ status: 'dispatched', departmentName: '市城管局', supervisingDepartmentId: dept['市人防办'] })
    expect(new Date(ruled.dispatchedAt!).getTime()).toBeGreaterThan(new Date(p.dispatchedAt!).getTime())
    const d = await cgj.problem.byId.query({ id: p.id })
    expect(d.events.map((e) => e.action)).toEqual(['report', 'register', 'dispatch', 'return', 'ruleReturn'])
    // the returning department and the new one hear the ruling
    for (const c of [zjj, cgj]) expect((await c.notification.list.query({ limit: 100 })).map((n) => n.title)).toContain(`问题 #${p.id} 的退单已裁定：改派市城管局`)
    expect(d.returns).toMatchObject([{ status: 'reassigned', newDepartmentName: '市城管局', ruling: '该处路面由城管局管理', ruledBy: expect.any(String) }])
    expect(d.routing).toMatchObject({ basis: 'rule', departmentName: '市城管局' })
    expect(d.routing.rule).toMatchObject({ areaKind: 'grids', areaIds: [gridId], categoryCode: 'LM01', fromReturnId: d.returns[0]!.id })
    expect(d.actions).toContain('accept')
    // the old department no longer sees it
    expect(await errorOf(zjj.problem.byId.query({ id: p.id }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
    // the amended matrix routes the next 路面破损 here to 城管局 (a grid rule beats the city rule)
    const next = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'LM01', description: '又一处路面破损' })
    expect(next.departmentName).toBe('市城管局')
    // audited
    const audit = await leader.audit.list.query({ entity: 'Problem', entityId: String(p.id) } as never)
    expect(JSON.stringify(audit)).toContain('problem.ruleReturn')
  })

  it('a rejected return goes back to the department with its deadline unchanged; repeated returns surface as a gap', async () => {
    const p = await dispatched('LX01')
    expect(p.departmentName).toBe('市人防办')
    const r = await rfb.problem.return.mutate({ id: p.id, version: p.version, reason: '应由住建局处置', suggestedDepartmentId: dept['市住建局'] })
    const ruled = await leader.problem.ruleReturn.mutate({ id: p.id, version: r.version, decision: 'reject', note: '属地网格内小区环境由包抓单位处置' })
    expect(ruled).toMatchObject({ departmentName: '市人防办', status: 'dispatched', deadline: p.deadline, dispatchedAt: p.dispatchedAt })
    expect(await errorOf(leader.problem.ruleReturn.mutate({ id: p.id, version: ruled.version, decision: 'reject' }))).toMatchObject({ appCode: 'NO_PENDING_RETURN' })
    // a second return of the same category at the same grid: the matrix lists a gap there
    const p2 = await dispatched('LX01')
    await rfb.problem.return.mutate({ id: p2.id, version: p2.version, reason: '同上' })
    const m = await leader.routing.matrix.query({})
    expect(m.gaps).toContainEqual(expect.objectContaining({ categoryCode: 'LX01', gridId, reason: 'repeatedReturns', returns: 2 }))
  })

  it('a return after the window is refused', async () => {
    const p = await dispatched('XX01')
    // test set-up: dispatched ten calendar days ago (more than 24 working hours whatever the calendar)
    await app.db.problem.update({ where: { id: p.id }, data: { dispatchedAt: new Date(Date.now() - 10 * 86_400_000) } })
    expect((await rfb.problem.byId.query({ id: p.id })).canReturn).toBe(false)
    const e = await errorOf(rfb.problem.return.mutate({ id: p.id, version: p.version, reason: '太晚了' }))
    expect(e).toMatchObject({ code: 'CONFLICT', appCode: 'RETURN_WINDOW_CLOSED' })
    expect((await leader.problem.byId.query({ id: p.id })).returns).toEqual([])
  })

  it('rules: only the leadership edits, with validation, audit and version checks; overlaps are listed', async () => {
    const input = { categoryGroup: '交通秩序', areaKind: 'city' as const, areaIds: [], departmentId: dept['市公安局交警支队']!, validFrom: new Date().toISOString() }
    expect(await errorOf(rfb.routing.createRule.mutate(input))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(admin.routing.createRule.mutate({ ...input, categoryCode: 'JT01' }))).toMatchObject({ appCode: 'RULE_CATEGORY' })
    expect(await errorOf(admin.routing.createRule.mutate({ ...input, areaKind: 'street', areaIds: [gridId] }))).toMatchObject({ appCode: 'RULE_AREA' })
    expect(await errorOf(admin.routing.createRule.mutate({ ...input, validTo: input.validFrom }))).toMatchObject({ appCode: 'RULE_DATES' })
    const rule = await admin.routing.createRule.mutate(input)
    expect(rule).toMatchObject({ version: 1, departmentName: '市公安局交警支队', words: '全市的「交通秩序」类别组问题由市公安局交警支队处置' })
    const p = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'JT02', description: '非机动车乱停' })
    expect(p.departmentName).toBe('市公安局交警支队')
    // a second city rule for the same group: an overlap
    const twin = await leader.routing.createRule.mutate({ ...input, departmentId: dept['市城管局']! })
    let m = await leader.routing.matrix.query({})
    expect(m.overlaps).toContainEqual(expect.objectContaining({ ruleIds: [rule.id, twin.id], category: '交通秩序', areaKind: 'city', sameDepartment: false }))
    const cityCol = m.cells['JT02']![0]!
    expect(cityCol).toMatchObject({ ruleId: rule.id, departmentName: '市公安局交警支队' })
    // version checks
    const upd = await leader.routing.updateRule.mutate({ ...input, id: twin.id, version: 1, departmentId: dept['市公安局交警支队']!, note: '同一部门' })
    expect(upd.version).toBe(2)
    expect(await errorOf(admin.routing.updateRule.mutate({ ...input, id: twin.id, version: 1 }))).toMatchObject({ code: 'CONFLICT', appCode: 'VERSION_CONFLICT' })
    expect(await errorOf(rfb.routing.endRule.mutate({ id: twin.id, version: 2 }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
    const ended = await admin.routing.endRule.mutate({ id: twin.id, version: 2 })
    expect(ended.validTo).not.toBeNull()
    m = await leader.routing.matrix.query({})
    expect(m.overlaps.find((o) => o.ruleIds.includes(twin.id))).toBeUndefined()
    const audit = await admin.audit.list.query({} as never)
    expect(JSON.stringify(audit)).toContain('routing.endRule')
  })

  it('grid.explain: the grid, holder, nearest edge, neighbours and the handler of every category group', async () => {
    const e = await rfb.grid.explain.query({ lng: point[0], lat: point[1] })
    expect(e.grid).toMatchObject({ id: gridId, name: '南面滩社区' })
    expect(e).toMatchObject({ supervisingDepartmentName: '市人防办', holder: { departmentName: '市人防办' } })
    expect(e.edgeDistanceM).toBeGreaterThan(0)
    const road = e.handling.find((h) => h.group === '背街小巷路面破损')!
    expect(road).toMatchObject({ basis: 'rule' })
    const env = e.handling.find((h) => h.group === '背街小巷与社区环境')!
    expect(env).toMatchObject({ basis: 'holder', departmentName: '市人防办' })
    expect(e.handling.length).toBe(new Set((await leader.problem.categories.query()).map((c) => c.group)).size)
    // a point outside every grid: no grid, no holder
    const out = await leader.grid.explain.query({ lng: 100.1, lat: 20.2 })
    expect(out).toMatchObject({ grid: null, holder: null, edgeDistanceM: null })
  })

  it('the ranking counts for the handling department and shows coordination, returns and rulings', async () => {
    const month = monthOf(new Date())
    const rank = await leader.stats.departmentRanking.query({ from: month, to: month })
    const row = (name: string) => rank.rows.find((r) => r.departmentName === name)!
    // 市人防办 supervises 路面破损 problems handled by others in its grids
    expect(row('市人防办').coordTotal).toBeGreaterThanOrEqual(3)
    expect(row('市住建局').returns).toBeGreaterThanOrEqual(1)
    expect(row('市人防办').returnsRejected).toBeGreaterThanOrEqual(1)
  })

  it('district rules: a rule for 高新区 routes its problems, not another district\'s, and shows in its streets\' columns', async () => {
    const districts = (await leader.grid.list.query({ level: 'district' })).features.map((f) => f.properties)
    const gx = districts.find((d) => d.name === '高新区')!, wh = districts.find((d) => d.name === '渭河新区')!
    expect(gx && wh).toBeTruthy()
    const streets = (await leader.grid.list.query({ level: 'street' })).features.map((f) => f.properties)
    const input = { categoryCode: 'WZ01', areaKind: 'district' as const, areaIds: [gx.id], departmentId: dept['市城管局']!, validFrom: new Date(Date.now() - 60_000).toISOString() }
    // validated: a street is not a district, a district rule names at least one district
    expect(await errorOf(admin.routing.createRule.mutate({ ...input, areaIds: [streets[0]!.id] }))).toMatchObject({ appCode: 'RULE_AREA' })
    expect(await errorOf(admin.routing.createRule.mutate({ ...input, areaIds: [] }))).toMatchObject({ appCode: 'RULE_AREA' })
    const rule = await admin.routing.createRule.mutate(input)
    expect(rule.words).toBe('高新区的「无障碍设施缺损」类问题由市城管局处置')
    // 南面滩社区 lies in 高新街道, 高新区: routed by the district rule
    const p = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'WZ01', description: '盲道被占' })
    expect(p).toMatchObject({ gridId, departmentName: '市城管局', supervisingDepartmentId: dept['市人防办'] })
    expect((await leader.problem.byId.query({ id: p.id })).routing).toMatchObject({ basis: 'rule', rule: { areaKind: 'district' } })
    // a community of 渭河新区: not this rule (its holder handles)
    const whStreet = streets.find((s) => s.parentId === wh.id)!
    const whCommunity = (await leader.grid.list.query({ level: 'community' })).features.find((f) => f.properties.parentId === whStreet.id && f.properties.holderDepartmentId !== null)!
    const [lng, lat] = pointOnFeature(whCommunity).geometry.coordinates as [number, number]
    const q = await leader.problem.create.mutate({ lng, lat, categoryCode: 'WZ01', description: '盲道破损' })
    expect(q).toMatchObject({ gridId: whCommunity.properties.id, departmentId: whCommunity.properties.holderDepartmentId })
    // the matrix: the street columns of 高新区 carry the rule, those of 渭河新区 do not
    const m = await leader.routing.matrix.query({})
    expect(m.districts.map((d) => d.id).sort()).toEqual(districts.map((d) => d.id).sort())
    const col = (streetId: number) => m.cells['WZ01']![m.columns.findIndex((c) => c.id === streetId)]!
    for (const s of streets) expect(col(s.id).ruleId).toBe(s.parentId === gx.id ? rule.id : null)
    await admin.routing.endRule.mutate({ id: rule.id, version: 1 })
  })
})
