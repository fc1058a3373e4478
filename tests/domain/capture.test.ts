/** The offline capture rule (server/domain/inspection/capture.ts) on hand-made stamps. */
import { describe, expect, it } from 'vitest'
import { clockOffset, judgeCapture, judgedAt } from '../../server/domain/inspection/capture.ts'
import { isBackfill } from '../../server/domain/inspection/presence.ts'

const at = (s: string) => new Date(s)
const server = at('2026-11-20T10:00:00Z')

describe('offline capture time', () => {
  it('offset = server now − device now; a slow device clock is moved forward', () => {
    expect(clockOffset(server, at('2026-11-20T09:55:00Z'))).toBe(300_000)
    expect(clockOffset(server, at('2026-11-20T10:03:00Z'))).toBe(-180_000)
    // device 5 minutes slow: captured at 07:00 device time = 07:05 real time
    const j = judgeCapture({ deviceCapturedAt: at('2026-11-20T07:00:00Z'), deviceNow: at('2026-11-20T09:55:00Z') }, server)
    expect(j).toEqual({ clockOffsetMs: 300_000, capturedAt: at('2026-11-20T07:05:00Z'), reason: null })
  })

  it('a fast device clock is moved back', () => {
    const j = judgeCapture({ deviceCapturedAt: at('2026-11-19T12:00:00Z'), deviceNow: at('2026-11-20T11:00:00Z') }, server)
    expect(j.capturedAt).toEqual(at('2026-11-19T11:00:00Z'))
    expect(j.clockOffsetMs).toBe(-3_600_000)
  })

  it('without both device stamps the record is judged at the receipt', () => {
    expect(judgeCapture({ deviceCapturedAt: at('2026-11-20T07:00:00Z') }, server)).toEqual({ clockOffsetMs: null, capturedAt: null, reason: 'noCapture' })
    expect(judgeCapture({ deviceNow: at('2026-11-20T10:00:00Z') }, server)).toEqual({ clockOffsetMs: 0, capturedAt: null, reason: 'noCapture' })
  })

  it('a corrected capture after the receipt is refused; within the transit slack it is the receipt', () => {
    const later = judgeCapture({ deviceCapturedAt: at('2026-11-20T10:10:00Z'), deviceNow: at('2026-11-20T10:00:00Z') }, server)
    expect(later).toMatchObject({ capturedAt: null, reason: 'future' })
    const slack = judgeCapture({ deviceCapturedAt: at('2026-11-20T10:01:00Z'), deviceNow: at('2026-11-20T10:00:00Z') }, server)
    expect(slack).toMatchObject({ capturedAt: server, reason: null })
  })

  it('a capture older than the queue bound is judged at the receipt', () => {
    const old = judgeCapture({ deviceCapturedAt: at('2026-11-12T09:59:00Z'), deviceNow: server }, server) // 8 days
    expect(old).toMatchObject({ capturedAt: null, reason: 'tooOld', clockOffsetMs: 0 })
    const bound = judgeCapture({ deviceCapturedAt: at('2026-11-17T10:00:00Z'), deviceNow: server }, server, 72)
    expect(bound.capturedAt).toEqual(at('2026-11-17T10:00:00Z'))
    expect(judgeCapture({ deviceCapturedAt: at('2026-11-17T09:59:00Z'), deviceNow: server }, server, 72).reason).toBe('tooOld')
  })

  it('the backfill window is measured to the corrected capture time, not the late sync', () => {
    const date = at('2026-11-17T04:00:00Z') // the inspection's day, noon in Beijing
    const recordedAt = at('2026-11-20T10:00:00Z') // synced 78 h later
    expect(isBackfill({ date, recordedAt: judgedAt({ recordedAt }) })).toBe(true)
    const capturedAt = judgeCapture({ deviceCapturedAt: at('2026-11-17T05:00:00Z'), deviceNow: at('2026-11-20T09:00:00Z') }, recordedAt).capturedAt
    expect(capturedAt).toEqual(at('2026-11-17T06:00:00Z'))
    expect(isBackfill({ date, recordedAt: judgedAt({ recordedAt, capturedAt }) })).toBe(false)
  })
})
