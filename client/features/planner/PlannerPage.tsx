/**
 * 边界调整 (planner): redraw grid boundaries on a map without gaps or overlaps, see the live
 * validation and shape warnings and the impact preview (what moves to which grid and department),
 * save as a version. The page composes the session (usePlannerDraft: draft grids, selection,
 * undo/redo, validation — a pure reducer in plannerDraft.ts), the map (PlannerMap, with the grid
 * names and a search over them) and the panel (PlannerPanel).
 */
import { useState } from 'react'
import { bbox } from '@turf/turf'
import type { FeatureCollection } from 'geojson'
import type { Me } from '../../api.ts'
import { PlannerMap, type FocusRequest } from './PlannerMap.tsx'
import { PlannerPanel } from './PlannerPanel.tsx'
import { PlannerSearch } from './PlannerSearch.tsx'
import { usePlannerDraft } from './usePlannerDraft.ts'
import type { GridGeometry } from '../../../server/domain/boundary/topology.ts'
import './planner.css'

export function PlannerPage(_: { me: Me }) {
  const planner = usePlannerDraft()
  const [focus, setFocus] = useState<FocusRequest | null>(null)
  const [focusMoved, setFocusMoved] = useState<string | null>(null)
  const [importPreview, setImportPreview] = useState<FeatureCollection | null>(null)
  return (
    <main className="planner" data-testid="planner">
      <div className="pl-map-wrap">
        <PlannerMap planner={planner} focus={focus} focusMoved={focusMoved} importPreview={importPreview} />
        <div className="map-overlay-left">
          <PlannerSearch grids={planner.state?.grids ?? []} onPick={(g) => {
            planner.dispatch({ type: 'select', key: g.key })
            setFocus({ bbox: bbox(g.geometry as GridGeometry) as [number, number, number, number] })
          }} />
        </div>
      </div>
      <PlannerPanel planner={planner} onFocus={setFocus} focusMoved={focusMoved} onFocusMoved={setFocusMoved} onImportPreview={setImportPreview} />
    </main>
  )
}
