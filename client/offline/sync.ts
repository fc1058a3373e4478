/**
 * Sends the offline queue (queue.ts) to the server — the sync rules (docs/offline.md):
 *   - by itself when the network returns (the `online` event), at start, and every few seconds while
 *     entries wait; on demand with the banner's button. One tab syncs at a time (Web Locks).
 *   - entries go oldest first; photos first (each under its own key, its id kept so a retry skips it),
 *     then the procedure under the entry's idempotency key with the device clock at sending (`deviceNow`,
 *     for the server's clock-offset correction of inspections).
 *   - no network, a server error (5xx) or rate limit: the entry waits and is retried with exponential
 *     backoff (2 s … 5 min). An expired session: everything waits until the user signs in again.
 *   - the problem moved on meanwhile (CONFLICT): the entry is kept as a conflict for the user to see;
 *     it is never re-sent with the new version by itself.
 *   - any other refusal: the entry is kept as failed with the server's reason; the user fixes or discards it.
 *   - accepted (or answered from the key, which is the same): the entry is removed.
 */
import { TRPCClientError } from '@trpc/client'
import type { makeTrpcClient } from '../api.ts'
import { getItem, listQueue, removeItem, updateItem, type QueueItem } from './queue.ts'

type Client = ReturnType<typeof makeTrpcClient>

const MIN_BACKOFF_MS = 2_000
const MAX_BACKOFF_MS = 5 * 60_000
/** How often waiting entries are looked at while the page is open. */
const TICK_MS = 5_000

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, attempts - 1))
}

/** How a failed try is handled. */
type Outcome = { retry: true; stopAll?: boolean } | { retry: false; state: 'failed' | 'conflict' }

class NetworkError extends Error {}
class SignedOut extends Error {}

function classify(e: unknown): Outcome {
  if (e instanceof NetworkError) return { retry: true }
  if (e instanceof SignedOut) return { retry: true, stopAll: true }
  if (e instanceof TRPCClientError) {
    const data = e.data as { code?: string; httpStatus?: number; appCode?: string } | undefined
    if (!data) return { retry: true } // no answer: the network
    if (data.code === 'UNAUTHORIZED') return { retry: true, stopAll: true }
    if ((data.httpStatus ?? 0) >= 500 || data.code === 'TOO_MANY_REQUESTS') return { retry: true }
    if (data.code === 'CONFLICT' && data.appCode !== 'IDEMPOTENCY_KEY_REUSED') return { retry: false, state: 'conflict' }
    return { retry: false, state: 'failed' }
  }
  return { retry: false, state: 'failed' }
}

function reasonOf(e: unknown): QueueItem['error'] {
  if (e instanceof TRPCClientError) {
    const data = e.data as { code?: string; appCode?: string } | undefined
    return { message: e.message, appCode: data?.appCode, code: data?.code }
  }
  return { message: e instanceof Error ? e.message : String(e) }
}

/** Uploads one queued photo under its key; the photo id, or throws (NetworkError to retry). */
async function uploadQueuedPhoto(photo: QueueItem['photos'][number], key: string): Promise<number> {
  // loaded when a queued photo is sent, not with the map: photos.ts brings the EXIF reader (exifr) along; precached for offline
  const { exifHeaders } = await import('../features/problems/photos.ts')
  let res: Response
  try {
    res = await fetch('/api/photos', {
      method: 'POST', body: photo.blob, credentials: 'same-origin',
      headers: { 'content-type': photo.type || 'application/octet-stream', 'idempotency-key': key, ...exifHeaders(photo.exif) },
    })
  } catch {
    throw new NetworkError('网络不可用')
  }
  const body = await res.json().catch(() => ({})) as { id?: number; error?: { message?: string; appCode?: string } }
  if (res.ok && typeof body.id === 'number') return body.id
  if (res.status === 401) throw new SignedOut(body.error?.message ?? '请先登录')
  if (res.status >= 500) throw new NetworkError(body.error?.message ?? String(res.status))
  throw Object.assign(new Error(body.error?.message ?? `照片上传失败（${res.status}）`), { appCode: body.error?.appCode })
}

/** A photo's key: stable per entry and photo (the entry's key with the photo's index in its last digits). */
export function photoKey(itemKey: string, index: number): string {
  const tail = (parseInt(itemKey.slice(-4), 16) + index + 1) % 0x10000
  return `${itemKey.slice(0, -4)}${tail.toString(16).padStart(4, '0')}`
}

async function send(client: Client, item: QueueItem): Promise<void> {
  const photoIds: number[] = []
  for (const [i, photo] of item.photos.entries()) {
    if (photo.uploadedId === undefined) {
      await updateItem(item.key, { progress: `${i + 1}/${item.photos.length}` })
      const id = await uploadQueuedPhoto(photo, photoKey(item.key, i))
      await updateItem(item.key, (cur) => ({ ...cur, photos: cur.photos.map((p, j) => (j === i ? { ...p, uploadedId: id } : p)) }))
      photoIds.push(id)
    } else photoIds.push(photo.uploadedId)
  }
  await updateItem(item.key, { progress: undefined })
  const idempotencyKey = item.key
  switch (item.kind) {
    case 'inspection':
      await client.inspection.record.mutate({ ...item.payload, photoIds, idempotencyKey, deviceNow: new Date().toISOString() })
      return
    case 'problem':
      await client.problem.create.mutate({ ...item.payload, ...(photoIds.length ? { photoIds } : {}), idempotencyKey })
      return
    case 'transition':
      await client.problem.transition.mutate({ ...item.payload, ...(photoIds.length ? { photoIds } : {}), idempotencyKey })
  }
}

export interface SyncReport { sent: number; failed: number; conflicts: number; waiting: number }

let running: Promise<SyncReport> | null = null

/**
 * Sends the user's entries that are due (`force`: every waiting, failed-for-network one now).
 * Entries in `failed` or `conflict` are left alone unless `retryKeys` names them (the user's "retry").
 */
export function syncNow(client: Client, userId: number, opts: { force?: boolean; retryKeys?: string[]; onSent?: () => void } = {}): Promise<SyncReport> {
  if (running) return running.then(() => syncNow(client, userId, opts))
  const run = async (): Promise<SyncReport> => {
    const report: SyncReport = { sent: 0, failed: 0, conflicts: 0, waiting: 0 }
    for (const key of opts.retryKeys ?? []) await updateItem(key, { state: 'waiting', nextAt: 0, error: undefined })
    for (const listed of await listQueue(userId)) {
      const item = await getItem(listed.key) // another tab may have sent it meanwhile
      if (!item || item.state === 'failed' || item.state === 'conflict') continue
      if (!opts.force && item.nextAt > Date.now()) { report.waiting++; continue }
      await updateItem(item.key, { state: 'syncing', error: undefined })
      try {
        await send(client, item)
        await removeItem(item.key)
        report.sent++
        opts.onSent?.()
      } catch (e) {
        const outcome = classify(e)
        if (outcome.retry) {
          const attempts = item.attempts + 1
          await updateItem(item.key, { state: 'waiting', attempts, nextAt: Date.now() + backoffMs(attempts), progress: undefined, error: reasonOf(e) })
          report.waiting++
          if (outcome.stopAll || e instanceof NetworkError || !(e instanceof TRPCClientError) || !e.data) break // the network is down: stop here
        } else {
          await updateItem(item.key, { state: outcome.state, attempts: item.attempts + 1, progress: undefined, error: reasonOf(e) })
          if (outcome.state === 'conflict') report.conflicts++
          else report.failed++
        }
      }
    }
    return report
  }
  const locked = (): Promise<SyncReport> => (navigator.locks
    ? navigator.locks.request('gridduty-sync', run) as Promise<SyncReport>
    : run())
  running = locked().finally(() => { running = null })
  return running
}

/**
 * Starts syncing by itself for the signed-in user: at once, when the network returns, and every
 * TICK_MS while entries are due. Returns the stop function.
 */
export function startAutoSync(client: Client, userId: number, onSent: () => void): () => void {
  const go = (force = false) => { if (navigator.onLine) void syncNow(client, userId, { force, onSent }).catch(() => undefined) }
  const online = () => go(true)
  window.addEventListener('online', online)
  const timer = window.setInterval(() => go(false), TICK_MS)
  void recoverInterrupted(userId).then(() => go(true))
  return () => { window.removeEventListener('online', online); window.clearInterval(timer) }
}

/** Entries left in the "syncing" state by a closed tab are waiting again (run once at start). */
export async function recoverInterrupted(userId: number): Promise<void> {
  for (const i of await listQueue(userId)) if (i.state === 'syncing') await updateItem(i.key, { state: 'waiting', progress: undefined })
}
