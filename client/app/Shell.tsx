/**
 * The signed-in app: the header and either the coverage map (#/ or no hash) or one of the pages in
 * routes.ts (#/workspace, #/dashboard …) that the user's role may open. Loaded lazily, with MapLibre.
 */
import { lazy, Suspense, useSyncExternalStore } from 'react'
import type { Me } from '../api.ts'
import { Header } from './Header.tsx'
import { MapPage } from '../features/coverage/MapPage.tsx'
import { ROUTES, type PageRoute } from './routes.ts'

// the offline banner and its queue (IndexedDB, sync) load just after the map, not before it (issue 14, target 6)
const OfflineBanner = lazy(() => import('../offline/OfflineBanner.tsx').then((m) => ({ default: m.OfflineBanner })))

function subscribe(cb: () => void): () => void {
  window.addEventListener('hashchange', cb)
  return () => window.removeEventListener('hashchange', cb)
}

/** The route in the address: "#/workspace?x=1" → "/workspace", "#/" → "/", no hash → null. */
export function useHashPath(): string | null {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash)
  return hash ? hash.replace(/^#/, '').split('?')[0] || '/' : null
}

export function routesFor(me: Me): PageRoute[] {
  return ROUTES.filter((r) => r.roles.includes(me.role))
}

/** Where a user lands when the address has no hash: departments on their own grids (我的网格). */
function landingPath(me: Me): string {
  return me.role === 'department' && ROUTES.some((r) => r.path === '/workspace') ? '/workspace' : '/'
}

export function Shell({ me }: { me: Me }) {
  const path = useHashPath() ?? landingPath(me)
  const routes = routesFor(me)
  const route = routes.find((r) => r.path === path)
  const Page = route?.component
  return (
    <div className="app">
      <Header me={me} routes={routes} path={route ? route.path : '/'} />
      <Suspense fallback={null}><OfflineBanner me={me} /></Suspense>
      {Page ? <main className="route-page" data-testid={`page-${route.path.slice(1)}`}><Suspense fallback={<div className="splash">…</div>}><Page me={me} /></Suspense></main> : <MapPage me={me} />}
    </div>
  )
}
