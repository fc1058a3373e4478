/**
 * The planner's boundary upload in a real browser: a 5 MB zipped Shapefile goes up as a file with an
 * upload progress bar and then a parsing phase, the outlines appear on the map before anything is
 * loaded, a bad file shows its error and clears the previous result, a GBK Shapefile without .cpg
 * shows its names right after detection (and garbled when UTF-8 is forced), loading puts the grids in
 * the draft; the public GCJ-02 district set read as WGS84 shows a visible warning.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { RunningApp } from '../support/appServer.ts'
import { signedInSession, startBrowserApp, stopBrowserApp } from '../support/browser.ts'
import { itWithRealBoundaries, REAL_BOUNDARIES } from '../support/realBoundaries.ts'
import { bigShapefileZip, GBK_FEATURES, OUT } from '../fixtures/import/make-boundaries.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

async function openPlanner(page: Page) {
  await page.goto(`${app.url}/#/planner`)
  await page.waitForFunction(() => !!window.__planner?.state()?.grids.length, undefined, { timeout: 60_000 })
}

/** records every phase the progress bar shows (upload, parse) from now on */
const watchPhases = (page: Page) => page.evaluate(() => {
  const w = window as unknown as { __phases: string[] }
  w.__phases = []
  new MutationObserver(() => {
    const p = document.querySelector('[data-testid="bimport-progress"]')?.getAttribute('data-phase')
    if (p && w.__phases.at(-1) !== p) w.__phases.push(p)
  }).observe(document.body, { subtree: true, childList: true, attributes: true })
})
const mapPreviewCount = (page: Page) => page.getByTestId('planner-map').getAttribute('data-import-preview').then(Number)

describe('boundary upload', () => {
  it('uploads a 5 MB Shapefile zip with progress, previews it on the map, clears it on an error, reads GBK names, loads the draft', async () => {
    const { context, page } = await signedInSession(browser, app.url, 'planner')
    await openPlanner(page)
    const big = bigShapefileZip(5 * 1024 * 1024)
    expect(big.length).toBeGreaterThan(5 * 1024 * 1024)
    const bigCount = Math.ceil(5 * 1024 * 1024 / (16 * 8000))

    // nothing can be previewed before a coordinate system is chosen
    await page.getByTestId('bimport-file').setInputFiles({ name: 'big.zip', mimeType: 'application/zip', buffer: big })
    await page.getByTestId('bimport-preview').click()
    await expect.poll(() => page.getByTestId('bimport-error').textContent(), { timeout: 30_000 }).toContain('坐标系')
    await page.getByTestId('bimport-coords-wgs84').check()

    await watchPhases(page)
    await page.getByTestId('bimport-preview').click()
    await page.getByTestId('bimport-result').waitFor({ timeout: 120_000 })
    const phases = await page.evaluate(() => (window as unknown as { __phases: string[] }).__phases)
    expect(phases).toEqual(['upload', 'parse'])
    expect(await page.getByTestId('bimport-summary').textContent()).toContain(`${bigCount} 个要素`)
    expect(await page.getByTestId('bimport-names').textContent()).toContain('大文件社区1')
    await expect.poll(() => mapPreviewCount(page), { timeout: 30_000 }).toBe(bigCount)
    // the outlines are drawn on the map (the source holds them)
    const drawn = () => page.evaluate(() => {
      const m = window.__planner!.map
      const src = m.getSource('pl-import') as unknown as { serialize(): { data: { features?: unknown[] } } } | undefined
      return m.getLayer('pl-import-line') && src ? (src.serialize().data.features?.length ?? -1) : -1
    })
    await expect.poll(drawn, { timeout: 30_000 }).toBe(bigCount)

    // a bad file: its error shown, the previous result and its outlines gone
    await page.getByTestId('bimport-file').setInputFiles({ name: 'broken.zip', mimeType: 'application/zip', buffer: Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(5000, 1)]) })
    await page.getByTestId('bimport-preview').click()
    await expect.poll(() => page.getByTestId('bimport-error').textContent(), { timeout: 60_000 }).toContain('压缩文件')
    expect(await page.getByTestId('bimport-result').count()).toBe(0)
    expect(await mapPreviewCount(page)).toBe(0)
    await expect.poll(drawn, { timeout: 30_000 }).toBe(0)

    // GBK without .cpg: names right after detection; forcing UTF-8 garbles them; back to detection
    await page.getByTestId('bimport-file').setInputFiles(path.join(OUT, 'gbk-no-cpg.zip'))
    await page.getByTestId('bimport-preview').click()
    await page.getByTestId('bimport-result').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('bimport-error').count()).toBe(0)
    expect(await page.getByTestId('bimport-names').textContent()).toBe(GBK_FEATURES.map((f) => f.名称).join('、'))
    expect(await page.getByTestId('bimport-encoding-used').getAttribute('data-encoding')).toBe('gb18030')
    await page.getByTestId('bimport-encoding').selectOption('utf-8')
    expect(await page.getByTestId('bimport-result').count()).toBe(0) // the settings changed: the old preview is gone
    await page.getByTestId('bimport-preview').click()
    await page.getByTestId('bimport-result').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('bimport-names').textContent()).not.toContain('宝塔路社区')
    await page.getByTestId('bimport-encoding').selectOption('auto')
    expect(await page.getByTestId('bimport-fields').count()).toBe(0) // field names are decoded too: the mapping starts again
    await page.getByTestId('bimport-preview').click()
    await page.getByTestId('bimport-result').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('bimport-names').textContent()).toContain('宝塔路社区')

    await page.getByTestId('bimport-load').click()
    await page.getByTestId('bimport-loaded').waitFor({ timeout: 30_000 })
    const codes = await page.evaluate(() => window.__planner!.state().grids.map((g) => g.code))
    for (const f of GBK_FEATURES) expect(codes).toContain(f.编码)
    await context.close()
  }, 300_000)

  itWithRealBoundaries('the GCJ-02 district set read as WGS84: the preview visibly warns', async () => {
    const { context, page } = await signedInSession(browser, app.url, 'planner')
    await openPlanner(page)
    await page.getByTestId('bimport-file').setInputFiles(path.join(REAL_BOUNDARIES, '610300_districts.geojson'))
    await page.getByTestId('bimport-coords-wgs84').check()
    await page.getByTestId('bimport-level').selectOption('street')
    await page.getByTestId('bimport-preview').click()
    await page.getByTestId('bimport-result').waitFor({ timeout: 120_000 })
    const warning = page.getByTestId('bimport-warnings').locator('[data-code="ADCODE_NOT_GCJ02"]')
    expect(await warning.isVisible()).toBe(true)
    expect(await warning.textContent()).toContain('GCJ-02')
    expect(await page.getByTestId('bimport-adcode').isVisible()).toBe(true)
    // chosen right: no warning
    await page.getByTestId('bimport-coords-gcj02').check()
    await page.getByTestId('bimport-preview').click()
    await page.getByTestId('bimport-result').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('bimport-warnings').count()).toBe(0)
    expect(fs.existsSync(REAL_BOUNDARIES)).toBe(true)
    await context.close()
  }, 300_000)
})
