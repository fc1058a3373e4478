/**
 * Boundary editing end to end on each database: a planner moves a shared border between two
 * communities held by different departments, previews the impact (a problem placed in the moved
 * strip must be listed), saves (problems re-assigned, catalog reloaded, grid.locate agrees), a
 * second planner saving on the old version gets CONFLICT, versions/compare/revert/export work,
 * and the real district boundaries import as a draft (GeoJSON and Shapefile zip).
 */
import fs from 'node:fs'
import path from 'node:path'
import { area, booleanPointInPolygon, difference, feature, featureCollection } from '@turf/turf'
import type { FeatureCollection, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GridGeometry } from '../../server/domain/boundary/topology.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { findBorderMove } from '../support/boundaryDraft.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { itWithRealBoundaries, REAL_BOUNDARIES } from '../support/realBoundaries.ts'
import { applyDueVersions } from '../../server/services/boundary.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>

describe.each(testDatabases())('boundary API on %s', (db) => {
  let app: RunningApp
  let planner: Client
  beforeAll(async () => {
    app = await startApp({ db })
    planner = await loggedIn(app.url, 'planner')
  }, 60_000)
  afterAll(async () => { await app?.stop() })

  const borderMove = () => findBorderMove(planner)

  it('only planners and admins write; leaders read; departments neither', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const rfb = await loggedIn(app.url, 'rfb')
    const draft = { grids: [], retire: [] }
    expect(await errorOf(leader.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '测试' }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(rfb.boundary.versions.query())).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })
    expect(await leader.boundary.versions.query()).toEqual([])
    expect(await errorOf(planner.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '空草稿' }))).toMatchObject({ appCode: 'DRAFT_EMPTY' })
  })

  it('validate reports an overlap with a location, and save refuses it', async () => {
    const fc = await planner.grid.list.query({ level: 'community' })
    const a = fc.features[0]!, b = fc.features.find((f) => f.properties.parentId === a.properties.parentId && f.properties.id !== a.properties.id)!
    const draft = { grids: [{ key: String(a.properties.id), id: a.properties.id, code: a.properties.code, name: a.properties.name, level: 'community' as const, parentKey: String(a.properties.parentId), geometry: b.geometry as GridGeometry }], retire: [] }
    const { issues } = await planner.boundary.validate.mutate({ draft })
    expect(issues.map((i) => i.code)).toContain('OVERLAP')
    expect(issues.find((i) => i.code === 'OVERLAP')!.at).toHaveLength(2)
    expect(await errorOf(planner.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '错误的草稿', accept: ['GAP', 'NOT_CONTIGUOUS'] }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'BOUNDARY_INVALID' })
  })

  it('previews, saves a moved shared border, re-assigns the problem, and refuses a stale second save', async () => {
    const { x, y, draft, gainedPoint } = await borderMove()
    // a problem in the strip that moves from y to x
    const cgj = await loggedIn(app.url, 'admin')
    const problem = await cgj.problem.create.mutate({ lng: gainedPoint[0], lat: gainedPoint[1], categoryCode: (await cgj.problem.categories.query())[0]!.code, description: '边界测试问题' })
    const before = await planner.grid.locate.query({ lng: gainedPoint[0], lat: gainedPoint[1] })
    expect(before.community?.id).toBe(y.id)

    const preview = await planner.boundary.preview.mutate({ draft })
    const moved = preview.moved.find((m) => m.kind === 'problem' && m.id === problem.id)
    expect(moved).toMatchObject({ from: { gridId: y.id, departmentId: y.p.holderDepartmentId }, to: { gridId: x.id, departmentId: x.p.holderDepartmentId }, open: true })
    const losing = preview.departments.find((d) => d.departmentId === y.p.holderDepartmentId)!
    expect(losing.handoverOut.map((m) => m.id)).toContain(problem.id)
    // x's gained area: the new x minus the old x, measured here with turf
    const xNew = draft.grids.find((g) => g.id === x.id)!.geometry
    const xGained = difference(featureCollection([feature(xNew), feature(x.geometry)]))
    expect(xGained).not.toBeNull()
    expect(Math.abs(preview.grids.find((g) => g.id === x.id)!.gained - area(xGained!))).toBeLessThan(1)
    // relocated: every problem (not merged), evaluation site and located inspection inside the area
    // that changed hands, counted here from the database with turf (not the code under test)
    const changedPieces = draft.grids.flatMap((g) => {
      const old = g.id === x.id ? x.geometry : y.geometry
      return [difference(featureCollection([feature(g.geometry), feature(old)])), difference(featureCollection([feature(old), feature(g.geometry)]))]
    }).filter((f) => f !== null)
    const inChanged = (lng: number, lat: number) => changedPieces.some((f) => booleanPointInPolygon([lng, lat], f, { ignoreBoundary: true }))
    const expectedRelocated = [
      ...(await app.db.problem.findMany({ where: { mergedIntoId: null }, select: { lng: true, lat: true } })),
      ...(await app.db.evaluationSite.findMany({ select: { lng: true, lat: true } })),
      ...(await app.db.inspection.findMany({ where: { lng: { not: null } }, select: { lng: true, lat: true } })).map((i) => ({ lng: i.lng!, lat: i.lat! })),
    ].filter((p) => inChanged(p.lng, p.lat)).length
    expect(expectedRelocated).toBeGreaterThanOrEqual(1) // at least the problem placed in the strip
    expect(preview.stats.relocated).toBe(expectedRelocated)
    expect(preview.csv).toContain('边界测试问题')
    expect(preview.changedAreas.features.length).toBeGreaterThan(0)

    const saved = await planner.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '调整社区边界' })
    expect(saved.number).toBe(1)
    const after = await planner.grid.locate.query({ lng: gainedPoint[0], lat: gainedPoint[1] })
    expect(after.community?.id).toBe(x.id)
    const admin = await loggedIn(app.url, 'admin')
    const p = await admin.problem.byId.query({ id: problem.id })
    expect(p).toMatchObject({ gridId: x.id })
    const audit = await admin.audit.list.query({ entity: 'Problem', entityId: String(problem.id) })
    expect(audit.items.find((a) => a.action === 'problem.regrid')).toMatchObject({ before: { gridId: y.id }, after: { gridId: x.id, boundaryVersion: 1 } })
    expect((await admin.audit.list.query({ entity: 'BoundaryVersion' })).items.map((a) => a.action)).toContain('boundary.save')

    // a second planner, still on version 0, saving an overlapping draft: CONFLICT, nothing overwritten
    const planner2 = await loggedIn(app.url, 'planner')
    expect(await errorOf(planner2.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '另一位规划员' }))).toMatchObject({ code: 'CONFLICT', appCode: 'BOUNDARY_VERSION_CONFLICT' })
    const versions = await planner.boundary.versions.query()
    expect(versions.map((v) => v.number)).toEqual([1, 0])
    expect(versions[0]!.reason).toBe('调整社区边界')

    // concurrent saves from the same base: exactly one wins
    const { draft: d2 } = await borderMove()
    const results = await Promise.allSettled([1, 2].map((i) => planner.boundary.save.mutate({ draft: d2, baseVersion: 1, effectiveFrom: new Date().toISOString(), reason: `并发 ${i}` })))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect((await planner.boundary.versions.query())[0]!.number).toBe(2)

    // compare 0 ↔ 1 shows the two grids; revert to 0 restores the border as version 3
    const cmp = await planner.boundary.compare.query({ a: 0, b: 1 })
    expect(cmp.grids.map((g) => g.id).sort()).toEqual([x.id, y.id].sort())
    expect(JSON.stringify(cmp.grids.find((g) => g.id === x.id)!.a)).toBe(JSON.stringify(x.geometry))
    const rev = await planner.boundary.revert.mutate({ version: 0, baseVersion: 2 })
    expect(rev.number).toBe(3)
    expect((await planner.grid.locate.query({ lng: gainedPoint[0], lat: gainedPoint[1] })).community?.id).toBe(y.id)
    expect((await admin.problem.byId.query({ id: problem.id })).gridId).toBe(y.id)

    // export any version: GeoJSON of version 1 has the moved border; the assignment CSV of version 1 puts the problem in x
    const ex = await planner.boundary.export.query({ version: 1, format: 'geojson', level: 'community' })
    const fc1 = JSON.parse(Buffer.from(ex.base64, 'base64').toString('utf8')) as FeatureCollection
    const fx = fc1.features.find((f) => f.properties!.id === x.id)!
    expect(booleanPointInPolygon(gainedPoint, fx.geometry as GridGeometry)).toBe(true)
    const csv = Buffer.from((await planner.boundary.export.query({ version: 1, format: 'assignments' })).base64, 'base64').toString('utf8')
    expect(csv).toContain(`problem,${problem.id},${gainedPoint[0]},${gainedPoint[1]},${x.p.code}`)
  }, 120_000)

  // ../shared/ stands beside the repository in CI and on the developers' machines
  itWithRealBoundaries('imports the real district boundaries (GeoJSON, and a Shapefile zip round trip) as a draft', async () => {
    const text = fs.readFileSync(path.join(REAL_BOUNDARIES, '610300_districts.geojson'), 'utf8')
    const src = JSON.parse(text) as FeatureCollection
    const imp = await planner.boundary.importFile.mutate({ fileName: '610300.geojson', format: 'geojson', data: text, nameField: 'name', codeField: 'adcode', level: 'district', coordSystem: 'gcj02' })
    expect(imp.fields).toEqual(expect.arrayContaining(['adcode', 'name']))
    expect(imp.draft.grids.map((g) => g.name).sort()).toEqual(src.features.map((f) => String(f.properties!.name)).sort())
    expect(imp.draft.grids.every((g) => g.id === null && g.key.startsWith('new:'))).toBe(true)
    expect(imp.draft.grids.some((g) => g.geometry.type === 'MultiPolygon')).toBe(true)
    // imported as districts, they cover the demo city's districts: the same rules report overlaps against them
    expect(imp.draft.grids.every((g) => g.level === 'district' && g.parentKey === null)).toBe(true)
    expect(imp.issues.map((i) => i.code)).toContain('OVERLAP')

    const shp = await planner.boundary.export.query({ format: 'shapefile', level: 'street' })
    const back = await planner.boundary.importFile.mutate({ fileName: shp.fileName, format: 'shapefile', data: shp.base64, nameField: 'name', codeField: 'code', level: 'street' })
    const streets = await planner.grid.list.query({ level: 'street' })
    expect(back.draft.grids.map((g) => g.code).sort()).toEqual(streets.features.map((f) => f.properties.code).sort())
    expect(back.draft.grids.every((g) => g.id !== null)).toBe(true) // matched by code
    const bad = await errorOf(planner.boundary.importFile.mutate({ fileName: 'x.zip', format: 'shapefile', data: 'bm90IGEgemlw', nameField: 'name', codeField: 'code', level: 'street' }))
    expect(bad.appCode).toBe('IMPORT_UNREADABLE')
  }, 60_000)
  /** a topology fixture (tests/fixtures/topology) as a file to import: 2° east of the demo city, codes prefixed 99000 (6–20 digits) */
  const fixtureFile = (name: string) => {
    const fc = JSON.parse(fs.readFileSync(path.resolve('tests/fixtures/topology', name, 'in.geojson'), 'utf8')) as FeatureCollection<Polygon, { code: string; name: string }>
    return JSON.stringify({ type: 'FeatureCollection', features: fc.features.map((f) => ({ type: 'Feature', properties: { name: f.properties.name, code: `99000${f.properties.code}` }, geometry: { type: 'Polygon', coordinates: f.geometry.coordinates.map((r) => r.map(([x, y]) => [x! + 2, y!])) } })) })
  }

  it('imported boundaries are snapped: 1 mm out of line along 5 km import as shared edges; a gap between streets is reported with its area', async () => {
    const opts = { format: 'geojson' as const, nameField: 'name', codeField: 'code', level: 'street' as const, coordSystem: 'wgs84' as const }
    const imp = await planner.boundary.importFile.mutate({ ...opts, fileName: 'offset.geojson', data: fixtureFile('offset-1mm') })
    expect(imp.warnings).toEqual([]) // the topology build ran (no TOPOLOGY_TOO_COMPLEX fallback)
    expect(imp.topology!.snapM).toBe(0.5)
    expect(imp.topology!.snapped).toBeGreaterThan(0)
    expect(imp.topology!.items).toEqual([])
    expect(imp.issues.map((i) => i.code)).not.toContain('OVERLAP')
    const [A, B, C] = ['99000101', '99000102', '99000103'].map((c) => imp.draft.grids.find((g) => g.code === c)!.geometry as Polygon)
    const keys = (p: Polygon) => new Set(p.coordinates[0]!.map((q) => `${q[0]},${q[1]}`))
    const common = (p: Polygon, q: Polygon) => [...keys(p)].filter((k) => keys(q).has(k)).length
    expect(common(A!, B!)).toBe(5) // two corners, A's two border vertices, B's one: bit-identical on both sides
    expect(common(B!, C!)).toBe(5)
    // with no snapping the same file has a blocking 1 mm overlap
    const raw = await planner.boundary.importFile.mutate({ ...opts, fileName: 'offset.geojson', data: fixtureFile('offset-1mm'), snapTolerance: 0 })
    expect(raw.topology!.items.filter((i) => i.kind === 'OVERLAP' && i.blocking).map((i) => i.codes)).toEqual([['99000101', '99000102']])

    const gap = await planner.boundary.importFile.mutate({ ...opts, fileName: 'gap.geojson', data: fixtureFile('street-gap') })
    expect(gap.topology!.items.map((i) => i.kind)).toEqual(['GAP'])
    expect(Math.abs(gap.topology!.items[0]!.area - 20_000)).toBeLessThan(200) // 20 m × 1000 m
    expect(gap.topology!.items[0]!.geometry?.type).toBe('Polygon')
    expect(await errorOf(planner.boundary.importFile.mutate({ ...opts, fileName: 'gap.geojson', data: fixtureFile('street-gap'), snapTolerance: 50 }))).toMatchObject({ appCode: 'BAD_INPUT' })
  }, 60_000)
})

describe.each(testDatabases())('scheduled boundary versions and grid.locate at a date on %s', (db) => {
  let app: RunningApp
  let planner: Client
  beforeAll(async () => {
    app = await startApp({ db })
    planner = await loggedIn(app.url, 'planner')
  }, 60_000)
  afterAll(async () => { await app?.stop() })
  const DAY = 86_400_000

  it('stores a future draft as pending, applies it when due, and never applies a cancelled one', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const { x, y, draft, gainedPoint } = await findBorderMove(planner)
    const [lng, lat] = gainedPoint
    const problem = await admin.problem.create.mutate({ lng, lat, categoryCode: (await admin.problem.categories.query())[0]!.code, description: '预约边界测试问题' })
    const xBefore = await planner.grid.byId.query({ id: x.id })
    const tomorrow = new Date(Date.now() + DAY)

    const scheduled = await planner.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: tomorrow.toISOString(), reason: '明日生效' })
    expect(scheduled).toMatchObject({ number: null, pending: true })
    // nothing changes yet
    expect((await planner.grid.locate.query({ lng, lat })).community?.id).toBe(y.id)
    expect((await planner.grid.byId.query({ id: x.id })).version).toBe(xBefore.version)
    expect((await admin.problem.byId.query({ id: problem.id })).gridId).toBe(y.id)
    expect((await planner.boundary.current.query()).version).toBe(0)
    const pending = (await planner.boundary.versions.query()).filter((v) => v.status === 'pending')
    expect(pending).toHaveLength(1)
    expect(pending[0]).toMatchObject({ reason: '明日生效', effectiveFrom: tomorrow.toISOString(), baseVersion: 0 })
    // a second pending draft on the same base, and an immediate save meanwhile: CONFLICT
    expect(await errorOf(planner.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date(Date.now() + 2 * DAY).toISOString(), reason: '另一份预约' }))).toMatchObject({ code: 'CONFLICT', appCode: 'BOUNDARY_VERSION_CONFLICT' })
    expect(await errorOf(planner.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '立即保存' }))).toMatchObject({ code: 'CONFLICT', appCode: 'BOUNDARY_PENDING_EXISTS' })
    expect(await errorOf((await loggedIn(app.url, 'leader')).boundary.cancel.mutate({ id: pending[0]!.id }))).toMatchObject({ appCode: 'ROLE_FORBIDDEN' })

    // not yet due: nothing applied; due: applied through the same path as a save
    expect(await applyDueVersions(app.db, app.catalog, new Date(tomorrow.getTime() - 1000))).toEqual([])
    expect((await planner.grid.locate.query({ lng, lat })).community?.id).toBe(y.id)
    expect(await applyDueVersions(app.db, app.catalog, new Date(tomorrow.getTime() + 1000))).toEqual([1])
    expect((await planner.grid.locate.query({ lng, lat })).community?.id).toBe(x.id)
    expect((await planner.grid.byId.query({ id: x.id })).version).toBe(xBefore.version + 1)
    expect((await admin.problem.byId.query({ id: problem.id })).gridId).toBe(x.id)
    const versions = await planner.boundary.versions.query()
    expect(versions[0]).toMatchObject({ number: 1, status: 'applied', reason: '明日生效' })
    expect(versions.filter((v) => v.status === 'pending')).toEqual([])
    expect(await applyDueVersions(app.db, app.catalog, new Date(tomorrow.getTime() + 2000))).toEqual([]) // applied once
    // before the effective date the old boundary still answers
    expect((await planner.grid.locate.query({ lng, lat, at: new Date(Date.now() - DAY).toISOString() })).community?.id).toBe(y.id)

    // cancel: a second scheduled draft is never applied
    const { draft: d2 } = await findBorderMove(planner)
    const s2 = await planner.boundary.save.mutate({ draft: d2, baseVersion: 1, effectiveFrom: new Date(Date.now() + 2 * DAY).toISOString(), reason: '将被取消' })
    if (!('pending' in s2)) throw new Error('expected a pending version')
    await planner.boundary.cancel.mutate({ id: s2.id })
    expect(await errorOf(planner.boundary.cancel.mutate({ id: s2.id }))).toMatchObject({ appCode: 'BOUNDARY_PENDING_NOT_FOUND' })
    expect(await applyDueVersions(app.db, app.catalog, new Date(Date.now() + 3 * DAY))).toEqual([])
    expect((await planner.boundary.current.query()).version).toBe(1)
    expect((await planner.boundary.versions.query()).find((v) => v.id === s2.id)).toMatchObject({ status: 'cancelled' })
    expect((await admin.audit.list.query({ entity: 'BoundaryVersion' })).items.map((a) => a.action)).toEqual(expect.arrayContaining(['boundary.schedule', 'boundary.cancel', 'boundary.save']))
  }, 120_000)

  it('grid.locate with `at` answers with the boundaries in force at that date', async () => {
    const { x, y, draft, gainedPoint } = await findBorderMove(planner)
    const [lng, lat] = gainedPoint
    const base = (await planner.boundary.current.query()).version
    const effective = new Date(Date.now() - 3_600_000)
    await planner.boundary.save.mutate({ draft, baseVersion: base, effectiveFrom: effective.toISOString(), reason: '一小时前生效' })
    expect((await planner.grid.locate.query({ lng, lat })).community?.id).toBe(x.id)
    const before = await planner.grid.locate.query({ lng, lat, at: new Date(effective.getTime() - 60_000).toISOString() })
    expect(before.community).toMatchObject({ id: y.id, code: y.p.code })
    expect(before.street?.id).toBe(y.p.parentId)
    const after = await planner.grid.locate.query({ lng, lat, at: new Date(effective.getTime() + 60_000).toISOString() })
    expect(after.community?.id).toBe(x.id)
    // cached per version, still right when asked again
    expect((await planner.grid.locate.query({ lng, lat, at: new Date(effective.getTime() - 120_000).toISOString() })).community?.id).toBe(y.id)
  }, 60_000)
})
