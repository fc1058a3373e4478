/**
 * The planner page in a real browser: a planner drags a vertex of a shared border between two
 * communities held by different departments, the neighbour follows (topological edit), the impact
 * preview lists the problem placed in the moved strip, the draft is saved, and grid.locate and the
 * map agree with the new border.
 */
import path from 'node:path'
import { booleanPointInPolygon, centroid, pointOnFeature } from '@turf/turf'
import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { differenceGeom } from '../../server/domain/boundary/operations.ts'
import { moveVertex, vertexSharing, type GridGeometry } from '../../server/domain/boundary/topology.ts'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { OUT, startBrowserApp, stopBrowserApp } from '../support/browser.ts'


let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

describe('planner page', () => {
  it('drags a shared border, previews the moved problem, saves, and grid.locate agrees', async () => {
    const api = await loggedIn(app.url, 'planner')
    const fc = await api.grid.list.query({ level: 'community' })
    const streets = await api.grid.list.query({ level: 'street' })
    const grids = fc.features.map((f) => ({ id: f.properties.id, geometry: f.geometry as GridGeometry, p: f.properties }))
    const sharing = vertexSharing([...grids, ...streets.features.map((f) => ({ id: -f.properties.id, geometry: f.geometry as GridGeometry }))])
    let pick: { x: (typeof grids)[number]; y: (typeof grids)[number]; v: Position; to: Position; inner: [number, number] } | null = null
    for (const [key, ids] of sharing) {
      if (ids.length !== 2 || ids.some((i) => i < 0)) continue
      const [x, y] = grids.filter((g) => ids.includes(g.id))
      if (!x || !y || x.geometry.type !== 'Polygon' || x.p.parentId !== y.p.parentId || !x.p.holderDepartmentId || !y.p.holderDepartmentId || x.p.holderDepartmentId === y.p.holderDepartmentId) continue
      const v = key.split(',').map(Number) as Position
      const [cx, cy] = pointOnFeature(y.geometry).geometry.coordinates as [number, number]
      const d = Math.hypot(cx - v[0]!, cy - v[1]!)
      const to: Position = [v[0]! + ((cx - v[0]!) / d) * 0.0008, v[1]! + ((cy - v[1]!) / d) * 0.0008]
      const moved = moveVertex(grids, v, to)
      const gained = differenceGeom(moved.find((g) => g.id === x.id)!.geometry, x.geometry)
      if (!gained) continue
      const inner = centroid(gained).geometry.coordinates as [number, number]
      if (!booleanPointInPolygon(inner, gained, { ignoreBoundary: true })) continue
      pick = { x, y, v, to, inner }
      break
    }
    expect(pick).not.toBeNull()
    const { x, y, v, to, inner } = pick!
    const admin = await loggedIn(app.url, 'admin')
    const category = (await admin.problem.categories.query())[0]!.code
    const problem = await admin.problem.create.mutate({ lng: inner[0], lat: inner[1], categoryCode: category, description: '浏览器边界测试' })
    expect(problem.gridId).toBe(y.id)

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(app.url)
    await page.getByTestId('login-login').fill('planner')
    await page.getByTestId('login-password').fill('planner123')
    await page.getByTestId('login-password').press('Enter')
    await page.waitForFunction(() => !document.querySelector('[data-testid="login-login"]'))
    await page.goto(`${app.url}/#/planner`)
    await page.waitForFunction(() => !!window.__planner?.state()?.grids.length, undefined, { timeout: 30_000 })

    // zoom onto the vertex, select x by clicking inside it, then drag the shared vertex
    await page.evaluate(([lng, lat]) => window.__planner!.map.jumpTo({ center: [lng!, lat!], zoom: 16 }), v)
    await page.waitForTimeout(300)
    const box = (await page.getByTestId('planner-map').boundingBox())!
    const px = (p: Position) => page.evaluate(([lng, lat]) => { const q = window.__planner!.map.project([lng!, lat!]); return [q.x, q.y] as [number, number] }, p)
    const xInside = pointOnFeature(x.geometry).geometry.coordinates as Position
    await page.evaluate(([lng, lat]) => window.__planner!.map.jumpTo({ center: [lng!, lat!] }), xInside)
    await page.waitForTimeout(200)
    const [sx, sy] = await px(xInside)
    await page.mouse.click(box.x + sx, box.y + sy)
    await expect.poll(async () => page.getByTestId('planner-selected').textContent()).toContain(x.p.name)
    await page.evaluate(([lng, lat]) => window.__planner!.map.jumpTo({ center: [lng!, lat!], zoom: 16 }), v)
    await page.waitForTimeout(500)
    const [ax, ay] = await px(v)
    const [bx, by] = await px(to)
    await page.mouse.move(box.x + ax, box.y + ay)
    await page.mouse.down()
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + ax + ((bx - ax) * i) / 10, box.y + ay + ((by - ay) * i) / 10)
    await page.mouse.up()

    // both grids changed (the neighbour followed), validation is clean
    await expect.poll(() => page.evaluate(([xid, yid, ox, oy]) => {
      const s = window.__planner!.state()
      const gx = s.grids.find((g) => g.key === String(xid))!, gy = s.grids.find((g) => g.key === String(yid))!
      return JSON.stringify(gx.geometry) !== ox && JSON.stringify(gy.geometry) !== oy
    }, [x.id, y.id, JSON.stringify(x.geometry), JSON.stringify(y.geometry)] as const), { timeout: 10_000 }).toBe(true)
    await page.getByTestId('planner-valid').waitFor({ timeout: 15_000 })

    await page.getByTestId('planner-preview').click()
    const row = page.locator(`[data-testid="planner-moved"] tr[data-kind="problem"][data-id="${problem.id}"]`)
    await row.waitFor({ timeout: 15_000 })
    expect(await row.textContent()).toContain(x.p.name)
    await page.screenshot({ path: path.join(OUT, 'planner-preview.png') })

    await page.getByTestId('planner-reason').fill('浏览器测试：调整公共边界')
    await page.getByTestId('planner-save').click()
    await expect.poll(async () => (await page.getByTestId('planner-message').textContent().catch(() => '')) ?? '', { timeout: 15_000 }).toContain('1')

    const located = await api.grid.locate.query({ lng: inner[0], lat: inner[1] })
    expect(located.community?.id).toBe(x.id)
    expect((await admin.problem.byId.query({ id: problem.id })).gridId).toBe(x.id)
    // the map (reloaded from grid.list) draws the point inside x
    await page.evaluate(([lng, lat]) => window.__planner!.map.jumpTo({ center: [lng!, lat!], zoom: 16 }), inner)
    await expect.poll(() => page.evaluate(([lng, lat]) => {
      const m = window.__planner!.map
      const q = m.project([lng!, lat!])
      return m.queryRenderedFeatures([q.x, q.y], { layers: ['pl-fill'] })[0]?.properties?.key ?? null
    }, inner), { timeout: 10_000 }).toBe(String(x.id))
    expect(errors).toEqual([])
    await context.close()
  }, 180_000)
})
