/**
 * The coverage map in a real browser (headless Chromium, software WebGL): a leader signs in, the
 * community grids render, a click on 均家滩社区 opens its panel with the holder department (市人防办);
 * a department user records this month's inspection and the grid turns done; the English switch and
 * the phone layout work. No console errors, no failed requests (the style fetches no glyphs at all).
 *
 * Screenshots go to test-results/. UPDATE_DOCS_SCREENSHOT=1 also writes docs/screenshot.png.
 */
import fs from 'node:fs'
import path from 'node:path'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { RunningApp } from '../support/appServer.ts'
import { mapIdle, NO_SERVICE_WORKER, OUT, PagePool, startBrowserApp, stopBrowserApp } from '../support/browser.ts'
import { loggedIn } from '../support/apiClient.ts'

const GRID_FILL = 'grid-fill'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
const pages = new PagePool<{ context: BrowserContext; page: Page; watch: Watch }>()
afterAll(async () => { await pages.closeAll(); await stopBrowserApp({ app, browser }) })

interface Watch { errors: string[]; failed: string[] }

async function open(opts: { width?: number; height?: number; lang?: 'zh-CN' | 'en'; search?: string } = {}): Promise<{ context: BrowserContext; page: Page; watch: Watch }> {
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 },
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    ...NO_SERVICE_WORKER,
  })
  if (opts.lang) await context.addInitScript((l) => localStorage.setItem('gridduty.lang', l), opts.lang)
  const page = await context.newPage()
  const watch: Watch = { errors: [], failed: [] }
  page.on('console', (m) => { if (m.type() === 'error') watch.errors.push(m.text()) })
  page.on('pageerror', (e) => watch.errors.push(String(e)))
  page.on('requestfailed', (r) => watch.failed.push(`${r.failure()?.errorText ?? 'failed'} ${r.url()}`))
  page.on('response', (r) => { if (r.status() >= 400) watch.failed.push(`${r.status()} ${r.url()}`) })
  await page.goto(`${app.url}/${opts.search ?? ''}`)
  return { context, page, watch }
}

async function login(page: Page, user: string, password = `${user}123`): Promise<void> {
  await page.getByTestId('login-login').fill(user)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('nav-map').click() // departments land on 我的网格; the map is one click away
  await page.getByTestId('map').waitFor()
}

/**
 * The leader's desktop page, signed in once for the tests that need nothing else (PagePool: reset for
 * each test, its console errors and failed requests counted afresh), on the map at `search`.
 */
async function leaderOnMap(search = ''): Promise<{ page: Page; watch: Watch }> {
  const { page, watch } = await pages.get('leader', async () => {
    const { context, page, watch } = await open()
    await login(page, 'leader')
    return { context, page, watch }
  })
  watch.errors.length = 0
  watch.failed.length = 0
  await page.goto(`${app.url}/${search}`)
  await page.getByTestId('nav-map').click()
  await page.getByTestId('map').waitFor()
  return { page, watch }
}

/** Until the map is idle with at least `min` grids of `level` (and no other) drawn in the fill layer. */
async function waitForGrids(page: Page, min: number, level: 'district' | 'street' | 'community' = 'community'): Promise<void> {
  await page.waitForFunction(({ min, level }) => {
    const map = window.__gridduty?.map
    if (!map || !map.getLayer('grid-fill') || !map.loaded() || !map.areTilesLoaded()) return false
    const drawn = map.queryRenderedFeatures({ layers: ['grid-fill'] })
    return new Set(drawn.map((f) => f.id)).size >= min && drawn.every((f) => f.properties.level === level)
  }, { min, level }, { timeout: 60_000 }).catch(async (e: unknown) => {
    const state = await page.evaluate(() => {
      const map = window.__gridduty?.map
      if (!map) return 'no map'
      const drawn = map.queryRenderedFeatures({ layers: ['grid-fill'] })
      return JSON.stringify({ loaded: map.loaded(), tiles: map.areTilesLoaded(), moving: map.isMoving(), zoom: map.getZoom(), drawn: drawn.length, levels: [...new Set(drawn.map((f) => f.properties.level))] })
    })
    throw new Error(`map not ready (${state}): ${String(e)}`)
  })
  // one more idle, so that labels and points are placed too
  await mapIdle(page, '__gridduty')
}

/**
 * A page pixel inside the named grid where the map itself (not a floating card) is on top:
 * sample its projected bounding box, keep the points where the grid is the rendered feature,
 * take the one nearest their middle.
 */
async function pixelOfGrid(page: Page, name: string): Promise<{ x: number; y: number; id: number }> {
  const found = await page.evaluate(({ name, layer }) => {
    const map = window.__gridduty!.map
    const f = map.queryRenderedFeatures({ layers: [layer] }).find((x) => x.properties.name === name)
    if (!f) return null
    const coords: [number, number][] = []
    const walk = (c: unknown): void => {
      if (Array.isArray(c) && typeof c[0] === 'number') coords.push(c as [number, number])
      else if (Array.isArray(c)) c.forEach(walk)
    }
    walk((f.geometry as { coordinates: unknown }).coordinates)
    const px = coords.map((c) => map.project(c))
    const xs = px.map((p) => p.x), ys = px.map((p) => p.y)
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
    const rect = map.getContainer().getBoundingClientRect()
    const hits: { x: number; y: number }[] = []
    const N = 24
    for (let i = 1; i < N; i++) {
      for (let j = 1; j < N; j++) {
        const x = x0 + ((x1 - x0) * i) / N, y = y0 + ((y1 - y0) * j) / N
        const top = map.queryRenderedFeatures([x, y], { layers: [layer] })[0]
        const el = document.elementFromPoint(rect.left + x, rect.top + y)
        if (top?.id === f.id && el === map.getCanvas()) hits.push({ x: rect.left + x, y: rect.top + y })
      }
    }
    if (!hits.length) return null
    const mx = hits.reduce((s, p) => s + p.x, 0) / hits.length, my = hits.reduce((s, p) => s + p.y, 0) / hits.length
    const best = hits.reduce((a, b) => (Math.hypot(a.x - mx, a.y - my) <= Math.hypot(b.x - mx, b.y - my) ? a : b))
    return { ...best, id: Number(f.id) }
  }, { name, layer: GRID_FILL })
  if (!found) throw new Error(`grid ${name} is not rendered where it can be clicked`)
  return found
}

function expectClean(watch: Watch): void {
  expect(watch.errors, 'console errors').toEqual([])
  expect(watch.failed, 'failed requests').toEqual([])
}

// software WebGL is slow, the more so on a busy machine
describe('coverage map (browser)', { timeout: 150_000 }, () => {
  it('shows a leader who holds 均家滩社区', async () => {
    const { context, page, watch } = await open()
    try {
      await page.getByTestId('login-form').waitFor()
      await login(page, 'leader')
      await waitForGrids(page, 40)

      // the legend counts every community by status
      const legend = page.getByTestId('legend')
      await legend.waitFor()
      const counts = await Promise.all(['done', 'unverified', 'pending', 'missed', 'unheld'].map(async (k) => Number(await page.getByTestId(`legend-count-${k}`).textContent())))
      expect(counts.reduce((a, b) => a + b, 0)).toBe(50) // the demo city has 50 communities
      expect(counts[4]).toBeGreaterThan(0) // two communities have no holder in the demo city

      // street boundaries and labels are drawn too
      const drawn = await page.evaluate(() => {
        const map = window.__gridduty!.map
        return {
          streets: map.queryRenderedFeatures({ layers: ['street-line'] }).length,
          labels: map.queryRenderedFeatures({ layers: ['grid-label'] }).length,
          problems: map.queryRenderedFeatures({ layers: ['problems'] }).length,
          sites: map.queryRenderedFeatures({ layers: ['sites'] }).length,
        }
      })
      expect(drawn.streets).toBeGreaterThan(0)
      expect(drawn.labels).toBeGreaterThan(10)
      expect(drawn.problems).toBeGreaterThan(0)
      expect(drawn.sites).toBeGreaterThan(0)

      await page.screenshot({ path: path.join(OUT, 'coverage-map-overview.png') })

      const target = await pixelOfGrid(page, '均家滩社区')
      await page.mouse.move(target.x, target.y)
      await page.mouse.click(target.x, target.y)
      const panel = page.getByTestId('grid-panel')
      await panel.waitFor()
      await expect.poll(() => page.getByTestId('panel-name').textContent()).toBe('均家滩社区')
      await expect.poll(() => page.getByTestId('holder-department').textContent()).toBe('市人防办')
      expect(await page.getByTestId('panel-street').textContent()).toBe('高新街道')
      expect(await page.getByTestId('holder-cadre').textContent()).toMatch(/\S+/)
      expect(await page.getByTestId('holder-contact').textContent()).toMatch(/\d{4}-\d{7}/)

      // the selected grid is outlined (the outline is drawn on the map's next frame after the panel opens)
      const outlined = () => page.evaluate(() => [...new Set(window.__gridduty!.map.queryRenderedFeatures({ layers: ['grid-selected'] }).map((f) => f.id))])
      await expect.poll(outlined, { timeout: 15_000, interval: 200 }).toEqual([target.id])

      // the hover tooltip shows who holds the grid; then the pointer leaves for the panel, for a clean picture
      expect(await page.locator('.map-tooltip').textContent()).toContain('市人防办')
      await page.mouse.move(1100, 400)
      await page.locator('.map-tooltip').waitFor({ state: 'hidden' })
      await page.screenshot({ path: path.join(OUT, 'coverage-map.png') })
      if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
        fs.mkdirSync('docs', { recursive: true })
        await page.screenshot({ path: path.resolve('docs/screenshot.png') })
      }
      expectClean(watch)
    } finally {
      await context.close()
    }
  })

  it('finds a grid by name, switches level and language', async () => {
    const { page, watch } = await leaderOnMap()
    await waitForGrids(page, 40)

    await page.getByTestId('search-input').fill('北面滩')
    await page.getByTestId('search-results').getByText('北面滩社区').click()
    await expect.poll(() => page.getByTestId('panel-name').textContent()).toBe('北面滩社区')
    await expect.poll(() => page.getByTestId('holder-department').textContent()).toBe('市人防办')

    // the search flew the map to the grid: let it settle before the next control, as a person would
    await waitForGrids(page, 1)
    await page.getByTestId('level-street').click()
    await expect.poll(() => page.getByTestId('level-street').getAttribute('aria-checked')).toBe('true')
    await waitForGrids(page, 1, 'street')


    await page.getByTestId('lang-switch').click()
    await expect.poll(() => page.getByTestId('level-street').textContent()).toBe('Streets')
    expect(await page.getByTestId('logout').textContent()).toBe('Sign out')
    // data stays as data
    expect(await page.getByTestId('holder-department').textContent()).toBe('市人防办')
    expect(await page.evaluate(() => localStorage.getItem('gridduty.lang'))).toBe('en')

    // the level selector offers districts; the district filter narrows the map to one district
    const drawnNames = () => page.evaluate(() => [...new Set(window.__gridduty!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => String(f.properties.name)))].sort())
    expect(await page.getByTestId('level-district').textContent()).toBe('Districts')
    await page.getByTestId('level-district').click()
    await expect.poll(() => page.getByTestId('level-district').getAttribute('aria-checked')).toBe('true')
    await waitForGrids(page, 1, 'district')
    expect((await drawnNames()).every((n) => ['高新区', '渭河新区'].includes(n))).toBe(true)
    expect(await page.getByTestId('district-filter').locator('option').allTextContents()).toEqual(['Whole city', '渭河新区', '高新区'])
    await page.getByTestId('district-filter').selectOption({ label: '渭河新区' })
    await page.getByTestId('level-street').click()
    await waitForGrids(page, 1, 'street')
    await expect.poll(async () => { const n = await drawnNames(); return n.length > 0 && n.every((x) => ['姜谭街道', '桥南街道', '马营街道'].includes(x)) }, { timeout: 30_000 }).toBe(true)
    expectClean(watch)
  })

  it('lets a department record this month\'s inspection, and the grid turns done', async () => {
    const { context, page, watch } = await open()
    try {
      await login(page, 'rfb')
      await waitForGrids(page, 40)
      const month = await page.getByTestId('month-picker').inputValue()
      // a community the civil air defence office holds and has not inspected yet this month
      const name = await page.evaluate(() => window.__gridduty!.map.queryRenderedFeatures({ layers: ['grid-fill'] })
        .map((f) => f.properties)
        .find((p) => p.holderDepartment === '市人防办' && p.inspectionStatus !== 'done')?.name as string | undefined)
      expect(name, 'a grid of 市人防办 not yet inspected this month').toBeDefined()
      if (!name) throw new Error('no grid of 市人防办 left to inspect')
      // the phone is inside that grid: only an inspection proven on site turns it done
      const fc = await (await loggedIn(app.url, 'leader')).grid.list.query({ level: 'community', month })
      const [longitude, latitude] = pointOnFeature(fc.features.find((f) => f.properties.name === name)!).geometry.coordinates as [number, number]
      await context.grantPermissions(['geolocation'], { origin: app.url })
      await context.setGeolocation({ longitude, latitude, accuracy: 10 })

      const target = await pixelOfGrid(page, name)
      await page.mouse.click(target.x, target.y)
      await expect.poll(() => page.getByTestId('panel-name').textContent()).toBe(name)
      // the phone is inside the grid: the same full form as 我的网格 (checklist, photos, spot problems, GPS)
      const api = await loggedIn(app.url, 'leader')
      const feature = fc.features.find((f) => f.properties.name === name)!
      await page.getByTestId('record-inspection').click()
      await page.getByTestId('inspection-record-form').waitFor()
      expect(await page.getByTestId('record-grid').inputValue()).toBe(String(feature.properties.id))
      await expect.poll(() => page.getByTestId('record-fix').textContent(), { timeout: 15_000 }).toMatch(/已获取定位/)
      await page.getByTestId('record-findings').fill('主干道沿线烟头、纸屑已清理，督促社区加强巡查')
      const spotText = `地图面板现场问题 ${Date.now()}`
      await page.getByTestId('record-add-problem').click()
      const spot = page.getByTestId('spot-problem')
      await spot.locator('select').selectOption({ index: 1 })
      await spot.locator('input[type=text], input:not([type])').first().fill(spotText)
      await page.getByTestId('record-submit').click()
      await page.getByTestId('inspection-record-form').waitFor({ state: 'detached' })
      // inspection and spot problem were stored by the one call
      const stored = (await api.problem.list.query({ limit: 50 })).items.filter((p) => p.description === spotText)
      expect(stored).toHaveLength(1)
      expect(stored[0]).toMatchObject({ source: 'inspection', gridId: feature.properties.id })
      await expect.poll(() => page.getByTestId('panel-status').textContent()).toBe('已检查')
      expect(await page.getByTestId('panel-inspections').textContent()).toContain('督促社区加强巡查')
      await expect.poll(() => page.evaluate((name) => window.__gridduty!.map.querySourceFeatures('grids')
        .find((f) => f.properties.name === name)?.properties.inspectionStatus, name)).toBe('done')
      expect(month).toMatch(/^\d{4}-\d{2}$/)
      await page.screenshot({ path: path.join(OUT, 'coverage-map-department.png') })
      expectClean(watch)
    } finally {
      await context.close()
    }
  })

  it('draws problems as points, clusters or a heatmap; a click on a point opens the problem', async () => {
    const { page, watch } = await leaderOnMap()
    await waitForGrids(page, 40)
    const visible = (layer: string) => page.evaluate((l) => {
      const map = window.__gridduty!.map
      return !!map.getLayer(l) && map.getLayoutProperty(l, 'visibility') !== 'none'
    }, layer)
    await page.getByTestId('problem-mode').getByRole('radio').nth(2).click() // heatmap
    await expect.poll(() => visible('problem-heat')).toBe(true)
    expect(await visible('problems')).toBe(false)
    await page.getByTestId('problem-mode').getByRole('radio').nth(1).click() // clusters
    await expect.poll(() => visible('problem-clusters')).toBe(true)
    await page.getByTestId('problem-mode').getByRole('radio').nth(0).click() // points
    await expect.poll(() => visible('problems')).toBe(true)
    await page.waitForFunction(() => window.__gridduty!.map.loaded())
    // the pixel of a problem point that nothing else covers
    const target = await page.evaluate(() => {
      const map = window.__gridduty!.map
      const rect = map.getContainer().getBoundingClientRect()
      for (const f of map.queryRenderedFeatures({ layers: ['problems'] })) {
        const p = map.project((f.geometry as unknown as { coordinates: [number, number] }).coordinates)
        const el = document.elementFromPoint(rect.left + p.x, rect.top + p.y)
        const top = map.queryRenderedFeatures(p, { layers: ['problems'] })[0]
        if (el === map.getCanvas() && top?.properties.id === f.properties.id) return { x: rect.left + p.x, y: rect.top + p.y, id: f.properties.id as number }
      }
      return null
    })
    expect(target, 'a visible problem point').not.toBeNull()
    await page.mouse.click(target!.x, target!.y)
    await expect.poll(() => page.evaluate(() => window.location.hash)).toBe(`#/problems?id=${target!.id}`)
    await page.getByTestId('page-problems').waitFor()
    expectClean(watch)
  })

  it('draws problems from the server\'s cluster tiles for a city with many (forced here by ?problems=tiles)', async () => {
    const { page, watch } = await leaderOnMap('?problems=tiles')
    await waitForGrids(page, 40)
    const open = (await (await loggedIn(app.url, 'leader')).problem.mapInfo.query()).count
    // clusters and single problems from /tiles/problems, none on the plain GeoJSON layer
    const drawn = async () => page.evaluate(() => {
      const map = window.__gridduty!.map
      if (!map.getLayer('problem-clusters') || !map.loaded() || !map.areTilesLoaded()) return null
      const clusters = new Map<number, number>(), singles = new Set<number>()
      for (const f of map.queryRenderedFeatures({ layers: ['problem-clusters', 'problem-points'] })) {
        if (f.properties.cluster) clusters.set(f.properties.cluster_id as number, f.properties.point_count as number)
        else singles.add(f.properties.id as number)
      }
      return { clusters: [...clusters.values()], singles: singles.size, plain: map.queryRenderedFeatures({ layers: ['problems'] }).length }
    })
    await expect.poll(async () => { const d = await drawn(); return d ? d.clusters.length + d.singles : 0 }, { timeout: 30_000, message: `no problem clusters drawn; console: ${watch.errors.join(' | ')}; failed: ${watch.failed.join(' | ')}` }).toBeGreaterThan(0)
    const d = (await drawn())!
    expect(d.plain).toBe(0)
    expect(d.clusters.every((n) => n > 1)).toBe(true)
    expect(d.clusters.reduce((a, b) => a + b, 0) + d.singles).toBeLessThanOrEqual(open)
    expectClean(watch)
  })

  it('colours grids by their number of overdue problems, with a legend of the bins', async () => {
    const { page, watch } = await leaderOnMap()
    await waitForGrids(page, 40)
    await page.getByTestId('colour-mode').getByRole('radio').nth(3).click() // overdue
    await expect.poll(() => page.evaluate(() => JSON.stringify(window.__gridduty!.map.getPaintProperty('grid-fill', 'fill-color')))).toContain('overdueProblems')
    const api = await loggedIn(app.url, 'leader')
    const counts = (await api.grid.list.query({ level: 'community' })).features.map((f) => f.properties.overdueProblems)
    const bins = [[0, 0], [1, 2], [3, 5], [6, 9], [10, Infinity]] as const // client/map/layers.ts COUNT_BINS
    for (const [i, [from, to]] of bins.entries()) {
      const expected = counts.filter((n) => n >= from && n <= to).length
      expect(Number(await page.getByTestId(`legend-bin-count-${i}`).textContent()), `bin ${from}–${to}`).toBe(expected)
    }
    expect(counts.some((n) => n > 0)).toBe(true)
    expectClean(watch)
  })

  it('is usable at phone width: the panel is a bottom sheet', async () => {
    const { context, page, watch } = await open({ width: 390, height: 844 })
    try {
      await login(page, 'leader')
      await waitForGrids(page, 30)
      await page.getByTestId('search-input').fill('均家滩')
      await page.getByTestId('search-results').getByText('均家滩社区').click()
      await expect.poll(() => page.getByTestId('holder-department').textContent()).toBe('市人防办')
      const box = (await page.getByTestId('grid-panel').boundingBox())!
      expect(box.width).toBe(390)
      expect(Math.round(box.y + box.height)).toBe(844)
      // the search flew the map to the grid: settled before the picture
      await waitForGrids(page, 1)
      await page.screenshot({ path: path.join(OUT, 'coverage-map-phone.png') })
      expectClean(watch)
    } finally {
      await context.close()
    }
  })
})
