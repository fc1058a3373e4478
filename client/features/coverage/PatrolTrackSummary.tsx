/**
 * The grid panel's patrol-track line (巡查轨迹): the latest inspection's track of the grid in the month —
 * its coverage of the grid's area (within 50 m), points, length and time span — beside that
 * inspection's presence verdict (到岗核验), since the track is part of the proof of presence.
 * The map draws the same track (patrolTrackLayer.ts); both read inspection.latestTrack.
 */
import { useQuery } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { formatDateTime } from '../../../server/domain/time.ts'
import { patrolText } from '../monthly/patrolText.ts'
import { pct } from '../../../server/domain/vocabulary/format.ts'

export function PatrolTrackSummary({ gridId, month }: { gridId: number; month: string }) {
  const { t } = useT(patrolText)
  const trpc = useTRPC()
  const q = useQuery(trpc.inspection.latestTrack.queryOptions({ gridId, month }))
  const tr = q.data
  if (!tr) return q.isSuccess ? <p className="muted small" data-testid="panel-patrol-none">{t('patrol.none')}</p> : null
  return (
    <section className="panel-section" data-testid="panel-patrol" data-coverage={tr.coverage ?? ''}>
      <h3>{t('patrol.panel')}</h3>
      <p>
        <strong data-testid="panel-patrol-coverage">{tr.coverage === null ? t('patrol.unknown') : t('patrol.coverage', { pct: pct(tr.coverage), m: tr.bufferM })}</strong>
        {' · '}{t('patrol.presence')}：{tr.onSite === true ? t('patrol.onSite') : t('patrol.offSite')}
      </p>
      <p className="muted small">{t('patrol.facts', { n: tr.pointCount, len: tr.lengthM, from: formatDateTime(tr.startedAt), to: formatDateTime(tr.endedAt).slice(11) })}</p>
    </section>
  )
}
