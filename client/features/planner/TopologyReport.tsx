/**
 * The topology report of a boundary import (server/domain/boundary/topologyBuild.ts): what snapping
 * left — overlaps, gaps, parts outside the parent, slivers at every level, overlaps resolved within
 * the tolerance, features skipped — each with its area, mean width and place. A sketch map draws the
 * pieces (tiny ones as a ring around their point); a row click flies the planner map there.
 *
 * It reads the latest `boundary.importFile` result from the mutation cache, so it is mounted with one
 * line beside the import panel; a `report` prop overrides that (another upload path).
 */
import { useMutationState } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import type { Polygon, Position } from 'geojson'
import { useTRPC, type RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import type { FocusRequest } from './PlannerMap.tsx'
import { topologyText } from './text.ts'

export type TopologyReportData = NonNullable<RouterOutputs['boundary']['importFile']['topology']>
type Item = TopologyReportData['items'][number]

const COLOUR: Record<string, string> = {
  OVERLAP: '#c8102e', GAP: '#e07b00', OUTSIDE_PARENT: '#7b3fa0', SLIVER: '#8b0000',
  OVERLAP_RESOLVED: '#8a8f98', OUTSIDE_RESOLVED: '#8a8f98', SNAP_FAILED: '#8a8f98', SKIPPED: '#8a8f98',
}
const W = 360, H = 220

const fmtArea = (m2: number) => (m2 >= 1e4 ? `${(m2 / 1e6).toFixed(3)} km²` : `${m2.toFixed(m2 < 10 ? 2 : 1)} m²`)
const fmtWidth = (m: number) => (m >= 1 ? `${m.toFixed(1)} m` : `${(m * 1000).toFixed(1)} mm`)
const bboxOf = (p: Polygon): [number, number, number, number] => {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const q of p.coordinates[0] ?? []) { x0 = Math.min(x0, q[0]!); y0 = Math.min(y0, q[1]!); x1 = Math.max(x1, q[0]!); y1 = Math.max(y1, q[1]!) }
  return [x0, y0, x1, y1]
}

export function TopologyReport({ report: given, onFocus }: { report?: TopologyReportData | null; onFocus?: (f: FocusRequest) => void }) {
  const { t } = useT(topologyText)
  const trpc = useTRPC()
  const results = useMutationState({
    filters: { mutationKey: trpc.boundary.importFile.mutationKey(), status: 'success' },
    select: (m) => (m.state.data as RouterOutputs['boundary']['importFile'] | undefined)?.topology ?? null,
  })
  const report = given !== undefined ? given : (results[results.length - 1] ?? null)
  const [picked, setPicked] = useState<number | null>(null)
  const items = useMemo(() => (report ? [...report.items].sort((a, b) => Number(b.blocking) - Number(a.blocking) || b.area - a.area) : []), [report])
  if (!report) return null
  const placed = items.filter((i) => i.at)
  const problems = items.filter((i) => i.kind !== 'SKIPPED' && i.kind !== 'SNAP_FAILED' && !i.kind.endsWith('_RESOLVED'))

  // the sketch: every placed item's piece, fitted into W × H (longitude scaled by cos(latitude))
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity
  for (const i of placed) {
    const b = i.geometry ? bboxOf(i.geometry as Polygon) : [i.at![0]!, i.at![1]!, i.at![0]!, i.at![1]!]
    x0 = Math.min(x0, b[0]!); y0 = Math.min(y0, b[1]!); x1 = Math.max(x1, b[2]!); y1 = Math.max(y1, b[3]!)
  }
  const k = Math.cos((((y0 + y1) / 2) * Math.PI) / 180) || 1
  const span = Math.max((x1 - x0) * k, y1 - y0, 1e-6) * 1.15
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2
  const px = (p: Position) => `${(W / 2 + (((p[0]! - cx) * k) / span) * Math.min(W, H)).toFixed(1)},${(H / 2 - ((p[1]! - cy) / span) * Math.min(W, H)).toFixed(1)}`
  const focus = (i: Item) => {
    if (!onFocus) return
    if (i.geometry) onFocus({ bbox: bboxOf(i.geometry as Polygon) })
    else if (i.at) onFocus({ at: i.at as [number, number] })
  }

  return (
    <section className="pl-section" data-testid="topology-report">
      <h3>{t('title')} <span className="count">{problems.length}</span></h3>
      <p className="muted small">{t('summary', { m: report.snapM, n: report.grids, s: report.snapped })}</p>
      {problems.length === 0 && <p className="msg-ok small">{t('clean')}</p>}
      {placed.length > 0 && (
        <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={t('map')} style={{ background: 'var(--bg)', borderRadius: 8 }}>
          {placed.map((i, n) => (
            <g key={n} data-kind={i.kind} opacity={picked === null || picked === items.indexOf(i) ? 1 : 0.35}>
              {i.geometry && <path d={(i.geometry as Polygon).coordinates.map((r) => `M${r.map(px).join('L')}Z`).join('')} fill={COLOUR[i.kind]} fillOpacity={0.45} stroke={COLOUR[i.kind]} strokeWidth={1} />}
              <circle cx={px(i.at!).split(',')[0]} cy={px(i.at!).split(',')[1]} r={5} fill="none" stroke={COLOUR[i.kind]} strokeWidth={2} />
            </g>
          ))}
        </svg>
      )}
      <ul className="pl-list" data-testid="topology-items">
        {items.map((i, n) => (
          <li key={n}>
            <button type="button" className={`pl-item ${i.blocking ? 'block' : 'accept'}`} data-kind={i.kind}
              onMouseEnter={() => setPicked(n)} onMouseLeave={() => setPicked(null)} onClick={() => focus(i)}>
              <span className="kind" style={{ color: COLOUR[i.kind] }}>
                {t(`kind.${i.kind}` as Parameters<typeof t>[0])} · {t(i.blocking ? 'blocking' : 'info')}
                {i.area > 0 && <> · {t('area')} {fmtArea(i.area)} · {t('width')} {fmtWidth(i.width)}</>}
              </span>
              <span>{i.message}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  )
}
