/** One inspection form, one transaction: inspection + photos + spot problems in one call, idempotent under a client key. */
import { randomUUID } from 'node:crypto'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monthOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64')
type Client = Awaited<ReturnType<typeof loggedIn>>

describe.each(testDatabases())('one inspection form on %s', (db) => {
  let app: RunningApp
  let leader: Client, rfb: Client
  let cookie = ''
  const month = monthOf(new Date())
  beforeAll(async () => {
    app = await startApp({ db })
    ;[leader, rfb] = await Promise.all([loggedIn(app.url, 'leader'), loggedIn(app.url, 'rfb')])
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'rfb', password: 'rfb123' }) })
    cookie = res.headers.getSetCookie()[0]!.split(';')[0]!
  })
  afterAll(async () => { await app?.stop() })

  const upload = async () => ((await (await fetch(`${app.url}/api/photos`, { method: 'POST', body: new Uint8Array(PNG), headers: { 'content-type': 'image/png', cookie } })).json()) as { id: number }).id
  const setup = async () => {
    const fc = await leader.grid.list.query({ level: 'community', month })
    const grid = fc.features.find((f) => f.properties.holderDepartment === '市人防办')!
    const [lng, lat] = pointOnFeature(grid).geometry.coordinates as [number, number]
    const categories = await rfb.problem.categories.query()
    return { grid, lng, lat, category: categories[0]!.code }
  }
  const inspectionsWith = async (findings: string, gridId: number) =>
    (await rfb.inspection.listForMonth.query({ month, gridId })).filter((i) => i.findings === findings)
  const problemsWith = async (prefix: string) =>
    (await leader.problem.list.query({ limit: 200 })).items.filter((p) => p.description.startsWith(prefix))

  it('stores the inspection, its photos and the spot problems in one call; a problem gets its own point or the check-in point', async () => {
    const { grid, lng, lat, category } = await setup()
    const [photo, problemPhoto] = [await upload(), await upload()]
    const tag = `一表-${randomUUID().slice(0, 8)}`
    const r = await rfb.inspection.record.mutate({
      gridId: grid.properties.id, date: new Date().toISOString(), inspectors: ['张三'], findings: tag, photoIds: [photo], lng, lat,
      idempotencyKey: randomUUID(),
      problems: [
        { categoryCode: category, description: `${tag} 一`, photoIds: [problemPhoto] },
        { categoryCode: category, description: `${tag} 二`, urgent: true, lng: lng + 0.00001, lat },
      ],
    })
    expect(r.problemIds).toHaveLength(2)
    expect(r.photoIds).toEqual([photo])
    const stored = await problemsWith(tag)
    expect(stored.map((p) => p.id).sort()).toEqual([...r.problemIds].sort())
    const [one, two] = [stored.find((p) => p.description.endsWith('一'))!, stored.find((p) => p.description.endsWith('二'))!]
    expect(one).toMatchObject({ lng, lat, source: 'inspection', gridId: grid.properties.id, departmentName: '市人防办', priority: 'normal', status: 'reported' })
    expect(two).toMatchObject({ lng: lng + 0.00001, lat, priority: 'urgent' })
    expect(one.deadline).not.toBeNull()
    const detail = await leader.problem.byId.query({ id: one.id })
    expect(JSON.stringify(detail)).toContain(String(problemPhoto))
    expect(await inspectionsWith(tag, grid.properties.id)).toHaveLength(1)
  })

  it('a spot problem that fails validation leaves no inspection (and no problem) behind, and names the problem', async () => {
    const { grid, lng, lat, category } = await setup()
    const tag = `失败-${randomUUID().slice(0, 8)}`
    const base = { gridId: grid.properties.id, date: new Date().toISOString(), inspectors: ['张三'], findings: tag, lng, lat }
    const outside = await errorOf(rfb.inspection.record.mutate({ ...base, problems: [
      { categoryCode: category, description: `${tag} ok` },
      { categoryCode: category, description: `${tag} far`, lng: 0.5, lat: 0.5 },
    ] }))
    expect(outside).toMatchObject({ code: 'BAD_REQUEST', appCode: 'SPOT_PROBLEM_INVALID' })
    expect(outside.message).toContain('第 2 个现场问题')
    const unknown = await errorOf(rfb.inspection.record.mutate({ ...base, problems: [{ categoryCode: 'NO_SUCH_CAT', description: `${tag} x` }] }))
    expect(unknown).toMatchObject({ appCode: 'SPOT_PROBLEM_INVALID' })
    expect(unknown.message).toContain('第 1 个现场问题')
    const photo = await upload()
    const badPhoto = await errorOf(rfb.inspection.record.mutate({ ...base, photoIds: [photo], problems: [{ categoryCode: category, description: `${tag} p`, photoIds: [99999999] }] }))
    expect(badPhoto).toMatchObject({ appCode: 'SPOT_PROBLEM_INVALID' })
    expect(await inspectionsWith(tag, grid.properties.id)).toHaveLength(0)
    expect(await problemsWith(tag)).toHaveLength(0)
    // the photo of the rolled-back inspection is still free to use
    const ok = await rfb.inspection.record.mutate({ ...base, photoIds: [photo] })
    expect(ok.photoIds).toEqual([photo])
  })

  it('a retried submit with the same key returns the first result and creates nothing; the same key with another payload is refused', async () => {
    const { grid, lng, lat, category } = await setup()
    const tag = `重试-${randomUUID().slice(0, 8)}`
    const photo = await upload()
    const key = randomUUID()
    const input = {
      gridId: grid.properties.id, date: new Date().toISOString(), inspectors: ['张三'], findings: tag, photoIds: [photo], lng, lat,
      idempotencyKey: key, problems: [{ categoryCode: category, description: `${tag} 一` }],
    }
    const first = await rfb.inspection.record.mutate(input)
    const again = await rfb.inspection.record.mutate(input)
    expect(again).toEqual(first)
    // concurrent retries too
    const both = await Promise.all([rfb.inspection.record.mutate(input), rfb.inspection.record.mutate(input)])
    expect(both).toEqual([first, first])
    expect(await inspectionsWith(tag, grid.properties.id)).toHaveLength(1)
    expect((await problemsWith(tag)).map((p) => p.id)).toEqual(first.problemIds)
    const reused = await errorOf(rfb.inspection.record.mutate({ ...input, findings: `${tag} 改` }))
    expect(reused).toMatchObject({ code: 'CONFLICT', appCode: 'IDEMPOTENCY_KEY_REUSED' })
    expect(await inspectionsWith(`${tag} 改`, grid.properties.id)).toHaveLength(0)
    // another user cannot replay someone else's key
    const cgj = await loggedIn(app.url, 'cgj')
    expect(await errorOf(cgj.inspection.record.mutate(input))).toMatchObject({ code: 'CONFLICT', appCode: 'IDEMPOTENCY_KEY_REUSED' })
  })
})
