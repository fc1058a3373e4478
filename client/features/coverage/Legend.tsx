import { useState } from 'react'
import type { GridCollection, RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { COUNT_BINS, COUNT_KEY, type ColourMode } from '../../map/layers.ts'
import { PROBLEM_COLOURS, SITE_COLOUR } from '../../../server/domain/vocabulary/palette.ts'
import { GRID_MONTH_STATUS, GRID_MONTH_STATUSES, gridMonthKey, READINESS as READINESS_TERMS, type GridMonthStatus } from '../../../server/domain/vocabulary/status.ts'
import { coverageText } from './text.ts'

type Key = GridMonthStatus
const KEYS: readonly Key[] = GRID_MONTH_STATUSES

/** Grids per grid-month state (gridMonthStatus; a grid nobody holds now counts as unheld). */
export function countByStatus(grids: GridCollection | undefined): Record<Key, number> {
  const counts = Object.fromEntries(KEYS.map((k) => [k, 0])) as Record<Key, number>
  for (const f of grids?.features ?? []) counts[gridMonthKey(f.properties.inspectionStatus, f.properties.holderDepartmentId !== null)]++
  return counts
}

type Readiness = keyof typeof READINESS_TERMS
const READINESS: Readiness[] = ['ready', 'at_risk', 'not_ready', 'unassessed']

/** Sites per readiness (达标情况), from the site layer's data (site.list). */
export function countByReadiness(sites: RouterOutputs['site']['list'] | undefined): Record<Readiness, number> {
  const counts: Record<Readiness, number> = { ready: 0, at_risk: 0, not_ready: 0, unassessed: 0 }
  for (const f of sites?.features ?? []) counts[f.properties.readiness]++
  return counts
}

function departments(grids: GridCollection | undefined): { id: number; name: string; count: number }[] {
  const byId = new Map<number, { id: number; name: string; count: number }>()
  for (const { properties: p } of grids?.features ?? []) {
    if (p.holderDepartmentId === null) continue
    const d = byId.get(p.holderDepartmentId) ?? { id: p.holderDepartmentId, name: p.holderDepartment ?? '', count: 0 }
    d.count++
    byId.set(d.id, d)
  }
  return [...byId.values()].sort((a, b) => b.count - a.count || a.id - b.id)
}

interface Props {
  grids: GridCollection | undefined
  departmentColours: ReadonlyMap<number, string>
  month: string
  colourMode: ColourMode
  showProblems: boolean
  showSites: boolean
  /** the site layer's data: readiness counts */
  sites?: RouterOutputs['site']['list']
}

/** How many grids fall in each count bin of the problem colourings. */
function countBins(grids: GridCollection | undefined, key: 'openProblems' | 'overdueProblems') {
  return COUNT_BINS.map(([from, colour], i) => {
    const next = COUNT_BINS[i + 1]
    const to = next ? next[0] - 1 : null
    const count = (grids?.features ?? []).filter((f) => {
      const n = Number(f.properties[key] ?? 0)
      return n >= from && (to === null || n <= to)
    }).length
    return { from, to, colour, count }
  })
}

export function Legend({ grids, departmentColours, month, colourMode, showProblems, showSites, sites }: Props) {
  const { t, term } = useT(coverageText)
  // folded on a phone, where the map needs the room
  const [open, setOpen] = useState(() => !window.matchMedia('(max-width: 720px)').matches)
  const counts = countByStatus(grids)
  const total = grids?.features.length ?? 0
  const readiness = countByReadiness(sites)

  return (
    <section className={`legend ${open ? '' : 'collapsed'}`} data-testid="legend" aria-label={t('legend.title')}>
      <button type="button" className="legend-head" data-testid="legend-toggle" onClick={() => setOpen(!open)} aria-expanded={open}>
        <strong>{colourMode === 'status' ? t('legend.titleMonth', { month }) : colourMode === 'department' ? t('legend.departments') : t(colourMode === 'open' ? 'legend.byOpen' : 'legend.byOverdue')}</strong>
        <span className="muted">{t('legend.grids', { n: total })}</span>
        <span className="legend-chevron" aria-hidden="true">{open ? '▾' : '▴'}</span>
      </button>
      {open && (
        <ul data-testid="legend-list">
          {colourMode === 'open' || colourMode === 'overdue'
            ? countBins(grids, COUNT_KEY[colourMode]).map((b, i) => (
                <li key={b.from} data-testid={`legend-bin-${i}`}>
                  <span className="swatch" style={{ background: b.colour }} />
                  <span className="legend-label">{b.to === null ? t('legend.bin', { from: b.from }) : b.from === b.to ? String(b.from) : t('legend.binRange', { from: b.from, to: b.to })}</span>
                  <span className="legend-count" data-testid={`legend-bin-count-${i}`}>{b.count}</span>
                </li>
              ))
            : colourMode === 'status'
            ? KEYS.map((k) => (
                <li key={k} data-testid={`legend-${k}`}>
                  <span className={`swatch ${k === 'unheld' ? 'hatched' : ''}`} style={{ background: k === 'unheld' ? undefined : GRID_MONTH_STATUS[k].colour }} />
                  <span className="legend-label">{term(GRID_MONTH_STATUS[k])}</span>
                  <span className="legend-count" data-testid={`legend-count-${k}`}>{counts[k]}</span>
                </li>
              ))
            : [
                ...departments(grids).map((d) => (
                  <li key={d.id}>
                    <span className="swatch" style={{ background: departmentColours.get(d.id) }} />
                    <span className="legend-label">{d.name}</span>
                    <span className="legend-count">{d.count}</span>
                  </li>
                )),
                <li key="unheld">
                  <span className="swatch hatched" />
                  <span className="legend-label">{term(GRID_MONTH_STATUS.unheld)}</span>
                  <span className="legend-count">{counts.unheld}</span>
                </li>,
              ]}
          {(showProblems || showSites) && <li className="legend-sep" aria-hidden="true" />}
          {showProblems && (
            <>
              <li><span className="dot" style={{ background: PROBLEM_COLOURS.open }} /><span className="legend-label">{t('legend.problemOpen')}</span></li>
              <li><span className="dot big" style={{ background: PROBLEM_COLOURS.overdue }} /><span className="legend-label">{t('legend.problemOverdue')}</span></li>
            </>
          )}
          {showSites && (
            <>
              <li data-testid="legend-sites"><span className="legend-label"><strong>{t('legend.sites')}</strong></span><span className="muted">{t('legend.siteCount', { n: sites?.features.length ?? 0 })}</span></li>
              {READINESS.map((k) => (
                <li key={k} data-testid={`legend-site-${k}`}>
                  <span className="ring" style={{ borderColor: SITE_COLOUR, background: READINESS_TERMS[k].colour }} />
                  <span className="legend-label">{term(READINESS_TERMS[k])}</span>
                  <span className="legend-count" data-testid={`legend-site-count-${k}`}>{readiness[k]}</span>
                </li>
              ))}
            </>
          )}
        </ul>
      )}
    </section>
  )
}
