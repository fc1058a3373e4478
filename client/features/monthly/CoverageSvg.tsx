/**
 * A static SVG of grids (no tiles): for 我的网格, the printable bulletin and the dashboard's colour
 * switch. Every grid's name is written once, at its label point (grid.list's `labelPoint`: the pole
 * of inaccessibility computed on the server, the same point the MapLibre maps use); a legend lists
 * what the colours mean with counts; and the SVG carries a text alternative (`<title>` + `<desc>`:
 * what the map shows and how many grids are in each category) for screen readers and print.
 */
import { useId } from 'react'
import type { Geometry } from 'geojson'
import { extentOf } from '../../map/extent.ts'
import { useT } from '../../i18n.ts'
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export interface SvgGrid {
  id: number
  name: string
  geometry: Geometry
  fill: string
  title?: string
  /** the status key drawn (data-state), for tests and printing */
  state?: string
  /** where the name goes ([lng, lat], grid.list's labelPoint); without it the name is not written */
  label?: readonly [number, number] | readonly number[]
  /** what the fill means, in words (a legend entry: grids with the same fill and words are counted together) */
  legend?: string
  /** streets are named larger than communities */
  level?: 'district' | 'street' | 'community'
}

const svgText = defineText({
  zh: {
    'svg.title': '网格地图',
    'svg.status': '{month} 网格检查情况地图',
    'svg.summary': '共 {n} 个网格。',
    'svg.category': '{label} {n} 个',
    'svg.legend': '图例',
  },
  en: {
    'svg.title': 'Grid map',
    'svg.status': 'Grid inspections in {month}, map',
    'svg.summary': '{n} grids.',
    'svg.category': '{label}: {n}',
    'svg.legend': 'Legend',
  },
})

function rings(g: Geometry): number[][][] {
  if (g.type === 'Polygon') return g.coordinates
  if (g.type === 'MultiPolygon') return g.coordinates.flat()
  return []
}

/** Legend entries: one per (fill, words), in the order first met, with how many grids. */
function legendOf(grids: SvgGrid[]): { fill: string; label: string; count: number }[] {
  const entries = new Map<string, { fill: string; label: string; count: number }>()
  for (const g of grids) {
    if (!g.legend) continue
    const key = `${g.fill}\u0000${g.legend}`
    const e = entries.get(key) ?? { fill: g.fill, label: g.legend, count: 0 }
    e.count++
    entries.set(key, e)
  }
  return [...entries.values()]
}

interface Props {
  grids: SvgGrid[]
  width?: number
  onPick?: (id: number) => void
  testId?: string
  /** what the map shows, in words (the SVG's <title>), e.g. 「2026年11月 社区检查情况」 */
  caption?: string
  /** or: the month whose inspection status the map shows (caption 「{month} 网格检查情况地图」) */
  statusMonth?: string
  /** show the legend under the map (default: when the grids carry legend words) */
  showLegend?: boolean
  /** the text alternative (<desc>) when the legend's counts do not say it, e.g. the highest values of a quantity */
  summary?: string
}

export function CoverageSvg({ grids, width = 640, onPick, testId, caption, statusMonth, showLegend = true, summary: given }: Props) {
  const { t } = useT(svgText)
  const uid = useId()
  // the extent of what is drawn (polygons only, as rings() draws)
  const box = extentOf({ type: 'GeometryCollection', geometries: grids.map((g) => g.geometry).filter((g) => g.type === 'Polygon' || g.type === 'MultiPolygon') })
  if (!box) return null
  const [w, s, e, n] = box
  const k = Math.cos(((s + n) / 2) * Math.PI / 180)
  const sx = width / ((e - w) * k || 1)
  const height = Math.round((n - s) * sx) || 1
  const px = (x: number) => (x - w) * k * sx
  const py = (y: number) => (n - y) * sx
  const path = (g: Geometry) => rings(g).map((r) => 'M' + (r as [number, number][]).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('L') + 'Z').join('')
  const legend = legendOf(grids)
  const summary = given ?? [t('svg.summary', { n: grids.length }), legend.map((l) => t('svg.category', { label: l.label, n: l.count })).join('，')].filter(Boolean).join(' ')
  // names scale with the drawing (8–13 units), streets a quarter larger; clicks pass through them to the grid
  const fontSize = Math.max(8, Math.min(13, width / 60))
  return (
    <figure className="coverage-svg-figure" data-testid={testId ? `${testId}-figure` : undefined}>
      <svg className="coverage-svg" viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-labelledby={`${uid}-t ${uid}-d`} data-testid={testId}>
        <title id={`${uid}-t`}>{caption ?? (statusMonth ? t('svg.status', { month: statusMonth }) : t('svg.title'))}</title>
        <desc id={`${uid}-d`} data-testid={testId ? `${testId}-summary` : undefined}>{summary}</desc>
        {grids.map((g) => (
          <path key={g.id} d={path(g.geometry)} fill={g.fill} stroke="#fff" strokeWidth={1} data-grid-id={g.id} data-fill={g.fill} data-state={g.state}
            style={onPick ? { cursor: 'pointer' } : undefined} onClick={onPick ? () => onPick(g.id) : undefined}>
            <title>{g.title ?? g.name}</title>
          </path>
        ))}
        <g className="coverage-svg-labels" aria-hidden="true">
          {grids.filter((g) => g.label && g.label.length >= 2).map((g) => (
            <text key={g.id} x={px(g.label![0]!).toFixed(1)} y={py(g.label![1]!).toFixed(1)} data-grid-id={g.id}
              className={g.level === 'street' ? 'street' : undefined} fontSize={g.level === 'street' ? fontSize * 1.25 : fontSize}>
              {g.name}
            </text>
          ))}
        </g>
      </svg>
      {showLegend && legend.length > 0 && (
        <figcaption>
          <ul className="coverage-svg-legend" aria-label={t('svg.legend')} data-testid={testId ? `${testId}-legend` : undefined}>
            {legend.map((l) => (
              <li key={`${l.fill}-${l.label}`}><i style={{ background: l.fill }} />{l.label}<b>{l.count}</b></li>
            ))}
          </ul>
        </figcaption>
      )}
    </figure>
  )
}
