import { lazy, Suspense } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me } from '../api.ts'
import { useT } from '../i18n.ts'
import { appText } from './text.ts'
import type { PageRoute } from './routes.ts'
import { LangSwitch } from './LangSwitch.tsx'

// the bell loads after the page (not needed to draw the first map: keeps the map route's JavaScript small)
const NotificationBell = lazy(() => import('../features/notifications/NotificationBell.tsx').then((m) => ({ default: m.NotificationBell })))

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="6" fill="#b3261e" />
      <path d="M6 6h9v9H6zM17 6h9v9h-9zM6 17h9v9H6z" fill="#fff" />
      <path d="M17 17h9v9h-9z" fill="#ffd45c" />
    </svg>
  )
}

interface Props {
  me: Me
  /** pages besides the map that this user may open */
  routes?: readonly PageRoute[]
  /** the current hash path ("/" for the map) */
  path?: string
}

export function Header({ me, routes = [], path = '/' }: Props) {
  const { t, lang, role } = useT(appText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const logout = useMutation(trpc.auth.logout.mutationOptions({
    onSettled: () => {
      queryClient.removeQueries()
      queryClient.setQueryData(trpc.auth.me.queryKey(), null)
    },
  }))

  return (
    <header className="app-header" data-testid="header">
      <div className="brand">
        <Logo />
        <span className="brand-name">网格责任地图</span>
        <span className="brand-en">GridDuty</span>
      </div>
      {routes.length > 0 && (
        <nav className="app-nav" data-testid="app-nav">
          <a href="#/" className={path === '/' ? 'on' : ''} aria-current={path === '/' ? 'page' : undefined} data-testid="nav-map">{t('nav.map')}</a>
          {routes.map((r) => (
            <a key={r.path} href={`#${r.path}`} className={path === r.path ? 'on' : ''} aria-current={path === r.path ? 'page' : undefined} data-testid={`nav-${r.path.slice(1)}`}>
              {r.label[lang]}
            </a>
          ))}
        </nav>
      )}
      <div className="header-right">
        <span className="user" data-testid="current-user">
          <span className="user-name">{me.displayName}</span>
          <span className="user-role">{me.departmentName ?? role(me.role)}</span>
        </span>
        <Suspense fallback={null}><NotificationBell /></Suspense>
        <LangSwitch />
        <button type="button" className="btn-quiet" data-testid="logout" disabled={logout.isPending} onClick={() => logout.mutate()}>
          {t('header.logout')}
        </button>
      </div>
    </header>
  )
}
