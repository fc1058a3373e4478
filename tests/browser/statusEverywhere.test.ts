/**
 * One grid-month state everywhere, in a real browser (issue 11 §1): a department checks in 4 km outside
 * a grid — the grid stays 未核实 (unverified, not green) on the leader's map, in 我的网格, in the ranking
 * and on the bulletin's map; then it checks in inside the grid — the grid turns done everywhere.
 * The phone's position comes from Playwright's geolocation emulation.
 */
import { bbox as geometryBbox, destination, pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { monthOf } from '../../server/domain/time.ts'
import { GRID_MONTH_STATUS } from '../../server/domain/vocabulary/status.ts'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { NO_SERVICE_WORKER, signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

const DEPT = '市人防办'

describe('one grid-month state everywhere (browser)', { timeout: 280_000 }, () => {
  it('outside the grid → unverified everywhere; on site → done everywhere', async () => {
    const month = monthOf(new Date())
    const api = await loggedIn(app.url, 'leader')
    const fc = await api.grid.list.query({ level: 'community', month })
    const grid = fc.features.find((f) => f.properties.holderDepartment === DEPT && f.properties.inspectionStatus === 'pending')
    if (!grid) throw new Error(`the demo should leave a ${DEPT} grid not inspected this month`)
    const gid = grid.properties.id
    const inside = pointOnFeature(grid).geometry.coordinates as [number, number]
    const [, , , maxLat] = geometryBbox(grid)
    const far = destination([inside[0], maxLat], 4, 0).geometry.coordinates as [number, number] // 4 km north of the grid

    const errors: string[] = []
    const context = async (where?: [number, number]): Promise<{ ctx: BrowserContext; page: Page }> => {
      const ctx = await browser.newContext({
        viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
        ...(where ? { geolocation: { longitude: where[0], latitude: where[1], accuracy: 10 }, permissions: ['geolocation'] } : {}), ...NO_SERVICE_WORKER,
      })
      const page = await ctx.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`) })
      return { ctx, page }
    }

    /** The department records from 我的网格 with the phone at `where`; returns the card's state afterwards. */
    const record = async (where: [number, number], expectState: string) => {
      const { ctx, page } = await context(where)
      try {
        await signIn(page, app.url, 'rfb')
        await page.goto(`${app.url}/#/workspace`)
        const card = page.locator(`[data-testid="ws-grid"][data-grid-id="${gid}"]`)
        await card.waitFor({ timeout: 30_000 })
        await card.getByTestId('ws-grid-record').click()
        await page.getByTestId('inspection-record-form').waitFor()
        await expect.poll(() => page.getByTestId('record-fix').textContent(), { timeout: 15_000 }).toMatch(/已获取定位/)
        await page.getByTestId('record-findings').fill('浏览器测试：状态一致性')
        await expect.poll(() => page.getByTestId('record-submit').isEnabled(), { timeout: 15_000 }).toBe(true)
        await page.getByTestId('record-submit').click()
        // 我的网格
        await expect.poll(() => card.getAttribute('data-status'), { timeout: 30_000 }).toBe(expectState)
        expect(await card.getByTestId('ws-grid-status').textContent()).toBe(expectState === 'done' ? '已检查' : '未核实')
      } finally {
        await ctx.close()
      }
    }

    /** What the leader sees: the map's state, the ranking's figures for the department, the bulletin map's state. */
    const leaderViews = async () => {
      const { ctx, page } = await context()
      try {
        await signIn(page, app.url, 'leader')
        await page.goto(`${app.url}/#/`)
        await page.getByTestId('map').waitFor()
        const mapState = await page.waitForFunction((id) => {
          const map = window.__gridduty?.map
          if (!map || !map.getLayer('grid-fill') || !map.loaded()) return null
          const f = map.queryRenderedFeatures({ layers: ['grid-fill'] }).find((x) => Number(x.id) === id)
          return (f?.properties.inspectionStatus as string | undefined) ?? null
        }, gid, { timeout: 60_000 }).then((h) => h.jsonValue())

        await page.goto(`${app.url}/#/dashboard`)
        const row = page.locator('[data-testid="ranking-row"]', { hasText: DEPT })
        await row.first().waitFor({ timeout: 30_000 })
        const cells = (await row.first().locator('td').allTextContents()).map((x) => x.trim())

        await page.goto(`${app.url}/#/bulletin`)
        await page.getByTestId('bulletin-month').selectOption(month)
        const path = page.locator(`[data-testid="bulletin-map"] path[data-grid-id="${gid}"]`)
        await expect.poll(async () => (await path.count()) > 0 && await page.getByTestId('bulletin-lead').textContent().then((t) => t?.includes(month)), { timeout: 30_000 }).toBe(true)
        const bulletinState = await path.getAttribute('data-state')
        const bulletinFill = await path.getAttribute('data-fill')
        return { mapState, onSite: Number(cells[3]), unverified: Number(cells[4]), bulletinState, bulletinFill }
      } finally {
        await ctx.close()
      }
    }

    const before = await leaderViews()
    expect(before.mapState).toBe('pending')
    expect(before.bulletinState).toBe('pending')

    await record(far, 'unverified')
    const off = await leaderViews()
    expect(off.mapState).toBe('unverified')
    expect(off.bulletinState).toBe('unverified')
    expect([off.onSite - before.onSite, off.unverified - before.unverified]).toEqual([0, 1])
    const GREEN = GRID_MONTH_STATUS.done.colour
    expect(off.bulletinFill).not.toBe(GREEN)

    await record(inside, 'done')
    const on = await leaderViews()
    expect(on.mapState).toBe('done')
    expect(on.bulletinState).toBe('done')
    expect([on.onSite - before.onSite, on.unverified - before.unverified]).toEqual([1, 0])
    expect(on.bulletinFill).toBe(GREEN)
    expect(errors).toEqual([])
  })
})
