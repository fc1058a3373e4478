import { useT } from '../../i18n.ts'
import type { GridMonthState } from '../../../server/domain/inspection/gridMonthStatus.ts'
import { GRID_MONTH_STATUS, gridMonthKey } from '../../../server/domain/vocabulary/status.ts'
import { coverageText } from './text.ts'

/** Next to the pointer: the grid, who holds it, this month's status, open/overdue problems. */
export function GridTooltip({ p }: { p: Record<string, unknown> }) {
  const { t, term } = useT(coverageText)
  const held = typeof p.holderDepartment === 'string' && p.holderDepartment !== ''
  const status = gridMonthKey(p.inspectionStatus as GridMonthState, held)
  const open = Number(p.openProblems ?? 0)
  const overdue = Number(p.overdueProblems ?? 0)
  return (
    <>
      <strong>{String(p.name ?? '')}</strong>
      <span className="tip-holder">{held ? String(p.holderDepartment) : term(GRID_MONTH_STATUS.unheld)}</span>
      <span className="tip-row">
        <i style={{ background: (GRID_MONTH_STATUS[status] ?? GRID_MONTH_STATUS.unheld).colour }} />
        {term(GRID_MONTH_STATUS[status] ?? GRID_MONTH_STATUS.unheld)}
        {open > 0 && <> · {t('tooltip.problems', { n: open })}</>}
        {overdue > 0 && <b> · {t('tooltip.overdue', { n: overdue })}</b>}
      </span>
    </>
  )
}
