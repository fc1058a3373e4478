/**
 * The offline write queue (issue 16, docs/offline.md): records made without network wait here, in
 * IndexedDB (the `idb` library), photos as Blobs, until they reach the server. It survives a reload,
 * closing the tab and restarting the phone. Each entry carries the idempotency key its procedure is
 * sent with, so sending it twice (a lost answer, two tabs) stores it once on the server.
 *
 * This module is storage and change notification only; sync.ts sends the entries.
 */
import type { ExifFields } from '../../server/domain/photo/exif.ts'
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { RouterInputs } from '../api.ts'

export type InspectionPayload = Omit<RouterInputs['inspection']['record'], 'photoIds' | 'idempotencyKey' | 'deviceNow'>
export type ProblemPayload = Omit<RouterInputs['problem']['create'], 'photoIds' | 'idempotencyKey'>
export type TransitionPayload = Omit<RouterInputs['problem']['transition'], 'photoIds' | 'idempotencyKey'>

/** What a queued entry does (one per queued procedure). */
export type QueuedWrite =
  | { kind: 'inspection'; payload: InspectionPayload }
  | { kind: 'problem'; payload: ProblemPayload }
  | { kind: 'transition'; payload: TransitionPayload }

export interface QueuedPhoto {
  name: string
  type: string
  blob: Blob
  /** EXIF time/GPS read from the original before it was shrunk (sent as the X-Exif-* headers) */
  exif?: ExifFields
  /** set once uploaded (a retry then skips it) */
  uploadedId?: number
}

/**
 * waiting: to be sent (again at `nextAt`); syncing: being sent; failed: the server refused it (reason in
 * `error`, the user fixes or discards it); conflict: the problem moved on meanwhile (never overwritten).
 */
export type QueueState = 'waiting' | 'syncing' | 'failed' | 'conflict'

export type QueueItem = QueuedWrite & {
  /** the idempotency key (UUID) the procedure is sent with */
  key: string
  /** the signed-in user who made it (only that user's session sends it) */
  userId: number
  /** a short line for the list, e.g. "检查 · 南面滩社区" */
  label: string
  /** device clock (ms) when it was queued */
  queuedAt: number
  photos: QueuedPhoto[]
  state: QueueState
  attempts: number
  /** device clock (ms) of the next automatic try */
  nextAt: number
  /** what is happening now, e.g. "照片 1/2" */
  progress?: string
  /** the server's (or the network's) reason of the last failed try */
  error?: { message: string; appCode?: string; code?: string }
}

interface OfflineDb extends DBSchema {
  queue: { key: string; value: QueueItem; indexes: { byUser: number } }
}

const DB_NAME = 'gridduty-offline'
let dbPromise: Promise<IDBPDatabase<OfflineDb>> | null = null

function db(): Promise<IDBPDatabase<OfflineDb>> {
  dbPromise ??= openDB<OfflineDb>(DB_NAME, 1, {
    upgrade(d) {
      const store = d.createObjectStore('queue', { keyPath: 'key' })
      store.createIndex('byUser', 'userId')
    },
  })
  return dbPromise
}

// --- change notification (this tab and the others) -------------------------------------------
const listeners = new Set<() => void>()
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('gridduty-offline') : null
channel?.addEventListener('message', () => { for (const l of listeners) l() })

function changed(): void {
  for (const l of listeners) l()
  channel?.postMessage('changed')
}

export function onQueueChange(l: () => void): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

// --- storage ----------------------------------------------------------------------------------

/** A v4 UUID (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/** Queues a write; `key` is the idempotency key it will be sent with (reuse the form's key). */
export async function enqueue(write: QueuedWrite, opts: { key?: string; userId: number; label: string; photos?: { name: string; type: string; blob: Blob; exif?: ExifFields; uploadedId?: number }[] }): Promise<QueueItem> {
  const item = {
    ...write, key: opts.key ?? newKey(), userId: opts.userId, label: opts.label, queuedAt: Date.now(),
    photos: (opts.photos ?? []).map((p) => ({ name: p.name, type: p.type, blob: p.blob, ...(p.exif ? { exif: p.exif } : {}), ...(p.uploadedId !== undefined ? { uploadedId: p.uploadedId } : {}) })),
    state: 'waiting', attempts: 0, nextAt: 0,
  } as QueueItem
  await (await db()).put('queue', item)
  changed()
  // ask the browser not to evict the queue under storage pressure (best effort)
  void navigator.storage?.persist?.().catch(() => undefined)
  return item
}

/** The user's entries, oldest first. */
export async function listQueue(userId: number): Promise<QueueItem[]> {
  const items = await (await db()).getAllFromIndex('queue', 'byUser', userId)
  return items.sort((a, b) => a.queuedAt - b.queuedAt)
}

export async function getItem(key: string): Promise<QueueItem | undefined> {
  return (await db()).get('queue', key)
}

/** Updates an entry in place (no-op when it was removed meanwhile). */
export async function updateItem(key: string, change: Partial<QueueItem> | ((i: QueueItem) => QueueItem)): Promise<QueueItem | undefined> {
  const d = await db()
  const tx = d.transaction('queue', 'readwrite')
  const cur = await tx.store.get(key)
  if (!cur) { await tx.done; return undefined }
  const next = typeof change === 'function' ? change(cur) : ({ ...cur, ...change } as QueueItem)
  await tx.store.put(next)
  await tx.done
  changed()
  return next
}

export async function removeItem(key: string): Promise<void> {
  await (await db()).delete('queue', key)
  changed()
}
