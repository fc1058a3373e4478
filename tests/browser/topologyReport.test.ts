/**
 * The import's topology report in a real browser: a GeoJSON with a 20 m × 1000 m gap between four
 * grids (tests/fixtures/topology/street-gap, moved 2° east of the demo city) imported from the
 * planner page (the upload preview) shows the report under the import form: one gap, with its area, drawn on the sketch.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { FeatureCollection, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningApp } from '../support/appServer.ts'
import { NO_SERVICE_WORKER, signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

describe('topology report', () => {
  it('an import with a gap between grids lists the gap with its area and draws it', async () => {
    const fc = JSON.parse(fs.readFileSync(path.resolve('tests/fixtures/topology/street-gap/in.geojson'), 'utf8')) as FeatureCollection<Polygon, { code: string; name: string }>
    const file = JSON.stringify({ type: 'FeatureCollection', features: fc.features.map((f) => ({ type: 'Feature', properties: { name: f.properties.name, code: `98000${f.properties.code}` }, geometry: { type: 'Polygon', coordinates: f.geometry.coordinates.map((r) => r.map(([x, y]) => [x! + 2, y!])) } })) })
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await signIn(page, app.url, 'planner')
    await page.goto(`${app.url}/#/planner`)
    await page.waitForFunction(() => !!window.__planner?.state()?.grids.length, undefined, { timeout: 30_000 })
    expect(await page.getByTestId('topology-report').count()).toBe(0) // nothing imported yet

    await page.getByTestId('bimport-file').setInputFiles({ name: 'gap.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(file) })
    await page.getByTestId('bimport-coords-wgs84').check()
    await page.getByTestId('bimport-preview').click()
    const report = page.getByTestId('topology-report')
    await report.waitFor({ timeout: 60_000 })
    const items = report.getByTestId('topology-items').locator('button')
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(1)
    expect(await items.first().getAttribute('data-kind')).toBe('GAP')
    const text = await items.first().textContent()
    expect(text).toContain('空隙')
    expect(text).toMatch(/面积 0\.020 km²/) // 20 m × 1000 m
    expect(await report.locator('svg g[data-kind="GAP"] path').count()).toBe(1)
    expect(errors).toEqual([])
    await context.close()
  }, 180_000)
})
