/** Browser tests: Debian's Chromium (headless, WebGL through SwiftShader) against a real GridDuty server. */
import fs from 'node:fs'
import path from 'node:path'
import type { Map as MapLibreMap } from 'maplibre-gl'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { ensureClientBuilt, startApp, type RunningApp } from './appServer.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--no-first-run']
/** screenshots (gitignored) */
export const OUT = path.resolve('test-results')

/**
 * Context options for a test that is not about the service worker: Playwright makes
 * navigator.serviceWorker.register a no-op (with a console warning). The app registers its worker once a
 * signed-in screen is quiet; the install precaches every chunk of the app and, when the worker takes
 * control, the app refetches every query (client/main.tsx) — seconds of work racing the page under test
 * in each new context (the planner's pages with axe: 24 s with it, 12 s without). The service worker is
 * tested where it matters: offline.test.ts, and the phone field-work tests (fieldPhotos, monthlyRhythm) keep it.
 */
export const NO_SERVICE_WORKER = { serviceWorkers: 'block' } as const

export interface BrowserApp { app: RunningApp; browser: Browser }

/** Debian's Chromium, headless, WebGL through SwiftShader: the one launch of the tests, the bench and the screenshot script. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/** Builds the client if needed, starts a server on a fresh seeded database, launches Chromium. */
export async function startBrowserApp(): Promise<BrowserApp> {
  const staticDir = await ensureClientBuilt()
  const app = await startApp({ staticDir })
  const browser = await launchChromium()
  fs.mkdirSync(OUT, { recursive: true })
  return { app, browser }
}

export async function stopBrowserApp(running: Partial<BrowserApp>): Promise<void> {
  await running.browser?.close()
  await running.app?.stop()
}

/** Opens the app and signs in through the login form (demo password: login + "123"). */
export async function signIn(page: Page, baseUrl: string, login: string, password = `${login}123`): Promise<void> {
  await page.goto(baseUrl)
  await page.getByTestId('login-login').fill(login)
  await page.getByTestId('login-password').fill(password)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('current-user').waitFor()
}

/**
 * A new context (zh-CN, Beijing time) signed in as `login`, with every console error, page error and
 * HTTP error answer collected in `problems` (tests expect it empty at the end).
 */
export async function signedInSession(browser: Browser, baseUrl: string, login: string, viewport = { width: 1280, height: 860 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...NO_SERVICE_WORKER })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
  page.on('pageerror', (e) => problems.push(String(e)))
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`) })
  await page.goto(baseUrl)
  await page.getByTestId('login-login').fill(login)
  await page.getByTestId('login-password').fill(`${login}123`)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('header').waitFor()
  return { context, page, problems }
}

/** The window globals the client puts its MapLibre maps on (the coverage map and the planner's as `{ map }`). */
export type MapKey = '__gridduty' | '__planner' | '__griddutyPick' | '__griddutySiteMap'

/**
 * Until the map has drawn its current camera and data (MapLibre's 'idle' after a forced repaint: no
 * tiles loading, nothing moving, labels placed): after a jumpTo, before reading what is rendered or
 * pointing at it.
 */
export async function mapIdle(page: Page, key: MapKey): Promise<void> {
  await page.evaluate((key) => new Promise<void>((resolve) => {
    const held = (window as unknown as Record<string, unknown>)[key]
    const map = (key === '__gridduty' || key === '__planner' ? (held as { map: MapLibreMap }).map : held) as MapLibreMap
    map.once('idle', () => resolve())
    map.triggerRepaint()
  }), key)
}

/**
 * Signed-in pages shared by the tests of one file, one per key (e.g. size and user): signing in, a new
 * context and loading the app into its empty cache once per key instead of once per test. Each test
 * gets its page fresh: localStorage cleared, then on about:blank (no document, no app state of the test
 * before), still signed in (the session cookie) and with the browser's cache warm. The test then opens
 * the app where it needs it. Listeners go on the page in `make` (once), not in the tests.
 */
export class PagePool<T extends { context: BrowserContext; page: Page }> {
  private readonly made = new Map<string, Promise<T>>()

  /** The entry for `key`, made by `make` the first time (or afresh if a test before left it unusable), reset for the next test. */
  async get(key: string, make: () => Promise<T>): Promise<T> {
    const known = this.made.get(key)
    if (known) {
      try {
        const entry = await known
        if (/^https?:/.test(entry.page.url())) await entry.page.evaluate(() => localStorage.clear())
        await entry.page.goto('about:blank')
        return entry
      } catch {
        this.made.delete(key)
        await known.then((e) => e.context.close(), () => undefined).catch(() => undefined)
      }
    }
    const fresh = make()
    this.made.set(key, fresh)
    return fresh
  }

  async closeAll(): Promise<void> {
    const all = await Promise.allSettled(this.made.values())
    this.made.clear()
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value.context.close() : undefined)))
  }
}
