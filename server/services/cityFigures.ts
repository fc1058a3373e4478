/**
 * The city-wide figures of grid.status, the dashboard ranking and the bulletin at city scale (issue 14,
 * target 2): read from the aggregates (services/aggregates.ts) with plain SQL on the database driver —
 * only the columns needed, one query per table, never one per grid — kept in memory between requests
 * and following every write incrementally, in this process or another.
 *
 * How it follows writes: every write to the aggregates takes the next change sequence
 * (AggregateClock.seq, the clock row locked until it commits, so sequences commit in order) and stamps
 * the tally rows it changes with it. Each request reads the clock row (one tiny query: seq, fullSeq,
 * the overdue clock); when seq moved, the cache reads only the rows stamped after the sequence it last
 * saw (`WHERE "seq" > ?`, indexed) — ProblemTally, InspectionTally, ProblemMonthTally — and the
 * overdue tail of the grids whose problems changed, and recomputes only those grids' figures (a new
 * *view*: the old one stays whole for the requests still reading it). Changes the rows do not tell
 * (holders, departments, an import, a refresh: AggregateClock.fullSeq) and a moved overdue clock
 * (the daily roll) rebuild it fully; a meeting or a 退单 moves seq alone (the ranking is rebuilt).
 * The marker is per database on both providers (a row of this database), so another database of the
 * same PostgreSQL server does not disturb it.
 *
 * Per view, the *answers* (a month's per-grid coverage, a range's ranking, grid.status's arrays) are
 * computed at `now` and kept while now stays within one interval between the instants where an
 * answer can change without a write: a deadline in the overdue tail passing (overdue = stored at the
 * clock + deadlines between the clock and now, docs/monthly.md), a holder period starting or ending,
 * the month ending. So overdue crossing midnight (or any deadline) is right without a write, and a
 * cached answer is never served past an instant that changes it.
 * The answers are city-wide per grid / per department; callers filter (district, level) afterwards.
 * Without a driver (a test double) callers fall back to the row-by-row reads (coverage.ts monthCoverage).
 * tests/api/aggregates.test.ts and tests/api/cityFigures.test.ts compare them with recomputations.
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
interface TailEntry { deadline: number; departmentId: number; supervisingDepartmentId: number }
interface MonthTallyRow { departmentId: number; supervisingDepartmentId: number; month: string; reported: number; ended: number; closed: number; closedOnTime: number }
/** A month's coverage computed at an instant, valid while now stays in [lo, hi) within the same month of now. */
interface CoverageEntry { nowMonth: string; lo: number; hi: number; map: Map<number, GridCoverage> }

/** The change marker: the clock row of the database. */
interface Marker { seq: number; fullSeq: number; clock: number | null }

/** The aggregates as of one change sequence; never modified once handed out (a change makes a new view). */
interface View {
  seq: number
  clock: number | null
  departments: { id: number; name: string }[]
  holdersByGrid: Map<number, Holder[]>
  /** per grid, its ProblemTally rows with open > 0 (overdue counted at the clock) */
  tally: Map<number, ProblemTallyRow[]>
  /** the open problems whose deadline lies in [lo, hi), per grid (0: outside every grid) */
  tail: { lo: number; hi: number; byGrid: Map<number, TailEntry[]> } | null
  /** every instant an answer can change at without a write (t and t+1), sorted */
  instants: Float64Array
  monthTallies: Map<string, MonthTallyRow>
  inspections: Map<MonthKey, Promise<Map<number, InspectionCounts[]>>>
  coverages: Map<MonthKey, Promise<CoverageEntry | null>>
  answers: Map<string, Promise<unknown>>
}

interface State { view: View | null; chain: Promise<unknown> }
const states = new WeakMap<Db, State>()

async function readMarker(r: Reader): Promise<Marker> {
  const [row] = await r.all(`SELECT "seq", "fullSeq", ${T(r, 'overdueAsOf')} AS "asOf" FROM "AggregateClock" WHERE "id" = 1`)
  return row ? { seq: num(row.seq), fullSeq: num(row.fullSeq), clock: ms(row.asOf) } : { seq: 0, fullSeq: 0, clock: null }
}

const tallyKey = (d: number, s: number) => `${d}|${s}`
const monthTallyKey = (x: { departmentId: number; supervisingDepartmentId: number; month: string }) => `${x.departmentId}|${x.supervisingDepartmentId}|${x.month}`
const toTally = (x: Row): ProblemTallyRow => ({ gridId: num(x.gridId), departmentId: num(x.departmentId), supervisingDepartmentId: num(x.supervisingDepartmentId), open: num(x.open), overdue: num(x.overdue) })
const toMonthTally = (x: Row): MonthTallyRow => ({ departmentId: num(x.departmentId), supervisingDepartmentId: num(x.supervisingDepartmentId), month: String(x.month), reported: num(x.reported), ended: num(x.ended), closed: num(x.closed), closedOnTime: num(x.closedOnTime) })
const PROBLEM_TALLY_COLS = '"gridId", "departmentId", "supervisingDepartmentId", "open", "overdue"'
const MONTH_TALLY_COLS = '"departmentId", "supervisingDepartmentId", "month", "reported", "ended", "closed", "closedOnTime"'

/** Every row, from scratch. */
async function loadView(r: Reader, m: Marker, now: number): Promise<View> {
  const [departments, holders, tally, monthTallies] = await Promise.all([
    r.all('SELECT "id", "name" FROM "Department" ORDER BY "id"'),
    r.all(`SELECT "gridId", "departmentId", "cadreName", "cadreTitle", "contactName", "contactPhone", ${T(r, 'validFrom')} AS "validFrom", ${T(r, 'validTo')} AS "validTo" FROM "GridHolder" ORDER BY "validFrom", "id"`),
    r.all(`SELECT ${PROBLEM_TALLY_COLS} FROM "ProblemTally" WHERE "open" > 0`),
    r.all(`SELECT ${MONTH_TALLY_COLS} FROM "ProblemMonthTally"`),
  ])
  const deptName = new Map(departments.map((d) => [num(d.id), String(d.name)]))
  const holdersByGrid = new Map<number, Holder[]>()
  for (const h of holders) {
    const validFrom = new Date(ms(h.validFrom)!), to = ms(h.validTo), validTo = to === null ? null : new Date(to)
    const departmentId = num(h.departmentId), gridId = num(h.gridId)
    const holder: Holder = {
      gridId, departmentId, validFrom, validTo,
      view: holderView({
        departmentId, department: { name: deptName.get(departmentId) ?? '' }, cadreName: String(h.cadreName), cadreTitle: String(h.cadreTitle),
        contactName: String(h.contactName), contactPhone: String(h.contactPhone), validFrom, validTo,
      }),
    }
    const list = holdersByGrid.get(gridId)
    if (list) list.push(holder); else holdersByGrid.set(gridId, [holder])
  }
  const byGrid = new Map<number, ProblemTallyRow[]>()
  for (const x of tally) {
    const t = toTally(x)
    const list = byGrid.get(t.gridId)
    if (list) list.push(t); else byGrid.set(t.gridId, [t])
  }
  const view: View = {
    seq: m.seq, clock: m.clock,
    departments: departments.map((d) => ({ id: num(d.id), name: String(d.name) })),
    holdersByGrid, tally: byGrid, tail: null, instants: new Float64Array(0),
    monthTallies: new Map(monthTallies.map((x) => { const t = toMonthTally(x); return [monthTallyKey(t), t] })),
    inspections: new Map(), coverages: new Map(), answers: new Map(),
  }
  await loadTail(r, view, now)
  return view
}

/** The open problems whose deadline lies between the clock and now (with two days' margin), and the instants. */
async function loadTail(r: Reader, view: View, now: number): Promise<void> {
  if (view.clock !== null) {
    const lo = Math.min(view.clock, now), hi = Math.max(view.clock, now) + 2 * DAY
    const rows = await r.all(`SELECT "gridId", "departmentId", "supervisingDepartmentId", ${T(r, 'deadline')} AS "deadline"
      FROM "Problem" WHERE "status" IN (${OPEN_SQL}) AND "deadline" >= ? AND "deadline" < ?`, [new Date(lo), new Date(hi)])
    view.tail = { lo, hi, byGrid: tailByGrid(rows) }
  } else {
    view.tail = null
  }
  view.instants = instantsOf(view)
}

function tailByGrid(rows: Row[]): Map<number, TailEntry[]> {
  const by = new Map<number, TailEntry[]>()
  for (const x of rows) {
    const g = num(x.gridId ?? 0), e = { deadline: ms(x.deadline)!, departmentId: num(x.departmentId ?? 0), supervisingDepartmentId: num(x.supervisingDepartmentId ?? 0) }
    const list = by.get(g)
    if (list) list.push(e); else by.set(g, [e])
  }
  return by
}

function instantsOf(view: View): Float64Array {
  const instants: number[] = []
  for (const list of view.holdersByGrid.values()) for (const h of list) { instants.push(h.validFrom.getTime()); if (h.validTo) instants.push(h.validTo.getTime()) }
  if (view.clock !== null && view.tail) {
    instants.push(view.clock)
    for (const list of view.tail.byGrid.values()) for (const e of list) instants.push(e.deadline)
  }
  const all = new Float64Array(instants.length * 2)
  instants.forEach((x, i) => { all[2 * i] = x; all[2 * i + 1] = x + 1 })
  return all.sort()
}

/** The rows stamped after the view's sequence: a new view sharing everything else; changed grids' coverage recomputed. */
async function advance(db: Db, r: Reader, cur: View, m: Marker, now: number): Promise<View> {
  const since = cur.seq
  const [pt, it, mt] = await Promise.all([
    r.all(`SELECT ${PROBLEM_TALLY_COLS} FROM "ProblemTally" WHERE "seq" > ?`, [since]),
    r.all('SELECT "gridId", "month", "departmentId", "inspected", "proven" FROM "InspectionTally" WHERE "seq" > ?', [since]),
    r.all(`SELECT ${MONTH_TALLY_COLS} FROM "ProblemMonthTally" WHERE "seq" > ?`, [since]),
  ])
  const problemGrids = new Set(pt.map((x) => num(x.gridId)))
  // the tail of the grids whose problems changed (a problem's deadline or state moved)
  let tailRows: Row[] = []
  if (cur.tail && problemGrids.size > 0) {
    const ids = [...problemGrids].filter((g) => g !== 0)
    for (let i = 0; i < ids.length || (i === 0 && problemGrids.has(0)); i += 500) {
      const chunk = ids.slice(i, i + 500)
      const where = [chunk.length ? `"gridId" IN (${chunk.join(',')})` : '', i === 0 && problemGrids.has(0) ? '"gridId" IS NULL' : ''].filter(Boolean).join(' OR ')
      tailRows = tailRows.concat(await r.all(`SELECT "gridId", "departmentId", "supervisingDepartmentId", ${T(r, 'deadline')} AS "deadline"
        FROM "Problem" WHERE "status" IN (${OPEN_SQL}) AND "deadline" >= ? AND "deadline" < ? AND (${where})`, [new Date(cur.tail.lo), new Date(cur.tail.hi)]))
    }
  }
  const tally = pt.length ? new Map(cur.tally) : cur.tally
  for (const x of pt) {
    const t = toTally(x)
    const rows = (tally.get(t.gridId) ?? []).filter((o) => tallyKey(o.departmentId, o.supervisingDepartmentId) !== tallyKey(t.departmentId, t.supervisingDepartmentId))
    if (t.open > 0) rows.push(t)
    if (rows.length) tally.set(t.gridId, rows); else tally.delete(t.gridId)
  }
  let tail = cur.tail
  if (tail && problemGrids.size > 0) {
    const byGrid = new Map(tail.byGrid)
    for (const g of problemGrids) byGrid.delete(g)
    for (const [g, list] of tailByGrid(tailRows)) byGrid.set(g, list)
    tail = { ...tail, byGrid }
  }
  const monthTallies = mt.length ? new Map(cur.monthTallies) : cur.monthTallies
  for (const x of mt) { const t = toMonthTally(x); monthTallies.set(monthTallyKey(t), t) }
  const inspectionChanges = new Map<MonthKey, Row[]>()
  for (const x of it) { const k = String(x.month) as MonthKey; (inspectionChanges.get(k) ?? inspectionChanges.set(k, []).get(k)!).push(x) }
  const view: View = {
    seq: m.seq, clock: cur.clock, departments: cur.departments, holdersByGrid: cur.holdersByGrid, tally, tail,
    instants: tail === cur.tail ? cur.instants : new Float64Array(0), monthTallies,
    inspections: new Map(), coverages: new Map(), answers: new Map(),
  }
  if (tail !== cur.tail) view.instants = instantsOf(view)
  for (const [month, p] of cur.inspections) {
    const changes = inspectionChanges.get(month)
    view.inspections.set(month, changes ? p.then((old) => {
      const by = new Map(old)
      for (const x of changes) {
        const g = num(x.gridId), c = { departmentId: num(x.departmentId), inspected: num(x.inspected), proven: num(x.proven) }
        const list = (by.get(g) ?? []).filter((o) => o.departmentId !== c.departmentId)
        if (c.inspected > 0) list.push(c)
        if (list.length) by.set(g, list); else by.delete(g)
      }
      return by
    }) : p)
  }
  const at = new Date(now)
  for (const [month, p] of cur.coverages) {
    const grids = new Set(problemGrids)
    for (const x of inspectionChanges.get(month) ?? []) grids.add(num(x.gridId))
    const next = p.then((e) => {
      if (!e || !validAt(e, now)) return null
      if (grids.size === 0) return e
      return patchCoverage(db, r, view, month, at, e, [...grids])
    })
    next.catch(() => undefined)
    view.coverages.set(month, next)
  }
  return view
}

/** `e` with the figures of `grids` recomputed at `now` (the same as a full computation gives them). */
async function patchCoverage(db: Db, r: Reader, view: View, month: MonthKey, now: Date, e: CoverageEntry, grids: number[]): Promise<CoverageEntry> {
  const holdersByGrid = holdersIn(view, month, grids)
  const tallyByGrid = await inspectionCounts(r, view, month)
  const part = await coverageFromCounts(db, month, now, holdersByGrid, tallyByGrid, talliesAt(view, now.getTime(), grids), (h) => h.view, grids)
  const map = new Map(e.map)
  for (const g of grids) {
    // the grids a full computation lists: held in the month, inspected in it, or with open problems
    if (holdersByGrid.has(g) || tallyByGrid.has(g) || (g !== 0 && view.tally.has(g))) map.set(g, part.get(g)!)
    else map.delete(g)
  }
  const [lo, hi] = bucket(view, now.getTime())
  return { nowMonth: e.nowMonth, lo: Math.max(lo, e.lo), hi: Math.min(hi, e.hi), map }
}

const validAt = (e: CoverageEntry, now: number) => e.nowMonth === monthOf(new Date(now)) && e.lo <= now && now < e.hi

/** The interval of instants around `now` in which no answer changes without a write (within the tail's range). */
function bucket(view: View, now: number): [number, number] {
  const i = upperBound(view.instants, now)
  let lo = i > 0 ? view.instants[i - 1]! : -Infinity, hi = i < view.instants.length ? view.instants[i]! : Infinity
  if (view.tail) { lo = Math.max(lo, view.tail.lo); hi = Math.min(hi, view.tail.hi) }
  return [lo, hi]
}

/** How many of the sorted `xs` are ≤ x. */
function upperBound(xs: Float64Array, x: number): number {
  let lo = 0, hi = xs.length
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (xs[mid]! <= x) lo = mid + 1; else hi = mid }
  return lo
}

/** Runs `fn` after every refresh already queued for the database (one at a time). */
function serially<T>(st: State, fn: () => Promise<T>): Promise<T> {
  const p = st.chain.then(fn, fn)
  st.chain = p.catch(() => undefined)
  return p
}

/** The view of the database as it is now (advanced or rebuilt when the marker moved), its tail covering `now`. */
async function viewFor(db: Db, r: Reader, now: number): Promise<View> {
  let st = states.get(db)
  if (!st) states.set(db, st = { view: null, chain: Promise.resolve() })
  const state = st
  const m = await readMarker(r)
  let v = state.view
  const current = (x: View | null, k: Marker) => x !== null && x.seq === k.seq && x.clock === k.clock
  if (!current(v, m)) {
    v = await serially(state, async () => {
      // the marker again, inside the queue: another request may have brought the view up to date meanwhile
      const k = await readMarker(r)
      const cur = state.view
      if (current(cur, k)) return cur!
      const next = cur && k.seq > cur.seq && k.fullSeq <= cur.seq && k.clock === cur.clock ? await advance(db, r, cur, k, now) : await loadView(r, k, now)
      state.view = next
      return next
    })
  }
  if (v!.clock !== null && (!v!.tail || now < v!.tail.lo || now >= v!.tail.hi)) {
    v = await serially(state, async () => {
      const cur = state.view!
      if (cur.clock === null || (cur.tail && now >= cur.tail.lo && now < cur.tail.hi)) return cur
      const next: View = { ...cur, inspections: cur.inspections, coverages: new Map(), answers: new Map() }
      await loadTail(r, next, now)
      state.view = next
      return next
    })
  }
  return v!
}

/** The ProblemTally rows (of `grids`, or all) with overdue at `now`: stored at the clock, ± the deadlines between the clock and now. */
function talliesAt(view: View, now: number, grids?: Iterable<number>): ProblemTallyRow[] {
  const out: ProblemTallyRow[] = []
  const clock = view.clock
  const shift = view.tail !== null && clock !== null && now !== clock
  const [a, b, sign] = !shift ? [0, 0, 0] : clock! < now ? [clock!, now, 1] : [now, clock!, -1]
  for (const g of grids ?? view.tally.keys()) {
    const rows = view.tally.get(g)
    if (!rows) continue
    const tail = shift ? view.tail!.byGrid.get(g) : undefined
    for (const t of rows) {
      let overdue = t.overdue
      // deadlines in [a, b)
      if (tail) for (const e of tail) if (e.deadline >= a && e.deadline < b && e.departmentId === t.departmentId && e.supervisingDepartmentId === t.supervisingDepartmentId) overdue += sign
      out.push(overdue === t.overdue ? t : { ...t, overdue })
    }
  }
  return out
}

function holdersIn(view: View, month: MonthKey, grids?: Iterable<number>): Map<number, Holder[]> {
  const { start, end } = monthRange(month)
  const out = new Map<number, Holder[]>()
  for (const g of grids ?? view.holdersByGrid.keys()) {
    const list = view.holdersByGrid.get(g)?.filter((h) => h.validFrom < end && (h.validTo === null || h.validTo > start))
    if (list?.length) out.set(g, list)
  }
  return out
}

function inspectionCounts(r: Reader, view: View, month: MonthKey): Promise<Map<number, InspectionCounts[]>> {
  let p = view.inspections.get(month)
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
    view.inspections.set(month, p)
    p.catch(() => view.inspections.delete(month))
  }
  return p
}

/** Memoised per view, by the month of now and now's place among the instants an answer changes at. */
function answer<T>(view: View, key: string, now: Date, build: () => Promise<T>): Promise<T> {
  const k = `${key}|${monthOf(now)}|${upperBound(view.instants, now.getTime())}`
  let p = view.answers.get(k) as Promise<T> | undefined
  if (!p) {
    p = build().then((v) => { if (typeof v === 'object' && v !== null) shared.add(v); return v })
    view.answers.set(k, p)
    p.catch(() => view.answers.delete(k))
  }
  return p
}

/** `monthCoverage(db, month, now)` for every grid, from the view (same answer; tests/api/aggregates.test.ts). */
async function coverageFrom(db: Db, r: Reader, view: View, month: MonthKey, now: Date): Promise<Map<number, GridCoverage>> {
  const t = now.getTime()
  for (;;) {
    const p = view.coverages.get(month)
    const e = p ? await p.catch(() => null) : null
    if (e && validAt(e, t)) return e.map
    if (view.coverages.get(month) !== p) continue // replaced meanwhile: look again
    const build = (async (): Promise<CoverageEntry> => {
      const holdersByGrid = holdersIn(view, month)
      const tallyByGrid = await inspectionCounts(r, view, month)
      const map = await coverageFromCounts(db, month, now, holdersByGrid, tallyByGrid, talliesAt(view, t), (h) => h.view)
      const [lo, hi] = bucket(view, t)
      shared.add(map)
      return { nowMonth: monthOf(now), lo, hi, map }
    })()
    view.coverages.set(month, build)
    build.catch(() => { if (view.coverages.get(month) === build) view.coverages.delete(month) })
    return (await build).map
  }
}

/**
 * Every grid's coverage of `month` at `now` (as `monthCoverage(db, month, now)`), from the cache;
 * null without a driver (then read `monthCoverage`). Do not modify the map: it is shared.
 */
export async function cityCoverage(db: Db, month: MonthKey, now: Date): Promise<ReadonlyMap<number, GridCoverage> | null> {
  const r = readerOf(db)
  if (!r) return null
  const view = await viewFor(db, r, now.getTime())
  return coverageFrom(db, r, view, month, now)
}

/**
 * Something derived from a month's city coverage (e.g. grid.status's arrays for a level), memoised
 * with it: `key` names everything else it depends on (level, area, catalog version).
 */
export async function fromCityCoverage<T>(db: Db, month: MonthKey, now: Date, key: string, build: (coverage: ReadonlyMap<number, GridCoverage>) => T): Promise<T | null> {
  const r = readerOf(db)
  if (!r) return null
  const view = await viewFor(db, r, now.getTime())
  return answer(view, `derived|${month}|${key}`, now, async () => build(await coverageFrom(db, r, view, month, now)))
}

/**
 * The whole city's department ranking for from..to at `now` (as `departmentRanking` on
 * `loadRankingAggregates`), from the cache; null without a driver or for a range already over (the
 * figures at its last moment come from the problem rows: loadRankingAggregates). Shared: do not modify.
 */
export async function cityRanking(db: Db, from: MonthKey, to: MonthKey, now: Date): Promise<Ranking | null> {
  const r = readerOf(db)
  if (!r || monthRange(to).end < now) return null
  const view = await viewFor(db, r, now.getTime())
  return answer(view, `ranking|${from}|${to}`, now, async () => {
    const { start } = monthRange(from), { end } = monthRange(to)
    const months = monthsBetween(from, to).filter((m) => monthRange(m).start <= now)
    const [meetings, returns, coverages] = await Promise.all([
      r.all('SELECT "departmentId", "month" FROM "Meeting" WHERE "month" >= ? AND "month" <= ?', [from, to]),
      r.all(`SELECT "departmentId", "status", ${T(r, 'createdAt')} AS "createdAt" FROM "ProblemReturn" WHERE "createdAt" >= ? AND "createdAt" < ?`, [start, end]),
      Promise.all(months.map((m) => coverageFrom(db, r, view, m, now))),
    ])
    const input = rankingInputFromAggregates(from, now, {
      departments: view.departments,
      meetings: meetings.map((m) => ({ departmentId: num(m.departmentId), month: String(m.month) })),
      returns: returns.map((x) => ({ departmentId: num(x.departmentId), status: String(x.status), createdAt: new Date(ms(x.createdAt)!) })),
      monthTallies: [...view.monthTallies.values()].filter((x) => x.month <= to),
      coverages: months.map((m, k) => [m, coverages[k]!] as const),
      open: talliesAt(view, now.getTime()),
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
