/**
 * The grid register (网格台账) over HTTP, on SQLite and (TEST_POSTGRES=1) PostgreSQL: preview with each
 * bad row by number, all-or-nothing and good-rows commits, new departments on request, idempotent
 * re-import, export → import round trip (xlsx, CSV, past and future days), admin only, and holder
 * periods that never overlap — also when two imports race. Fixtures: tests/fixtures/import/register/
 * (made by make-register.ts beside them; the row numbers below are the ones its comments give).
 */
import fs from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loggedIn } from '../support/apiClient.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const FIX = path.resolve('tests/fixtures/import/register')
const fixture = (name: string) => fs.readFileSync(path.join(FIX, name))
const HEADER = ['网格编码', '网格名称', '所属街道', '包抓部门', '责任人', '职务', '联系人', '联系电话', '生效日期', '失效日期']
const csv = (rows: string[][]) => Buffer.from('\uFEFF' + [HEADER, ...rows].map((r) => r.join(',')).join('\r\n') + '\r\n', 'utf8')
/** Beijing midnight of a day, written out (not computed by the code under test) */
const bj = (day: string) => new Date(`${day}T00:00:00+08:00`)

interface Row { row: number; ok: boolean; reason?: string; action?: string; detail?: string }
interface Answer { committed?: boolean; changed?: boolean; summary: { total: number; create: number; update: number; unchanged: number; failed: number }; rows: Row[]; unknownDepartments: string[]; createdDepartments?: string[]; missing: string[] }

describe.each(testDatabases())('grid register on %s', (db) => {
  let app: RunningApp
  let admin: string, leader: string, rfb: string
  beforeAll(async () => {
    app = await startApp({ db })
    admin = await sessionCookieFor(app.url, 'admin')
    leader = await sessionCookieFor(app.url, 'leader')
    rfb = await sessionCookieFor(app.url, 'rfb')
    // a second 均家滩社区 (in 金陵街道): a name alone is then ambiguous (errors.xlsx row 4)
    await app.db.grid.update({ where: { code: '610399003002' }, data: { name: '均家滩社区' } })
    await app.catalog.reload(app.db)
  }, 120_000)
  afterAll(async () => { await app?.stop() })

  const post = (body: Uint8Array, q: Record<string, string>, cookie = admin) =>
    fetch(`${app.url}/api/import/register?${new URLSearchParams({ fileName: 'register.xlsx', ...q })}`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream' }, body: body as unknown as BodyInit })
  const run = async (body: Uint8Array, q: Record<string, string>): Promise<Answer> => {
    const res = await post(body, q)
    const json = await res.json()
    expect(res.status, JSON.stringify(json).slice(0, 300)).toBe(200)
    return json as Answer
  }
  const exportFile = async (format: 'xlsx' | 'csv', date?: string) => {
    const res = await fetch(`${app.url}/api/register/export?format=${format}${date ? `&date=${date}` : ''}`, { headers: { cookie: admin } })
    expect(res.status).toBe(200)
    return Buffer.from(await res.arrayBuffer())
  }
  const periods = (code: string) => app.db.gridHolder.findMany({ where: { grid: { code } }, orderBy: { validFrom: 'asc' }, include: { department: { select: { name: true } } } })
  const spans = async (code: string) => (await periods(code)).map((h) => [h.department.name, h.validFrom.toISOString(), h.validTo?.toISOString() ?? null])
  const snapshot = async () => JSON.stringify(await app.db.gridHolder.findMany({ orderBy: { id: 'asc' } }))
  const audits = (action: string) => app.db.auditLog.count({ where: { action } })
  /** no grid has two periods that overlap (checked here without the server's code) */
  const assertNoOverlapAnywhere = async () => {
    const all = await app.db.gridHolder.findMany({ orderBy: [{ gridId: 'asc' }, { validFrom: 'asc' }] })
    for (let i = 1; i < all.length; i++) {
      const a = all[i - 1]!, b = all[i]!
      if (a.gridId !== b.gridId) continue
      expect(a.validTo, `grid ${a.gridId}: period ${a.id} is open but ${b.id} follows`).not.toBeNull()
      expect(a.validTo!.getTime(), `grid ${a.gridId}: periods ${a.id} and ${b.id} overlap`).toBeLessThanOrEqual(b.validFrom.getTime())
    }
  }

  it('is for admins only: a department user and a leader get 403, nobody signed in 401', async () => {
    for (const cookie of [rfb, leader]) {
      expect((await post(fixture('good.xlsx'), { mode: 'preview' }, cookie)).status).toBe(403)
      expect((await post(fixture('good.xlsx'), { mode: 'commit', commitMode: 'good-rows' }, cookie)).status).toBe(403)
      expect((await fetch(`${app.url}/api/register/export`, { headers: { cookie } })).status).toBe(403)
    }
    expect((await post(fixture('good.xlsx'), { mode: 'preview' }, '')).status).toBe(401)
    expect((await fetch(`${app.url}/api/register/export`)).status).toBe(401)
    const dept = await loggedIn(app.url, 'rfb')
    await expect(dept.holder.register.query({})).rejects.toThrow()
  })

  it('bad files and queries get clear errors and write nothing', async () => {
    const before = await snapshot()
    const noCols = Buffer.from('网格,部门\r\n东岭社区,市城管局\r\n', 'utf8')
    const p = await run(noCols, { mode: 'preview' })
    expect(p.missing).toEqual(['责任人', '职务', '联系电话', '生效日期'])
    expect(p.rows).toEqual([])
    const c = await post(noCols, { mode: 'commit', commitMode: 'all-or-nothing' })
    expect([c.status, ((await c.json()) as { error: { appCode: string } }).error.appCode]).toEqual([400, 'REGISTER_COLUMNS'])
    const empty = await post(new Uint8Array(0), { mode: 'preview' })
    expect([empty.status, ((await empty.json()) as { error: { appCode: string } }).error.appCode]).toEqual([400, 'IMPORT_EMPTY'])
    const broken = await post(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(64, 7)]), { mode: 'preview' })
    expect([broken.status, ((await broken.json()) as { error: { appCode: string } }).error.appCode]).toEqual([400, 'IMPORT_BAD_FILE'])
    expect((await post(noCols, { mode: 'delete' })).status).toBe(400)
    expect((await fetch(`${app.url}/api/register/export?date=2026-02-30`, { headers: { cookie: admin } })).status).toBe(400)
    expect(await snapshot()).toBe(before)
  })

  const ERRORS = [[2, 'create'], [3, 'UNKNOWN_GRID'], [4, 'AMBIGUOUS_GRID'], [5, 'UNKNOWN_DEPARTMENT'], [6, 'OVERLAP_EXISTING'], [7, 'create'], [8, 'OVERLAP_ROW'],
    [9, 'MISSING_FIELD'], [10, 'BAD_PHONE'], [11, 'BAD_DATE'], [12, 'create'], [13, 'GRID_MISMATCH']]
  const outcome = (a: Answer) => a.rows.map((r) => [r.row, r.ok ? r.action : r.reason])

  it('previews a register with errors: each bad row by number and reason, nothing written', async () => {
    const before = await snapshot()
    const p = await run(fixture('errors.xlsx'), { mode: 'preview' })
    expect(outcome(p)).toEqual(ERRORS)
    expect(p.summary).toEqual({ total: 12, create: 3, update: 0, unchanged: 0, failed: 9 })
    expect(p.unknownDepartments).toEqual(['市不存在局'])
    expect(p.rows.find((r) => r.row === 6)?.detail).toBe('市民政局 2025-01-01 起至 2026-03-01')
    expect(p.rows.find((r) => r.row === 8)?.detail).toBe('第 7 行')
    expect(p.rows.find((r) => r.row === 9)?.detail).toBe('责任人')
    expect(await snapshot()).toBe(before)
  })

  it('all-or-nothing commits nothing when a row is bad', async () => {
    const before = await snapshot()
    const auditsBefore = await app.db.auditLog.count()
    const r = await run(fixture('errors.xlsx'), { mode: 'commit', commitMode: 'all-or-nothing' })
    expect(r.committed).toBe(false)
    expect(r.changed).toBe(false)
    expect(outcome(r)).toEqual(ERRORS)
    expect(await snapshot()).toBe(before)
    expect(await app.db.auditLog.count()).toBe(auditsBefore)
  })

  it('good rows commits exactly the good ones, audited; the same file again changes nothing and says so', async () => {
    const untouched = await Promise.all(['610399003005', '610399003006', '610399003007', '610399002008'].map(spans))
    const r = await run(fixture('errors.xlsx'), { mode: 'commit', commitMode: 'good-rows' })
    expect(r.committed).toBe(true)
    expect(r.changed).toBe(true)
    expect(await spans('610399003001')).toEqual([[expect.any(String), bj('2025-01-01').toISOString(), bj('2027-01-01').toISOString()], ['市城管局', bj('2027-01-01').toISOString(), null]])
    expect((await spans('610399003003')).map((s) => s[0]).at(-1)).toBe('市城管局') // row 7, not row 8
    expect(await spans('610399003004')).toEqual([[expect.any(String), bj('2025-01-01').toISOString(), bj('2027-01-01').toISOString()], ['市水利局', bj('2027-01-01').toISOString(), null]])
    expect(await Promise.all(['610399003005', '610399003006', '610399003007', '610399002008'].map(spans))).toEqual(untouched)
    expect(await audits('holder.import')).toBe(6) // 3 new periods, 3 ended
    expect(await audits('register.import')).toBe(1)
    const again = await run(fixture('errors.xlsx'), { mode: 'commit', commitMode: 'good-rows' })
    expect(again.committed).toBe(true)
    expect(again.changed).toBe(false)
    expect(again.summary).toMatchObject({ create: 0, update: 0, unchanged: 3, failed: 9 })
    expect(await audits('holder.import')).toBe(6)
    expect(await audits('register.import')).toBe(1)
  })

  it('creates an unknown department when the admin asks for it', async () => {
    const r = await run(fixture('errors.xlsx'), { mode: 'commit', commitMode: 'good-rows', createDepartments: 'true' })
    expect(r.createdDepartments).toEqual(['市不存在局'])
    expect(r.rows.find((x) => x.row === 5)).toMatchObject({ ok: true, action: 'create' })
    expect((await spans('610399003006')).at(-1)).toEqual(['市不存在局', bj('2027-01-01').toISOString(), null])
    expect(await app.db.auditLog.count({ where: { action: 'department.create' } })).toBe(1)
  })

  it('imports a good register: handovers, a corrected phone, a history; re-import changes nothing', async () => {
    const p = await run(fixture('good.xlsx'), { mode: 'preview' })
    expect(outcome(p)).toEqual([[2, 'unchanged'], [3, 'create'], [4, 'create'], [5, 'update'], [6, 'create'], [7, 'create'], [8, 'create']])
    const r = await run(fixture('good.xlsx'), { mode: 'commit', commitMode: 'all-or-nothing' })
    expect([r.committed, r.changed]).toEqual([true, true])
    expect(await spans('610399002007')).toEqual([
      ['市市场监管局', bj('2025-01-01').toISOString(), bj('2027-01-01').toISOString()],
      ['市卫健委', bj('2027-01-01').toISOString(), bj('2027-07-01').toISOString()],
      ['市教育局', bj('2027-07-01').toISOString(), null],
    ])
    expect((await periods('610399002005')).map((h) => [h.contactPhone, h.validTo])).toEqual([['13912345678', null]])
    expect((await periods('610399002006')).at(-1)!.contactPhone).toBe('13700000002')
    const before = await snapshot()
    const again = await run(fixture('good.xlsx'), { mode: 'commit', commitMode: 'all-or-nothing' })
    expect([again.committed, again.changed]).toEqual([true, false])
    expect(again.summary).toEqual({ total: 7, create: 0, update: 0, unchanged: 7, failed: 0 })
    expect(await snapshot()).toBe(before)
  })

  it('reads a GB18030 CSV with the usual header names', async () => {
    const bytes = fixture('good-gb18030.csv')
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow() // really not UTF-8
    const r = await run(bytes, { mode: 'commit', commitMode: 'all-or-nothing' })
    expect(r.summary).toEqual({ total: 3, create: 3, update: 0, unchanged: 0, failed: 0 })
    expect((await spans('610399004001')).at(-1)).toEqual(['市商务局', bj('2027-01-01').toISOString(), null])
  })

  it('exports the register in its import format; export → import changes nothing (xlsx, CSV, past and future days)', async () => {
    // a cadre whose name starts like a formula: neutralised in the export, read back unchanged
    await run(csv([['610398002002', '', '', '市城管局', '=SUM(1)', '科长', '', '13800000009', '2027-02-01', '']]), { mode: 'commit', commitMode: 'all-or-nothing' })
    const before = await snapshot()
    const text = (await exportFile('csv', '2027-03-01')).toString('utf8')
    expect(text.split('\r\n')[0]).toBe('\uFEFF' + HEADER.join(','))
    expect(text).toContain("'=SUM(1)")
    expect(text).toContain('610399002007,火炬路社区,渭滨街道,市卫健委,吕勇,副主任,吕勇,0917-2934897,2027-01-01,2027-07-01')
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load((await exportFile('xlsx')) as unknown as ArrayBuffer)
    expect((wb.worksheets[0]!.getRow(1).values as unknown[]).slice(1)).toEqual(HEADER)
    const held = (await (await loggedIn(app.url, 'admin')).holder.register.query({})).held
    expect(wb.worksheets[0]!.rowCount).toBe(held + 1)
    for (const [format, date] of [['xlsx', undefined], ['csv', undefined], ['xlsx', '2026-01-01'], ['csv', '2027-03-01'], ['xlsx', '2027-08-01']] as const) {
      const file = await exportFile(format, date)
      const p = await run(file, { mode: 'preview' })
      expect(p.summary.failed, `${format} ${date}: ${JSON.stringify(p.rows.filter((r) => !r.ok).slice(0, 3))}`).toBe(0)
      expect(p.summary.unchanged, `${format} ${date}`).toBe(p.summary.total)
      expect(p.summary.total).toBeGreaterThan(40)
      const c = await run(file, { mode: 'commit', commitMode: 'all-or-nothing' })
      expect([c.committed, c.changed]).toEqual([true, false])
    }
    expect(await snapshot()).toBe(before)
    // the 2026-01-01 register shows the period that ended since, with its end
    expect((await exportFile('csv', '2026-01-01')).toString('utf8')).toContain('610399002008,清姜路社区,渭滨街道,市民政局,王怡敏')
  })

  it('refuses overlapping periods; two imports racing on one grid never store an overlap', async () => {
    // inside a closed period of the grid
    const inside = await run(csv([['610399002008', '', '', '市城管局', '吕成', '副局长', '', '13800000000', '2025-05-01', '']]), { mode: 'commit', commitMode: 'all-or-nothing' })
    expect([inside.committed, inside.rows[0]!.reason]).toEqual([false, 'OVERLAP_EXISTING'])
    // two files that each fit alone but not together, committed at the same time (three grids, three rounds)
    for (const code of ['610398001001', '610398001002', '610398001003']) {
      const a = csv([[code, '', '', '市城管局', '吕成', '副局长', '', '13800000000', '2027-01-01', '2027-06-01']])
      const b = csv([[code, '', '', '市住建局', '郝昊', '副局长', '', '13800000001', '2027-03-01', '']])
      const answers = await Promise.all([a, b].map((f) => post(f, { mode: 'commit', commitMode: 'all-or-nothing' }).then(async (res) => ({ status: res.status, body: await res.json() as Answer & { error?: { appCode: string } } }))))
      const won = answers.filter((x) => x.status === 200 && x.body.committed && x.body.changed)
      expect(won, JSON.stringify(answers)).toHaveLength(1)
      const lost = answers.find((x) => x !== won[0])!
      // the loser either saw the winner's period (its row refused) or lost the database race (a retryable refusal)
      if (lost.status === 200) expect([lost.body.committed, lost.body.rows[0]!.reason]).toEqual([false, 'OVERLAP_EXISTING'])
      else expect([409, 503]).toContain(lost.status)
      const stored = (await spans(code)).filter((s) => String(s[1]) >= bj('2027-01-01').toISOString())
      expect(stored).toHaveLength(1)
    }
    // the same file twice at once: one writes, the other finds nothing to do
    const same = csv([['610398001004', '', '', '市水利局', '于超国', '局长', '', '0917-2222584', '2027-01-01', '']])
    const twice = await Promise.all([0, 1].map(() => post(same, { mode: 'commit', commitMode: 'all-or-nothing' }).then(async (res) => ({ status: res.status, body: await res.json() as Answer }))))
    const ok = twice.filter((x) => x.status === 200)
    expect(ok.filter((x) => x.body.changed)).toHaveLength(1)
    expect((await spans('610398001004')).filter((s) => s[0] === '市水利局')).toHaveLength(1)
    await assertNoOverlapAnywhere()
  })

  it('the admin form racing an import on one grid never stores an overlap either', async () => {
    const c = await loggedIn(app.url, 'admin')
    const grid = (await app.db.grid.findUniqueOrThrow({ where: { code: '610398001005' } })).id
    const current = (await periods('610398001005')).at(-1)!
    const depts = new Map((await app.db.department.findMany()).map((d) => [d.name, d.id]))
    const form = c.holder.assign.mutate({ gridId: grid, expectedHolderId: current.id, departmentId: depts.get('市教育局')!, cadreName: '袁娜立', cadreTitle: '副局长', contactName: '袁娜立', contactPhone: '0917-3899404', validFrom: bj('2027-03-01').toISOString() })
    const file = post(csv([['610398001005', '', '', '市城管局', '吕成', '副局长', '', '13800000000', '2027-01-01', '2027-06-01']]), { mode: 'commit', commitMode: 'all-or-nothing' })
    const [f, i] = await Promise.allSettled([form, file.then(async (r) => ({ status: r.status, body: await r.json() as Answer }))])
    const formOk = f.status === 'fulfilled'
    const importOk = i.status === 'fulfilled' && i.value.status === 200 && i.value.body.committed === true && i.value.body.changed === true
    expect([formOk, importOk].filter(Boolean)).toHaveLength(1) // each refuses the other once it is stored
    await assertNoOverlapAnywhere()
  })
})
