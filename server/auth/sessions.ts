/** Sessions: a random token in an HttpOnly cookie; the database keeps only its SHA-256. */
import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/client.ts'
import type { Role, SessionUser } from '../domain/user.ts'
import { servedOverHttps } from './origin.ts'
import { afterSessionChange, announceSessionChange, sessionCacheFor } from './sessionCache.ts'

export const SESSION_COOKIE = 'gd_session'
export const SESSION_TTL_MS = 12 * 3600 * 1000

const digest = (token: string) => createHash('sha256').update(token).digest('hex')

export async function createSession(db: Db, userId: number, now: Date): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS)
  await db.session.create({ data: { id: digest(token), userId, expiresAt } })
  return { token, expiresAt }
}

/** The signed-in user of a session token: from the in-process cache when it may be trusted (sessionCache.ts), else one query. */
export async function userForSession(db: Db, token: string | null, now: Date): Promise<SessionUser | null> {
  if (!token) return null
  const id = digest(token)
  const cache = sessionCacheFor(db)
  const hit = await cache?.lookup(id, now.getTime())
  if (hit) return hit
  const ticket = cache?.ticket() ?? 0
  const s = await db.session.findUnique({ where: { id }, include: { user: { include: { department: { select: { name: true } } } } } })
  if (!s || s.expiresAt <= now) return null
  const u = s.user
  const user: SessionUser = { id: u.id, login: u.login, displayName: u.displayName, role: u.role as Role, departmentId: u.departmentId, departmentName: u.department?.name ?? null }
  cache?.set(ticket, id, user, s.expiresAt.getTime(), now.getTime())
  return user
}

/** Logout: the session ends in every process at once (see sessionCache.ts). */
export async function deleteSession(db: Db, token: string): Promise<void> {
  const id = digest(token)
  const announced = await db.$transaction(async (tx) => {
    const a = await announceSessionChange(db, tx, { token: id })
    await tx.session.deleteMany({ where: { id } })
    return a
  })
  await afterSessionChange(db, announced)
}

export function sessionCookie(token: string, maxAgeMs: number): string {
  const secure = servedOverHttps() ? '; Secure' : ''
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure}`
}

/** The cookie's value, or null; never throws: a value that is not valid percent-encoding counts as absent. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try { return decodeURIComponent(part.slice(eq + 1).trim()) } catch { return null }
    }
  }
  return null
}
