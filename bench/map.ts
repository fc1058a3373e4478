/**
 * The 20,000-grid map in headless Chromium (software WebGL, as in tests/browser): log in, then time
 * a page load from navigation until the map is idle with the grid fill drawn, and count the bytes
 * the page fetched from /trpc and /tiles. Then pan (frames drawn in 2 s) and change the month
 * (bytes refetched). Modes: "geojson" (grid.list: every boundary in one response, the baseline)
 * and "tiles" (vector tiles + grid.status) — chosen with ?grids= on the page URL.
 */
import type { Map as MapLibreMap } from 'maplibre-gl'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../tests/support/browser.ts'

/** what the client exposes for tests (client/map/MapView.tsx) */
type Exposed = { __gridduty?: { map: MapLibreMap } }


export interface MapResult {
  mode: 'geojson' | 'tiles'
  /** reload of the map by a logged-in user, until idle with the grids drawn */
  loadMs: number
  renderedGrids: number
  /** the first visit, from the login until idle (nothing cached) */
  firstVisit: { ms: number; bytes: number; tileRequests: number }
  bytes: { trpc: number; tiles: number; tileRequests: number; total: number }
  panFramesIn2s: number
  monthChange: { ms: number; bytes: number; tileRequests: number } | null
  error?: string
}

async function idleWithGrids(page: Page, min: number, timeout: number): Promise<number> {
  await page.waitForFunction((min) => {
    const map = (window as unknown as Exposed).__gridduty?.map
    if (!map || !map.getLayer('grid-fill') || !map.loaded() || !map.areTilesLoaded()) return false
    return map.queryRenderedFeatures({ layers: ['grid-fill'] }).length >= min
  }, min, { timeout, polling: 250 })
  return page.evaluate(() => new Set((window as unknown as Exposed).__gridduty!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => f.id)).size)
}

export async function benchMap(opts: { url: string; modes: ('geojson' | 'tiles')[]; minGrids: number; log?: (s: string) => void }): Promise<MapResult[]> {
  const log = opts.log ?? (() => {})
  const browser: Browser = await launchChromium()
  const out: MapResult[] = []
  try {
    for (const mode of opts.modes) {
      log(`map: ${mode}…`)
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      const page = await context.newPage()
      const bytes = { trpc: 0, tiles: 0, tileRequests: 0, total: 0 }
      const pending: Promise<unknown>[] = []
      // bytes as transferred (a response from the browser cache counts 0)
      page.on('requestfinished', (req) => {
        const u = new URL(req.url())
        const kind = u.pathname.startsWith('/trpc/') ? 'trpc' : u.pathname.startsWith('/tiles/') ? 'tiles' : null
        if (!kind) return
        if (kind === 'tiles') bytes.tileRequests++
        pending.push(req.sizes().then((s) => { bytes[kind] += s.responseBodySize + s.responseHeadersSize }).catch(() => {}))
      })
      // until no /trpc or /tiles request has been in flight for 500 ms
      let inflight = 0, quietSince = performance.now()
      page.on('request', (req) => { if (/\/(trpc|tiles)\//.test(req.url())) inflight++ })
      const done = (req: { url(): string }) => { if (/\/(trpc|tiles)\//.test(req.url())) { inflight--; quietSince = performance.now() } }
      page.on('requestfinished', done)
      page.on('requestfailed', done)
      const settle = async () => {
        while (inflight > 0 || performance.now() - quietSince < 500) await page.waitForTimeout(100)
        await Promise.all(pending.splice(0))
      }
      const result: MapResult = { mode, loadMs: 0, renderedGrids: 0, bytes, firstVisit: { ms: 0, bytes: 0, tileRequests: 0 }, panFramesIn2s: 0, monthChange: null }
      try {
        const target = `${opts.url}/?grids=${mode}`
        await page.goto(target)
        await page.getByTestId('login-login').fill('leader')
        await page.getByTestId('login-password').fill('leader123')
        await page.getByTestId('login-submit').click()
        await page.getByTestId('map').waitFor()
        const t0 = performance.now()
        await idleWithGrids(page, opts.minGrids, 300_000)
        await settle()
        result.firstVisit = { ms: performance.now() - t0, bytes: bytes.trpc + bytes.tiles, tileRequests: bytes.tileRequests }
        // the timed load: a logged-in user opens the map again (tiles may come from the browser cache)
        bytes.trpc = bytes.tiles = bytes.tileRequests = 0
        const t = performance.now()
        await page.goto(target)
        result.renderedGrids = await idleWithGrids(page, opts.minGrids, 300_000)
        result.loadMs = performance.now() - t
        await settle()
        bytes.total = bytes.trpc + bytes.tiles
        result.bytes = { ...bytes }
        // a string, not a function: tsx (esbuild keepNames) would wrap named inner functions in a
        // __name() helper that does not exist in the page
        // pan at two zoom levels closer than the whole city (~1/16 of it in view), as a user works
        await page.evaluate(`window.__gridduty.map.jumpTo({ zoom: window.__gridduty.map.getZoom() + 2 })`)
        await idleWithGrids(page, 50, 300_000)
        result.panFramesIn2s = await page.evaluate(`new Promise((resolve) => {
          const map = window.__gridduty.map
          let frames = 0
          const onRender = function () { frames++ }
          map.on('render', onRender)
          map.panBy([600, 300], { duration: 2000, easing: function (x) { return x } })
          setTimeout(function () { map.off('render', onRender); resolve(frames) }, 2000)
        })`) as number
        // month change: previous month from the month picker, if the page has one
        const picker = page.locator('select[data-testid="month-select"], [data-testid="month-prev"]').first()
        if (await picker.count()) {
          bytes.trpc = bytes.tiles = bytes.tileRequests = 0
          const t2 = performance.now()
          const tag = await picker.evaluate((el) => el.tagName)
          if (tag === 'SELECT') {
            const options = await picker.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))
            await picker.selectOption(options[1] ?? options[0]!)
          } else await picker.click()
          await page.waitForTimeout(300)
          await settle()
          await page.waitForFunction(() => { const m = (window as unknown as Exposed).__gridduty?.map; return !!m && m.loaded() && m.areTilesLoaded() }, undefined, { timeout: 300_000, polling: 100 })
          result.monthChange = { ms: performance.now() - t2, bytes: bytes.trpc + bytes.tiles, tileRequests: bytes.tileRequests }
        }
      } catch (e) {
        result.error = (e as Error).message.split('\n')[0]
      }
      out.push(result)
      await context.close()
    }
  } finally { await browser.close() }
  return out
}
