/**
 * Field work on a phone (issue 16 §2–3), in a real browser at phone size with touch and an emulated GPS:
 * a 4000×3000 JPEG with EXIF time and GPS is taken through the 拍照 button → the stored photo is at most
 * 1,600 px on its longest side and its EXIF time and position are recorded; a second photo whose upload
 * fails is retried alone; a patrol is started, the
 * phone moves a few times, the patrol is ended and the inspection saved → the track is stored with its
 * coverage, and the leader's grid panel shows the track on the map and its coverage.
 */
import path from 'node:path'
import jpeg from 'jpeg-js'
import { pointOnFeature, pointToPolygonDistance, booleanPointInPolygon } from '@turf/turf'
import type { MultiPolygon, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { monthOf } from '../../server/domain/time.ts'
import { pct } from '../../server/domain/vocabulary/format.ts'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { OUT, signIn, startBrowserApp, stopBrowserApp } from '../support/browser.ts'
import { exifSegment, scene, toJpeg, withExif } from '../domain/photoImages.ts'

// a short sampling period for the test (read by the server at each meta.patrol call)
process.env.PATROL_SAMPLE_S = '1'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

const M_LAT = 1 / 111_320

describe('field photos and patrol track (browser, phone)', { timeout: 300_000 }, () => {
  it('a big camera photo is shrunk with its EXIF kept; a patrol track is stored and shown to the leader', async () => {
    const month = monthOf(new Date())
    const api = await loggedIn(app.url, 'leader')
    const fc = await api.grid.list.query({ level: 'community', month })
    let grid: (typeof fc.features)[number] | undefined, start: [number, number] | undefined
    for (const f of fc.features.filter((x) => x.properties.holderDepartment === '市人防办')) {
      const p = pointOnFeature(f).geometry.coordinates as [number, number]
      if (Math.abs(pointToPolygonDistance(p, f.geometry as Polygon | MultiPolygon, { units: 'meters' })) >= 60) { grid = f; start = p; break }
    }
    if (!grid || !start) throw new Error('no 市人防办 grid with a point 60 m inside')
    const geometry = grid.geometry as Polygon | MultiPolygon
    // three moves of ~20 m north and back east, all inside the grid
    const walk: [number, number][] = [start, [start[0], start[1] + 20 * M_LAT], [start[0], start[1] + 40 * M_LAT], [start[0], start[1] + 20 * M_LAT]]
    for (const p of walk) expect(booleanPointInPolygon(p, geometry)).toBe(true)

    // the camera's photo: 4000 × 3000 with DateTimeOriginal (+08:00) and a GPS position
    const big = withExif(toJpeg(scene(4242, 4000, 3000), 80), exifSegment({ dateTimeOriginal: '2026:11:02 09:15:30', offset: '+08:00', lat: 34.3051, lng: 107.1049 }))

    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true,
      locale: 'zh-CN', timezoneId: 'Asia/Shanghai', geolocation: { longitude: start[0], latitude: start[1], accuracy: 8 }, permissions: ['geolocation'],
    })
    const errors: string[] = []
    let inspectionId: number
    try {
      const page = await phone.newPage()
      page.on('pageerror', (e) => errors.push(String(e)))
      page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`) })
      await signIn(page, app.url, 'rfb')
      await page.goto(`${app.url}/#/workspace`)
      const card = page.locator(`[data-testid="ws-grid"][data-grid-id="${grid.properties.id}"]`)
      await card.waitFor({ timeout: 30_000 })
      await card.getByTestId('ws-grid-record').click()
      await page.getByTestId('inspection-record-form').waitFor()
      await expect.poll(() => page.getByTestId('record-fix').textContent(), { timeout: 15_000 }).toMatch(/已获取定位/)

      // our buttons, no native file-input text: the inputs are visually hidden but labelled
      const camera = page.locator('label.photo-btn', { hasText: '拍照' })
      const gallery = page.locator('label.photo-btn', { hasText: '从相册选择' })
      expect(await camera.isVisible()).toBe(true)
      expect(await gallery.isVisible()).toBe(true)
      const cameraInput = page.getByTestId('record-photos-camera')
      expect(await cameraInput.getAttribute('capture')).toBe('environment')
      expect(await cameraInput.getAttribute('accept')).toBe('image/*')
      const box = await cameraInput.boundingBox()
      expect(box === null || (box.width <= 1 && box.height <= 1)).toBe(true)
      expect(await page.getByLabel('拍照').count()).toBe(1)

      // take the photo through 拍照
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), camera.click()])
      expect(chooser.isMultiple()).toBe(false)
      await chooser.setFiles({ name: 'IMG_0001.jpg', mimeType: 'image/jpeg', buffer: big })
      await expect.poll(() => page.locator('.photo-previews li').count()).toBe(1) // the thumbnail at once
      await expect.poll(() => page.locator('.photo-previews li').getAttribute('data-state'), { timeout: 60_000 }).toBe('done')
      const photoId = Number(await page.locator('.photo-previews li').getAttribute('data-photo-id'))
      expect(photoId).toBeGreaterThan(0)

      // a second photo from the gallery fails to upload (network cut): it alone can be retried, the first stays
      await page.route('**/api/photos', (r) => r.abort('internetdisconnected'))
      await page.getByTestId('record-photos').setInputFiles({ name: 'second.jpg', mimeType: 'image/jpeg', buffer: toJpeg(scene(7, 800, 600), 80) })
      const second = page.locator('.photo-previews li').nth(1)
      await expect.poll(() => second.getAttribute('data-state'), { timeout: 30_000 }).toBe('failed')
      expect(await page.locator('.photo-previews li').first().getAttribute('data-state')).toBe('done')
      await page.unroute('**/api/photos')
      await second.getByTestId('photo-retry').click()
      await expect.poll(() => second.getAttribute('data-state'), { timeout: 60_000 }).toBe('done')
      const secondId = Number(await second.getAttribute('data-photo-id'))
      expect(secondId).toBeGreaterThan(photoId)

      // patrol: start, move three times, end
      const patrol = page.getByTestId('patrol')
      await page.getByTestId('patrol-start').click()
      const at = (p: [number, number]) => `${p[0].toFixed(6)},${p[1].toFixed(6)}`
      await expect.poll(() => patrol.getAttribute('data-last'), { timeout: 20_000 }).toBe(at(walk[0]!))
      for (const p of walk.slice(1)) {
        await phone.setGeolocation({ longitude: p[0], latitude: p[1], accuracy: 8 })
        await expect.poll(() => patrol.getAttribute('data-last'), { timeout: 20_000 }).toBe(at(p))
      }
      await page.getByTestId('patrol-end').click()
      expect(await patrol.getAttribute('data-mode')).toBe('ended')
      const count = Number(await patrol.getAttribute('data-count'))
      expect(count).toBeGreaterThanOrEqual(4)
      expect(await page.getByTestId('patrol-status').textContent()).toMatch(/巡查结束：\d+ 个位置点/)

      await page.getByTestId('record-findings').fill('浏览器测试：巡查轨迹与照片压缩')
      await page.screenshot({ path: path.join(OUT, 'field-photos-phone.png'), fullPage: true })
      await expect.poll(() => page.getByTestId('record-submit').isEnabled(), { timeout: 15_000 }).toBe(true)
      await page.getByTestId('record-submit').click()
      await expect.poll(() => page.getByTestId('ws-notice').textContent(), { timeout: 30_000 }).toMatch(/巡查轨迹覆盖网格面积 \d+\.\d%/)
      expect(errors).toEqual([])

      // the stored photo: ≤ 1,600 px on its longest side, EXIF time and position recorded from the phone
      const photo = await app.db.photo.findUniqueOrThrow({ where: { id: photoId } })
      const decoded = jpeg.decode(Buffer.from(photo.data), { maxMemoryUsageInMB: 256 })
      expect(Math.max(decoded.width, decoded.height)).toBe(1600)
      expect(decoded.width / decoded.height).toBeCloseTo(4 / 3, 2)
      expect(photo.size).toBeLessThan(big.length)
      expect(photo.takenAt?.toISOString()).toBe('2026-11-02T01:15:30.000Z')
      expect(photo.exifLat).toBeCloseTo(34.3051, 4)
      expect(photo.exifLng).toBeCloseTo(107.1049, 4)
      expect(photo.exifSource).toBe('device')
      expect(photo.inspectionId).not.toBeNull()
      inspectionId = photo.inspectionId!
      expect((await app.db.photo.findMany({ where: { inspectionId }, select: { id: true }, orderBy: { id: 'asc' } })).map((p) => p.id)).toEqual([photoId, secondId])

      // the track: every position walked, times increasing, a coverage figure
      const track = await app.db.patrolTrack.findUniqueOrThrow({ where: { inspectionId } })
      const feature = JSON.parse(track.geojson) as { geometry: { coordinates: [number, number][] }; properties: { times: string[] } }
      expect(track.pointCount).toBe(count)
      for (const p of walk) expect(feature.geometry.coordinates.some((c) => at(c) === at(p))).toBe(true)
      const times = feature.properties.times.map((t) => Date.parse(t))
      expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true)
      expect(track.coverage).toBeGreaterThan(0)
    } finally {
      await phone.close()
    }

    // the leader: the grid's panel shows the track's coverage beside the presence verdict, the map draws it
    const coverage = (await app.db.patrolTrack.findUniqueOrThrow({ where: { inspectionId } })).coverage!
    const desk = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
    try {
      const page = await desk.newPage()
      await signIn(page, app.url, 'leader')
      await page.goto(`${app.url}/#/?grid=${grid.properties.id}`)
      await page.reload() // the map reads ?grid= when it opens
      await page.getByTestId('panel-patrol').waitFor({ timeout: 30_000 })
      expect(await page.getByTestId('panel-patrol-coverage').textContent()).toBe(`50 米范围内覆盖网格面积 ${pct(coverage)}`)
      expect(await page.getByTestId('panel-patrol').textContent()).toMatch(/到岗核验：已核验到岗/)
      await page.waitForFunction((n) => {
        const map = window.__gridduty?.map
        const src = map?.getSource('patrol-track') as { serialize?: () => { data?: { features?: unknown[] } } } | undefined
        return !!map?.getLayer('patrol-track-line') && (src?.serialize?.().data?.features?.length ?? 0) === n + 1
      }, Number(await app.db.patrolTrack.findUniqueOrThrow({ where: { inspectionId } }).then((t) => t.pointCount)), { timeout: 30_000 })
      await page.screenshot({ path: path.join(OUT, 'field-track-leader.png') })
    } finally {
      await desk.close()
    }
  })
})
