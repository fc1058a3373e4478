/** The problem workflow, deadlines, rebound/duplicate/boundary detection and measures — pure domain. */
import { describe, expect, it } from 'vitest'
import type { Polygon } from 'geojson'
import { OPEN_STATUSES, PROBLEM_STATUSES } from '../../server/domain/problem/status.ts'
import {
  ACTION_TYPES, TRANSITIONS, applyTransition, availableActions, BUNDLED_CALENDAR, categoryLimit, problemDeadline,
  type Actor, type WorkflowAction, type WorkflowProblem,
} from '../../server/domain/problem/workflow.ts'
import { pointToPolygonDistance } from '@turf/turf'
import { boundaryCandidates, findDuplicates, findRebound, metresBetween, planarBoundaryDistanceM } from '../../server/domain/problem/nearby.ts'
import { computeMeasures, type MeasureRow } from '../../server/domain/problem/measures.ts'

const NOW = new Date('2026-01-30T07:00:00Z') // 15:00 in Shanghai
const leader: Actor = { id: 1, role: 'leader', departmentId: 9 }
const admin: Actor = { id: 2, role: 'admin', departmentId: null }
const planner: Actor = { id: 3, role: 'planner', departmentId: 9 }
const dept: Actor = { id: 4, role: 'department', departmentId: 7 }
const otherDept: Actor = { id: 5, role: 'department', departmentId: 8 }

const problem = (over: Partial<WorkflowProblem> = {}): WorkflowProblem => ({
  status: 'reported', departmentId: 7, gridId: 70, priority: 'normal', deadline: new Date('2026-02-03T16:00:00Z'),
  limit: { normal: { workingDays: 5 }, urgent: { hours: 4 } }, reworkCount: 0, extensionCount: 0, pendingExtension: null, ...over,
})

const sample: Record<(typeof ACTION_TYPES)[number], WorkflowAction> = {
  register: { type: 'register' },
  dispatch: { type: 'dispatch' },
  accept: { type: 'accept' },
  submit: { type: 'submit', note: '已清理', photoIds: [1] },
  verifyPass: { type: 'verifyPass' },
  verifyFail: { type: 'verifyFail', note: '仍有垃圾' },
  void: { type: 'void', note: '重复上报' },
  reassign: { type: 'reassign', note: '属于相邻网格', departmentId: 8, gridId: 80 },
  requestExtension: { type: 'requestExtension', note: '需采购材料', newDeadline: new Date('2026-02-20T16:00:00Z') },
  decideExtension: { type: 'decideExtension', approve: true },
}
const rightActor = (type: (typeof ACTION_TYPES)[number]) => (TRANSITIONS[type].by === 'lead' ? leader : dept)

describe('applyTransition: the happy path', () => {
  it('walks reported → registered → dispatched → rectifying → submitted → closed, recording each event', () => {
    let p = problem()
    const steps: [WorkflowAction, Actor, string][] = [
      [sample.register, leader, 'registered'], [sample.dispatch, leader, 'dispatched'], [sample.accept, dept, 'rectifying'],
      [sample.submit, dept, 'submitted'], [sample.verifyPass, leader, 'closed'],
    ]
    for (const [action, actor, to] of steps) {
      const r = applyTransition(p, action, actor, NOW)
      if (!r.ok) throw new Error(`${action.type}: ${r.code}`)
      expect(r.event).toMatchObject({ action: action.type, fromStatus: p.status, toStatus: to })
      expect(r.changes.status).toBe(to)
      p = { ...p, ...r.changes } as WorkflowProblem
    }
    expect(p.status).toBe('closed')
  })

  it('dispatch sets dispatchedAt and the deadline from the category and priority', () => {
    const limit = { normal: { workingDays: 4 }, urgent: { hours: 6 } }
    const r = applyTransition(problem({ status: 'registered', priority: 'urgent', limit }), sample.dispatch, leader, NOW)
    if (!r.ok) throw new Error(r.code)
    expect(r.changes.dispatchedAt).toEqual(NOW)
    // urgent: 6 hours around the clock from Fri 30 Jan 15:00 CST
    expect(r.changes.deadline!.toISOString()).toBe('2026-01-30T13:00:00.000Z')
    const n = applyTransition(problem({ status: 'registered', limit }), sample.dispatch, leader, NOW)
    if (!n.ok) throw new Error(n.code)
    // normal: 4 working days after Fri 30 Jan = Mon 2 … Thu 5 Feb, end of that day in Beijing
    expect(n.changes.deadline!.toISOString()).toBe('2026-02-05T15:59:59.999Z')
  })

  it('dispatch of a problem without department takes one from the action, else is refused', () => {
    expect(applyTransition(problem({ status: 'registered', departmentId: null }), sample.dispatch, leader, NOW)).toMatchObject({ ok: false, code: 'NO_DEPARTMENT' })
    const r = applyTransition(problem({ status: 'registered', departmentId: null }), { type: 'dispatch', departmentId: 3 }, leader, NOW)
    expect(r).toMatchObject({ ok: true, changes: { departmentId: 3, status: 'dispatched' } })
  })

  it('verifyFail sends back to rectifying and counts a rework', () => {
    const r = applyTransition(problem({ status: 'submitted', reworkCount: 1 }), sample.verifyFail, leader, NOW)
    expect(r).toMatchObject({ ok: true, changes: { status: 'rectifying', reworkCount: 2 }, event: { note: '仍有垃圾' } })
  })

  it('void works from every open state and from no closed one', () => {
    for (const s of PROBLEM_STATUSES) {
      const r = applyTransition(problem({ status: s }), sample.void, leader, NOW)
      if (OPEN_STATUSES.includes(s)) expect(r).toMatchObject({ ok: true, changes: { status: 'voided' } })
      else expect(r).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' })
    }
  })

  it('reassign moves grid and department; a department at work hands back to dispatched', () => {
    expect(applyTransition(problem({ status: 'registered' }), sample.reassign, leader, NOW))
      .toMatchObject({ ok: true, changes: { departmentId: 8, gridId: 80 }, event: { toStatus: 'registered' } })
    expect(applyTransition(problem({ status: 'rectifying' }), sample.reassign, admin, NOW))
      .toMatchObject({ ok: true, changes: { departmentId: 8, status: 'dispatched', dispatchedAt: NOW } })
    expect(applyTransition(problem(), { type: 'reassign', note: 'x', departmentId: 7, gridId: 70 }, leader, NOW))
      .toMatchObject({ ok: false, code: 'SAME_ASSIGNMENT' })
  })

  it('extension: the department requests, a leader approves (deadline moves, count+1) or rejects', () => {
    const req = applyTransition(problem({ status: 'rectifying' }), sample.requestExtension, dept, NOW)
    expect(req).toMatchObject({ ok: true, extension: { kind: 'request' }, changes: {} })
    const pending = problem({ status: 'rectifying', pendingExtension: { newDeadline: new Date('2026-02-20T16:00:00Z') } })
    expect(applyTransition(pending, sample.requestExtension, dept, NOW)).toMatchObject({ ok: false, code: 'EXTENSION_PENDING' })
    expect(applyTransition(pending, sample.decideExtension, leader, NOW))
      .toMatchObject({ ok: true, changes: { deadline: new Date('2026-02-20T16:00:00Z'), extensionCount: 1 }, extension: { approved: true } })
    expect(applyTransition(pending, { type: 'decideExtension', approve: false }, leader, NOW))
      .toMatchObject({ ok: true, changes: {}, extension: { approved: false } })
    expect(applyTransition(problem({ status: 'rectifying' }), sample.decideExtension, leader, NOW)).toMatchObject({ ok: false, code: 'NO_PENDING_EXTENSION' })
    expect(applyTransition(problem({ status: 'rectifying' }), { type: 'requestExtension', note: 'x', newDeadline: new Date('2026-02-01T00:00:00Z') }, dept, NOW))
      .toMatchObject({ ok: false, code: 'BAD_DEADLINE' })
  })
})

describe('applyTransition: every action from every state, by every kind of actor', () => {
  for (const type of ACTION_TYPES) {
    for (const status of PROBLEM_STATUSES) {
      const legal = TRANSITIONS[type].from.includes(status)
      const base = problem({ status, pendingExtension: type === 'decideExtension' ? { newDeadline: new Date('2026-03-01T00:00:00Z') } : null })
      it(`${type} from ${status}: ${legal ? 'allowed for the right actor' : 'refused as illegal'}`, () => {
        const r = applyTransition(base, sample[type], rightActor(type), NOW)
        if (legal) expect(r.ok).toBe(true)
        else expect(r).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' })
      })
      if (!legal) continue
      it(`${type} from ${status}: refused for the wrong role or department`, () => {
        if (TRANSITIONS[type].by === 'lead') {
          expect(applyTransition(base, sample[type], dept, NOW)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
          expect(applyTransition(base, sample[type], planner, NOW)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
        } else {
          expect(applyTransition(base, sample[type], otherDept, NOW)).toMatchObject({ ok: false, code: 'NOT_YOUR_DEPARTMENT' })
          expect(applyTransition(base, sample[type], leader, NOW)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
        }
        expect(applyTransition(base, sample[type], admin, NOW).ok).toBe(true)
      })
      if (TRANSITIONS[type].needsNote) {
        it(`${type} from ${status}: refused without a note`, () => {
          expect(applyTransition(base, { ...sample[type], note: '  ' } as WorkflowAction, rightActor(type), NOW)).toMatchObject({ ok: false, code: 'NOTE_REQUIRED' })
        })
      }
    }
  }

  it('availableActions lists exactly what applyTransition allows', () => {
    for (const status of PROBLEM_STATUSES) {
      for (const actor of [leader, admin, planner, dept, otherDept]) {
        const p = problem({ status })
        const allowed = ACTION_TYPES.filter((t) => applyTransition(p, sample[t], actor, NOW).ok)
        expect(availableActions(p, actor).sort()).toEqual(allowed.sort())
      }
    }
  })
})

describe('deadlines in Beijing working days', () => {
  const days = (n: number) => ({ normal: { workingDays: n }, urgent: { hours: 24 } })
  it('ends at the end of the Nth working day, across weekends, 调休 and year ends', () => {
    // Sat 31 Jan 23:30 CST (15:30Z) + 1 working day → end of Mon 2 Feb CST
    expect(problemDeadline(new Date('2026-01-31T15:30:00Z'), days(1), 'normal', BUNDLED_CALENDAR).toISOString()).toBe('2026-02-02T15:59:59.999Z')
    // 31 Jan 00:30 CST is 30 Jan 16:30Z: the day is still 31 Jan in Shanghai
    expect(problemDeadline(new Date('2026-01-30T16:30:00Z'), days(1), 'normal', BUNDLED_CALENDAR).toISOString()).toBe('2026-02-02T15:59:59.999Z')
    // Sat 28 Feb 2026 is a 调休 working day (day 0) + 3 → Mon 2, Tue 3, Wed 4 Mar
    expect(problemDeadline(new Date('2026-02-28T02:00:00Z'), days(3), 'normal', BUNDLED_CALENDAR).toISOString()).toBe('2026-03-04T15:59:59.999Z')
    // 2028 has no calendar: Monday–Friday; Mon 28 Feb + 1 → Tue 29 Feb (leap year)
    expect(problemDeadline(new Date('2028-02-28T02:00:00Z'), days(1), 'normal', BUNDLED_CALENDAR).toISOString()).toBe('2028-02-29T15:59:59.999Z')
    // Wed 30 Dec 2026 + 5 → Thu 31 Dec, (1 Jan 元旦, weekend) Mon 4 … Thu 7 Jan 2027
    expect(problemDeadline(new Date('2026-12-30T10:00:00Z'), days(5), 'normal', BUNDLED_CALENDAR).toISOString()).toBe('2027-01-07T15:59:59.999Z')
  })

  it('urgent counts the limit\'s hours around the clock, holidays included', () => {
    expect(problemDeadline(new Date('2026-10-01T01:00:00Z'), days(15), 'urgent', BUNDLED_CALENDAR).toISOString()).toBe('2026-10-02T01:00:00.000Z')
  })

  it('category limits: the bundled file by code, else the database days', () => {
    expect(categoryLimit({ code: 'NOPE', deadlineDays: 6, kind: '部件' })).toEqual({ normal: { workingDays: 6 }, urgent: { hours: 24 } })
    expect(categoryLimit({ code: 'NOPE', deadlineDays: 2, kind: '事件' })).toEqual({ normal: { workingDays: 2 }, urgent: { hours: 4 } })
  })

  it('rework gives a fresh limit from now, keeping a later deadline', () => {
    const r = applyTransition(problem({ status: 'submitted', deadline: new Date('2026-01-20T15:59:59.999Z'), limit: days(2) }), sample.verifyFail, leader, NOW)
    if (!r.ok) throw new Error(r.code)
    // Fri 30 Jan + 2 working days → Tue 3 Feb
    expect(r.changes.deadline!.toISOString()).toBe('2026-02-03T15:59:59.999Z')
    const later = new Date('2026-03-01T15:59:59.999Z')
    const k = applyTransition(problem({ status: 'submitted', deadline: later, limit: days(2) }), sample.verifyFail, leader, NOW)
    if (!k.ok) throw new Error(k.code)
    expect(k.changes.deadline).toEqual(later)
  })
})

describe('rebound, duplicates, boundary', () => {
  const base = { lng: 107.2, lat: 34.36 }
  const east = (m: number) => ({ lng: base.lng + m / (111_320 * Math.cos((34.36 * Math.PI) / 180)), lat: base.lat })

  it('metresBetween is close to the intended offset', () => {
    expect(metresBetween(base, east(40))).toBeGreaterThan(39.5)
    expect(metresBetween(base, east(40))).toBeLessThan(40.5)
  })

  it('findRebound: same category, within distance, closed within N days', () => {
    const day = 86_400_000
    const closed = [
      { id: 1, ...east(30), categoryCode: 'LJ01', closedAt: new Date(NOW.getTime() - 5 * day) },
      { id: 2, ...east(10), categoryCode: 'XX01', closedAt: new Date(NOW.getTime() - 1 * day) }, // other category
      { id: 3, ...east(20), categoryCode: 'LJ01', closedAt: new Date(NOW.getTime() - 40 * day) }, // too long ago
      { id: 4, ...east(80), categoryCode: 'LJ01', closedAt: new Date(NOW.getTime() - 1 * day) }, // too far
    ]
    expect(findRebound({ ...base, categoryCode: 'LJ01' }, closed, { distanceM: 50, days: 30, now: NOW })?.id).toBe(1)
    expect(findRebound({ ...base, categoryCode: 'LJ01' }, closed, { distanceM: 50, days: 30, now: NOW })!.distanceM).toBeCloseTo(30, 0)
    expect(findRebound({ ...base, categoryCode: 'LJ01' }, closed, { distanceM: 25, days: 30, now: NOW })).toBeNull()
    expect(findRebound({ ...base, categoryCode: 'LJ01' }, closed, { distanceM: 50, days: 60, now: NOW })?.id).toBe(3)
    expect(findRebound({ ...base, categoryCode: 'KQ01' }, closed, { distanceM: 500, days: 60, now: NOW })).toBeNull()
  })

  it('findDuplicates: open, same category, nearby, nearest first', () => {
    const cands = [
      { id: 1, ...east(45), categoryCode: 'LJ01', status: 'rectifying' },
      { id: 2, ...east(5), categoryCode: 'LJ01', status: 'reported' },
      { id: 3, ...east(5), categoryCode: 'LJ01', status: 'closed' },
      { id: 4, ...east(5), categoryCode: 'JT01', status: 'reported' },
      { id: 5, ...east(60), categoryCode: 'LJ01', status: 'reported' },
    ]
    expect(findDuplicates({ ...base, categoryCode: 'LJ01' }, cands, { distanceM: 50, openStatuses: OPEN_STATUSES }).map((d) => d.id)).toEqual([2, 1])
  })

  it('boundaryCandidates: other grids whose boundary is within the distance', () => {
    // two squares sharing the meridian x = 107.2; the point sits 20 m west of it in A
    const sq = (x0: number, x1: number): Polygon => ({ type: 'Polygon', coordinates: [[[x0, 34.35], [x1, 34.35], [x1, 34.37], [x0, 34.37], [x0, 34.35]]] })
    const grids = [
      { id: 1, geometry: sq(107.19, 107.2), bbox: [107.19, 34.35, 107.2, 34.37] as [number, number, number, number] },
      { id: 2, geometry: sq(107.2, 107.21), bbox: [107.2, 34.35, 107.21, 34.37] as [number, number, number, number] },
      { id: 3, geometry: sq(107.3, 107.31), bbox: [107.3, 34.35, 107.31, 34.37] as [number, number, number, number] },
    ]
    const p = { lng: 107.2 - 20 / (111_320 * Math.cos((34.36 * Math.PI) / 180)), lat: 34.36 }
    const near = boundaryCandidates(p.lng, p.lat, 1, grids, { distanceM: 30 })
    expect(near.map((c) => c.gridId)).toEqual([2])
    expect(near[0]!.distanceM).toBeGreaterThan(19)
    expect(near[0]!.distanceM).toBeLessThan(21)
    expect(boundaryCandidates(p.lng, p.lat, 1, grids, { distanceM: 10 })).toEqual([])
    // far inside A: nothing
    expect(boundaryCandidates(107.195, 34.36, 1, grids, { distanceM: 30 })).toEqual([])
    // the planar prefilter agrees with turf within a few per cent near the boundary
    for (const m of [3, 12, 28, 45]) {
      const x = 107.2 - m / (111_320 * Math.cos((34.36 * Math.PI) / 180))
      const exact = Math.abs(pointToPolygonDistance([x, 34.361], grids[1]!.geometry, { units: 'meters' }))
      expect(Math.abs(planarBoundaryDistanceM(x, 34.361, grids[1]!.geometry) - exact)).toBeLessThan(exact * 0.02 + 0.05)
    }
  })
})

describe('computeMeasures on a hand-computed fixture', () => {
  const d = (s: string) => new Date(`${s}T00:00:00Z`)
  const from = d('2026-03-01'), to = d('2026-04-01'), now = d('2026-04-10')
  const row = (over: Partial<MeasureRow>): MeasureRow => ({
    departmentId: 1, gridId: 10, status: 'rectifying', reportedAt: d('2026-03-05'), deadline: d('2026-03-10'),
    closedAt: null, reworkCount: 0, extensionCount: 0, ...over,
  })
  const rows: MeasureRow[] = [
    row({ status: 'closed', closedAt: d('2026-03-07') }), // on time, 2 days
    row({ status: 'closed', closedAt: d('2026-03-14'), reworkCount: 1 }), // late, 9 days, reworked
    row({ status: 'rectifying', extensionCount: 1, deadline: d('2026-04-20') }), // open, not due yet
    row({ status: 'rectifying', gridId: 11 }), // open, overdue
    row({ status: 'voided' }), // excluded
    row({ status: 'closed', closedAt: d('2026-03-08'), mergedIntoId: 1 }), // merged: excluded
    row({ reportedAt: d('2026-02-20') }), // outside the period
    row({ departmentId: 2, gridId: 20, status: 'closed', closedAt: d('2026-03-06'), deadline: d('2026-03-06') }), // on time (equal), 1 day
  ]

  it('per department', () => {
    const m = computeMeasures(rows, { from, to, now, by: 'department' })
    expect(m.map((x) => x.key)).toEqual([1, 2])
    expect(m[0]).toMatchObject({ total: 4, due: 3, closed: 2, closedOnTime: 1, open: 2, overdue: 1, reworked: 1, extended: 1 })
    expect(m[0]!.closureRate).toBeCloseTo(2 / 3)
    expect(m[0]!.onTimeRate).toBeCloseTo(0.5)
    expect(m[0]!.reworkRate).toBeCloseTo(0.25)
    expect(m[0]!.extensionRate).toBeCloseTo(0.25)
    expect(m[0]!.avgDaysToClose).toBeCloseTo(5.5)
    expect(m[1]).toMatchObject({ total: 1, closed: 1, closedOnTime: 1, closureRate: 1, onTimeRate: 1, avgDaysToClose: 1 })
  })

  it('per grid, and null rates when nothing is closed', () => {
    const m = computeMeasures(rows, { from, to, now, by: 'grid' })
    expect(m.map((x) => x.key)).toEqual([10, 11, 20])
    expect(m[1]).toMatchObject({ total: 1, due: 1, closed: 0, overdue: 1, closureRate: 0, onTimeRate: null, avgDaysToClose: null })
  })

  it('judges at min(to, now): a problem closed after asOf is still open then', () => {
    const m = computeMeasures([row({ status: 'closed', closedAt: d('2026-03-20'), deadline: d('2026-03-25') })], { from, to, now: d('2026-03-15'), by: 'department' })
    expect(m[0]).toMatchObject({ closed: 0, open: 1, overdue: 0, due: 0, closureRate: null })
  })
})

describe('merging duplicates through the workflow table', () => {
  const into = (over: Partial<import('../../server/domain/problem/workflow.ts').MergeTarget> = {}) => ({
    id: 99, status: 'dispatched', categoryCode: 'C1', mergedIntoId: null, distanceM: 20, maxDistanceM: 50, ...over,
  })
  const dup = (over: Partial<WorkflowProblem> = {}) => problem({ status: 'dispatched', categoryCode: 'C1', mergedIntoId: null, ...over })

  it('the leadership merges: voided, linked, an event naming the target', () => {
    for (const actor of [leader, admin]) {
      const r = applyTransition(dup(), { type: 'merge', into: into() }, actor, NOW)
      expect(r).toMatchObject({ ok: true, changes: { status: 'voided', mergedIntoId: 99, mergeRequestIntoId: null }, event: { action: 'merge', fromStatus: 'dispatched', toStatus: 'voided', targetProblemId: 99 } })
    }
  })

  it('a department cannot merge (void) directly; it may only request, and its problem keeps its status', () => {
    expect(applyTransition(dup(), { type: 'merge', into: into() }, dept, NOW)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
    const r = applyTransition(dup(), { type: 'requestMerge', into: into() }, dept, NOW)
    expect(r).toMatchObject({ ok: true, changes: { mergeRequestIntoId: 99 }, event: { action: 'requestMerge', toStatus: 'dispatched', targetProblemId: 99 } })
    if (r.ok) expect(r.changes.status).toBeUndefined()
    expect(applyTransition(dup(), { type: 'requestMerge', into: into() }, otherDept, NOW)).toMatchObject({ ok: false, code: 'NOT_YOUR_DEPARTMENT' })
    expect(applyTransition(dup(), { type: 'requestMerge', into: into() }, planner, NOW)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
  })

  it('only within PROBLEM_DUPLICATE_M, the same category, both open and not merged', () => {
    expect(applyTransition(dup(), { type: 'merge', into: into({ distanceM: 823 }) }, leader, NOW)).toMatchObject({ ok: false, code: 'MERGE_TOO_FAR' })
    expect(applyTransition(dup(), { type: 'requestMerge', into: into({ distanceM: 823 }) }, dept, NOW)).toMatchObject({ ok: false, code: 'MERGE_TOO_FAR' })
    expect(applyTransition(dup(), { type: 'merge', into: into({ distanceM: 50 }) }, leader, NOW).ok).toBe(true)
    expect(applyTransition(dup(), { type: 'merge', into: into({ categoryCode: 'C2' }) }, leader, NOW)).toMatchObject({ ok: false, code: 'MERGE_CATEGORY' })
    expect(applyTransition(dup(), { type: 'merge', into: into({ status: 'closed' }) }, leader, NOW)).toMatchObject({ ok: false, code: 'MERGE_TARGET_CLOSED' })
    expect(applyTransition(dup(), { type: 'merge', into: into({ mergedIntoId: 5 }) }, leader, NOW)).toMatchObject({ ok: false, code: 'MERGE_TARGET_CLOSED' })
    for (const status of ['closed', 'voided'] as const) {
      expect(applyTransition(dup({ status }), { type: 'merge', into: into() }, leader, NOW)).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' })
    }
  })

  it('unmerge (leadership) restores the previous status; only a merged problem', () => {
    const merged = dup({ status: 'voided', mergedIntoId: 99 })
    expect(applyTransition(merged, { type: 'unmerge', restoreTo: 'rectifying' }, leader, NOW))
      .toMatchObject({ ok: true, changes: { status: 'rectifying', mergedIntoId: null }, event: { action: 'unmerge', fromStatus: 'voided', toStatus: 'rectifying', targetProblemId: 99 } })
    expect(applyTransition(merged, { type: 'unmerge', restoreTo: 'rectifying' }, dept, NOW)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
    expect(applyTransition(dup({ status: 'voided' }), { type: 'unmerge', restoreTo: 'rectifying' }, leader, NOW)).toMatchObject({ ok: false, code: 'NOT_MERGED' })
    expect(applyTransition(dup(), { type: 'unmerge', restoreTo: 'rectifying' }, leader, NOW)).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' })
  })
})
