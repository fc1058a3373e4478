/**
 * Send now, or queue when there is no network (issue 16): the forms call these instead of the
 * mutation. Offline (navigator.onLine false) or a request that never got an answer → the write goes
 * into the queue (queue.ts) under the SAME idempotency key, with its photos as Blobs; the server's
 * refusals are not queued (the form shows them as before).
 */
import { TRPCClientError } from '@trpc/client'
import type { makeTrpcClient, Me, RouterInputs } from '../api.ts'
import { enqueue, newKey, type TransitionPayload } from './queue.ts'
import type { ExifFields } from '../../server/domain/photo/exif.ts'

type Client = ReturnType<typeof makeTrpcClient>

/** A photo as a form holds it: uploaded (id) or only on the phone (file). */
export interface FormPhoto { name: string; file?: Blob; id?: number; exif?: ExifFields | null }

/** No answer from the server: the browser is offline or the request failed on the network. */
export function isNetworkFailure(e: unknown): boolean {
  if (typeof navigator !== 'undefined' && !navigator.onLine) return true
  if (e instanceof TRPCClientError) return !e.data
  return e instanceof TypeError
}

type PhotoToQueue = { name: string; type: string; blob: Blob; exif?: ExifFields; uploadedId?: number }
const queuedPhotos = (photos: FormPhoto[]): PhotoToQueue[] => photos.flatMap((p): PhotoToQueue[] => (p.id !== undefined
  ? [{ name: p.name, type: p.file?.type ?? '', blob: p.file ?? new Blob(), uploadedId: p.id }]
  : p.file ? [{ name: p.name, type: p.file.type, blob: p.file, ...(p.exif ? { exif: p.exif } : {}) }] : []))

export type Queued = { queued: true }

/**
 * inspection.record now, or queued with its capture time (the device clock now; the server corrects
 * it by the clock offset it measures at sync). `photos` are the form's photos (uploaded or not).
 */
export async function recordOrQueueInspection(client: Client, me: Me, input: RouterInputs['inspection']['record'] & { idempotencyKey: string }, photos: FormPhoto[], gridName: string) {
  const capturedAt = new Date().toISOString()
  const { photoIds: _ids, idempotencyKey, ...payload } = input
  const queue = async (): Promise<Queued> => {
    await enqueue({ kind: 'inspection', payload: { ...payload, deviceCapturedAt: capturedAt } }, { key: idempotencyKey, userId: me.id, label: gridName, photos: queuedPhotos(photos) })
    return { queued: true }
  }
  if (!navigator.onLine || photos.some((p) => p.id === undefined && p.file)) return queue()
  try {
    return await client.inspection.record.mutate({ ...input, photoIds: photos.flatMap((p) => (p.id !== undefined ? [p.id] : [])) })
  } catch (e) {
    if (isNetworkFailure(e)) return queue()
    throw e
  }
}

/** A department's workflow step (accept, submit with photos, request extension) now, or queued. */
export async function transitionOrQueue(client: Client, me: Me, input: TransitionPayload & { idempotencyKey?: string }, photos: FormPhoto[]) {
  const { idempotencyKey = newKey(), photoIds: _ids, ...payload } = input as TransitionPayload & { idempotencyKey?: string; photoIds?: number[] }
  const queue = async (): Promise<Queued> => {
    await enqueue({ kind: 'transition', payload }, { key: idempotencyKey, userId: me.id, label: `#${payload.id}`, photos: queuedPhotos(photos) })
    return { queued: true }
  }
  if (!navigator.onLine || photos.some((p) => p.id === undefined && p.file)) return queue()
  try {
    const ids = photos.flatMap((p) => (p.id !== undefined ? [p.id] : []))
    return await client.problem.transition.mutate({ ...payload, ...(ids.length ? { photoIds: ids } : {}), idempotencyKey })
  } catch (e) {
    if (isNetworkFailure(e)) return queue()
    throw e
  }
}

/** The department's steps that may be queued offline. */
export const QUEUEABLE_STEPS: readonly string[] = ['accept', 'submit', 'requestExtension']

/** A step's photos for transitionOrQueue: the uploaded ids and the files kept while offline. */
export function stepPhotos(ids: number[] | undefined, kept: FormPhoto[]): FormPhoto[] {
  return [...(ids ?? []).map((id) => ({ name: `#${id}`, id })), ...kept.filter((k) => k.id === undefined && k.file)]
}

/** Queues a new problem (problem.create) with its photos; the caller found no network. */
export async function queueProblem(me: Me, input: RouterInputs['problem']['create'], photos: FormPhoto[], label: string): Promise<Queued> {
  const { photoIds: _ids, idempotencyKey, ...payload } = input
  await enqueue({ kind: 'problem', payload }, { key: idempotencyKey ?? newKey(), userId: me.id, label, photos: queuedPhotos(photos) })
  return { queued: true }
}
