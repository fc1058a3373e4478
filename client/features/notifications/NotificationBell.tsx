/** The bell in the header: unread count, the latest notifications, mark read (one or all). */
import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { formatDateTime } from '../../../server/domain/time.ts'
import { notificationsText } from './text.ts'
import './notifications.css'

export function NotificationBell() {
  const { t } = useT(notificationsText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [open, setOpen] = useState(false)
  const count = useQuery({ ...trpc.notification.unreadCount.queryOptions(), refetchInterval: 30_000 })
  const list = useQuery({ ...trpc.notification.list.queryOptions({ limit: 30 }), enabled: open })
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.notification.unreadCount.queryKey() })
    void qc.invalidateQueries({ queryKey: trpc.notification.list.queryKey() })
  }
  const mark = useMutation(trpc.notification.markRead.mutationOptions({ onSuccess: refresh }))
  const n = count.data?.count ?? 0
  return (
    <div className="nb">
      <button type="button" className="btn-quiet nb-button" aria-label={`${t('n.bell')} ${t('n.unread', { n })}`} aria-expanded={open} data-testid="notification-bell" onClick={() => setOpen(!open)}>
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" /></svg>
        {n > 0 && <span className="nb-badge" data-testid="notification-unread">{n > 99 ? '99+' : n}</span>}
      </button>
      {open && (
        <div className="nb-panel" role="dialog" aria-label={t('n.title')} data-testid="notification-panel">
          <div className="nb-head">
            <strong>{t('n.title')}</strong>
            <span className="muted">{t('n.unread', { n })}</span>
            {n > 0 && <button type="button" className="btn-quiet" data-testid="notification-all-read" onClick={() => mark.mutate({ all: true })}>{t('n.allRead')}</button>}
          </div>
          {list.data?.length === 0 && <p className="muted">{t('n.none')}</p>}
          <ul className="nb-list">
            {list.data?.map((x) => (
              <li key={x.id} className={x.readAt ? 'read' : 'unread'} data-testid="notification-item" data-read={x.readAt ? '1' : '0'}>
                <a href={x.link ? `#${x.link}` : undefined} onClick={() => { if (!x.readAt) mark.mutate({ ids: [x.id] }); setOpen(false) }}>
                  <span className="nb-title">{x.title}</span>
                  {x.body && <span className="nb-body">{x.body}</span>}
                  <span className="nb-at">{formatDateTime(x.createdAt)}</span>
                </a>
                {!x.readAt && <button type="button" className="btn-quiet nb-read" data-testid="notification-mark-read" onClick={() => mark.mutate({ ids: [x.id] })}>{t('n.markRead')}</button>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}
