/**
 * A mock evaluation in a real browser: a leader on a phone-sized screen opens 模拟测评
 * (#/mock-evaluation), draws one 农贸市场 with a fixed seed, enters a lost point on the first
 * indicator of the score sheet, saves, and turns it into a problem with one button. The problem is
 * at the site, from the evaluation, assigned to the department holding the site's grid: that
 * department sees it in its list and it is on the problem map.
 * Needs the hash routes of client/routes.ts wired into the app shell.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { booleanPointInPolygon, distance, pointOnFeature } from '@turf/turf'
import type { Browser } from 'playwright-core'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { NO_SERVICE_WORKER, OUT, signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

const users = JSON.parse(fs.readFileSync('data/demo/users.json', 'utf8')) as { login: string; role: string; department: string | null }[]

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

describe('mock evaluation (browser)', { timeout: 150_000 }, () => {
  it('draws a sample, scores a lost point on a phone and turns it into a problem for the right department', async () => {
    const api = await loggedIn(app.url, 'leader')
    // what the page will draw (same parameters and seed → same site)
    const preview = await api.mock.draw.mutate({ name: 'preview', by: 'type', types: ['农贸市场'], perStratum: 1, seed: 20261123, preview: true })
    const expected = preview.sites[0]!
    expect(expected.departmentId).not.toBeNull()

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const errors: string[] = []
    try {
      const page = await phone.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`) })
      await signIn(page, app.url, 'leader')
      await page.goto(`${app.url}/#/mock-evaluation`)
      await page.getByTestId('mock-draw').waitFor()
      await page.getByTestId('mock-name').fill('浏览器模拟测评')
      await page.getByTestId('mock-type-农贸市场').check()
      await page.getByTestId('mock-n').fill('1')
      await page.getByTestId('mock-seed').fill('20261123')
      await page.getByTestId('mock-create').click()

      const sheet = page.getByTestId(`sheet-${expected.siteId}`)
      await sheet.waitFor({ timeout: 20_000 })
      const line = sheet.locator('.sheet-line').first()
      await line.getByTestId('lost-input').fill('1')
      await line.getByTestId('note-input').fill('市场外占道经营')
      await sheet.getByTestId('save-scores').click()
      await line.getByTestId('to-problem').waitFor({ timeout: 20_000 })
      await page.screenshot({ path: path.join(OUT, 'mock-evaluation-phone.png'), fullPage: false })
      await line.getByTestId('to-problem').click()
      await line.getByTestId('converted').waitFor({ timeout: 20_000 })
      const text = await line.getByTestId('converted').innerText()
      const problemId = Number(/#(\d+)/.exec(text)?.[1])
      expect(problemId).toBeGreaterThan(0)
      await expect.poll(() => page.getByTestId('overall-rate').innerText()).not.toBe('—')
      // printable score sheets: controls hidden, sheets shown
      await page.emulateMedia({ media: 'print' })
      expect(await page.getByTestId('mock-draw').isVisible()).toBe(false)
      expect(await page.getByTestId('save-scores').first().isVisible()).toBe(false)
      expect(await sheet.isVisible()).toBe(true)
      await page.emulateMedia({ media: 'screen' })

      // the department holding the site's grid sees it; it is on the problem map at the site
      const deptName = expected.departmentId === null ? null : (await api.department.byId.query({ id: expected.departmentId })).name
      const login = users.find((u) => u.role === 'department' && u.department === deptName)?.login
      expect(login).toBeTruthy()
      const dept = await loggedIn(app.url, login!)
      const mine = await dept.problem.list.query({})
      expect(mine.items.find((p) => p.id === problemId)).toMatchObject({ source: 'evaluation', departmentId: expected.departmentId, gridId: expected.gridId })
      const map = await api.problem.map.query()
      const feature = map.features.find((f) => f.properties.id === problemId)
      expect(feature).toBeTruthy()
      const site = (await api.site.list.query()).features.find((f) => f.properties.id === expected.siteId)!
      expect(feature!.geometry.coordinates).toEqual(site.geometry.coordinates)
      expect(errors).toEqual([])
    } finally {
      await phone.close()
    }
  })

  it('a department sees "my indicators" with overdue milestones highlighted and a countdown', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    try {
      const page = await ctx.newPage()
      await signIn(page, app.url, 'rfb')
      await page.goto(`${app.url}/#/evaluation`)
      await page.getByTestId('indicator-table').waitFor({ timeout: 20_000 })
      await expect.poll(() => page.locator('h1').first().innerText()).toBe('我的指标')
      const rows = page.locator('[data-testid="indicator-table"] tbody tr')
      const mine = (await (await loggedIn(app.url, 'rfb')).indicator.list.query({})).items
      await expect.poll(() => rows.count()).toBe(mine.length)
      for (const text of await rows.allInnerTexts()) expect(text).toContain('市人防办')
      const overdue = mine.flatMap((i) => i.milestones).filter((m) => m.overdue)
      // the seeded task list (data/evaluation/indicators.json): 市人防办's milestones due before today below 100 %
      const taskList = JSON.parse(fs.readFileSync('data/evaluation/indicators.json', 'utf8')) as { evaluationInDays: number; indicators: { departments: { name: string }[]; milestones: { title: string; dueInDays: number; progress: number }[] }[] }
      const seededOverdue = taskList.indicators.filter((i) => i.departments.some((d) => d.name === '市人防办')).flatMap((i) => i.milestones).filter((m) => m.dueInDays < 0 && m.progress < 100)
      expect(seededOverdue.map((m) => m.title)).toEqual(['公益广告投放到位']) // the demo has one, due yesterday: else the loop below checks nothing
      expect(overdue.map((m) => m.title)).toEqual(seededOverdue.map((m) => m.title))
      for (const m of overdue) await expect.poll(() => page.getByTestId(`milestone-${m.id}`).getAttribute('class')).toContain('overdue')
      expect(await page.getByTestId('countdown').innerText()).toMatch(new RegExp(`距测评还有\\s*${taskList.evaluationInDays}\\s*天`))
      await page.screenshot({ path: path.join(OUT, 'evaluation-mine.png'), fullPage: false })
    } finally {
      await ctx.close()
    }
  })

  it('the map colours evaluation sites by readiness', async () => {
    const api = await loggedIn(app.url, 'leader')
    const expected = new Map((await api.evaluation.readiness.query()).sites.map((x) => [x.id, x.readiness]))
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    try {
      const page = await ctx.newPage()
      await page.goto(app.url)
      await page.getByTestId('login-login').fill('leader')
      await page.getByTestId('login-password').fill('leader123')
      await page.getByTestId('login-submit').click()
      await page.getByTestId('map').waitFor()
      await page.waitForFunction(() => {
        const map = window.__gridduty?.map
        return !!map && !!map.getLayer('sites') && map.loaded() && map.queryRenderedFeatures({ layers: ['sites'] }).length > 0
      }, undefined, { timeout: 60_000 })
      const drawn = await page.evaluate(() => {
        const map = window.__gridduty!.map
        return { paint: JSON.stringify(map.getPaintProperty('sites', 'circle-color')), sites: map.queryRenderedFeatures({ layers: ['sites'] }).map((f) => ({ id: Number(f.properties.id), readiness: String(f.properties.readiness) })) }
      })
      expect(drawn.paint).toContain('readiness')
      expect(drawn.sites.length).toBeGreaterThan(0)
      for (const x of drawn.sites) expect(x.readiness).toBe(expected.get(x.id))
      expect(new Set(drawn.sites.map((x) => x.readiness)).size).toBeGreaterThan(1)
      // the legend counts the sites per readiness, from the site layer's data
      const counts = { ready: 0, at_risk: 0, not_ready: 0, unassessed: 0 }
      for (const f of (await api.site.list.query()).features) counts[f.properties.readiness]++
      expect(Object.values(counts).filter((n) => n > 0).length).toBeGreaterThan(1)
      await page.getByTestId('legend-sites').waitFor()
      for (const [k, n] of Object.entries(counts)) expect(await page.getByTestId(`legend-site-count-${k}`).innerText()).toBe(String(n))
      expect(await page.getByTestId('legend').innerText()).toContain('未达标')
      await page.screenshot({ path: path.join(OUT, 'readiness-map.png') })
    } finally {
      await ctx.close()
    }
  })

  it('a leader drags a site onto another community on the map: it joins that grid and its department', async () => {
    const api = await loggedIn(app.url, 'leader')
    const grids = (await api.grid.list.query({ level: 'community' })).features
    const site = (await api.evaluation.readiness.query()).sites.find((x) => x.departmentId !== null && grids.some((g) => g.properties.id === x.gridId))!
    // the nearest community held by another department
    const target = grids
      .filter((g) => g.properties.holderDepartmentId !== null && g.properties.holderDepartmentId !== site.departmentId)
      .map((g) => ({ g, point: pointOnFeature(g).geometry.coordinates as [number, number] }))
      .map((x) => ({ ...x, d: distance([site.lng, site.lat], x.point) }))
      .sort((a, b) => a.d - b.d)[0]!
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const errors: string[] = []
    try {
      const page = await ctx.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      await signIn(page, app.url, 'leader')
      await page.goto(`${app.url}/#/evaluation`)
      await page.getByTestId('site-map-toggle').click()
      await page.getByTestId('site-map').scrollIntoViewIfNeeded()
      const marker = page.getByTestId(`site-marker-${site.id}`)
      await marker.waitFor({ timeout: 30_000 })
      await page.waitForFunction(() => !!window.__griddutySiteMap?.loaded(), undefined, { timeout: 60_000 })
      // show the site and the target close up, then drag the marker onto the target point
      const to = await page.evaluate(([from, point]) => {
        const map = window.__griddutySiteMap!
        map.fitBounds([[Math.min(from[0], point[0]), Math.min(from[1], point[1])], [Math.max(from[0], point[0]), Math.max(from[1], point[1])]], { padding: 80, animate: false, maxZoom: 17 })
        const p = map.project(point)
        const r = map.getContainer().getBoundingClientRect()
        return { x: r.left + p.x, y: r.top + p.y }
      }, [[site.lng, site.lat], target.point] as [[number, number], [number, number]])
      const box = (await marker.boundingBox())!
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      await page.mouse.down()
      await page.mouse.move(to.x, to.y, { steps: 12 })
      await page.mouse.up()
      const result = page.getByTestId('site-move-result')
      await result.waitFor({ timeout: 20_000 })
      expect(await result.innerText()).toContain(target.g.properties.name)
      expect(await result.innerText()).toContain(target.g.properties.holderDepartment!)
      await page.screenshot({ path: path.join(OUT, 'site-map-edit.png') })

      const moved = (await api.evaluation.readiness.query()).sites.find((x) => x.id === site.id)!
      expect(moved).toMatchObject({ gridId: target.g.properties.id, departmentId: target.g.properties.holderDepartmentId, version: site.version + 1 })
      expect(moved.departmentId).not.toBe(site.departmentId)
      expect(distance([moved.lng, moved.lat], target.point) * 1000).toBeLessThan(50)

      // a drop outside every grid is refused with a clear message and the marker snaps back
      const outside: [number, number] = [moved.lng + 0.3, moved.lat]
      expect(grids.some((g) => booleanPointInPolygon(outside, g))).toBe(false)
      const project = (p: [number, number], fit: boolean) => page.evaluate(([point, other, fitBoth]) => {
        const map = window.__griddutySiteMap!
        if (fitBoth) map.fitBounds([[Math.min(point[0], other[0]), Math.min(point[1], other[1])], [Math.max(point[0], other[0]), Math.max(point[1], other[1])]], { padding: 80, animate: false })
        const q = map.project(point)
        const r = map.getContainer().getBoundingClientRect()
        return { x: r.left + q.x, y: r.top + q.y }
      }, [p, [moved.lng, moved.lat], fit] as [[number, number], [number, number], boolean])
      const far = await project(outside, true)
      const start = (await marker.boundingBox())!
      await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2)
      await page.mouse.down()
      await page.mouse.move(far.x, far.y, { steps: 12 })
      await page.mouse.up()
      const refused = page.getByTestId('site-move-error')
      await refused.waitFor({ timeout: 20_000 })
      expect(await refused.innerText()).toContain('该位置不在任何网格内')
      const home = await project([moved.lng, moved.lat], false)
      const back = (await marker.boundingBox())!
      expect(Math.abs(back.x + back.width / 2 - home.x)).toBeLessThan(2)
      expect(Math.abs(back.y + back.height / 2 - home.y)).toBeLessThan(2)
      expect((await api.evaluation.readiness.query()).sites.find((x) => x.id === site.id)).toMatchObject({ lng: moved.lng, lat: moved.lat, version: moved.version })
      expect(errors).toEqual([])
    } finally {
      await ctx.close()
    }
  })

  it('department users get no site editor on the evaluation page', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    try {
      const page = await ctx.newPage()
      await signIn(page, app.url, 'rfb')
      await page.goto(`${app.url}/#/evaluation`)
      await page.getByTestId('readiness').waitFor({ timeout: 20_000 })
      expect(await page.getByTestId('site-map-toggle').count()).toBe(0)
      expect(await page.getByTestId('site-register').count()).toBe(0)
    } finally {
      await ctx.close()
    }
  })

  it('a leader enters an indicator with its five assignments and it joins the progress table', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
    const errors: string[] = []
    try {
      const page = await ctx.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      await signIn(page, app.url, 'leader')
      await page.goto(`${app.url}/#/evaluation`)
      const form = page.getByTestId('indicator-entry')
      await form.waitFor({ timeout: 20_000 })
      await page.getByTestId('indicator-table').waitFor()
      const input = (label: string) => form.locator('label', { hasText: label }).locator('input').first()
      await input('编号').fill('PJ-99')
      await input('指标').fill('无障碍设施')
      await input('点位类型').fill('医院、车站')
      await input('牵头领导').fill('测试领导')
      await input('任务').fill('补齐缺损的无障碍设施')
      await form.locator('label', { hasText: '牵头' }).locator('select').selectOption('市住建局')
      await input('责任人').fill('郝昊')
      await form.locator('textarea').fill('2099-01-01 排查\n2099-02-01 整改')
      await form.getByRole('button', { name: '保存指标' }).click()
      const row = page.getByTestId('indicator-PJ-99')
      await row.waitFor({ timeout: 20_000 })
      expect(await row.innerText()).toContain('市住建局')
      expect(await row.innerText()).toContain('测试领导')
      const api = await loggedIn(app.url, 'leader')
      const added = (await api.indicator.list.query({})).items.find((i) => i.code === 'PJ-99')!
      expect(added.milestones.map((m) => m.dueDate)).toEqual(['2099-01-01', '2099-02-01'])
      expect(added.siteTypes).toEqual(['医院', '车站'])
      expect(errors).toEqual([])
    } finally {
      await ctx.close()
    }
  })
})
