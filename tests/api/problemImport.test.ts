/**
 * Importing a messy spreadsheet of problems over HTTP: bad coordinates, wrong types, empty rows,
 * unknown categories, duplicates, and GCJ-02 points whose WGS84 position lies in another grid than
 * the raw numbers. Nothing good is lost; every bad row is reported by number; re-import does not duplicate.
 */
import { createHash } from 'node:crypto'
import { bbox, booleanPointInPolygon } from '@turf/turf'
import ExcelJS from 'exceljs'
import gcoord from 'gcoord'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loggedIn } from '../support/apiClient.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { IMPORT_MAX_BYTES } from '../../server/services/problemImport.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>
type Features = Awaited<ReturnType<Client['grid']['list']['query']>>['features']


function gridAt(features: Features, lng: number, lat: number): number | null {
  for (const f of features) if (booleanPointInPolygon([lng, lat], f)) return f.properties.id
  return null
}

/** A WGS84 point inside grid A whose GCJ-02 numbers, read as WGS84, fall in another grid B. */
function shiftingPoint(features: Features) {
  const [x0, y0, x1, y1] = bbox({ type: 'FeatureCollection', features })
  for (let x = x0; x < x1; x += 0.0013) {
    for (let y = y0; y < y1; y += 0.0013) {
      const a = gridAt(features, x, y)
      if (a === null) continue
      const [gx, gy] = gcoord.transform([x, y], gcoord.WGS84, gcoord.GCJ02) as [number, number]
      const b = gridAt(features, gx, gy)
      if (b !== null && b !== a) return { wgs: [x, y] as const, gcj: [gx, gy] as const, a, b }
    }
  }
  throw new Error('no shifting point found')
}

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook()
  const ws = wb.addWorksheet('测评问题')
  for (const r of rows) ws.addRow(r)
  return Buffer.from(await wb.xlsx.writeBuffer())
}

describe.each(testDatabases())('problem import on %s', (db) => {
  let app: RunningApp
  let leader: Client
  let leaderCookie: string, rfbCookie: string
  let features: Features
  beforeAll(async () => {
    app = await startApp({ db })
    leader = await loggedIn(app.url, 'leader')
    leaderCookie = await sessionCookieFor(app.url, 'leader')
    rfbCookie = await sessionCookieFor(app.url, 'rfb')
    features = (await leader.grid.list.query({ level: 'community' })).features
  })
  afterAll(async () => { await app?.stop() })

  const post = (body: Uint8Array, query: string, cookie = leaderCookie, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/import/problems?${query}`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream', ...headers }, body: body as unknown as BodyInit })

  it('previews and commits a messy GCJ-02 spreadsheet: all good rows kept, each bad row reported', async () => {
    const s = shiftingPoint(features)
    const other = features.find((f) => f.properties.id !== s.a && f.properties.holderDepartment)!
    const [ox, oy] = (() => { // a point well inside another grid, as GCJ-02 numbers
      for (let k = 0; k < 200; k++) {
        const b = bbox(other)
        const x = b[0] + ((b[2] - b[0]) * (k % 14 + 0.5)) / 14, y = b[1] + ((b[3] - b[1]) * (Math.floor(k / 14) + 0.5)) / 14
        if (booleanPointInPolygon([x, y], other)) return gcoord.transform([x, y], gcoord.WGS84, gcoord.GCJ02) as [number, number]
      }
      throw new Error('no point in grid')
    })()
    const rows: unknown[][] = [
      ['编号', '经度', '纬度', '问题类别', '问题描述', '地址'],
      ['T-1', s.gcj[0], s.gcj[1], 'LJ01', '暴露垃圾（偏移点）', '某路口'], // 2 ok: lands in A after conversion
      ['T-2', String(ox), ` ${oy} `, '乱堆乱放', '楼道乱堆', ''], // 3 ok: numbers as text, category by name
      [], // 4 empty
      ['T-4', 'abc', 34.3, 'LJ01', '坐标错误', ''], // 5 bad coordinates
      ['T-5', 107.2, null, 'LJ01', '缺纬度', ''], // 6 missing coordinates
      ['T-6', ox, oy, 'ZZ99', '未知类别', ''], // 7 unknown category
      ['T-7', 100.1, 20.2, 'LJ01', '城外', ''], // 8 outside every grid
      ['T-8', 107.2, 95, 'LJ01', '纬度越界', ''], // 9 bad coordinates
      ['', ox + 0.0001, oy, 'JT01', '无编号的行', ''], // 10 ok: content hash
      ['T-1', s.gcj[0], s.gcj[1], 'LJ01', '重复行', ''], // 11 duplicate id in the file
      ['T-11', ox, oy, 'LJ01', '', ''], // 12 missing description
      ['T-12', new Date('2026-01-01T00:00:00Z'), oy, 'LJ01', '坐标是日期', ''], // 13 wrong type
      ['', '', '', '', '', ''], // 14 empty
    ]
    const file = await xlsx(rows)
    const before = (await leader.problem.list.query({ limit: 1 })).total

    const pres = await post(file, 'mode=preview&coords=gcj02&fileName=messy.xlsx')
    expect(pres.status).toBe(200)
    const preview = await pres.json() as { summary: Record<string, number>; mapping: Record<string, number>; rows: { row: number; ok: boolean; reason?: string; target?: { gridId: number; departmentName: string | null } }[] }
    expect(preview.mapping).toMatchObject({ externalId: 0, lng: 1, lat: 2, category: 3, description: 4, address: 5 })
    const byRow = new Map(preview.rows.map((r) => [r.row, r]))
    expect([...byRow.keys()]).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14])
    expect(preview.rows.filter((r) => r.ok).map((r) => r.row)).toEqual([2, 3, 10])
    expect(Object.fromEntries(preview.rows.filter((r) => !r.ok).map((r) => [r.row, r.reason]))).toEqual({
      4: 'EMPTY_ROW', 5: 'BAD_COORDINATES', 6: 'MISSING_COORDINATES', 7: 'UNKNOWN_CATEGORY', 8: 'OUTSIDE_GRIDS', 9: 'BAD_COORDINATES',
      11: 'DUPLICATE_IN_FILE', 12: 'MISSING_DESCRIPTION', 13: 'BAD_COORDINATES', 14: 'EMPTY_ROW',
    })
    // the GCJ-02 row goes to the grid of its WGS84 position, not to the grid its raw numbers fall in
    expect(byRow.get(2)!.target!.gridId).toBe(s.a)
    expect(byRow.get(2)!.target!.gridId).not.toBe(s.b)
    expect(byRow.get(3)!.target!.gridId).toBe(other.properties.id)
    expect(preview.summary).toEqual({ total: 13, ok: 3, skipped: 3, failed: 7, warnings: 0 })
    expect((await leader.problem.list.query({ limit: 1 })).total).toBe(before) // preview writes nothing

    // all-or-nothing with bad rows: nothing is written
    const strict = await (await post(file, 'mode=commit&coords=gcj02&commitMode=all-or-nothing&fileName=messy.xlsx')).json() as { committed: boolean; batchId: number | null }
    expect(strict).toMatchObject({ committed: false, batchId: null })
    expect((await leader.problem.list.query({ limit: 1 })).total).toBe(before)

    // good rows: the three good rows become problems, in one batch
    const res = await (await post(file, 'mode=commit&coords=gcj02&commitMode=good-rows&fileName=messy.xlsx')).json() as { committed: boolean; batchId: number; summary: { imported: number }; rows: { row: number; ok: boolean; problemId?: number }[] }
    expect(res.committed).toBe(true)
    expect(res.summary.imported).toBe(3)
    const ids = res.rows.filter((r) => r.ok).map((r) => r.problemId!)
    expect(ids).toHaveLength(3)
    expect((await leader.problem.list.query({ limit: 1 })).total).toBe(before + 3)
    const p2 = await leader.problem.byId.query({ id: res.rows.find((r) => r.row === 2)!.problemId! })
    expect(p2).toMatchObject({ gridId: s.a, source: 'import', externalId: 'ext:编号:T-1', categoryCode: 'LJ01' })
    expect(p2.lng).toBeCloseTo(s.wgs[0], 5)
    expect(p2.lat).toBeCloseTo(s.wgs[1], 5)
    expect(p2.description).toContain('某路口')
    const batches = await leader.problem.imports.query()
    expect(batches[0]).toMatchObject({ id: res.batchId, fileName: 'messy.xlsx', imported: 3, failed: 7, skipped: 3, mode: 'good-rows', coordSystem: 'gcj02' })

    // the import is one audited act: one row on the batch naming the file's hash, its rows and the
    // problems' id range; each imported problem's trail shows that row (who, when, which batch)
    const me = (await leader.auth.me.query())!
    const batchRows = (await leader.audit.list.query({ entity: 'ImportBatch', entityId: String(res.batchId) })).items
    expect(batchRows).toHaveLength(1)
    expect(batchRows[0]).toMatchObject({ action: 'problem.import', actorId: me.id })
    expect(batchRows[0]!.after).toEqual({
      fileName: 'messy.xlsx', fileHash: createHash('sha256').update(file).digest('hex'), mode: 'good-rows',
      total: 13, ok: 3, skipped: 3, failed: 7, warnings: 0, imported: 3, firstProblemId: ids[0], lastProblemId: ids[2],
    })
    expect([...ids].sort((x, y) => x - y)).toEqual(ids) // ascending in file order
    for (const id of ids) {
      const trail = (await leader.audit.list.query({ entity: 'Problem', entityId: String(id) })).items
      expect(trail.map((t) => ({ id: t.id, entity: t.entity, entityId: t.entityId }))).toEqual([{ id: batchRows[0]!.id, entity: 'ImportBatch', entityId: String(res.batchId) }])
      // and the problem's own history starts with its report by the importer, naming the batch
      const h = await leader.problem.byId.query({ id })
      expect(h.events.map((e) => ({ action: e.action, note: e.note.split('；')[0], actor: e.actorName }))).toEqual([{ action: 'report', note: `导入批次 #${res.batchId}`, actor: me.displayName }])
      expect(new Date(h.events[0]!.at).toISOString()).toBe(batchRows[0]!.at)
    }

    // re-import: nothing duplicated, the good rows are reported as already imported
    const again = await (await post(file, 'mode=commit&coords=gcj02&commitMode=good-rows&fileName=messy.xlsx')).json() as { summary: { imported: number; skipped: number }; rows: { row: number; reason?: string }[] }
    expect(again.summary.imported).toBe(0)
    expect(again.rows.filter((r) => r.reason === 'ALREADY_IMPORTED').map((r) => r.row)).toEqual([2, 3, 10])
    expect((await leader.problem.list.query({ limit: 1 })).total).toBe(before + 3)
  })

  it('reads CSV (UTF-8 with BOM) with English headers and an explicit mapping', async () => {
    const f = features.find((x) => x.properties.name === '均家滩社区')!
    const b = bbox(f)
    let pt: [number, number] | null = null
    for (let i = 1; i < 20 && !pt; i++) for (let j = 1; j < 20 && !pt; j++) {
      const x = b[0] + ((b[2] - b[0]) * i) / 20, y = b[1] + ((b[3] - b[1]) * j) / 20
      if (booleanPointInPolygon([x, y], f)) pt = [x, y]
    }
    const csv = `\uFEFFref,x_coord,y_coord,kind,text\nH-1,${pt![0]},${pt![1]},LJ02,垃圾桶破损\nH-2,,${pt![1]},LJ02,缺经度\n`
    const guess = await (await post(Buffer.from(csv), 'mode=preview&coords=wgs84')).json() as { headers: string[]; missing: string[]; rows: unknown[] }
    expect(guess).toMatchObject({ headers: ['ref', 'x_coord', 'y_coord', 'kind', 'text'], missing: ['lng', 'lat', 'category', 'description'], rows: [] })
    const refused = await (await post(Buffer.from(csv), 'mode=commit&coords=wgs84&commitMode=good-rows')).json() as { error?: { appCode: string } }
    expect(refused.error?.appCode).toBe('IMPORT_MAPPING')
    const mapping = encodeURIComponent(JSON.stringify({ externalId: 0, lng: 1, lat: 2, category: 3, description: 4 }))
    const res = await (await post(Buffer.from(csv), `mode=commit&coords=wgs84&commitMode=good-rows&mapping=${mapping}&fileName=hotline.csv`)).json() as { committed: boolean; rows: { row: number; ok: boolean; reason?: string; target?: { departmentName: string } }[] }
    expect(res.committed).toBe(true)
    expect(res.rows).toMatchObject([{ row: 2, ok: true, target: { departmentName: '市人防办' } }, { row: 3, ok: false, reason: 'MISSING_COORDINATES' }])
  })

  it('refuses departments, anonymous and cross-site uploads, and files over 200 MB', async () => {
    const tiny = Buffer.from('经度,纬度,类别,描述\n')
    expect((await post(tiny, 'mode=preview', rfbCookie)).status).toBe(403)
    expect((await post(tiny, 'mode=preview', '')).status).toBe(401)
    expect((await post(tiny, 'mode=preview', leaderCookie, { origin: 'http://evil.example' })).status).toBe(403)
    const big = await post(Buffer.alloc(IMPORT_MAX_BYTES + 1, 0x61), 'mode=preview')
    expect(big.status).toBe(413)
    expect(((await big.json()) as { error: { appCode: string } }).error.appCode).toBe('IMPORT_TOO_LARGE')
    expect((await post(tiny, 'mode=preview&coords=mars')).status).toBe(400)
  })

  it('exports the filtered list as CSV and XLSX', async () => {
    const csv = await fetch(`${app.url}/api/problems/export?format=csv&status=reported`, { headers: { cookie: leaderCookie } })
    expect(csv.status).toBe(200)
    const bytes = new Uint8Array(await csv.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]) // BOM: Excel opens it as UTF-8
    const lines = new TextDecoder().decode(bytes).trim().split('\n')
    expect(lines[0]).toMatch(/^编号,状态,类别/)
    const reported = await leader.problem.list.query({ status: 'reported', limit: 1 })
    expect(lines.length - 1).toBe(reported.total)
    expect(lines.slice(1).every((l) => l.split(',')[1] === '已上报')).toBe(true)
    const x = await fetch(`${app.url}/api/problems/export?format=xlsx&overdue=true`, { headers: { cookie: leaderCookie } })
    expect(x.headers.get('content-type')).toMatch(/spreadsheetml/)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await x.arrayBuffer())
    expect(wb.worksheets[0]!.rowCount - 1).toBe((await leader.problem.list.query({ overdue: true, limit: 1 })).total)
    const own = await (await fetch(`${app.url}/api/problems/export?format=csv`, { headers: { cookie: rfbCookie } })).text()
    expect(own.trim().split('\n').slice(1).every((l) => l.includes('市人防办'))).toBe(true)
    expect((await fetch(`${app.url}/api/problems/export?format=csv`)).status).toBe(401)
  })
})
