/**
 * Every read scoped (issue 17 §3): photos go only to users who may read the record they belong to,
 * and a problem may cite only an inspection of the reporter's own department. On each database.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monthOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64')
type Client = Awaited<ReturnType<typeof loggedIn>>
const LOGINS = ['leader', 'rfb', 'cgj', 'admin'] as const
type Login = (typeof LOGINS)[number]

describe.each(testDatabases())('read scope on %s', (db) => {
  let app: RunningApp
  const api = {} as Record<Login, Client>
  const cookie = {} as Record<Login, string>
  const month = monthOf(new Date())

  beforeAll(async () => {
    app = await startApp({ db })
    for (const login of LOGINS) {
      api[login] = await loggedIn(app.url, login)
      const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}123` }) })
      cookie[login] = res.headers.getSetCookie()[0]!.split(';')[0]!
    }
  })
  afterAll(async () => { await app?.stop() })

  const upload = async (who: Login) => {
    const res = await fetch(`${app.url}/api/photos`, { method: 'POST', body: new Uint8Array(PNG), headers: { 'content-type': 'image/png', cookie: cookie[who] } })
    expect(res.status).toBe(201)
    return ((await res.json()) as { id: number }).id
  }
  const statusOf = async (photoId: number, who: Login) => (await fetch(`${app.url}/api/photos/${photoId}`, { headers: { cookie: cookie[who] } })).status
  const pointOf = async (department: string) => {
    const fc = await api.leader.grid.list.query({ level: 'community', month })
    const grid = fc.features.find((f) => f.properties.holderDepartment === department)!
    expect(grid).toBeTruthy()
    return { gridId: grid.properties.id, coordinates: pointOnFeature(grid).geometry.coordinates as [number, number] }
  }

  it('a problem photo of department A: A and the leader get it, department B gets 404', async () => {
    const { coordinates: [lng, lat] } = await pointOf('市人防办')
    const categoryCode = (await api.leader.problem.categories.query())[0]!.code
    const photoId = await upload('rfb')
    const p = await api.rfb.problem.create.mutate({ lng, lat, categoryCode, description: '照片范围测试', photoIds: [photoId] })
    const me = await api.rfb.auth.me.query()
    expect(p.departmentId).toBe(me!.departmentId)
    expect(await statusOf(photoId, 'rfb')).toBe(200)
    expect(await statusOf(photoId, 'leader')).toBe(200)
    expect(await statusOf(photoId, 'admin')).toBe(200)
    expect(await statusOf(photoId, 'cgj')).toBe(404)
    // the same answer as for a photo that does not exist: ids reveal nothing
    expect(await statusOf(99_999_999, 'cgj')).toBe(404)
    // consistent with the record itself
    expect((await errorOf(api.cgj.problem.byId.query({ id: p.id }))).code).toBe('FORBIDDEN')
  })

  it('an inspection photo of department A: A and the leader get it, department B gets 404', async () => {
    const { gridId, coordinates: [lng, lat] } = await pointOf('市人防办')
    const photoId = await upload('rfb')
    await api.rfb.inspection.record.mutate({ gridId, date: new Date().toISOString(), inspectors: ['王五'], findings: '范围测试', photoIds: [photoId], lng, lat })
    expect(await statusOf(photoId, 'rfb')).toBe(200)
    expect(await statusOf(photoId, 'leader')).toBe(200)
    expect(await statusOf(photoId, 'cgj')).toBe(404)
  })

  it('an unattached photo only to its uploader (and leaders/admins)', async () => {
    const photoId = await upload('rfb')
    expect(await statusOf(photoId, 'rfb')).toBe(200)
    expect(await statusOf(photoId, 'cgj')).toBe(404)
    expect(await statusOf(photoId, 'leader')).toBe(200)
  })

  it('problem.create cites only an inspection of the caller\'s own department', async () => {
    const own = await pointOf('市人防办')
    const foreign = await pointOf('市城管局')
    const categoryCode = (await api.leader.problem.categories.query())[0]!.code
    const theirs = await api.cgj.inspection.record.mutate({ gridId: foreign.gridId, date: new Date().toISOString(), inspectors: ['赵六'], findings: '他部门检查' })
    const mine = await api.rfb.inspection.record.mutate({ gridId: own.gridId, date: new Date().toISOString(), inspectors: ['王五'], findings: '本部门检查' })
    const [lng, lat] = own.coordinates
    const before = (await api.leader.problem.list.query({ limit: 1 })).total
    const refused = await errorOf(api.rfb.problem.create.mutate({ lng, lat, categoryCode, description: '引用他部门检查', inspectionId: theirs.id }))
    expect(refused).toMatchObject({ code: 'FORBIDDEN', appCode: 'INSPECTION_NOT_YOURS' })
    expect((await api.leader.problem.list.query({ limit: 1 })).total).toBe(before)
    expect(await errorOf(api.rfb.problem.create.mutate({ lng, lat, categoryCode, description: '引用不存在的检查', inspectionId: 99_999_999 })))
      .toMatchObject({ code: 'NOT_FOUND', appCode: 'INSPECTION_NOT_FOUND' })
    const ok = await api.rfb.problem.create.mutate({ lng, lat, categoryCode, description: '引用本部门检查', inspectionId: mine.id })
    expect(ok.source).toBe('inspection')
    // a leader may cite any department's inspection
    const byLeader = await api.leader.problem.create.mutate({ lng, lat, categoryCode, description: '领导引用', inspectionId: theirs.id })
    expect(byLeader.source).toBe('inspection')
    expect((await api.leader.problem.list.query({ limit: 1 })).total).toBe(before + 2)
  })
})
