/**
 * A ledger above the old limits (50,000 rows) over HTTP: the preview answer is bounded (every bad
 * row up to BAD_ROWS_LISTED, the first GOOD_ROWS_LISTED good ones, the rest counted) while its counts
 * are exact and every bad row is counted by reason; the commit (the file uploaded again, checked
 * again on the server) imports every good row.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BAD_ROWS_LISTED, GOOD_ROWS_LISTED } from '../../server/services/problemImport.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const ROWS = 60_000
/** every 5th row names a category that does not exist, every 97th has no coordinates */
const isUnknown = (i: number) => i % 5 === 4
const isMissing = (i: number) => !isUnknown(i) && i % 97 === 0

interface Answer {
  summary: { total: number; ok: number; skipped: number; failed: number; imported?: number }
  rows: { row: number; ok: boolean; reason?: string; problemId?: number }[]
  omitted: { ok: number; bad: number }
  reasons: Record<string, number>
  committed?: boolean
  batchId?: number
}

describe.each(testDatabases())('a ledger above the old row limit on %s', (db) => {
  let app: RunningApp
  let cookie: string
  let body: Buffer
  beforeAll(async () => {
    app = await startApp({ db })
    cookie = await sessionCookieFor(app.url, 'leader')
    const grids = await app.db.grid.findMany({ where: { level: 'community', retiredAt: null }, select: { geometry: true } })
    const pts = grids.map((g) => pointOnFeature({ type: 'Feature', properties: {}, geometry: JSON.parse(g.geometry) as GeoJSON.Polygon }).geometry.coordinates as [number, number])
    const lines = ['工单编号,上报时间,类别,描述,经度,纬度']
    for (let i = 0; i < ROWS; i++) {
      const [x, y] = pts[i % pts.length]!
      const cat = isUnknown(i) ? '不存在的类别' : ['LJ01', 'XX01', 'JT01'][i % 3]
      lines.push(`BIGLEDGER-${i},2026-11-${String(1 + (i % 28)).padStart(2, '0')} 08:00,${cat},第${i}行,${isMissing(i) ? '' : x},${isMissing(i) ? '' : y}`)
    }
    body = Buffer.from(lines.join('\n') + '\n')
  }, 120_000)
  afterAll(async () => { await app?.stop() })

  const post = async (query: string): Promise<{ answer: Answer; bytes: number }> => {
    const res = await fetch(`${app.url}/api/import/problems?coords=wgs84&source=big&${query}`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: body as unknown as BodyInit })
    const text = await res.text()
    expect(res.status, text.slice(0, 300)).toBe(200)
    return { answer: JSON.parse(text) as Answer, bytes: Buffer.byteLength(text) }
  }

  it('previews 60,000 rows with exact counts, every bad row counted by reason, and a bounded answer; commits every good row', async () => {
    let unknown = 0, missing = 0
    for (let i = 0; i < ROWS; i++) { if (isUnknown(i)) unknown++; else if (isMissing(i)) missing++ }
    const good = ROWS - unknown - missing
    expect(unknown + missing).toBeGreaterThan(BAD_ROWS_LISTED) // so some bad rows are left out of the list

    const { answer: preview, bytes } = await post('mode=preview')
    expect(preview.summary).toMatchObject({ total: ROWS, ok: good, failed: unknown + missing, skipped: 0 })
    expect(preview.reasons).toEqual({ UNKNOWN_CATEGORY: unknown, MISSING_COORDINATES: missing })
    // the list: the first BAD_ROWS_LISTED bad rows and the first GOOD_ROWS_LISTED good ones, in row order
    const bad = preview.rows.filter((r) => !r.ok), ok = preview.rows.filter((r) => r.ok)
    expect(bad).toHaveLength(BAD_ROWS_LISTED)
    expect(ok).toHaveLength(GOOD_ROWS_LISTED)
    expect(preview.omitted).toEqual({ ok: good - GOOD_ROWS_LISTED, bad: unknown + missing - BAD_ROWS_LISTED })
    expect(preview.rows.map((r) => r.row)).toEqual([...preview.rows.map((r) => r.row)].sort((a, b) => a - b))
    // row i + 2 holds line i (row 1 is the header)
    const lineNos = Array.from({ length: ROWS }, (_, i) => i)
    expect(ok.map((r) => r.row)).toEqual(lineNos.filter((i) => !isUnknown(i) && !isMissing(i)).slice(0, GOOD_ROWS_LISTED).map((i) => i + 2))
    expect(bad.map((r) => r.row)).toEqual(lineNos.filter((i) => isUnknown(i) || isMissing(i)).slice(0, BAD_ROWS_LISTED).map((i) => i + 2))
    // 60,000 row objects would be ≈ 10 MB; the bounded answer is a fraction of it
    console.log(`[bigLedgerImport] preview answer ${bytes} bytes for ${ROWS} rows`)
    expect(bytes).toBeLessThan(2_500_000)

    // all-or-nothing: the commit writes the good rows while the file (two parts) is still read, and
    // the bad rows refuse the file at its end: the transaction rolls back, nothing of it stays
    const before = { problems: await app.db.problem.count(), events: await app.db.problemEvent.count(), batches: await app.db.importBatch.count(), audits: await app.db.auditLog.count() }
    const { answer: refused } = await post('mode=commit&commitMode=all-or-nothing')
    expect(refused.committed).toBe(false)
    expect(refused.summary).toMatchObject({ total: ROWS, ok: good, failed: unknown + missing, imported: 0 })
    expect({ problems: await app.db.problem.count(), events: await app.db.problemEvent.count(), batches: await app.db.importBatch.count(), audits: await app.db.auditLog.count() }).toEqual(before)

    const { answer: commit } = await post('mode=commit&commitMode=good-rows')
    expect(commit.committed).toBe(true)
    expect(commit.summary).toMatchObject({ total: ROWS, ok: good, imported: good })
    expect(commit.rows.filter((r) => r.ok).every((r) => typeof r.problemId === 'number')).toBe(true)
    expect(await app.db.problem.count({ where: { importBatchId: commit.batchId! } })).toBe(good)
    const ids = await app.db.problem.findMany({ where: { importBatchId: commit.batchId! }, select: { externalId: true } })
    expect(new Set(ids.map((p) => p.externalId)).size).toBe(good)
  }, 600_000)
})
