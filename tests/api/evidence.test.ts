/**
 * Evidence that cannot be rewritten (issue 11 §2), end to end on each database: the server's own time
 * stamp, the 补录 window and its approval, GPS accuracy, presence against the boundary in force on the
 * inspection's date, and the photo checks (uploader, EXIF, difference hash, reuse on another record).
 */
import { pointOnFeature, pointToPolygonDistance } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { provenOnSite } from '../../server/domain/inspection/presence.ts'
import { monthOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { findBorderMove } from '../support/boundaryDraft.ts'
import { exifSegment, scene, toJpeg, withExif } from '../domain/photoImages.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>
const HOUR = 3_600_000

describe.each(testDatabases())('evidence API on %s', (db) => {
  let app: RunningApp
  let leader: Client, rfb: Client, cgj: Client
  let rfbCookie = ''
  beforeAll(async () => {
    app = await startApp({ db })
    ;[leader, rfb, cgj] = await Promise.all([loggedIn(app.url, 'leader'), loggedIn(app.url, 'rfb'), loggedIn(app.url, 'cgj')])
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'rfb', password: 'rfb123' }) })
    rfbCookie = res.headers.getSetCookie()[0]!.split(';')[0]!
  })
  afterAll(async () => { await app?.stop() })

  /** A community held by 市人防办 in `month` (with `notDone`: one whose month is not done yet). */
  const rfbGrid = async (month: string, notDone = false) => {
    const fc = await leader.grid.list.query({ level: 'community', month })
    const mine = fc.features.filter((f) => f.properties.holderDepartment === '市人防办')
    const f = notDone ? mine.find((x) => x.properties.inspectionStatus !== 'done') : mine[0]
    if (!f) throw new Error(`every 市人防办 grid is done in ${month}`)
    return { id: f.properties.id, point: pointOnFeature(f).geometry.coordinates as [number, number] }
  }
  const statusOf = async (gridId: number, month: string) =>
    (await leader.grid.list.query({ level: 'community', month })).features.find((f) => f.properties.id === gridId)!.properties.inspectionStatus
  const upload = async (body: Buffer, type: string) => {
    const res = await fetch(`${app.url}/api/photos`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type, cookie: rfbCookie } })
    expect(res.status).toBe(201)
    return (await res.json()) as { id: number }
  }

  it('backdating beyond the window: refused without a reason, 补录 with one, done only after a leader approves', async () => {
    const date = new Date(Date.now() - 60 * HOUR) // older than the default 48 h window
    const month = monthOf(date)
    const grid = await rfbGrid(month, true)
    const base = { gridId: grid.id, date: date.toISOString(), inspector: '张三', findings: '补录测试', lng: grid.point[0], lat: grid.point[1] }
    const before = await app.db.inspection.count()

    expect(await errorOf(rfb.inspection.record.mutate(base))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'INSPECTION_TOO_LATE' })
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, lateReason: ' 忘 ' }))).toMatchObject({ appCode: 'INSPECTION_TOO_LATE' }) // too short
    expect(await app.db.inspection.count()).toBe(before)

    const r = await rfb.inspection.record.mutate({ ...base, lateReason: '当天系统故障未能提交' })
    expect(r.onSite).toBe(true) // the location itself is fine
    expect(r.lateReason).toBe('当天系统故障未能提交')
    expect(r.presenceFailures).toEqual(['late'])
    const row = await app.db.inspection.findUniqueOrThrow({ where: { id: r.id } })
    expect(row.lateReason).toBe('当天系统故障未能提交')
    expect(row.approvedAt).toBeNull()
    expect(provenOnSite(row)).toBe(false)
    expect(await statusOf(grid.id, month)).not.toBe('done')

    const listed = (await leader.inspection.listForMonth.query({ month, gridId: grid.id })).find((i) => i.id === r.id)!
    expect(listed.late).toEqual({ reason: '当天系统故障未能提交', approvedAt: null, approvedById: null, note: null })
    expect(listed.presenceFailures).toContain('late')
    expect((await leader.inspection.notOnSite.query({ month })).find((i) => i.id === r.id)?.reason).toBe('late')
    expect((await leader.grid.byId.query({ id: grid.id, month })).inspections.find((i) => i.id === r.id)).toMatchObject({ lateReason: '当天系统故障未能提交', approvedAt: null })

    // a department cannot approve; a leader can, once, audited
    expect(await errorOf(rfb.inspection.approveLate.mutate({ id: r.id, note: '自己批准' }))).toMatchObject({ code: 'FORBIDDEN' })
    expect(await errorOf(cgj.inspection.approveLate.mutate({ id: r.id, note: '自己批准' }))).toMatchObject({ code: 'FORBIDDEN' })
    const leaderUser = await app.db.user.findUniqueOrThrow({ where: { login: 'leader' } })
    const approved = await leader.inspection.approveLate.mutate({ id: r.id, note: '已核实系统故障' })
    expect(approved.approvedById).toBe(leaderUser.id)
    expect(await errorOf(leader.inspection.approveLate.mutate({ id: r.id, note: '再次' }))).toMatchObject({ code: 'CONFLICT', appCode: 'INSPECTION_ALREADY_APPROVED' })
    const after = await app.db.inspection.findUniqueOrThrow({ where: { id: r.id } })
    expect(after.approvedById).toBe(leaderUser.id)
    expect(provenOnSite(after)).toBe(true)
    expect(await statusOf(grid.id, month)).toBe('done')
    const audit = await app.db.auditLog.findFirst({ where: { action: 'inspection.approveLate', entityId: String(r.id) } })
    expect(audit?.actorId).toBe(leaderUser.id)
    expect(audit?.after).toContain('已核实系统故障')

    // an inspection on time is not a 补录 and cannot be "approved"
    const onTime = await rfb.inspection.record.mutate({ ...base, date: new Date().toISOString(), lateReason: '多余的原因' })
    expect(onTime.lateReason).toBeNull()
    expect(await errorOf(leader.inspection.approveLate.mutate({ id: onTime.id, note: 'x' }))).toMatchObject({ code: 'CONFLICT', appCode: 'INSPECTION_NOT_LATE' })
  })

  it('recordedAt is the server\'s time even when the client sends one; a future date is refused', async () => {
    const grid = await rfbGrid(monthOf(new Date()))
    const t0 = Date.now()
    const input = { gridId: grid.id, date: new Date().toISOString(), inspector: '李四', findings: '时间戳', lng: grid.point[0], lat: grid.point[1], recordedAt: '2020-01-01T00:00:00Z' }
    const r = await rfb.inspection.record.mutate(input as Parameters<typeof rfb.inspection.record.mutate>[0])
    const row = await app.db.inspection.findUniqueOrThrow({ where: { id: r.id } })
    expect(row.recordedAt.getTime()).toBeGreaterThanOrEqual(t0 - 1000)
    expect(row.recordedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000)
    expect(await errorOf(rfb.inspection.record.mutate({ ...input, date: new Date(Date.now() + 2 * HOUR).toISOString() }))).toMatchObject({ appCode: 'DATE_IN_FUTURE' })
  })

  it('keeps the GPS accuracy; an accuracy worse than the tolerance is not on site', async () => {
    const grid = await rfbGrid(monthOf(new Date()))
    const base = { gridId: grid.id, date: new Date().toISOString(), inspector: '王五', findings: '精度', lng: grid.point[0], lat: grid.point[1] }
    const poor = await rfb.inspection.record.mutate({ ...base, accuracy: 800 })
    expect(poor.onSite).toBe(false)
    expect(poor.presenceFailures).toEqual(['poorAccuracy'])
    const row = await app.db.inspection.findUniqueOrThrow({ where: { id: poor.id } })
    expect(row).toMatchObject({ accuracyM: 800, onSite: false, presenceNote: 'poorAccuracy' })
    const good = await rfb.inspection.record.mutate({ ...base, accuracy: 12 })
    expect(good.onSite).toBe(true)
    expect((await app.db.inspection.findUniqueOrThrow({ where: { id: good.id } })).accuracyM).toBe(12)
  })

  it('judges presence against the boundary in force on the inspection date', async () => {
    const planner = await loggedIn(app.url, 'planner')
    const { y, draft, gainedPoint } = await findBorderMove(planner) // gainedPoint: inside y's old boundary, x's after the change
    const saved = await planner.boundary.save.mutate({ draft, baseVersion: 0, effectiveFrom: new Date().toISOString(), reason: '调整社区边界' })
    expect(saved.number).toBe(1)
    const newY = (await leader.grid.byId.query({ id: y.id })).geometry
    const metresOutsideNewY = pointToPolygonDistance(gainedPoint, newY, { units: 'meters' })
    if (!(metresOutsideNewY > 1)) throw new Error(`the moved area is too thin for this test (${metresOutsideNewY} m)`)
    const holder = await app.db.user.findFirstOrThrow({ where: { departmentId: y.p.holderDepartmentId!, role: 'department' } })
    const dept = await loggedIn(app.url, holder.login)
    const previous = process.env.PRESENCE_TOLERANCE_M
    process.env.PRESENCE_TOLERANCE_M = String(metresOutsideNewY / 2) // the in-process server reads it per call
    try {
      const base = { gridId: y.id, inspector: '赵六', findings: '边界', lng: gainedPoint[0], lat: gainedPoint[1] }
      const before = await dept.inspection.record.mutate({ ...base, date: new Date(Date.now() - 2 * HOUR).toISOString() })
      expect(before.onSite).toBe(true)
      expect(before.distanceOutside).toBe(0)
      const nowR = await dept.inspection.record.mutate({ ...base, date: new Date().toISOString() })
      expect(nowR.onSite).toBe(false)
      expect(nowR.presenceFailures).toEqual(['outside'])
      expect(nowR.distanceOutside).toBeGreaterThan(metresOutsideNewY / 2)
    } finally {
      if (previous === undefined) delete process.env.PRESENCE_TOLERANCE_M
      else process.env.PRESENCE_TOLERANCE_M = previous
    }
  })

  it('photos: the uploader, EXIF time and place and the difference hash are stored; mismatches and reuse are flagged', async () => {
    const grid = await rfbGrid(monthOf(new Date()))
    const takenAt = new Date(Math.floor((Date.now() - 4 * 24 * HOUR) / 1000) * 1000)
    const wall = takenAt.toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':')
    const far = { lng: grid.point[0] + 0.1, lat: grid.point[1] } // ~9 km east
    const bytes = withExif(toJpeg(scene(11), 90), exifSegment({ dateTimeOriginal: wall, offset: '+00:00', lat: far.lat, lng: far.lng }))
    const p1 = await upload(bytes, 'image/jpeg')
    const rfbUser = await app.db.user.findUniqueOrThrow({ where: { login: 'rfb' } })
    const row = await app.db.photo.findUniqueOrThrow({ where: { id: p1.id } })
    expect(row.uploadedById).toBe(rfbUser.id)
    expect(row.takenAt?.toISOString()).toBe(takenAt.toISOString())
    expect(row.exifLat).toBeCloseTo(far.lat, 5)
    expect(row.exifLng).toBeCloseTo(far.lng, 5)
    expect(row.dhash).toMatch(/^[0-9a-f]{16}$/)

    const base = { gridId: grid.id, date: new Date().toISOString(), inspector: '钱七', findings: '照片', lng: grid.point[0], lat: grid.point[1] }
    const a = await rfb.inspection.record.mutate({ ...base, photoIds: [p1.id] })
    const month = monthOf(new Date())
    const viewA = (await leader.inspection.listForMonth.query({ month, gridId: grid.id })).find((i) => i.id === a.id)!
    expect(viewA.photoWarnings.map((w) => w.kind).sort()).toEqual(['takenEarlier', 'takenFarAway'])
    expect(viewA.photoWarnings.find((w) => w.kind === 'takenFarAway')).toMatchObject({ photoId: p1.id })

    // the same bytes uploaded again and used on another inspection: both photos are flagged
    const p2 = await upload(bytes, 'image/jpeg')
    const b = await rfb.inspection.record.mutate({ ...base, findings: '重复照片', photoIds: [p2.id] })
    const views = await leader.inspection.listForMonth.query({ month, gridId: grid.id })
    const viewB = views.find((i) => i.id === b.id)!
    expect(viewB.photoWarnings.filter((w) => w.kind === 'reused')).toEqual([expect.objectContaining({ photoId: p2.id, kind: 'reused', otherPhotoId: p1.id, inspectionId: a.id, problemId: null, bits: 0 })])
    expect(views.find((i) => i.id === a.id)!.photoWarnings).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'reused', photoId: p1.id, otherPhotoId: p2.id, inspectionId: b.id, bits: 0 })]))

    // ... and on a problem: the problem's detail warns too
    const p5 = await upload(bytes, 'image/jpeg')
    const problem = await rfb.problem.create.mutate({ lng: grid.point[0], lat: grid.point[1], categoryCode: 'LJ01', description: '证据测试：复用照片', photoIds: [p5.id] })
    const detail = await leader.problem.byId.query({ id: problem.id })
    expect(detail.photoWarnings).toEqual(expect.arrayContaining([
      expect.objectContaining({ photoId: p5.id, kind: 'reused', otherPhotoId: p1.id, inspectionId: a.id, bits: 0 }),
      expect.objectContaining({ photoId: p5.id, kind: 'takenEarlier' }),
    ]))

    // a different picture is not flagged as reused; a WebP has no hash
    const p3 = await upload(toJpeg(scene(12), 90), 'image/jpeg')
    const c = await rfb.inspection.record.mutate({ ...base, findings: '新照片', photoIds: [p3.id] })
    expect((await leader.inspection.listForMonth.query({ month, gridId: grid.id })).find((i) => i.id === c.id)!.photoWarnings).toEqual([])
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([30, 0, 0, 0]), Buffer.from('WEBPVP8L'), Buffer.alloc(22)])
    const p4 = await upload(webp, 'image/webp')
    expect((await app.db.photo.findUniqueOrThrow({ where: { id: p4.id } })).dhash).toBeNull()
  })
})
