/** 回访 on a problem's detail: its records, and for the leadership a form once the problem is closed. */
import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { formatDateTime } from '../../../server/domain/time.ts'
import { notificationsText } from './text.ts'
import './notifications.css'

type Outcome = 'satisfied' | 'unsatisfied' | 'unreachable'
const OUTCOMES: Outcome[] = ['satisfied', 'unsatisfied', 'unreachable']

export function FollowUpPanel({ problem, me, onChanged }: { problem: { id: number; status: string; version: number }; me?: Me; onChanged(): void }) {
  const { t, errorText } = useT(notificationsText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const list = useQuery(trpc.followUp.list.queryOptions({ problemId: problem.id }))
  const [outcome, setOutcome] = useState<Outcome>('satisfied')
  const [note, setNote] = useState('')
  const [reopen, setReopen] = useState(false)
  const record = useMutation(trpc.followUp.record.mutationOptions({
    onSuccess: () => { setNote(''); setReopen(false); void qc.invalidateQueries({ queryKey: trpc.followUp.list.queryKey({ problemId: problem.id }) }); onChanged() },
  }))
  const lead = me?.role === 'leader' || me?.role === 'admin'
  if (!list.data?.length && !(lead && problem.status === 'closed')) return null
  return (
    <section className="fu-panel" data-testid="followup-panel">
      <h3>{t('f.title')}</h3>
      {list.data?.length === 0 && <p className="muted">{t('f.none')}</p>}
      {list.data?.map((f) => (
        <p key={f.id} className="fu-line">
          {t('f.line', { at: formatDateTime(f.at), who: f.by ?? '', outcome: t(`f.${f.outcome as Outcome}`) })}{f.note ? `：${f.note}` : ''}{f.reopened ? ` · ${t('f.reopened')}` : ''}
        </p>
      ))}
      {lead && problem.status === 'closed' && (
        <form onSubmit={(e) => { e.preventDefault(); record.mutate({ problemId: problem.id, outcome, note, reopen: outcome === 'unsatisfied' && reopen, version: problem.version }) }}>
          <p className="muted">{t('f.afterClose')}</p>
          <fieldset>
            <legend>{t('f.outcome')}</legend>
            {OUTCOMES.map((o) => (
              <label key={o}><input type="radio" name="fu-outcome" value={o} checked={outcome === o} onChange={() => setOutcome(o)} data-testid={`followup-${o}`} /> {t(`f.${o}`)}</label>
            ))}
          </fieldset>
          <textarea value={note} placeholder={t('f.note')} onChange={(e) => setNote(e.target.value)} data-testid="followup-note" />
          {outcome === 'unsatisfied' && <label><input type="checkbox" checked={reopen} onChange={(e) => setReopen(e.target.checked)} data-testid="followup-reopen" /> {t('f.reopen')}</label>}
          <button type="submit" className="btn-primary" disabled={record.isPending} data-testid="followup-save">{t('f.save')}</button>
          {record.isError && <p className="form-error">{errorText(record.error)}</p>}
          {record.isSuccess && <p className="notice">{t('f.saved')}</p>}
        </form>
      )}
    </section>
  )
}
