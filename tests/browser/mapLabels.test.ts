/**
 * Grid names on every map, in a real browser, at desktop (1280×800) and phone (390×844) sizes:
 * the coverage map, the problem pick map, the evaluation site editor (MapLibre: the rendered symbols
 * of the label layer), 我的网格, the bulletin and the dashboard (SVG: the <text> elements). Each map
 * shows each grid's name exactly once — in no view a name twice (the old polygon labels repeated
 * 高新一路社区 once per tile at high zoom), and every grid's name shown (zoomed to it when the names
 * collide at the overview zoom). On the phone every coverage-map control is on screen and ≥ 44 px,
 * the legend expands and scrolls, and a tapped grid stays visible above the half-height sheet.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { MapLibreMap } from 'maplibre-gl'
import type { RunningApp } from '../support/appServer.ts'
import { mapIdle, NO_SERVICE_WORKER, OUT, PagePool, signIn, startBrowserApp, stopBrowserApp, type MapKey } from '../support/browser.ts'
import { loggedIn } from '../support/apiClient.ts'

let app: RunningApp
let browser: Browser
/** community grid id → name, and label points, from the API (not from the page) */
let communities: Map<number, string>
let labelPoints: Map<number, [number, number]>

beforeAll(async () => {
  ({ app, browser } = await startBrowserApp())
  const api = await loggedIn(app.url, 'leader')
  const labels = await api.grid.labels.query({ level: 'community' })
  communities = new Map(labels.features.map((f) => [f.id as number, f.properties.name]))
  labelPoints = new Map(labels.features.map((f) => [f.id as number, f.geometry.coordinates as [number, number]]))
}, 180_000)
const pages = new PagePool()
afterAll(async () => { await pages.closeAll(); await stopBrowserApp({ app, browser }) })

const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const
type Size = (typeof SIZES)[number]

/** A signed-in page of `login` at `size` (one per pair for the whole file, reset for each test: PagePool). */
async function open(size: Size, login: string): Promise<Page> {
  const { page } = await pages.get(`${size.name} ${login}`, async () => {
    const phone = size.name === 'phone'
    const context = await browser.newContext({
      viewport: { width: size.width, height: size.height }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
      ...(phone ? { isMobile: true, hasTouch: true } : {}), ...NO_SERVICE_WORKER,
    })
    const page = await context.newPage()
    await signIn(page, app.url, login)
    return { context, page }
  })
  return page
}

/** The map's idle state after the label source has data and a repaint has placed the symbols. */
async function settle(page: Page, key: MapKey, labelSource: string, sourceLayer?: string): Promise<void> {
  await page.waitForFunction(({ key, labelSource, sourceLayer }) => {
    const w = window as unknown as Record<string, unknown>
    const map = (key === '__gridduty' ? (w.__gridduty as { map?: MapLibreMap } | undefined)?.map : w[key]) as MapLibreMap | undefined
    if (!map || !map.loaded() || !map.getSource(labelSource) || !map.areTilesLoaded() || map.isMoving()) return false
    return map.querySourceFeatures(labelSource, sourceLayer ? { sourceLayer } : undefined).length > 0
  }, { key, labelSource, sourceLayer }, { timeout: 60_000 })
  await mapIdle(page, key)
}

/** The names the label layer has drawn in the current view (placed symbols only), in order, duplicates kept. */
async function renderedNames(page: Page, key: MapKey, layer: string): Promise<string[]> {
  return page.evaluate(({ key, layer }) => {
    const w = window as unknown as Record<string, unknown>
    const map = (key === '__gridduty' ? (w.__gridduty as { map: MapLibreMap }).map : w[key]) as MapLibreMap
    return map.queryRenderedFeatures({ layers: [layer] }).map((f) => String(f.properties.name))
  }, { key, layer })
}

const dupes = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i)

/**
 * Each grid's name once: no name twice in the overview; every grid whose name collided away there
 * is shown (once) when the map is centred on its label point two zoom levels closer; and at high
 * zoom over the largest grids (which span many tiles) their name is drawn once.
 */
async function expectEachNameOnce(page: Page, key: MapKey, layer: string, labelSource: string, sourceLayer?: string): Promise<void> {
  await settle(page, key, labelSource, sourceLayer)
  const overview = await renderedNames(page, key, layer)
  expect(dupes(overview), 'names drawn twice in the overview').toEqual([])
  const all = new Set(communities.values())
  for (const n of overview) expect(all.has(n), `${n} is a community`).toBe(true)
  const zoom0 = await page.evaluate((key) => {
    const w = window as unknown as Record<string, unknown>
    return ((key === '__gridduty' ? (w.__gridduty as { map: MapLibreMap }).map : w[key]) as MapLibreMap).getZoom()
  }, key)
  const seen = new Set(overview)
  const jump = async (id: number, zoom: number) => {
    await page.evaluate(({ key, center, zoom }) => {
      const w = window as unknown as Record<string, unknown>
      const map = (key === '__gridduty' ? (w.__gridduty as { map: MapLibreMap }).map : w[key]) as MapLibreMap
      map.jumpTo({ center, zoom })
    }, { key, center: labelPoints.get(id)!, zoom })
    await settle(page, key, labelSource, sourceLayer)
    return renderedNames(page, key, layer)
  }
  for (const [id, name] of communities) {
    if (seen.has(name)) continue
    const names = await jump(id, zoom0 + 2)
    expect(dupes(names), `names drawn twice around ${name}`).toEqual([])
    expect(names, `${name} shown when zoomed to it`).toContain(name)
    for (const n of names) seen.add(n)
  }
  expect([...seen].sort()).toEqual([...all].sort())
  // close up (z16, z17) over 高新一路社区, which the old polygon labels repeated once per tile
  const gx = [...communities].find(([, n]) => n === '高新一路社区')![0]
  for (const z of [16, 17]) {
    const names = await jump(gx, z)
    expect(names.filter((n) => n === '高新一路社区'), `高新一路社区 at z${z}`).toEqual(['高新一路社区'])
    expect(dupes(names), `names drawn twice at z${z}`).toEqual([])
  }
}

/** SVG maps: one <text> per drawn grid, the grid's name, no name twice; a title, a summary. */
async function expectSvgNames(page: Page, testId: string): Promise<{ ids: number[]; names: string[] }> {
  const svg = page.getByTestId(testId)
  await expect.poll(() => svg.locator('path[data-grid-id]').count(), { timeout: 30_000 }).toBeGreaterThan(0)
  const got = await svg.evaluate((el) => ({
    paths: [...el.querySelectorAll('path[data-grid-id]')].map((p) => Number(p.getAttribute('data-grid-id'))),
    texts: [...el.querySelectorAll('text[data-grid-id]')].map((t) => ({ id: Number(t.getAttribute('data-grid-id')), name: t.textContent ?? '' })),
    title: el.querySelector(':scope > title')?.textContent ?? '',
    desc: el.querySelector(':scope > desc')?.textContent ?? '',
    labelledBy: el.getAttribute('aria-labelledby') ?? '',
  }))
  expect(got.texts.map((t) => t.id).sort((a, b) => a - b), 'one name per grid drawn').toEqual([...got.paths].sort((a, b) => a - b))
  expect(dupes(got.texts.map((t) => t.name)), 'names written twice').toEqual([])
  expect(got.title.length).toBeGreaterThan(2)
  expect(got.desc).toMatch(new RegExp(`共 ${got.paths.length} 个网格`))
  expect(got.labelledBy.split(' ').length).toBe(2)
  return { ids: got.paths, names: got.texts.map((t) => t.name) }
}

describe.each(SIZES)('grid names on every map at $name size', { timeout: 300_000 }, (size) => {
  it('coverage map: each community named once, at every zoom', async () => {
    const page = await open(size, 'leader')
    await page.goto(`${app.url}/#/`)
    await page.getByTestId('map').waitFor()
    await expectEachNameOnce(page, '__gridduty', 'grid-label', 'grid-labels')
    await page.screenshot({ path: path.join(OUT, `map-labels-coverage-${size.name}.png`) })
  })

  it('coverage map on vector tiles (?grids=tiles): each community named once, from the tiles\' labels layer', async () => {
    const page = await open(size, 'leader')
    await page.goto(`${app.url}/?grids=tiles#/`)
    await page.getByTestId('map').waitFor()
    await page.waitForFunction(() => window.__gridduty?.map.getSource('grids')?.type === 'vector', undefined, { timeout: 60_000 })
    await expectEachNameOnce(page, '__gridduty', 'grid-label', 'grids', 'labels')
  })

  it('problem pick map and evaluation site editor: each community named once', async () => {
    const page = await open(size, 'leader')
    await page.goto(`${app.url}/#/problems`)
    await page.getByTestId('tab-report').click()
    await page.getByTestId('pick-map').scrollIntoViewIfNeeded()
    await expectEachNameOnce(page, '__griddutyPick', 'pick-grid-label', 'pick-grid-labels')

    await page.goto(`${app.url}/#/evaluation`)
    await page.getByTestId('site-map-toggle').click()
    await page.getByTestId('site-map').scrollIntoViewIfNeeded()
    await expectEachNameOnce(page, '__griddutySiteMap', 'site-edit-grid-label', 'site-edit-grid-labels')
  })

  it('bulletin and dashboard SVG maps: every community named once, with a legend and a text alternative', async () => {
    const page = await open(size, 'leader')
    await page.goto(`${app.url}/#/bulletin`)
    const bulletin = await expectSvgNames(page, 'bulletin-map')
    expect([...bulletin.names].sort()).toEqual([...communities.values()].sort())
    const legend = page.getByTestId('bulletin-map-legend')
    await legend.waitFor()
    const counted = (await legend.locator('li b').allTextContents()).reduce((s, x) => s + Number(x), 0)
    expect(counted).toBe(communities.size)

    await page.goto(`${app.url}/#/dashboard`)
    const dash = await expectSvgNames(page, 'dash-map')
    expect([...dash.names].sort()).toEqual([...communities.values()].sort())
  })

  it('我的网格: the department\'s grids named once, with a legend', async () => {
    const page = await open(size, 'rfb')
    await page.goto(`${app.url}/#/workspace`)
    const ws = await expectSvgNames(page, 'ws-map')
    const api = await loggedIn(app.url, 'rfb')
    const mine = await api.workspace.mine.query({})
    const names = new Map(mine.grids.map((g) => [g.id, g.name]))
    for (const id of ws.ids) expect(names.get(id), `grid ${id} is the department's`).toBeDefined()
    expect(ws.names.every((n) => [...names.values()].includes(n))).toBe(true)
    await page.getByTestId('ws-map-legend').waitFor()
  })
})

describe('the coverage map on a phone (390×844)', { timeout: 300_000 }, () => {
  const phone = SIZES[1]

  /** Visible, inside the viewport, at least 44×44 px. */
  async function expectReachable(page: Page, what: string, locator: ReturnType<Page['locator']>): Promise<void> {
    await expect.poll(() => locator.isVisible(), { message: `${what} visible` }).toBe(true)
    const box = (await locator.boundingBox())!
    expect(box, `${what} has a box`).toBeTruthy()
    expect(box.x, `${what} left edge on screen`).toBeGreaterThanOrEqual(0)
    expect(box.y, `${what} top edge on screen`).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width, `${what} right edge on screen`).toBeLessThanOrEqual(phone.width + 0.5)
    expect(box.y + box.height, `${what} bottom edge on screen`).toBeLessThanOrEqual(phone.height + 0.5)
    expect(box.height, `${what} height`).toBeGreaterThanOrEqual(44)
    expect(box.width, `${what} width`).toBeGreaterThanOrEqual(44)
    // and nothing covers its middle
    const onTop = await locator.evaluate((el) => {
      const r = el.getBoundingClientRect()
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
      return !!hit && (hit === el || el.contains(hit) || hit.contains(el) || (el as HTMLInputElement).labels?.[0]?.contains(hit) === true)
    })
    expect(onTop, `${what} not covered`).toBe(true)
  }

  it('every control is on screen and ≥ 44 px; the legend expands and scrolls', async () => {
    const page = await open(phone, 'leader')
    await page.goto(`${app.url}/#/`)
    await page.getByTestId('map').waitFor()
    await settle(page, '__gridduty', 'grid-labels')
    for (const id of ['level-street', 'level-community', 'month-prev', 'month-picker', 'layers-toggle', 'legend-toggle']) {
      await expectReachable(page, id, page.getByTestId(id))
    }
    // the next month is disabled in the current month, but still a full-size target
    await expectReachable(page, 'month-next', page.getByTestId('month-next'))
    await page.getByTestId('layers-toggle').tap()
    const radios = (id: string) => page.getByTestId(id).getByRole('radio')
    for (let i = 0; i < 4; i++) await expectReachable(page, `colour mode ${i}`, radios('colour-mode').nth(i))
    for (const id of ['toggle-problems', 'toggle-sites']) await expectReachable(page, id, page.locator('label', { has: page.getByTestId(id) }))
    for (let i = 0; i < 3; i++) await expectReachable(page, `problem mode ${i}`, radios('problem-mode').nth(i))
    // they work by touch: sites off and on, the heatmap and back
    await page.locator('label', { has: page.getByTestId('toggle-sites') }).tap()
    expect(await page.getByTestId('toggle-sites').isChecked()).toBe(false)
    await page.locator('label', { has: page.getByTestId('toggle-sites') }).tap()
    expect(await page.getByTestId('toggle-sites').isChecked()).toBe(true)
    await radios('problem-mode').nth(2).tap()
    await expect.poll(() => radios('problem-mode').nth(2).getAttribute('aria-checked')).toBe('true')
    await radios('problem-mode').nth(0).tap()

    // colour by department: 15+ departments; the legend opens and scrolls to its last entry, not clipped
    await radios('colour-mode').nth(1).tap()
    await page.getByTestId('layers-toggle').tap()
    await page.getByTestId('legend-toggle').tap()
    const list = page.getByTestId('legend-list')
    await list.waitFor()
    const legend = page.getByTestId('legend')
    await expect.poll(async () => (await list.locator('li').count())).toBeGreaterThan(10)
    const overflow = await legend.evaluate((el) => getComputedStyle(el).overflowY)
    expect(['auto', 'scroll']).toContain(overflow)
    const legendBox = (await legend.boundingBox())!
    expect(legendBox.y).toBeGreaterThanOrEqual(0)
    expect(legendBox.y + legendBox.height).toBeLessThanOrEqual(phone.height)
    const last = list.locator('li').last()
    await last.scrollIntoViewIfNeeded()
    const lastBox = (await last.boundingBox())!
    expect(lastBox.y).toBeGreaterThanOrEqual(legendBox.y - 0.5)
    expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(legendBox.y + legendBox.height + 0.5)
    // the controls stay reachable under the open legend
    await expectReachable(page, 'level-street (legend open)', page.getByTestId('level-street'))
    await page.screenshot({ path: path.join(OUT, 'map-phone-legend.png') })
  })

  it('a tapped grid stays visible above the half-height bottom sheet', async () => {
    const page = await open(phone, 'leader')
    await page.goto(`${app.url}/#/`)
    await page.getByTestId('map').waitFor()
    await settle(page, '__gridduty', 'grid-labels')
    // a community whose label point is low on the screen (where the sheet will be), on the bare map
    const target = await page.evaluate((points) => {
      const map = window.__gridduty!.map
      const rect = map.getContainer().getBoundingClientRect()
      const sheetTop = rect.top + rect.height * 0.5
      const candidates = points.map(([id, c]) => ({ id, p: map.project(c) }))
        .map(({ id, p }) => ({ id, x: rect.left + p.x, y: rect.top + p.y }))
        .filter(({ x, y }) => y > sheetTop + 20 && y < rect.bottom - 20 && x > rect.left + 20 && x < rect.right - 20 && document.elementFromPoint(x, y) === map.getCanvas())
      // not on a problem or site point (a tap there opens that instead)
      const pointLayers = map.getStyle().layers.map((l) => l.id).filter((l) => /^(problems?|sites?)(-|$)/.test(l))
      const hit = candidates.find(({ id, x, y }) => {
        const px = x - rect.left, py = y - rect.top
        const f = map.queryRenderedFeatures([px, py], { layers: ['grid-fill'] })[0]
        const onPoint = pointLayers.length > 0 && map.queryRenderedFeatures([[px - 3, py - 3], [px + 3, py + 3]], { layers: pointLayers }).length > 0
        return f !== undefined && Number(f.id) === id && !onPoint
      })
      return hit ?? null
    }, [...labelPoints])
    expect(target, 'a community low on the screen, not under a card').not.toBeNull()
    await page.touchscreen.tap(target!.x, target!.y)
    const panel = page.getByTestId('grid-panel')
    await panel.waitFor()
    // the sheet: half the map's height, full width, at the bottom
    const sheet = (await panel.boundingBox())!
    const mapBox = (await page.getByTestId('map').boundingBox())!
    expect(sheet.width).toBe(phone.width)
    expect(Math.round(sheet.y + sheet.height)).toBe(phone.height)
    expect(Math.abs(sheet.height - mapBox.height / 2)).toBeLessThanOrEqual(2)
    // the name comes with the grid's details ('…' while they load: reading it at once was a race)
    await expect.poll(() => page.getByTestId('panel-name').textContent(), { timeout: 15_000 }).not.toBe('…')
    const name = await page.getByTestId('panel-name').textContent()
    const id = [...communities].find(([, n]) => n === name)?.[0]
    expect(id, `the panel shows a community (${name})`).toBeDefined()
    // after the map has eased: the grid's label point is above the sheet, on screen
    await expect.poll(async () => {
      const y = await page.evaluate((c) => {
        const map = window.__gridduty!.map
        if (map.isMoving()) return null
        return map.getContainer().getBoundingClientRect().top + map.project(c).y
      }, labelPoints.get(id!)!)
      return y !== null && y < sheet.y - 10 && y > mapBox.y + 10
    }, { timeout: 15_000, message: 'the tapped grid is above the sheet' }).toBe(true)
    await page.screenshot({ path: path.join(OUT, 'map-phone-sheet.png') })
  })
})
