import { lazy, Suspense, useEffect } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { isAuthError, useTRPC } from '../api.ts'
import { useT } from '../i18n.ts'
import { appText } from './text.ts'
import { LoginPage } from '../features/auth/LoginPage.tsx'
import { clearOfflineReads, registerServiceWorkerWhenQuiet } from '../offline/registerSW.ts'

// The signed-in app (MapLibre and the other pages, most of the bundle) loads while the user signs in.
const loadShell = () => import('./Shell.tsx')
const Shell = lazy(() => loadShell().then((m) => ({ default: m.Shell })))

/** Who is signed in decides the page: the login screen or the app (coverage map and pages). */
export function App() {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const { t } = useT(appText)
  const me = useQuery(trpc.auth.me.queryOptions(undefined, { staleTime: Infinity }))

  // A session that expires while the map is open sends the user back to the login screen.
  useEffect(() => {
    const meKey = trpc.auth.me.queryKey()
    return queryClient.getQueryCache().subscribe((ev) => {
      if (ev.type === 'updated' && ev.action.type === 'error' && isAuthError(ev.action.error)) {
        queryClient.setQueryData(meKey, null)
      }
    })
  }, [queryClient, trpc])

  useEffect(() => { void loadShell() }, [])
  // the service worker (offline mode) installs once signed in and the first screen's reads have
  // arrived: its precache must not compete with the first map on a slow link (issue 14, target 6)
  const signedIn = !!me.data
  useEffect(() => (signedIn ? registerServiceWorkerWhenQuiet(() => queryClient.isFetching() > 0) : undefined), [signedIn, queryClient])
  // signed out: the cached reads of the last user go (offline mode, client/offline/)
  useEffect(() => { if (me.data === null) void clearOfflineReads() }, [me.data])

  if (me.isPending) return <div className="splash">{t('map.loading')}</div>
  if (me.isError) {
    return (
      <div className="splash">
        <p>{t('error.generic')}: {me.error.message}</p>
        <button type="button" onClick={() => void me.refetch()}>{t('error.retry')}</button>
      </div>
    )
  }
  if (!me.data) return <LoginPage />
  return (
    <Suspense fallback={<div className="splash">{t('map.loading')}</div>}>
      <Shell me={me.data} />
    </Suspense>
  )
}
