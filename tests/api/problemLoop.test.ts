/** The problem closed loop through the real API: workflow, scope, versions, flags, merge, measures. */
import { pointOnFeature } from '@turf/turf'
import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>

describe.each(testDatabases())('problem loop API on %s', (db) => {
  let app: RunningApp
  let leader: Client, rfb: Client, cgj: Client, planner: Client
  let point: [number, number]
  beforeAll(async () => {
    app = await startApp({ db })
    leader = await loggedIn(app.url, 'leader')
    rfb = await loggedIn(app.url, 'rfb')
    cgj = await loggedIn(app.url, 'cgj')
    planner = await loggedIn(app.url, 'planner')
    const fc = await leader.grid.list.query({ level: 'community' })
    const f = fc.features.find((x) => x.properties.name === '南面滩社区')!
    point = pointOnFeature(f).geometry.coordinates as [number, number]
  })
  afterAll(async () => { await app?.stop() })

  const step = async (c: Client, id: number, action: string, extra: Record<string, unknown> = {}) => {
    const cur = await leader.problem.byId.query({ id })
    return c.problem.transition.mutate({ id, version: cur.version, action: action as 'register', ...extra })
  }

  it('follows a problem from report to closure, with rework, scope and version checks', async () => {
    const p = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'XX02', description: '测试：小广告' })
    expect(p).toMatchObject({ status: 'reported', departmentName: '市人防办', version: 1 })
    // a department cannot register, nor see another department's problem
    expect(await errorOf(rfb.problem.transition.mutate({ id: p.id, version: 1, action: 'register' }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(cgj.problem.byId.query({ id: p.id }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_DEPARTMENT' })
    expect(await errorOf(planner.problem.transition.mutate({ id: p.id, version: 1, action: 'register' }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    const reg = await leader.problem.transition.mutate({ id: p.id, version: 1, action: 'register' })
    expect(reg).toMatchObject({ status: 'registered', version: 2 })
    // stale version
    expect(await errorOf(leader.problem.transition.mutate({ id: p.id, version: 1, action: 'dispatch' }))).toMatchObject({ code: 'CONFLICT', appCode: 'VERSION_CONFLICT' })
    // illegal transition
    expect(await errorOf(leader.problem.transition.mutate({ id: p.id, version: 2, action: 'verifyPass' }))).toMatchObject({ code: 'CONFLICT', appCode: 'ILLEGAL_TRANSITION' })
    const disp = await leader.problem.transition.mutate({ id: p.id, version: 2, action: 'dispatch' })
    expect(disp.status).toBe('dispatched')
    expect(disp.dispatchedAt).not.toBeNull()
    expect(await errorOf(cgj.problem.transition.mutate({ id: p.id, version: 3, action: 'accept' }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_DEPARTMENT' })
    expect(await rfb.problem.byId.query({ id: p.id })).toMatchObject({ actions: expect.arrayContaining(['accept', 'requestExtension']) })
    await step(rfb, p.id, 'accept')
    expect(await errorOf(step(rfb, p.id, 'submit'))).toMatchObject({ appCode: 'NOTE_REQUIRED' })
    await step(rfb, p.id, 'submit', { note: '已清除' })
    await step(leader, p.id, 'verifyFail', { note: '仍有残留' })
    await step(rfb, p.id, 'submit', { note: '已彻底清除' })
    const closed = await step(leader, p.id, 'verifyPass', { note: '核查通过' })
    expect(closed).toMatchObject({ status: 'closed', reworkCount: 1 })
    expect(closed.closedAt).not.toBeNull()
    const detail = await rfb.problem.byId.query({ id: p.id })
    expect(detail.events.map((e) => e.action)).toEqual(['report', 'register', 'dispatch', 'accept', 'submit', 'verifyFail', 'submit', 'verifyPass'])
    expect(detail.events.every((e) => e.actorName)).toBe(true)
    expect(detail.actions).toEqual([])
    // a new problem of the same category right there is a rebound of the closed one
    const again = await cgj.problem.create.mutate({ lng: point[0] + 0.00005, lat: point[1], categoryCode: 'XX02', description: '又出现小广告' })
    expect(again.reboundOfId).toBe(p.id)
    const other = await leader.problem.create.mutate({ lng: point[0] + 0.00005, lat: point[1], categoryCode: 'KQ01', description: '扬尘' })
    expect(other.reboundOfId).toBeNull()
    const rebounds = await leader.problem.list.query({ rebound: true, limit: 200 })
    expect(rebounds.items.map((i) => i.id)).toContain(again.id)
    expect(rebounds.items.every((i) => i.reboundOfId !== null)).toBe(true)
    expect((await leader.problem.byId.query({ id: p.id })).rebounds.map((r) => r.id)).toContain(again.id)
  })

  it('deadline extension: requested by the department, decided by a leader', async () => {
    const p = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'LX02', description: '老旧小区设施破损', priority: 'urgent' })
    await step(leader, p.id, 'register')
    await step(leader, p.id, 'dispatch')
    const before = await rfb.problem.byId.query({ id: p.id })
    const newDeadline = new Date(new Date(before.deadline!).getTime() + 10 * 86_400_000).toISOString()
    await step(rfb, p.id, 'requestExtension', { note: '等待材料', newDeadline })
    expect(await errorOf(step(rfb, p.id, 'requestExtension', { note: '再延', newDeadline }))).toMatchObject({ appCode: 'EXTENSION_PENDING' })
    const cur = await leader.problem.byId.query({ id: p.id })
    expect(cur.actions).toContain('decideExtension')
    expect(await errorOf(rfb.problem.decideExtension.mutate({ id: p.id, version: cur.version, approve: true }))).toMatchObject({ code: 'FORBIDDEN' })
    const after = await leader.problem.decideExtension.mutate({ id: p.id, version: cur.version, approve: true })
    expect(after.deadline).toBe(newDeadline)
    expect(after.extensionCount).toBe(1)
    const d = await leader.problem.byId.query({ id: p.id })
    expect(d.extensions).toMatchObject([{ status: 'approved', reason: '等待材料' }])
  })

  it('void and reassign need a reason and move responsibility', async () => {
    const p = await leader.problem.create.mutate({ lng: point[0], lat: point[1], categoryCode: 'JT01', description: '乱停车' })
    const depts = await leader.department.list.query()
    const cgjDept = depts.find((x) => x.name === '市城管局')!
    expect(await errorOf(step(leader, p.id, 'reassign', { departmentId: cgjDept.id }))).toMatchObject({ appCode: 'NOTE_REQUIRED' })
    const moved = await step(leader, p.id, 'reassign', { departmentId: cgjDept.id, note: '属城管职责' })
    expect(moved.departmentName).toBe('市城管局')
    expect((await cgj.problem.byId.query({ id: p.id })).id).toBe(p.id)
    // 市人防办 holds the grid: it still sees the problem as the supervising department (docs/routing.md), but may not act on it
    const supervised = await rfb.problem.byId.query({ id: p.id })
    expect(supervised).toMatchObject({ departmentName: '市城管局', actions: [], routing: { supervisingDepartmentName: '市人防办' } })
    expect(await errorOf(step(rfb, p.id, 'accept'))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
    // reassigning to a grid alone gives the problem to that grid's holder
    const fc = await leader.grid.list.query({ level: 'community' })
    const jjt = fc.features.find((x) => x.properties.name === '均家滩社区')!
    const toGrid = await step(leader, p.id, 'reassign', { gridId: jjt.properties.id, note: '位置更正' })
    expect(toGrid).toMatchObject({ gridName: '均家滩社区', departmentName: '市人防办', status: 'reported' })
    expect(await errorOf(step(leader, p.id, 'reassign', { note: '无目标' }))).toMatchObject({ appCode: 'REASSIGN_TARGET' })
    expect(await errorOf(step(leader, p.id, 'void'))).toMatchObject({ appCode: 'NOTE_REQUIRED' })
    expect(await step(leader, p.id, 'void', { note: '误报' })).toMatchObject({ status: 'voided' })
  })

  it('duplicates offered when reporting, and a department requests a merge of its own that the leadership confirms', async () => {
    const a = await leader.problem.create.mutate({ lng: point[0], lat: point[1] + 0.0001, categoryCode: 'LJ02', description: '垃圾桶破损 A' })
    const b = await leader.problem.create.mutate({ lng: point[0], lat: point[1] + 0.00012, categoryCode: 'LJ02', description: '垃圾桶破损 B' })
    const dups = await rfb.problem.duplicates.query({ lng: point[0], lat: point[1] + 0.0001, categoryCode: 'LJ02' })
    expect(dups.map((d) => d.id)).toEqual(expect.arrayContaining([a.id, b.id]))
    expect(dups[0]!.distanceM).toBeLessThanOrEqual(dups[dups.length - 1]!.distanceM)
    expect(await rfb.problem.duplicates.query({ lng: point[0], lat: point[1] + 0.0001, categoryCode: 'KQ02' })).toEqual([])
    expect(await errorOf(cgj.problem.merge.mutate({ id: b.id, intoId: a.id }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
    // cgj sees no duplicates of another department's problems
    expect(await cgj.problem.duplicates.query({ lng: point[0], lat: point[1] + 0.0001, categoryCode: 'LJ02' })).toEqual([])
    // nor can rfb merge into a problem of another department
    const depts = await leader.department.list.query()
    const c = await leader.problem.create.mutate({ lng: point[0], lat: point[1] + 0.00011, categoryCode: 'LJ02', description: '垃圾桶破损 C' })
    await step(leader, c.id, 'reassign', { departmentId: depts.find((x) => x.name === '市城管局')!.id, note: '改派测试' })
    expect(await errorOf(rfb.problem.merge.mutate({ id: b.id, intoId: c.id }))).toMatchObject({ appCode: 'NOT_YOUR_DEPARTMENT' })
    expect(await rfb.problem.merge.mutate({ id: b.id, intoId: a.id })).toEqual({ id: b.id, mergedIntoId: null, requested: true, mergeRequestIntoId: a.id })
    expect((await leader.problem.byId.query({ id: b.id })).status).toBe('reported')
    expect(await leader.problem.merge.mutate({ id: b.id, intoId: a.id })).toEqual({ id: b.id, mergedIntoId: a.id, requested: false, mergeRequestIntoId: null })
    const da = await leader.problem.byId.query({ id: a.id })
    expect(da.merged.map((m) => m.id)).toEqual([b.id])
    expect((await leader.problem.byId.query({ id: b.id })).status).toBe('voided')
  })

  it('flags a problem near another grid as a boundary problem with both candidates', async () => {
    const fc = await leader.grid.list.query({ level: 'community' })
    const f = fc.features.find((x) => x.properties.name === '南面滩社区')!
    const ring = (f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0]![0]) as Position[]
    let found: { lng: number; lat: number; other: number } | null = null
    for (let i = 0; i + 1 < ring.length && !found; i++) {
      const [ax, ay] = ring[i] as [number, number], [bx, by] = ring[i + 1] as [number, number]
      const mx = (ax + bx) / 2, my = (ay + by) / 2
      const len = Math.hypot(bx - ax, by - ay)
      if (len < 1e-4) continue
      const nx = (-(by - ay) / len) * 0.00008, ny = ((bx - ax) / len) * 0.00008 // ~8 m
      const sides = await Promise.all([leader.grid.locate.query({ lng: mx + nx, lat: my + ny }), leader.grid.locate.query({ lng: mx - nx, lat: my - ny })])
      const inside = sides.findIndex((s) => s.community?.id === f.properties.id)
      const outside = sides[1 - inside]
      if (inside >= 0 && outside?.community && outside.community.id !== f.properties.id) {
        const s = inside === 0 ? 1 : -1
        found = { lng: mx + s * nx, lat: my + s * ny, other: outside.community.id }
      }
    }
    expect(found).not.toBeNull()
    const p = await leader.problem.create.mutate({ lng: found!.lng, lat: found!.lat, categoryCode: 'XX01', description: '边界处乱堆' })
    expect(p.gridId).toBe(f.properties.id)
    expect(p.boundaryGridIds).toContain(found!.other)
    const d = await leader.problem.byId.query({ id: p.id })
    expect(d.boundaryCandidates.map((c) => c.id)).toContain(found!.other)
    const list = await leader.problem.list.query({ boundary: true, limit: 200 })
    expect(list.items.map((i) => i.id)).toContain(p.id)
    expect(list.items.every((i) => i.boundaryGridIds.length > 0)).toBe(true)
  })

  it('list filters: status, category, overdue, date range; departments stay in scope', async () => {
    const overdue = await leader.problem.list.query({ overdue: true, limit: 200 })
    expect(overdue.total).toBeGreaterThan(0)
    // overdue = still open and past its deadline, counted in the database
    expect(overdue.total).toBe(await app.db.problem.count({ where: { status: { notIn: ['closed', 'voided'] }, deadline: { lt: new Date() } } }))
    expect(overdue.items.every((i) => i.overdue)).toBe(true)
    const cat = await leader.problem.list.query({ categoryCode: 'LJ01', status: 'reported', limit: 200 })
    expect(cat.items.every((i) => i.categoryCode === 'LJ01' && i.status === 'reported')).toBe(true)
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString()
    const recent = await leader.problem.list.query({ from, limit: 200 })
    expect(recent.items.every((i) => i.reportedAt >= from)).toBe(true)
    const all = await leader.problem.list.query({ limit: 1 })
    expect(recent.total).toBeLessThan(all.total)
    const mine = await rfb.problem.list.query({ limit: 200 })
    expect(new Set(mine.items.map((i) => i.departmentName))).toEqual(new Set(['市人防办']))
  })

  it('measures per department and per grid; a department sees only its own', async () => {
    const from = new Date(Date.now() - 400 * 86_400_000).toISOString(), to = new Date(Date.now() + 86_400_000).toISOString()
    const byDept = await leader.problem.measures.query({ from, to, by: 'department' })
    const rfbRow = byDept.find((m) => m.name === '市人防办')!
    // the same measures counted straight from the rows (README: reported in the period, voided and
    // merged left out; closed = closed by now; due = closed, or open past its deadline)
    const dept = (await app.db.department.findFirst({ where: { name: '市人防办' } }))!
    const now = new Date()
    const base = { departmentId: dept.id, reportedAt: { gte: new Date(from), lt: new Date(to) }, mergedIntoId: null, status: { not: 'voided' } }
    const closed = await app.db.problem.count({ where: { ...base, status: 'closed', closedAt: { lte: now } } })
    const overdueOpen = await app.db.problem.count({ where: { ...base, status: { notIn: ['closed', 'voided'] }, deadline: { lt: now } } })
    const reworked = await app.db.problem.count({ where: { ...base, reworkCount: { gt: 0 } } })
    expect(closed).toBeGreaterThan(0) // the demo data and this file's own closed problems
    expect(rfbRow).toMatchObject({ closed, reworked, overdue: overdueOpen, due: closed + overdueOpen, closureRate: closed / (closed + overdueOpen) })
    const own = await rfb.problem.measures.query({ from, to, by: 'department' })
    expect(own.map((m) => m.name)).toEqual(['市人防办'])
    expect(own[0]).toEqual(rfbRow)
    const byGrid = await leader.problem.measures.query({ from, to, by: 'grid' })
    expect(byGrid.reduce((s, m) => s + m.total, 0)).toBe(byDept.reduce((s, m) => s + m.total, 0))
    expect(await errorOf(leader.problem.measures.query({ from: to, to: from, by: 'grid' }))).toMatchObject({ appCode: 'BAD_PERIOD' })
  })
})
