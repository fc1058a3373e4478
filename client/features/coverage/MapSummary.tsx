/**
 * The coverage map in words (WCAG 1.1.1), for screen readers: how many grids are drawn and how many
 * are in each status this month — what the map shows in colour. Visually hidden; the map region
 * points at it with aria-describedby (the legend shows the same counts, but may be collapsed).
 */
import type { GridCollection } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { GRID_MONTH_STATUSES } from '../../../server/domain/vocabulary/status.ts'
import { countByStatus } from './Legend.tsx'
import { coverageText } from './text.ts'

export const MAP_SUMMARY_ID = 'map-summary'

export function MapSummary({ grids, month }: { grids: GridCollection | undefined; month: string }) {
  const { t, status } = useT(coverageText)
  const counts = countByStatus(grids)
  const groups = GRID_MONTH_STATUSES.map((s) => t('a11y.count', { what: status('gridMonth', s), n: counts[s] })).join(t('a11y.sep'))
  return <p id={MAP_SUMMARY_ID} className="visually-hidden" data-testid="map-summary">{t('a11y.summary', { month, n: grids?.features.length ?? 0, groups })}</p>
}
