/**
 * What the offline queue relies on (issue 16 §1): every queued procedure takes a client key (same key →
 * same result and nothing new; a different payload under a used key → IDEMPOTENCY_KEY_REUSED), a
 * workflow step whose problem moved on meanwhile gets CONFLICT and overwrites nothing, and a record
 * synced late is judged at its capture time corrected by the device clock's offset measured at sync.
 */
import { randomUUID } from 'node:crypto'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monthOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>
const HOUR = 3_600_000

describe.each(testDatabases())('offline sync API on %s', (db) => {
  let app: RunningApp
  let leader: Client, rfb: Client
  beforeAll(async () => {
    app = await startApp({ db })
    ;[leader, rfb] = await Promise.all([loggedIn(app.url, 'leader'), loggedIn(app.url, 'rfb')])
  })
  afterAll(async () => { await app?.stop() })

  const rfbGrid = async (month: string) => {
    const fc = await leader.grid.list.query({ level: 'community', month })
    const mine = fc.features.filter((f) => f.properties.holderDepartment === '市人防办')
    const f = mine.find((x) => x.properties.inspectionStatus !== 'done') ?? mine[0]!
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    return { id: f.properties.id, lng, lat }
  }
  const counts = async () => ({
    problems: await app.db.problem.count(), events: await app.db.problemEvent.count(),
    inspections: await app.db.inspection.count(), keys: await app.db.idempotencyKey.count(),
  })

  it('problem.create under a key: a repeat answers with the same problem, another payload is refused', async () => {
    const g = await rfbGrid(monthOf(new Date()))
    const category = (await rfb.problem.categories.query())[0]!.code
    const key = randomUUID()
    const input = { lng: g.lng, lat: g.lat, categoryCode: category, description: `离线上报 ${key.slice(0, 8)}`, idempotencyKey: key }
    const first = await rfb.problem.create.mutate(input)
    const before = await counts()
    const again = await rfb.problem.create.mutate(input)
    expect(again.id).toBe(first.id)
    expect(await counts()).toEqual(before)
    expect(await errorOf(rfb.problem.create.mutate({ ...input, description: `${input.description} 改` })))
      .toMatchObject({ code: 'CONFLICT', appCode: 'IDEMPOTENCY_KEY_REUSED' })
    // another user cannot replay someone else's key either
    expect(await errorOf(leader.problem.create.mutate(input))).toMatchObject({ code: 'CONFLICT', appCode: 'IDEMPOTENCY_KEY_REUSED' })
    expect(await counts()).toEqual(before)
  })

  it('a workflow step under a key: a repeat is the same step (no CONFLICT, no second event); a stale step is a CONFLICT that changes nothing', async () => {
    const g = await rfbGrid(monthOf(new Date()))
    const category = (await leader.problem.categories.query())[0]!.code
    const p = await leader.problem.create.mutate({ lng: g.lng, lat: g.lat, categoryCode: category, description: '离线流转测试' })
    await leader.problem.transition.mutate({ id: p.id, version: 1, action: 'register' })
    await leader.problem.transition.mutate({ id: p.id, version: 2, action: 'dispatch' })
    const acceptKey = randomUUID()
    const accepted = await rfb.problem.transition.mutate({ id: p.id, version: 3, action: 'accept', idempotencyKey: acceptKey })
    expect(accepted).toMatchObject({ status: 'rectifying', version: 4 })
    const before = await counts()
    const again = await rfb.problem.transition.mutate({ id: p.id, version: 3, action: 'accept', idempotencyKey: acceptKey })
    expect(again).toMatchObject({ id: p.id, status: 'rectifying', version: 4 })
    expect(await counts()).toEqual(before)
    expect(await errorOf(rfb.problem.transition.mutate({ id: p.id, version: 3, action: 'accept', note: '改', idempotencyKey: acceptKey })))
      .toMatchObject({ code: 'CONFLICT', appCode: 'IDEMPOTENCY_KEY_REUSED' })

    // a submit queued offline at version 4; meanwhile the department asks for more time and the leader approves (version 6)
    await rfb.problem.transition.mutate({ id: p.id, version: 4, action: 'requestExtension', newDeadline: new Date(Date.now() + 30 * 24 * HOUR).toISOString(), note: '材料未到' })
    const moved = await leader.problem.transition.mutate({ id: p.id, version: 5, action: 'decideExtension', approve: true })
    expect(moved.version).toBe(6)
    const stale = await errorOf(rfb.problem.transition.mutate({ id: p.id, version: 4, action: 'submit', note: '离线整改完成', idempotencyKey: randomUUID() }))
    expect(stale).toMatchObject({ code: 'CONFLICT', appCode: 'VERSION_CONFLICT' })
    const after = await leader.problem.byId.query({ id: p.id })
    expect(after.version).toBe(moved.version)
    expect(after.status).toBe(moved.status)
  })

  it('inspection.record: deviceNow is not part of the keyed request (a retry at a later clock is the same record)', async () => {
    const g = await rfbGrid(monthOf(new Date()))
    const key = randomUUID()
    const captured = new Date(Date.now() - 10 * 60_000).toISOString()
    const input = { gridId: g.id, date: new Date().toISOString(), inspectors: ['离线'], findings: `重放 ${key.slice(0, 8)}`, lng: g.lng, lat: g.lat, accuracy: 10, idempotencyKey: key, deviceCapturedAt: captured }
    const first = await rfb.inspection.record.mutate({ ...input, deviceNow: new Date().toISOString() })
    const before = await counts()
    const again = await rfb.inspection.record.mutate({ ...input, deviceNow: new Date(Date.now() + 60_000).toISOString() })
    expect(again.id).toBe(first.id)
    expect(await counts()).toEqual(before)
    expect(await errorOf(rfb.inspection.record.mutate({ ...input, findings: '另一份' }))).toMatchObject({ appCode: 'IDEMPOTENCY_KEY_REUSED' })
  })

  it('a photo upload under an Idempotency-Key: a repeat answers with the same photo; other bytes under the key are refused', async () => {
    const login = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'rfb', password: 'rfb123' }) })
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const png = (b64: string) => Buffer.from(b64, 'base64')
    const one = png('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=')
    const two = png('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==')
    const key = randomUUID()
    const post = (body: Buffer) => fetch(`${app.url}/api/photos`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'image/png', cookie, 'idempotency-key': key } })
    const first = await post(one)
    expect(first.status).toBe(201)
    const { id } = await first.json() as { id: number }
    const photos = await app.db.photo.count()
    const again = await post(one)
    expect(again.status).toBe(201)
    expect((await again.json() as { id: number }).id).toBe(id)
    expect(await app.db.photo.count()).toBe(photos)
    const other = await post(two)
    expect(other.status).toBe(409)
    expect((await other.json() as { error: { appCode: string } }).error.appCode).toBe('IDEMPOTENCY_KEY_REUSED')
    expect(await app.db.photo.count()).toBe(photos)
  })

  it('clock offset: a record captured on time but synced 60 h later by a phone whose clock is 2 h slow is judged at the corrected capture time', async () => {
    const offsetMs = 2 * HOUR // the phone's clock is 2 h behind the server's
    const realCapture = new Date(Date.now() - 60 * HOUR)
    const month = monthOf(realCapture)
    const g = await rfbGrid(month)
    const base = { gridId: g.id, date: realCapture.toISOString(), inspectors: ['张三'], findings: '地下室离线检查', lng: g.lng, lat: g.lat, accuracy: 12 }
    // without capture stamps the same record is 补录 (older than the 48 h window)
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, idempotencyKey: randomUUID() }))).toMatchObject({ appCode: 'INSPECTION_TOO_LATE' })

    const deviceNow = new Date(Date.now() - offsetMs)
    const deviceCapturedAt = new Date(realCapture.getTime() - offsetMs)
    const r = await rfb.inspection.record.mutate({ ...base, idempotencyKey: randomUUID(), deviceCapturedAt: deviceCapturedAt.toISOString(), deviceNow: deviceNow.toISOString() })
    expect(r.lateReason).toBeNull()
    expect(r.presenceFailures).toEqual([])
    expect(Math.abs(r.clockOffsetMs! - offsetMs)).toBeLessThan(60_000) // the request's transit only
    expect(Math.abs(new Date(r.capturedAt!).getTime() - realCapture.getTime())).toBeLessThan(60_000)
    const row = await app.db.inspection.findUniqueOrThrow({ where: { id: r.id } })
    expect(row.deviceCapturedAt!.toISOString()).toBe(deviceCapturedAt.toISOString()) // the raw device stamp is kept
    expect(Date.now() - row.recordedAt.getTime()).toBeLessThan(60_000) // the receipt is the server's clock
    const listed = (await leader.inspection.listForMonth.query({ month, gridId: g.id })).find((i) => i.id === r.id)!
    expect(listed.presenceFailures).toEqual([])
    expect(listed.capturedAt).toBe(r.capturedAt)

    // the same capture without the device's clock at sync cannot be corrected: judged at the receipt
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, idempotencyKey: randomUUID(), deviceCapturedAt: deviceCapturedAt.toISOString() })))
      .toMatchObject({ appCode: 'INSPECTION_TOO_LATE' })
    // a capture older than OFFLINE_MAX_QUEUE_HOURS (168 h) is judged at the receipt too
    const ancient = new Date(Date.now() - 200 * HOUR)
    expect(await errorOf(rfb.inspection.record.mutate({ ...base, date: ancient.toISOString(), idempotencyKey: randomUUID(), deviceCapturedAt: ancient.toISOString(), deviceNow: new Date().toISOString() })))
      .toMatchObject({ appCode: 'INSPECTION_TOO_LATE' })
  })
})
