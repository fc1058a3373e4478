/**
 * The coordinate-system module (server/domain/geometry/coordSystems.ts) and the encoding rules of
 * boundary files (server/domain/boundary/textEncoding.ts), alone: .prj reading, the offset verdict,
 * adcode, and UTF-8 / GB18030 detection. Expected values are written out here, not taken from the code.
 */
import { describe, expect, it } from 'vitest'
import { hasAdcode, metresBetween, offsetVerdict, pointFromWgs84, readPrj } from '../../server/domain/geometry/coordSystems.ts'
import { canonicalEncoding, detectEncoding, isValidUtf8 } from '../../server/domain/boundary/textEncoding.ts'
import { GK_PRJ, WGS84_PRJ, gbk } from '../fixtures/import/make-boundaries.ts'

describe('readPrj', () => {
  it('recognises WGS84 and CGCS2000 geographic systems, refuses projected ones, flags other datums', () => {
    expect(readPrj(WGS84_PRJ)).toEqual({ kind: 'wgs84', name: 'GCS_WGS_1984' })
    expect(readPrj('GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]').kind).toBe('wgs84')
    expect(readPrj(GK_PRJ)).toEqual({ kind: 'projected', name: 'CGCS2000_3_Degree_GK_CM_108E' })
    expect(readPrj('PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984"]]').kind).toBe('projected')
    expect(readPrj('GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]]]').kind).toBe('otherGeographic')
    expect(readPrj('GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]]]').kind).toBe('otherGeographic')
    expect(readPrj('garbage').kind).toBe('unreadable')
    expect(readPrj('').kind).toBe('unreadable')
  })
})

describe('offsetVerdict', () => {
  // three grids near Baoji and the numbers a GCJ-02 source writes for them
  const current: [number, number][] = [[107.10, 34.35], [107.13, 34.37], [107.15, 34.36]]
  const gcjPairs = current.map((c) => ({ raw: pointFromWgs84(c[0], c[1], 'gcj02'), current: c }))

  it('GCJ-02 numbers read as WGS84 are hundreds of metres off: suspicious, GCJ-02 suggested', () => {
    const v = offsetVerdict(gcjPairs, 'wgs84')!
    expect(v.suspicious).toBe(true)
    expect(v.best).toBe('gcj02')
    expect(v.chosenMetres).toBeGreaterThan(300)
    expect(v.chosenMetres).toBeLessThan(800)
    expect(v.bestMetres).toBeLessThan(1)
  })
  it('chosen right, or outlines redrawn a little: not suspicious; no pairs: no verdict', () => {
    expect(offsetVerdict(gcjPairs, 'gcj02')!.suspicious).toBe(false)
    const redrawn = current.map((c) => ({ raw: [c[0] + 0.0002, c[1]] as [number, number], current: c }))
    expect(offsetVerdict(redrawn, 'wgs84')!.suspicious).toBe(false)
    // far off under every system (another city): nothing fits, so no system is suggested
    const elsewhere = current.map((c) => ({ raw: [c[0] + 1, c[1]] as [number, number], current: c }))
    expect(offsetVerdict(elsewhere, 'wgs84')!.suspicious).toBe(false)
    expect(offsetVerdict([], 'wgs84')).toBeNull()
  })
  it('metresBetween: 0.001° of latitude is about 111 m', () => {
    expect(metresBetween([107, 34], [107, 34.001])).toBeGreaterThan(110)
    expect(metresBetween([107, 34], [107, 34.001])).toBeLessThan(112)
  })
  it('adcode fields', () => {
    expect(hasAdcode(['adcode', 'name'])).toBe(true)
    expect(hasAdcode(['ADCODE'])).toBe(true)
    expect(hasAdcode(['code', 'name'])).toBe(false)
  })
})

describe('text encoding of boundary files', () => {
  it('valid UTF-8 is UTF-8; GBK bytes are GB18030; ASCII is UTF-8', () => {
    expect(detectEncoding(Buffer.from('宝塔路社区', 'utf8'))).toBe('utf-8')
    expect(detectEncoding(gbk('宝塔路社区'))).toBe('gb18030')
    expect(new TextDecoder('gb18030').decode(gbk('宝塔路社区'))).toBe('宝塔路社区')
    expect(isValidUtf8(Buffer.from('abc'))).toBe(true)
    expect(isValidUtf8(gbk('渭滨区'))).toBe(false)
  })
  it('names of encodings: GBK family → GB18030, UTF-8 spellings, unknown → null', () => {
    for (const n of ['GBK', 'gb2312', 'CP936', '936', 'ANSI 936', 'GB18030']) expect(canonicalEncoding(n)).toBe('gb18030')
    for (const n of ['UTF-8', 'utf8', '65001', ' UTF-8\r\n']) expect(canonicalEncoding(n)).toBe('utf-8')
    for (const n of ['KOI8-R', 'big5', 'latin1', '']) expect(canonicalEncoding(n)).toBeNull()
  })
})
