/**
 * Real-world ledgers, read without a database: the header row among title rows and merged two-level
 * headers, report times in every form a ledger writes them (Beijing time), DMS coordinates and a
 * swapped lng/lat, presets, and the identity rule (序号 is never an identity). Fixtures from
 * tests/fixtures/import/make-ledgers.ts; expected values from its manifest (written from the inputs).
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findHeaderRow, headerAt } from '../../server/domain/problem/headerRow.ts'
import { contentHash, detectPreset, guessMapping, parseRows, rowIdentity, type OkRow } from '../../server/domain/problem/importRows.ts'
import { orderForChina, parseCoordinate, parseReportTime } from '../../server/domain/problem/ledgerCells.ts'
import { parseTable } from '../../server/workers/spreadsheet.ts'

const dir = path.resolve('tests/fixtures/import/ledgers')
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, { rows: number; headerRow: number; ok: { row: number; lng: number; lat: number; category: string; reportedAt: string | null; externalId?: string; description: string }[]; bad?: Record<string, string>; swapped?: number[] }>
const read = async (name: string) => (await parseTable(fs.readFileSync(path.join(dir, name)), { maxRows: 1000, maxCells: 100_000, headerless: true })).rows

const CATEGORIES = new Map([['LJ01', 'LJ01'], ['暴露垃圾', 'LJ01'], ['XX01', 'XX01'], ['乱堆乱放', 'XX01'], ['JT01', 'JT01'], ['机动车乱停乱放', 'JT01'], ['LM01', 'LM01'], ['路面破损', 'LM01']])
const target = { gridId: 1, gridName: 'g', departmentId: null, departmentName: null }
const NOW = new Date('2026-11-30T12:00:00Z')

describe('header row', () => {
  it('finds the two-level header under title rows and joins parent and child names', async () => {
    const rows = await read('ledger-2026-10-title-merged.xlsx')
    const h = findHeaderRow(rows)
    expect(h.index + 1).toBe(manifest['ledger-2026-10-title-merged.xlsx']!.headerRow)
    expect(h.parent).toBe(2)
    expect(h.headers.slice(0, 8)).toEqual(['序号', '上报时间', '问题类别', '问题描述', '问题位置·经度', '问题位置·纬度', '问题位置·地址', '备注'])
    expect(guessMapping(h.headers)).toEqual({ reportedAt: 1, category: 2, description: 3, lng: 4, lat: 5, address: 6 })
  })

  it('skips a title row above a one-level header; a chosen row overrides the guess', async () => {
    const rows = await read('ledger-2026-11-gb18030.csv')
    expect(rows[0]![0]).toBe('2026年11月问题台账（第一批）') // GB18030 decoded
    const h = findHeaderRow(rows)
    expect(h).toMatchObject({ index: 1, parent: null })
    expect(h.headers).toEqual(['序号', '上报时间', '问题类别', '问题描述', '经度', '纬度'])
    expect(findHeaderRow(rows, 0)).toMatchObject({ index: 0, mapped: 0 })
  })

  it('a header in the first row of a plain sheet stays the first row', () => {
    const rows = [['经度', '纬度', '类别', '描述'], [107.1, 34.3, 'LJ01', 'x']]
    expect(findHeaderRow(rows)).toMatchObject({ index: 0, parent: null, mapped: 4 })
    // a parent merged down over two rows (empty child) keeps its own name
    expect(headerAt([['序号', '位置', '', '描述'], ['', '经度', '纬度', '']], 1).headers).toEqual(['序号', '位置·经度', '位置·纬度', '描述'])
  })
})

describe('report times (Asia/Shanghai)', () => {
  const iso = (v: unknown) => parseReportTime(v)?.toISOString() ?? null
  it('reads Excel dates and serials, slash, Chinese and ISO forms', () => {
    expect(iso(new Date(Date.UTC(2026, 10, 3, 9, 30)))).toBe('2026-11-03T01:30:00.000Z') // the sheet shows 2026/11/3 9:30
    expect(iso(46329.395833333336)).toBe('2026-11-03T01:30:00.000Z')
    expect(iso('46329.395833333336')).toBe('2026-11-03T01:30:00.000Z')
    expect(iso('2026/11/3 9:30')).toBe('2026-11-03T01:30:00.000Z')
    expect(iso('2026-11-03 09:30:05')).toBe('2026-11-03T01:30:05.000Z')
    expect(iso('2026年11月3日')).toBe('2026-11-02T16:00:00.000Z')
    expect(iso('2026年11月3日 9时30分')).toBe('2026-11-03T01:30:00.000Z')
    expect(iso('２０２６/１１/３ ９:３０')).toBe('2026-11-03T01:30:00.000Z')
    expect(iso('2026.11.3')).toBe('2026-11-02T16:00:00.000Z')
    expect(iso('2026-11-03T09:30:00+08:00')).toBe('2026-11-03T01:30:00.000Z')
    expect(iso('2026-11-03T01:30:00Z')).toBe('2026-11-03T01:30:00.000Z')
    for (const bad of ['2026/13/1', '2026-02-30', '2026/11/3 25:00', 'yesterday', '3/11/2026', 12, '1899-12-30']) expect(iso(bad), String(bad)).toBeNull()
  })
})

describe('coordinates', () => {
  it('reads decimal, full-width, degree signs and DMS', () => {
    const dms = 107 + 5 / 60 + 1.59 / 3600
    expect(parseCoordinate(`107°05'01.59"`)).toBeCloseTo(dms, 12)
    expect(parseCoordinate('107 5 1.59')).toBeCloseTo(dms, 12)
    expect(parseCoordinate('107度5分1.59秒')).toBeCloseTo(dms, 12)
    expect(parseCoordinate('107°5′1.59″')).toBeCloseTo(dms, 12)
    expect(parseCoordinate(`E107°05'01.59"`)).toBeCloseTo(dms, 12)
    expect(parseCoordinate(`107°05'01.59"W`)).toBeCloseTo(-dms, 12)
    expect(parseCoordinate('１０７．１２５')).toBe(107.125)
    expect(parseCoordinate('107.125°')).toBe(107.125)
    expect(parseCoordinate('107,125')).toBe(107.125)
    expect(parseCoordinate(34.5)).toBe(34.5)
    for (const bad of ['abc', '107°61\'', '107 5', '107.5 5 1', '1 2 3 4', '', '107°05\'61"']) expect(parseCoordinate(bad), bad).toBeNaN()
  })
  it('swaps back a lat/lng written the wrong way round for China, and says so', () => {
    expect(orderForChina(34.36, 107.1)).toEqual({ lng: 107.1, lat: 34.36, swapped: true })
    expect(orderForChina(107.1, 34.36)).toEqual({ lng: 107.1, lat: 34.36, swapped: false })
    expect(orderForChina(-0.12, 51.5)).toEqual({ lng: -0.12, lat: 51.5, swapped: false }) // not China: left alone
  })
})

describe('identity', () => {
  it('序号 is never an identity; work-order numbers are scoped to their source', () => {
    expect(guessMapping(['序号', '经度', '纬度', '类别', '描述']).externalId).toBeUndefined()
    expect(guessMapping(['案件编号', '经度']).externalId).toBe(0)
    expect(rowIdentity('12345', '2026110001', '', () => 'h')).toBe('ext:12345:2026110001')
    expect(rowIdentity('案件编号', '2026110001', '', () => 'h')).toBe('ext:案件编号:2026110001')
    expect(rowIdentity('gridduty', 'ext:12345:2026110001', '17', () => 'h')).toBe('ext:12345:2026110001')
    expect(rowIdentity('gridduty', '', '17', () => 'h')).toBe('gd:17')
    expect(rowIdentity('file', '', '', () => 'h')).toBe('h')
    const t = new Date('2026-11-03T01:30:00Z')
    expect(contentHash(t, 107.1, 34.3, 'LJ01', 'a')).toBe(contentHash(t, 107.1000001, 34.3, 'LJ01', 'a'))
    expect(contentHash(t, 107.1, 34.3, 'LJ01', 'a')).not.toBe(contentHash(new Date('2026-12-03T01:30:00Z'), 107.1, 34.3, 'LJ01', 'a'))
  })

  it('two months whose 序号 restart are all different rows; each row of a file is found with its report time', async () => {
    const ids = new Set<string>()
    for (const name of ['ledger-2026-10-title-merged.xlsx', 'ledger-2026-11-gb18030.csv']) {
      const all = await read(name)
      const h = findHeaderRow(all)
      const parsed = parseRows(all.slice(h.index + 1), { mapping: guessMapping(h.headers), coordSystem: 'wgs84', categories: CATEGORIES, locate: () => target, firstRow: h.index + 2, source: 'file', now: new Date('2027-01-01T00:00:00Z') })
      const m = manifest[name]!
      expect(parsed.every((r) => r.ok), JSON.stringify(parsed.filter((r) => !r.ok))).toBe(true)
      const ok = parsed as OkRow[]
      expect(ok.map((r) => r.row)).toEqual(m.ok.map((e) => e.row))
      ok.forEach((r, i) => {
        const e = m.ok[i]!
        expect(r.reportedAt!.toISOString()).toBe(e.reportedAt)
        expect(r.lng).toBeCloseTo(e.lng, 9)
        expect(r.lat).toBeCloseTo(e.lat, 9)
        expect(r.categoryCode).toBe(e.category)
        expect(r.description).toBe(e.description)
        ids.add(r.externalId)
      })
    }
    expect(ids.size).toBe(40)
  })

  it('refuses report times in the future; DMS and swapped rows of the DMS ledger parse', async () => {
    const all = await read('ledger-dms.csv')
    const h = findHeaderRow(all)
    const ok = parseRows(all.slice(h.index + 1), { mapping: guessMapping(h.headers), coordSystem: 'wgs84', categories: CATEGORIES, locate: () => target, firstRow: 2, source: '编号', now: NOW }) as OkRow[]
    const m = manifest['ledger-dms.csv']!
    expect(ok.map((r) => [r.ok, r.externalId])).toEqual(m.ok.map((e) => [true, e.externalId]))
    ok.forEach((r, i) => { expect(r.lng).toBeCloseTo(m.ok[i]!.lng, 9); expect(r.lat).toBeCloseTo(m.ok[i]!.lat, 9) })
    expect(ok.filter((r) => r.warnings?.includes('SWAPPED_COORDINATES')).map((r) => r.row)).toEqual(m.swapped)
    const early = parseRows(all.slice(1, 2), { mapping: guessMapping(h.headers), coordSystem: 'wgs84', categories: CATEGORIES, locate: () => target, source: '编号', now: new Date('2026-11-20T01:00:00Z') })
    expect(early[0]).toMatchObject({ ok: false, reason: 'FUTURE_TIME' }) // 10:00 Beijing is 02:00Z, an hour after "now"
  })
})

describe('presets', () => {
  it('recognises a 12345 export and GridDuty\'s own export', () => {
    const p = detectPreset(['工单编号', '来电时间', '诉求类型', '诉求内容', '诉求地址', '经度', '纬度', '办理状态'])
    expect(p).toMatchObject({ name: '12345', source: '12345', mapping: { externalId: 0, reportedAt: 1, category: 2, description: 3, address: 4, lng: 5, lat: 6 } })
    const own = detectPreset(['编号', '状态', '类别', '描述', '网格', '责任部门', '上报人', '上报时间', '期限', '结案时间', '超期', '返工次数', '延期次数', '边界问题', '反弹', '经度', '纬度', '优先级', '来源编号'])
    expect(own).toMatchObject({ name: 'gridduty', coordSystem: 'wgs84', mapping: { appId: 0, category: 2, description: 3, reportedAt: 7, lng: 15, lat: 16, priority: 17, externalId: 18 } })
    expect(detectPreset(['序号', '经度', '纬度', '类别', '描述'])).toBeNull()
  })
})
