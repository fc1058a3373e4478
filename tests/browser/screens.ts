/**
 * The main screens of GridDuty, per role, and how to tell that one is drawn: shared by the
 * accessibility test (axe on every screen) and `npm run screenshots` (docs/screens/).
 *
 * Which pages a role may open is not repeated here: the test reads it from the header the app
 * renders for that role (client/app/routes.ts), and fails for a page this list does not describe.
 */
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { Page } from 'playwright-core'
import { mapIdle } from '../support/browser.ts'

type MapWindow = { __gridduty?: { map: MapLibreMap }; __planner?: { map: MapLibreMap } }

/** One demo user per role (demo password: login + "123"); `rfb` is 市人防办, a grid-holding department. */
export const ROLE_USERS = {
  leader: 'leader',
  department: 'rfb',
  planner: 'planner',
  admin: 'admin',
} as const
export type RoleName = keyof typeof ROLE_USERS

export const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const
export type SizeName = keyof typeof SIZES

/** Which MapLibre map a screen draws, by the handle the client exposes on window. */
export type MapHandle = 'coverage' | 'planner'

export interface ScreenSpec {
  /** file-name stem in docs/screens, e.g. "dashboard" */
  name: string
  /** hash path ("/" is the coverage map) */
  path: string
  /** the element that shows the page is there */
  ready: string
  /** a map that must be drawn before the screen counts as ready */
  map?: MapHandle
}

/** Every page of client/app/routes.ts plus the coverage map, keyed by hash path. */
export const SCREENS: Record<string, ScreenSpec> = {
  '/': { name: 'map', path: '/', ready: 'map', map: 'coverage' },
  '/workspace': { name: 'workspace', path: '/workspace', ready: 'workspace' },
  '/dashboard': { name: 'dashboard', path: '/dashboard', ready: 'dashboard' },
  '/bulletin': { name: 'bulletin', path: '/bulletin', ready: 'bulletin' },
  '/evaluation': { name: 'evaluation', path: '/evaluation', ready: 'indicator-table' },
  '/mock-evaluation': { name: 'mock-evaluation', path: '/mock-evaluation', ready: 'mock-page' },
  '/problems': { name: 'problems', path: '/problems', ready: 'problems-list' },
  '/problem-import': { name: 'problem-import', path: '/problem-import', ready: 'import-page' },
  '/planner': { name: 'planner', path: '/planner', ready: 'planner-map', map: 'planner' },
  '/integrity': { name: 'integrity', path: '/integrity', ready: 'integrity-table' },
  '/admin': { name: 'admin', path: '/admin', ready: 'page-admin' },
  '/matrix': { name: 'matrix', path: '/matrix', ready: 'matrix-table' },
  '/explain': { name: 'explain', path: '/explain', ready: 'explain-page' },
  '/supervision': { name: 'supervision', path: '/supervision', ready: 'supervision-list' },
}

/** The hash paths the header offers the signed-in user ("/" for the map first). */
export async function navPaths(page: Page): Promise<string[]> {
  await page.getByTestId('app-nav').waitFor()
  return page.locator('[data-testid="app-nav"] a').evaluateAll((as) => as.map((a) => (a.getAttribute('href') ?? '').replace(/^#/, '') || '/'))
}

/**
 * Counts the app's API requests in flight (trpc and tiles), so that "settled" means: nothing
 * pending and nothing new started across two animation frames. Call once per page.
 */
export function trackRequests(page: Page): () => number {
  let inflight = 0
  const mine = (url: string) => !/\.(js|css|png|svg|woff2?)(\?|$)/.test(url)
  page.on('request', (r) => { if (mine(r.url())) inflight++ })
  const done = (r: { url(): string }) => { if (mine(r.url())) inflight = Math.max(0, inflight - 1) }
  page.on('requestfinished', done)
  page.on('requestfailed', done)
  return () => inflight
}

const frames = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))))

/** Until no request is pending, no "加载中/正在加载" text shows, for two frames in a row. */
export async function settle(page: Page, inflight: () => number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  let quiet = 0
  while (quiet < 2) {
    if (Date.now() > until) throw new Error(`page did not settle: ${inflight()} request(s) pending`)
    await frames(page)
    const loading = await page.evaluate(() => /加载中|正在加载|Loading/.test(document.querySelector('#root')?.textContent ?? ''))
    quiet = inflight() === 0 && !loading ? quiet + 1 : 0
    if (quiet === 0) await page.waitForLoadState('load')
  }
}

/** Until the screen's map is loaded, its tiles are in and grids are rendered (then one more idle). */
export async function waitForMap(page: Page, handle: MapHandle, timeoutMs = 90_000): Promise<void> {
  await page.waitForFunction((handle) => {
    const w = window as unknown as MapWindow
    const map = handle === 'coverage' ? w.__gridduty?.map : w.__planner?.map
    if (!map || !map.loaded() || !map.areTilesLoaded() || map.isMoving()) return false
    const layers = map.getStyle().layers.filter((l) => l.type === 'fill').map((l) => l.id)
    return layers.length > 0 && map.queryRenderedFeatures({ layers }).length > 0
  }, handle, { timeout: timeoutMs, polling: 250 })
  await mapIdle(page, handle === 'coverage' ? '__gridduty' : '__planner')
}

/** Opens a screen by its hash and waits until it is drawn: its element, its data, its map. */
export async function openScreen(page: Page, baseUrl: string, screen: ScreenSpec, inflight: () => number): Promise<void> {
  await page.goto(`${baseUrl}/#${screen.path}`)
  await page.getByTestId(screen.ready).first().waitFor({ timeout: 60_000 })
  if (screen.map) await waitForMap(page, screen.map)
  await settle(page, inflight)
}

/** Signs in through the login form and waits for the header. */
export async function signInAs(page: Page, baseUrl: string, role: RoleName): Promise<void> {
  const login = ROLE_USERS[role]
  await page.goto(baseUrl)
  await page.getByTestId('login-login').fill(login)
  await page.getByTestId('login-password').fill(`${login}123`)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('current-user').waitFor()
}
