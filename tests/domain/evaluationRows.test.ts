import { describe, expect, it } from 'vitest'
import { parseIndicatorRows } from '../../server/domain/evaluation/indicatorRows.ts'
import { parseSiteRows } from '../../server/domain/evaluation/siteRows.ts'

describe('site import rows', () => {
  const assign = (lng: number, lat: number) => (lng > 107 && lng < 108 && lat > 34 && lat < 35 ? 5 : null)
  it('accepts good rows and reports each bad row with its spreadsheet row number', () => {
    const rows = parseSiteRows(['名称', '类型', '经度', '纬度'], [
      ['东街农贸市场', '农贸市场', 107.12, 34.35],
      ['', '学校', 107.1, 34.3],
      ['某某', '游乐场', 107.1, 34.3],
      ['远处学校', '学校', 116.4, 39.9],
      ['坏坐标', '学校', 'abc', 34.3],
      ['东街农贸市场', '农贸市场', 107.13, 34.36],
      ['已有点位', '医院', '107.1', '34.3'],
      ['', '', '', ''],
    ], { coordSystem: 'wgs84', assign, existing: new Set(['医院|已有点位']) })
    expect(rows.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'MISSING_NAME', 'UNKNOWN_TYPE', 'OUTSIDE_GRIDS', 'BAD_COORDINATES', 'DUPLICATE', 'DUPLICATE', 'EMPTY_ROW'])
    expect(rows.map((r) => r.row)).toEqual([2, 3, 4, 5, 6, 7, 8, 9])
    expect(rows[0]).toMatchObject({ ok: true, gridId: 5, lng: 107.12, lat: 34.35 })
  })
  it('converts GCJ-02 coordinates to WGS84', () => {
    const [r] = parseSiteRows(['name', 'type', 'lng', 'lat'], [['a', '学校', 107.12, 34.35]], { coordSystem: 'gcj02', assign, existing: new Set() })
    expect(r).toMatchObject({ ok: true })
    const { lng, lat } = r as { lng: number; lat: number }
    // the point read is WGS84: shifted to GCJ-02 by the published formula (written here, not the
    // library's), it lands back on the coordinates in the file, within ~0.5 m
    const [gLng, gLat] = wgs84ToGcj02(lng, lat)
    expect(Math.abs(gLng - 107.12)).toBeLessThan(5e-6)
    expect(Math.abs(gLat - 34.35)).toBeLessThan(5e-6)
    // and the direction: the GCJ-02 offset here is hundreds of metres, so a conversion the wrong
    // way (WGS84 → GCJ-02 applied to the file) would miss by twice that
    const [oLng, oLat] = wgs84ToGcj02(107.12, 34.35)
    const offset = [oLng - 107.12, oLat - 34.35] as const
    expect(Math.hypot(...offset)).toBeGreaterThan(0.001)
    expect(lng - 107.12).toBeCloseTo(-offset[0], 5)
    expect(lat - 34.35).toBeCloseTo(-offset[1], 5)
  })
})

describe('indicator import rows', () => {
  it('parses lists, milestones and departments; rejects bad rows', () => {
    const rows = parseIndicatorRows(['编号', '名称', '标准', '分值', '点位类型', '牵头领导', '任务', '责任单位', '配合单位', '责任人', '进度'], [
      ['A1', '农贸市场', '干净整洁', '4', '农贸市场、车站', '张副市长', '整治', '市市场监管局', '市城管局', '王一、李二', '2026-12-01 摸底；2026-12-20 整改'],
      ['', '无编号', '', '1', '', '', '', '市城管局', '', '', ''],
      ['A3', '坏分值', '', 'x', '', '', '', '市城管局', '', '', ''],
      ['A4', '坏进度', '', '1', '', '', '', '市城管局', '', '', '12月 摸底'],
    ])
    expect(rows[0]).toEqual({ row: 2, ok: true, draft: {
      code: 'A1', name: '农贸市场', standard: '干净整洁', points: 4, siteTypes: ['农贸市场', '车站'], leadLeader: '张副市长', task: '整治',
      departments: [{ name: '市市场监管局', role: 'lead', staff: '王一、李二' }, { name: '市城管局', role: 'assist', staff: '' }],
      milestones: [{ dueDate: '2026-12-01', title: '摸底' }, { dueDate: '2026-12-20', title: '整改' }],
    } })
    expect(rows.slice(1).map((r) => r.ok)).toEqual([false, false, false])
  })
})

/** WGS84 → GCJ-02 (the published "Mars coordinates" formula, independent of gcoord). */
function wgs84ToGcj02(lng: number, lat: number): [number, number] {
  const a = 6378245.0, ee = 0.00669342162296594323, PI = Math.PI
  const x = lng - 105.0, y = lat - 35.0
  let dLat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  dLat += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0
  dLat += ((20.0 * Math.sin(y * PI) + 40.0 * Math.sin((y / 3.0) * PI)) * 2.0) / 3.0
  dLat += ((160.0 * Math.sin((y / 12.0) * PI) + 320 * Math.sin((y * PI) / 30.0)) * 2.0) / 3.0
  let dLng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  dLng += ((20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0) / 3.0
  dLng += ((20.0 * Math.sin(x * PI) + 40.0 * Math.sin((x / 3.0) * PI)) * 2.0) / 3.0
  dLng += ((150.0 * Math.sin((x / 12.0) * PI) + 300.0 * Math.sin((x / 30.0) * PI)) * 2.0) / 3.0
  const radLat = (lat / 180.0) * PI
  const magic = 1 - ee * Math.sin(radLat) ** 2
  const sqrtMagic = Math.sqrt(magic)
  dLat = (dLat * 180.0) / (((a * (1 - ee)) / (magic * sqrtMagic)) * PI)
  dLng = (dLng * 180.0) / ((a / sqrtMagic) * Math.cos(radLat) * PI)
  return [lng + dLng, lat + dLat]
}
