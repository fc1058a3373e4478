/**
 * The planner page in a real browser: a planner drags a vertex of a shared border between two
 * communities held by different departments, the neighbour follows (topological edit), the impact
 * preview lists the problem placed in the moved strip, the draft is saved, and grid.locate and the
 * map agree with the new border.
 */
import path from 'node:path'
import { booleanPointInPolygon, centroid, kinks, pointOnFeature, polygon } from '@turf/turf'
import type { Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { differenceGeom } from '../../server/domain/boundary/operations.ts'
import { moveVertex, vertexSharing, type GridGeometry } from '../../server/domain/boundary/topology.ts'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { mapIdle, NO_SERVICE_WORKER, OUT, startBrowserApp, stopBrowserApp } from '../support/browser.ts'


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

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
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
    await mapIdle(page, '__planner')
    const box = (await page.getByTestId('planner-map').boundingBox())!
    const px = (p: Position) => page.evaluate(([lng, lat]) => { const q = window.__planner!.map.project([lng!, lat!]); return [q.x, q.y] as [number, number] }, p)
    const xInside = pointOnFeature(x.geometry).geometry.coordinates as Position
    await page.evaluate(([lng, lat]) => window.__planner!.map.jumpTo({ center: [lng!, lat!] }), xInside)
    await mapIdle(page, '__planner')
    const [sx, sy] = await px(xInside)
    await page.mouse.click(box.x + sx, box.y + sy)
    await expect.poll(async () => page.getByTestId('planner-selected').textContent()).toContain(x.p.name)
    await page.evaluate(([lng, lat]) => window.__planner!.map.jumpTo({ center: [lng!, lat!], zoom: 16 }), v)
    await mapIdle(page, '__planner')
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
    await expect.poll(async () => (await page.getByTestId('planner-message').textContent().catch(() => '')) ?? '', { timeout: 15_000 }).toMatch(/^(已保存为版本|Saved as version) 1$/) // the first version of a fresh database

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

  it('snaps a dragged vertex onto a neighbouring edge and inserts it into the neighbour', async () => {
    const api = await loggedIn(app.url, 'planner')
    const grids = (await api.grid.list.query({ level: 'community' })).features.map((f) => ({ id: f.properties.id, geometry: f.geometry as GridGeometry, name: f.properties.name }))
    const ring = (g: (typeof grids)[number]) => (g.geometry.type === 'Polygon' ? g.geometry.coordinates[0]! : [])
    const eq = (a: Position, b: Position) => a[0] === b[0] && a[1] === b[1]
    // a vertex v of x and an edge a–b of another grid y (not holding v) whose middle m is near v and far from every other vertex
    let pick: { x: (typeof grids)[number]; y: (typeof grids)[number]; v: Position; a: Position; b: Position; m: Position } | null = null
    search: for (const x of grids) {
      for (const v of ring(x).slice(0, -1)) {
        for (const y of grids) {
          if (y.id === x.id) continue
          const r = ring(y)
          for (let i = 0; i < r.length - 1; i++) {
            const a = r[i]!, b = r[i + 1]!
            if (r.some((q) => eq(q, v)) || Math.hypot(b[0]! - a[0]!, b[1]! - a[1]!) < 0.0008) continue
            const m: Position = [(a[0]! + b[0]!) / 2, (a[1]! + b[1]!) / 2]
            const d = Math.hypot(m[0]! - v[0]!, m[1]! - v[1]!)
            if (d < 0.0003 || d > 0.0012) continue
            if (grids.some((g) => g.id !== x.id && ring(g).some((q) => Math.hypot(q[0]! - m[0]!, q[1]! - m[1]!) < 0.0002))) continue
            // x stays a simple polygon (terra-draw refuses self-intersecting drags)
            if (kinks(polygon([ring(x).map((q) => (eq(q, v) ? m : q))])).features.length > 0) continue
            pick = { x, y, v, a, b, m }
            break search
          }
        }
      }
    }
    expect(pick).not.toBeNull()
    const { x, y, v, a, b, m } = pick!

    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const page = await context.newPage()
    await page.goto(app.url)
    await page.getByTestId('login-login').fill('planner')
    await page.getByTestId('login-password').fill('planner123')
    await page.getByTestId('login-password').press('Enter')
    await page.waitForFunction(() => !document.querySelector('[data-testid="login-login"]'))
    await page.goto(`${app.url}/#/planner`)
    await page.waitForFunction(() => !!window.__planner?.state()?.grids.length, undefined, { timeout: 30_000 })
    await page.evaluate((key) => window.__planner!.select(key), String(x.id))
    await expect.poll(async () => page.getByTestId('planner-selected').textContent()).toContain(x.name)
    await page.evaluate(([lng, lat]) => window.__planner!.map.jumpTo({ center: [lng!, lat!], zoom: 18 }), [(v[0]! + m[0]!) / 2, (v[1]! + m[1]!) / 2])
    await mapIdle(page, '__planner')
    const box = (await page.getByTestId('planner-map').boundingBox())!
    const px = (p: Position) => page.evaluate(([lng, lat]) => { const q = window.__planner!.map.project([lng!, lat!]); return [q.x, q.y] as [number, number] }, p)
    const [vx, vy] = await px(v), [mx, my] = await px(m), [ex, ey] = await px(b)
    // drop 4 px beside the edge's middle (perpendicular in screen space)
    const len = Math.hypot(ex - mx, ey - my), tx = mx - ((ey - my) / len) * 4, ty = my + ((ex - mx) / len) * 4
    await page.mouse.move(box.x + vx, box.y + vy)
    await page.mouse.down()
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + vx + ((tx - vx) * i) / 10, box.y + vy + ((ty - vy) * i) / 10)
    await page.mouse.up()

    // the dragged vertex: the one point of x's ring that is new
    const read = () => page.evaluate(([xid, yid]) => {
      const s = window.__planner!.state()
      const ringOf = (key: string) => (s.grids.find((g) => g.key === key)!.geometry as { coordinates: number[][][] }).coordinates[0]!
      return { rx: ringOf(String(xid)), ry: ringOf(String(yid)) }
    }, [x.id, y.id] as const)
    const fresh = (rx: number[][]) => rx.find((q) => !ring(x).some((o) => eq(o, q)))
    await expect.poll(async () => fresh((await read()).rx) ?? null, { timeout: 10_000 }).not.toBeNull()
    const { rx, ry } = await read()
    const at = fresh(rx)!
    expect(ry.some((q) => eq(q, at))).toBe(true)
    // the moved vertex lies on the neighbour's former edge a–b (y holds it: no gap / T-junction)
    const dx = b[0]! - a[0]!, dy = b[1]! - a[1]!
    expect(Math.abs((at[0]! - a[0]!) * dy - (at[1]! - a[1]!) * dx) / Math.hypot(dx, dy)).toBeLessThan(1e-9)
    expect(Math.hypot(at[0]! - m[0]!, at[1]! - m[1]!)).toBeLessThan(0.0004)
    await context.close()
  }, 180_000)
})
