/**
 * Idempotent writes under a client-generated key (an `Idempotency-Key`, a UUID the client makes once
 * per intended write — one per form instance, one per queued offline entry). The first request with
 * a key does its work and, in the SAME transaction, stores the key with a hash of the request and the
 * response. A retry with the same key and the same request (same user, same procedure) returns the
 * stored response and writes nothing; the same key with another request is refused (CONFLICT
 * `IDEMPOTENCY_KEY_REUSED`). Two retries racing each other: the unique key lets only one transaction
 * commit; the other is rolled back and answers with the stored response.
 *
 * Usage (any write):
 *   return runIdempotent(db, { key, userId, procedure: 'inspection.record', request: input }, async (tx) => { …; return result })
 */
import { createHash } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { constraintError } from '../db/errors.ts'
import { AppError } from '../domain/errors.ts'

export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

export interface IdempotentRequest {
  /** the client's key; undefined = not idempotent (the work simply runs) */
  key: string | undefined
  userId: number
  /** the procedure name, e.g. 'inspection.record' */
  procedure: string
  /** the request payload (without the key); hashed, never stored */
  request: unknown
}

/** JSON with object keys sorted, so the same payload always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return `{${Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonical(request)).digest('hex')
}

const reused = () => new AppError('CONFLICT', 'IDEMPOTENCY_KEY_REUSED', '该提交编号已用于另一份不同的提交')

/** The stored response for this key and request, undefined if the key is new; throws when the key was used otherwise. */
export async function replay<T>(db: Db | Tx, req: IdempotentRequest & { key: string }, hash = requestHash(req.request)): Promise<T | undefined> {
  const row = await db.idempotencyKey.findUnique({ where: { key: req.key } })
  if (!row) return undefined
  if (row.userId !== req.userId || row.procedure !== req.procedure || row.requestHash !== hash) throw reused()
  return JSON.parse(row.response) as T
}

/** Stores the key with the response inside the write's transaction. */
export async function remember(tx: Tx, req: IdempotentRequest & { key: string }, response: unknown, now: Date, hash = requestHash(req.request)) {
  await tx.idempotencyKey.create({ data: { key: req.key, userId: req.userId, procedure: req.procedure, requestHash: hash, response: JSON.stringify(response), createdAt: now } })
}

/**
 * Stores the key after a write that has no transaction of its own (a photo upload): the response of
 * the first request with this key — this one's, or, when a concurrent one stored first, that one's.
 */
export async function rememberAfter<T>(db: Db, req: IdempotentRequest & { key: string }, response: T, now: Date): Promise<T> {
  const plain = JSON.parse(JSON.stringify(response)) as T
  try {
    await db.$transaction((tx) => remember(tx, req, plain, now))
    return plain
  } catch (e) {
    if (constraintError(e)?.appCode === 'ALREADY_EXISTS') {
      const first = await replay<T>(db, req)
      if (first !== undefined) return first
    }
    throw e
  }
}

/**
 * Runs `work` in one transaction at most once per key. `prepare` (optional) runs before the
 * transaction only for a new key (checks that need no lock); a replay skips it.
 * The response must be plain JSON (it is stored and returned as such on a retry).
 */
export async function runIdempotent<T>(db: Db, req: IdempotentRequest, work: (tx: Tx) => Promise<T>, now: Date = new Date()): Promise<T> {
  if (req.key === undefined) return db.$transaction(work)
  const keyed = req as IdempotentRequest & { key: string }
  const hash = requestHash(req.request)
  const first = await replay<T>(db, keyed, hash)
  if (first !== undefined) return first
  try {
    return await db.$transaction(async (tx) => {
      const result = await work(tx)
      const plain = JSON.parse(JSON.stringify(result)) as T
      await remember(tx, keyed, plain, now, hash)
      return plain
    })
  } catch (e) {
    // a concurrent request with the same key committed first: answer as a retry
    if (constraintError(e)?.appCode === 'ALREADY_EXISTS') {
      const again = await replay<T>(db, keyed, hash)
      if (again !== undefined) return again
    }
    throw e
  }
}
