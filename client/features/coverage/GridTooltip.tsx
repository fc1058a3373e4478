import { useI18n } from '../../i18n.ts'
import { STATUS_COLOURS } from '../../map/layers.ts'

/** Next to the pointer: the grid, who holds it, this month's status, open/overdue problems. */
export function GridTooltip({ p }: { p: Record<string, unknown> }) {
  const { t } = useI18n()
  const held = typeof p.holderDepartment === 'string' && p.holderDepartment !== ''
  const status = held ? (p.inspectionStatus as 'done' | 'pending' | 'missed') : 'unheld'
  const open = Number(p.openProblems ?? 0)
  const overdue = Number(p.overdueProblems ?? 0)
  return (
    <>
      <strong>{String(p.name ?? '')}</strong>
      <span className="tip-holder">{held ? String(p.holderDepartment) : t('status.unheld')}</span>
      <span className="tip-row">
        <i style={{ background: STATUS_COLOURS[status] ?? STATUS_COLOURS.unheld }} />
        {t(`status.${status}`)}
        {open > 0 && <> · {t('tooltip.problems', { n: open })}</>}
        {overdue > 0 && <b> · {t('tooltip.overdue', { n: overdue })}</b>}
      </span>
    </>
  )
}
