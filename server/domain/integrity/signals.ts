/**
 * Signs of gaming (造假迹象), for leaders: pure rule functions over plain rows, one result per
 * department with the ids of the records behind it (drill-down). A signal is a reason to look, not a
 * verdict. Every rule and its default threshold is documented in docs/integrity.md; the thresholds
 * are parameters (`IntegrityThresholds`).
 *
 *   lastDayBurst     share of the department's inspections dated in the last N days of their month
 *   sameSpot         check-ins in one grid within X m of each other in ≥ K consecutive months
 *   reusedPhoto      photos whose perceptual hashes are ≤ d apart, attached to different records
 *   mismatchedPhoto  photos whose EXIF time is > 24 h from the record, or EXIF GPS far from its point
 *   backfill         inspections entered late (补录: recorded > INSPECTION_BACKFILL_HOURS after their date)
 *   quickClose       problems closed within minutes of being reported (上报即结案)
 *   rebound          closed problems that came back (反弹: a later problem marked as their rebound)
 *   mergeVoid        problems voided (作废) or merged into another (合并) — they leave the overdue count
 */
import { distance } from '@turf/turf'
import { hammingDistance } from '../photo/dhash.ts'
import { photoMismatches, type PhotoMismatch } from '../photo/exif.ts'
import { DEFAULT_INSPECTION_BACKFILL_HOURS, isBackfill } from '../inspection/presence.ts'
import { addMonths, CHINA_OFFSET_MS, monthOf, monthRange, MONTH_PATTERN, type MonthKey } from '../time.ts'

/** An inspection row. */
export interface IntegrityInspection {
  id: number
  departmentId: number
  gridId: number
  date: Date
  recordedAt?: Date | null
  lng?: number | null
  lat?: number | null
}

/** A photo row with its evidence, and the record (inspection or problem) it is attached to. */
export interface IntegrityPhoto {
  id: number
  departmentId: number
  record: { kind: 'inspection' | 'problem'; id: number; date: Date; lng?: number | null; lat?: number | null }
  /** 16-hex-digit difference hash; null when not computed (e.g. WebP) */
  dHash?: string | null
  exifTakenAt?: Date | null
  exifLng?: number | null
  exifLat?: number | null
}

/** A problem row. */
export interface IntegrityProblem {
  id: number
  /** the department responsible */
  departmentId: number | null
  status: string
  reportedAt: Date
  closedAt?: Date | null
  /** the earlier problem this one is a rebound of (反弹) */
  reboundOfId?: number | null
  voidedAt?: Date | null
  mergedIntoId?: number | null
  mergedAt?: Date | null
}

/** Input of `integritySignals`: a range of months and the rows (photos may include older ones to compare against). */
export interface IntegrityInput {
  from: MonthKey
  to: MonthKey
  departments: readonly { id: number; name: string }[]
  inspections: readonly IntegrityInspection[]
  photos: readonly IntegrityPhoto[]
  problems: readonly IntegrityProblem[]
}

/** Thresholds of the rules (see docs/integrity.md). */
export interface IntegrityThresholds {
  /** the last N days of a month */
  lastDays: number
  /** flagged when the share of inspections in the last N days is ≥ this */
  lastDayShare: number
  /** … and the department has at least this many inspections in the range */
  lastDayMinInspections: number
  /** same spot: within this many metres */
  sameSpotRadiusM: number
  /** same spot: in at least this many consecutive months */
  sameSpotMonths: number
  /** reused photo: Hamming distance ≤ this */
  photoHashDistance: number
  /** mismatched photo: EXIF time more than this many hours from the record */
  photoMaxTimeGapHours: number
  /** mismatched photo: EXIF GPS more than this many metres from the record's point */
  photoMaxDistanceM: number
  /** INSPECTION_BACKFILL_HOURS */
  backfillHours: number
  /** flagged when the share of 补录 inspections is ≥ this */
  backfillShare: number
  /** quick close: closed within this many minutes of being reported */
  quickCloseMinutes: number
  /** flagged when the share of quick closes among closed problems is ≥ this */
  quickCloseShare: number
  /** flagged when rebounds / closed problems is ≥ this */
  reboundRate: number
  /** flagged when voided+merged / problems is ≥ this … */
  mergeVoidShare: number
  /** … and at least this many were voided or merged */
  mergeVoidMin: number
}

/** The default thresholds (docs/integrity.md explains each). */
export const DEFAULT_INTEGRITY_THRESHOLDS: Readonly<IntegrityThresholds> = {
  lastDays: 3, lastDayShare: 0.5, lastDayMinInspections: 5,
  sameSpotRadiusM: 15, sameSpotMonths: 3,
  photoHashDistance: 6, photoMaxTimeGapHours: 24, photoMaxDistanceM: 500,
  backfillHours: DEFAULT_INSPECTION_BACKFILL_HOURS, backfillShare: 0.2,
  quickCloseMinutes: 30, quickCloseShare: 0.2,
  reboundRate: 0.15,
  mergeVoidShare: 0.1, mergeVoidMin: 2,
}

// the signals' keys and names live in the vocabulary (the client shows them without loading the rules)
import { SIGNAL_KEYS, type SignalKey } from '../vocabulary/integrity.ts'
export { SIGNAL_KEYS, SIGNAL_LABELS, type SignalKey } from '../vocabulary/integrity.ts'

/** Record ids behind a signal, for drill-down. */
export interface SignalRecords { inspections: number[]; photos: number[]; problems: number[] }

/** One signal of one department. */
export interface SignalResult {
  /** records matching the rule */
  count: number
  /** the denominator the share is taken of (inspections, photos, closed problems …) */
  base: number
  /** the figure compared with the threshold (a share, a count or a run length) */
  value: number
  threshold: number
  flagged: boolean
  records: SignalRecords
}

/** The signals of one department. */
export interface DepartmentSignals {
  departmentId: number
  departmentName: string
  signals: Record<SignalKey, SignalResult>
  /** how many signals are flagged */
  flagged: number
}

/** The report over a range. */
export interface IntegrityReport {
  from: MonthKey
  to: MonthKey
  thresholds: IntegrityThresholds
  departments: DepartmentSignals[]
}

const sortIds = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b)
const records = (r: Partial<SignalRecords> = {}): SignalRecords => ({ inspections: sortIds(r.inspections ?? []), photos: sortIds(r.photos ?? []), problems: sortIds(r.problems ?? []) })
const share = (a: number, b: number) => (b === 0 ? 0 : a / b)
const round = (x: number) => Math.round(x * 10000) / 10000
function groupBy<T, K>(rows: readonly T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>()
  for (const r of rows) { const k = key(r); const l = m.get(k); if (l) l.push(r); else m.set(k, [r]) }
  return m
}

/** [start, end) of the range of months from..to. */
export function rangeOf(from: MonthKey, to: MonthKey): { start: Date; end: Date } {
  if (!MONTH_PATTERN.test(from) || !MONTH_PATTERN.test(to) || to < from) throw new Error(`invalid month range ${from}..${to}`)
  return { start: monthRange(from).start, end: monthRange(to).end }
}
const within = (d: Date | null | undefined, r: { start: Date; end: Date }) => d != null && d >= r.start && d < r.end

/** Is the instant in the last `n` days (Beijing calendar) of its month? */
export function inLastDaysOfMonth(at: Date, n: number): boolean {
  const { end } = monthRange(monthOf(at))
  const dayStart = Math.floor((at.getTime() + CHINA_OFFSET_MS) / 86_400_000) * 86_400_000 - CHINA_OFFSET_MS
  return (end.getTime() - dayStart) / 86_400_000 <= n
}

/** Last-day bursts, per department, over inspections already limited to the range. */
export function lastDayBursts(inspections: readonly IntegrityInspection[], t: IntegrityThresholds): Map<number, SignalResult> {
  const out = new Map<number, SignalResult>()
  for (const [dept, rows] of groupBy(inspections, (i) => i.departmentId)) {
    const late = rows.filter((i) => inLastDaysOfMonth(i.date, t.lastDays))
    const value = round(share(late.length, rows.length))
    out.set(dept, { count: late.length, base: rows.length, value, threshold: t.lastDayShare, flagged: rows.length >= t.lastDayMinInspections && value >= t.lastDayShare, records: records({ inspections: late.map((i) => i.id) }) })
  }
  return out
}

/**
 * Same spot month after month, per department: for each check-in p, the run of consecutive months
 * after p's month each holding a check-in of the same department in the same grid within the radius
 * of p. A run of ≥ sameSpotMonths months (p's month included) flags p and the matching check-ins.
 * value = the longest run found.
 */
export function sameSpots(inspections: readonly IntegrityInspection[], t: IntegrityThresholds): Map<number, SignalResult> {
  const out = new Map<number, SignalResult>()
  const located = inspections.filter((i) => i.lng != null && i.lat != null)
  for (const [dept, rows] of groupBy(inspections, (i) => i.departmentId)) {
    const flaggedIds = new Set<number>()
    let longest = 0
    for (const [, grid] of groupBy(located.filter((i) => i.departmentId === dept), (i) => i.gridId)) {
      const byMonth = groupBy(grid, (i) => monthOf(i.date))
      for (const p of grid) {
        const run = [p.id]
        let m = monthOf(p.date)
        for (;;) {
          m = addMonths(m, 1)
          const near = (byMonth.get(m) ?? []).filter((q) => distance([p.lng!, p.lat!], [q.lng!, q.lat!], { units: 'meters' }) <= t.sameSpotRadiusM)
          if (near.length === 0) break
          run.push(...near.map((q) => q.id))
          if (run.length > 1000) break
        }
        const months = new Set(run.map((id) => monthOf(grid.find((g) => g.id === id)!.date))).size
        longest = Math.max(longest, months)
        if (months >= t.sameSpotMonths) run.forEach((id) => flaggedIds.add(id))
      }
    }
    out.set(dept, { count: flaggedIds.size, base: rows.filter((i) => i.lng != null && i.lat != null).length, value: longest, threshold: t.sameSpotMonths, flagged: longest >= t.sameSpotMonths, records: records({ inspections: [...flaggedIds] }) })
  }
  return out
}

/**
 * Pairs of photos on different records whose hashes are at most `maxDistance` apart. For distances
 * below 8 a pigeonhole index (two hashes within d < 8 bits share at least 8−d of their 8 bytes at the
 * same position) avoids comparing every pair; otherwise every pair is compared.
 */
export function reusedPhotoPairs(photos: readonly IntegrityPhoto[], maxDistance: number): [IntegrityPhoto, IntegrityPhoto][] {
  const hashed = photos.filter((p): p is IntegrityPhoto & { dHash: string } => typeof p.dHash === 'string' && /^[0-9a-f]{16}$/.test(p.dHash))
  const candidates = new Set<string>()
  if (maxDistance < 8) {
    const index = new Map<string, number[]>()
    hashed.forEach((p, k) => { for (let b = 0; b < 8; b++) { const key = `${b}:${p.dHash.slice(b * 2, b * 2 + 2)}`; (index.get(key) ?? index.set(key, []).get(key)!).push(k) } })
    for (const list of index.values()) for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) candidates.add(`${list[x]},${list[y]}`)
  } else {
    for (let x = 0; x < hashed.length; x++) for (let y = x + 1; y < hashed.length; y++) candidates.add(`${x},${y}`)
  }
  const pairs: [IntegrityPhoto, IntegrityPhoto][] = []
  for (const c of candidates) {
    const [x, y] = c.split(',').map(Number) as [number, number]
    const a = hashed[x]!, b = hashed[y]!
    if (a.record.kind === b.record.kind && a.record.id === b.record.id) continue
    if (hammingDistance(a.dHash, b.dHash) <= maxDistance) pairs.push(a.id < b.id ? [a, b] : [b, a])
  }
  return pairs.sort((p, q) => p[0].id - q[0].id || p[1].id - q[1].id)
}

/** Reused photos per department: the department's photos (in range) that pair with another record's photo. */
export function reusedPhotos(photos: readonly IntegrityPhoto[], inRange: (p: IntegrityPhoto) => boolean, t: IntegrityThresholds): Map<number, SignalResult> {
  const hit = new Map<number, IntegrityPhoto>()
  for (const [a, b] of reusedPhotoPairs(photos, t.photoHashDistance)) { hit.set(a.id, a); hit.set(b.id, b) }
  const out = new Map<number, SignalResult>()
  for (const [dept, rows] of groupBy(photos.filter(inRange), (p) => p.departmentId)) {
    const mine = rows.filter((p) => hit.has(p.id))
    out.set(dept, { count: mine.length, base: rows.length, value: mine.length, threshold: 1, flagged: mine.length >= 1, records: recordsOfPhotos(mine) })
  }
  return out
}

function recordsOfPhotos(ps: readonly IntegrityPhoto[]): SignalRecords {
  return records({ photos: ps.map((p) => p.id), inspections: ps.filter((p) => p.record.kind === 'inspection').map((p) => p.record.id), problems: ps.filter((p) => p.record.kind === 'problem').map((p) => p.record.id) })
}

/** Why a photo does not match its record (see photoMismatches), [] when it matches or has no EXIF. */
export function photoMismatchOf(p: IntegrityPhoto, t: IntegrityThresholds): PhotoMismatch[] {
  return photoMismatches({ takenAt: p.exifTakenAt ?? null, lng: p.exifLng ?? null, lat: p.exifLat ?? null }, p.record, { maxTimeGapHours: t.photoMaxTimeGapHours, maxDistanceM: t.photoMaxDistanceM }).mismatches
}

/** Mismatched photos per department, over photos already limited to the range. */
export function mismatchedPhotos(photos: readonly IntegrityPhoto[], t: IntegrityThresholds): Map<number, SignalResult> {
  const out = new Map<number, SignalResult>()
  for (const [dept, rows] of groupBy(photos, (p) => p.departmentId)) {
    const bad = rows.filter((p) => photoMismatchOf(p, t).length > 0)
    out.set(dept, { count: bad.length, base: rows.length, value: bad.length, threshold: 1, flagged: bad.length >= 1, records: recordsOfPhotos(bad) })
  }
  return out
}

/** 补录 entries per department, over inspections already limited to the range. */
export function backfills(inspections: readonly IntegrityInspection[], t: IntegrityThresholds): Map<number, SignalResult> {
  const out = new Map<number, SignalResult>()
  for (const [dept, rows] of groupBy(inspections, (i) => i.departmentId)) {
    const late = rows.filter((i) => isBackfill(i, t.backfillHours))
    const value = round(share(late.length, rows.length))
    out.set(dept, { count: late.length, base: rows.length, value, threshold: t.backfillShare, flagged: late.length >= 1 && value >= t.backfillShare, records: records({ inspections: late.map((i) => i.id) }) })
  }
  return out
}

/** Problems closed (in range) within `quickCloseMinutes` of being reported, per responsible department. */
export function quickCloses(problems: readonly IntegrityProblem[], range: { start: Date; end: Date }, t: IntegrityThresholds): Map<number, SignalResult> {
  const out = new Map<number, SignalResult>()
  const closed = problems.filter((p) => p.departmentId !== null && p.status === 'closed' && within(p.closedAt, range))
  for (const [dept, rows] of groupBy(closed, (p) => p.departmentId!)) {
    const quick = rows.filter((p) => p.closedAt!.getTime() - p.reportedAt.getTime() <= t.quickCloseMinutes * 60_000)
    const value = round(share(quick.length, rows.length))
    out.set(dept, { count: quick.length, base: rows.length, value, threshold: t.quickCloseShare, flagged: quick.length >= 1 && value >= t.quickCloseShare, records: records({ problems: quick.map((p) => p.id) }) })
  }
  return out
}

/** Rebound rate per department: closed (in range) problems that a later problem marks as rebounded. */
export function rebounds(problems: readonly IntegrityProblem[], range: { start: Date; end: Date }, t: IntegrityThresholds): Map<number, SignalResult> {
  const reboundOf = groupBy(problems.filter((p) => p.reboundOfId != null), (p) => p.reboundOfId!)
  const out = new Map<number, SignalResult>()
  const closed = problems.filter((p) => p.departmentId !== null && p.status === 'closed' && within(p.closedAt, range))
  for (const [dept, rows] of groupBy(closed, (p) => p.departmentId!)) {
    const back = rows.filter((p) => reboundOf.has(p.id))
    const value = round(share(back.length, rows.length))
    const ids = back.flatMap((p) => [p.id, ...reboundOf.get(p.id)!.map((q) => q.id)])
    out.set(dept, { count: back.length, base: rows.length, value, threshold: t.reboundRate, flagged: back.length >= 1 && value >= t.reboundRate, records: records({ problems: ids }) })
  }
  return out
}

/** Voided or merged (in range) problems per responsible department, against its problems reported or ended in range. */
export function mergesAndVoids(problems: readonly IntegrityProblem[], range: { start: Date; end: Date }, t: IntegrityThresholds): Map<number, SignalResult> {
  const ended = (p: IntegrityProblem) => within(p.voidedAt, range) || within(p.mergedAt, range)
  const out = new Map<number, SignalResult>()
  const mine = problems.filter((p) => p.departmentId !== null && (within(p.reportedAt, range) || ended(p)))
  for (const [dept, rows] of groupBy(mine, (p) => p.departmentId!)) {
    const gone = rows.filter(ended)
    const value = round(share(gone.length, rows.length))
    out.set(dept, { count: gone.length, base: rows.length, value, threshold: t.mergeVoidShare, flagged: gone.length >= t.mergeVoidMin && value >= t.mergeVoidShare, records: records({ problems: gone.map((p) => p.id) }) })
  }
  return out
}

const EMPTY = (threshold: number): SignalResult => ({ count: 0, base: 0, value: 0, threshold, flagged: false, records: records() })

/**
 * Every signal for every department with activity in the range (inspections, photos or problems),
 * most-flagged first, then by name (zh-CN collation).
 */
export function integritySignals(input: IntegrityInput, thresholds: Partial<IntegrityThresholds> = {}): IntegrityReport {
  const t: IntegrityThresholds = { ...DEFAULT_INTEGRITY_THRESHOLDS, ...thresholds }
  const range = rangeOf(input.from, input.to)
  const inspections = input.inspections.filter((i) => within(i.date, range))
  const photoInRange = (p: IntegrityPhoto) => within(p.record.date, range)
  const photos = input.photos.filter(photoInRange)
  const results: Record<SignalKey, Map<number, SignalResult>> = {
    lastDayBurst: lastDayBursts(inspections, t),
    sameSpot: sameSpots(inspections, t),
    reusedPhoto: reusedPhotos(input.photos, photoInRange, t),
    mismatchedPhoto: mismatchedPhotos(photos, t),
    backfill: backfills(inspections, t),
    quickClose: quickCloses(input.problems, range, t),
    rebound: rebounds(input.problems, range, t),
    mergeVoid: mergesAndVoids(input.problems, range, t),
  }
  const thresholdOf: Record<SignalKey, number> = {
    lastDayBurst: t.lastDayShare, sameSpot: t.sameSpotMonths, reusedPhoto: 1, mismatchedPhoto: 1,
    backfill: t.backfillShare, quickClose: t.quickCloseShare, rebound: t.reboundRate, mergeVoid: t.mergeVoidShare,
  }
  const departments: DepartmentSignals[] = []
  for (const d of input.departments) {
    if (!SIGNAL_KEYS.some((k) => results[k].has(d.id))) continue
    const signals = Object.fromEntries(SIGNAL_KEYS.map((k) => [k, results[k].get(d.id) ?? EMPTY(thresholdOf[k])])) as Record<SignalKey, SignalResult>
    departments.push({ departmentId: d.id, departmentName: d.name, signals, flagged: SIGNAL_KEYS.filter((k) => signals[k].flagged).length })
  }
  departments.sort((a, b) => b.flagged - a.flagged || a.departmentName.localeCompare(b.departmentName, 'zh-CN'))
  return { from: input.from, to: input.to, thresholds: t, departments }
}
