import { useState } from 'react'
import type { GridLevel } from '../../api.ts'
import { GRID_LEVELS } from '../../../server/domain/grid/levels.ts'
import { useT } from '../../i18n.ts'
import { coverageText } from './text.ts'
import { COLOUR_MODES, type ColourMode } from '../../map/layers.ts'
import { addMonths, formatMonth } from '../../../server/domain/time.ts'

interface Props {
  level: GridLevel
  onLevel: (level: GridLevel) => void
  month: string
  maxMonth: string
  onMonth: (month: string) => void
  colourMode: ColourMode
  onColourMode: (mode: ColourMode) => void
  showProblems: boolean
  onShowProblems: (v: boolean) => void
  showSites: boolean
  onShowSites: (v: boolean) => void
  problemMode: ProblemDisplay
  onProblemMode: (mode: ProblemDisplay) => void
  /** the district filter: the districts in force, the chosen one (null: the whole city) */
  districts?: { id: number; name: string }[]
  districtId?: number | null
  onDistrict?: (id: number | null) => void
}

/** How open problems are drawn: plain points, status-coloured clusters, or a heatmap. */
export type ProblemDisplay = 'points' | 'clusters' | 'heatmap'
const PROBLEM_DISPLAYS: ProblemDisplay[] = ['points', 'clusters', 'heatmap']

/** The last two years of months, newest first (and the shown one, should it be older). */
function monthsUpTo(max: string, shown: string): string[] {
  const months = Array.from({ length: 24 }, (_, i) => addMonths(max, -i))
  if (!months.includes(shown)) months.push(shown)
  return months
}

/**
 * The map's controls. On a desktop, one card on the left; on a phone (styles.css, "phone map"), a
 * compact bar at the bottom within a thumb's reach — level, month and a 「图层」 button that opens
 * the rest (colour mode, problem/site layers, points/clusters/heatmap) above it. Every button is
 * at least 44 px high there.
 */
export function MapControls(p: Props) {
  const { t, lang } = useT(coverageText)
  const levels: readonly GridLevel[] = GRID_LEVELS
  const modes = COLOUR_MODES
  // the secondary controls, folded behind 「图层」 on a phone (always shown on a desktop)
  const [more, setMore] = useState(false)
  return (
    <div className={`map-controls ${more ? 'more-open' : ''}`} data-testid="map-controls">
      <div className="segmented" role="radiogroup" aria-label={t('level.label')} data-testid="level-toggle">
        {levels.map((l) => (
          <button
            key={l}
            type="button"
            role="radio"
            aria-checked={p.level === l}
            data-testid={`level-${l}`}
            className={p.level === l ? 'on' : ''}
            onClick={() => p.onLevel(l)}
          >
            {t(`level.${l}`)}
          </button>
        ))}
      </div>
      <div className="month-picker">
        <button type="button" aria-label={t('month.prev')} data-testid="month-prev" onClick={() => p.onMonth(addMonths(p.month, -1))}>‹</button>
        <select
          aria-label={t('month.label')}
          data-testid="month-picker"
          value={p.month}
          onChange={(e) => p.onMonth(e.target.value)}
        >
          {monthsUpTo(p.maxMonth, p.month).map((m) => <option key={m} value={m}>{formatMonth(m, lang)}</option>)}
        </select>
        <button type="button" aria-label={t('month.next')} data-testid="month-next" disabled={p.month >= p.maxMonth} onClick={() => p.onMonth(addMonths(p.month, 1))}>›</button>
      </div>
      <button type="button" className="map-more-toggle" data-testid="layers-toggle" aria-expanded={more} aria-controls="map-controls-more" title={t('layers.moreHint')} onClick={() => setMore(!more)}>
        {t('layers.more')}
      </button>
      <div className="map-controls-more" id="map-controls-more">
      {/* the district filter: behind 「图层」 on a phone, where the bar has room for level, month and 图层 only */}
      {p.districts && p.districts.length > 0 && p.onDistrict && (
        <select aria-label={t('district.label')} data-testid="district-filter" value={p.districtId ?? ''} onChange={(e) => p.onDistrict!(e.target.value ? Number(e.target.value) : null)}>
          <option value="">{t('district.all')}</option>
          {p.districts.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
      )}
      <div className="segmented small" role="radiogroup" aria-label={t('colour.label')} data-testid="colour-mode">
        {modes.map((m) => (
          <button key={m} type="button" role="radio" aria-checked={p.colourMode === m} className={p.colourMode === m ? 'on' : ''} onClick={() => p.onColourMode(m)}>
            {t(`colour.${m}`)}
          </button>
        ))}
      </div>
      <div className="toggles">
        <label><input type="checkbox" data-testid="toggle-problems" checked={p.showProblems} onChange={(e) => p.onShowProblems(e.target.checked)} /> {t('layers.problems')}</label>
        <label><input type="checkbox" data-testid="toggle-sites" checked={p.showSites} onChange={(e) => p.onShowSites(e.target.checked)} /> {t('layers.sites')}</label>
      </div>
      {p.showProblems && (
        <div className="segmented small" role="radiogroup" aria-label={t('problemMode.label')} data-testid="problem-mode">
          {PROBLEM_DISPLAYS.map((m) => (
            <button key={m} type="button" role="radio" aria-checked={p.problemMode === m} className={p.problemMode === m ? 'on' : ''} onClick={() => p.onProblemMode(m)}>
              {t(`problemMode.${m}`)}
            </button>
          ))}
        </div>
      )}
      </div>
    </div>
  )
}
