import { describe, expect, it } from 'vitest'
import {
  DEFAULT_INTEGRITY_THRESHOLDS, inLastDaysOfMonth, integritySignals, reusedPhotoPairs, SIGNAL_KEYS,
  type IntegrityInput, type IntegrityPhoto, type IntegrityThresholds, type SignalKey,
} from '../../server/domain/integrity/signals.ts'
import { fixtureTable } from './fixtureTable.ts'

type Input = IntegrityInput & { signal: SignalKey; thresholds?: Partial<IntegrityThresholds> }

describe('integrity signal fixtures (tests/fixtures/integrity), one per signal', () => {
  fixtureTable<Input>('integrity', (input) =>
    integritySignals(input, input.thresholds).departments.map((d) => ({ departmentId: d.departmentId, ...d.signals[input.signal] })), SIGNAL_KEYS.length)
})

describe('integrity report', () => {
  it('every signal has a fixture folder', async () => {
    const fs = await import('node:fs')
    const signals = fs.readdirSync('tests/fixtures/integrity').map((c) => JSON.parse(fs.readFileSync(`tests/fixtures/integrity/${c}/input.json`, 'utf8')).signal)
    expect(new Set(signals)).toEqual(new Set(SIGNAL_KEYS))
  })
  it('lists departments with any activity, most flagged first, with every signal and the thresholds used', () => {
    const at = (s: string) => new Date(`${s}+08:00`)
    const r = integritySignals({
      from: '2026-10', to: '2026-10',
      departments: [{ id: 1, name: 'A' }, { id: 2, name: 'B' }, { id: 3, name: 'C (idle)' }],
      inspections: [{ id: 1, departmentId: 1, gridId: 1, date: at('2026-10-03T10:00:00') }],
      photos: [],
      problems: [
        { id: 5, departmentId: 2, status: 'closed', reportedAt: at('2026-10-03T10:00:00'), closedAt: at('2026-10-03T10:05:00') },
      ],
    }, { quickCloseMinutes: 10 })
    expect(r.departments.map((d) => [d.departmentId, d.flagged])).toEqual([[2, 1], [1, 0]])
    expect(Object.keys(r.departments[0]!.signals)).toEqual([...SIGNAL_KEYS])
    expect(r.thresholds).toEqual({ ...DEFAULT_INTEGRITY_THRESHOLDS, quickCloseMinutes: 10 })
  })
  it('refuses a reversed range', () => {
    expect(() => integritySignals({ from: '2026-10', to: '2026-09', departments: [], inspections: [], photos: [], problems: [] })).toThrow(/range/)
  })
  it('last N days are Beijing calendar days', () => {
    expect(inLastDaysOfMonth(new Date('2026-10-28T15:59:00Z'), 3)).toBe(false) // 23:59 on the 28th
    expect(inLastDaysOfMonth(new Date('2026-10-28T16:00:00Z'), 3)).toBe(true) // 00:00 on the 29th
    expect(inLastDaysOfMonth(new Date('2026-02-26T10:00:00+08:00'), 3)).toBe(true)
    expect(inLastDaysOfMonth(new Date('2026-02-25T10:00:00+08:00'), 3)).toBe(false)
  })
  it('the indexed photo search finds exactly the pairs a full comparison finds', () => {
    let seed = 7
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed }
    const hex = () => Array.from({ length: 16 }, () => (rnd() % 16).toString(16)).join('')
    const flip = (h: string, bits: number[]) => { let x = BigInt(`0x${h}`); for (const b of bits) x ^= 1n << BigInt(b); return x.toString(16).padStart(16, '0') }
    const photos: IntegrityPhoto[] = []
    for (let i = 0; i < 60; i++) {
      const h = hex()
      photos.push({ id: i * 2, departmentId: 1, record: { kind: 'inspection', id: i * 2, date: new Date() }, dHash: h })
      photos.push({ id: i * 2 + 1, departmentId: 1, record: { kind: 'problem', id: i, date: new Date() }, dHash: flip(h, Array.from({ length: i % 10 }, (_, k) => (k * 7 + i) % 64)) })
    }
    const indexed = reusedPhotoPairs(photos, 6).map(([a, b]) => `${a.id}-${b.id}`)
    const brute = reusedPhotoPairs(photos, 64).filter(([a, b]) => {
      let x = BigInt(`0x${a.dHash}`) ^ BigInt(`0x${b.dHash}`), n = 0
      while (x) { n += Number(x & 1n); x >>= 1n }
      return n <= 6
    }).map(([a, b]) => `${a.id}-${b.id}`)
    expect(indexed).toEqual(brute)
    // pairs i with i % 10 ≤ 6 flipped bits: 7 of every 10
    expect(indexed.length).toBeGreaterThanOrEqual(42)
  })
})
