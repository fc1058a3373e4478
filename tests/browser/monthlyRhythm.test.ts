/**
 * The monthly rhythm in a real browser: a department user on a phone-sized screen opens 我的网格
 * (#/workspace), records an inspection of a grid not yet inspected this month — location from the
 * (emulated) phone, the month's checklist, a photo — and the leader's coverage map shows that grid done.
 * Needs the hash routes of client/routes.ts wired into the app shell.
 */
import path from 'node:path'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { monthOf } from '../../server/domain/time.ts'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { OUT, signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64')

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

describe('monthly rhythm (browser)', { timeout: 150_000 }, () => {
  it('a department records an inspection on a phone; the leader sees the grid done', async () => {
    const month = monthOf(new Date())
    const api = await loggedIn(app.url, 'leader')
    const fc = await api.grid.list.query({ level: 'community', month })
    const grid = fc.features.find((f) => f.properties.holderDepartment === '市人防办' && f.properties.inspectionStatus !== 'done')
    if (!grid) throw new Error('the demo should leave a 市人防办 grid not yet inspected this month')
    const [longitude, latitude] = pointOnFeature(grid).geometry.coordinates as [number, number]

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
      locale: 'zh-CN', timezoneId: 'Asia/Shanghai', geolocation: { longitude, latitude, accuracy: 10 }, permissions: ['geolocation'],
    })
    const errors: string[] = []
    try {
      const page = await phone.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`) })
      await signIn(page, app.url, 'rfb')
      await page.goto(`${app.url}/#/workspace`)
      const card = page.locator(`[data-testid="ws-grid"][data-grid-id="${grid.properties.id}"]`)
      await card.waitFor({ timeout: 30_000 })
      expect(await card.getAttribute('data-status')).toBe(grid.properties.inspectionStatus)
      expect(await page.getByTestId('ws-days-left').textContent()).toMatch(/本月还剩 \d+ 天/)
      // nothing wider than the phone
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)

      await card.getByTestId('ws-grid-record').click()
      const form = page.getByTestId('inspection-record-form')
      await form.waitFor()
      expect(await page.getByTestId('record-grid').inputValue()).toBe(String(grid.properties.id))
      await page.getByTestId('record-checklist').waitFor()
      await expect.poll(() => page.getByTestId('record-fix').textContent(), { timeout: 15_000 }).toMatch(/已获取定位/)
      await page.getByTestId('record-findings').fill('浏览器测试：主干道整洁，无乱扔烟头')
      await page.getByTestId('record-photos').setInputFiles({ name: 'site.png', mimeType: 'image/png', buffer: PNG })
      await expect.poll(() => page.locator('.photo-previews li').count()).toBe(1)
      await expect.poll(() => page.getByTestId('record-submit').isEnabled(), { timeout: 15_000 }).toBe(true)
      await page.screenshot({ path: path.join(OUT, 'monthly-record-phone.png'), fullPage: true })
      await page.getByTestId('record-submit').click()
      await expect.poll(() => page.getByTestId('ws-notice').textContent(), { timeout: 30_000 }).toMatch(/已核验到岗/)
      await expect.poll(() => card.getAttribute('data-status'), { timeout: 30_000 }).toBe('done')
      await page.screenshot({ path: path.join(OUT, 'monthly-workspace-phone.png'), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await phone.close()
    }

    // the server has it with the photo, proven on site
    const recorded = (await api.inspection.listForMonth.query({ month, gridId: grid.properties.id }))[0]!
    expect(recorded).toMatchObject({ onSite: true, departmentName: '市人防办' })
    expect(recorded.photoIds).toHaveLength(1)

    // the leader's coverage map shows the grid done
    const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    try {
      const page = await desk.newPage()
      await page.goto(app.url)
      await page.getByTestId('login-login').fill('leader')
      await page.getByTestId('login-password').fill('leader123')
      await page.getByTestId('login-submit').click()
      await page.getByTestId('map').waitFor()
      await page.waitForFunction((id) => {
        const map = window.__gridduty?.map
        if (!map || !map.getLayer('grid-fill') || !map.loaded()) return false
        const f = map.queryRenderedFeatures({ layers: ['grid-fill'] }).find((x) => Number(x.id) === id)
        return f?.properties.inspectionStatus === 'done'
      }, grid.properties.id, { timeout: 60_000 })
    } finally {
      await desk.close()
    }
  })
})
