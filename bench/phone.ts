/**
 * Issue 14, target 6 — the phone: login → first map drawn for the demo city in headless Chromium,
 * once unthrottled and once as a mid-range phone on a slow mobile network, both through the DevTools
 * protocol: Emulation.setCPUThrottlingRate ×4 and Network.emulateNetworkConditions with Chrome
 * DevTools' "Slow 4G" preset (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up — Lighthouse's
 * mobile throttling as DevTools applies it). Each run is a fresh browser context: nothing cached,
 * no service worker yet (a first visit). Timed from the click on 登录 (the login page already shown)
 * until the map is idle with the district's grids drawn; also reported: the login page itself, and the
 * bytes and JavaScript transferred (compressed, as on the wire).
 * Run alone: `npx tsx bench/phone.ts`, or as the `phone` section of `npm run bench`.
 */
import fs from 'node:fs'
import os from 'node:os'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { Map as MapLibreMap } from 'maplibre-gl'
import { chromium, type Page } from 'playwright-core'
import { boot } from '../server/boot.ts'
import { ensureClientBuilt } from './map.ts'
import { recordTarget } from './targets.ts'

type Exposed = { __gridduty?: { map: MapLibreMap } }
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--no-first-run']

/** Chrome DevTools' "Slow 4G" (bytes per second, ms). */
export const SLOW_4G = { latency: 562.5, downloadThroughput: (1.44 * 1024 * 1024) / 8, uploadThroughput: (675 * 1024) / 8 }
export const CPU_SLOWDOWN = 4

export interface PhoneRun {
  profile: 'unthrottled' | 'phone'
  /** navigation until the login form is usable */
  loginPageMs: number
  /** click on 登录 until the map is idle with grids drawn */
  loginToMapMs: number
  grids: number
  /** everything transferred from navigation to the first map, and the JavaScript part of it */
  bytes: number
  jsBytes: number
  requests: number
  /** the machine's 1-minute load average when the run ended (2 cores here) */
  loadAverage: number
}

async function drawn(page: Page, timeout: number): Promise<number> {
  await page.waitForFunction(() => {
    const map = (window as unknown as Exposed).__gridduty?.map
    if (!map || !map.getLayer('grid-fill') || !map.loaded() || !map.areTilesLoaded()) return false
    return map.queryRenderedFeatures({ layers: ['grid-fill'] }).length > 0
  }, undefined, { timeout, polling: 100 })
  return page.evaluate(() => new Set((window as unknown as Exposed).__gridduty!.map.queryRenderedFeatures({ layers: ['grid-fill'] }).map((f) => f.id)).size)
}

export async function benchPhone(opts: { log?: (s: string) => void } = {}): Promise<PhoneRun[]> {
  const log = opts.log ?? (() => {})
  const staticDir = ensureClientBuilt()
  fs.mkdirSync('var/bench', { recursive: true })
  const file = path.resolve('var/bench/phone.db')
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  log('phone: demo city…')
  const { db, server } = await boot({ db: { provider: 'sqlite', file }, staticDir, seedIfEmpty: true, log: () => {} })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
  const runs: PhoneRun[] = []
  try {
    for (const profile of ['unthrottled', 'phone'] as const) {
      log(`phone: ${profile}…`)
      // a phone's screen (CSS pixels); device scale 1 keeps software WebGL's work comparable between runs
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
      const page = await context.newPage()
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.enable')
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: false })
      let bytes = 0, jsBytes = 0, requests = 0
      const types = new Map<string, string>()
      cdp.on('Network.responseReceived', (e: { requestId: string; type: string }) => { types.set(e.requestId, e.type) })
      cdp.on('Network.loadingFinished', (e: { requestId: string; encodedDataLength: number }) => {
        bytes += e.encodedDataLength; requests++
        if (types.get(e.requestId) === 'Script') jsBytes += e.encodedDataLength
      })
      if (profile === 'phone') {
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
        await cdp.send('Network.emulateNetworkConditions', { offline: false, ...SLOW_4G })
      }
      const t0 = performance.now()
      await page.goto(url)
      await page.getByTestId('login-submit').waitFor({ timeout: 120_000 })
      const loginPageMs = performance.now() - t0
      await page.getByTestId('login-login').fill('leader')
      await page.getByTestId('login-password').fill('leader123')
      const t1 = performance.now()
      await page.getByTestId('login-submit').click()
      const grids = await drawn(page, 180_000)
      const loginToMapMs = performance.now() - t1
      runs.push({ profile, loginPageMs, loginToMapMs, grids, bytes, jsBytes, requests, loadAverage: os.loadavg()[0]! })
      log(`phone: ${profile}: login page ${(loginPageMs / 1000).toFixed(1)} s, login → map ${(loginToMapMs / 1000).toFixed(1)} s, ${grids} grids, ${(bytes / 1024).toFixed(0)} KB (${(jsBytes / 1024).toFixed(0)} KB JS)`)
      await context.close()
    }
  } finally {
    await browser.close()
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await db.$disconnect()
  }
  const fast = runs.find((r) => r.profile === 'unthrottled')!, phone = runs.find((r) => r.profile === 'phone')!
  recordTarget({
    section: 'phone', name: 'login → first map drawn, demo city, CPU ×4 + Slow 4G (first visit)', measured: phone.loginToMapMs / 1000, goal: 6, compare: '≤', unit: 's',
    note: `unthrottled ${(fast.loginToMapMs / 1000).toFixed(2)} s; load average ${phone.loadAverage.toFixed(1)} on ${os.cpus().length} cores; login page ${(phone.loginPageMs / 1000).toFixed(1)} s throttled / ${(fast.loginPageMs / 1000).toFixed(2)} s; ${(phone.bytes / 1024).toFixed(0)} KB transferred, ${(phone.jsBytes / 1024).toFixed(0)} KB of it JavaScript`,
  })
  recordTarget({
    section: 'phone', name: 'JavaScript transferred before the first map (compressed, measured in the browser)', measured: phone.jsBytes / 1024, goal: 450, compare: '≤', unit: 'KB',
    note: 'the page\'s scripts as the browser counts them (MapLibre\'s worker, ~120 KB, is fetched by the worker and not counted here); tests/api/staticAssets.test.ts checks the budget with the worker from the build manifest',
  })
  return runs
}

export function formatPhone(runs: PhoneRun[]): string {
  const out = ['| profile | login page | login → first map | grids drawn | transferred (JS) | requests | load average |', '|---|---|---|---|---|---|---|']
  for (const r of runs) out.push(`| ${r.profile === 'phone' ? `CPU ×${CPU_SLOWDOWN} + Slow 4G` : 'unthrottled'} | ${(r.loginPageMs / 1000).toFixed(2)} s | ${(r.loginToMapMs / 1000).toFixed(2)} s | ${r.grids} | ${(r.bytes / 1024).toFixed(0)} KB (${(r.jsBytes / 1024).toFixed(0)} KB) | ${r.requests} | ${r.loadAverage.toFixed(1)} |`)
  return out.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const runs = await benchPhone({ log: (s) => console.error(s) })
  console.log(formatPhone(runs))
}
