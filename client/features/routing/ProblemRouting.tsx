/**
 * In the problem drawer: why the problem went where it went (the matrix rule in words, or the grid
 * holder by default), who supervises it, its returns (退单) and rulings; the handling department's
 * return form within the window, and the leadership's ruling form (reassign, optionally amending the
 * matrix, or reject). The server decides who may (canReturn / canRuleReturn) and has the last word.
 */
import { useState } from 'react'
import { useMutation, useQuery } from '@tanstack/react-query'
import { useTRPC, type RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { formatDateTime } from '../../../server/domain/time.ts'
import { routingText } from './text.ts'

type Detail = RouterOutputs['problem']['byId']

export function RoutingFacts({ detail }: { detail: Detail }) {
  const { t } = useT(routingText)
  const r = detail.routing
  return (
    <dl className="pp-facts" data-testid="routing-facts">
      <dt>{t('r.why')}</dt><dd data-testid="routing-why" data-basis={r.basis}>{r.words}</dd>
      <dt>{t('r.supervising')}</dt><dd data-testid="routing-supervising">{r.supervisingDepartmentName ?? '—'}</dd>
      <dt>{t('x.title')}</dt><dd><a href={`#/explain?lng=${detail.lng}&lat=${detail.lat}`} data-testid="routing-explain">{detail.lng.toFixed(5)}, {detail.lat.toFixed(5)}</a></dd>
    </dl>
  )
}

export function ReturnPanel({ detail, onDone }: { detail: Detail; onDone: (msg: string) => void }) {
  const { t } = useT(routingText)
  const statusWord = (s: string) => t(s === 'pending' ? 'r.pending' : s === 'reassigned' ? 'r.reassigned' : 'r.rejected')
  if (detail.returns.length === 0 && !detail.canReturn && !detail.canRuleReturn) return null
  return (
    <section data-testid="returns">
      <h3>{t('r.returns')}</h3>
      {detail.returns.length > 0 && (
        <ul className="pp-list" data-testid="return-list">
          {detail.returns.map((r) => (
            <li key={r.id} data-status={r.status}>
              {t('r.line', { dept: r.departmentName ?? '', reason: r.reason })}{r.suggestedDepartmentName ? t('r.suggested', { dept: r.suggestedDepartmentName }) : ''}
              {' · '}<b>{statusWord(r.status)}</b>
              <span className="muted small"> {formatDateTime(r.createdAt)}</span>
              {r.status !== 'pending' && (
                <div className="pp-note" data-testid="return-ruling">
                  {r.status === 'reassigned' && r.newDepartmentName ? `${t('r.to', { dept: r.newDepartmentName })}；` : ''}{t('r.ruling', { ruling: r.ruling })}
                  {r.ruledBy ? `（${r.ruledBy}，${formatDateTime(r.ruledAt)}）` : ''}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {detail.canReturn && <ReturnForm detail={detail} onDone={onDone} />}
      {detail.canRuleReturn && <RulingForm detail={detail} onDone={onDone} />}
    </section>
  )
}

function ReturnForm({ detail, onDone }: { detail: Detail; onDone: (msg: string) => void }) {
  const { t, errorText } = useT(routingText)
  const trpc = useTRPC()
  const [reason, setReason] = useState('')
  const [dept, setDept] = useState<number | ''>('')
  const [error, setError] = useState<string | null>(null)
  const departments = useQuery(trpc.department.list.queryOptions())
  const m = useMutation(trpc.problem.return.mutationOptions({ onSuccess: () => onDone(t('r.done')), onError: (e) => setError(errorText(e)) }))
  return (
    <details className="pp-merge" data-testid="return-form">
      <summary data-testid="return-open">{t('r.return')}</summary>
      {detail.returnWindowEnd && <p className="muted small">{t('r.window', { end: formatDateTime(detail.returnWindowEnd) })}</p>}
      <form onSubmit={(e) => {
        e.preventDefault(); setError(null)
        if (!reason.trim()) { setError(t('r.needReason')); return }
        m.mutate({ id: detail.id, version: detail.version, reason: reason.trim(), suggestedDepartmentId: dept === '' ? null : dept })
      }}>
        <label>{t('r.reason')} *<textarea rows={2} maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="return-reason" /></label>
        <label>{t('r.suggest')}
          <select value={dept} onChange={(e) => setDept(e.target.value ? Number(e.target.value) : '')} data-testid="return-suggest">
            <option value="">—</option>
            {departments.data?.filter((d) => d.id !== detail.departmentId).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </label>
        {error && <p className="form-error" data-testid="return-error">{error}</p>}
        <button type="submit" className="btn-primary" disabled={m.isPending} data-testid="return-submit">{t('r.submit')}</button>
      </form>
    </details>
  )
}

function RulingForm({ detail, onDone }: { detail: Detail; onDone: (msg: string) => void }) {
  const { t, errorText } = useT(routingText)
  const trpc = useTRPC()
  const pending = detail.returns.find((r) => r.status === 'pending')
  const [decision, setDecision] = useState<'reassign' | 'reject'>('reassign')
  const [dept, setDept] = useState<number | ''>(pending?.suggestedDepartmentId ?? '')
  const [note, setNote] = useState('')
  const [amend, setAmend] = useState(false)
  const [area, setArea] = useState<'grid' | 'street' | 'city'>('grid')
  const [scope, setScope] = useState<'category' | 'group'>('category')
  const [error, setError] = useState<string | null>(null)
  const departments = useQuery(trpc.department.list.queryOptions())
  const m = useMutation(trpc.problem.ruleReturn.mutationOptions({ onSuccess: () => onDone(t('r.ruleDone')), onError: (e) => setError(errorText(e)) }))
  return (
    <form className="pp-action-form" data-testid="ruling-form" onSubmit={(e) => {
      e.preventDefault(); setError(null)
      if (decision === 'reassign' && dept === '') { setError(t('r.needDept')); return }
      m.mutate({
        id: detail.id, version: detail.version, decision, note: note.trim() || undefined,
        departmentId: decision === 'reassign' ? (dept as number) : null, amend: decision === 'reassign' && amend ? { area, scope } : null,
      })
    }}>
      <b>{t('r.rule')}</b>
      <label className="row"><input type="radio" name="decision" checked={decision === 'reassign'} onChange={() => setDecision('reassign')} data-testid="ruling-reassign" />{t('r.decision.reassign')}</label>
      <label className="row"><input type="radio" name="decision" checked={decision === 'reject'} onChange={() => setDecision('reject')} data-testid="ruling-reject" />{t('r.decision.reject')}</label>
      {decision === 'reassign' && (
        <>
          <label>{t('r.newDept')}
            <select value={dept} onChange={(e) => setDept(e.target.value ? Number(e.target.value) : '')} data-testid="ruling-department">
              <option value="">—</option>
              {departments.data?.filter((d) => d.id !== detail.departmentId).map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
            </select>
          </label>
          <label className="row"><input type="checkbox" checked={amend} onChange={(e) => setAmend(e.target.checked)} data-testid="ruling-amend" />{t('r.amend')}</label>
          {amend && (
            <span className="row">
              <select value={area} onChange={(e) => setArea(e.target.value as typeof area)} data-testid="ruling-amend-area">
                <option value="grid">{t('r.amend.grid')}</option><option value="street">{t('r.amend.street')}</option><option value="city">{t('r.amend.city')}</option>
              </select>
              <select value={scope} onChange={(e) => setScope(e.target.value as typeof scope)}>
                <option value="category">{t('r.amend.category')}</option><option value="group">{t('r.amend.group')}</option>
              </select>
            </span>
          )}
        </>
      )}
      <label>{t('r.note')}<textarea rows={2} maxLength={2000} value={note} onChange={(e) => setNote(e.target.value)} data-testid="ruling-note" /></label>
      {error && <p className="form-error" data-testid="ruling-error">{error}</p>}
      <button type="submit" className="btn-primary" disabled={m.isPending} data-testid="ruling-submit">{t('r.rule')}</button>
    </form>
  )
}
