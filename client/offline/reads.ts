/**
 * The reads a department needs in the street, cached by the service worker (NetworkFirst: fresh when
 * online, the last answer when not) — one list for the tRPC link (which sends them unbatched, so a
 * read has one stable URL per input) and for the service worker's route (vite.config.ts).
 * Nothing here may import browser or React code: vite.config.ts imports it.
 */
export const OFFLINE_READS = [
  'auth.me', 'meta.config',
  // the map and 我的网格: grids (geometry and status), sites, the month's theme checklist
  'grid.list', 'grid.status', 'grid.byId', 'workspace.mine', 'site.list', 'theme.get', 'department.list',
  // the grid names on the map and the pick map (label points), the bell in the header on every page
  'grid.labels', 'notification.unreadCount', 'notification.list',
  // the inspection form (with its patrol track's sampling period) and the problem list
  'problem.categories', 'problem.list', 'problem.map', 'problem.mapInfo', 'problem.byId', 'inspection.listForMonth', 'meta.patrol',
] as const

const offlineReads: ReadonlySet<string> = new Set(OFFLINE_READS)

/** Is this tRPC procedure one of the reads kept for offline use? */
export const isOfflineRead = (path: string): boolean => offlineReads.has(path)

/** The service worker's route: a GET of one or more of these procedures (batched or not). */
export function offlineReadPattern(): RegExp {
  const name = OFFLINE_READS.map((p) => p.replace('.', '\\.')).join('|')
  return new RegExp(`/trpc/(?:${name})(?:,(?:${name}))*(?:\\?|$)`)
}

/** The Cache Storage names the service worker writes (cleared at sign-out: they hold the user's data). */
export const READ_CACHE = 'gridduty-reads'
export const TILE_CACHE = 'gridduty-tiles'
export const PHOTO_CACHE = 'gridduty-photos'
