/**
 * Field work without network (issue 16 §1), on a phone (390×844, touch, a GPS fix inside the grid),
 * against the built client with its service worker:
 *  - the web app manifest is valid (fields, icons that load at their declared sizes) and the service
 *    worker controls the page;
 *  - offline, the app shell and the department's data load from the service worker (also after a reload);
 *    an inspection with a photo and a spot problem is queued in IndexedDB and survives a reload;
 *    back online it syncs by itself, once; the grid turns done on the map; a forced second sync of
 *    the same entry (as after a lost answer) creates nothing new;
 *  - a workflow step queued offline against a problem that a leader changed meanwhile comes back as a
 *    conflict that the user sees, and the leader's change stands.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import type { Browser } from 'playwright-core'
import { monthOf } from '../../server/domain/time.ts'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64')
const HOUR = 3_600_000

let app: RunningApp
let browser: Browser
beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 240_000)
afterAll(() => stopBrowserApp({ app, browser }))

async function phone(lng: number, lat: number): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', geolocation: { longitude: lng, latitude: lat, accuracy: 10 }, permissions: ['geolocation'],
  })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  return { context, page, errors }
}

/** Signs in and waits until the service worker controls the page (a reload is then served by it). */
async function signInControlled(page: Page, login: string) {
  await signIn(page, app.url, login)
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true)
}

/** The number of queued entries in IndexedDB (read directly, not through the app). */
const queuedCount = (page: Page) => page.evaluate(() => new Promise<number>((resolve, reject) => {
  const open = indexedDB.open('gridduty-offline')
  open.onerror = () => reject(open.error)
  open.onsuccess = () => {
    const d = open.result
    if (!d.objectStoreNames.contains('queue')) { d.close(); resolve(0); return }
    const r = d.transaction('queue').objectStore('queue').count()
    r.onsuccess = () => { d.close(); resolve(r.result) }
  }
}))

describe('offline on a phone (browser)', { timeout: 240_000 }, () => {
  it('manifest and service worker; an inspection recorded offline survives a reload and syncs once', async () => {
    const month = monthOf(new Date())
    const leader = await loggedIn(app.url, 'leader')
    const fc = await leader.grid.list.query({ level: 'community', month })
    const grid = fc.features.find((f) => f.properties.holderDepartment === '市人防办' && f.properties.inspectionStatus !== 'done')
    if (!grid) throw new Error('the demo should leave a 市人防办 grid not yet inspected this month')
    const [lng, lat] = pointOnFeature(grid).geometry.coordinates as [number, number]
    const gridId = grid.properties.id
    const { context, page, errors } = await phone(lng, lat)
    try {
      await signInControlled(page, 'rfb')

      // the manifest: linked, the fields an install needs, every icon loads at its declared size
      const manifest = await page.evaluate(async () => {
        const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href
        if (!href) return null
        const res = await fetch(href)
        const m = await res.json() as { name: string; short_name: string; start_url: string; display: string; theme_color: string; background_color: string; icons: { src: string; sizes: string; type: string; purpose?: string }[] }
        const icons = await Promise.all(m.icons.map(async (i) => {
          const r = await fetch(new URL(i.src, href))
          const bmp = await createImageBitmap(await r.blob())
          return { ...i, status: r.status, type: r.headers.get('content-type'), size: `${bmp.width}x${bmp.height}` }
        }))
        return { contentType: res.headers.get('content-type'), m, icons }
      })
      expect(manifest).not.toBeNull()
      expect(manifest!.contentType).toContain('application/manifest+json')
      expect(manifest!.m).toMatchObject({ name: '网格责任地图', display: 'standalone', theme_color: '#b3261e' })
      expect(manifest!.m.short_name.length).toBeGreaterThan(0)
      expect(manifest!.m.short_name.length).toBeLessThanOrEqual(12)
      expect(new URL(manifest!.m.start_url, app.url).origin).toBe(new URL(app.url).origin)
      for (const i of manifest!.icons) {
        expect(i.status).toBe(200)
        expect(i.type).toBe('image/png')
        expect(i.size).toBe(i.sizes)
      }
      expect(manifest!.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']))
      expect(manifest!.icons.some((i) => i.purpose === 'maskable')).toBe(true)
      expect(await page.locator('meta[name="theme-color"]').getAttribute('content')).toBe('#b3261e')

      // online once: 我的网格, the form (theme checklist, categories) and the map — the service worker keeps them
      await page.goto(`${app.url}/#/workspace`)
      const card = page.locator(`[data-testid="ws-grid"][data-grid-id="${gridId}"]`)
      await card.waitFor({ timeout: 30_000 })
      await card.getByTestId('ws-grid-record').click()
      await page.getByTestId('record-checklist').waitFor()
      await page.goto(`${app.url}/#/`)
      await page.waitForFunction(() => { const m = window.__gridduty?.map; return !!m && !!m.getLayer('grid-fill') && m.loaded() }, undefined, { timeout: 60_000 })

      // offline: a reload is served by the service worker (shell and data)
      await context.setOffline(true)
      await page.goto(`${app.url}/#/workspace`)
      await page.reload()
      await card.waitFor({ timeout: 30_000 }).catch(async (e: unknown) => { throw new Error(`offline reload: ${await page.locator('body').innerText()}`, { cause: e }) })
      expect(await page.getByTestId('offline-state').textContent()).toContain('离线')
      expect(await card.getAttribute('data-status')).not.toBe('done')

      const before = { inspections: await app.db.inspection.count(), problems: await app.db.problem.count(), photos: await app.db.photo.count() }
      const tag = `离线检查 ${Date.now()}`
      await card.getByTestId('ws-grid-record').click()
      await page.getByTestId('record-checklist').waitFor()
      await expect.poll(() => page.getByTestId('record-fix').textContent(), { timeout: 15_000 }).toMatch(/已获取定位/)
      await page.getByTestId('record-findings').fill(tag)
      await page.getByTestId('record-photos').setInputFiles({ name: 'basement.png', mimeType: 'image/png', buffer: PNG })
      await page.getByTestId('photo-offline').waitFor()
      await page.getByTestId('record-add-problem').click()
      const spot = page.getByTestId('spot-problem')
      const category = await spot.locator('select option').nth(1).getAttribute('value')
      await spot.locator('select').selectOption(category!)
      await spot.locator('input').first().fill(`${tag} 楼道堆物`)
      await page.getByTestId('record-submit').click()
      await expect.poll(() => page.getByTestId('ws-notice').textContent(), { timeout: 15_000 }).toContain('已离线保存')
      await expect.poll(() => page.getByTestId('offline-count').getAttribute('data-count')).toBe('1')
      expect(await queuedCount(page)).toBe(1)

      // still offline: reload — the shell comes from the service worker, the entry from IndexedDB
      await page.reload()
      await page.getByTestId('offline-banner').waitFor({ timeout: 30_000 })
      await expect.poll(() => page.getByTestId('offline-count').getAttribute('data-count')).toBe('1')
      await page.getByTestId('offline-toggle').click()
      expect(await page.getByTestId('offline-item').getAttribute('data-state')).toBe('waiting')
      expect(await app.db.inspection.count()).toBe(before.inspections)
      // keep a copy of the entry, to send it again after it synced (as if the first answer had been lost)
      await page.evaluate(() => new Promise<void>((resolve) => {
        const open = indexedDB.open('gridduty-offline')
        open.onsuccess = () => {
          const r = open.result.transaction('queue').objectStore('queue').getAll()
          r.onsuccess = () => { (window as unknown as { __copy: unknown }).__copy = r.result[0]; open.result.close(); resolve() }
        }
      }))

      // back online: it syncs by itself, once
      await context.setOffline(false)
      await expect.poll(() => queuedCount(page), { timeout: 60_000 }).toBe(0)
      const mine = (await leader.inspection.listForMonth.query({ month, gridId })).filter((i) => i.findings === tag)
      expect(mine).toHaveLength(1)
      expect(mine[0]).toMatchObject({ onSite: true, presenceFailures: [] })
      expect(mine[0]!.photoIds).toHaveLength(1)
      expect(mine[0]!.capturedAt).not.toBeNull()
      expect(Math.abs(mine[0]!.clockOffsetMs!)).toBeLessThan(60_000) // the test's clocks agree
      const spotProblems = (await leader.problem.list.query({ limit: 200 })).items.filter((p) => p.description === `${tag} 楼道堆物`)
      expect(spotProblems).toHaveLength(1)
      const after = { inspections: await app.db.inspection.count(), problems: await app.db.problem.count(), photos: await app.db.photo.count() }
      expect(after).toEqual({ inspections: before.inspections + 1, problems: before.problems + 1, photos: before.photos + 1 })

      // the grid is done on the department's map
      await page.goto(`${app.url}/#/`)
      await page.waitForFunction((id) => {
        const m = window.__gridduty?.map
        if (!m || !m.getLayer('grid-fill') || !m.loaded()) return false
        const source = (m.getLayer('grid-fill') as { source: string }).source
        const f = m.querySourceFeatures(source).find((x) => Number(x.id) === id || x.properties?.id === id)
        return f?.properties?.inspectionStatus === 'done'
      }, gridId, { timeout: 60_000 })

      // a forced second sync of the same entry creates nothing new (same key → the first answer)
      await page.goto(`${app.url}/#/workspace`) // a hash change: the same page, the copy is still there
      await page.evaluate(() => new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('gridduty-offline')
        open.onsuccess = () => {
          const tx = open.result.transaction('queue', 'readwrite')
          tx.objectStore('queue').put((window as unknown as { __copy: unknown }).__copy)
          tx.oncomplete = () => { open.result.close(); new BroadcastChannel('gridduty-offline').postMessage('changed'); resolve() }
          tx.onerror = () => reject(tx.error)
        }
      }))
      expect(await queuedCount(page)).toBe(1)
      await expect.poll(() => queuedCount(page), { timeout: 60_000 }).toBe(0)
      expect({ inspections: await app.db.inspection.count(), problems: await app.db.problem.count(), photos: await app.db.photo.count() }).toEqual(after)
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('a workflow step queued offline against a problem a leader changed meanwhile: the conflict is shown, nothing overwritten', async () => {
    const month = monthOf(new Date())
    const leader = await loggedIn(app.url, 'leader')
    const rfb = await loggedIn(app.url, 'rfb')
    const fc = await leader.grid.list.query({ level: 'community', month })
    const grid = fc.features.find((f) => f.properties.holderDepartment === '市人防办')!
    const [lng, lat] = pointOnFeature(grid).geometry.coordinates as [number, number]
    const category = (await leader.problem.categories.query())[0]!.code
    const p = await leader.problem.create.mutate({ lng, lat, categoryCode: category, description: '离线冲突测试：占道经营' })
    await leader.problem.transition.mutate({ id: p.id, version: 1, action: 'register' })
    await leader.problem.transition.mutate({ id: p.id, version: 2, action: 'dispatch' })
    await rfb.problem.transition.mutate({ id: p.id, version: 3, action: 'accept' })
    await rfb.problem.transition.mutate({ id: p.id, version: 4, action: 'requestExtension', newDeadline: new Date(Date.now() + 20 * 24 * HOUR).toISOString(), note: '需协调城管' })

    const { context, page, errors } = await phone(lng, lat)
    try {
      await signInControlled(page, 'rfb')
      await page.goto(`${app.url}/#/problems?id=${p.id}`)
      await page.getByTestId('problem-detail').waitFor({ timeout: 30_000 })
      await expect.poll(() => page.getByTestId('detail-status').textContent()).toBe('整改中')

      // offline: the fix is submitted with a note — queued
      await context.setOffline(true)
      await page.getByTestId('action-submit').click()
      await page.getByTestId('action-note').fill('离线提交：已清理')
      await page.getByTestId('action-confirm').click()
      await expect.poll(() => page.getByTestId('offline-count').getAttribute('data-count'), { timeout: 15_000 }).toBe('1')

      // meanwhile the leader decides the extension: the problem moves on (version 6)
      const moved = await leader.problem.transition.mutate({ id: p.id, version: 5, action: 'decideExtension', approve: true, note: '同意延期' })
      expect(moved.version).toBe(6)

      // back online: the step comes back as a conflict, shown; the leader's change stands
      await context.setOffline(false)
      await page.getByTestId('offline-conflict').waitFor({ timeout: 60_000 })
      expect(await page.getByTestId('offline-item').getAttribute('data-state')).toBe('conflict')
      expect(await page.getByTestId('offline-conflict').textContent()).toContain('已被他人更新')
      const now = await leader.problem.byId.query({ id: p.id })
      expect(now).toMatchObject({ status: 'rectifying', version: 6 })
      expect(now.events.some((e) => e.action === 'submit')).toBe(false)
      // still kept on the phone until the user discards it
      expect(await queuedCount(page)).toBe(1)
      page.once('dialog', (d) => void d.accept())
      await page.getByTestId('offline-discard').click()
      await expect.poll(() => queuedCount(page)).toBe(0)
      expect(errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
