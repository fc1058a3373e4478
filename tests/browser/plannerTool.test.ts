/**
 * The planner as a tool, and words instead of codes, in a real browser: the planner map names each
 * grid once and finds a grid by name; a spike dragged out of a shared border shows a warning on the
 * map and in the panel (it is a warning: the draft is not blocked by it); the audit trail says who did
 * what in a sentence with the changed fields; the holder edit form comes prefilled.
 */
import path from 'node:path'
import { bbox, kinks, pointOnFeature, polygon } from '@turf/turf'
import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { moveVertex, vertexSharing, type GridGeometry } from '../../server/domain/boundary/topology.ts'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { mapIdle, NO_SERVICE_WORKER, OUT, signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

const M_PER_DEG_LAT = 110_574
async function openPlanner(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
  const page = await context.newPage()
  await signIn(page, app.url, 'planner')
  await page.goto(`${app.url}/#/planner`)
  await page.waitForFunction(() => !!window.__planner?.state()?.grids.length, undefined, { timeout: 30_000 })
  return page
}
/** the names drawn by the planner's label layers in the current view, one entry per rendered label */
const renderedLabels = (page: Page) => page.evaluate(() => {
  const m = window.__planner!.map
  return m.queryRenderedFeatures({ layers: ['pl-label', 'pl-label-street'] }).map((f) => ({ key: String(f.properties?.key), name: String(f.properties?.name) }))
})

describe('planner as a tool', () => {
  it('names each grid once on the map and finds a grid by name', async () => {
    const api = await loggedIn(app.url, 'planner')
    const communities = (await api.grid.list.query({ level: 'community' })).features
    const target = communities[Math.floor(communities.length / 2)]!
    const page = await openPlanner()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))

    // at the street level: street names; zoomed into a street: community names — each once
    await expect.poll(async () => (await renderedLabels(page)).length, { timeout: 15_000 }).toBeGreaterThan(0)
    const [x0, y0, x1, y1] = bbox(target.geometry)
    await page.evaluate(([a, b, c, d]) => window.__planner!.map.fitBounds([a!, b!, c!, d!], { padding: 200, animate: false }), [x0, y0, x1, y1])
    await expect.poll(async () => (await renderedLabels(page)).filter((l) => communities.some((c) => String(c.properties.id) === l.key)).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(3)
    const labels = await renderedLabels(page)
    const keys = labels.map((l) => l.key)
    expect(new Set(keys).size).toBe(keys.length) // no grid named twice
    const names = labels.map((l) => l.name)
    expect(new Set(names).size).toBe(names.length)
    expect(names).toContain(target.properties.name)

    // search: type part of the name, pick with Enter → selected and the map moved onto it
    const other = communities.find((c) => c.properties.id !== target.properties.id && communities.filter((d) => d.properties.name.includes(c.properties.name.slice(0, 3))).length === 1) ?? communities[0]!
    await page.evaluate(() => window.__planner!.map.jumpTo({ center: [0, 0], zoom: 10 }))
    await page.getByTestId('planner-search-input').fill(other.properties.name.slice(0, 3))
    await page.getByTestId('planner-search-results').getByRole('option', { name: new RegExp(other.properties.name) }).waitFor()
    await page.getByTestId('planner-search-input').press('Enter')
    await expect.poll(async () => page.getByTestId('planner-selected').textContent()).toContain(other.properties.name)
    const [ox0, oy0, ox1, oy1] = bbox(other.geometry)
    await expect.poll(() => page.evaluate(([a, b, c, d]) => { const q = window.__planner!.map.getCenter(); return q.lng >= a! && q.lng <= c! && q.lat >= b! && q.lat <= d! }, [ox0, oy0, ox1, oy1]), { timeout: 10_000 }).toBe(true)
    await expect.poll(async () => (await renderedLabels(page)).filter((l) => l.key === String(other.properties.id)).length, { timeout: 10_000 }).toBe(1)
    expect(errors).toEqual([])
    await page.context().close()
  }, 180_000)

  it('shows a warning on the map for a spike dragged out of a border', async () => {
    const api = await loggedIn(app.url, 'planner')
    const fc = await api.grid.list.query({ level: 'community' })
    const streets = await api.grid.list.query({ level: 'street' })
    const grids = fc.features.map((f) => ({ id: f.properties.id, geometry: f.geometry as GridGeometry, p: f.properties }))
    const sharing = vertexSharing([...grids, ...streets.features.map((f) => ({ id: -f.properties.id, geometry: f.geometry as GridGeometry }))])
    const ring = (g: GridGeometry) => (g.type === 'Polygon' ? g.coordinates[0]! : [])
    const metres = (a: Position, b: Position) => Math.hypot((a[0]! - b[0]!) * M_PER_DEG_LAT * Math.cos((a[1]! * Math.PI) / 180), (a[1]! - b[1]!) * M_PER_DEG_LAT)
    // a vertex v shared by two communities x, y only, whose neighbours on x are close together (a narrow base),
    // pulled 300 m into y: a spike of x (x stays a simple polygon: terra-draw refuses a self-crossing drag)
    let pick: { x: (typeof grids)[number]; v: Position; to: Position } | null = null
    search: for (const [key, ids] of sharing) {
      if (ids.length !== 2 || ids.some((i) => i < 0)) continue
      for (const [x, y] of [[grids.find((g) => g.id === ids[0])!, grids.find((g) => g.id === ids[1])!], [grids.find((g) => g.id === ids[1])!, grids.find((g) => g.id === ids[0])!]]) {
      if (x!.geometry.type !== 'Polygon' || y!.geometry.type !== 'Polygon') continue
      const v = key.split(',').map(Number) as Position
      const r = ring(x!.geometry)
      const i = r.findIndex((q) => q[0] === v[0] && q[1] === v[1])
      const n = r.length - 1
      const prev = r[(i - 1 + n) % n]!, next = r[(i + 1) % n]!
      if (metres(prev, next) > 160 || metres(prev, v) < 25 || metres(next, v) < 25) continue
      const [cx, cy] = pointOnFeature(y!.geometry).geometry.coordinates as [number, number]
      const k = Math.cos((v[1]! * Math.PI) / 180)
      const dx = (cx - v[0]!) * k, dy = cy - v[1]!, d = Math.hypot(dx, dy)
      const to: Position = [v[0]! + ((dx / d) * 300) / M_PER_DEG_LAT / k, v[1]! + ((dy / d) * 300) / M_PER_DEG_LAT]
      const moved = moveVertex(grids, v, to).find((g) => g.id === x!.id)!
      if (moved.geometry.type !== 'Polygon' || kinks(polygon(moved.geometry.coordinates)).features.length > 0) continue
      // the tip's angle (seen from the pulled vertex) under 30°: a spike by any reading
      const mr = moved.geometry.coordinates[0]!, mi = mr.findIndex((q) => q[0] === to[0] && q[1] === to[1])
      if (mi < 0) continue
      const mp = mr[(mi - 1 + n) % n]!, mn = mr[(mi + 1) % n]!
      const ang = (p: Position) => Math.atan2(p[1]! - to[1]!, (p[0]! - to[0]!) * k)
      let tip = Math.abs(ang(mp) - ang(mn)) * 180 / Math.PI
      if (tip > 180) tip = 360 - tip
      if (tip >= 30) continue
      pick = { x: x!, v, to }
      break search
      }
    }
    expect(pick).not.toBeNull()
    const { x, v, to } = pick!

    const page = await openPlanner()
    await page.evaluate((key) => window.__planner!.select(key), String(x.id))
    await expect.poll(async () => page.getByTestId('planner-selected').textContent()).toContain(x.p.name)
    await page.evaluate(([a, b, c, d]) => window.__planner!.map.fitBounds([[Math.min(a!, c!), Math.min(b!, d!)], [Math.max(a!, c!), Math.max(b!, d!)]], { padding: 220, animate: false, maxZoom: 17 }), [v[0], v[1], to[0], to[1]])
    await mapIdle(page, '__planner')
    const box = (await page.getByTestId('planner-map').boundingBox())!
    const px = (p: Position) => page.evaluate(([lng, lat]) => { const q = window.__planner!.map.project([lng!, lat!]); return [q.x, q.y] as [number, number] }, p)
    const [ax, ay] = await px(v), [bx, by] = await px(to)
    await page.mouse.move(box.x + ax, box.y + ay)
    await page.mouse.down()
    for (let i = 1; i <= 15; i++) await page.mouse.move(box.x + ax + ((bx - ax) * i) / 15, box.y + ay + ((by - ay) * i) / 15)
    await page.mouse.up()

    // the panel lists the spike as a warning, and the map draws its marker at the tip
    await page.getByTestId('planner-warnings').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('planner-warnings').textContent()).toContain('尖刺')
    await expect.poll(() => page.evaluate(([lng, lat]) => {
      const m = window.__planner!.map
      const q = m.project([lng!, lat!])
      return m.queryRenderedFeatures([[q.x - 25, q.y - 25], [q.x + 25, q.y + 25]], { layers: ['pl-warn-point'] }).map((f) => f.properties?.code)
    }, to), { timeout: 10_000 }).toContain('SPIKE')
    // a warning, not a block: no issue of the spike's own making is listed as a warning's code
    const blockingCodes = await page.locator('[data-testid="planner-issues"] .pl-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')))
    expect(blockingCodes).not.toContain('SPIKE')
    await page.screenshot({ path: path.join(OUT, 'planner-spike-warning.png') })
    await page.context().close()
  }, 180_000)
})

describe('admin in words', () => {
  it('prefills the holder edit form, asks before reassigning, and the audit trail says it in a sentence with the changed fields', async () => {
    const api = await loggedIn(app.url, 'admin')
    const communities = (await api.grid.list.query({ level: 'community' })).features
    const grid = communities.find((f) => f.properties.holderDepartmentId)!
    const [current] = (await api.holder.history.query({ gridId: grid.properties.id })).filter((h) => h.validTo === null)
    expect(current).toBeDefined()
    const depts = await api.department.list.query()
    const other = depts.find((d) => d.id !== current!.departmentId)!

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await signIn(page, app.url, 'admin')
    await page.goto(`${app.url}/#/admin`)
    await page.getByRole('tab', { name: '包抓分配' }).click()
    await page.getByTestId('holder-grid').selectOption(String(grid.properties.id))
    // prefilled from the current holder
    await expect.poll(() => page.getByTestId('holder-department').inputValue(), { timeout: 10_000 }).toBe(String(current!.departmentId))
    expect(await page.getByTestId('holder-cadre').inputValue()).toBe(current!.cadreName)
    expect(await page.getByTestId('holder-phone').inputValue()).toBe(current!.contactPhone)
    expect(await page.getByTestId('holder-from').inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/)

    // the date picker: open it, move a day on with the keyboard, pick with Enter
    const before = await page.getByTestId('holder-from').inputValue()
    await page.getByTestId('holder-from-open').click()
    await page.getByTestId('holder-from-calendar').waitFor()
    expect(await page.getByTestId('holder-from-calendar').textContent()).toMatch(/年.*月/)
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('holder-from').inputValue()).not.toBe(before)
    const day = await page.getByTestId('holder-from').inputValue()

    // reassign to another department: a confirmation first; cancel keeps everything
    await page.getByTestId('holder-department').selectOption(String(other.id))
    await page.getByTestId('holder-submit').click()
    await page.getByTestId('confirm-dialog').waitFor()
    expect(await page.getByTestId('confirm-dialog').textContent()).toContain(other.name)
    await page.getByTestId('confirm-cancel').click()
    expect(await page.getByTestId('confirm-dialog').count()).toBe(0)
    expect((await api.holder.history.query({ gridId: grid.properties.id })).find((h) => h.validTo === null)!.departmentId).toBe(current!.departmentId)
    await page.getByTestId('holder-submit').click()
    await page.getByTestId('confirm-ok').click()
    // success in its own style, not the error style
    await page.getByTestId('admin-ok').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('admin-ok').getAttribute('class')).toBe('msg-ok')
    expect(await page.getByTestId('admin-ok').evaluate((e) => getComputedStyle(e).color)).not.toBe('rgb(200, 16, 46)')
    // the message is stale once a field changes
    await page.getByTestId('holder-cadre').fill('新的包抓领导')
    expect(await page.getByTestId('admin-ok').count()).toBe(0)

    // the audit trail: a sentence, and the changed fields with labels and names (no codes, no JSON)
    await page.getByRole('tab', { name: '审计日志' }).click()
    const first = page.locator('[data-testid="audit-list"] > li').first()
    await first.waitFor({ timeout: 10_000 })
    const sentence = await first.locator('.audit-sentence').textContent()
    expect(sentence).toContain(`更改了网格「${grid.properties.name}」的包抓部门`)
    const rows = await first.locator('.audit-diff tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)))
    expect(rows).toContainEqual(['部门', current!.departmentName, other.name])
    expect(rows).toContainEqual(['起始时间', expect.any(String), day])
    const text = (await first.textContent())!
    expect(text).not.toContain('holder.assign')
    expect(text).not.toContain('{')
    expect(text).not.toContain('departmentId')
    await page.screenshot({ path: path.join(OUT, 'admin-audit-words.png') })
    expect(errors).toEqual([])
    await context.close()
  }, 180_000)

  it("a problem's detail shows a small map of its place with its grid's outline, not raw coordinates", async () => {
    const admin = await loggedIn(app.url, 'admin')
    const grid = (await admin.grid.list.query({ level: 'community' })).features[3]!
    const [lng, lat] = pointOnFeature(grid.geometry).geometry.coordinates as [number, number]
    const problem = await admin.problem.create.mutate({ lng, lat, categoryCode: (await admin.problem.categories.query())[0]!.code, description: '位置小地图测试' })
    expect(problem.gridId).toBe(grid.properties.id)
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const page = await context.newPage()
    await signIn(page, app.url, 'admin')
    await page.goto(`${app.url}/#/problems?id=${problem.id}`)
    await page.getByTestId('problem-place-map').waitFor()
    expect(await page.getByTestId('problem-place-map').getAttribute('aria-label')).toContain(grid.properties.name)
    await expect.poll(() => page.evaluate(() => {
      const m = window.__problemPlace
      if (!m) return [0, 0, 0]
      return ['place-grid-line', 'place-point', 'place-grid-label'].map((l) => m.queryRenderedFeatures({ layers: [l] }).length)
    }), { timeout: 15_000 }).toEqual([expect.any(Number), 1, 1])
    expect(await page.evaluate(() => window.__problemPlace!.queryRenderedFeatures({ layers: ['place-grid-line'] }).length)).toBeGreaterThan(0)
    expect(await page.getByTestId('problem-detail').textContent()).not.toContain(lng.toFixed(6))
    await context.close()
  }, 120_000)
})

