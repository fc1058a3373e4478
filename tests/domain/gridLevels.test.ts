/** Grid levels, code prefixes against the parent and the numeric "smallest code" of the boundary rule. */
import { describe, expect, it } from 'vitest'
import { childCodePrefix, childLevel, codePrefixIssue, compareGridCodes, GRID_LEVELS, PARENT_LEVEL, parentLevelIssue, type GridLevel } from '../../server/domain/grid/levels.ts'
import { GridIndex, referenceLocate } from '../../server/domain/geometry/gridIndex.ts'

describe('levels', () => {
  it('district → street → community, coarsest first', () => {
    expect(GRID_LEVELS).toEqual(['district', 'street', 'community'])
    expect(PARENT_LEVEL).toEqual({ district: null, street: 'district', community: 'street' })
    expect(childLevel('district')).toBe('street')
    expect(childLevel('street')).toBe('community')
    expect(childLevel('community')).toBeNull()
  })
  it('parent level rule', () => {
    expect(parentLevelIssue('street', 'district')).toBeNull()
    expect(parentLevelIssue('street', null)).toBeNull() // a city without districts
    expect(parentLevelIssue('community', 'street')).toBeNull()
    expect(parentLevelIssue('community', 'district')).toMatch(/上级应为街道/)
    expect(parentLevelIssue('district', 'street')).toMatch(/区县没有上级/)
    expect(parentLevelIssue('street', 'community')).toMatch(/上级应为区县/)
  })
})

// [child code, child level, parent code, parent level, expected prefix, ok]
const PREFIX_FIXTURES: [string, GridLevel, string, GridLevel, string, boolean][] = [
  ['610302001000', 'street', '610302', 'district', '610302', true],
  ['610302001', 'street', '610302', 'district', '610302', true], // 9-digit GB/T 10114 street code
  ['610303001000', 'street', '610302', 'district', '610302', false], // another district's street
  ['610302', 'street', '610302', 'district', '610302', false], // not longer than its parent
  ['61030200100A', 'street', '610302', 'district', '610302', false], // not digits
  ['610302001003', 'community', '610302001000', 'street', '610302001', true],
  ['610302001003', 'community', '610302001', 'street', '610302001', true],
  ['610302002003', 'community', '610302001000', 'street', '610302001', false], // the neighbouring street's
  ['610302001', 'community', '610302001000', 'street', '610302001', false],
  ['610302001000', 'street', '610302000000', 'district', '610302', true], // district written padded to 12
]

describe('code prefixes', () => {
  it.each(PREFIX_FIXTURES)('%s (%s) under %s (%s): prefix %s, ok %s', (code, level, parentCode, parentLevel, prefix, ok) => {
    expect(childCodePrefix(parentCode, parentLevel)).toBe(prefix)
    const issue = codePrefixIssue({ code, level }, { code: parentCode, level: parentLevel })
    if (ok) expect(issue).toBeNull()
    else {
      expect(issue).not.toBeNull()
      expect(issue!.expectedPrefix).toBe(prefix)
      expect(issue!.message).toContain(prefix) // the error names the expected prefix
      expect(issue!.message).toContain(code)
    }
  })
  it('no parent, nothing to check', () => {
    expect(codePrefixIssue({ code: 'X', level: 'district' }, null)).toBeNull()
  })
})

// pairs [a, b] with a strictly before b
const ORDER_FIXTURES: [string, string][] = [
  ['610302001', '610302002000'], // 9 vs 12 digits: 610302001000 < 610302002000
  ['610302001999', '610302002'], // 12 vs 9: 610302001999 < 610302002000 (a plain string compare agrees, a left-padded integer compare would not)
  ['610302001', '610302001000'], // same position: shorter first
  ['610302', '610302000001'],
  ['10', '9'], // right-padded: 10 < 90 (codes are positions in a hierarchy, not counts)
  ['0999', '1'], // 0999 < 1000
  ['0123', '123'], // 0123 < 1230
  ['999999999999', 'A01'], // digit codes before any other code
  ['999', '-1'],
  ['A01', 'B01'],
]

describe('smallest code (numeric, right-padded)', () => {
  it.each(ORDER_FIXTURES)('%s before %s', (a, b) => {
    expect(compareGridCodes(a, b)).toBeLessThan(0)
    expect(compareGridCodes(b, a)).toBeGreaterThan(0)
    expect(compareGridCodes(a, a)).toBe(0)
  })
  it('a total order: sorting is independent of input order', () => {
    const codes = ['610302002', '610302001000', '610302001', '61030200199', '610302001999', 'X1', '610302']
    const want = ['610302', '610302001', '610302001000', '61030200199', '610302001999', '610302002', 'X1']
    expect([...codes].sort(compareGridCodes)).toEqual(want)
    expect([...codes].reverse().sort(compareGridCodes)).toEqual(want)
  })

  it('agrees with an independent BigInt computation on random digit codes of lengths 1–14', () => {
    let seed = 12345
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    const code = () => Array.from({ length: 1 + Math.floor(rnd() * 14) }, () => String(Math.floor(rnd() * 10))).join('')
    for (let i = 0; i < 2000; i++) {
      const a = code(), b = i % 3 === 0 ? a + '0'.repeat(Math.floor(rnd() * 3)) : code()
      const n = Math.max(a.length, b.length)
      const va = BigInt(a.padEnd(n, '0')), vb = BigInt(b.padEnd(n, '0'))
      const want = va !== vb ? (va < vb ? -1 : 1) : Math.sign(a.length - b.length)
      expect(Math.sign(compareGridCodes(a, b))).toBe(want)
    }
  })

  it('the boundary rule uses it: a point on a shared edge goes to the smaller code', () => {
    const sq = (x0: number, x1: number) => ({ type: 'Polygon' as const, coordinates: [[[x0, 34], [x1, 34], [x1, 34.01], [x0, 34.01], [x0, 34]]] })
    const at = (grids: { id: number; code: string; geometry: ReturnType<typeof sq> }[]) => {
      const fast = GridIndex.build(grids).locate(107.01, 34.005)
      expect(referenceLocate(grids, 107.01, 34.005)).toBe(fast)
      return fast
    }
    // 9-digit 610302002 (= 610302002000) against 12-digit 610302001999: the 12-digit one is smaller
    expect(at([{ id: 1, code: '610302002', geometry: sq(107, 107.01) }, { id: 2, code: '610302001999', geometry: sq(107.01, 107.02) }])).toBe(2)
    // the same position written with 9 and 12 digits: the shorter wins, whatever the ids
    expect(at([{ id: 1, code: '610302001000', geometry: sq(107, 107.01) }, { id: 2, code: '610302001', geometry: sq(107.01, 107.02) }])).toBe(2)
    // a code with a non-digit loses against any digit code (a plain string compare would pick '-1')
    expect(at([{ id: 1, code: '-1', geometry: sq(107, 107.01) }, { id: 2, code: '999', geometry: sq(107.01, 107.02) }])).toBe(2)
    // overlapping grids (invalid data): a point inside both goes to the smaller code
    const both = [{ id: 1, code: '610302002', geometry: sq(107, 107.02) }, { id: 2, code: '610302001999', geometry: sq(107.005, 107.015) }]
    expect(GridIndex.build(both).locate(107.01, 34.005)).toBe(2)
    expect(referenceLocate(both, 107.01, 34.005)).toBe(2)
  })
})

describe('boundary validation applies the code rules (save and import go through it)', async () => {
  const { validateDraft } = await import('../../server/domain/boundary/validation.ts')
  const sq = (x0: number, y0: number, x1: number, y1: number) => ({ type: 'Polygon' as const, coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] })
  const district = { key: '1', id: 1, code: '610302', name: '区', level: 'district' as const, parentKey: null, geometry: sq(107, 34, 107.04, 34.02) }
  const street = { key: '100', id: 100, code: '610302001000', name: '街道', level: 'street' as const, parentKey: '1', geometry: sq(107, 34, 107.02, 34.01) }
  const ok = { key: 'new:1', id: null, code: '610302001009', name: '新社区', level: 'community' as const, parentKey: '100', geometry: sq(107, 34, 107.01, 34.01) }
  const codes = (changed: typeof ok[] | typeof street[], context: object[] = []) => validateDraft({ changed: changed as never, context: [district, street, ...context] as never }).map((i) => i.code)

  it('a community under its street\'s prefix passes; another street\'s prefix is refused naming the expected prefix', () => {
    expect(codes([ok])).not.toContain('CODE_PREFIX')
    const bad = validateDraft({ changed: [{ ...ok, code: '610302002009' }], context: [district, street] })
    const issue = bad.find((i) => i.code === 'CODE_PREFIX')
    expect(issue?.message).toContain('610302001')
    expect(issue?.acceptable).toBe(false)
  })
  it('a street under its district\'s prefix; a street under another district is refused', () => {
    expect(codes([street])).not.toContain('CODE_PREFIX')
    expect(codes([{ ...street, code: '610303001000' }])).toContain('CODE_PREFIX')
  })
  it('a community whose parent is a district is refused (wrong level)', () => {
    expect(codes([{ ...ok, parentKey: '1' }])).toContain('PARENT_LEVEL')
  })
})
