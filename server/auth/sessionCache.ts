/**
 * Sessions verified without a database round trip on the hot path.
 *
 * Each database client gets one in-process cache: SHA-256 of the session token → the signed-in user
 * (with the department's name, which auth.me shows), kept at most `SESSION_CACHE_TTL_MS` (default
 * 60 s) and never past the session's own expiry. Correctness does not rest on the TTL: an entry is
 * only used while the cache knows it would hear of a change.
 *
 * - **Same process:** logout, a user's role/department/password change and a department rename
 *   drop the entries they affect after their transaction commits.
 * - **Other processes, PostgreSQL:** the same writes call `pg_notify('gridduty_sessions', …)` inside
 *   their transaction, so the notice is delivered exactly when the change commits; every process
 *   LISTENs on one extra connection and drops what the notice names. While that connection is down
 *   (not yet connected, lost, reconnecting) the cache is bypassed and emptied: every request reads
 *   the database, as before the cache existed.
 * - **Other processes, SQLite:** each lookup first reads `PRAGMA data_version` on a read-only handle
 *   of the same file (a shared-memory read, no query): it changes whenever any other connection
 *   commits, and the cache is then emptied. Any write empties it, which is simple and always right.
 *
 * A lookup that missed and read the database stores its answer only if no drop happened while it
 * was reading (a generation counter), so a read racing a logout cannot re-insert the old session.
 */
import Database from 'better-sqlite3'
import pg from 'pg'
import type { Db } from '../db/client.ts'
import { configOf } from '../db/client.ts'
import type { DbConfig } from '../db/config.ts'
import type { SessionUser } from '../domain/user.ts'

export const SESSION_CHANNEL = 'gridduty_sessions'

/** What a change invalidates: one session (token digest), every session of a user, or everything. */
export type SessionChange = { token: string } | { userId: number } | { all: true }

interface Entry { user: SessionUser; expiresAt: number; storedAt: number }

/** Whether cached entries may be used right now (false: read the database). */
interface Freshness {
  usable(cache: SessionCache): boolean
  stop(): Promise<void>
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>()
  private generation = 0
  private readonly waiting = new Map<string, () => void>()
  /** lookups answered from memory / read from the database (for tests and diagnostics) */
  readonly stats = { hits: 0, misses: 0 }

  private freshness: Freshness | null = null

  constructor(private readonly ttlMs: number, private readonly max: number) {}

  /** how this cache learns of changes made elsewhere (without one it trusts only its own drops) */
  attach(freshness: Freshness): void { this.freshness = freshness }

  /** true while entries may be used (PostgreSQL: the listener is listening) */
  live(): boolean { return this.freshness ? this.freshness.usable(this) : true }

  /** the cached user, null for a known-absent session is never cached; undefined = ask the database */
  get(digest: string, nowMs: number): SessionUser | undefined {
    const e = this.freshness && !this.freshness.usable(this) ? undefined : this.entries.get(digest)
    if (!e || e.expiresAt <= nowMs || nowMs - e.storedAt > this.ttlMs) {
      if (e) this.entries.delete(digest)
      this.stats.misses++
      return undefined
    }
    this.stats.hits++
    return e.user
  }

  /** a ticket to pass to `set`: the answer read after it is stored only if nothing was dropped since */
  ticket(): number { return this.generation }

  set(ticket: number, digest: string, user: SessionUser, expiresAt: number, nowMs: number): void {
    if (ticket !== this.generation) return
    if (this.freshness && !this.freshness.usable(this)) return
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(digest, { user, expiresAt, storedAt: nowMs })
  }

  drop(change: SessionChange): void {
    this.generation++
    if ('token' in change) this.entries.delete(change.token)
    else if ('userId' in change) { for (const [k, e] of this.entries) if (e.user.id === change.userId) this.entries.delete(k) }
    else this.entries.clear()
  }

  clear(): void { this.drop({ all: true }) }

  get size(): number { return this.entries.size }

  /** PostgreSQL: resolves when this process's own listener has received notice `nonce` (bounded) */
  echo(nonce: string, timeoutMs = 2000): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.waiting.delete(nonce); resolve() }, timeoutMs)
      t.unref()
      this.waiting.set(nonce, () => { clearTimeout(t); resolve() })
    })
  }

  /** a notice from the channel */
  received(payload: string): void {
    let msg: { c?: SessionChange; n?: string }
    try { msg = JSON.parse(payload) as typeof msg } catch { this.clear(); return }
    this.drop(msg.c ?? { all: true })
    if (msg.n) { this.waiting.get(msg.n)?.(); this.waiting.delete(msg.n) }
  }

  async stop(): Promise<void> {
    const f = this.freshness
    this.freshness = null
    this.entries.clear()
    await f?.stop()
  }
}

/** SQLite: another connection's commit changes `PRAGMA data_version` on this read-only handle. */
function sqliteFreshness(file: string): Freshness {
  let handle: Database.Database | null = null
  let seen: number | null = null
  let broken = false
  return {
    usable(cache) {
      if (broken) return false
      try {
        handle ??= new Database(file, { readonly: true, fileMustExist: true })
        const v = handle.pragma('data_version', { simple: true }) as number
        if (v !== seen) { seen = v; cache.clear() }
        return true
      } catch { broken = true; cache.clear(); return false }
    },
    async stop() { try { handle?.close() } catch { /* closed */ } handle = null },
  }
}

/** PostgreSQL: LISTEN on one dedicated connection; unusable while it is not listening. */
function postgresFreshness(url: string, cache: () => SessionCache): Freshness {
  let client: pg.Client | null = null
  let listening = false
  let stopped = false
  let retry: NodeJS.Timeout | null = null
  const lost = () => {
    if (listening) cache().clear()
    listening = false
    client = null
    if (!stopped && !retry) { retry = setTimeout(() => { retry = null; connect() }, 1000); retry.unref() }
  }
  const connect = () => {
    if (stopped || client) return
    const c = new pg.Client({ connectionString: url })
    client = c
    c.on('error', () => { c.end().catch(() => {}); if (client === c) lost() })
    c.on('end', () => { if (client === c) lost() })
    c.on('notification', (n) => { if (n.channel === SESSION_CHANNEL) cache().received(n.payload ?? '') })
    c.connect()
      .then(() => c.query(`LISTEN ${SESSION_CHANNEL}`))
      .then(() => {
        if (stopped || client !== c) { void c.end().catch(() => {}); return }
        // the listening connection must not keep a finished process alive
        ;(c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.()
        cache().clear()
        listening = true
      })
      .catch(() => { void c.end().catch(() => {}); if (client === c) lost() })
  }
  return {
    usable() { if (!client && !retry) connect(); return listening },
    async stop() {
      stopped = true
      listening = false
      if (retry) clearTimeout(retry)
      const c = client
      client = null
      await c?.end().catch(() => {})
    },
  }
}

const caches = new WeakMap<Db, SessionCache>()

const ttl = () => Number(process.env.SESSION_CACHE_TTL_MS ?? 60_000)

/** The cache of this database client (created on first use), or null when disabled (SESSION_CACHE_TTL_MS=0). */
export function sessionCacheFor(db: Db): SessionCache | null {
  const hit = caches.get(db)
  if (hit) return hit
  const config: DbConfig | undefined = configOf(db)
  if (!config || ttl() <= 0) return null
  const cache = new SessionCache(ttl(), Number(process.env.SESSION_CACHE_MAX ?? 50_000))
  cache.attach(config.provider === 'sqlite' ? sqliteFreshness(config.file) : postgresFreshness(config.url, () => cache))
  caches.set(db, cache)
  return cache
}

/** Stops the cache's side connection (server shutdown). */
export async function stopSessionCache(db: Db): Promise<void> {
  const c = caches.get(db)
  caches.delete(db)
  await c?.stop()
}

type RawTx = { $executeRawUnsafe: (q: string, ...values: unknown[]) => Promise<unknown> }

/**
 * Inside the writing transaction: tells every process on this database that `change` happened
 * (PostgreSQL: delivered at commit; SQLite: other processes see the commit through data_version).
 * Call `afterSessionChange` with the result once the transaction has committed.
 */
export async function announceSessionChange(db: Db, tx: RawTx, change: SessionChange): Promise<{ change: SessionChange; nonce: string | null }> {
  if (configOf(db)?.provider !== 'postgres') return { change, nonce: null }
  const nonce = `${process.pid}-${Math.random().toString(36).slice(2)}`
  await tx.$executeRawUnsafe('SELECT pg_notify($1, $2)', SESSION_CHANNEL, JSON.stringify({ c: change, n: nonce }))
  return { change, nonce }
}

/** After commit: drop locally at once; on PostgreSQL wait (bounded) until the notice went round. */
export async function afterSessionChange(db: Db, announced: { change: SessionChange; nonce: string | null }): Promise<void> {
  const cache = caches.get(db)
  if (!cache) return
  const echoed = announced.nonce && cache.live() ? cache.echo(announced.nonce) : null
  cache.drop(announced.change)
  await echoed
}
