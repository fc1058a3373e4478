/**
 * The integrity page and the admin's holiday calendar in a real browser: a leader opens 造假迹象 (#/integrity),
 * sees the department × signal table and the eight rules with their thresholds, and drills into a signal;
 * an admin sees the 2026 国庆 调休 Saturday on 系统管理 → 节假日日历, and previews and imports a grid register
 * with errors on 系统管理 → 网格台账 (each bad row by number; the good rows imported).
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { pointOnFeature } from '@turf/turf'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { NO_SERVICE_WORKER, signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

describe('integrity page and holiday calendar (browser)', { timeout: 150_000 }, () => {
  it('a leader reads the signals and their rules; an admin reads the calendar', async () => {
    // a problem of 市人防办 voided now: its 合并与作废 cell has at least one record
    const api = await loggedIn(app.url, 'leader')
    const fc = await api.grid.list.query({ level: 'community' })
    const [lng, lat] = pointOnFeature(fc.features.find((x) => x.properties.name === '南面滩社区')!).geometry.coordinates as [number, number]
    const p = await api.problem.create.mutate({ lng, lat, categoryCode: 'XX02', description: '浏览器测试：作废' })
    await api.problem.transition.mutate({ id: p.id, version: p.version, action: 'void', note: '重复' })
    const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const errors: string[] = []
    try {
      const page = await context.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      await signIn(page, app.url, 'leader')
      await page.goto(`${app.url}/#/integrity`)
      await page.getByTestId('integrity-rules').waitFor()
      expect(await page.getByTestId('integrity-rules').locator('dd').count()).toBe(8)
      // the last-day rule shows the threshold the server applied (3 days, share 0.5, 5 inspections)
      expect(await page.getByTestId('integrity-rules').textContent()).toContain('最后 3 天')
      await page.locator(`[data-testid="cell-${p.departmentId}-mergeVoid"]`).click()
      await page.getByTestId('integrity-drill').waitFor()
      await page.getByTestId('integrity-drill').locator(`a[href="#/problems?id=${p.id}"]`).waitFor()
      await context.clearCookies()
      await signIn(page, app.url, 'admin')
      await page.goto(`${app.url}/#/admin`)
      await page.getByRole('tab', { name: '节假日日历' }).click()
      await page.getByTestId('admin-calendar').waitFor()
      await page.getByTestId('admin-calendar').locator('input[type=number]').fill('2026')
      await page.getByTestId('admin-calendar').getByText('2026-10-10').waitFor()
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('an admin previews a register with errors (each bad row by number), imports the good rows and exports', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const errors: string[] = []
    try {
      const page = await context.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      await signIn(page, app.url, 'admin')
      await page.goto(`${app.url}/#/admin`)
      await page.getByRole('tab', { name: '网格台账' }).click()
      await page.getByTestId('register-on').waitFor()
      await page.getByTestId('register-file').setInputFiles(path.resolve('tests/fixtures/import/register/errors.xlsx'))
      await page.getByTestId('register-preview').click()
      await page.getByTestId('register-bad-rows').waitFor()
      // errors.xlsx's rows 3, 5, 6, 8–11, 13 (row 4's name is unique in this database)
      expect(await page.getByTestId('register-bad-rows').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row')))).toEqual(['3', '5', '6', '8', '9', '10', '11', '13'])
      expect(await page.getByTestId('register-bad-rows').textContent()).toContain('包抓部门不存在')
      expect(await page.getByTestId('register-commit-all').isDisabled()).toBe(true)
      await page.getByTestId('register-commit-good').click()
      await page.getByTestId('register-done').waitFor()
      expect(await page.getByTestId('register-done').textContent()).toContain('新增 4')
      const href = await page.getByTestId('register-export-csv').getAttribute('href')
      const res = await page.request.get(`${app.url}${href}`)
      expect(res.status()).toBe(200)
      expect((await res.text()).split('\r\n')[0]).toContain('网格编码,网格名称,所属街道,包抓部门,责任人,职务,联系人,联系电话,生效日期,失效日期')
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
