/**
 * Offline capture (离线采集) — the one rule for trusting a device's capture time.
 *
 * A record made without network waits in the phone's queue and reaches the server later. The phone
 * stamps it when it is captured (`deviceCapturedAt`, by the DEVICE's clock) and, when it syncs, sends
 * its clock at that moment (`deviceNow`). The server then knows how wrong the device clock is:
 *
 *   clockOffsetMs = serverNow − deviceNow          (measured at sync; positive = the device is slow)
 *   capturedAt    = deviceCapturedAt + clockOffsetMs  (the capture time on the server's clock)
 *
 * The corrected capture time is accepted as the instant the record was made when
 *   1. both device stamps were sent;
 *   2. it is not after the server's receipt (`serverNow`, with CAPTURE_FUTURE_SLACK_MS for transit);
 *   3. it is not more than `maxQueueHours` (OFFLINE_MAX_QUEUE_HOURS, default 168 = 7 days) before the receipt.
 * Otherwise (`reason` says why) the record is judged from the server's receipt, as an online one.
 *
 * The 补录 window (INSPECTION_BACKFILL_HOURS) and proof of presence (presence.ts, the `late` failure)
 * measure lateness to `judgedAt` = accepted capturedAt, else the server's receipt (recordedAt). The
 * receipt, the raw device stamp and the offset are all stored, so a reader can see both.
 *
 * Limit: a clock moved back before capture and forward again before sync is not detected by the offset
 * (it is 0 at sync); the queue bound (3) caps how far such a record can reach back.
 */

/** Default OFFLINE_MAX_QUEUE_HOURS: the oldest corrected capture time accepted, hours before the receipt. */
export const DEFAULT_OFFLINE_MAX_QUEUE_HOURS = 168

/** Transit slack: a corrected capture time up to this far after the receipt is taken as the receipt. */
export const CAPTURE_FUTURE_SLACK_MS = 2 * 60_000

export type CaptureRejection = 'noCapture' | 'future' | 'tooOld'

export interface CaptureJudgement {
  /** server now − device now at sync (ms); null without a device clock */
  clockOffsetMs: number | null
  /** the corrected capture time when accepted, else null */
  capturedAt: Date | null
  /** why the capture time was not accepted (null = accepted) */
  reason: CaptureRejection | null
}

/** The device clock's error measured at sync: server now − device now, whole milliseconds. */
export function clockOffset(serverNow: Date, deviceNow: Date): number {
  return Math.round(serverNow.getTime() - deviceNow.getTime())
}

/** Judges a record's capture stamps at its receipt (see the module comment for the rule). */
export function judgeCapture(
  stamps: { deviceCapturedAt?: Date | null; deviceNow?: Date | null },
  serverNow: Date,
  maxQueueHours = DEFAULT_OFFLINE_MAX_QUEUE_HOURS,
): CaptureJudgement {
  const offset = stamps.deviceNow ? clockOffset(serverNow, stamps.deviceNow) : null
  if (!stamps.deviceCapturedAt || offset === null) return { clockOffsetMs: offset, capturedAt: null, reason: 'noCapture' }
  const corrected = stamps.deviceCapturedAt.getTime() + offset
  if (corrected > serverNow.getTime() + CAPTURE_FUTURE_SLACK_MS) return { clockOffsetMs: offset, capturedAt: null, reason: 'future' }
  if (serverNow.getTime() - corrected > maxQueueHours * 3_600_000) return { clockOffsetMs: offset, capturedAt: null, reason: 'tooOld' }
  return { clockOffsetMs: offset, capturedAt: new Date(Math.min(corrected, serverNow.getTime())), reason: null }
}

/** The instant lateness is measured to: the accepted corrected capture time, else the server's receipt. */
export function judgedAt(r: { recordedAt: Date; capturedAt?: Date | null }): Date {
  return r.capturedAt ?? r.recordedAt
}
