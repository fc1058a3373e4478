/**
 * The offline banner (issue 16): says when the phone is offline and how many records wait to sync,
 * syncs on demand, and lists the queue with each entry's progress and, for a refused entry, the
 * server's reason with "retry" (after a fix) or "discard"; a conflict says the problem moved on.
 * It also starts the automatic sync (sync.ts) for the signed-in user.
 */
import { useEffect, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { useTRPC, useTRPCClient, type Me } from '../api.ts'
import { useT } from '../i18n.ts'
import { formatDateTime } from '../../server/domain/time.ts'
import { removeItem, updateItem, type QueueItem } from './queue.ts'
import { startAutoSync, syncNow } from './sync.ts'
import { offlineText } from './text.ts'
import { useOnline, useQueue } from './useOffline.ts'

export function OfflineBanner({ me }: { me: Me }) {
  const { t, action, errorText } = useT(offlineText)
  const client = useTRPCClient()
  const queryClient = useQueryClient()
  const online = useOnline()
  const items = useQueue(me.id)
  const [open, setOpen] = useState(false)
  const [busy, setBusy] = useState(false)

  useEffect(() => startAutoSync(client, me.id, () => { void queryClient.invalidateQueries() }), [client, me.id, queryClient])
  // signed in (the login answer set "who am I" without a request): read it once through the service
  // worker so an offline start finds this user, not the signed-out answer cached at the login page
  const trpc = useTRPC()
  useEffect(() => { if (navigator.onLine) void queryClient.refetchQueries({ queryKey: trpc.auth.me.queryKey() }) }, [me.id, queryClient, trpc])
  // a newly refused or conflicting entry opens the list
  const attention = items.filter((i) => i.state === 'failed' || i.state === 'conflict').length
  useEffect(() => { if (attention > 0) setOpen(true) }, [attention])

  if (online && items.length === 0) return null
  const run = async (retryKeys?: string[]) => {
    setBusy(true)
    try { await syncNow(client, me.id, { force: true, retryKeys, onSent: () => { void queryClient.invalidateQueries() } }) } finally { setBusy(false) }
  }
  const label = (i: QueueItem) => (i.kind === 'transition' ? t('kind_transition', { id: i.payload.id, action: action(i.payload.action) }) : `${t(`kind_${i.kind}`)} · ${i.label}`)

  return (
    <section className={`offline-banner${online ? '' : ' is-offline'}`} data-testid="offline-banner" role="status" aria-live="polite">
      <div className="offline-row">
        <strong data-testid="offline-state">{online ? t('online') : t('offline')}</strong>
        <span data-testid="offline-count" data-count={items.length}>{items.length ? t('waiting', { n: items.length }) : t('none')}</span>
        {items.length > 0 && (
          <>
            <button type="button" className="btn-quiet" disabled={busy || !online} onClick={() => void run()} data-testid="offline-sync">{busy ? t('syncing') : t('syncNow')}</button>
            <button type="button" className="btn-quiet" onClick={() => setOpen((x) => !x)} aria-expanded={open} data-testid="offline-toggle">{open ? t('hide') : t('show')}</button>
          </>
        )}
      </div>
      {open && items.length > 0 && (
        <ul className="offline-list" data-testid="offline-list">
          {items.map((i) => (
            <li key={i.key} data-testid="offline-item" data-state={i.state} data-kind={i.kind}>
              <div>
                <b>{label(i)}</b> · <span className={`offline-state-${i.state}`}>{t(`state.${i.state}`)}</span>
                {i.progress && <> · {t('photo', { p: i.progress })}</>}
                <small className="muted"> · {t('queuedAt', { at: formatDateTime(new Date(i.queuedAt).toISOString()) })}</small>
              </div>
              {i.state === 'conflict' && (
                <p className="form-error" data-testid="offline-conflict">
                  {t('conflict', { reason: errorText(i.error) })}
                  {i.kind === 'transition' && <> <a href={`#/problems?id=${i.payload.id}`}>{t('openProblem')}</a></>}
                </p>
              )}
              {i.state === 'failed' && <p className="form-error" data-testid="offline-error">{errorText(i.error)}</p>}
              {i.state === 'waiting' && i.error && <small className="muted">{errorText(i.error)}</small>}
              {i.state === 'failed' && <FixForm item={i} onRetry={() => void run([i.key])} />}
              {(i.state === 'failed' || i.state === 'conflict') && (
                <button type="button" className="btn-quiet" data-testid="offline-discard" onClick={() => { if (window.confirm(t('confirmDiscard'))) void removeItem(i.key) }}>{t('discard')}</button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

/** The fixes a refused entry can take here: a 补录 reason for a late inspection; otherwise a plain retry. */
function FixForm({ item, onRetry }: { item: QueueItem; onRetry: () => void }) {
  const { t } = useT(offlineText)
  const [reason, setReason] = useState('')
  if (item.kind === 'inspection' && item.error?.appCode === 'INSPECTION_TOO_LATE') {
    return (
      <form className="row" onSubmit={(e) => {
        e.preventDefault()
        void updateItem(item.key, (cur) => (cur.kind === 'inspection' ? { ...cur, payload: { ...cur.payload, lateReason: reason.trim() } } : cur)).then(onRetry)
      }}>
        <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('lateReason')} minLength={4} maxLength={500} required data-testid="offline-late-reason" />
        <button type="submit" className="btn-quiet">{t('fixAndRetry')}</button>
      </form>
    )
  }
  return <button type="button" className="btn-quiet" data-testid="offline-retry" onClick={onRetry}>{t('retry')}</button>
}
