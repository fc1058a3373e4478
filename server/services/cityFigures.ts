/**
 * The city-wide figures of grid.status and the dashboard ranking at city scale (issue 14, target 2):
 * read from the aggregates (services/aggregates.ts) with plain SQL on the database driver — only the
 * columns needed, one query per table, never one per grid — and kept in memory between requests.
 *
 * What is kept, and for how long:
 *  - a *snapshot* of the aggregate rows (ProblemTally, the overdue clock, the open problems whose
 *    deadline lies near it, holder periods, departments, ProblemMonthTally, InspectionTally per month),
 *    valid while the database has not changed: the change marker is read on every request —
 *    SQLite: `PRAGMA data_version` on a read-only handle (changes when any other connection, in this
 *    process or another, commits; as auth/sessionCache.ts does); PostgreSQL: `pg_current_snapshot()`,
 *    one tiny query (it changes whenever a writing transaction ends, in any process). Any write
 *    therefore drops the snapshot; the next request rebuilds it.
 *  - per snapshot, the *answers* (a month's per-grid coverage, a range's ranking) computed at `now`,
 *    keyed by the Beijing month of now and by the position of now among the instants where an answer
 *    can change without a write: a deadline in the overdue tail passing (overdue = stored at the clock +
 *    deadlines between the clock and now, docs/monthly.md), a holder period starting or ending, the
 *    month ending. So overdue crossing midnight (or any deadline) is right without a write, and a
 *    cached answer is never served past an instant that changes it.
 * The answers are city-wide per grid / per department; callers filter (district, level) afterwards.
 * Without a driver (a test double) callers fall back to the row-by-row reads (coverage.ts monthCoverage).
 */
import Database from 'better-sqlite3'
import { rawDriver, type Db } from '../db/client.ts'
import type { InspectionCounts } from '../domain/inspection/gridMonthStatus.ts'
import { departmentRanking, monthsBetween, type Ranking } from '../domain/inspection/ranking.ts'
import type { HolderPeriod } from '../domain/holder.ts'
import { OPEN_STATUSES } from '../domain/problem/status.ts'
import { monthOf, monthRange, type MonthKey } from '../domain/time.ts'
import type { ProblemTallyRow } from './aggregates.ts'
import { coverageFromCounts, holderView, type GridCoverage, type HolderView } from './coverage.ts'
import { rankingInputFromAggregates } from './monthly.ts'

type Row = Record<string, unknown>

/** Plain SQL on the driver under a Prisma client. */
interface Reader {
  readonly provider: 'sqlite' | 'postgres'
  /** `?` placeholders; dates as Date */
  all(text: string, params?: unknown[]): Promise<Row[]>
  /** changes whenever a transaction that wrote anything has committed since the last call */
  marker(): Promise<string>
}

const readers = new WeakMap<Db, Reader | null>()

function readerOf(db: Db): Reader | null {
  if (readers.has(db)) return readers.get(db)!
  const driver = rawDriver(db)
  let reader: Reader | null = null
  if (driver?.provider === 'sqlite') {
    let handle: Database.Database | null = null
    const open = () => (handle ??= new Database(driver.file, { readonly: true, fileMustExist: true, timeout: driver.busyTimeoutMs }))
    // Prisma's SQLite DateTime text (services/importWriter.ts)
    const value = (v: unknown) => (v instanceof Date ? v.toISOString().replace('Z', '+00:00') : v)
    reader = {
      provider: 'sqlite',
      async all(text, params = []) { return open().prepare(text).all(...params.map(value)) as Row[] },
      async marker() { return String(open().pragma('data_version', { simple: true })) },
    }
  } else if (driver?.provider === 'postgres') {
    const pool = driver.pool
    const value = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 23) : v)
    reader = {
      provider: 'postgres',
      async all(text, params = []) {
        let n = 0
        return (await pool.query(text.replace(/\?/g, () => `$${++n}`), params.map(value))).rows as Row[]
      },
      async marker() { return (await pool.query<{ s: string }>('SELECT pg_current_snapshot()::text AS s')).rows[0]!.s },
    }
  }
  readers.set(db, reader)
  return reader
}

/** A timestamp column as epoch milliseconds (PostgreSQL) or Prisma's text (SQLite), read back by `ms`. */
const T = (r: Reader, col: string) => (r.provider === 'postgres' ? `(EXTRACT(EPOCH FROM "${col}") * 1000)::float8` : `"${col}"`)
const ms = (v: unknown): number | null => (v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() : Date.parse(String(v)))
const num = (v: unknown) => Number(v)
const OPEN_SQL = OPEN_STATUSES.map((s) => `'${s}'`).join(',')
const DAY = 86_400_000

interface Holder extends HolderPeriod { gridId: number; view: HolderView }

/** The aggregate rows of one database state (one change marker). */
interface Snapshot {
  marker: string
  departments: { id: number; name: string }[]
  holders: Holder[]
  /** ProblemTally rows with open > 0, as columns; overdue counted at the clock */
  tally: { grid: Int32Array; dept: Int32Array; sup: Int32Array; open: Int32Array; overdue: Int32Array }
  clock: number | null
  /** open problems with a deadline in [lo, hi), sorted by deadline, each with its tally row (-1: none) */
  tail: { lo: number; hi: number; deadline: Float64Array; row: Int32Array } | null
  /** every instant an answer can change at without a write (t and t+1), sorted */
  instants: Float64Array
  monthTallies: { departmentId: number; supervisingDepartmentId: number; month: string; reported: number; ended: number; closed: number; closedOnTime: number }[]
  inspections: Map<MonthKey, Promise<Map<number, InspectionCounts[]>>>
  answers: Map<string, Promise<unknown>>
}

const snapshots = new WeakMap<Db, Promise<Snapshot>>()

async function loadSnapshot(db: Db, r: Reader, marker: string, now: number): Promise<Snapshot> {
  const [departments, holders, tally, clockRows, monthTallies] = await Promise.all([
    r.all('SELECT "id", "name" FROM "Department" ORDER BY "id"'),
    r.all(`SELECT "gridId", "departmentId", "cadreName", "cadreTitle", "contactName", "contactPhone", ${T(r, 'validFrom')} AS "validFrom", ${T(r, 'validTo')} AS "validTo" FROM "GridHolder" ORDER BY "validFrom", "id"`),
    r.all('SELECT "gridId", "departmentId", "supervisingDepartmentId", "open", "overdue" FROM "ProblemTally" WHERE "open" > 0'),
    r.all(`SELECT ${T(r, 'overdueAsOf')} AS "asOf" FROM "AggregateClock" WHERE "id" = 1`),
    r.all('SELECT "departmentId", "supervisingDepartmentId", "month", "reported", "ended", "closed", "closedOnTime" FROM "ProblemMonthTally"'),
  ])
  const deptName = new Map(departments.map((d) => [num(d.id), String(d.name)]))
  const n = tally.length
  const t = { grid: new Int32Array(n), dept: new Int32Array(n), sup: new Int32Array(n), open: new Int32Array(n), overdue: new Int32Array(n) }
  tally.forEach((x, i) => { t.grid[i] = num(x.gridId); t.dept[i] = num(x.departmentId); t.sup[i] = num(x.supervisingDepartmentId); t.open[i] = num(x.open); t.overdue[i] = num(x.overdue) })
  const snap: Snapshot = {
    marker,
    departments: departments.map((d) => ({ id: num(d.id), name: String(d.name) })),
    holders: holders.map((h) => {
      const validFrom = new Date(ms(h.validFrom)!), to = ms(h.validTo), validTo = to === null ? null : new Date(to)
      const departmentId = num(h.departmentId)
      return {
        gridId: num(h.gridId), departmentId, validFrom, validTo,
        view: holderView({
          departmentId, department: { name: deptName.get(departmentId) ?? '' }, cadreName: String(h.cadreName), cadreTitle: String(h.cadreTitle),
          contactName: String(h.contactName), contactPhone: String(h.contactPhone), validFrom, validTo,
        }),
      }
    }),
    tally: t,
    clock: clockRows.length ? ms(clockRows[0]!.asOf) : null,
    tail: null,
    instants: new Float64Array(0),
    monthTallies: monthTallies.map((x) => ({ departmentId: num(x.departmentId), supervisingDepartmentId: num(x.supervisingDepartmentId), month: String(x.month), reported: num(x.reported), ended: num(x.ended), closed: num(x.closed), closedOnTime: num(x.closedOnTime) })),
    inspections: new Map(),
    answers: new Map(),
  }
  await loadTail(r, snap, now)
  return snap
}

/** The open problems whose deadline lies between the clock and now (with two days' margin), and the instants. */
async function loadTail(r: Reader, snap: Snapshot, now: number): Promise<void> {
  snap.answers.clear()
  const instants: number[] = []
  for (const h of snap.holders) { instants.push(h.validFrom.getTime()); if (h.validTo) instants.push(h.validTo.getTime()) }
  if (snap.clock !== null) {
    const lo = Math.min(snap.clock, now), hi = Math.max(snap.clock, now) + 2 * DAY
    const rows = await r.all(`SELECT COALESCE("gridId", 0) AS "g", COALESCE("departmentId", 0) AS "d", COALESCE("supervisingDepartmentId", 0) AS "s", ${T(r, 'deadline')} AS "deadline"
      FROM "Problem" WHERE "status" IN (${OPEN_SQL}) AND "deadline" >= ? AND "deadline" < ?`, [new Date(lo), new Date(hi)])
    const key = (g: number, d: number, s: number) => `${g}|${d}|${s}`
    const index = new Map<string, number>()
    for (let i = 0; i < snap.tally.grid.length; i++) index.set(key(snap.tally.grid[i]!, snap.tally.dept[i]!, snap.tally.sup[i]!), i)
    const list = rows.map((x) => ({ deadline: ms(x.deadline)!, row: index.get(key(num(x.g), num(x.d), num(x.s))) ?? -1 })).sort((a, b) => a.deadline - b.deadline)
    snap.tail = { lo, hi, deadline: Float64Array.from(list, (x) => x.deadline), row: Int32Array.from(list, (x) => x.row) }
    instants.push(snap.clock, ...snap.tail.deadline)
  } else {
    snap.tail = null
  }
  const all = new Float64Array(instants.length * 2)
  instants.forEach((x, i) => { all[2 * i] = x; all[2 * i + 1] = x + 1 })
  snap.instants = all.sort()
}

/** How many of the sorted `xs` are ≤ x. */
function upperBound(xs: Float64Array, x: number): number {
  let lo = 0, hi = xs.length
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (xs[mid]! <= x) lo = mid + 1; else hi = mid }
  return lo
}

/** The snapshot for the database as it is now (rebuilt when the marker moved), its tail covering `now`. */
async function snapshotFor(db: Db, r: Reader, now: number): Promise<Snapshot> {
  const marker = await r.marker()
  let pending = snapshots.get(db)
  let snap = pending ? await pending.catch(() => null) : null
  if (!snap || snap.marker !== marker) {
    // re-check: another request may have started the build for this marker meanwhile
    const again = snapshots.get(db)
    if (again && again !== pending) { const s = await again.catch(() => null); if (s?.marker === marker) snap = s }
    if (!snap || snap.marker !== marker) {
      pending = loadSnapshot(db, r, marker, now)
      snapshots.set(db, pending)
      snap = await pending
    }
  }
  if (snap.clock !== null && (!snap.tail || now < snap.tail.lo || now >= snap.tail.hi)) await loadTail(r, snap, now)
  return snap
}

/** The ProblemTally rows with overdue at `now` (stored at the clock, ± the deadlines between the clock and now). */
function talliesAt(snap: Snapshot, now: number): ProblemTallyRow[] {
  const t = snap.tally
  const overdue = Int32Array.from(t.overdue)
  if (snap.tail && snap.clock !== null && now !== snap.clock) {
    const { deadline, row } = snap.tail
    const [a, b, sign] = snap.clock < now ? [snap.clock, now, 1] : [now, snap.clock, -1]
    // deadlines in [a, b)
    for (let i = upperBound(deadline, a - 1), end = upperBound(deadline, b - 1); i < end; i++) { const j = row[i]!; if (j >= 0) overdue[j] = overdue[j]! + sign }
  }
  const out: ProblemTallyRow[] = new Array(t.grid.length)
  for (let i = 0; i < t.grid.length; i++) out[i] = { gridId: t.grid[i]!, departmentId: t.dept[i]!, supervisingDepartmentId: t.sup[i]!, open: t.open[i]!, overdue: overdue[i]! }
  return out
}

function inspectionCounts(r: Reader, snap: Snapshot, month: MonthKey): Promise<Map<number, InspectionCounts[]>> {
  let p = snap.inspections.get(month)
  if (!p) {
    p = r.all('SELECT "gridId", "departmentId", "inspected", "proven" FROM "InspectionTally" WHERE "month" = ? AND "inspected" > 0', [month]).then((rows) => {
      const by = new Map<number, InspectionCounts[]>()
      for (const x of rows) {
        const g = num(x.gridId), c = { departmentId: num(x.departmentId), inspected: num(x.inspected), proven: num(x.proven) }
        const list = by.get(g)
        if (list) list.push(c); else by.set(g, [c])
      }
      return by
    })
    snap.inspections.set(month, p)
  }
  return p
}

/** Memoised per snapshot, by the month of now and now's place among the instants an answer changes at. */
function answer<T>(snap: Snapshot, key: string, now: Date, build: () => Promise<T>): Promise<T> {
  const k = `${key}|${monthOf(now)}|${upperBound(snap.instants, now.getTime())}`
  let p = snap.answers.get(k) as Promise<T> | undefined
  if (!p) {
    p = build().then((v) => { if (typeof v === 'object' && v !== null) shared.add(v); return v })
    snap.answers.set(k, p)
    p.catch(() => snap.answers.delete(k))
  }
  return p
}

/** `monthCoverage(db, month, now)` for every grid, from the snapshot (same answer; tests/api/aggregates.test.ts). */
async function coverageFrom(db: Db, r: Reader, snap: Snapshot, month: MonthKey, now: Date): Promise<Map<number, GridCoverage>> {
  return answer(snap, `coverage|${month}`, now, async () => {
    const { start, end } = monthRange(month)
    const holdersByGrid = new Map<number, Holder[]>()
    for (const h of snap.holders) {
      if (!(h.validFrom < end && (h.validTo === null || h.validTo > start))) continue
      const list = holdersByGrid.get(h.gridId)
      if (list) list.push(h); else holdersByGrid.set(h.gridId, [h])
    }
    const tallyByGrid = await inspectionCounts(r, snap, month)
    return coverageFromCounts(db, month, now, holdersByGrid, tallyByGrid, talliesAt(snap, now.getTime()), (h) => h.view)
  })
}

/**
 * Every grid's coverage of `month` at `now` (as `monthCoverage(db, month, now)`), from the cache;
 * null without a driver (then read `monthCoverage`). Do not modify the map: it is shared.
 */
export async function cityCoverage(db: Db, month: MonthKey, now: Date): Promise<ReadonlyMap<number, GridCoverage> | null> {
  const r = readerOf(db)
  if (!r) return null
  const snap = await snapshotFor(db, r, now.getTime())
  return coverageFrom(db, r, snap, month, now)
}

/**
 * Something derived from a month's city coverage (e.g. grid.status's arrays for a level), memoised
 * with it: `key` names everything else it depends on (level, area, catalog version).
 */
export async function fromCityCoverage<T>(db: Db, month: MonthKey, now: Date, key: string, build: (coverage: ReadonlyMap<number, GridCoverage>) => T): Promise<T | null> {
  const r = readerOf(db)
  if (!r) return null
  const snap = await snapshotFor(db, r, now.getTime())
  const coverage = await coverageFrom(db, r, snap, month, now)
  return answer(snap, `derived|${month}|${key}`, now, async () => build(coverage))
}

/**
 * The whole city's department ranking for from..to at `now` (as `departmentRanking` on
 * `loadRankingAggregates`), from the cache; null without a driver or for a range already over (the
 * figures at its last moment come from the problem rows: loadRankingAggregates). Shared: do not modify.
 */
export async function cityRanking(db: Db, from: MonthKey, to: MonthKey, now: Date): Promise<Ranking | null> {
  const r = readerOf(db)
  if (!r || monthRange(to).end < now) return null
  const snap = await snapshotFor(db, r, now.getTime())
  return answer(snap, `ranking|${from}|${to}`, now, async () => {
    const { start } = monthRange(from), { end } = monthRange(to)
    const months = monthsBetween(from, to).filter((m) => monthRange(m).start <= now)
    const [meetings, returns, coverages] = await Promise.all([
      r.all('SELECT "departmentId", "month" FROM "Meeting" WHERE "month" >= ? AND "month" <= ?', [from, to]),
      r.all(`SELECT "departmentId", "status", ${T(r, 'createdAt')} AS "createdAt" FROM "ProblemReturn" WHERE "createdAt" >= ? AND "createdAt" < ?`, [start, end]),
      Promise.all(months.map((m) => coverageFrom(db, r, snap, m, now))),
    ])
    const input = rankingInputFromAggregates(from, now, {
      departments: snap.departments,
      meetings: meetings.map((m) => ({ departmentId: num(m.departmentId), month: String(m.month) })),
      returns: returns.map((x) => ({ departmentId: num(x.departmentId), status: String(x.status), createdAt: new Date(ms(x.createdAt)!) })),
      monthTallies: snap.monthTallies.filter((x) => x.month <= to),
      coverages: months.map((m, k) => [m, coverages[k]!] as const),
      open: talliesAt(snap, now.getTime()),
    })
    return departmentRanking(from, to, input, now)
  })
}

const catalogIds = new WeakMap<object, number>()
let nextCatalogId = 1
/** A key for one catalog object (a server's grid catalog), for memo keys of answers built from it. */
export function catalogKey(catalog: object): number {
  let id = catalogIds.get(catalog)
  if (id === undefined) catalogIds.set(catalog, id = nextCatalogId++)
  return id
}

/** Answers handed out from the cache (never modified once built): their JSON text is made once. */
const shared = new WeakSet<object>()
const jsonOf = new WeakMap<object, string>()
/** The JSON text of a cached answer (made on first use), or undefined for any other value. */
export function sharedJson(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !shared.has(value)) return undefined
  let text = jsonOf.get(value)
  if (text === undefined) jsonOf.set(value, text = JSON.stringify(value))
  return text
}
