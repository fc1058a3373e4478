import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { isFormulaLike, neutraliseCell, neutraliseRow, neutraliseText } from '../../server/domain/export/cells.ts'

describe('CSV / Excel formula injection', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","点我")', `'=HYPERLINK("http://evil.example","点我")`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', "'\r=1+1"],
    ['=cmd|\' /C calc\'!A0', "'=cmd|' /C calc'!A0"],
  ])('neutralises %j', (input, expected) => {
    expect(neutraliseText(input)).toBe(expected)
    expect(isFormulaLike(input)).toBe(true)
  })
  it.each(['垃圾桶满溢', 'a=b', ' =1 is text after a space', '', "'already quoted", '2026-10-01'])('leaves ordinary text %j alone', (t) => {
    expect(neutraliseText(t)).toBe(t)
  })
  it('numbers stay numbers (typed, and plain numeric strings)', () => {
    expect(neutraliseCell(-12.5)).toBe(-12.5)
    expect(neutraliseCell('-12.5')).toBe('-12.5')
    expect(neutraliseCell('+3')).toBe('+3')
    expect(neutraliseCell('-1e3')).toBe('-1e3')
    expect(neutraliseCell(null)).toBe(null)
    const d = new Date(0)
    expect(neutraliseCell(d)).toBe(d)
  })
  it('rows of arrays and objects; the CSV writer still quotes', () => {
    expect(neutraliseRow(['=1+1', 3, '好'])).toEqual(["'=1+1", 3, '好'])
    expect(neutraliseRow({ description: '@x', count: 2 })).toEqual({ description: "'@x", count: 2 })
    const csv = Papa.unparse([neutraliseRow({ d: '=HYPERLINK("x","y"),z' })])
    expect(csv.split('\r\n')[1]).toBe(`"'=HYPERLINK(""x"",""y""),z"`)
  })
})
