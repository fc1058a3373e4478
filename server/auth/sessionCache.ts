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
 *   the database, as before the cache existed. Delivery to the other processes is asynchronous, so
 *   the writer does not answer until every listening process has acknowledged the notice (each
 *   listener answers on `gridduty_sessions_ack` after dropping; the writer counts the listeners in
 *   `pg_stat_activity` by their application name; bounded by 2 s): a request sent after the change
 *   returned finds no stale session in any process.
 * - **Other processes, SQLite:** each lookup first waits for a read of `PRAGMA data_version` on a
 *   read-only handle of the same file (a shared-memory read, no query): it changes whenever any other
 *   connection commits, and the cache is then emptied. Any write empties it, which is simple and
 *   always right. The read is shared: the lookups that start during one turn of the event loop wait
 *   for one read made at the end of that turn (setImmediate), which is after each of them started —
 *   so a commit that ended before a request arrived is always seen — and costs one read per turn
 *   instead of one per request (the read was ~10 % of a cached `grid.locate`'s CPU, profiled).
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
const ACK_CHANNEL = 'gridduty_sessions_ack'
/** the application name of every process's listening connection (counted to know how many acks to await) */
const LISTENER_NAME = 'gridduty-session-listener'

/** What a change invalidates: one session (token digest), every session of a user, or everything. */
export type SessionChange = { token: string } | { userId: number } | { all: true }

interface Entry { user: SessionUser; expiresAt: number; storedAt: number }

/** How a cache learns of changes made by other processes. */
interface Freshness {
  /**
   * Whether cached entries may answer a lookup that started before this call (false: read the
   * database); may first read the database's change marker (and empty the cache when it moved).
   */
  check(cache: SessionCache): boolean | Promise<boolean>
  /** whether entries may be stored now, without any I/O (the next `check` catches a change since) */
  usable(): boolean
  stop(): Promise<void>
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>()
  private generation = 0
  private readonly waiting = new Map<string, { acks: number; need: number; done: () => void }>()
  /** lookups answered from memory / read from the database; reads of SQLite's change marker (for tests and diagnostics) */
  readonly stats = { hits: 0, misses: 0, markerReads: 0 }

  private freshness: Freshness | null = null

  constructor(private readonly ttlMs: number, private readonly max: number) {}

  /** how this cache learns of changes made elsewhere (without one it trusts only its own drops) */
  attach(freshness: Freshness): void { this.freshness = freshness }

  /** true while entries may be used (PostgreSQL: the listener is listening) */
  live(): boolean { return this.freshness ? this.freshness.usable() : true }

  /** the cached user (a known-absent session is never cached); undefined = ask the database */
  lookup(digest: string, nowMs: number): SessionUser | undefined | Promise<SessionUser | undefined> {
    const fresh = this.freshness ? this.freshness.check(this) : true
    return typeof fresh === 'boolean' ? this.entry(fresh, digest, nowMs) : fresh.then((ok) => this.entry(ok, digest, nowMs))
  }

  private entry(fresh: boolean, digest: string, nowMs: number): SessionUser | undefined {
    const e = fresh ? this.entries.get(digest) : undefined
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
    if (this.freshness && !this.freshness.usable()) return
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

  /**
   * PostgreSQL, before the notice is sent (inside the writing transaction): start counting acks for
   * `nonce`, since they may arrive before the commit's promise resolves. Forgotten after 10 s if
   * nobody waits (the transaction rolled back).
   */
  expectAcks(nonce: string): void {
    const w = { acks: 0, need: Number.POSITIVE_INFINITY, done: () => {} }
    this.waiting.set(nonce, w)
    setTimeout(() => { if (this.waiting.get(nonce) === w) this.waiting.delete(nonce) }, 10_000).unref()
  }

  /** resolves when `need()` listening processes (this one included) have acknowledged `nonce`, or after `timeoutMs` */
  async echo(nonce: string, need: () => Promise<number>, timeoutMs = 2000): Promise<void> {
    const w = this.waiting.get(nonce)
    if (!w) return
    const done = new Promise<void>((r) => { w.done = r })
    const t = setTimeout(w.done, timeoutMs)
    t.unref()
    try {
      w.need = await need()
      if (w.acks >= w.need) w.done()
    } catch { w.done() }
    await done
    clearTimeout(t)
    this.waiting.delete(nonce)
  }

  /** a notice from the channel; returns the nonce to acknowledge, if any */
  received(payload: string): string | null {
    let msg: { c?: SessionChange; n?: string }
    try { msg = JSON.parse(payload) as typeof msg } catch { this.clear(); return null }
    this.drop(msg.c ?? { all: true })
    return typeof msg.n === 'string' ? msg.n : null
  }

  /** one listening process (maybe this one) has dropped what notice `nonce` named */
  acknowledged(nonce: string): void {
    const w = this.waiting.get(nonce)
    if (w && ++w.acks >= w.need) w.done()
  }

  async stop(): Promise<void> {
    const f = this.freshness
    this.freshness = null
    this.entries.clear()
    await f?.stop()
  }
}

/**
 * SQLite: another connection's commit changes `PRAGMA data_version` on this read-only handle. One
 * read per event-loop turn answers every lookup that started in that turn (they wait for it).
 */
function sqliteFreshness(file: string): Freshness {
  let handle: Database.Database | null = null
  // prepared once: `handle.pragma()` prepared a statement per call, most of this check's cost (profiled)
  let dataVersion: Database.Statement<[], number> | null = null
  let seen: number | null = null
  let broken = false
  /** the read the lookups of this turn wait for (made at its end) */
  let pending: Promise<boolean> | null = null
  const read = (cache: SessionCache): boolean => {
    if (broken) return false
    try {
      if (!dataVersion) {
        handle = new Database(file, { readonly: true, fileMustExist: true })
        dataVersion = handle.prepare<[], number>('PRAGMA data_version').pluck()
      }
      const v = dataVersion.get()!
      cache.stats.markerReads++
      if (v !== seen) { seen = v; cache.clear() }
      return true
    } catch { broken = true; cache.clear(); return false }
  }
  return {
    check(cache) {
      if (broken) return false
      return pending ??= new Promise<boolean>((resolve) => setImmediate(() => { pending = null; resolve(read(cache)) }))
    },
    usable() { return !broken },
    async stop() { try { handle?.close() } catch { /* closed */ } handle = null; dataVersion = null },
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
    const c = new pg.Client({ connectionString: url, application_name: LISTENER_NAME })
    client = c
    c.on('error', () => { c.end().catch(() => {}); if (client === c) lost() })
    c.on('end', () => { if (client === c) lost() })
    c.on('notification', (n) => {
      if (n.channel === ACK_CHANNEL) { cache().acknowledged(n.payload ?? ''); return }
      if (n.channel !== SESSION_CHANNEL) return
      const nonce = cache().received(n.payload ?? '')
      // dropped: tell the writer (it waits for every listening process)
      if (nonce) c.query('SELECT pg_notify($1, $2)', [ACK_CHANNEL, nonce]).catch(() => {})
    })
    c.connect()
      .then(() => c.query(`LISTEN ${SESSION_CHANNEL}; LISTEN ${ACK_CHANNEL}`))
      .then(() => {
        if (stopped || client !== c) { void c.end().catch(() => {}); return }
        // the listening connection must not keep a finished process alive
        ;(c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.()
        cache().clear()
        listening = true
      })
      .catch(() => { void c.end().catch(() => {}); if (client === c) lost() })
  }
  const usable = () => { if (!client && !retry) connect(); return listening }
  return {
    check: usable,
    usable,
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
  caches.get(db)?.expectAcks(nonce)
  await tx.$executeRawUnsafe('SELECT pg_notify($1, $2)', SESSION_CHANNEL, JSON.stringify({ c: change, n: nonce }))
  return { change, nonce }
}

/**
 * After commit: drop locally at once; on PostgreSQL wait (bounded) until every listening process
 * on this database acknowledged the notice. The acks are heard on this process's own listener, so
 * without one (cache disabled here, or the listener down) it returns once committed.
 */
export async function afterSessionChange(db: Db, announced: { change: SessionChange; nonce: string | null }): Promise<void> {
  const cache = caches.get(db)
  cache?.drop(announced.change)
  if (!announced.nonce || !cache?.live()) return
  await cache.echo(announced.nonce, async () => {
    const rows = await db.$queryRawUnsafe<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', LISTENER_NAME)
    return rows[0]?.n ?? 0
  })
}
