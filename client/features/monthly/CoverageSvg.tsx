/** A static SVG of grids (no tiles): for the printable bulletin and the dashboard's colour switch. */
import type { Geometry } from 'geojson'
import { extentOf } from '../../map/extent.ts'
import { GRID_MONTH_STATUSES } from '../../../server/domain/vocabulary/status.ts'
import { useT } from '../../i18n.ts'
import { monthlyText } from './text.ts'

export interface SvgGrid { id: number; name: string; geometry: Geometry; fill: string; title?: string; /** the status key drawn (data-state), for tests and printing */ state?: string }

function rings(g: Geometry): number[][][] {
  if (g.type === 'Polygon') return g.coordinates
  if (g.type === 'MultiPolygon') return g.coordinates.flat()
  return []
}

/**
 * The map's text alternative (WCAG 1.1.1): what it shows in words — how many grids, and how many
 * in each status when the grids carry one (`state`, a grid-month status) — unless `summary` says it.
 */
function useSummary(grids: SvgGrid[], summary: string | undefined): string {
  const { t, status } = useT(monthlyText)
  if (summary) return summary
  const counts = new Map<string, number>()
  for (const g of grids) if (g.state) counts.set(g.state, (counts.get(g.state) ?? 0) + 1)
  const groups = GRID_MONTH_STATUSES.filter((s) => counts.has(s)).map((s) => t('svg.count', { what: status('gridMonth', s), n: counts.get(s)! }))
  return groups.length ? t('svg.summary', { n: grids.length, groups: groups.join(t('svg.sep')) }) : t('svg.grids', { n: grids.length })
}

export function CoverageSvg({ grids, width = 640, onPick, testId, summary }: { grids: SvgGrid[]; width?: number; onPick?: (id: number) => void; testId?: string; /** the text alternative; by default counted from the grids' states */ summary?: string }) {
  const label = useSummary(grids, summary)
  // the extent of what is drawn (polygons only, as rings() draws)
  const box = extentOf({ type: 'GeometryCollection', geometries: grids.map((g) => g.geometry).filter((g) => g.type === 'Polygon' || g.type === 'MultiPolygon') })
  if (!box) return null
  const [w, s, e, n] = box
  const k = Math.cos(((s + n) / 2) * Math.PI / 180)
  const sx = width / ((e - w) * k || 1)
  const height = Math.round((n - s) * sx) || 1
  const path = (g: Geometry) => rings(g).map((r) => 'M' + (r as [number, number][]).map(([x, y]) => `${((x - w) * k * sx).toFixed(1)},${((n - y) * sx).toFixed(1)}`).join('L') + 'Z').join('')
  return (
    <svg className="coverage-svg" viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={label} data-testid={testId}>
      {grids.map((g) => (
        <path key={g.id} d={path(g.geometry)} fill={g.fill} stroke="#fff" strokeWidth={1} data-grid-id={g.id} data-fill={g.fill} data-state={g.state}
          style={onPick ? { cursor: 'pointer' } : undefined} onClick={onPick ? () => onPick(g.id) : undefined}>
          <title>{g.title ?? g.name}</title>
        </path>
      ))}
    </svg>
  )
}
