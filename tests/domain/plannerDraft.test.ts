/**
 * The planner's session reducer (client/features/planner/plannerDraft.ts), without React or a map:
 * topological edits on a hand-made street with two communities, undo/redo restoring exact
 * geometry, refused edits leaving the history alone, and the draft sent to the API.
 */
import type { Polygon, Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import {
  canRedo, canUndo, changedDraft, currentOf, initialDraft, plannerReducer,
  type DG, type PlannerAction, type PlannerDraft,
} from '../../client/features/planner/plannerDraft.ts'

const poly = (ring: Position[]): Polygon => ({ type: 'Polygon', coordinates: [ring] })
// A and B share the border x = 107.01 with a middle vertex M; the street holds both
const M: Position = [107.01, 34.005]
const ringA: Position[] = [[107, 34], [107.01, 34], M, [107.01, 34.01], [107, 34.01], [107, 34]]
const ringB: Position[] = [[107.01, 34], [107.02, 34], [107.02, 34.01], [107.01, 34.01], M, [107.01, 34]]
const ringS: Position[] = [[107, 34], [107.01, 34], [107.02, 34], [107.02, 34.01], [107.01, 34.01], [107, 34.01], [107, 34]]
const street: DG = { key: '100', id: 100, numId: 100, code: '610399001000', name: '街道', level: 'street', parentKey: null, geometry: poly(ringS) }
const A: DG = { key: '1', id: 1, numId: 1, code: '610399001001', name: 'A社区', level: 'community', parentKey: '100', geometry: poly(ringA) }
const B: DG = { key: '2', id: 2, numId: 2, code: '610399001002', name: 'B社区', level: 'community', parentKey: '100', geometry: poly(ringB) }
const BASE = [street, A, B]
// deep copies, so that a reducer mutating its input would be caught by comparing against them
const ORIGINAL = JSON.parse(JSON.stringify(BASE)) as DG[]

const run = (actions: PlannerAction[], from: PlannerDraft = initialDraft) => actions.reduce(plannerReducer, from)
const started = () => run([{ type: 'init', base: BASE }])
const grid = (d: PlannerDraft, key: string) => currentOf(d)!.grids.find((g) => g.key === key)
const ring = (d: PlannerDraft, key: string) => (grid(d, key)!.geometry as Polygon).coordinates[0]!
const replace = (r: Position[], from: Position, to: Position) => r.map((p) => (p[0] === from[0] && p[1] === from[1] ? to : p))

describe('plannerReducer', () => {
  it('starts once from the base grids', () => {
    const d = started()
    expect(currentOf(d)).toEqual({ grids: ORIGINAL, retire: [] })
    expect(canUndo(d)).toBe(false)
    expect(canRedo(d)).toBe(false)
    // a second init (the base refetched) does not restart a running session
    expect(plannerReducer(d, { type: 'init', base: [street] })).toBe(d)
  })

  it('move → undo → redo restores the exact geometry, in the neighbour too', () => {
    const to: Position = [107.012, 34.006]
    const moved = run([{ type: 'select', key: '1' }, { type: 'ring', key: '1', ring: replace(ringA, M, to) }], started())
    // the shared vertex moved in A and in B; the street does not hold it and is unchanged
    expect(ring(moved, '1')).toEqual([[107, 34], [107.01, 34], [107.012, 34.006], [107.01, 34.01], [107, 34.01], [107, 34]])
    expect(ring(moved, '2')).toEqual([[107.01, 34], [107.02, 34], [107.02, 34.01], [107.01, 34.01], [107.012, 34.006], [107.01, 34]])
    expect(ring(moved, '100')).toEqual(ringS)
    expect(canUndo(moved)).toBe(true)

    const undone = plannerReducer(moved, { type: 'undo' })
    expect(currentOf(undone)).toEqual({ grids: ORIGINAL, retire: [] })
    expect(canRedo(undone)).toBe(true)

    const redone = plannerReducer(undone, { type: 'redo' })
    expect(ring(redone, '1')).toEqual([[107, 34], [107.01, 34], [107.012, 34.006], [107.01, 34.01], [107, 34.01], [107, 34]])
    expect(ring(redone, '2')).toEqual([[107.01, 34], [107.02, 34], [107.02, 34.01], [107.01, 34.01], [107.012, 34.006], [107.01, 34]])
    expect(canRedo(redone)).toBe(false)
    // the selection is not part of the history
    expect(redone.selected).toBe('1')
  })

  it('a sequence of edits, then undo all, returns to the original; redo all returns to the end', () => {
    const mid: Position = [106.999, 34.005] // added on A's west edge (not shared)
    const edits: PlannerAction[] = [
      { type: 'ring', key: '1', ring: replace(ringA, M, [107.011, 34.004]) },
      { type: 'ring', key: '1', ring: [[107, 34], [107.01, 34], [107.011, 34.004], [107.01, 34.01], [107, 34.01], mid, [107, 34]] },
      // removes A's north-west corner (shared with the street)
      { type: 'ring', key: '1', ring: [[107, 34], [107.01, 34], [107.011, 34.004], [107.01, 34.01], mid, [107, 34]] },
      { type: 'split', key: '2', line: [[107.015, 33.99], [107.015, 34.02]], now: 1_700_000_000_000, newGridLabel: '新网格' },
      { type: 'merge', key: '1', other: '2' },
    ]
    const end = run(edits, started())
    expect(end.at).toBe(edits.length)
    // each edit did something: the states along the way all differ
    const states = end.history.map((s) => JSON.stringify(s))
    expect(new Set(states).size).toBe(edits.length + 1)
    // the split made a new grid; the merge retired B
    expect(currentOf(end)!.grids.some((g) => g.key === 'new:1700000000000' && g.id === null)).toBe(true)
    expect(currentOf(end)!.retire).toEqual([2])
    expect(grid(end, '2')).toBeUndefined()

    let back = end
    for (let i = 0; i < edits.length; i++) back = plannerReducer(back, { type: 'undo' })
    expect(canUndo(back)).toBe(false)
    expect(currentOf(back)).toEqual({ grids: ORIGINAL, retire: [] })
    // undo at the start does nothing
    expect(plannerReducer(back, { type: 'undo' })).toBe(back)

    let forth = back
    for (let i = 0; i < edits.length; i++) forth = plannerReducer(forth, { type: 'redo' })
    expect(currentOf(forth)).toEqual(currentOf(end))
    // the base grids passed in were not touched
    expect(BASE).toEqual(ORIGINAL)
  })

  it('a new edit after undo drops the redo branch; reset discards the session', () => {
    const d = run([
      { type: 'ring', key: '1', ring: replace(ringA, M, [107.012, 34.006]) },
      { type: 'undo' },
      { type: 'ring', key: '1', ring: replace(ringA, M, [107.008, 34.006]) },
    ], started())
    expect(canRedo(d)).toBe(false)
    expect(d.history).toHaveLength(2)
    expect(ring(d, '2')).toContainEqual([107.008, 34.006])
    const reset = plannerReducer({ ...d, selected: '1' }, { type: 'reset' })
    expect(reset.history).toEqual([])
    expect(reset.selected).toBeNull()
  })

  it('a refused edit keeps the history, says why and asks the map to reload', () => {
    const d = started()
    // a line that does not cross B
    const refused = plannerReducer(d, { type: 'split', key: '2', line: [[107.03, 33.99], [107.03, 34.02]], now: 1, newGridLabel: '新网格' })
    expect(refused.history).toBe(d.history)
    expect(refused.notice?.key).toBe('splitFailed')
    expect(refused.reload).toBe(d.reload + 1)
    // an unchanged ring is no edit at all
    expect(plannerReducer(d, { type: 'ring', key: '1', ring: ringA })).toBe(d)
  })

  it('an edit clears the stale preview; the draft for the API holds only changed grids', () => {
    const withPreview = { ...started(), preview: {} as NonNullable<PlannerDraft['preview']> }
    const moved = plannerReducer(withPreview, { type: 'ring', key: '1', ring: replace(ringA, M, [107.012, 34.006]) })
    expect(moved.preview).toBeNull()
    const base = new Map(BASE.map((g) => [g.key, g]))
    const draft = changedDraft(currentOf(moved)!, base)
    expect(draft.grids.map((g) => g.key).sort()).toEqual(['1', '2'])
    expect(draft.grids.every((g) => !('numId' in g))).toBe(true)
    expect(changedDraft(currentOf(started())!, base)).toEqual({ grids: [], retire: [] })
  })
})
