/**
 * The responsibility matrix (server/domain/routing/matrix.ts) on fixtures — tests/fixtures/routing/<case>/
 * input.json → expected.json, expected values written by hand: specific beats general, category beats group,
 * validity dates, default = the grid holder, overlaps and gaps — and 退单 through the workflow table with
 * its window counted in working hours on the holiday calendar.
 */
import { describe, expect, it } from 'vitest'
import { findGaps, findOverlaps, matrixCells, route, type GapGrid, type MatrixRule, type RoutingQuery } from '../../server/domain/routing/matrix.ts'
import { applyTransition, availableActions, BUNDLED_CALENDAR, returnWindowEnd, type Actor, type WorkflowProblem } from '../../server/domain/problem/workflow.ts'
import { fixtureTable } from './fixtureTable.ts'

type Input =
  | { kind: 'route'; rules: MatrixRule[]; query: RoutingQuery }
  | { kind: 'overlaps'; rules: MatrixRule[] }
  | { kind: 'gaps'; at: Date; categories: { code: string; group: string }[]; grids: GapGrid[]; rules: MatrixRule[]; returns: { categoryCode: string; gridId: number | null }[]; threshold: number }

describe('responsibility matrix fixtures', () => {
  fixtureTable<Input>('routing', (input) => {
    switch (input.kind) {
      case 'route': return route(input.rules, input.query)
      case 'overlaps': return findOverlaps(input.rules)
      case 'gaps': return findGaps(input.categories, input.grids, input.rules, input.at, input.returns, input.threshold)
    }
  }, 15)
})

describe('matrix cells', () => {
  it('a district rule fills the columns of its streets, not those of another district; a street rule still wins', () => {
    const at = new Date('2026-06-01T00:00:00Z')
    const r = (id: number, departmentId: number, kind: MatrixRule['area']['kind'], ids: number[]): MatrixRule =>
      ({ id, categoryCode: 'LM01', categoryGroup: null, area: { kind, ids }, departmentId, validFrom: new Date('2026-01-01T00:00:00Z'), validTo: null })
    const cells = matrixCells([{ code: 'LM01', group: '路面' }],
      [{ id: 1, gridIds: [10], districtId: 100 }, { id: 2, gridIds: [20], districtId: 100 }, { id: 3, gridIds: [30], districtId: 200 }],
      [r(1, 6, 'city', []), r(2, 7, 'district', [100]), r(3, 8, 'street', [2])], at)
    expect(cells.LM01!.map((c) => c.ruleId)).toEqual([1, 2, 3, 1])
  })
  it('shows the city rule, a street override, and grid exceptions inside a street', () => {
    const at = new Date('2026-06-01T00:00:00Z')
    const r = (id: number, departmentId: number, kind: MatrixRule['area']['kind'], ids: number[]): MatrixRule =>
      ({ id, categoryCode: 'LM01', categoryGroup: null, area: { kind, ids }, departmentId, validFrom: new Date('2026-01-01T00:00:00Z'), validTo: null })
    const cells = matrixCells([{ code: 'LM01', group: '路面' }, { code: 'JT01', group: '交通' }],
      [{ id: 1, gridIds: [10, 11] }, { id: 2, gridIds: [20] }], [r(1, 6, 'city', []), r(2, 2, 'street', [2]), r(3, 3, 'grids', [11])], at)
    expect(cells.LM01).toEqual([
      { ruleId: 1, departmentId: 6, exceptions: [3] },
      { ruleId: 1, departmentId: 6, exceptions: [3] },
      { ruleId: 2, departmentId: 2, exceptions: [] },
    ])
    expect(cells.JT01).toEqual([{ ruleId: null, departmentId: null, exceptions: [] }, { ruleId: null, departmentId: null, exceptions: [] }, { ruleId: null, departmentId: null, exceptions: [] }])
  })
})

describe('退单 window (RETURN_WINDOW_HOURS working hours after dispatch)', () => {
  const end = (iso: string, hours = 24) => returnWindowEnd(new Date(iso), hours, BUNDLED_CALENDAR)!.toISOString()
  it('skips the weekend', () => {
    // Friday 2026-05-29 10:00 Beijing: 14 h left on Friday, 10 h on Monday → Monday 10:00 Beijing
    expect(end('2026-05-29T02:00:00Z')).toBe('2026-06-01T02:00:00.000Z')
  })
  it('skips the National Day holiday week', () => {
    // Wednesday 2026-09-30 15:00 Beijing: 9 h, then 1–7 October off, 15 h on Thursday 8 October → 15:00 Beijing
    expect(end('2026-09-30T07:00:00Z')).toBe('2026-10-08T07:00:00.000Z')
  })
  it('counts an adjusted working Saturday (调休上班)', () => {
    // Saturday 2026-10-10 20:00 Beijing is a working day: 4 h, Sunday off, 20 h on Monday → Monday 20:00 Beijing
    expect(end('2026-10-10T12:00:00Z')).toBe('2026-10-12T12:00:00.000Z')
  })
  it('is null when never dispatched', () => {
    expect(returnWindowEnd(null, 24, BUNDLED_CALENDAR)).toBeNull()
  })
})

describe('退单 through the workflow table', () => {
  const dept: Actor = { id: 4, role: 'department', departmentId: 7 }
  const other: Actor = { id: 5, role: 'department', departmentId: 8 }
  const leader: Actor = { id: 1, role: 'leader', departmentId: null }
  const dispatchedAt = new Date('2026-05-29T02:00:00Z') // Friday 10:00 Beijing
  const p = (over: Partial<WorkflowProblem> = {}): WorkflowProblem => ({
    status: 'dispatched', departmentId: 7, gridId: 70, priority: 'normal', deadline: new Date('2026-06-05T15:59:59.999Z'),
    limit: { normal: { workingDays: 5 }, urgent: { hours: 4 } }, reworkCount: 0, extensionCount: 0, pendingExtension: null,
    dispatchedAt, pendingReturn: false, ...over,
  })
  const ret = { type: 'return' as const, note: '属于住建局职责', suggestedDepartmentId: 6, windowHours: 24 }

  it('the handling department returns within the window; the problem stays dispatched', () => {
    const r = applyTransition(p(), ret, dept, new Date('2026-06-01T01:59:00Z'))
    expect(r).toMatchObject({ ok: true, changes: {}, event: { action: 'return', fromStatus: 'dispatched', toStatus: 'dispatched', note: '属于住建局职责' }, returned: { kind: 'request', suggestedDepartmentId: 6 } })
  })
  it('refuses after the window, without a reason, by another department, twice, or from another state', () => {
    expect(applyTransition(p(), ret, dept, new Date('2026-06-01T02:00:01Z'))).toMatchObject({ ok: false, code: 'RETURN_WINDOW_CLOSED' })
    expect(applyTransition(p(), { ...ret, note: ' ' }, dept, new Date('2026-05-29T03:00:00Z'))).toMatchObject({ ok: false, code: 'NOTE_REQUIRED' })
    expect(applyTransition(p(), ret, other, new Date('2026-05-29T03:00:00Z'))).toMatchObject({ ok: false, code: 'NOT_YOUR_DEPARTMENT' })
    expect(applyTransition(p(), ret, leader, new Date('2026-05-29T03:00:00Z'))).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
    expect(applyTransition(p({ pendingReturn: true }), ret, dept, new Date('2026-05-29T03:00:00Z'))).toMatchObject({ ok: false, code: 'RETURN_PENDING' })
    expect(applyTransition(p({ status: 'rectifying' }), ret, dept, new Date('2026-05-29T03:00:00Z'))).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' })
    expect(applyTransition(p(), { ...ret, suggestedDepartmentId: 7 }, dept, new Date('2026-05-29T03:00:00Z'))).toMatchObject({ ok: false, code: 'RETURN_SAME_DEPARTMENT' })
  })
  it('a pending return blocks accepting until the ruling', () => {
    expect(applyTransition(p({ pendingReturn: true }), { type: 'accept' }, dept, new Date('2026-05-29T03:00:00Z'))).toMatchObject({ ok: false, code: 'RETURN_PENDING' })
    expect(availableActions(p({ pendingReturn: true }), dept)).not.toContain('accept')
    expect(availableActions(p(), dept)).toContain('accept')
  })
  it('the leadership reassigns: new department, dispatched afresh with a fresh deadline', () => {
    const now = new Date('2026-06-01T01:00:00Z') // Monday 09:00 Beijing
    const r = applyTransition(p({ pendingReturn: true }), { type: 'ruleReturn', decision: 'reassign', departmentId: 6, note: '属实' }, leader, now)
    // 5 working days after Monday 1 June: Monday 8 June, end of day Beijing
    expect(r).toMatchObject({ ok: true, changes: { departmentId: 6, dispatchedAt: now, deadline: new Date('2026-06-08T15:59:59.999Z') }, event: { action: 'ruleReturn' }, returned: { kind: 'ruling', decision: 'reassign', departmentId: 6 } })
  })
  it('the leadership rejects: back to the department, deadline unchanged', () => {
    const r = applyTransition(p({ pendingReturn: true }), { type: 'ruleReturn', decision: 'reject', note: '属本部门职责' }, leader, new Date('2026-06-01T01:00:00Z'))
    expect(r).toMatchObject({ ok: true, changes: {}, returned: { kind: 'ruling', decision: 'reject', departmentId: 7 } })
  })
  it('a ruling needs a pending return, the leadership, and another department when reassigning', () => {
    const now = new Date('2026-06-01T01:00:00Z')
    expect(applyTransition(p(), { type: 'ruleReturn', decision: 'reject' }, leader, now)).toMatchObject({ ok: false, code: 'NO_PENDING_RETURN' })
    expect(applyTransition(p({ pendingReturn: true }), { type: 'ruleReturn', decision: 'reject' }, dept, now)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
    expect(applyTransition(p({ pendingReturn: true }), { type: 'ruleReturn', decision: 'reassign', departmentId: 7 }, leader, now)).toMatchObject({ ok: false, code: 'RETURN_SAME_DEPARTMENT' })
  })
})
