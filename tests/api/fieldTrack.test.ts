/**
 * Field work (issue 16 §2–3) over HTTP on each database: patrol tracks stored with an inspection
 * (validation codes, the coverage figure, scope) and the EXIF a phone reads before re-encoding a
 * photo (X-Exif-* headers), stored and used by the evidence checks.
 */
import { area, pointOnFeature, pointToPolygonDistance } from '@turf/turf'
import type { MultiPolygon, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monthOf, startOfChinaDay, todayInChina } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { exifSegment, scene, toJpeg, withExif } from '../domain/photoImages.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>

describe.each(testDatabases())('patrol track and device EXIF on %s', (db) => {
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

  /** A 市人防办 community this month with a point at least 60 m inside its boundary. */
  const rfbGrid = async () => {
    const month = monthOf(new Date())
    const fc = await leader.grid.list.query({ level: 'community', month })
    for (const f of fc.features.filter((x) => x.properties.holderDepartment === '市人防办')) {
      const p = pointOnFeature(f).geometry.coordinates as [number, number]
      const g = f.geometry as Polygon | MultiPolygon
      if (Math.abs(pointToPolygonDistance(p, g, { units: 'meters' })) >= 60) return { id: f.properties.id, point: p, areaM2: area(f), month }
    }
    throw new Error('no 市人防办 grid with a point 60 m inside')
  }
  /** Sample times: the last `n` × 5 s, but never before today's Beijing midnight. */
  const times = (n: number) => {
    const from = Math.max(startOfChinaDay(todayInChina()).getTime() + 1000, Date.now() - n * 5000 - 1000)
    return Array.from({ length: n }, (_, i) => new Date(from + i * 5000 > Date.now() ? Date.now() - (n - i) : from + i * 5000).toISOString())
  }

  it('stores a track with its coverage (a 50 m circle of the grid for a standing patrol); only the department and leaders read it', async () => {
    const grid = await rfbGrid()
    const t = times(3)
    const points = t.map((x) => ({ lng: grid.point[0], lat: grid.point[1], t: x, accuracy: 8 }))
    const r = await rfb.inspection.record.mutate({
      gridId: grid.id, date: new Date().toISOString(), inspector: '张三', findings: '巡查轨迹测试', lng: grid.point[0], lat: grid.point[1], accuracy: 8,
      track: { points },
    })
    const expected = (Math.PI * 50 * 50) / grid.areaM2
    expect(r.patrol).toBeTruthy()
    expect(r.patrol!.pointCount).toBe(3)
    expect(r.patrol!.coverage!).toBeGreaterThan(expected * 0.97)
    expect(r.patrol!.coverage!).toBeLessThan(expected * 1.03)

    const row = await app.db.patrolTrack.findUniqueOrThrow({ where: { inspectionId: r.id } })
    const stored = JSON.parse(row.geojson) as { geometry: { type: string; coordinates: number[][] }; properties: { times: string[]; accuracies: number[] } }
    expect(stored.geometry.type).toBe('LineString')
    expect(stored.geometry.coordinates).toEqual(points.map((p) => [p.lng, p.lat]))
    expect(stored.properties.times).toEqual(t)
    expect(stored.properties.accuracies).toEqual([8, 8, 8])
    expect(await app.db.auditLog.count({ where: { action: 'inspection.patrolTrack', entityId: String(r.id) } })).toBe(1)

    // reads: the department and a leader see it; another department neither by id nor by grid
    expect((await rfb.inspection.track.query({ inspectionId: r.id }))?.feature.geometry.coordinates).toHaveLength(3)
    const latest = await leader.inspection.latestTrack.query({ gridId: grid.id, month: grid.month })
    expect(latest?.inspectionId).toBe(r.id)
    expect(latest?.coverage).toBe(r.patrol!.coverage)
    expect(await errorOf(cgj.inspection.track.query({ inspectionId: r.id }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_DEPARTMENT' })
    expect(await cgj.inspection.latestTrack.query({ gridId: grid.id, month: grid.month })).toBeNull()
    const listed = (await leader.inspection.listForMonth.query({ month: grid.month, gridId: grid.id })).find((i) => i.id === r.id)
    expect(listed?.patrol?.coverage).toBe(r.patrol!.coverage)
  })

  it('refuses a bad track with its code and stores nothing', async () => {
    const grid = await rfbGrid()
    const base = { gridId: grid.id, date: new Date().toISOString(), inspector: '张三', findings: '坏轨迹', lng: grid.point[0], lat: grid.point[1] }
    const t = times(3)
    const pt = (x: string) => ({ lng: grid.point[0], lat: grid.point[1], t: x, accuracy: 5 })
    const before = [await app.db.inspection.count(), await app.db.patrolTrack.count()]
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, track: { points: [pt(t[1]!), pt(t[0]!)] } }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'PATROL_TRACK_ORDER' })
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, track: { points: [pt(t[0]!), pt(t[0]!)] } }))).toMatchObject({ appCode: 'PATROL_TRACK_ORDER' })
    const yesterday = new Date(startOfChinaDay(todayInChina()).getTime() - 60_000).toISOString()
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, track: { points: [pt(yesterday), pt(t[0]!)] } }))).toMatchObject({ appCode: 'PATROL_TRACK_OUT_OF_TIME' })
    const future = new Date(Date.now() + 3_600_000).toISOString()
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, track: { points: [pt(t[0]!), pt(future)] } }))).toMatchObject({ appCode: 'PATROL_TRACK_OUT_OF_TIME' })
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, track: { points: [] } }))).toMatchObject({ appCode: 'PATROL_TRACK_EMPTY' })
    const from = startOfChinaDay(todayInChina()).getTime()
    const many = Array.from({ length: 2881 }, (_, i) => pt(new Date(from + i).toISOString()))
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, track: { points: many } }))).toMatchObject({ appCode: 'PATROL_TRACK_TOO_LONG' })
    expect([await app.db.inspection.count(), await app.db.patrolTrack.count()]).toEqual(before)
  })

  const upload = async (body: Buffer, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/photos`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'image/jpeg', cookie: rfbCookie, ...headers } })

  it('keeps the EXIF the phone read before re-encoding (X-Exif-*), and the evidence checks use it', async () => {
    const grid = await rfbGrid()
    const plain = toJpeg(scene(301), 85) // a re-encoded photo: no EXIF in its bytes
    const res = await upload(plain, { 'x-exif-time': '2026:01:05 09:30:00', 'x-exif-offset': '+08:00', 'x-exif-lng': '107.105', 'x-exif-lat': '34.305' })
    expect(res.status).toBe(201)
    const p = await res.json() as { id: number; takenAt: string; exifLng: number; exifLat: number; exifSource: string }
    expect(p).toMatchObject({ takenAt: '2026-01-05T01:30:00.000Z', exifLng: 107.105, exifLat: 34.305, exifSource: 'device' })
    const row = await app.db.photo.findUniqueOrThrow({ where: { id: p.id } })
    expect(row.takenAt?.toISOString()).toBe('2026-01-05T01:30:00.000Z')
    expect([row.exifLng, row.exifLat, row.exifSource]).toEqual([107.105, 34.305, 'device'])

    // attached to an inspection today, here: taken long before and far away
    const r = await rfb.inspection.record.mutate({ gridId: grid.id, date: new Date().toISOString(), inspector: '张三', findings: '设备EXIF', lng: grid.point[0], lat: grid.point[1], photoIds: [p.id] })
    const listed = (await leader.inspection.listForMonth.query({ month: grid.month, gridId: grid.id })).find((i) => i.id === r.id)!
    expect(listed.photoWarnings.map((w) => w.kind).sort()).toEqual(['takenEarlier', 'takenFarAway'])

    // the file's own EXIF wins over the headers
    const withOwn = withExif(toJpeg(scene(302), 85), exifSegment({ dateTimeOriginal: '2026:02:01 08:00:00', offset: '+08:00', lat: 34.2, lng: 108.9 }))
    const own = await (await upload(withOwn, { 'x-exif-time': '2026:01:05 09:30:00', 'x-exif-lng': '1', 'x-exif-lat': '1' })).json() as { takenAt: string; exifLng: number; exifSource: string }
    expect(own.takenAt).toBe('2026-02-01T00:00:00.000Z')
    expect(own.exifSource).toBe('file')
    expect(own.exifLng).toBeCloseTo(108.9, 4)

    // malformed fields: refused with their code, nothing stored
    const count = await app.db.photo.count()
    for (const h of <Record<string, string>[]>[{ 'x-exif-time': 'yesterday' }, { 'x-exif-lng': 'east', 'x-exif-lat': '34' }, { 'x-exif-lng': '107' }, { 'x-exif-lat': '95', 'x-exif-lng': '107' }]) {
      const bad = await upload(plain, h)
      expect(bad.status).toBe(400)
      expect(((await bad.json()) as { error: { appCode: string } }).error.appCode).toBe('PHOTO_EXIF_INVALID')
    }
    expect(await app.db.photo.count()).toBe(count)
    // none sent, none in the file: nothing recorded
    const none = await (await upload(toJpeg(scene(303), 85))).json() as { takenAt: unknown; exifSource: unknown }
    expect([none.takenAt, none.exifSource]).toEqual([null, null])
  })
})
