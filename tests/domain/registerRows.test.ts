/**
 * The grid register's row rules (server/domain/register/): header aliases, dates, phones, grids by
 * code or by name within a street, departments, and the holder periods a file may and may not add.
 * Expected values are written out by hand from the rules in docs/register.md.
 */
import { describe, expect, it } from 'vitest'
import { overlappingPeriods } from '../../server/domain/holder.ts'
import { planRegister, type ExistingPeriod } from '../../server/domain/register/registerPlan.ts'
import { cellText, missingColumns, normalisePhone, parseRegisterDate, parseRegisterRows, registerMapping, REGISTER_HEADER, REGISTER_FIELDS, type RegisterContext } from '../../server/domain/register/registerRows.ts'
import { chinaDate } from '../../server/domain/time.ts'

const grids = [
  { id: 1, code: '610399001000', name: '东风街道', parentName: null },
  { id: 2, code: '610399001001', name: '东风社区', parentName: '东风街道' },
  { id: 3, code: '610399002000', name: '西城街道', parentName: null },
  { id: 4, code: '610399002001', name: '东风社区', parentName: '西城街道' }, // the same name in another street
  { id: 5, code: '610399002002', name: '新华社区', parentName: '西城街道' },
]
const ctx: RegisterContext = { grids, departments: new Map([['市城管局', 10], ['市住建局', 11]]), createDepartments: false }
const HEADER = REGISTER_FIELDS.map((f) => REGISTER_HEADER[f])
const mapping = registerMapping(HEADER)
const row = (o: Partial<Record<(typeof REGISTER_FIELDS)[number], unknown>>) => REGISTER_FIELDS.map((f) => o[f] ?? '')
const good = { gridCode: '610399002002', department: '市城管局', cadreName: '吕成', cadreTitle: '副局长', contactName: '姜波', contactPhone: '0917-2441217', validFrom: '2026-01-01' }

describe('register columns', () => {
  it('reads its own header and the usual aliases (with notes, spaces and required marks)', () => {
    expect(mapping).toEqual({ gridCode: 0, gridName: 1, street: 2, department: 3, cadreName: 4, cadreTitle: 5, contactName: 6, contactPhone: 7, validFrom: 8, validTo: 9 })
    const other = registerMapping(['社区名称', '街道', '*包抓单位', '包抓领导', '职务', '手机', '起始日期（YYYY-MM-DD）'])
    expect(other).toEqual({ gridName: 0, street: 1, department: 2, cadreName: 3, cadreTitle: 4, contactPhone: 5, validFrom: 6 })
    expect(missingColumns(other)).toEqual([])
    expect(missingColumns(registerMapping(['网格', '部门']))).toEqual(['责任人', '职务', '联系电话', '生效日期'])
    expect(missingColumns(registerMapping(['部门', '责任人', '职务', '电话', '生效日期']))).toEqual(['网格编码/网格名称'])
  })
})

describe('register cells', () => {
  it('dates: ISO, slashes, dots, Chinese, compact, Excel serials and Date cells, as Beijing days', () => {
    expect(parseRegisterDate('2026-01-05')).toBe('2026-01-05')
    expect(parseRegisterDate('2026/1/5')).toBe('2026-01-05')
    expect(parseRegisterDate('2026.1.5')).toBe('2026-01-05')
    expect(parseRegisterDate('2026年1月5日')).toBe('2026-01-05')
    expect(parseRegisterDate('２０２６－０１－０５')).toBe('2026-01-05')
    expect(parseRegisterDate('20260105')).toBe('2026-01-05')
    expect(parseRegisterDate(46027)).toBe('2026-01-05') // Excel: 46027 = 2026-01-05
    expect(parseRegisterDate('46027')).toBe('2026-01-05')
    expect(parseRegisterDate(45658)).toBe('2025-01-01')
    expect(parseRegisterDate(new Date(Date.UTC(2026, 0, 5)))).toBe('2026-01-05')
    for (const b of ['2026-02-30', '2026-13-01', 'next monday', '', null, 12, '2026-1']) expect(parseRegisterDate(b), String(b)).toBeNull()
  })
  it('phones: mobiles, landlines with area code and extension, full-width; not letters or short numbers', () => {
    expect(normalisePhone('13800138000')).toBe('13800138000')
    expect(normalisePhone('+86 138 0013 8000')).toBe('+86 138 0013 8000')
    expect(normalisePhone('0917-2001524')).toBe('0917-2001524')
    expect(normalisePhone('０９１７－２００１５２４')).toBe('0917-2001524')
    expect(normalisePhone('029 8888 6666转123')).toBe('029 8888 6666转123')
    expect(normalisePhone(12345)).toBe('12345')
    for (const b of ['1380013800', '12800138000', 'abc', '0917-20015', '138-0013-8000x', '1234']) expect(normalisePhone(b), b).toBeNull()
  })
  it("takes off the export's formula guard, and reads rich text", () => {
    expect(cellText("'=SUM(A1)")).toBe('=SUM(A1)')
    expect(cellText("'+86 138")).toBe('+86 138')
    expect(cellText("'abc")).toBe("'abc")
    expect(cellText({ richText: [{ text: '东风' }, { text: '社区' }] })).toBe('东风社区')
    expect(cellText(610399001001)).toBe('610399001001')
  })
})

describe('register rows', () => {
  it('each bad row by number and reason; good rows resolved', () => {
    const rows = [
      row(good), // 2 ok
      row({ ...good, gridCode: '', gridName: '东风社区', street: '东风街道' }), // 3 ok: by name within its street
      row({ ...good, gridCode: '', gridName: '东风社区' }), // 4 ambiguous
      row({ ...good, gridCode: '619999999999' }), // 5 unknown grid
      row({ ...good, gridName: '东风社区' }), // 6 code and name disagree
      row({ ...good, department: '市不存在局' }), // 7 unknown department
      row({ ...good, contactPhone: '12345abc' }), // 8 bad phone
      row({ ...good, validFrom: '2026-02-30' }), // 9 bad date
      row({ ...good, cadreName: '' }), // 10 missing
      [], // 11 empty: no row
      row({ ...good, validTo: '2025-12-01' }), // 12 ends before it starts
      row({ ...good, gridCode: '', gridName: '不存在社区', street: '西城街道' }), // 13 unknown by name
    ]
    const out = parseRegisterRows(rows, mapping, ctx)
    expect(out.map((r) => [r.row, r.ok ? 'ok' : r.reason])).toEqual([
      [2, 'ok'], [3, 'ok'], [4, 'AMBIGUOUS_GRID'], [5, 'UNKNOWN_GRID'], [6, 'GRID_MISMATCH'], [7, 'UNKNOWN_DEPARTMENT'],
      [8, 'BAD_PHONE'], [9, 'BAD_DATE'], [10, 'MISSING_FIELD'], [12, 'BAD_DATE'], [13, 'UNKNOWN_GRID'],
    ])
    const [a, b] = out
    expect(a).toMatchObject({ ok: true, entry: { gridId: 5, departmentId: 10, validFrom: '2026-01-01', validTo: null, contactName: '姜波' } })
    expect(b).toMatchObject({ ok: true, entry: { gridId: 2 } })
    expect(out.find((r) => r.row === 10)).toMatchObject({ detail: '责任人' })
    // an unknown department is taken as a new one when the admin asked for it
    const created = parseRegisterRows([row({ ...good, department: '市不存在局' })], mapping, { ...ctx, createDepartments: true })
    expect(created[0]).toMatchObject({ ok: true, entry: { departmentId: null, departmentName: '市不存在局' } })
    // 联系人 defaults to 责任人
    expect(parseRegisterRows([row({ ...good, contactName: '' })], mapping, ctx)[0]).toMatchObject({ entry: { contactName: '吕成' } })
  })
})

const day = chinaDate
const period = (id: number, gridId: number, dept: [number, string], from: string, to: string | null): ExistingPeriod => ({
  id, gridId, departmentId: dept[0], departmentName: dept[1], cadreName: '吕成', cadreTitle: '副局长', contactName: '姜波', contactPhone: '0917-2441217', validFrom: day(from), validTo: to ? day(to) : null,
})
const CG: [number, string] = [10, '市城管局'], ZJ: [number, string] = [11, '市住建局']

describe('register periods', () => {
  const plan = (rows: Partial<typeof good & { gridCode: string; validTo: string }>[], existing: ExistingPeriod[]) => {
    const parsed = parseRegisterRows(rows.map((r) => row({ ...good, ...r })), mapping, ctx)
    const byGrid = new Map<number, ExistingPeriod[]>()
    for (const e of existing) byGrid.set(e.gridId, [...(byGrid.get(e.gridId) ?? []), e])
    return planRegister(parsed, byGrid)
  }

  it('a handover ends the open period where the new one starts; the same rows again change nothing', () => {
    const existing = [period(1, 5, CG, '2025-01-01', null)]
    const p = plan([{ department: '市住建局', validFrom: '2026-03-01' }], existing)
    expect(p.summary).toEqual({ total: 1, create: 1, update: 0, unchanged: 0, failed: 0 })
    expect(p.ops.map((o) => o.kind === 'create' ? ['create', o.validFrom.toISOString(), o.validTo] : ['update', o.before.id, o.after.validTo?.toISOString()])).toEqual([
      ['update', 1, '2026-02-28T16:00:00.000Z'], ['create', '2026-02-28T16:00:00.000Z', null],
    ])
    const after = [period(1, 5, CG, '2025-01-01', '2026-03-01'), { ...period(2, 5, ZJ, '2026-03-01', null) }]
    const again = plan([{ department: '市住建局', validFrom: '2026-03-01' }], after)
    expect(again.ops).toEqual([])
    expect(again.summary).toEqual({ total: 1, create: 0, update: 0, unchanged: 1, failed: 0 })
    // the old row (open, same date) reads as the closed period it became: unchanged too
    expect(plan([{ validFrom: '2025-01-01' }], after).summary.unchanged).toBe(1)
  })

  it('same date, same department: contact details corrected in place; another department: overlap', () => {
    const existing = [period(1, 5, CG, '2025-01-01', null)]
    const fix = plan([{ validFrom: '2025-01-01', contactPhone: '13800138000' }], existing)
    expect(fix.summary.update).toBe(1)
    expect(fix.ops).toEqual([{ kind: 'update', row: 2, before: existing[0], after: { cadreName: '吕成', cadreTitle: '副局长', contactName: '姜波', contactPhone: '13800138000', validTo: null } }])
    const other = plan([{ validFrom: '2025-01-01', department: '市住建局' }], existing)
    expect(other.rows[0]).toMatchObject({ ok: false, reason: 'OVERLAP_EXISTING', detail: '市城管局 2025-01-01 起' })
    expect(other.ops).toEqual([])
  })

  it('a date inside a closed period, or an end past the next start, overlaps; rows of one grid with one date overlap each other', () => {
    const existing = [period(1, 5, CG, '2025-01-01', '2026-01-01'), period(2, 5, ZJ, '2026-01-01', null)]
    const inside = plan([{ validFrom: '2025-06-01' }], existing)
    expect(inside.rows[0]).toMatchObject({ ok: false, reason: 'OVERLAP_EXISTING', detail: '市城管局 2025-01-01 起至 2026-01-01' })
    const longer = plan([{ validFrom: '2025-01-01', validTo: '2026-02-01' }], existing)
    expect(longer.rows[0]).toMatchObject({ ok: false, reason: 'OVERLAP_EXISTING', detail: '市住建局 2026-01-01 起' })
    const twins = plan([{ validFrom: '2027-01-01' }, { validFrom: '2027-01-01', department: '市住建局' }, { gridCode: '610399001001', validFrom: '2027-01-01' }], existing)
    expect(twins.rows.map((r) => (r.ok ? r.action : `${r.reason} ${r.detail}`))).toEqual(['create', 'OVERLAP_ROW 第 2 行', 'create'])
    // a row with an explicit end past another row's start: the later row is refused, the earlier kept
    const rows = plan([{ validFrom: '2027-01-01', validTo: '2027-06-01' }, { validFrom: '2027-03-01', department: '市住建局' }], existing)
    expect(rows.rows.map((r) => (r.ok ? r.action : `${r.reason} ${r.detail}`))).toEqual(['create', 'OVERLAP_ROW 第 2 行'])
    // what is kept never overlaps
    const kept = [...existing]
    for (const o of rows.ops) if (o.kind === 'create') kept.push({ ...period(9, 5, CG, '2027-01-01', null), validFrom: o.validFrom, validTo: o.validTo })
    expect(overlappingPeriods(kept.map((k) => ({ ...k, validTo: k.id === 2 ? day('2027-01-01') : k.validTo })))).toEqual([])
  })

  it('rows of one grid in date order make consecutive periods (history), none overlapping', () => {
    const p = plan([{ validFrom: '2025-01-01' }, { validFrom: '2026-01-01', department: '市住建局' }, { validFrom: '2025-07-01', cadreName: '赵敏' }], [])
    expect(p.summary).toEqual({ total: 3, create: 3, update: 0, unchanged: 0, failed: 0 })
    const spans = p.ops.map((o) => (o.kind === 'create' ? [o.entry.validFrom, o.validTo?.toISOString() ?? null] : null))
    expect(spans).toEqual([['2025-01-01', day('2025-07-01').toISOString()], ['2025-07-01', day('2026-01-01').toISOString()], ['2026-01-01', null]])
  })
})

describe('overlapping periods', () => {
  it('finds neighbours that overlap (open periods run forever), and none in a clean history', () => {
    const a = { departmentId: 1, validFrom: day('2025-01-01'), validTo: day('2026-01-01') }
    const b = { departmentId: 2, validFrom: day('2026-01-01'), validTo: null }
    expect(overlappingPeriods([b, a])).toEqual([])
    const c = { departmentId: 3, validFrom: day('2026-06-01'), validTo: null }
    expect(overlappingPeriods([a, b, c])).toEqual([[b, c]])
    expect(overlappingPeriods([a, { ...a, departmentId: 9 }])).toHaveLength(1)
  })
})
