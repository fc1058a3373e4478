/**
 * Reminders, 督办 and 回访 end to end (issue 13 §3–4), on SQLite and (TEST_POSTGRES=1) PostgreSQL:
 *   - two server processes sharing one PostgreSQL (on SQLite: a server process and a scheduler in the
 *     test process) decide each (rule, problem, period) exactly once;
 *   - the webhook is retried with backoff after a failing endpoint comes back, and its signature verifies;
 *   - a server SIGKILLed between deciding and delivering delivers the pending outbox after restart;
 *   - 督办单 reply/escalation, the notification centre, an unsatisfied 回访 reopening the problem, and
 *     Open311 status notes written back from the events (in-process server).
 */
import { createHmac } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db } from '../../server/db/client.ts'
import { evaluateReminders, startScheduler } from '../../server/services/scheduler.ts'
import { bundledCalendar } from '../../server/domain/calendar/workingDays.ts'
import { yearOf } from '../../server/domain/time.ts'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { freshDatabase, startApp, testDatabases, type DbKind, type RunningApp } from '../support/appServer.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { ensureStopped, startServerProcess, type ServerProcess } from '../faults/harness.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(250)
  }
}
const DAY = 86_400_000

/** Make one 市人防办 problem in the department's hands overdue by 30 days; returns it and who must hear of it. */
async function overdueProblem(db: Db) {
  const dept = await db.department.findFirstOrThrow({ where: { name: '市人防办' } })
  const p = await db.problem.findFirstOrThrow({ where: { departmentId: dept.id, status: { in: ['dispatched', 'rectifying'] }, mergedIntoId: null }, orderBy: { id: 'asc' } })
  await db.problem.update({ where: { id: p.id }, data: { deadline: new Date(Date.now() - 30 * DAY) } })
  const departmentUsers = (await db.user.findMany({ where: { role: 'department', departmentId: dept.id } })).map((u) => u.id).sort((a, b) => a - b)
  const leaders = (await db.user.findMany({ where: { role: 'leader' } })).map((u) => u.id).sort((a, b) => a - b)
  expect(departmentUsers.length).toBeGreaterThan(0)
  expect(leaders.length).toBeGreaterThan(0)
  return { problemId: p.id, departmentId: dept.id, departmentUsers, leaders }
}

describe.each(testDatabases())('reminder scheduler across processes on %s', (kind: DbKind) => {
  const running: ServerProcess[] = []
  const cleanup: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    for (const p of running.splice(0)) await ensureStopped(p)
    for (const c of cleanup.splice(0).reverse()) await c()
  })
  /**
   * A fresh database with one problem made overdue; the test's own client is opened only once the
   * servers run (the SQLite migrator at a server's boot wants the file to itself).
   */
  async function database() {
    const fresh = await freshDatabase(kind)
    cleanup.push(() => fresh.drop())
    const setup = await createDb(fresh.config)
    const target = await overdueProblem(setup)
    await setup.$disconnect()
    const file = fresh.config.provider === 'sqlite' ? fresh.config.file : ''
    const url = fresh.config.provider === 'sqlite' ? `file:${fresh.config.file}` : fresh.config.url
    const open = async () => { const db = await createDb(fresh.config); cleanup.push(() => db.$disconnect()); return db }
    return { target, file, url, open }
  }
  const start = async (file: string, env: Record<string, string>) => { const p = await startServerProcess(file, env); running.push(p); return p }

  it('two server processes on one database: exactly one notification per rule and recipient, one 督办单', async () => {
    const { target, file, url, open } = await database()
    const env = { DATABASE_URL: url, SCHEDULER: 'on', SCHEDULER_INTERVAL_S: '1' }
    await start(file, env)
    // PostgreSQL: a second server process; SQLite: its migrator at boot wants the file to itself, so the
    // second competitor there is a scheduler in the test process on its own connection (below, on both)
    if (kind === 'postgres') await start(file, env)
    const db = await open()
    const competitor = startScheduler(db, () => bundledCalendar({ missingYear: 'weekendsOnly' }), { intervalMs: 700 })
    cleanup.push(() => competitor.stop())
    await until('the 督办单', () => db.supervisionNotice.findFirst({ where: { problemId: target.problemId } }))
    await sleep(4_000) // several more ticks of both processes
    const overdue = await db.notification.findMany({ where: { decisionKey: { startsWith: `overdue:problem:${target.problemId}:` } } })
    expect(overdue.map((n) => n.userId).sort((a, b) => a - b)).toEqual([...new Set([...target.departmentUsers, ...target.leaders])].sort((a, b) => a - b))
    const supervision = await db.notification.findMany({ where: { decisionKey: { startsWith: `supervision:problem:${target.problemId}:` } } })
    expect(supervision.map((n) => n.userId).sort((a, b) => a - b)).toEqual(target.departmentUsers)
    expect(await db.supervisionNotice.count({ where: { problemId: target.problemId } })).toBe(1)
    // and nobody anywhere got the same decision twice
    const groups = await db.notification.groupBy({ by: ['decisionKey', 'userId'], where: { decisionKey: { not: null } }, _count: { _all: true } })
    expect(groups.length).toBeGreaterThan(1)
    expect(groups.filter((g) => g._count._all !== 1)).toEqual([])
    // the numbers of the year are 1..n without a gap or a repeat
    const seqs = (await db.supervisionNotice.findMany({ select: { seq: true } })).map((s) => s.seq).sort((a, b) => a - b)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
  }, 240_000)

  it('the webhook is retried with backoff after the endpoint fails, and every delivery is signed', async () => {
    const { target, file, url, open } = await database()
    const secret = 'whsec-test-0123456789'
    const seen: { status: number; delivery: string; attempt: number; timestamp: string; signature: string; body: string }[] = []
    let refuse = 3
    const sink = http.createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const status = refuse-- > 0 ? 503 : 200
        seen.push({ status, delivery: String(req.headers['x-gridduty-delivery']), attempt: Number(req.headers['x-gridduty-attempt']), timestamp: String(req.headers['x-gridduty-timestamp']), signature: String(req.headers['x-gridduty-signature']), body: Buffer.concat(chunks).toString('utf8') })
        res.writeHead(status).end()
      })
    })
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r))
    cleanup.push(() => new Promise<void>((r) => sink.close(() => r())))
    const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`
    await start(file, { DATABASE_URL: url, SCHEDULER: 'on', SCHEDULER_INTERVAL_S: '1', NOTIFY_WEBHOOK_URL: sinkUrl, NOTIFY_WEBHOOK_SECRET: secret, NOTIFY_BACKOFF_MS: '300' })
    const db = await open()
    const refused = await until('a refused delivery', async () => seen.find((s) => s.status === 503))
    const retried = await until('the refused delivery accepted on a later attempt', async () => seen.find((s) => s.delivery === refused.delivery && s.status === 200))
    expect(retried.attempt).toBeGreaterThan(refused.attempt)
    for (const s of seen) {
      const expected = 'sha256=' + createHmac('sha256', secret).update(`${s.timestamp}.${s.body}`).digest('hex')
      expect(s.signature).toBe(expected)
    }
    const row = await db.outboxMessage.findUniqueOrThrow({ where: { id: Number(refused.delivery) } })
    expect(row).toMatchObject({ status: 'sent', channel: 'webhook' })
    expect(row.attempts).toBeGreaterThanOrEqual(2)
    // the overdue problem's notice reaches the webhook, with its recipients
    const about = await until('the overdue notice on the webhook', async () => seen.map((s) => JSON.parse(s.body) as { kind: string; problemId: number; recipients: { id: number }[] }).find((b) => b.kind === 'overdue' && b.problemId === target.problemId))
    expect(about.recipients.map((r) => r.id).sort((a, b) => a - b)).toEqual([...new Set([...target.departmentUsers, ...target.leaders])].sort((a, b) => a - b))
  }, 240_000)

  it('a server killed between deciding and delivering delivers the pending notifications after restart', async () => {
    const { file, url, open } = await database()
    const sinkFile = path.resolve('var/test', `sink-${process.pid}-${Date.now()}.jsonl`)
    cleanup.push(() => fs.rmSync(sinkFile, { force: true }))
    const env = { DATABASE_URL: url, SCHEDULER: 'on', SCHEDULER_INTERVAL_S: '1', NOTIFY_TEST_SINK: sinkFile }
    const first = await start(file, { ...env, GRIDDUTY_FAILPOINTS: 'notify.deliver=120000' })
    await first.waitFor(/failpoint notify\.deliver halfway/, 90_000)
    first.kill('SIGKILL')
    await first.exited
    const db = await open()
    const pending = await db.outboxMessage.findMany({ where: { channel: 'test' } })
    expect(pending.length).toBeGreaterThan(0)
    expect(pending.every((m) => m.status === 'pending')).toBe(true)
    expect(fs.existsSync(sinkFile)).toBe(false)
    const decided = await db.reminderDecision.count()
    expect(decided).toBeGreaterThan(0)

    await db.$disconnect() // the restarted server migrates the file at boot
    await start(file, env)
    const after = await open()
    await until('the outbox delivered', async () => (await after.outboxMessage.count({ where: { status: { not: 'sent' } } })) === 0)
    const lines = fs.readFileSync(sinkFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { outboxId: number })
    const ids = (await after.outboxMessage.findMany({ select: { id: true } })).map((m) => m.id)
    for (const m of pending) expect(lines.filter((l) => l.outboxId === m.id)).toHaveLength(1)
    expect(new Set(lines.map((l) => l.outboxId))).toEqual(new Set(ids))
    expect(lines.length).toBe(ids.length)
    const groups = await after.notification.groupBy({ by: ['decisionKey', 'userId'], where: { decisionKey: { not: null } }, _count: { _all: true } })
    expect(groups.filter((g) => g._count._all !== 1)).toEqual([])
  }, 240_000)
})

describe.each(testDatabases())('督办单, notifications and 回访 on %s', (kind: DbKind) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db: kind }) })
  afterAll(async () => { await app?.stop() })

  it('a 督办单 is numbered, printable facts, answered once by its own department; an unanswered one escalates', async () => {
    const target = await overdueProblem(app.db)
    const now = new Date()
    const keys = await evaluateReminders(app.db, app.catalog.holidays.calendar, now)
    expect(keys).toContain(`supervision:problem:${target.problemId}:${(await app.db.problem.findUniqueOrThrow({ where: { id: target.problemId } })).deadline!.toISOString()}`)
    expect(await evaluateReminders(app.db, app.catalog.holidays.calendar, now)).toEqual([]) // decided once
    const rfb = await loggedIn(app.url, 'rfb'), cgj = await loggedIn(app.url, 'cgj'), leader = await loggedIn(app.url, 'leader')
    const mine = (await rfb.supervision.list.query({ problemId: target.problemId }))[0]!
    expect(mine.number).toMatch(new RegExp(`^督办〔${yearOf(now)}〕第\\d+号$`))
    expect(mine).toMatchObject({ problemId: target.problemId, departmentName: '市人防办', level: 1, replyText: null })
    expect(mine.daysOverdue).toBeGreaterThanOrEqual(3)
    expect(new Date(mine.replyDue).getTime()).toBeGreaterThan(now.getTime())
    expect((await errorOf(cgj.supervision.byId.query({ id: mine.id }))).appCode).toBe('NOT_YOUR_DEPARTMENT')
    expect((await errorOf(cgj.supervision.reply.mutate({ id: mine.id, text: '不是我们的' }))).appCode).toBe('NOT_YOUR_DEPARTMENT')
    expect((await errorOf(leader.supervision.reply.mutate({ id: mine.id, text: 'x' }))).appCode).toBe('ROLE_FORBIDDEN')
    const replied = await rfb.supervision.reply.mutate({ id: mine.id, text: '已组织人员清理，预计三日内完成' })
    expect(replied).toMatchObject({ replyText: '已组织人员清理，预计三日内完成', repliedBy: '邵娜' })
    expect((await errorOf(rfb.supervision.reply.mutate({ id: mine.id, text: '再次回复' }))).appCode).toBe('SUPERVISION_ALREADY_REPLIED')
    expect((await leader.notification.list.query({})).some((n) => n.supervisionId === mine.id && n.title.includes('已回复'))).toBe(true)

    // any other notice of this run stays unanswered: ten days later it goes one level up, once
    const unanswered = await app.db.supervisionNotice.findMany({ where: { repliedAt: null } })
    expect(unanswered.length).toBeGreaterThan(0)
    const later = new Date(now.getTime() + 10 * DAY)
    const escalated = (await evaluateReminders(app.db, app.catalog.holidays.calendar, later)).filter((k) => k.startsWith('supervisionEscalated:'))
    expect(escalated.sort()).toEqual(unanswered.map((n) => `supervisionEscalated:notice:${n.id}`).sort())
    expect(await app.db.supervisionNotice.count({ where: { level: 2 } })).toBe(unanswered.length)
    expect((await app.db.supervisionNotice.findUniqueOrThrow({ where: { id: mine.id } })).level).toBe(1)
    const leaderUser = await app.db.user.findFirstOrThrow({ where: { login: 'leader' } })
    expect(await app.db.notification.count({ where: { userId: leaderUser.id, kind: 'supervisionEscalated' } })).toBe(unanswered.length)
    expect(await app.db.auditLog.count({ where: { action: 'supervision.reply', entityId: String(mine.id) } })).toBe(1)
    expect(await app.db.auditLog.count({ where: { action: 'supervision.escalate' } })).toBe(unanswered.length)
  }, 120_000)

  it('the notification centre: own notifications only, unread count, mark read', async () => {
    const rfb = await loggedIn(app.url, 'rfb'), leader = await loggedIn(app.url, 'leader')
    const before = (await rfb.notification.unreadCount.query()).count
    expect(before).toBeGreaterThan(0)
    const list = await rfb.notification.list.query({ unreadOnly: true })
    expect(list.length).toBe(Math.min(before, 50))
    const other = (await leader.notification.list.query({}))[0]!
    expect((await errorOf(rfb.notification.markRead.mutate({ ids: [other.id] }))).appCode).toBe('NOTIFICATION_NOT_FOUND')
    expect(await rfb.notification.markRead.mutate({ ids: [list[0]!.id] })).toEqual({ updated: 1 })
    expect((await rfb.notification.unreadCount.query()).count).toBe(before - 1)
    await rfb.notification.markRead.mutate({ all: true })
    expect((await rfb.notification.unreadCount.query()).count).toBe(0)
    expect((await leader.notification.list.query({ unreadOnly: true })).length).toBeGreaterThan(0) // the leader's are untouched
  })

  it('an unsatisfied 回访 reopens the problem (counted, an event, the department told); Open311 writes the step back', async () => {
    const closed = await app.db.problem.findFirstOrThrow({ where: { status: 'closed', departmentId: { not: null }, mergedIntoId: null }, orderBy: { id: 'asc' } })
    const open = await app.db.problem.findFirstOrThrow({ where: { status: 'rectifying' } })
    const leader = await loggedIn(app.url, 'leader')
    const dept = await app.db.user.findFirstOrThrow({ where: { role: 'department', departmentId: closed.departmentId } })
    const deptClient = await loggedIn(app.url, dept.login)
    expect((await errorOf(deptClient.followUp.record.mutate({ problemId: closed.id, outcome: 'satisfied' }))).appCode).toBe('ROLE_FORBIDDEN')
    expect((await errorOf(leader.followUp.record.mutate({ problemId: open.id, outcome: 'satisfied' }))).appCode).toBe('FOLLOWUP_NOT_CLOSED')
    expect((await errorOf(leader.followUp.record.mutate({ problemId: closed.id, outcome: 'satisfied', reopen: true }))).appCode).toBe('FOLLOWUP_REOPEN_UNSATISFIED')
    await leader.followUp.record.mutate({ problemId: closed.id, outcome: 'unreachable', note: '电话无人接听' })
    const f = await leader.followUp.record.mutate({ problemId: closed.id, outcome: 'unsatisfied', note: '群众反映垃圾仍未清运', reopen: true })
    expect(f).toMatchObject({ outcome: 'unsatisfied', reopened: true })
    const p = await app.db.problem.findUniqueOrThrow({ where: { id: closed.id } })
    expect(p).toMatchObject({ status: 'rectifying', reopenCount: 1, closedAt: null, version: closed.version + 1 })
    expect(p.deadline!.getTime()).toBeGreaterThan(Date.now())
    const ev = await app.db.problemEvent.findFirstOrThrow({ where: { problemId: closed.id }, orderBy: { id: 'desc' } })
    expect(ev).toMatchObject({ action: 'reopen', fromStatus: 'closed', toStatus: 'rectifying', note: '群众反映垃圾仍未清运' })
    expect(await app.db.notification.count({ where: { userId: dept.id, problemId: closed.id, title: { contains: '重新办理' } } })).toBe(1)
    expect((await deptClient.followUp.list.query({ problemId: closed.id })).map((x) => x.outcome)).toEqual(['unsatisfied', 'unreachable'])
    // a reopened problem can no longer be followed up until it is closed again
    expect((await errorOf(leader.followUp.record.mutate({ problemId: closed.id, outcome: 'unsatisfied', reopen: true }))).appCode).toBe('FOLLOWUP_NOT_CLOSED')
    const rate = (await leader.followUp.satisfaction.query({})).find((r) => r.departmentId === closed.departmentId)!
    expect(rate).toMatchObject({ unsatisfied: 1, satisfied: 0, unreachable: 0, satisfactionRate: 0 })
    const measures = await leader.problem.measures.query({ from: new Date('2000-01-01T00:00:00Z').toISOString(), to: new Date(Date.now() + DAY).toISOString(), by: 'department' })
    expect(measures.find((m) => m.key === closed.departmentId)).toMatchObject({ satisfactionRate: 0, followUps: 1, reopened: 1 })

    // Open311: the latest step and its note, and its time, are written back
    const cookie = await sessionCookieFor(app.url, 'leader')
    const r = await fetch(`${app.url}/open311/v2/requests/${closed.id}.json`, { headers: { cookie } })
    const [req] = await r.json() as { status: string; status_notes: string; updated_datetime: string }[]
    expect(req!.status).toBe('open')
    expect(req!.status_notes).toBe('回访重办（整改中）：群众反映垃圾仍未清运')
    expect(new Date(req!.updated_datetime).getTime()).toBe(Math.floor(ev.at.getTime() / 1000) * 1000)
  })
})
