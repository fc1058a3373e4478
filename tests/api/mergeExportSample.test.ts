/** Issue 11 §2: merges go through the workflow; exports neutralise formula cells; the previewed mock sample is the created one. */
import { randomUUID } from 'node:crypto'
import { pointOnFeature } from '@turf/turf'
import ExcelJS from 'exceljs'
import Papa from 'papaparse'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { monthOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>

describe.each(testDatabases())('merge, exports and mock sample on %s', (db) => {
  let app: RunningApp
  let leader: Client, rfb: Client
  let leaderCookie = ''
  let at: { lng: number; lat: number }
  let farAt: { lng: number; lat: number }
  let cat: string, otherCat: string
  beforeAll(async () => {
    app = await startApp({ db })
    ;[leader, rfb] = await Promise.all([loggedIn(app.url, 'leader'), loggedIn(app.url, 'rfb')])
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'leader', password: 'leader123' }) })
    leaderCookie = res.headers.getSetCookie()[0]!.split(';')[0]!
    const fc = await leader.grid.list.query({ level: 'community', month: monthOf(new Date()) })
    const [grid, second] = fc.features.filter((f) => f.properties.holderDepartment === '市人防办')
    const [lng, lat] = pointOnFeature(grid!).geometry.coordinates as [number, number]
    at = { lng, lat }
    // another grid of the same department: far more than PROBLEM_DUPLICATE_M away
    const [lng2, lat2] = pointOnFeature(second!).geometry.coordinates as [number, number]
    farAt = { lng: lng2, lat: lat2 }
    const cats = await rfb.problem.categories.query()
    ;[cat, otherCat] = [cats[0]!.code, cats[1]!.code]
  })
  afterAll(async () => { await app?.stop() })

  const report = (c: Client, description: string, over: { lng?: number; lat?: number; categoryCode?: string } = {}) =>
    c.problem.create.mutate({ lng: at.lng, lat: at.lat, categoryCode: cat, description, ...over })

  describe('merging duplicates', () => {
    it('a department cannot merge to void: its merge is a request the leadership confirms', async () => {
      const a = await report(rfb, `重复 A ${randomUUID().slice(0, 6)}`)
      const b = await report(rfb, `重复 B ${randomUUID().slice(0, 6)}`, { lng: at.lng + 0.0001 })
      const r = await rfb.problem.merge.mutate({ id: a.id, intoId: b.id, version: a.version })
      expect(r).toMatchObject({ requested: true, mergedIntoId: null, mergeRequestIntoId: b.id })
      const after = await leader.problem.byId.query({ id: a.id })
      expect(after).toMatchObject({ status: 'reported', mergedIntoId: null, mergeRequestIntoId: b.id })
      expect(after.events.at(-1)).toMatchObject({ action: 'requestMerge', targetProblemId: b.id })
      expect(await errorOf(rfb.problem.unmerge.mutate({ id: a.id }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
      // the leadership confirms
      await leader.problem.merge.mutate({ id: a.id, intoId: b.id })
      expect(await leader.problem.byId.query({ id: a.id })).toMatchObject({ status: 'voided', mergedIntoId: b.id, mergeRequestIntoId: null })
    })

    it('too far apart or a different category is refused, for departments and leaders alike', async () => {
      const a = await report(rfb, `远 A ${randomUUID().slice(0, 6)}`)
      const far = await report(rfb, `远 B ${randomUUID().slice(0, 6)}`, farAt)
      expect(far.departmentName).toBe('市人防办')
      const other = await report(rfb, `类 C ${randomUUID().slice(0, 6)}`, { categoryCode: otherCat })
      for (const c of [rfb, leader]) {
        expect(await errorOf(c.problem.merge.mutate({ id: a.id, intoId: far.id }))).toMatchObject({ appCode: 'MERGE_TOO_FAR' })
        expect(await errorOf(c.problem.merge.mutate({ id: a.id, intoId: other.id }))).toMatchObject({ appCode: 'MERGE_CATEGORY' })
      }
      expect(await leader.problem.byId.query({ id: a.id })).toMatchObject({ status: 'reported', mergedIntoId: null, mergeRequestIntoId: null })
    })

    it('a leader merges, then unmerges: the previous status comes back, both recorded as events', async () => {
      const a = await report(rfb, `撤销 A ${randomUUID().slice(0, 6)}`)
      const b = await report(rfb, `撤销 B ${randomUUID().slice(0, 6)}`)
      const registered = await leader.problem.transition.mutate({ id: a.id, version: a.version, action: 'register' })
      expect(registered.status).toBe('registered')
      const m = await leader.problem.merge.mutate({ id: a.id, intoId: b.id, version: registered.version })
      expect(m).toMatchObject({ mergedIntoId: b.id, requested: false })
      expect(await leader.problem.byId.query({ id: a.id })).toMatchObject({ status: 'voided', mergedIntoId: b.id, canUnmerge: true })
      const u = await leader.problem.unmerge.mutate({ id: a.id })
      expect(u).toMatchObject({ status: 'registered', mergedIntoId: null })
      const back = await leader.problem.byId.query({ id: a.id })
      expect(back).toMatchObject({ status: 'registered', mergedIntoId: null })
      expect(back.events.map((e) => e.action).slice(-2)).toEqual(['merge', 'unmerge'])
      expect(back.events.at(-1)).toMatchObject({ fromStatus: 'voided', toStatus: 'registered', targetProblemId: b.id })
      expect((await leader.problem.byId.query({ id: b.id })).events.map((e) => e.action)).toEqual(expect.arrayContaining(['mergedFrom', 'unmergedFrom']))
      expect(await errorOf(leader.problem.unmerge.mutate({ id: a.id }))).toMatchObject({ appCode: 'ILLEGAL_TRANSITION' })
    })
  })

  it('exports neutralise a description beginning with = in CSV and XLSX', async () => {
    const formula = '=HYPERLINK("http://x","y")'
    const p = await report(rfb, formula)
    const csv = await fetch(`${app.url}/api/problems/export?format=csv`, { headers: { cookie: leaderCookie } })
    expect(csv.status).toBe(200)
    const rows = Papa.parse<string[]>((await csv.text()).replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data
    const row = rows.find((r) => r[0] === String(p.id))!
    expect(row[3]).toBe(`'${formula}`)
    expect(rows.flat().filter((c) => /^[=+@\t\r]/.test(c))).toEqual([])
    const x = await fetch(`${app.url}/api/problems/export?format=xlsx`, { headers: { cookie: leaderCookie } })
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await x.arrayBuffer())
    const cells: unknown[] = []
    wb.worksheets[0]!.eachRow((r) => { r.eachCell((c) => { cells.push(c.value) }) })
    expect(cells).toContain(`'${formula}`)
    expect(cells.filter((c) => typeof c === 'string' && /^[=+@\t\r]/.test(c))).toEqual([])
    expect(cells.some((c) => typeof c === 'object' && c !== null && 'formula' in c)).toBe(false)
  })

  it('the mock evaluation creates exactly the previewed sample (same site ids, same order), shown with its seed on the sheets', async () => {
    const params = { name: '预览即所得', by: 'type' as const, types: [], streetIds: [], perStratum: 2 }
    const preview = await leader.mock.draw.mutate({ ...params, preview: true })
    expect(preview.id).toBeNull()
    const siteIds = preview.sites.map((s) => s.siteId)
    expect(siteIds.length).toBeGreaterThan(2)
    const created = await leader.mock.draw.mutate({ ...params, seed: preview.seed, previewSiteIds: siteIds })
    expect(created.seed).toBe(preview.seed)
    expect(created.sites.map((s) => s.siteId)).toEqual(siteIds)
    const sheets = await leader.mock.sheets.query({ id: created.id! })
    expect(sheets.seed).toBe(preview.seed)
    expect(sheets.sites.map((s) => s.siteId)).toEqual(siteIds)
    // a sample that is not the previewed one is refused
    expect(await errorOf(leader.mock.draw.mutate({ ...params, seed: preview.seed, previewSiteIds: [...siteIds].reverse() })))
      .toMatchObject({ code: 'CONFLICT', appCode: 'SAMPLE_CHANGED' })
  })
})
