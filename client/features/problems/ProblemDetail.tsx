/**
 * The problem drawer: facts and flags (boundary, rebound, merge), the history timeline, photos,
 * extension requests, and the workflow actions this user may take now (the server says which),
 * each with its note and extra fields. A stale version reloads and asks to try again.
 */
import { useEffect, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { TRPCClientError } from '@trpc/client'
import { useTRPC, useTRPCClient, type Me, type RouterInputs, type RouterOutputs } from '../../api.ts'
import { PhotoPicker } from '../../ui/PhotoPicker.tsx'
import { useT } from '../../i18n.ts'
import { statusColour } from '../../../server/domain/vocabulary/status.ts'
import { problemsText } from './text.ts'
import { ReturnPanel, RoutingFacts } from '../routing/ProblemRouting.tsx'
import { FollowUpPanel } from '../notifications/FollowUpPanel.tsx'
import { endOfChinaDay, formatDateTime, formatDeadline } from '../../../server/domain/time.ts'
import { DatePicker } from '../../ui/DatePicker.tsx'
import { ProblemPlaceMap } from './ProblemPlaceMap.tsx'
import { QUEUEABLE_STEPS, stepPhotos, transitionOrQueue, type FormPhoto } from '../../offline/send.ts'
import { offlineText } from '../../offline/text.ts'
import { badgeColours } from '../../../server/domain/vocabulary/contrast.ts'
import { useDialogFocus } from '../../app/useDialogFocus.ts'

type Detail = RouterOutputs['problem']['byId']
type Action = Detail['actions'][number]
type TransitionInput = RouterInputs['problem']['transition']

/** Actions whose note is required (mirrors the server's rule; the server has the last word). */
const NOTE_REQUIRED: readonly string[] = ['submit', 'verifyFail', 'void', 'reassign', 'requestExtension']

export function ProblemDetail({ id, me, onClose }: { id: number; me?: Me; onClose: () => void }) {
  const { t, status, action: actionLabel, errorText } = useT(problemsText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const q = useQuery(trpc.problem.byId.queryOptions({ id }))
  const [open, setOpen] = useState<Action | null>(null)
  const [message, setMessage] = useState<string | null>(null)

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.problem.byId.queryKey({ id }) })
    void qc.invalidateQueries({ queryKey: trpc.problem.list.queryKey() })
    void qc.invalidateQueries({ queryKey: trpc.problem.map.queryKey() })
    void qc.invalidateQueries({ queryKey: trpc.problem.mapInfo.queryKey() })
  }

  const dialog = useDialogFocus<HTMLElement>(onClose, id)
  const p = q.data
  return (
    <aside className="pp-drawer" role="dialog" aria-label={t('d.title', { id })} data-testid="problem-detail" {...dialog}>
      <div className="pp-drawer-head">
        <h2>{t('d.title', { id })}</h2>
        {p && <span className="chip" style={badgeColours(statusColour('problem', p.status))} data-testid="detail-status">{status('problem', p.status)}</span>}
        <button type="button" className="btn-quiet" onClick={onClose} data-testid="detail-close">{t('d.close')}</button>
      </div>
      {q.isPending && <p className="muted">{t('p.loading')}</p>}
      {q.isError && <p className="form-error">{errorText(q.error)}</p>}
      {p && (
        <div className="pp-drawer-body">
          {message && <p className="notice" data-testid="detail-message">{message}</p>}
          <section>
            <p className="pp-desc">{p.description}</p>
            <dl className="pp-facts">
              <dt>{t('col.category')}</dt><dd>{p.categoryName}（{p.categoryGroup}）</dd>
              <dt>{t('col.grid')}</dt><dd>{p.gridName ?? '—'}</dd>
              <dt>{t('col.department')}</dt><dd data-testid="detail-department">{p.departmentName ?? '—'}</dd>
              <dt>{t('col.deadline')}</dt><dd className={p.overdue ? 'bad' : ''}>{formatDeadline(p.deadline, true)}{p.overdue ? ` · ${t('flag.overdue')}` : ''}</dd>
              <dt>{t('d.priority')}</dt><dd>{t(p.priority === 'urgent' ? 'd.priority.urgent' : 'd.priority.normal')}</dd>
              <dt>{t('d.reporter')}</dt><dd>{p.reporterName} · {formatDateTime(p.reportedAt)}</dd>
              {p.reworkCount > 0 && <><dt>{actionLabel('verifyFail')}</dt><dd>{t('flag.rework', { n: p.reworkCount })}</dd></>}
            </dl>
            <RoutingFacts detail={p} />
            <ProblemPlaceMap lng={p.lng} lat={p.lat} gridId={p.gridId} gridName={p.gridName} label={p.gridName ? t('d.placeIn', { grid: p.gridName }) : t('d.placeNoGrid')} />
            {p.boundaryCandidates.length > 0 && <p className="pp-flag">{t('d.boundary', { list: p.boundaryCandidates.map((c) => c.name).join('、') })}</p>}
            {p.reboundOf && <p className="pp-flag">{t('d.reboundOf', { id: p.reboundOf.id })}</p>}
            {p.rebounds.length > 0 && <p className="pp-flag">{t('d.rebounds', { list: p.rebounds.map((r) => `#${r.id}`).join('、') })}</p>}
            {p.mergedInto && <p className="pp-flag">{t('d.mergedInto', { id: p.mergedInto.id })}</p>}
            {p.merged.length > 0 && <p className="pp-flag">{t('d.merged', { list: p.merged.map((m) => `#${m.id}`).join('、') })}</p>}
          </section>

          <FollowUpPanel problem={p} me={me} onChanged={refresh} />
          <section>
            <h3>{t('d.actions')}</h3>
            {p.actions.length === 0 && !p.canMerge && <p className="muted">{t('d.noActions')}</p>}
            <div className="pp-action-buttons">
              {p.actions.map((a) => (
                <button key={a} type="button" className={open === a ? 'btn-primary' : 'btn-quiet'} data-testid={`action-${a}`} onClick={() => { setOpen(open === a ? null : a); setMessage(null) }}>
                  {actionLabel(a)}
                </button>
              ))}
            </div>
            {open && (
              <ActionForm key={`${open}-${p.version}`} detail={p} action={open}
                onDone={(text) => { setOpen(null); setMessage(text); refresh() }}
                onConflict={() => { setMessage(t('d.conflict')); refresh() }} />
            )}
            {p.canMerge && <MergeForm detail={p} onDone={(text) => { setMessage(text); refresh() }} />}
            {p.canUnmerge && <UnmergeButton detail={p} onDone={(text) => { setMessage(text); refresh() }} />}
          </section>

          <ReturnPanel detail={p} onDone={(text) => { setMessage(text); refresh() }} />

          {p.extensions.length > 0 && (
            <section>
              <h3>{t('d.extensions')}</h3>
              <ul className="pp-list">
                {p.extensions.map((e) => (
                  <li key={e.id}>{t('d.ext.line', { who: e.requestedBy, to: formatDeadline(e.newDeadline, true), reason: e.reason })} · <b>{t(`d.ext.${e.status}` as 'd.ext.pending')}</b>{e.decidedBy ? `（${e.decidedBy}）` : ''}</li>
                ))}
              </ul>
            </section>
          )}

          <section>
            <h3>{t('d.photos')}</h3>
            {p.photos.length === 0 ? <p className="muted">{t('d.noPhotos')}</p> : (
              <ul className="photo-previews">
                {p.photos.map((ph) => <li key={ph.id}><a href={`/api/photos/${ph.id}`} target="_blank" rel="noreferrer"><img src={`/api/photos/${ph.id}`} alt={`${actionLabel(ph.stage)} #${ph.id}`} loading="lazy" /></a><small>{actionLabel(ph.stage)}</small></li>)}
              </ul>
            )}
          </section>

          <section>
            <h3>{t('d.history')}</h3>
            <ol className="pp-timeline" data-testid="detail-timeline">
              {p.events.map((e) => (
                <li key={e.id}>
                  <span className="pp-dot" style={{ background: statusColour('problem', e.toStatus) }} />
                  <div>
                    <b>{actionLabel(e.action)}</b>{e.fromStatus !== e.toStatus ? ` → ${status('problem', e.toStatus)}` : ''}
                    <div className="muted small">{formatDateTime(e.at)}{e.actorName ? ` · ${e.actorName}` : ''}</div>
                    {e.note && <div className="pp-note">{e.note}</div>}
                  </div>
                </li>
              ))}
            </ol>
          </section>
        </div>
      )}
    </aside>
  )
}

function ActionForm({ detail, action, onDone, onConflict }: { detail: Detail; action: Action; onDone: (msg: string) => void; onConflict: () => void }) {
  const { t, action: actionLabel, errorText } = useT(problemsText)
  const { t: offT } = useT(offlineText)
  const trpc = useTRPC()
  const client = useTRPCClient()
  const [note, setNote] = useState('')
  const [photoIds, setPhotoIds] = useState<number[]>([])
  const [offlinePhotos, setOfflinePhotos] = useState<FormPhoto[]>([])
  const queryClient = useQueryClient()
  const [photosBusy, setPhotosBusy] = useState(false)
  const [departmentId, setDepartmentId] = useState<number | ''>(detail.departmentId ?? '')
  const [gridId, setGridId] = useState<number | ''>('')
  const [newDeadline, setNewDeadline] = useState('')
  const needsDepartments = action === 'reassign' || (action === 'dispatch' && detail.departmentId === null)
  const departments = useQuery({ ...trpc.department.list.queryOptions(), enabled: needsDepartments })
  const grids = useQuery({ ...trpc.grid.list.queryOptions({ level: 'community' }), enabled: action === 'reassign' })
  const [error, setError] = useState<string | null>(null)
  // a message about a missing field is stale once the field changes
  useEffect(() => { setError(null) }, [note, newDeadline, departmentId, gridId])

  const mutation = useMutation({
    mutationFn: async (extra: Partial<TransitionInput>) => {
      const input: TransitionInput = { id: detail.id, version: detail.version, action, note: note.trim() || undefined, ...extra }
      if (action === 'decideExtension') return client.problem.decideExtension.mutate({ id: detail.id, version: detail.version, approve: extra.approve ?? false, note: input.note })
      // a department's field steps are queued when offline (client/offline/send.ts)
      const me = queryClient.getQueryData(trpc.auth.me.queryKey())
      if (me?.role === 'department' && QUEUEABLE_STEPS.includes(action)) return transitionOrQueue(client, me, input, stepPhotos(input.photoIds, offlinePhotos))
      return client.problem.transition.mutate(input)
    },
    onSuccess: (r) => onDone(r && 'queued' in r ? offT('queuedStep', { action: actionLabel(action) }) : t('d.done', { action: actionLabel(action) })),
    onError: (e) => {
      if (e instanceof TRPCClientError && (e.data as { code?: string } | undefined)?.code === 'CONFLICT' && (e.data as { appCode?: string }).appCode === 'VERSION_CONFLICT') { onConflict(); return }
      setError(errorText(e))
    },
  })

  const submit = (extra: Partial<TransitionInput> = {}) => {
    setError(null)
    if (NOTE_REQUIRED.includes(action) && !note.trim()) { setError(t('d.noteRequired')); return }
    if (action === 'requestExtension') {
      if (!newDeadline) { setError(t('d.newDeadline')); return }
      // end of the chosen day in China time
      extra.newDeadline = endOfChinaDay(newDeadline).toISOString()
    }
    if (action === 'reassign') {
      if (departmentId === '') { setError(t('d.department')); return }
      extra.departmentId = departmentId
      if (gridId !== '') extra.gridId = gridId
    }
    if (action === 'dispatch' && departmentId !== '') extra.departmentId = departmentId
    if (action === 'submit') extra.photoIds = photoIds
    mutation.mutate(extra)
  }

  return (
    <form className="pp-action-form" data-testid="action-form" onSubmit={(e) => { e.preventDefault(); submit() }}>
      {needsDepartments && (
        <label>{t('d.department')}
          <select value={departmentId} onChange={(e) => setDepartmentId(e.target.value ? Number(e.target.value) : '')} data-testid="action-department">
            <option value="">—</option>
            {departments.data?.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select>
        </label>
      )}
      {action === 'reassign' && (
        <label>{t('d.targetGrid')}
          <select value={gridId} onChange={(e) => setGridId(e.target.value ? Number(e.target.value) : '')}>
            <option value="">{t('d.sameGrid')}</option>
            {grids.data?.features.map((f) => <option key={f.properties.id} value={f.properties.id}>{f.properties.name}{f.properties.holderDepartment ? `（${f.properties.holderDepartment}）` : ''}</option>)}
          </select>
        </label>
      )}
      {action === 'requestExtension' && (
        <label>{t('d.newDeadline')}<DatePicker value={newDeadline} onChange={setNewDeadline} data-testid="action-deadline" /></label>
      )}
      <label>{t('d.note')}{NOTE_REQUIRED.includes(action) ? ' *' : ''}
        <textarea rows={2} value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} data-testid="action-note" />
      </label>
      {action === 'submit' && <PhotoPicker label={t('d.photo')} onChange={(ids, busy) => { setPhotoIds(ids); setPhotosBusy(busy) }} onKept={setOfflinePhotos} testId="action-photos" />}
      {error && <p className="form-error" data-testid="action-error">{error}</p>}
      <div className="form-actions">
        {action === 'decideExtension' ? (
          <>
            <button type="button" className="btn-primary" disabled={mutation.isPending} onClick={() => submit({ approve: true })} data-testid="action-approve">{t('d.approve')}</button>
            <button type="button" className="btn-quiet" disabled={mutation.isPending} onClick={() => submit({ approve: false })}>{t('d.reject')}</button>
          </>
        ) : (
          <button type="submit" className="btn-primary" disabled={mutation.isPending || photosBusy} data-testid="action-confirm">{t('d.confirm', { action: actionLabel(action) })}</button>
        )}
      </div>
    </form>
  )
}

function UnmergeButton({ detail, onDone }: { detail: Detail; onDone: (msg: string) => void }) {
  const { t, errorText } = useT(problemsText)
  const trpc = useTRPC()
  const unmerge = useMutation(trpc.problem.unmerge.mutationOptions({ onSuccess: () => onDone(t('d.unmerged')) }))
  return (
    <p className="row">
      <button type="button" className="btn-quiet" data-testid="action-unmerge" disabled={unmerge.isPending} onClick={() => unmerge.mutate({ id: detail.id, version: detail.version })}>{t('d.unmerge')}</button>
      {unmerge.isError && <span className="form-error">{errorText(unmerge.error)}</span>}
    </p>
  )
}

function MergeForm({ detail, onDone }: { detail: Detail; onDone: (msg: string) => void }) {
  const { t, errorText } = useT(problemsText)
  const trpc = useTRPC()
  const [into, setInto] = useState('')
  const dups = useQuery(trpc.problem.duplicates.queryOptions({ lng: detail.lng, lat: detail.lat, categoryCode: detail.categoryCode, excludeId: detail.id }))
  const merge = useMutation(trpc.problem.merge.mutationOptions({ onSuccess: (r) => onDone(r.requested ? t('d.mergeRequested', { id: r.mergeRequestIntoId }) : t('d.mergedInto', { id: r.mergedIntoId })) }))
  return (
    <details className="pp-merge">
      <summary>{t('d.merge')}</summary>
      {detail.mergeRequestIntoId !== null && <p className="pp-flag">{t('d.mergeRequested', { id: detail.mergeRequestIntoId })}</p>}
      {dups.data && dups.data.length > 0 && (
        <ul className="pp-list">{dups.data.map((d) => <li key={d.id}><button type="button" className="link" onClick={() => setInto(String(d.id))}>#{d.id}</button> {d.description} · {t('r.distance', { m: d.distanceM })}</li>)}</ul>
      )}
      <form className="row" onSubmit={(e) => { e.preventDefault(); if (Number(into) > 0) merge.mutate({ id: detail.id, intoId: Number(into), version: detail.version }) }}>
        <label>{t('d.mergeInto')} <input inputMode="numeric" value={into} onChange={(e) => setInto(e.target.value.replace(/\D/g, ''))} size={8} /></label>
        <button type="submit" className="btn-quiet" disabled={merge.isPending}>{t('d.mergeDo')}</button>
      </form>
      {merge.isError && <p className="form-error">{errorText(merge.error)}</p>}
    </details>
  )
}
