/**
 * Accessibility (WCAG 2.1 AA, which GB/T 37668 asks of government sites): axe-core's WCAG 2 A/AA
 * rules report 0 violations on every main page of every role, at desktop (1280×800) and phone
 * (390×844) size — the pages a role may open are read from the header the app renders for it, so a
 * new page is checked as soon as it is added (and this test fails until screens.ts describes it).
 * Besides the pages: the login form, a grid's panel, a problem's detail and the inspection form.
 *
 * Then the main flows by keyboard alone: sign in, open the problem list from the header, open a
 * problem, close it with Escape (focus returns to the list), find a grid on the map by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { Result } from 'axe-core'
import type { RunningApp } from '../support/appServer.ts'
import { NO_SERVICE_WORKER, PagePool, startBrowserApp, stopBrowserApp } from '../support/browser.ts'
import { axeViolations, formatViolations } from './axe.ts'
import { navPaths, openScreen, ROLE_USERS, SCREENS, settle, signInAs, SIZES, trackRequests, type RoleName, type SizeName } from './screens.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
type Session = { context: BrowserContext; page: Page; inflight: () => number; errors: string[] }
const sessions = new PagePool<Session>()
afterAll(async () => { await sessions.closeAll(); await stopBrowserApp({ app, browser }) })

async function open(size: SizeName): Promise<Session> {
  const context = await browser.newContext({ viewport: SIZES[size], deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  return { context, page, inflight: trackRequests(page), errors }
}

/**
 * `role` signed in, at `size`, on the app's start page: one page per role for the whole file (PagePool:
 * reset for each test, its page errors counted afresh), resized to the test's size before the app loads.
 */
async function signedIn(role: RoleName, size: SizeName): Promise<Session> {
  const session = await sessions.get(role, async () => {
    const s = await open(size)
    await signInAs(s.page, app.url, role)
    return s
  })
  session.errors.length = 0
  await session.page.setViewportSize(SIZES[size])
  if (session.page.url() === 'about:blank') {
    await session.page.goto(app.url)
    await session.page.getByTestId('current-user').waitFor()
  }
  return session
}

/** The report of every checked screen with violations, for one assertion with a readable message. */
class Findings {
  readonly checked: string[] = []
  private readonly bad: string[] = []
  async check(page: Page, where: string): Promise<void> {
    const v: Result[] = await axeViolations(page)
    this.checked.push(where)
    if (v.length) this.bad.push(formatViolations(where, v))
  }
  report(): string { return this.bad.join('\n\n') }
}

const ROLES = Object.keys(ROLE_USERS) as RoleName[]
const SIZE_NAMES = Object.keys(SIZES) as SizeName[]

// software WebGL on a shared machine: the coverage map alone takes ~10 s per visit
describe('accessibility: axe-core, WCAG 2 A/AA, every page of every role', { timeout: 600_000 }, () => {
  for (const size of SIZE_NAMES) {
    it(`the login form (${size})`, async () => {
      const { context, page } = await open(size)
      try {
        await page.goto(app.url)
        await page.getByTestId('login-form').waitFor()
        const findings = new Findings()
        await findings.check(page, `login ${size}`)
        expect(findings.report()).toBe('')
      } finally {
        await context.close()
      }
    })

    for (const role of ROLES) {
      it(`${role} (${ROLE_USERS[role]}), ${size}: every page in the header`, async () => {
        const { page, inflight, errors } = await signedIn(role, size)
        const paths = await navPaths(page)
        expect(paths[0]).toBe('/')
        expect(paths.length).toBeGreaterThan(2)
        const unknown = paths.filter((p) => !SCREENS[p])
        expect(unknown, 'pages the header offers but tests/browser/screens.ts does not describe').toEqual([])
        const findings = new Findings()
        for (const p of paths) {
          await openScreen(page, app.url, SCREENS[p]!, inflight)
          await findings.check(page, `${role} ${p} ${size}`)
        }
        expect(findings.checked).toHaveLength(paths.length)
        expect(findings.report()).toBe('')
        expect(errors).toEqual([])
      })
    }

    it(`leader, ${size}: a grid's panel on the map and a problem's detail`, async () => {
      const { page, inflight } = await signedIn('leader', size)
      const findings = new Findings()
      await openScreen(page, app.url, SCREENS['/']!, inflight)
      await page.getByTestId('search-input').fill('北面滩')
      await page.getByTestId('search-results').getByText('北面滩社区').click()
      await expect.poll(() => page.getByTestId('panel-name').textContent()).toBe('北面滩社区')
      await settle(page, inflight)
      await findings.check(page, `leader grid panel ${size}`)

      await openScreen(page, app.url, SCREENS['/problems']!, inflight)
      await page.getByTestId('problems-list').locator('button[data-testid^="problem-"]').first().click()
      await page.getByTestId('problem-detail').waitFor()
      await settle(page, inflight)
      await findings.check(page, `leader problem detail ${size}`)
      expect(findings.report()).toBe('')
    })

    it(`department, ${size}: the inspection form from 我的网格`, async () => {
      const { page, inflight } = await signedIn('department', size)
      await openScreen(page, app.url, SCREENS['/workspace']!, inflight)
      await page.getByTestId('ws-record').click()
      await page.getByTestId('workspace-form').waitFor()
      await settle(page, inflight)
      const findings = new Findings()
      await findings.check(page, `department inspection form ${size}`)
      expect(findings.report()).toBe('')
    })
  }
})

/** Presses Tab until the focused element matches `selector` (at most `max` presses). */
async function tabTo(page: Page, selector: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return
    await page.keyboard.press('Tab')
  }
  throw new Error(`${selector} is not reachable with Tab (${max} presses)`)
}

describe('accessibility: the main flows by keyboard alone', { timeout: 180_000 }, () => {
  it('signs in, opens a problem from the list and closes it, finds a grid on the map', async () => {
    const { context, page, inflight } = await open('desktop')
    try {
      await page.goto(app.url)
      await page.getByTestId('login-form').waitFor()
      await tabTo(page, '[data-testid="login-login"]')
      await page.keyboard.type('leader')
      await page.keyboard.press('Tab')
      await page.keyboard.type('leader123')
      await page.keyboard.press('Enter')
      await page.getByTestId('current-user').waitFor()

      // the header's link to the problem list, by Tab and Enter
      await tabTo(page, '[data-testid="nav-problems"]')
      await page.keyboard.press('Enter')
      await page.getByTestId('problems-list').waitFor()
      await settle(page, inflight)

      // the first problem of the list opens with Enter; the detail takes the focus; Escape closes it
      const first = page.getByTestId('problems-list').locator('button[data-testid^="problem-"]').first()
      const firstId = await first.getAttribute('data-testid')
      await tabTo(page, `[data-testid="${firstId}"]`, 120)
      await page.keyboard.press('Enter')
      await page.getByTestId('problem-detail').waitFor()
      await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest('[data-testid="problem-detail"]'))).toBe(true)
      await page.keyboard.press('Escape')
      await page.getByTestId('problem-detail').waitFor({ state: 'detached' })
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(firstId)

      // the map: search by name with the keyboard, the grid's panel opens
      await tabTo(page, '[data-testid="nav-map"]')
      await page.keyboard.press('Enter')
      await openScreen(page, app.url, SCREENS['/']!, inflight)
      await tabTo(page, '[data-testid="search-input"]')
      await page.keyboard.type('北面滩')
      // the first hit is the active option; Enter takes it
      await expect.poll(() => page.locator('[data-testid="search-results"] [role="option"][aria-selected="true"]').textContent()).toContain('北面滩社区')
      await page.keyboard.press('Enter')
      await expect.poll(() => page.getByTestId('panel-name').textContent()).toBe('北面滩社区')

      // the map's summary in words names every status with its count
      const summary = await page.getByTestId('map-summary').textContent()
      expect(summary).toContain('共 50 个网格') // the demo city has 50 communities
      expect(summary).toMatch(/已检查 \d+ 个/)
      expect(summary).toMatch(/漏检 \d+ 个/)
    } finally {
      await context.close()
    }
  })
})
