/** 督办单: the list, and one notice as a printable page (`#/supervision?id=N`) with the department's reply. */
import { useState, useSyncExternalStore } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { formatDateTime, formatDeadline } from '../../../server/domain/time.ts'
import { notificationsText } from './text.ts'
import './notifications.css'

const subscribe = (cb: () => void) => { window.addEventListener('hashchange', cb); return () => window.removeEventListener('hashchange', cb) }
const idFromHash = () => { const m = /[?&]id=(\d+)/.exec(window.location.hash); return m ? Number(m[1]) : null }

export function SupervisionPage({ me }: { me: Me }) {
  const id = useSyncExternalStore(subscribe, idFromHash, idFromHash)
  return id ? <SupervisionNotice id={id} me={me} /> : <SupervisionList />
}

function SupervisionList() {
  const { t } = useT(notificationsText)
  const trpc = useTRPC()
  const q = useQuery(trpc.supervision.list.queryOptions({}))
  return (
    <div className="sv-page" data-testid="supervision-list">
      <h1>{t('s.list')}</h1>
      {q.data?.length === 0 && <p className="muted">{t('s.none')}</p>}
      {q.data && q.data.length > 0 && (
        <table className="data-table">
          <thead><tr><th>{t('s.number')}</th><th>{t('s.problem')}</th><th>{t('s.department')}</th><th>{t('s.deadline')}</th><th>{t('s.replyDue')}</th><th>{t('s.status')}</th></tr></thead>
          <tbody>
            {q.data.map((s) => (
              <tr key={s.id}>
                <td><a href={`#/supervision?id=${s.id}`}>{s.number}</a></td>
                <td><a href={`#/problems?id=${s.problemId}`}>#{s.problemId} {s.categoryName}</a></td>
                <td>{s.departmentName}</td>
                <td>{formatDeadline(s.deadline, true)} · {t('s.overdue', { n: s.daysOverdue })}</td>
                <td>{formatDeadline(s.replyDue, true)}</td>
                <td>{s.repliedAt ? t('s.replied') : s.level > 1 ? t('s.escalated') : t('s.waiting')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  )
}

function SupervisionNotice({ id, me }: { id: number; me: Me }) {
  const { t, errorText } = useT(notificationsText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const q = useQuery(trpc.supervision.byId.queryOptions({ id }))
  const [text, setText] = useState('')
  const reply = useMutation(trpc.supervision.reply.mutationOptions({ onSuccess: () => { void qc.invalidateQueries({ queryKey: trpc.supervision.byId.queryKey({ id }) }); void qc.invalidateQueries({ queryKey: trpc.supervision.list.queryKey() }) } }))
  const s = q.data
  return (
    <div className="sv-page" data-testid="supervision-notice">
      <p className="no-print"><a href="#/supervision">{t('s.back')}</a> · <button type="button" className="btn-quiet" onClick={() => window.print()}>{t('s.print')}</button></p>
      {q.isError && <p className="form-error">{errorText(q.error)}</p>}
      {s && (
        <article className="sv-notice">
          <h1>{t('s.heading')}</h1>
          <p className="sv-number" data-testid="supervision-number">{s.number}</p>
          <p>{t('s.to', { dept: s.departmentName })}</p>
          <p className="sv-lead">{t('s.lead', { id: s.problemId, category: s.categoryName, grid: s.gridName ?? '—', deadline: formatDeadline(s.deadline, true), n: s.daysOverdue, due: formatDeadline(s.replyDue, true) })}</p>
          <p><strong>{t('s.desc')}：</strong>{s.problemDescription}</p>
          <p className="sv-issuer">{t('s.issuer')}<br />{formatDateTime(s.issuedAt)}</p>
          {s.level > 1 && <p className="bad">{t('s.escalated')}{s.escalatedAt ? ` · ${formatDateTime(s.escalatedAt)}` : ''}</p>}
          <section className="sv-reply">
            <h3>{t('s.replyText')}</h3>
            {s.repliedAt
              ? <><p data-testid="supervision-reply">{s.replyText}</p><p className="muted">{t('s.replyBy', { who: s.repliedBy ?? '', at: formatDateTime(s.repliedAt) })}</p></>
              : (me.role === 'department' || me.role === 'admin') && (
                <form className="no-print" onSubmit={(e) => { e.preventDefault(); reply.mutate({ id, text }) }}>
                  <textarea value={text} placeholder={t('s.replyHint')} onChange={(e) => setText(e.target.value)} data-testid="supervision-reply-text" />
                  <button type="submit" className="btn-primary" disabled={!text.trim() || reply.isPending}>{t('s.send')}</button>
                  {reply.isError && <p className="form-error">{errorText(reply.error)}</p>}
                </form>
              )}
            {!s.repliedAt && <p className="muted">{t('s.replyDue')}：{formatDeadline(s.replyDue, true)}</p>}
          </section>
        </article>
      )}
    </div>
  )
}
