/** Text and date rules every input shares (server/domain/inputRules.ts), and their use in import rows. */
import { describe, expect, it } from 'vitest'
import { illFormedTextPath, isIsoDay, isIsoMonth, isWellFormedText, parseIsoInstant } from '../../server/domain/inputRules.ts'
import { parseRows } from '../../server/domain/problem/importRows.ts'

describe('input rules', () => {
  it('finds lone surrogates, high or low, in values and keys; accepts pairs', () => {
    expect(isWellFormedText('a\ud800b')).toBe(false)
    expect(isWellFormedText('a\udc00')).toBe(false)
    expect(isWellFormedText('\ud800')).toBe(false)
    expect(isWellFormedText('\udc00\ud800')).toBe(false) // reversed pair
    expect(isWellFormedText('🚧 井盖')).toBe(true)
    expect(illFormedTextPath({ a: [{ b: 'ok' }, { c: 'x\ud800' }] })).toBe('a.1.c')
    expect(illFormedTextPath({ ['k\udfff']: 1 })).toBe('k\udfff')
    expect(illFormedTextPath({ a: ['ok', 1, null] })).toBeNull()
  })

  it('dates: real calendar days within 2000..2100 only', () => {
    for (const s of ['2026-02-28', '2024-02-29', '2000-02-29', '2000-01-01', '2100-12-31']) expect(isIsoDay(s), s).toBe(true)
    for (const s of ['2026-02-29', '2100-02-29', '2026-02-30', '2026-04-31', '0000-01-01', '1999-12-31', '2101-01-01', '2026-13-01', '2026-00-10', '2026-1-1']) expect(isIsoDay(s), s).toBe(false)
    expect(isIsoMonth('2026-12')).toBe(true)
    expect(isIsoMonth('0000-01')).toBe(false)
    // instants: a bare date is Beijing midnight (16:00 UTC the day before)
    expect(parseIsoInstant('2026-03-01')!.toISOString()).toBe('2026-02-28T16:00:00.000Z')
    expect(parseIsoInstant('2026-03-01T10:20:30.5Z')!.toISOString()).toBe('2026-03-01T10:20:30.500Z')
    expect(parseIsoInstant('2026-03-01T10:20:30-05:00')!.toISOString()).toBe('2026-03-01T15:20:30.000Z')
    for (const s of ['2026-02-30', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T10:60:00Z', '0000-01-01T00:00:00Z', 'yesterday', '2026-01-01T10:00:00+25:00']) expect(parseIsoInstant(s), s).toBeNull()
  })

  it('an import row with a lone surrogate fails as BAD_TEXT; the other rows are unaffected', () => {
    const rows = parseRows([[107.1, 34.3, 'LJ01', 'a\ud800b'], [107.1, 34.3, 'LJ01', '正常']], {
      mapping: { lng: 0, lat: 1, category: 2, description: 3 }, coordSystem: 'wgs84',
      categories: new Map([['LJ01', 'LJ01']]),
      locate: () => ({ gridId: 1, gridName: 'g', departmentId: null, departmentName: null }),
    })
    expect(rows[0]).toMatchObject({ row: 2, ok: false, reason: 'BAD_TEXT', detail: '第 4 列' })
    expect(rows[1]).toMatchObject({ row: 3, ok: true, description: '正常' })
  })
})
