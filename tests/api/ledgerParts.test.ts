/**
 * The ledger read in parts (server/services/ledgerParts.ts, the heavy-task pool posting parts while it
 * reads) gives exactly the rows of the read in one piece, in order: every good row's values and every
 * bad row's reason, the real fixture ledgers (title rows, merged headers, GB18030, bad rows) and a
 * generated one spanning many parts. Also the checker alone (takePart between pushes).
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { badAt, candidateAt, LedgerChecker, type CheckedLedger, type LedgerCheckOptions } from '../../server/domain/problem/ledgerCheck.ts'
import { readLedgerInParts } from '../../server/services/ledgerParts.ts'
import { createHash } from 'node:crypto'
import { closeHeavyPool } from '../../server/services/heavy.ts'
import { parseTable } from '../../server/workers/spreadsheet.ts'

const dir = path.resolve('tests/fixtures/import/ledgers')
const CATEGORIES: [string, string][] = [['LJ01', 'LJ01'], ['暴露垃圾', 'LJ01'], ['XX01', 'XX01'], ['乱堆乱放', 'XX01'], ['JT01', 'JT01'], ['机动车乱停乱放', 'JT01'], ['LM01', 'LM01'], ['路面破损', 'LM01']]
const OPTS: LedgerCheckOptions = { coordSystem: 'wgs84', categories: CATEGORIES, now: Date.parse('2027-01-01T00:00:00Z') }
const LIMITS = { maxRows: 100_000, maxCells: 2_000_000, headerless: true }

/** every row of a checked ledger (or of its parts in order) as plain values, in row order */
function flatten(parts: CheckedLedger[]) {
  const good: unknown[] = [], bad: unknown[] = []
  for (const p of parts) {
    for (let i = 0; i < p.candidates.n; i++) good.push(candidateAt(p.candidates, i))
    for (let i = 0; i < p.bad.n; i++) bad.push(badAt(p.bad, i))
  }
  const last = parts[parts.length - 1]!
  return { good, bad, total: last.total, headers: last.headers, mapping: last.mapping, source: last.source, missing: last.missing }
}

/** a ledger of n rows, one in 7 bad (unknown category, coordinates out of range or missing) */
function generated(n: number): Buffer {
  const lines = ['2026年11月问题台账', '工单编号,上报时间,类别,描述,经度,纬度']
  for (let i = 0; i < n; i++) {
    const cat = i % 7 === 3 ? '不存在' : CATEGORIES[i % CATEGORIES.length]![0]
    const lng = i % 7 === 5 ? '999' : (108.9 + (i % 1000) / 5000).toFixed(6)
    lines.push(`T-${i},2026/10/${1 + (i % 28)} ${i % 24}:${String(i % 60).padStart(2, '0')},${cat},描述${i},${lng},${i % 11 === 0 ? '' : (34.2 + (i % 997) / 5000).toFixed(6)}`)
  }
  return Buffer.from(lines.join('\n') + '\n')
}

afterAll(() => closeHeavyPool())

describe('a ledger read in parts', () => {
  const files = fs.readdirSync(dir).filter((f) => /\.(csv|xlsx)$/.test(f))

  it('the checker alone: parts taken every few rows concatenate to the ledger read in one piece', async () => {
    expect(files.length).toBeGreaterThan(2)
    for (const f of [...files, 'generated']) {
      const rows = f === 'generated' ? (await parseTable(generated(3000), LIMITS)).rows : (await parseTable(fs.readFileSync(path.join(dir, f)), LIMITS)).rows
      const whole = new LedgerChecker(OPTS)
      for (const r of rows) whole.push(r)
      const inParts = new LedgerChecker(OPTS), parts: CheckedLedger[] = []
      rows.forEach((r, i) => {
        inParts.push(r)
        if (i % 37 === 36) { const p = inParts.takePart(); if (p) parts.push(p) }
      })
      parts.push(inParts.finish())
      const one = flatten([whole.finish()])
      expect(one.good.length + one.bad.length, f).toBe(one.total)
      expect(flatten(parts), f).toEqual(one)
      if (f === 'generated') expect(parts.length).toBeGreaterThan(50)
    }
  })

  it('through the heavy-task pool: every part in order, the same rows as the ledger checked in one piece', async () => {
    const bytes = generated(23_456)
    const checker = new LedgerChecker(OPTS)
    for (const r of (await parseTable(bytes, LIMITS)).rows) checker.push(r)
    const whole = checker.finish()
    const parts: CheckedLedger[] = []
    const lastFlags: boolean[] = []
    const res = await readLedgerInParts(bytes, LIMITS, OPTS, async (p, last) => {
      await new Promise((r) => setTimeout(r, 5)) // a slow consumer: parts queue, order is kept
      parts.push(p); lastFlags.push(last)
    }, { partRows: 1000 })
    expect(res.parts).toBe(parts.length)
    expect(parts.length).toBeGreaterThan(20)
    expect(lastFlags.filter(Boolean)).toEqual([true])
    expect(lastFlags[lastFlags.length - 1]).toBe(true)
    expect(res.fileHash).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(res.total).toBe(23_456)
    const a = flatten(parts), b = flatten([whole])
    expect(a.good.length).toBeGreaterThan(15_000)
    expect(a.bad.length).toBeGreaterThan(3_000)
    expect(a).toEqual(b)
  })

  it('a consumer that fails: the error comes back, no later part is handed over', async () => {
    let seen = 0
    await expect(readLedgerInParts(generated(5000), LIMITS, OPTS, async () => { if (++seen === 2) throw new Error('disk full') }, { partRows: 500 })).rejects.toThrow('disk full')
    expect(seen).toBe(2)
  })
})
