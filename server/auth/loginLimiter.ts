/**
 * The login limiter: an attempt is counted BEFORE its password is verified (reserve, then verify),
 * per login, per client address and in total, in the database (table LoginCounter) so that every
 * server process on the same database shares one count. A failed attempt keeps its reservation; a
 * successful one gives it back (and clears its login's failures). Each count is one atomic
 * `INSERT … ON CONFLICT DO UPDATE … RETURNING` (SQLite and PostgreSQL alike), so parallel or
 * batched requests cannot slip past the check while earlier ones are still being verified.
 *
 * Windows are fixed slots smoothed into a sliding window: the estimate is this slot's count plus
 * the previous slot's count weighted by how much of it still lies inside the window.
 */
import type { Db } from '../db/client.ts'

export type LimitScope = 'login' | 'address' | 'global'

export interface LoginLimits {
  /** failed (or in-flight) attempts per login within `windowMs` */
  perLogin: number
  /** failed (or in-flight) attempts per client address within `windowMs` */
  perAddress: number
  windowMs: number
  /** failed (or in-flight) attempts of everyone together within `globalWindowMs` */
  global: number
  globalWindowMs: number
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perLogin: 10, perAddress: 30, windowMs: 15 * 60_000, global: 300, globalWindowMs: 60_000 }

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim()
  if (!raw) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number (got "${raw}")`)
  return n
}

/** LOGIN_LIMIT_PER_LOGIN, LOGIN_LIMIT_PER_ADDRESS, LOGIN_LIMIT_WINDOW_MIN, LOGIN_LIMIT_GLOBAL_PER_MIN. */
export function loginLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): LoginLimits {
  const d = DEFAULT_LOGIN_LIMITS
  return {
    perLogin: positiveInt(env, 'LOGIN_LIMIT_PER_LOGIN', d.perLogin),
    perAddress: positiveInt(env, 'LOGIN_LIMIT_PER_ADDRESS', d.perAddress),
    windowMs: positiveInt(env, 'LOGIN_LIMIT_WINDOW_MIN', d.windowMs / 60_000) * 60_000,
    global: positiveInt(env, 'LOGIN_LIMIT_GLOBAL_PER_MIN', d.global),
    globalWindowMs: d.globalWindowMs,
  }
}

/** The address key: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64 prefix (one host usually holds the whole /64). */
export function addressKey(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (v4) return v4[1]!
  if (!ip.includes(':')) return ip
  const [head, tail = ''] = ip.toLowerCase().split('%')[0]!.split('::') as [string, string?]
  const left = head ? head.split(':') : []
  const right = ip.includes('::') && tail ? tail.split(':') : []
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

export type Reservation =
  | {
      ok: true
      /** the password was right: give the attempt back in every scope and clear this login's failures */
      succeeded(): Promise<void>
      /** verification could not be done (e.g. the database failed): the attempt counts for nothing */
      cancel(): Promise<void>
    }
  | { ok: false; scope: LimitScope; windowMs: number }

interface Counter { scope: LimitScope; key: string; max: number; windowMs: number }

const SWEEP_EVERY_MS = 60_000

export class LoginLimiter {
  private lastSweep = 0
  constructor(readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {}

  /** Counts one attempt for `login` from `address`; refused (and nothing kept) when any scope is full. */
  async reserve(db: Db, attempt: { login: string; address: string }, now: number): Promise<Reservation> {
    this.sweep(db, now)
    const l = this.limits
    const counters: Counter[] = [
      { scope: 'login', key: attempt.login, max: l.perLogin, windowMs: l.windowMs },
      { scope: 'address', key: addressKey(attempt.address), max: l.perAddress, windowMs: l.windowMs },
      { scope: 'global', key: '*', max: l.global, windowMs: l.globalWindowMs },
    ]
    const taken: Counter[] = []
    for (const c of counters) {
      const slot = Math.floor(now / c.windowMs)
      const count = await increment(db, c, slot)
      taken.push(c)
      const previous = await countOf(db, c, slot - 1)
      const stillInWindow = 1 - (now - slot * c.windowMs) / c.windowMs
      if (count + previous * stillInWindow > c.max) {
        await Promise.all(taken.map((t) => decrement(db, t, Math.floor(now / t.windowMs))))
        return { ok: false, scope: c.scope, windowMs: c.windowMs }
      }
    }
    const giveBack = () => Promise.all(taken.map((t) => decrement(db, t, Math.floor(now / t.windowMs)))).then(() => {})
    return {
      ok: true,
      succeeded: async () => {
        await giveBack()
        await db.$executeRaw`DELETE FROM "LoginCounter" WHERE "scope" = 'login' AND "key" = ${attempt.login}`
      },
      cancel: giveBack,
    }
  }

  /** Removes the slots no window reaches any more (at most once a minute per process; failures only logged). */
  private sweep(db: Db, now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return
    this.lastSweep = now
    const l = this.limits
    const stale = (windowMs: number) => Math.floor(now / windowMs) - 1
    db.$executeRaw`DELETE FROM "LoginCounter" WHERE ("scope" IN ('login', 'address') AND "slot" < ${stale(l.windowMs)}) OR ("scope" = 'global' AND "slot" < ${stale(l.globalWindowMs)})`
      .catch((e: unknown) => console.error('[login limiter] sweep:', e))
  }
}

async function increment(db: Db, c: Counter, slot: number): Promise<number> {
  const rows = await db.$queryRaw<{ count: number | bigint }[]>`
    INSERT INTO "LoginCounter" ("scope", "key", "slot", "count") VALUES (${c.scope}, ${c.key}, ${slot}, 1)
    ON CONFLICT ("scope", "key", "slot") DO UPDATE SET "count" = "LoginCounter"."count" + 1
    RETURNING "count"`
  return Number(rows[0]!.count)
}

async function decrement(db: Db, c: Counter, slot: number): Promise<void> {
  await db.$executeRaw`UPDATE "LoginCounter" SET "count" = CASE WHEN "count" > 0 THEN "count" - 1 ELSE 0 END
    WHERE "scope" = ${c.scope} AND "key" = ${c.key} AND "slot" = ${slot}`
}

async function countOf(db: Db, c: Counter, slot: number): Promise<number> {
  const rows = await db.$queryRaw<{ count: number | bigint }[]>`
    SELECT "count" FROM "LoginCounter" WHERE "scope" = ${c.scope} AND "key" = ${c.key} AND "slot" = ${slot}`
  return rows.length ? Number(rows[0]!.count) : 0
}
