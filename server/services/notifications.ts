/**
 * Notifications (通知): the in-app notification centre and the outbox of outbound channels.
 *
 * `notifyUsers(tx, …)` is THE way to notify people, for the scheduler and for any service (e.g. the
 * return/ruling round): inside the caller's transaction it writes one in-app Notification per user
 * and one OutboxMessage per configured outbound channel (webhook, email, test sink). The dispatcher
 * (`dispatchOutbox`) delivers outbox rows later with retries and exponential backoff, so nothing is
 * lost when the process dies between deciding and delivering: the rows stay pending and the next
 * process delivers them. Channels and the webhook format: docs/reminders.md.
 */
import { createHmac, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import type { Db } from '../db/client.ts'
import { notFound } from '../domain/errors.ts'
import { backoffMs } from '../domain/reminders/rules.ts'
import type { SessionUser } from '../domain/user.ts'
import { failpoint } from './failpoints.ts'

/** A Prisma client or a transaction client. */
export type Tx = Pick<Db, 'notification' | 'outboxMessage' | 'user'>

export const NOTIFICATION_KINDS = ['deadlineSoon', 'overdue', 'supervision', 'supervisionEscalated', 'inspectionDue', 'returned', 'returnRuled', 'message'] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

export interface NotifyInput {
  userIds: readonly number[]
  kind: NotificationKind | string
  title: string
  body?: string
  /** a client hash route, e.g. "/problems?id=12" */
  link?: string
  problemId?: number | null
  supervisionId?: number | null
  departmentId?: number | null
  decisionKey?: string | null
  /** extra facts for the outbound payload */
  data?: Record<string, unknown>
}

export type Channel = 'webhook' | 'email' | 'test'

/** The outbound channels configured in the environment (the in-app centre is always on). */
export function outboundChannels(env: NodeJS.ProcessEnv = process.env): Channel[] {
  const out: Channel[] = []
  if (env.NOTIFY_WEBHOOK_URL) out.push('webhook')
  if (env.SMTP_URL && env.NOTIFY_EMAIL_TO) out.push('email')
  if (env.NOTIFY_TEST_SINK) out.push('test')
  return out
}

/**
 * Notify users: in-app rows for each (distinct) user and one outbox row per outbound channel, all in
 * the caller's transaction. Returns the ids of the notifications written.
 */
export async function notifyUsers(tx: Tx, input: NotifyInput, now: Date = new Date()): Promise<number[]> {
  const userIds = [...new Set(input.userIds)].sort((a, b) => a - b)
  const ids: number[] = []
  for (const userId of userIds) {
    const n = await tx.notification.create({
      data: {
        userId, kind: input.kind, title: input.title, body: input.body ?? '', link: input.link ?? '', problemId: input.problemId ?? null,
        supervisionId: input.supervisionId ?? null, decisionKey: input.decisionKey ?? null, createdAt: now,
      },
      select: { id: true },
    })
    ids.push(n.id)
  }
  const channels = outboundChannels()
  if (channels.length) {
    const users = userIds.length ? await tx.user.findMany({ where: { id: { in: userIds } }, select: { id: true, login: true, displayName: true, role: true, departmentId: true } }) : []
    const payload = JSON.stringify({
      id: randomUUID(), kind: input.kind, title: input.title, body: input.body ?? '', link: input.link ?? '',
      problemId: input.problemId ?? null, supervisionId: input.supervisionId ?? null, departmentId: input.departmentId ?? null,
      decisionKey: input.decisionKey ?? null, createdAt: now.toISOString(), recipients: users, data: input.data ?? {},
    })
    for (const channel of channels) await tx.outboxMessage.create({ data: { channel, payload, createdAt: now, nextAttemptAt: now } })
  }
  return ids
}

/** Users who answer for a department (its users) and, with `leadership`, the leader role (文明办). */
export async function recipientsFor(tx: Pick<Db, 'user'>, opts: { departmentId?: number | null; leadership?: boolean }): Promise<number[]> {
  const or: object[] = []
  if (opts.departmentId != null) or.push({ role: 'department', departmentId: opts.departmentId })
  if (opts.leadership) or.push({ role: 'leader' })
  if (!or.length) return []
  const rows = await tx.user.findMany({ where: { OR: or }, select: { id: true } })
  return rows.map((r) => r.id)
}

// ---------------------------------------------------------------------------------------------
// The in-app centre (the caller's own notifications only).

export async function listNotifications(db: Db, user: SessionUser, opts: { unreadOnly?: boolean; limit?: number }) {
  return db.notification.findMany({
    where: { userId: user.id, ...(opts.unreadOnly ? { readAt: null } : {}) },
    orderBy: { id: 'desc' }, take: Math.min(opts.limit ?? 50, 200),
  })
}

export async function unreadCount(db: Db, user: SessionUser): Promise<number> {
  return db.notification.count({ where: { userId: user.id, readAt: null } })
}

/** Mark the caller's notifications read (ids given) or all of them; another user's id is NOT_FOUND. */
export async function markRead(db: Db, user: SessionUser, input: { ids?: number[]; all?: boolean }, now: Date): Promise<number> {
  if (input.all) return (await db.notification.updateMany({ where: { userId: user.id, readAt: null }, data: { readAt: now } })).count
  const ids = input.ids ?? []
  const mine = await db.notification.count({ where: { id: { in: ids }, userId: user.id } })
  if (mine !== new Set(ids).size) throw notFound('通知', 'NOTIFICATION_NOT_FOUND')
  return (await db.notification.updateMany({ where: { id: { in: ids }, userId: user.id, readAt: null }, data: { readAt: now } })).count
}

// ---------------------------------------------------------------------------------------------
// Delivery.

/** Attempts before an outbox row is given up ('dead'); NOTIFY_MAX_ATTEMPTS. */
export const maxAttempts = (env: NodeJS.ProcessEnv = process.env) => { const n = Number(env.NOTIFY_MAX_ATTEMPTS); return Number.isInteger(n) && n > 0 ? n : 10 }
const backoffBase = (env: NodeJS.ProcessEnv = process.env) => { const n = Number(env.NOTIFY_BACKOFF_MS); return Number.isFinite(n) && n > 0 ? n : 5_000 }

/** The signature header value of a webhook body: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body). */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
}

async function sendWebhook(id: number, payload: string, attempt: number): Promise<void> {
  const url = process.env.NOTIFY_WEBHOOK_URL
  if (!url) throw new Error('NOTIFY_WEBHOOK_URL is not set')
  const timestamp = String(Math.floor(Date.now() / 1000))
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8', 'X-GridDuty-Delivery': String(id), 'X-GridDuty-Attempt': String(attempt), 'X-GridDuty-Timestamp': timestamp,
  }
  const secret = process.env.NOTIFY_WEBHOOK_SECRET
  if (secret) headers['X-GridDuty-Signature'] = webhookSignature(secret, timestamp, payload)
  const res = await fetch(url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(10_000) })
  await res.arrayBuffer().catch(() => undefined)
  if (!res.ok) throw new Error(`webhook answered HTTP ${res.status}`)
}

let mailer: { sendMail(o: object): Promise<unknown> } | null = null
async function sendEmail(payload: string): Promise<void> {
  const url = process.env.SMTP_URL, to = process.env.NOTIFY_EMAIL_TO
  if (!url || !to) throw new Error('SMTP_URL / NOTIFY_EMAIL_TO is not set')
  if (!mailer) {
    const nodemailer = await import('nodemailer')
    mailer = nodemailer.createTransport(url)
  }
  const p = JSON.parse(payload) as { title: string; body: string; link: string }
  await mailer.sendMail({ from: process.env.NOTIFY_EMAIL_FROM ?? 'gridduty@localhost', to, subject: `[网格责任地图] ${p.title}`, text: `${p.body}\n\n${p.link}` })
}

function sendTest(id: number, payload: string): void {
  fs.appendFileSync(process.env.NOTIFY_TEST_SINK!, JSON.stringify({ outboxId: id, payload: JSON.parse(payload) }) + '\n')
}

/**
 * Deliver due outbox rows (pending, nextAttemptAt ≤ now). Each row is claimed first (lockedUntil), so
 * two dispatchers never send the same row at once; a failure schedules the next attempt with
 * exponential backoff, and after NOTIFY_MAX_ATTEMPTS the row is 'dead' (kept, with its last error).
 */
export async function dispatchOutbox(db: Db, now: Date = new Date(), limit = 50): Promise<{ sent: number; failed: number }> {
  const due = await db.outboxMessage.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
    orderBy: { id: 'asc' }, take: limit,
  })
  let sent = 0, failed = 0
  if (due.length) await failpoint('notify.deliver', 1, 2) // crash tests: SIGKILL after deciding, before delivering
  for (const m of due) {
    const claim = await db.outboxMessage.updateMany({
      where: { id: m.id, status: 'pending', OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
      data: { lockedUntil: new Date(now.getTime() + 60_000) },
    })
    if (claim.count === 0) continue
    const attempt = m.attempts + 1
    try {
      if (m.channel === 'webhook') await sendWebhook(m.id, m.payload, attempt)
      else if (m.channel === 'email') await sendEmail(m.payload)
      else if (m.channel === 'test') sendTest(m.id, m.payload)
      else throw new Error(`unknown channel ${m.channel}`)
      await db.outboxMessage.update({ where: { id: m.id }, data: { status: 'sent', attempts: attempt, sentAt: new Date(), lockedUntil: null, lastError: null } })
      sent++
    } catch (e) {
      failed++
      const dead = attempt >= maxAttempts()
      await db.outboxMessage.update({
        where: { id: m.id },
        data: { attempts: attempt, status: dead ? 'dead' : 'pending', lockedUntil: null, lastError: String((e as Error)?.message ?? e).slice(0, 500), nextAttemptAt: new Date(Date.now() + backoffMs(attempt, backoffBase())) },
      })
    }
  }
  return { sent, failed }
}
