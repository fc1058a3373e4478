/**
 * Aggregates (issue 14): the counts coverage, the ranking and the bulletin read, kept in the SAME
 * transaction as every write that changes them (docs/monthly.md, "Aggregates").
 *
 *   ProblemTally       (grid, handling dept, supervising dept) → open, overdue (deadline < clock)
 *   ProblemMonthTally  (handling dept, supervising dept, Beijing month) → reported, ended, closed, closedOnTime
 *   InspectionTally    (grid, month, dept) → inspected, proven on site
 *   AggregateClock     the instant ProblemTally.overdue is counted at (a Beijing midnight)
 *
 * Table-driven: `problemContributions` / `inspectionContributions` say which counters one row adds
 * to; a write applies (contributions after − contributions before). Every write path calls
 * `tallyProblem` / `tallyProblems` / `tallyInspection` inside its transaction. `refreshProblemTallies`
 * recomputes them with plain SQL (bulk import by the driver), `recomputeAll` from scratch (tests).
 *
 * Overdue without a write: overdue(now) = ProblemTally.overdue (deadline before the clock) + the open
 * problems whose deadline lies between the clock and now (`overdueTail`, one index range); the
 * scheduler moves the clock to the latest Beijing midnight once a day (`rollOverdueClock`), so the
 * tail stays at most a day long. The figures are right whether or not the roll ran.
 */
import type { Db } from '../db/client.ts'
import { presenceFailures } from '../domain/inspection/presence.ts'
import { OPEN_STATUSES, isOpen } from '../domain/problem/status.ts'
import { CHINA_OFFSET_MS, monthOf, startOfChinaDay, todayInChina } from '../domain/time.ts'
import { inspectionFact, type InspectionFactRow } from './inspectionFacts.ts'

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]
type Client = Db | Tx

/** The columns of a problem the aggregates read. */
export const PROBLEM_TALLY_SELECT = {
  gridId: true, departmentId: true, supervisingDepartmentId: true, status: true, deadline: true, reportedAt: true, closedAt: true,
} as const
export interface ProblemFacts {
  gridId: number | null; departmentId: number | null; supervisingDepartmentId: number | null
  status: string; deadline: Date | null; reportedAt: Date; closedAt: Date | null
}

type Table = 'problemTally' | 'problemMonthTally' | 'inspectionTally'
interface Contribution { table: Table; key: Record<string, number | string>; counts: Record<string, number> }

/** The unique-key name Prisma gives each table's composite id. */
const KEY_NAME: Record<Table, string> = {
  problemTally: 'gridId_departmentId_supervisingDepartmentId',
  problemMonthTally: 'departmentId_supervisingDepartmentId_month',
  inspectionTally: 'gridId_month_departmentId',
}

const id0 = (n: number | null | undefined) => n ?? 0

/** What one problem adds to the aggregates, the clock at `asOf`. */
export function problemContributions(p: ProblemFacts, asOf: Date): Contribution[] {
  const out: Contribution[] = []
  if (isOpen(p.status)) {
    out.push({
      table: 'problemTally',
      key: { gridId: id0(p.gridId), departmentId: id0(p.departmentId), supervisingDepartmentId: id0(p.supervisingDepartmentId) },
      counts: { open: 1, overdue: p.deadline !== null && p.deadline < asOf ? 1 : 0 },
    })
  }
  if (p.departmentId !== null) {
    const key = (month: string) => ({ departmentId: p.departmentId!, supervisingDepartmentId: id0(p.supervisingDepartmentId), month })
    out.push({ table: 'problemMonthTally', key: key(monthOf(p.reportedAt)), counts: { reported: 1 } })
    if (p.closedAt !== null) {
      const closed = p.status === 'closed'
      out.push({
        table: 'problemMonthTally', key: key(monthOf(p.closedAt)),
        counts: { ended: 1, closed: closed ? 1 : 0, closedOnTime: closed && (p.deadline === null || p.closedAt <= p.deadline) ? 1 : 0 },
      })
    }
  }
  return out
}

/** What one inspection adds: inspected, and proven on site (the one rule, presence.ts). */
export function inspectionContributions(i: InspectionFactRow & { month: string }): Contribution[] {
  return [{
    table: 'inspectionTally', key: { gridId: i.gridId, month: i.month, departmentId: i.departmentId },
    counts: { inspected: 1, proven: presenceFailures(inspectionFact(i)).length === 0 ? 1 : 0 },
  }]
}

/** Sums contributions per (table, key), `sign` ±1, into `into`. */
/** `list` added to `into` `sign` times (−1: taken away) */
function accumulate(into: Map<string, Contribution>, list: Contribution[], sign: number) {
  for (const c of list) {
    const k = `${c.table}|${Object.values(c.key).join('|')}` // each table's key has its fields in one order
    let acc = into.get(k)
    if (!acc) into.set(k, acc = { table: c.table, key: c.key, counts: {} })
    for (const [f, n] of Object.entries(c.counts)) acc.counts[f] = (acc.counts[f] ?? 0) + sign * n
  }
}

async function applyDeltas(tx: Client, deltas: Map<string, Contribution>, touched: Contribution[] = []) {
  let seq: number | null = null
  for (const d of deltas.values()) {
    const counts = Object.fromEntries(Object.entries(d.counts).filter(([, n]) => n !== 0))
    if (Object.keys(counts).length === 0) continue
    seq ??= await nextSeq(tx)
    const model = (tx as unknown as Record<Table, { upsert(args: unknown): Promise<unknown> }>)[d.table]
    await model.upsert({
      where: { [KEY_NAME[d.table]]: d.key },
      create: { ...d.key, ...counts, seq },
      update: { ...Object.fromEntries(Object.entries(counts).map(([f, n]) => [f, { increment: n }])), seq },
    })
  }
  // rows whose counts did not change but whose problems did (an open problem's deadline): stamped, so caches re-read them
  for (const t of touched) {
    seq ??= await nextSeq(tx)
    await tx.problemTally.updateMany({ where: t.key as { gridId: number; departmentId: number; supervisingDepartmentId: number }, data: { seq } })
  }
}

/** The ProblemTally rows of open problems whose deadline a change moved (their counts may stay the same). */
function deadlineMoves(before: ProblemFacts | null, after: ProblemFacts | null, asOf: Date): Contribution[] {
  if (!before || !after || before.deadline?.getTime() === after.deadline?.getTime()) return []
  return [...problemContributions(before, asOf), ...problemContributions(after, asOf)].filter((c) => c.table === 'problemTally')
}

/**
 * The next change sequence (AggregateClock.seq + 1), for the rows this transaction changes. The clock
 * row stays locked until the transaction ends, so sequences commit in order: a reader that saw seq s
 * has seen every row stamped ≤ s (services/cityFigures.ts reads `seq > s` next). On PostgreSQL the
 * clock's advisory lock is taken first (shared, as clockIn), always in that order.
 */
async function nextSeq(tx: Client): Promise<number> {
  await clockIn(tx)
  return (await tx.aggregateClock.update({ where: { id: 1 }, data: { seq: { increment: 1 } }, select: { seq: true } })).seq
}

/** SQL that moves the change sequence and makes caches of the aggregates rebuild (a change the stamped rows do not tell). */
const FULL_CHANGE_SQL = `UPDATE "AggregateClock" SET "seq" = "seq" + 1, "fullSeq" = "seq" + 1 WHERE "id" = 1`

/**
 * A change the figures depend on that is not in the stamped aggregate rows (holders, departments,
 * meetings, 退单), in transaction `tx`: the cached city figures (services/cityFigures.ts) rebuild.
 */
export async function markFiguresChanged(tx: Client): Promise<void> {
  await clockIn(tx)
  await tx.$executeRawUnsafe(FULL_CHANGE_SQL)
}

/** A change only the ranking reads besides the aggregates (a meeting, a 退单 or its ruling), in `tx`: cached rankings are rebuilt. */
export async function markRankingChanged(tx: Client): Promise<void> {
  await nextSeq(tx)
}

function provider(db: Client): 'sqlite' | 'postgresql' {
  return (db as unknown as { _activeProvider?: string })._activeProvider === 'postgresql' ? 'postgresql' : 'sqlite'
}

/** Advisory lock key shared by writers (shared) and the clock roll (exclusive) on PostgreSQL. */
const CLOCK_LOCK = 1_404_014

/**
 * The clock the transaction counts overdue at. On PostgreSQL a writer holds the clock's lock shared
 * until it commits, so the daily roll (exclusive) never interleaves with it.
 */
async function clockIn(tx: Client): Promise<Date> {
  if (provider(tx) === 'postgresql') await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock_shared(${CLOCK_LOCK})::text`)
  const row = await tx.aggregateClock.findUnique({ where: { id: 1 } })
  if (row) return row.overdueAsOf
  // no clock yet (a fresh database): every tally starts empty, any instant will do
  const asOf = startOfChinaDay(todayInChina(new Date()))
  await tx.aggregateClock.upsert({ where: { id: 1 }, create: { id: 1, overdueAsOf: asOf }, update: {} })
  return (await tx.aggregateClock.findUniqueOrThrow({ where: { id: 1 } })).overdueAsOf
}

/** A problem changed (before → after; null = did not exist / no longer exists), in transaction `tx`. */
export async function tallyProblem(tx: Client, before: ProblemFacts | null, after: ProblemFacts | null): Promise<void> {
  const asOf = await clockIn(tx)
  const deltas = new Map<string, Contribution>()
  if (before) accumulate(deltas, problemContributions(before, asOf), -1)
  if (after) accumulate(deltas, problemContributions(after, asOf), 1)
  await applyDeltas(tx, deltas, deadlineMoves(before, after, asOf))
}

/** Many problems created or changed at once (imports, boundary saves), in transaction `tx`. */
export async function tallyProblems(tx: Client, changes: { before: ProblemFacts | null; after: ProblemFacts | null }[]): Promise<void> {
  if (changes.length === 0) return
  const asOf = await clockIn(tx)
  const deltas = new Map<string, Contribution>()
  for (const c of changes) {
    if (c.before) accumulate(deltas, problemContributions(c.before, asOf), -1)
    if (c.after) accumulate(deltas, problemContributions(c.after, asOf), 1)
  }
  await applyDeltas(tx, deltas, changes.flatMap((c) => deadlineMoves(c.before, c.after, asOf)))
}

/** An inspection recorded, changed (approval) or removed, in transaction `tx`. */
export async function tallyInspection(tx: Client, before: (InspectionFactRow & { month: string }) | null, after: (InspectionFactRow & { month: string }) | null): Promise<void> {
  const deltas = new Map<string, Contribution>()
  if (before) accumulate(deltas, inspectionContributions(before), -1)
  if (after) accumulate(deltas, inspectionContributions(after), 1)
  await applyDeltas(tx, deltas)
}

/** The columns `tallyInspection` needs. */
export const INSPECTION_TALLY_SELECT = {
  id: true, gridId: true, departmentId: true, date: true, month: true, onSite: true, lng: true, lat: true, distanceOutside: true, createdAt: true,
  recordedAt: true, accuracyM: true, approvedAt: true, capturedAt: true,
} as const

/** The latest Beijing midnight at or before `now`. */
export function clockFor(now: Date): Date {
  return startOfChinaDay(todayInChina(now))
}

/**
 * Moves the overdue clock to the Beijing midnight of `now` (forwards or, with a test clock, backwards):
 * adds (or removes) the open problems whose deadline lies between the two instants. Idempotent.
 */
export async function rollOverdueClock(db: Db, now: Date): Promise<{ from: Date | null; to: Date }> {
  const to = clockFor(now)
  const current = await db.aggregateClock.findUnique({ where: { id: 1 } })
  if (current && current.overdueAsOf.getTime() === to.getTime()) return { from: current.overdueAsOf, to }
  return db.$transaction(async (tx) => {
    if (provider(tx) === 'postgresql') await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${CLOCK_LOCK})::text`)
    const row = await tx.aggregateClock.findUnique({ where: { id: 1 } })
    if (!row) {
      await tx.aggregateClock.create({ data: { id: 1, overdueAsOf: to } })
      return { from: null, to }
    }
    const from = row.overdueAsOf
    if (from.getTime() === to.getTime()) return { from, to }
    const [lo, hi, sign] = from < to ? [from, to, 1] : [to, from, -1]
    const crossing = await tx.problem.groupBy({
      by: ['gridId', 'departmentId', 'supervisingDepartmentId'],
      where: { status: { in: [...OPEN_STATUSES] }, deadline: { gte: lo, lt: hi } },
      _count: { _all: true },
    })
    for (const c of crossing) {
      const key = { gridId: id0(c.gridId), departmentId: id0(c.departmentId), supervisingDepartmentId: id0(c.supervisingDepartmentId) }
      await tx.problemTally.update({ where: { gridId_departmentId_supervisingDepartmentId: key }, data: { overdue: { increment: sign * c._count._all } } })
    }
    await tx.aggregateClock.update({ where: { id: 1 }, data: { overdueAsOf: to } })
    return { from, to }
  }, { timeout: 120_000 })
}

/** One ProblemTally row with overdue as of `now`. */
export interface ProblemTallyRow { gridId: number; departmentId: number; supervisingDepartmentId: number; open: number; overdue: number }

/**
 * The open-problem tallies with overdue counted at `now`: the stored rows (overdue at the clock) plus
 * the open problems whose deadline lies between the clock and now. `gridIds` narrows to grids.
 */
export async function problemTallies(db: Db, now: Date, gridIds?: number[]): Promise<ProblemTallyRow[]> {
  const gridWhere = gridIds ? { gridId: { in: gridIds } } : {}
  const [rows, clock] = await Promise.all([
    db.problemTally.findMany({ where: { ...gridWhere, open: { gt: 0 } } }),
    db.aggregateClock.findUnique({ where: { id: 1 } }),
  ])
  if (!clock) return rows
  const asOf = clock.overdueAsOf
  if (asOf.getTime() === now.getTime()) return rows
  const [lo, hi, sign] = asOf < now ? [asOf, now, 1] : [now, asOf, -1]
  const tail = await db.problem.groupBy({
    by: ['gridId', 'departmentId', 'supervisingDepartmentId'],
    where: { ...gridWhere, status: { in: [...OPEN_STATUSES] }, deadline: { gte: lo, lt: hi } },
    _count: { _all: true },
  })
  if (tail.length === 0) return rows
  const byKey = new Map(rows.map((r) => [`${r.gridId}|${r.departmentId}|${r.supervisingDepartmentId}`, r]))
  for (const t of tail) {
    const r = byKey.get(`${id0(t.gridId)}|${id0(t.departmentId)}|${id0(t.supervisingDepartmentId)}`)
    if (r) r.overdue += sign * t._count._all
  }
  return rows
}

// ---------------------------------------------------------------- refresh and recompute

const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(',')

/**
 * Plain-SQL refresh of the problem aggregates (for the bulk-import driver path, which writes rows
 * without Prisma): ProblemTally for `gridIds` (all grids when omitted; 0 = problems outside every
 * grid) and the whole ProblemMonthTally, recomputed from the Problem table in one transaction.
 */
export async function refreshProblemTallies(db: Db, gridIds?: number[]): Promise<void> {
  const pg = provider(db) === 'postgresql'
  const month = (col: string) => monthSql(pg, col)
  const ids = gridIds?.filter((n) => Number.isInteger(n))
  const inGrids = ids ? `COALESCE("gridId", 0) IN (${ids.length ? ids.join(',') : 'NULL'})` : '1=1'
  await db.$transaction(async (tx) => {
    if (pg) await tx.$queryRawUnsafe(`SELECT pg_advisory_xact_lock(${CLOCK_LOCK})::text`)
    const clock = await tx.aggregateClock.findUnique({ where: { id: 1 } })
    if (!clock) await tx.aggregateClock.create({ data: { id: 1, overdueAsOf: clockFor(new Date()) } })
    await tx.$executeRawUnsafe(`DELETE FROM "ProblemTally" WHERE ${ids ? `"gridId" IN (${ids.length ? ids.join(',') : 'NULL'})` : '1=1'}`)
    await tx.$executeRawUnsafe(`INSERT INTO "ProblemTally" ("gridId", "departmentId", "supervisingDepartmentId", "open", "overdue")
      SELECT COALESCE("gridId", 0), COALESCE("departmentId", 0), COALESCE("supervisingDepartmentId", 0), COUNT(*),
             SUM(CASE WHEN "deadline" < (SELECT "overdueAsOf" FROM "AggregateClock" WHERE "id" = 1) THEN 1 ELSE 0 END)
      FROM "Problem" WHERE "status" IN (${OPEN_SQL}) AND ${inGrids}
      GROUP BY COALESCE("gridId", 0), COALESCE("departmentId", 0), COALESCE("supervisingDepartmentId", 0)`)
    await tx.$executeRawUnsafe(`DELETE FROM "ProblemMonthTally"`)
    await tx.$executeRawUnsafe(`INSERT INTO "ProblemMonthTally" ("departmentId", "supervisingDepartmentId", "month", "reported", "ended", "closed", "closedOnTime")
      SELECT d, s, m, SUM(r), SUM(e), SUM(c), SUM(o) FROM (
        SELECT "departmentId" AS d, COALESCE("supervisingDepartmentId", 0) AS s, ${month('reportedAt')} AS m, 1 AS r, 0 AS e, 0 AS c, 0 AS o
          FROM "Problem" WHERE "departmentId" IS NOT NULL
        UNION ALL
        SELECT "departmentId", COALESCE("supervisingDepartmentId", 0), ${month('closedAt')}, 0, 1,
               CASE WHEN "status" = 'closed' THEN 1 ELSE 0 END,
               CASE WHEN "status" = 'closed' AND ("deadline" IS NULL OR "closedAt" <= "deadline") THEN 1 ELSE 0 END
          FROM "Problem" WHERE "departmentId" IS NOT NULL AND "closedAt" IS NOT NULL
      ) x GROUP BY d, s, m`)
    await tx.$executeRawUnsafe(FULL_CHANGE_SQL)
  }, { timeout: 600_000, maxWait: 60_000 })
}

/** The part of an import transaction (services/importWriter.ts ImportTx) the tally step needs. */
export interface SqlTx {
  readonly provider: 'sqlite' | 'postgres'
  sql(text: string, params: unknown[]): Promise<void>
  /** the first column of the first row (undefined when none) */
  value(text: string, params: unknown[]): Promise<unknown>
}

/**
 * New problems of an import added to the aggregates inside the import's own transaction (the same
 * path for the driver and the Prisma writer): the contributions (`problemContributions`, the one
 * rule) summed in memory from the very values written — no aggregate query over the batch — then one
 * upsert per table from a JSON array of the sums. The clock is read when the tally starts, in the
 * transaction (held shared on PostgreSQL, as clockIn does; on SQLite the import holds the write lock),
 * so `overdue` counts deadlines before it; the problems are added as they are written (`add`), and
 * `write` adds the sums to the tables.
 */
export async function startProblemTally(tx: SqlTx): Promise<{ add(p: Omit<ProblemFacts, 'closedAt'>): void; write(): Promise<void> }> {
  const pg = tx.provider === 'postgres'
  // writers hold the clock's lock shared (the daily roll takes it exclusively), as clockIn does
  if (pg) await tx.sql(`SELECT pg_advisory_xact_lock_shared(${CLOCK_LOCK})::text`, [])
  await tx.sql(`INSERT INTO "AggregateClock" ("id", "overdueAsOf") VALUES (1, ${pg ? '$1' : '?'}) ON CONFLICT ("id") DO NOTHING`, [clockFor(new Date())])
  const raw = await tx.value(pg
    ? 'SELECT (EXTRACT(EPOCH FROM "overdueAsOf") * 1000)::float8 AS ms FROM "AggregateClock" WHERE "id" = 1' // TIMESTAMP(3) holds UTC
    : 'SELECT CAST("overdueAsOf" AS TEXT) AS t FROM "AggregateClock" WHERE "id" = 1', [])
  const asOf = raw instanceof Date ? raw : new Date(typeof raw === 'string' && !/^\d+(\.\d+)?$/.test(raw) ? raw : Math.round(Number(raw)))
  if (Number.isNaN(asOf.getTime())) throw new Error(`aggregate clock unreadable: ${String(raw)}`)
  // a new problem's contributions depend only on its grid, handler, supervisor, status, whether its
  // deadline is before the clock, and the Beijing month it was reported in: the problems are counted
  // per such group first (numbers and one key string per problem), then each group's contributions
  // (`problemContributions` of one of them) are added as many times as it has problems
  const groups = new Map<string, { p: ProblemFacts; n: number }>()
  const asOfMs = asOf.getTime()
  const monthOfDay = new Map<number, string>()
  const add = (p: Omit<ProblemFacts, 'closedAt'>) => {
    const day = Math.floor((p.reportedAt.getTime() + CHINA_OFFSET_MS) / 86_400_000)
    let month = monthOfDay.get(day)
    if (month === undefined) { month = monthOf(p.reportedAt); monthOfDay.set(day, month) }
    const overdue = p.deadline !== null && p.deadline.getTime() < asOfMs
    const key = `${p.gridId}|${p.departmentId}|${p.supervisingDepartmentId}|${p.status}|${overdue}|${month}`
    const g = groups.get(key)
    if (g) g.n++
    else groups.set(key, { p: { gridId: p.gridId, departmentId: p.departmentId, supervisingDepartmentId: p.supervisingDepartmentId, status: p.status, deadline: p.deadline, reportedAt: p.reportedAt, closedAt: null }, n: 1 })
  }
  const write = async () => {
    const deltas = new Map<string, Contribution>()
    for (const { p, n } of groups.values()) accumulate(deltas, problemContributions(p, asOf), n)
    const open: { g: number; d: number; s: number; o: number; v: number }[] = []
    const months: { d: number; s: number; m: string; r: number; e: number; c: number; t: number }[] = []
    for (const x of deltas.values()) {
      const k = x.key as { gridId: number; departmentId: number; supervisingDepartmentId: number; month: string }, n = x.counts
      if (x.table === 'problemTally') open.push({ g: k.gridId, d: k.departmentId, s: k.supervisingDepartmentId, o: n.open ?? 0, v: n.overdue ?? 0 })
      else if (x.table === 'problemMonthTally') months.push({ d: k.departmentId, s: k.supervisingDepartmentId, m: k.month, r: n.reported ?? 0, e: n.ended ?? 0, c: n.closed ?? 0, t: n.closedOnTime ?? 0 })
    }
    const from = (cols: string) => (pg
      ? `SELECT ${cols.split(',').map((c) => `x.${c}`).join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${cols.split(',').map((c) => `${c} ${c === 'm' ? 'text' : 'int'}`).join(', ')})`
      : `SELECT ${cols.split(',').map((c) => `json_extract(value, '$.${c}')`).join(', ')} FROM json_each(?) WHERE true`)
    if (open.length) {
      await tx.sql(`INSERT INTO "ProblemTally" ("gridId", "departmentId", "supervisingDepartmentId", "open", "overdue") ${from('g,d,s,o,v')}
        ON CONFLICT ("gridId", "departmentId", "supervisingDepartmentId")
        DO UPDATE SET "open" = "ProblemTally"."open" + excluded."open", "overdue" = "ProblemTally"."overdue" + excluded."overdue"`, [JSON.stringify(open)])
    }
    if (months.length) {
      await tx.sql(`INSERT INTO "ProblemMonthTally" ("departmentId", "supervisingDepartmentId", "month", "reported", "ended", "closed", "closedOnTime") ${from('d,s,m,r,e,c,t')}
        ON CONFLICT ("departmentId", "supervisingDepartmentId", "month")
        DO UPDATE SET "reported" = "ProblemMonthTally"."reported" + excluded."reported", "ended" = "ProblemMonthTally"."ended" + excluded."ended",
          "closed" = "ProblemMonthTally"."closed" + excluded."closed", "closedOnTime" = "ProblemMonthTally"."closedOnTime" + excluded."closedOnTime"`, [JSON.stringify(months)])
    }
    // the cached city figures (services/cityFigures.ts) rebuild after an import: one change for the whole batch
    await tx.sql(FULL_CHANGE_SQL, [])
  }
  return { add, write }
}

/** The Beijing month (YYYY-MM) of a timestamp column, in SQL. */
function monthSql(pg: boolean, col: string): string {
  const offset = CHINA_OFFSET_MS / 1000
  return pg
    ? `to_char("${col}" + interval '${offset} seconds', 'YYYY-MM')` // TIMESTAMP(3) holds UTC, no zone
    : `strftime('%Y-%m', "${col}", '+${offset} seconds')`
}

/** Recomputes InspectionTally from the Inspection table (all, or the given grids). */
export async function refreshInspectionTallies(db: Db, gridIds?: number[]): Promise<void> {
  const where = gridIds ? { gridId: { in: gridIds } } : {}
  await db.$transaction(async (tx) => {
    await tx.inspectionTally.deleteMany({ where })
    const deltas = new Map<string, Contribution>()
    let cursor = 0
    for (;;) {
      const page = await tx.inspection.findMany({ where: { ...where, id: { gt: cursor } }, select: INSPECTION_TALLY_SELECT, orderBy: { id: 'asc' }, take: 20_000 })
      if (page.length === 0) break
      for (const i of page) accumulate(deltas, inspectionContributions(i), 1)
      cursor = page[page.length - 1]!.id
    }
    const rows = [...deltas.values()].map((d) => ({ ...(d.key as { gridId: number; month: string; departmentId: number }), inspected: d.counts.inspected ?? 0, proven: d.counts.proven ?? 0 }))
    for (let i = 0; i < rows.length; i += 5000) await tx.inspectionTally.createMany({ data: rows.slice(i, i + 5000) })
    await tx.$executeRawUnsafe(FULL_CHANGE_SQL)
  }, { timeout: 600_000, maxWait: 60_000 })
}

/** Every aggregate row, in a canonical form (non-zero counters, sorted), for comparisons. */
export interface AggregateSnapshot { problem: string[]; month: string[]; inspection: string[] }

/** The aggregates as stored (overdue at the clock). */
export async function storedAggregates(db: Db): Promise<AggregateSnapshot> {
  const [p, m, i] = await Promise.all([db.problemTally.findMany(), db.problemMonthTally.findMany(), db.inspectionTally.findMany()])
  return {
    problem: p.filter((r) => r.open || r.overdue).map((r) => `${r.gridId}/${r.departmentId}/${r.supervisingDepartmentId}: open ${r.open} overdue ${r.overdue}`).sort(),
    month: m.filter((r) => r.reported || r.ended || r.closed || r.closedOnTime).map((r) => `${r.departmentId}/${r.supervisingDepartmentId}/${r.month}: ${r.reported} ${r.ended} ${r.closed} ${r.closedOnTime}`).sort(),
    inspection: i.filter((r) => r.inspected || r.proven).map((r) => `${r.gridId}/${r.month}/${r.departmentId}: ${r.inspected} ${r.proven}`).sort(),
  }
}

/** The aggregates recomputed from scratch from the Problem and Inspection rows (at the stored clock). */
export async function recomputedAggregates(db: Db): Promise<AggregateSnapshot> {
  const [problems, inspections, clock] = await Promise.all([
    db.problem.findMany({ select: PROBLEM_TALLY_SELECT }),
    db.inspection.findMany({ select: INSPECTION_TALLY_SELECT }),
    db.aggregateClock.findUnique({ where: { id: 1 } }),
  ])
  const asOf = clock?.overdueAsOf ?? clockFor(new Date())
  const acc = new Map<string, Contribution>()
  for (const p of problems) accumulate(acc, problemContributions(p, asOf), 1)
  for (const i of inspections) accumulate(acc, inspectionContributions(i), 1)
  const out: AggregateSnapshot = { problem: [], month: [], inspection: [] }
  for (const c of acc.values()) {
    const k = c.key as Record<string, number | string>, n = c.counts
    if (c.table === 'problemTally') out.problem.push(`${k.gridId}/${k.departmentId}/${k.supervisingDepartmentId}: open ${n.open ?? 0} overdue ${n.overdue ?? 0}`)
    else if (c.table === 'problemMonthTally') out.month.push(`${k.departmentId}/${k.supervisingDepartmentId}/${k.month}: ${n.reported ?? 0} ${n.ended ?? 0} ${n.closed ?? 0} ${n.closedOnTime ?? 0}`)
    else out.inspection.push(`${k.gridId}/${k.month}/${k.departmentId}: ${n.inspected ?? 0} ${n.proven ?? 0}`)
  }
  for (const l of Object.values(out)) l.sort()
  return out
}

/** After `tx.problem.update…` of problem `id` (was `before`, read under the same version): applies the change. */
export async function tallyProblemUpdate(tx: Client, id: number, before: ProblemFacts): Promise<void> {
  const after = await tx.problem.findUnique({ where: { id }, select: PROBLEM_TALLY_SELECT })
  await tallyProblem(tx, before, after)
}
