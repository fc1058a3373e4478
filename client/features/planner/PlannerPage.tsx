/**
 * 边界调整 (planner): redraw grid boundaries on a map without gaps or overlaps, see the live
 * validation and the impact preview (what moves to which grid and department), save as a version.
 * The page composes three parts: the session (usePlannerDraft: draft grids, selection, undo/redo,
 * validation — a pure reducer in plannerDraft.ts), the map (PlannerMap) and the panel (PlannerPanel).
 */
import { useState } from 'react'
import type { Me } from '../../api.ts'
import { PlannerMap, type FocusRequest } from './PlannerMap.tsx'
import { PlannerPanel } from './PlannerPanel.tsx'
import { usePlannerDraft } from './usePlannerDraft.ts'

export function PlannerPage(_: { me: Me }) {
  const planner = usePlannerDraft()
  const [focus, setFocus] = useState<FocusRequest | null>(null)
  return (
    <main className="planner" data-testid="planner" style={{ display: 'flex', flexWrap: 'wrap', height: 'calc(100vh - 56px)' }}>
      <PlannerMap planner={planner} focus={focus} />
      <PlannerPanel planner={planner} onFocus={setFocus} />
    </main>
  )
}
