/**
 * The bad-input corpus (tests/fixtures/bad-input/corpus.ts) against the real procedures and the
 * photo and import endpoints over HTTP: every case gets a clear error with a stable code, the
 * server keeps serving (a health call after each batch), and nothing partial is written.
 */
import http from 'node:http'
import ExcelJS from 'exceljs'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowed, PERMISSIONS, PUBLIC, ROLES, type Role } from '../../server/api/permissions.ts'
import { MAX_VERTICES, validateGridGeometry } from '../../server/domain/geometry/validate.ts'
import { badGeometries, BAD_COORDINATES, HOSTILE_STRINGS, MALFORMED_BODIES, variantsFor, type BadCall } from '../fixtures/bad-input/corpus.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { callProcedure, listProcedures, sampleInput, sessionCookieFor, UNKNOWN_ID, type CallResult, type Hints, type Proc } from '../support/procedures.ts'

const LOGIN_OF: Record<Role, string> = { admin: 'admin', leader: 'leader', department: 'rfb', planner: 'planner' }
/** HTTP statuses that are a clear refusal of a malformed request. */
const CLEAR_STATUSES = new Set([400, 404, 409, 413, 414, 415, 422, 431])

describe('invalid grid boundaries (validateGridGeometry)', () => {
  it.each(badGeometries().map((g) => [g.name, g] as const))('%s', (_name, g) => {
    const issues = validateGridGeometry(g.geometry)
    expect(issues.length).toBeGreaterThan(0)
    expect(issues.map((i) => i.code)).toContain(g.code)
    for (const i of issues) expect(i.message.length).toBeGreaterThan(0)
  })
  it('stops at the vertex limit instead of walking a million-vertex ring', () => {
    const g = badGeometries().find((x) => x.code === 'TOO_MANY_VERTICES')!
    expect((g.geometry as GeoJSON.Polygon).coordinates[0]!.length).toBeGreaterThan(MAX_VERTICES)
    expect(validateGridGeometry(g.geometry)).toEqual([{ code: 'TOO_MANY_VERTICES', message: expect.any(String) }])
  })
})

describe.each(testDatabases())('bad input over HTTP on %s', (db) => {
  let app: RunningApp
  let hints: Hints
  const cookies = new Map<Role, string>()
  const procs = listProcedures()
  let corpusSize = 0

  // Big bodies are written before the server starts: stringifying them takes seconds, and the server
  // runs in this process — a keep-alive connection left idle that long is closed by the server's
  // timeout just as the client reuses it (a reset no separate client would see).
  let boundaryBodies: { g: ReturnType<typeof badGeometries>[number]; body: string | Buffer }[]
  let big: Buffer

  beforeAll(async () => {
    boundaryBodies = badGeometries().map((g) => {
      const draft = { grids: [{ key: 'bad', id: null, code: '610302999001', name: '坏边界', level: 'community', parentKey: null, geometry: g.geometry }], retire: [] }
      // JSON has no NaN/Infinity (stringify writes null): those go as raw text, which must be refused as unparseable
      let body = JSON.stringify({ draft })
      if (g.name.startsWith('NaN')) body = body.replace('[null,34]', '[NaN,34]')
      if (g.name.startsWith('Infinity')) body = body.replace('[null,34]', '[Infinity,34]')
      // a big body goes as bytes: encoding a 39 MB string inside fetch would hold this process (client and server) for seconds
      return { g, body: body.length > 1_000_000 ? Buffer.from(body) : body }
    })
    big = Buffer.from(JSON.stringify({ draft: { grids: [{ key: 'new:1', id: null, code: '610302999001', name: '大', level: 'community', parentKey: null, geometry: { type: 'Polygon', coordinates: [Array.from({ length: 1_000_000 }, (_, i) => [108.9 + (i % 1000) * 1e-6, 34.2 + Math.floor(i / 1000) * 1e-6])] } }], retire: [] } }))
    app = await startApp({ db })
    for (const role of ROLES) cookies.set(role, await sessionCookieFor(app.url, LOGIN_OF[role]))
    const fc = await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, cookies.get('leader'))
    const f = (fc.data as { features: GeoJSON.Feature<GeoJSON.Polygon>[] }).features[0]!
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    hints = { lng, lat, now: new Date() }
  })
  afterAll(async () => { await app?.stop() })

  /** A session allowed to call the procedure (so the input, not the role, is what is judged). */
  const cookieFor = (path: string): string | undefined => {
    if (PERMISSIONS[path] === PUBLIC) return cookies.get('leader')
    const role = (['admin', 'leader', 'planner', 'department'] as const).find((r) => allowed(path, r))
    return role ? cookies.get(role) : undefined
  }
  const counts = async () => ({
    problem: await app.db.problem.count(), problemEvent: await app.db.problemEvent.count(), inspection: await app.db.inspection.count(),
    gridHolder: await app.db.gridHolder.count(), department: await app.db.department.count(), user: await app.db.user.count(),
    auditLog: await app.db.auditLog.count(), photo: await app.db.photo.count(), importBatch: await app.db.importBatch.count(),
    grid: await app.db.grid.count(), meeting: await app.db.meeting.count(), extension: await app.db.deadlineExtension.count(),
  })
  const healthy = async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200)
    expect((await callProcedure(app.url, { path: 'meta.config', type: 'query' }, undefined)).ok).toBe(true)
    expect((await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'street' }, cookies.get('leader'))).ok).toBe(true)
  }
  const judge = (what: string, r: CallResult, failures: string[]) => {
    corpusSize++
    if (r.ok) failures.push(`${what}: accepted`)
    else if (!CLEAR_STATUSES.has(r.status)) failures.push(`${what}: HTTP ${r.status} ${r.error?.appCode} ${r.error?.message}`)
    else if (r.status !== 413 && r.status !== 431 && !/^[A-Z][A-Z0-9_]+$/.test(r.error?.appCode ?? '')) failures.push(`${what}: no stable appCode (${r.status} ${r.error?.message})`)
  }
  const runBatch = async (calls: BadCall[]) => {
    const before = await counts()
    const failures: string[] = []
    for (const c of calls) {
      const r = await callProcedure(app.url, c, c.input, cookieFor(c.path), c.rawBody !== undefined ? { rawBody: c.rawBody } : {})
      judge(c.name, r, failures)
    }
    expect(failures).toEqual([])
    expect(await counts()).toEqual(before)
    await healthy()
  }

  it('every procedure refuses wrong types, missing fields, huge values and out-of-range numbers', async () => {
    const calls = procs.flatMap((p: Proc) => {
      const valid = sampleInput(p, hints)?.input
      return valid === undefined ? [] : variantsFor(p, valid).filter((c) => c.type === 'query' || c.type === 'mutation')
    })
    expect(calls.length).toBeGreaterThan(150)
    await runBatch(calls)
  })

  it('malformed JSON bodies (NaN, Infinity, truncation, garbage) get MALFORMED_JSON', async () => {
    const paths = ['problem.create', 'inspection.record', 'auth.login', 'department.update', 'holder.assign']
    const nan = await callProcedure(app.url, { path: 'problem.create', type: 'mutation' }, undefined, cookies.get('leader'), { rawBody: '{"lng": NaN, "lat": 34}' })
    expect(nan).toMatchObject({ status: 400, error: { code: 'BAD_REQUEST', appCode: 'MALFORMED_JSON' } })
    await runBatch(paths.flatMap((path) => MALFORMED_BODIES.map((b) => ({ name: `${path} ← ${JSON.stringify(b.slice(0, 30))}`, path, type: 'mutation' as const, rawBody: b }))))
  })

  it('coordinates out of range or not finite are refused on write and on lookup', async () => {
    const body = (c: (typeof BAD_COORDINATES)[number]) => `{"lng": ${c.rawLng}, "lat": ${c.rawLat}, "categoryCode": "LJ01", "description": "坐标测试"}`
    await runBatch([
      ...BAD_COORDINATES.map((c) => ({ name: `problem.create ${c.name}`, path: 'problem.create', type: 'mutation' as const, rawBody: body(c) })),
      ...BAD_COORDINATES.map((c) => ({ name: `inspection.record ${c.name}`, path: 'inspection.record', type: 'mutation' as const, rawBody: `{"gridId": 1, "date": "${new Date().toISOString()}", "inspector": "张三", "findings": "x", "lng": ${c.rawLng}, "lat": ${c.rawLat}}` })),
    ])
    const failures: string[] = []
    for (const c of BAD_COORDINATES) {
      const res = await fetch(`${app.url}/trpc/grid.locate?input=${encodeURIComponent(`{"lng":${c.rawLng},"lat":${c.rawLat}}`)}`, { headers: { cookie: cookies.get('leader')! } })
      const j = (await res.json()) as { error?: { data?: { appCode?: string } } }
      corpusSize++
      if (res.status !== 400 || !j.error?.data?.appCode) failures.push(`grid.locate ${c.name}: ${res.status}`)
    }
    expect(failures).toEqual([])
  })

  it('unknown ids get NOT_FOUND-style codes and change nothing', async () => {
    const u = UNKNOWN_ID
    const now = new Date().toISOString()
    const calls: BadCall[] = [
      { name: 'grid.byId', path: 'grid.byId', type: 'query', input: { id: u } },
      { name: 'problem.byId', path: 'problem.byId', type: 'query', input: { id: u } },
      { name: 'department.byId', path: 'department.byId', type: 'query', input: { id: u } },
      { name: 'holder.history', path: 'holder.history', type: 'query', input: { gridId: u } },
      { name: 'department.update', path: 'department.update', type: 'mutation', input: { id: u, version: 1, phone: '1' } },
      { name: 'user.update', path: 'user.update', type: 'mutation', input: { id: u, displayName: 'x' } },
      { name: 'holder.assign grid', path: 'holder.assign', type: 'mutation', input: { gridId: u, expectedHolderId: null, departmentId: 1, cadreName: 'a', cadreTitle: 'b', contactName: 'c', contactPhone: 'd', validFrom: now } },
      { name: 'problem.transition', path: 'problem.transition', type: 'mutation', input: { id: u, version: 1, action: 'register' } },
      { name: 'problem.merge', path: 'problem.merge', type: 'mutation', input: { id: u, intoId: u - 1 } },
      { name: 'inspection.record', path: 'inspection.record', type: 'mutation', input: { gridId: u, date: now, inspector: '张三', findings: 'x' } },
      { name: 'problem.create inspectionId', path: 'problem.create', type: 'mutation', input: { lng: hints.lng, lat: hints.lat, categoryCode: 'LJ01', description: 'x', inspectionId: u } },
      { name: 'problem.create category', path: 'problem.create', type: 'mutation', input: { lng: hints.lng, lat: hints.lat, categoryCode: "' OR 1=1 --", description: 'x' } },
    ].filter((c) => PERMISSIONS[c.path] !== undefined) as BadCall[]
    await runBatch(calls)
  })

  it('oversized bodies are refused with 413 and the server keeps serving', async () => {
    const before = await counts()
    const cookie = cookies.get('leader')!
    for (const size of [2 * 1024 * 1024 + 10, 8 * 1024 * 1024]) {
      const description = 'x'.repeat(size)
      const res = await fetch(`${app.url}/trpc/problem.create`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ lng: hints.lng, lat: hints.lat, categoryCode: 'LJ01', description }) })
      corpusSize++
      expect(res.status).toBe(413)
      await res.text()
    }
    const longUrl = await fetch(`${app.url}/trpc/grid.search?input=${encodeURIComponent(JSON.stringify({ q: 'x'.repeat(100_000) }))}`, { headers: { cookie } })
    corpusSize++
    expect([413, 414, 431]).toContain(longUrl.status)
    expect(await counts()).toEqual(before)
    await healthy()
  })

  it('SQL-looking and HTML/script strings are stored and returned verbatim, as JSON text', async () => {
    const leader = cookies.get('leader')!
    const before = await counts()
    for (const s of HOSTILE_STRINGS) {
      corpusSize++
      const created = await callProcedure(app.url, { path: 'problem.create', type: 'mutation' }, { lng: hints.lng, lat: hints.lat, categoryCode: 'LJ01', description: s }, leader)
      expect(created.ok, s).toBe(true)
      const id = (created.data as { id: number }).id
      const res = await fetch(`${app.url}/trpc/problem.byId?input=${encodeURIComponent(JSON.stringify({ id }))}`, { headers: { cookie: leader } })
      expect(res.headers.get('content-type')).toMatch(/^application\/json/)
      const body = (await res.json()) as { result: { data: { description: string } } }
      expect(body.result.data.description).toBe(s.trim())
      expect((await app.db.problem.findUnique({ where: { id } }))!.description).toBe(s.trim())
      // searching and filtering with them finds nothing and breaks nothing
      const search = await callProcedure(app.url, { path: 'grid.search', type: 'query' }, { q: s.slice(0, 50) }, leader)
      expect(search.ok, s).toBe(true)
      const list = await callProcedure(app.url, { path: 'problem.list', type: 'query' }, { categoryCode: s.slice(0, 20) }, leader)
      expect(list.ok && (list.data as { items: unknown[] }).items, s).toEqual([])
    }
    const admin = cookies.get('admin')!
    const dep = await callProcedure(app.url, { path: 'department.create', type: 'mutation' }, { name: HOSTILE_STRINGS[6]!, shortName: HOSTILE_STRINGS[0]!.slice(0, 30), contactPerson: HOSTILE_STRINGS[7]!.slice(0, 50), phone: "'--" }, admin)
    expect(dep.data).toMatchObject({ name: HOSTILE_STRINGS[6], shortName: HOSTILE_STRINGS[0]!.slice(0, 30) })
    const after = await counts()
    expect(after.problem).toBe(before.problem + HOSTILE_STRINGS.length)
    expect(after.user).toBe(before.user)
    expect(after.grid).toBe(before.grid)
    await healthy()
  })

  it('the photo endpoint refuses empty, huge, mislabelled and non-image uploads', async () => {
    const cookie = cookies.get('rfb' as Role) ?? cookies.get('department')!
    const png = Buffer.from('89504E470D0A1A0A0000000D49484452000000010000000108060000001F15C4890000000D4944415478DA63F8FFFF3F0005FE02FEA7D6A4E80000000049454E44AE426082', 'hex')
    const cases: { name: string; body: Uint8Array; type: string }[] = [
      { name: 'empty', body: new Uint8Array(0), type: 'image/jpeg' },
      { name: 'text labelled jpeg', body: Buffer.from('hello, not an image'), type: 'image/jpeg' },
      { name: 'html labelled png', body: Buffer.from('<html><script>alert(1)</script></html>'), type: 'image/png' },
      { name: 'svg with script', body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), type: 'image/svg+xml' },
      { name: 'png labelled jpeg', body: png, type: 'image/jpeg' },
      { name: 'windows executable labelled jpeg', body: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]), type: 'image/jpeg' },
      { name: 'gif', body: Buffer.from('GIF89a' + '\0'.repeat(50)), type: 'image/gif' },
      { name: 'truncated jpeg header', body: Buffer.from([0xff]), type: 'image/jpeg' },
      { name: 'huge (6 MB)', body: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(6 * 1024 * 1024)]), type: 'image/jpeg' },
      { name: 'huge (30 MB)', body: Buffer.alloc(30 * 1024 * 1024), type: 'image/png' },
    ]
    const before = await counts()
    const failures: string[] = []
    for (const c of cases) {
      const res = await fetch(`${app.url}/api/photos`, { method: 'POST', headers: { cookie, 'content-type': c.type }, body: c.body as unknown as BodyInit })
      corpusSize++
      const j = (await res.json().catch(() => ({}))) as { error?: { appCode?: string } }
      if (!CLEAR_STATUSES.has(res.status) || !/^[A-Z_]+$/.test(j.error?.appCode ?? '')) failures.push(`${c.name}: ${res.status} ${JSON.stringify(j).slice(0, 100)}`)
    }
    expect(failures).toEqual([])
    expect(await counts()).toEqual(before)
    await healthy()
  })

  it('the import endpoint refuses broken spreadsheets and writes nothing', async () => {
    const cookie = cookies.get('leader')!
    const xlsx = async (build: (wb: ExcelJS.Workbook) => void) => { const wb = new ExcelJS.Workbook(); build(wb); return Buffer.from(await wb.xlsx.writeBuffer()) }
    const header = ['经度', '纬度', '类别', '描述']
    const files: { name: string; body: Buffer }[] = [
      { name: 'empty file', body: Buffer.alloc(0) },
      { name: 'empty sheet', body: await xlsx((wb) => { wb.addWorksheet('空') }) },
      { name: 'no sheets', body: await xlsx(() => {}) },
      { name: 'header only', body: await xlsx((wb) => { wb.addWorksheet('s').addRow(header) }) },
      { name: 'merged cells across columns', body: await xlsx((wb) => { const ws = wb.addWorksheet('s'); ws.addRow(header); ws.addRow([hints.lng, hints.lat, 'LJ01', '合并']); ws.mergeCells('B2:D2') }) },
      { name: 'merged header cells', body: await xlsx((wb) => { const ws = wb.addWorksheet('s'); ws.addRow(['经度', '', '', '']); ws.addRow([hints.lng, hints.lat, 'LJ01', '合并']); ws.mergeCells('A1:D1') }) },
      { name: 'formulas in coordinates', body: await xlsx((wb) => { const ws = wb.addWorksheet('s'); ws.addRow(header); ws.addRow([{ formula: '1/0' }, { formula: 'A2+1' }, 'LJ01', '公式']); ws.addRow([{ formula: 'HYPERLINK("http://evil.example","x")' }, hints.lat, 'LJ01', '=cmd|\' /C calc\'!A0']) }) },
      { name: 'truncated xlsx (zip header only)', body: Buffer.from('504B0304140000000800', 'hex') },
      { name: 'a PNG called a spreadsheet', body: Buffer.from('89504E470D0A1A0A0000000D49484452', 'hex') },
      { name: 'CSV in UTF-16 without BOM', body: Buffer.from('经度,纬度,类别,描述\n107.1,34.3,LJ01,乱码\n', 'utf16le') },
      { name: 'CSV in GBK-like bytes (invalid UTF-8)', body: Buffer.from([0xbe, 0xad, 0xb6, 0xc8, 0x2c, 0xce, 0xb3, 0xb6, 0xc8, 0x0a, 0xc0, 0xac, 0xbb, 0xf8, 0x0a]) },
      { name: 'CSV of garbage bytes', body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256)) },
      { name: 'CSV with NaN and out-of-range coordinates', body: Buffer.from(`经度,纬度,类别,描述\nNaN,34.3,LJ01,a\n181,34.3,LJ01,b\n107.1,-95,LJ01,c\nInfinity,1e999,LJ01,d\n`) },
      { name: 'CSV with unknown category and empty description', body: Buffer.from(`经度,纬度,类别,描述\n${hints.lng},${hints.lat},NOPE,x\n${hints.lng},${hints.lat},LJ01,\n`) },
    ]
    const before = await counts()
    const failures: string[] = []
    for (const f of files) {
      const res = await fetch(`${app.url}/api/import/problems?mode=commit&coords=wgs84&commitMode=all-or-nothing&fileName=${encodeURIComponent(f.name + '.xlsx')}`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream' }, body: f.body as unknown as BodyInit })
      corpusSize++
      const text = await res.text()
      let j: { committed?: boolean; summary?: { total: number }; error?: { appCode?: string } } = {}
      try { j = JSON.parse(text) } catch { failures.push(`${f.name}: not JSON (${res.status})`); continue }
      if (res.status >= 500) failures.push(`${f.name}: HTTP ${res.status} ${text.slice(0, 120)}`)
      else if (res.status >= 400 && !/^[A-Z_]+$/.test(j.error?.appCode ?? '')) failures.push(`${f.name}: no appCode (${res.status})`)
      // an empty data sheet may be answered with an empty batch (nothing imported), anything else must not commit
      else if (res.status < 300 && j.committed !== false && !(f.name === 'header only' && j.summary?.total === 0)) failures.push(`${f.name}: committed ${text.slice(0, 200)}`)
    }
    expect(failures).toEqual([])
    // an empty import may leave its (empty) batch record and audit row; no problem rows
    expect({ ...(await counts()), importBatch: 0, auditLog: 0 }).toEqual({ ...before, importBatch: 0, auditLog: 0 })
    await healthy()
  })

  it('invalid boundaries sent to the boundary editor get GEOMETRY_INVALID (with the issue code) or BAD_INPUT', async () => {
    expect(PERMISSIONS['boundary.preview']).toBeDefined()
    const before = await counts()
    const failures: string[] = []
    for (const { g, body } of boundaryBodies) {
      const r = await callProcedure(app.url, { path: 'boundary.preview', type: 'mutation' }, undefined, cookieFor('boundary.preview'), { rawBody: body }).catch((e: unknown) => { throw new Error(`${g.name}: ${String(e)} ${String((e as { cause?: unknown }).cause)}`) })
      corpusSize++
      if (r.ok) { failures.push(`${g.name}: accepted`); continue }
      if (![400, 413].includes(r.status)) failures.push(`${g.name}: HTTP ${r.status} ${r.error?.appCode}`)
      else if (r.status === 400 && !['GEOMETRY_INVALID', 'BAD_INPUT', 'MALFORMED_JSON'].includes(r.error!.appCode)) failures.push(`${g.name}: ${r.error!.appCode}`)
      else if (r.error!.appCode === 'GEOMETRY_INVALID' && !r.error!.message.includes(g.code)) failures.push(`${g.name}: expected ${g.code} in "${r.error!.message}"`)
    }
    expect(failures).toEqual([])
    expect(await counts()).toEqual(before)
    await healthy()
  })

  it('a ~30 MB body over the limit is answered 413 PAYLOAD_TOO_LARGE (JSON), not a reset connection — 5 times', async () => {
    // the body is read and discarded before the answer, so a client still sending reads the 413.
    // Each on its own connection (agent: false): the server runs in this process, and on a loaded
    // machine a stall longer than its keep-alive timeout would close a reused idle connection just as
    // the next request starts — a reset that says nothing about the body limit.
    expect(big.length).toBeGreaterThan(25 * 1024 * 1024)
    const send = () => new Promise<string>((resolve) => {
      const req = http.request(`${app.url}/trpc/boundary.preview`, { method: 'POST', agent: false, headers: { cookie: cookieFor('boundary.preview')!, 'content-type': 'application/json', 'content-length': big.length } }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          try { resolve(`${res.statusCode} ${(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { data?: { appCode?: string } } }).error?.data?.appCode}`) } catch { resolve(`${res.statusCode} not JSON`) }
        })
        res.on('error', (e: NodeJS.ErrnoException) => resolve(`failed: ${e.code ?? String(e)}`))
      })
      req.on('error', (e: NodeJS.ErrnoException) => resolve(`failed: ${e.code ?? String(e)}`))
      req.end(big)
    })
    const answers: string[] = []
    for (let i = 0; i < 5; i++) answers.push(await send())
    expect(answers).toEqual(Array(5).fill('413 PAYLOAD_TOO_LARGE'))
    await healthy()
  }, 120_000)

  it('ran at least 200 malformed inputs', () => {
    expect(corpusSize).toBeGreaterThanOrEqual(200)
  })
})
