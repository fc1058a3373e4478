/**
 * The planner's editing session as a pure reducer (no React, no map, no I/O): the draft grids with
 * their undo/redo history, the selection and editing mode, the results of the live validation and
 * the impact preview, and a notice for the person. Every edit is one action; the geometry work is
 * the domain's (server/domain/boundary): topological vertex edits apply to the whole draft, so a
 * shared vertex moves in all neighbours (and in the street, when the street shares it).
 *
 * Actions carry everything that is not a function of the state (the time used for new keys, the
 * translated name of a new grid), so the same actions on the same state give the same result.
 */
import { booleanPointInPolygon, centroid } from '@turf/turf'
import type { Polygon, Position } from 'geojson'
import type { RouterInputs, RouterOutputs } from '../../api.ts'
import { addVertex, moveVertex, neighbours, removeVertex, snapPoint, type GridGeometry } from '../../../server/domain/boundary/topology.ts'
import { clipToStreet, differenceGeom, intersectGeom, mergeGrids, splitGrid, unionGeom } from '../../../server/domain/boundary/operations.ts'
import type { PlannerKey } from './text.ts'

export type DraftInput = RouterInputs['boundary']['save']['draft']
/** A grid of the draft: key (the id as text, or `new:…`), numeric id (negative for new grids). */
export type DG = DraftInput['grids'][number] & { numId: number }
export interface DraftState { grids: DG[]; retire: number[] }
export type Issue = RouterOutputs['boundary']['validate']['issues'][number]
/** a shape warning (spike, acute angle, border approaching itself): shown, never blocking */
export type Warning = RouterOutputs['boundary']['validate']['warnings'][number]
export type Preview = RouterOutputs['boundary']['preview']
export type PlannerMode = 'select' | 'split' | 'new'
type ImportedDraft = RouterOutputs['boundary']['importFile']['draft']

/** A message for the person: `pre` + the translated `key` + `post`. */
export interface Notice { key?: PlannerKey; pre?: string; post?: string }

export interface PlannerDraft {
  /** the draft states of the session; `at` is the current one (undo/redo move it) */
  history: DraftState[]
  at: number
  selected: string | null
  mode: PlannerMode
  /** the live validation's issues for the current draft */
  issues: Issue[]
  /** the live validation's shape warnings for the current draft */
  warnings: Warning[]
  /** the impact preview of the current draft (cleared by every change of the draft) */
  preview: Preview | null
  notice: Notice | null
  /** bumped when an edit was refused: the map reloads what it shows from the state */
  reload: number
}

export type PlannerAction =
  /** start the session from the saved boundaries (only when no session is running) */
  | { type: 'init'; base: readonly DG[] }
  /** drop the session (after a save or revert the next init starts from the new boundaries) */
  | { type: 'restart'; notice?: Notice }
  /** discard every edit */
  | { type: 'reset' }
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'select'; key: string | null }
  | { type: 'mode'; mode: PlannerMode }
  | { type: 'issues'; issues: Issue[]; warnings?: Warning[] }
  | { type: 'preview'; preview: Preview | null }
  | { type: 'notice'; notice: Notice | null }
  /** the selected grid's outer ring as edited on the map: a moved, added or removed vertex */
  | { type: 'ring'; key: string; ring: Position[] }
  /** split the grid by a line drawn across it; the second part becomes a new grid */
  | { type: 'split'; key: string; line: Position[]; now: number; newGridLabel: string }
  /** merge a neighbour into the grid (the neighbour is retired) */
  | { type: 'merge'; key: string; other: string }
  /** clip a street's communities to the street */
  | { type: 'clip'; key: string }
  /** a new community in the unassigned area of a street under the drawn polygon */
  | { type: 'newGrid'; polygon: Polygon; now: number; name: string }
  /** grids from an imported file replace (by key) or join the draft */
  | { type: 'import'; grids: ImportedDraft['grids'] }

export const initialDraft: PlannerDraft = { history: [], at: 0, selected: null, mode: 'select', issues: [], warnings: [], preview: null, notice: null, reload: 0 }

/** The current draft state (null until the session starts). */
export const currentOf = (d: PlannerDraft): DraftState | null => d.history[d.at] ?? null
export const canUndo = (d: PlannerDraft): boolean => d.at > 0
export const canRedo = (d: PlannerDraft): boolean => d.at < d.history.length - 1

export function ringOf(g: GridGeometry): Position[] | null {
  return g.type === 'Polygon' ? g.coordinates[0]! : null
}
const samePos = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1]
type Grid = DG & { geometry: GridGeometry }

/** The grids of the saved boundaries (grid.list of both levels) as draft grids, by key. */
export function baseGrids(collections: readonly ({ features: readonly { properties: { id: number; code: string; name: string; level: string; parentId: number | null }; geometry: unknown }[] } | undefined)[]): Map<string, DG> {
  const m = new Map<string, DG>()
  for (const fc of collections) {
    for (const f of fc?.features ?? []) {
      const p = f.properties
      m.set(String(p.id), { key: String(p.id), id: p.id, numId: p.id, code: p.code, name: p.name, level: p.level as DG['level'], parentKey: p.parentId === null ? null : String(p.parentId), geometry: f.geometry as DG['geometry'] })
    }
  }
  return m
}

/** The draft sent to the API: only grids that differ from the base (new ones included). */
export function changedDraft(state: DraftState, base: ReadonlyMap<string, DG>): DraftInput {
  const grids = state.grids.filter((g) => {
    const b = base.get(g.key)
    return !b || JSON.stringify(b.geometry) !== JSON.stringify(g.geometry) || b.name !== g.name
  }).map(({ numId: _n, ...g }) => g)
  return { grids, retire: state.retire }
}

export const isDirty = (draft: DraftInput | null): boolean => !!draft && (draft.grids.length > 0 || (draft.retire?.length ?? 0) > 0)

/** Same-level neighbours of a grid under the same parent (the grids it can merge with). */
export function mergeCandidates(state: DraftState, key: string): DG[] {
  const sel = state.grids.find((g) => g.key === key)
  if (!sel) return []
  const sameLevel = state.grids.filter((g) => g.level === sel.level).map((g, i) => ({ ...g, id: i, geometry: g.geometry as GridGeometry }))
  const idx = sameLevel.findIndex((g) => g.key === sel.key)
  const n = neighbours(sameLevel).get(idx) ?? new Set<number>()
  return [...n].map((i) => state.grids.find((g) => g.key === sameLevel[i]!.key)!).filter((g) => g.parentKey === sel.parentKey)
}

/** A vertex moved, added or removed on a grid's ring, applied topologically to the whole draft; null when nothing changed. */
export function applyRingEdit(state: DraftState, key: string, newRing: Position[]): DraftState | null {
  const g = state.grids.find((x) => x.key === key)
  const oldRing = g ? ringOf(g.geometry as GridGeometry) : null
  if (!g || !oldRing) return null
  let grids = state.grids as Grid[]
  if (newRing.length === oldRing.length) {
    const i = oldRing.findIndex((p, k) => !samePos(p, newRing[k]!))
    if (i < 0) return null
    // the map rounds coordinates (terra-draw: 9 decimals): re-snap to recover the exact vertex / edge point
    const others = grids.filter((x) => x.key !== key)
    const to = snapPoint(newRing[i]!, others, 1e-8, oldRing[i]!)?.at ?? newRing[i]!
    grids = moveVertex(grids, oldRing[i]!, to)
  } else if (newRing.length === oldRing.length + 1) {
    const i = newRing.findIndex((p, k) => !oldRing[k] || !samePos(p, oldRing[k]!))
    grids = addVertex(grids, oldRing[i - 1]!, oldRing[i]!, newRing[i]!)
  } else if (newRing.length === oldRing.length - 1) {
    const i = oldRing.findIndex((p, k) => !newRing[k] || !samePos(p, newRing[k]!))
    grids = removeVertex(grids, oldRing[i]!)
  } else return null
  return { grids, retire: state.retire }
}

/** Pushes a new state: anything after the current one (redo) is dropped; the preview is stale. */
function commit(d: PlannerDraft, next: DraftState, extra: Partial<PlannerDraft> = {}): PlannerDraft {
  return { ...d, history: [...d.history.slice(0, d.at + 1), next], at: d.at + 1, preview: null, ...extra }
}

/** A refused edit: say why and let the map show the state again. */
const refuse = (d: PlannerDraft, notice: Notice): PlannerDraft => ({ ...d, notice, reload: d.reload + 1 })

export function plannerReducer(d: PlannerDraft, a: PlannerAction): PlannerDraft {
  const state = currentOf(d)
  switch (a.type) {
    case 'init':
      return d.history.length > 0 || a.base.length === 0 ? d : { ...d, history: [{ grids: [...a.base], retire: [] }], at: 0 }
    case 'restart':
      return { ...d, history: [], at: 0, selected: null, preview: null, ...(a.notice ? { notice: a.notice } : {}) }
    case 'reset':
      return { ...d, history: [], at: 0, selected: null, preview: null }
    case 'undo':
      return d.at > 0 ? { ...d, at: d.at - 1, preview: null } : d
    case 'redo':
      return d.at < d.history.length - 1 ? { ...d, at: d.at + 1, preview: null } : d
    case 'select':
      return a.key === d.selected ? d : { ...d, selected: a.key }
    case 'mode':
      return a.mode === d.mode ? d : { ...d, mode: a.mode }
    case 'issues':
      return a.issues.length === 0 && d.issues.length === 0 && !a.warnings?.length && d.warnings.length === 0 ? d : { ...d, issues: a.issues, warnings: a.warnings ?? [] }
    case 'preview':
      return { ...d, preview: a.preview }
    case 'notice':
      return { ...d, notice: a.notice }
    case 'ring': {
      if (!state) return d
      const next = applyRingEdit(state, a.key, a.ring)
      return next ? commit(d, next) : d
    }
    case 'split': {
      const g = state?.grids.find((x) => x.key === a.key)
      if (!state || !g) return d
      try {
        const [first, second] = splitGrid(g.geometry as GridGeometry, a.line)
        const seq = state.grids.filter((x) => x.parentKey === g.parentKey).length + 1
        const code = `${g.code.slice(0, g.code.length - 3)}${String(900 + seq).slice(-3)}`
        const fresh: DG = { ...g, key: `new:${a.now}`, id: null, numId: -a.now, code, name: `${g.name}（${a.newGridLabel}）`, geometry: second as DG['geometry'] }
        return commit(d, { grids: [...state.grids.map((x) => (x.key === a.key ? { ...x, geometry: first as DG['geometry'] } : x)), fresh], retire: state.retire }, { mode: 'select' })
      } catch (e) {
        return refuse(d, { key: 'splitFailed', post: `: ${(e as Error).message}` })
      }
    }
    case 'merge': {
      const sel = state?.grids.find((g) => g.key === a.key)
      const other = state?.grids.find((g) => g.key === a.other)
      if (!state || !sel || !other) return d
      try {
        const merged = mergeGrids(sel.geometry as GridGeometry, other.geometry as GridGeometry)
        return commit(d, {
          grids: state.grids.filter((g) => g.key !== a.other).map((g) => (g.key === sel.key ? { ...g, geometry: merged as DG['geometry'] } : g)),
          retire: other.id ? [...state.retire, other.id] : state.retire,
        })
      } catch (e) {
        return { ...d, notice: { key: 'mergeFailed', post: `: ${(e as Error).message}` } }
      }
    }
    case 'clip': {
      const sel = state?.grids.find((g) => g.key === a.key)
      if (!state || !sel || sel.level !== 'street') return d
      const kids = state.grids.filter((g) => g.parentKey === sel.key).map((g) => ({ ...g, geometry: g.geometry as GridGeometry }))
      const { communities: clipped, unassigned } = clipToStreet(kids, sel.geometry as GridGeometry)
      const byKey = new Map(clipped.map((c) => [c.key, c.geometry]))
      const gone = clipped.filter((c) => !c.geometry).map((c) => c.id).filter((id): id is number => id !== null)
      return commit(d, {
        grids: state.grids.filter((g) => !(byKey.has(g.key) && !byKey.get(g.key))).map((g) => (byKey.has(g.key) ? { ...g, geometry: byKey.get(g.key)! as DG['geometry'] } : g)),
        retire: [...state.retire, ...gone],
      }, unassigned.length ? { notice: { pre: `${unassigned.length} `, key: 'unassigned' } } : {})
    }
    case 'newGrid': {
      if (!state) return d
      const c = centroid(a.polygon).geometry.coordinates
      const street = state.grids.find((g) => g.level === 'street' && booleanPointInPolygon(c, g.geometry as GridGeometry))
      const kids = street ? state.grids.filter((g) => g.parentKey === street.key).map((g) => g.geometry as GridGeometry) : []
      const covered = unionGeom(kids)
      const gap = street ? (covered ? differenceGeom(street.geometry as GridGeometry, covered) : (street.geometry as GridGeometry)) : null
      const geom = gap ? intersectGeom(a.polygon, gap) : null
      if (!street || !geom) return refuse(d, { key: 'noGap' })
      const seq = 900 + state.grids.filter((g) => g.parentKey === street.key).length + 1
      const fresh: DG = { key: `new:${a.now}`, id: null, numId: -a.now, code: `${street.code.slice(0, 9)}${seq}`, name: a.name, level: 'community', parentKey: street.key, geometry: geom as DG['geometry'] }
      return commit(d, { grids: [...state.grids, fresh], retire: state.retire }, { selected: fresh.key, mode: 'select' })
    }
    case 'import': {
      if (!state) return d
      const byKey = new Map(state.grids.map((g) => [g.key, g]))
      for (const g of a.grids) byKey.set(g.key, { ...g, numId: g.id ?? -byKey.size - 1 })
      return commit(d, { grids: [...byKey.values()], retire: state.retire })
    }
  }
}
