/**
 * What importing register rows does to the holder periods (包抓期) of each grid, and which rows
 * cannot be taken because their periods would overlap. Pure: the caller gives the resolved rows
 * (registerRows.ts) and the grids' existing periods.
 *
 * The rules (docs/register.md):
 *  - a row's period is [生效日期, 失效日期); without 失效日期 it lasts until the grid's next period
 *    starts (in the database or in the file), or is still open;
 *  - a row with the same 生效日期 as an existing period of its grid is that period: the same department
 *    → unchanged, or its cadre/title/contact/phone (and an explicit 失效日期) corrected in place; another
 *    department → OVERLAP_EXISTING (a handover needs its own date);
 *  - a new period after the grid's open period ends that one where it starts (a handover);
 *  - any other overlap — a date inside an existing closed period, a 失效日期 past the next period's
 *    start, two rows of one grid with the same date — refuses the row (OVERLAP_EXISTING / OVERLAP_ROW);
 *    the other rows are planned again without it.
 * Importing the same rows twice plans nothing the second time.
 */
import { chinaDate, dayOf, formatDate } from '../time.ts'
import type { HolderContact } from '../holder.ts'
import { REGISTER_REASONS, type RegisterEntry, type RegisterReason, type RegisterRow } from './registerRows.ts'

export interface ExistingPeriod extends HolderContact {
  id: number
  gridId: number
  departmentId: number
  validFrom: Date
  validTo: Date | null
}

export type RegisterAction = 'create' | 'update' | 'unchanged'

export type PlannedRow =
  | { row: number; ok: true; entry: RegisterEntry; action: RegisterAction }
  | { row: number; ok: false; reason: RegisterReason; message: string; detail?: string }

/** The details a row can correct on an existing period. */
export interface PeriodDetails { cadreName: string; cadreTitle: string; contactName: string; contactPhone: string; validTo: Date | null }

export type RegisterOp =
  | { kind: 'create'; row: number; entry: RegisterEntry; validFrom: Date; validTo: Date | null }
  /** an existing period corrected by `row`, or ended where the period of `row` starts */
  | { kind: 'update'; row: number; before: ExistingPeriod; after: PeriodDetails }

export interface RegisterPlan {
  rows: PlannedRow[]
  ops: RegisterOp[]
  summary: { total: number; create: number; update: number; unchanged: number; failed: number }
  /** departments the good rows name that do not exist yet (created on commit when allowed) */
  newDepartments: string[]
}

type OkEntryRow = { row: number; entry: RegisterEntry }
interface Slot { from: number; to: number | null; existing?: ExistingPeriod; row?: number; entry?: RegisterEntry }

const describe = (e: ExistingPeriod) => `${e.departmentName} ${formatDate(e.validFrom)} 起${e.validTo ? `至 ${formatDate(e.validTo)}` : ''}`
const time = (d: Date | null) => (d === null ? null : d.getTime())

/** One grid: the slots after the rows are applied, or the rows to refuse. */
function planGrid(existing: readonly ExistingPeriod[], rows: readonly OkEntryRow[]) {
  const errors = new Map<number, { reason: RegisterReason; detail: string }>()
  const slots: Slot[] = existing.map((e) => ({ from: e.validFrom.getTime(), to: time(e.validTo), existing: e }))
  const fileByFrom = new Map<number, number>()
  for (const r of rows) {
    const from = chinaDate(r.entry.validFrom).getTime()
    const to = r.entry.validTo ? chinaDate(r.entry.validTo).getTime() : null
    const twin = fileByFrom.get(from)
    if (twin !== undefined) { errors.set(r.row, { reason: 'OVERLAP_ROW', detail: `第 ${twin} 行` }); continue }
    fileByFrom.set(from, r.row)
    // an existing period starting on the row's day is that period (stored periods may start at any instant of it)
    const same = slots.find((s) => s.existing && dayOf(s.existing.validFrom) === r.entry.validFrom)
    if (same) {
      const e = same.existing!
      if (e.departmentName !== r.entry.departmentName) { errors.set(r.row, { reason: 'OVERLAP_EXISTING', detail: describe(e) }); continue }
      same.row = r.row
      same.entry = r.entry
      if (to !== null && !(e.validTo && dayOf(e.validTo) === r.entry.validTo)) same.to = to
    } else {
      slots.push({ from, to, row: r.row, entry: r.entry })
    }
  }
  if (errors.size) return { errors, slots }
  slots.sort((a, b) => a.from - b.from)
  // an open period followed by another lasts until that one starts
  const endedBy = new Map<Slot, number>()
  for (let i = 0; i + 1 < slots.length; i++) {
    const s = slots[i]!
    if (s.to === null) { s.to = slots[i + 1]!.from; if (slots[i + 1]!.row !== undefined) endedBy.set(s, slots[i + 1]!.row!) }
  }
  for (let i = 0; i + 1 < slots.length; i++) {
    const p = slots[i]!, q = slots[i + 1]!
    if (p.to! <= q.from) continue
    // the culprit is a row of the file: the new period if there is one, else the row that changed an existing one
    const [culprit, other] = q.row !== undefined && !q.existing ? [q, p] : p.row !== undefined ? [p, q] : [q, p]
    if (culprit.row === undefined) continue // two existing periods (not this import's doing)
    errors.set(culprit.row, other.existing
      ? { reason: 'OVERLAP_EXISTING', detail: describe(other.existing) }
      : { reason: 'OVERLAP_ROW', detail: `第 ${other.row} 行` })
  }
  return { errors, slots, endedBy }
}

const sameDetails = (e: ExistingPeriod, a: PeriodDetails) =>
  e.cadreName === a.cadreName && e.cadreTitle === a.cadreTitle && e.contactName === a.contactName && e.contactPhone === a.contactPhone && time(e.validTo) === time(a.validTo)

/** Plans the import of parsed rows against the existing periods (grid id → its periods). */
export function planRegister(parsed: readonly RegisterRow[], existing: ReadonlyMap<number, readonly ExistingPeriod[]>): RegisterPlan {
  const failed = new Map<number, { reason: RegisterReason; detail?: string }>()
  for (const r of parsed) if (!r.ok) failed.set(r.row, { reason: r.reason, detail: r.detail })
  const byGrid = new Map<number, OkEntryRow[]>()
  for (const r of parsed) if (r.ok) byGrid.set(r.entry.gridId, [...(byGrid.get(r.entry.gridId) ?? []), { row: r.row, entry: r.entry }])
  const ops: RegisterOp[] = []
  const action = new Map<number, RegisterAction>()
  for (const [gridId, all] of byGrid) {
    let active = all
    // refuse the overlapping rows, then plan the grid again without them (each round refuses at least one)
    for (;;) {
      const { errors, slots, endedBy } = planGrid(existing.get(gridId) ?? [], active)
      if (errors.size) {
        for (const [row, e] of errors) failed.set(row, e)
        active = active.filter((r) => !errors.has(r.row))
        continue
      }
      for (const s of slots) {
        if (!s.existing) {
          ops.push({ kind: 'create', row: s.row!, entry: s.entry!, validFrom: new Date(s.from), validTo: s.to === null ? null : new Date(s.to) })
          action.set(s.row!, 'create')
          continue
        }
        const e = s.existing
        const after: PeriodDetails = {
          cadreName: s.entry?.cadreName ?? e.cadreName, cadreTitle: s.entry?.cadreTitle ?? e.cadreTitle,
          contactName: s.entry?.contactName ?? e.contactName, contactPhone: s.entry?.contactPhone ?? e.contactPhone,
          validTo: s.to === null ? null : new Date(s.to),
        }
        const changed = !sameDetails(e, after)
        if (s.row !== undefined) action.set(s.row, changed ? 'update' : 'unchanged')
        const by = s.row ?? endedBy?.get(s)
        if (changed && by !== undefined) ops.push({ kind: 'update', row: by, before: e, after })
      }
      break
    }
  }
  const rows: PlannedRow[] = parsed.map((r) => {
    const f = failed.get(r.row)
    if (f) return { row: r.row, ok: false, reason: f.reason, message: REGISTER_REASONS[f.reason].zh, ...(f.detail ? { detail: f.detail } : {}) }
    if (!r.ok) throw new Error('unreachable')
    return { row: r.row, ok: true, entry: r.entry, action: action.get(r.row) ?? 'unchanged' }
  })
  const count = (a: RegisterAction) => rows.filter((r) => r.ok && r.action === a).length
  const newDepartments = [...new Set(rows.flatMap((r) => (r.ok && r.entry.departmentId === null ? [r.entry.departmentName] : [])))]
  return {
    rows, ops, newDepartments,
    summary: { total: rows.length, create: count('create'), update: count('update'), unchanged: count('unchanged'), failed: rows.filter((r) => !r.ok).length },
  }
}
