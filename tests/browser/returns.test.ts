/**
 * 退单 in a real browser (headless Chromium): a 路面破损 problem in 市人防办's grid is routed to 市住建局 by
 * the matrix, and the drawer says why; 住建局 returns it (reason, suggested department); the leader rules it
 * (reassign to 市城管局); the drawer shows the new department, the ruling and both events in the timeline;
 * the leader's bell announced the return and the department's bell shows the ruling.
 * No console errors, no failed requests.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { signedInSession, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

const session = (user: string) => signedInSession(browser, app.url, user)

describe('退单 in the browser', () => {
  it('a department returns a problem, the leader reassigns it, the drawer shows the new department and the ruling', async () => {
    const api = await loggedIn(app.url, 'leader')
    const f = (await api.grid.list.query({ level: 'community' })).features.find((x) => x.properties.name === '南面滩社区')!
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    const p = await api.problem.create.mutate({ lng, lat, categoryCode: 'LM01', description: '浏览器测试：路面坑洼' })
    await api.problem.transition.mutate({ id: p.id, version: 1, action: 'register' })
    await api.problem.transition.mutate({ id: p.id, version: 2, action: 'dispatch' })

    // 住建局 sees why it got the problem, and returns it
    const zjj = await session('zjj')
    await zjj.page.goto(`${app.url}/#/problems?id=${p.id}`)
    await zjj.page.getByTestId('problem-detail').waitFor()
    await expect.poll(() => zjj.page.getByTestId('detail-department').textContent()).toBe('市住建局')
    expect(await zjj.page.getByTestId('routing-why').textContent()).toBe('全市的「路面破损」类问题由市住建局处置')
    expect(await zjj.page.getByTestId('routing-supervising').textContent()).toBe('市人防办')
    await zjj.page.getByTestId('return-open').click()
    await zjj.page.getByTestId('return-reason').fill('该路段属城管局管养')
    await zjj.page.getByTestId('return-suggest').selectOption({ label: '市城管局' })
    await zjj.page.getByTestId('return-submit').click()
    await expect.poll(() => zjj.page.getByTestId('detail-message').textContent()).toBe('已退单，等待文明办裁定')
    await expect.poll(() => zjj.page.getByTestId('return-list').locator('li').first().getAttribute('data-status')).toBe('pending')
    expect(await zjj.page.getByTestId('return-form').count()).toBe(0)

    // the leader rules: reassign to the suggested department
    const leader = await session('leader')
    // the leader's bell says a return waits for a ruling (checked on the map: the problem drawer covers the header)
    const bellHas = async (page: typeof leader.page, title: string) => {
      await page.getByTestId('notification-bell').click()
      await page.getByTestId('notification-panel').waitFor()
      const titles = await page.getByTestId('notification-item').locator('.nb-title').allTextContents()
      await page.getByTestId('notification-bell').click()
      return titles.includes(title)
    }
    await expect.poll(() => bellHas(leader.page, `问题 #${p.id} 被退单，待裁定`), { timeout: 15_000 }).toBe(true)
    await leader.page.goto(`${app.url}/#/problems?id=${p.id}`)
    await leader.page.getByTestId('ruling-form').waitFor()
    expect(await leader.page.getByTestId('ruling-reassign').isChecked()).toBe(true)
    await expect.poll(() => leader.page.getByTestId('ruling-department').locator('option:checked').textContent()).toBe('市城管局')
    await leader.page.getByTestId('ruling-note').fill('经核实属城管局职责')
    await leader.page.getByTestId('ruling-submit').click()
    await expect.poll(() => leader.page.getByTestId('detail-department').textContent()).toBe('市城管局')
    await expect.poll(() => leader.page.getByTestId('return-ruling').textContent()).toContain('改派至 市城管局')
    expect(await leader.page.getByTestId('return-ruling').textContent()).toContain('经核实属城管局职责')
    expect(await leader.page.getByTestId('routing-why').getAttribute('data-basis')).toBe('ruling')
    const timeline = await leader.page.getByTestId('detail-timeline').locator('li b').allTextContents()
    expect(timeline).toEqual(['上报', '立案', '派遣', '退单', '退单裁定'])
    expect(await leader.page.getByTestId('ruling-form').count()).toBe(0)
    // the returning department's bell shows the outcome
    await zjj.page.goto(`${app.url}/#/`)
    await zjj.page.getByTestId('header').waitFor()
    await expect.poll(() => bellHas(zjj.page, `问题 #${p.id} 的退单已裁定：改派市城管局`), { timeout: 15_000 }).toBe(true)

    expect(zjj.problems).toEqual([])
    expect(leader.problems).toEqual([])
    await zjj.context.close()
    await leader.context.close()
  }, 240_000)
})
