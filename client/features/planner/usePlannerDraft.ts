/**
 * The planner's session in React: the pure reducer (plannerDraft.ts) started from the saved
 * boundaries, the draft sent to the API (only what changed), the live validation (debounced) and
 * keyboard undo/redo (Ctrl+Z, Ctrl+Y / Ctrl+Shift+Z).
 */
import { useEffect, useMemo, useReducer, type Dispatch } from 'react'
import { useMutation, useQuery } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import {
  baseGrids, canRedo, canUndo, changedDraft, currentOf, initialDraft, isDirty, plannerReducer,
  type DG, type DraftInput, type DraftState, type PlannerAction, type PlannerDraft,
} from './plannerDraft.ts'

export interface PlannerSession {
  session: PlannerDraft
  dispatch: Dispatch<PlannerAction>
  /** the saved boundaries (both levels) by key */
  base: Map<string, DG>
  /** the current draft state, null until the boundaries are loaded */
  state: DraftState | null
  /** the selected grid in the current state */
  selectedGrid: DG | null
  /** what the API gets: only grids that differ from the base */
  draft: DraftInput | null
  dirty: boolean
  /** keys of the grids that differ from the base */
  changedKeys: Set<string>
  validating: boolean
  canUndo: boolean
  canRedo: boolean
}

export function usePlannerDraft(): PlannerSession {
  const trpc = useTRPC()
  const streets = useQuery(trpc.grid.list.queryOptions({ level: 'street' }))
  const communities = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))
  // both levels or none: the session starts from the first non-empty base, so a base of the streets
  // alone (their list arriving before the communities') would leave the communities off the draft
  const base = useMemo(
    () => (streets.data && communities.data ? baseGrids([streets.data, communities.data]) : new Map<string, DG>()),
    [streets.data, communities.data],
  )

  const [session, dispatch] = useReducer(plannerReducer, initialDraft)
  const noSession = session.history.length === 0
  useEffect(() => {
    if (base.size && noSession) dispatch({ type: 'init', base: [...base.values()] })
  }, [base, noSession])

  const state = currentOf(session)
  const draft = useMemo(() => (state ? changedDraft(state, base) : null), [state, base])
  const dirty = isDirty(draft)
  const changedKeys = useMemo(() => new Set(draft?.grids.map((g) => g.key) ?? []), [draft])

  // live validation (debounced)
  const validate = useMutation(trpc.boundary.validate.mutationOptions({ onSuccess: (r) => dispatch({ type: 'issues', issues: r.issues, warnings: r.warnings }) }))
  useEffect(() => {
    if (!draft || !dirty) { dispatch({ type: 'issues', issues: [] }); return }
    const h = setTimeout(() => validate.mutate({ draft }), 250)
    return () => clearTimeout(h)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [draft, dirty])

  // keyboard undo/redo
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || (e.target as HTMLElement).tagName === 'INPUT') return
      if (e.key === 'z' && !e.shiftKey) { e.preventDefault(); dispatch({ type: 'undo' }) } else if (e.key === 'y' || (e.key === 'z' && e.shiftKey)) { e.preventDefault(); dispatch({ type: 'redo' }) }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  const selectedGrid = state?.grids.find((g) => g.key === session.selected) ?? null
  return {
    session, dispatch, base, state, selectedGrid, draft, dirty, changedKeys,
    validating: validate.isPending, canUndo: canUndo(session), canRedo: canRedo(session),
  }
}
