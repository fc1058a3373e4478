/**
 * The problem loop in a real browser (headless Chromium): a leader reports a problem by clicking the
 * report form's map inside 南面滩社区, registers and dispatches it; the holding department (市人防办)
 * accepts it and submits the fix with a note; the leader verifies it and the problem is closed, with
 * the whole history in the drawer's timeline. No console errors, no failed requests.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { loggedIn } from '../support/apiClient.ts'
import type { RunningApp } from '../support/appServer.ts'
import { signedInSession, startBrowserApp, stopBrowserApp } from '../support/browser.ts'


let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

const session = (user: string, width = 1280, height = 860) => signedInSession(browser, app.url, user, { width, height })

async function act(page: Page, action: string, note?: string) {
  await page.getByTestId(`action-${action}`).click()
  if (note) await page.getByTestId('action-note').fill(note)
  await page.getByTestId('action-confirm').click()
  await page.getByTestId('detail-message').waitFor()
}

describe('problem loop in the browser', () => {
  it('reports a problem on the map and follows it to closure', async () => {
    const api = await loggedIn(app.url, 'leader')
    const f = (await api.grid.list.query({ level: 'community' })).features.find((x) => x.properties.name === '南面滩社区')!
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]

    // the leader reports it by clicking the map
    const leader = await session('leader')
    await leader.page.goto(`${app.url}/#/problems`)
    await leader.page.getByTestId('tab-report').click()
    await leader.page.waitForFunction(() => {
      const m = window.__griddutyPick
      return !!m && m.loaded() && !!m.getSource('pick-grids')
    }, undefined, { timeout: 60_000 })
    const pixel = await leader.page.evaluate(([x, y]) => {
      const m = window.__griddutyPick!
      m.jumpTo({ center: [x, y], zoom: 16 })
      const p = m.project([x, y])
      return { x: p.x, y: p.y }
    }, [lng, lat] as const)
    const box = (await leader.page.getByTestId('pick-map').boundingBox())!
    await leader.page.mouse.click(box.x + pixel.x, box.y + pixel.y)
    await expect.poll(() => leader.page.getByTestId('report-where').textContent(), { timeout: 15_000 }).toContain('南面滩社区')
    const typedLng = Number(await leader.page.getByTestId('report-lng').inputValue())
    expect(Math.abs(typedLng - lng)).toBeLessThan(0.0005)
    await leader.page.getByTestId('report-category').selectOption('XX01')
    await leader.page.getByTestId('report-description').fill('浏览器测试：楼道乱堆杂物')
    await leader.page.getByTestId('report-submit').click()
    await leader.page.getByTestId('problem-detail').waitFor()
    await expect.poll(() => leader.page.getByTestId('detail-status').textContent()).toBe('已上报')
    expect(await leader.page.getByTestId('detail-department').textContent()).toBe('市人防办')
    const title = await leader.page.getByTestId('problem-detail').getAttribute('aria-label')
    const id = Number(/#(\d+)/.exec(title ?? '')![1])

    await act(leader.page, 'register')
    await expect.poll(() => leader.page.getByTestId('detail-status').textContent()).toBe('已立案')
    await act(leader.page, 'dispatch')
    await expect.poll(() => leader.page.getByTestId('detail-status').textContent()).toBe('已派遣')

    // the department accepts and submits the fix, on a phone
    const rfb = await session('rfb', 390, 800)
    await rfb.page.goto(`${app.url}/#/problems?id=${id}`)
    await rfb.page.getByTestId('problem-detail').waitFor()
    await expect.poll(() => rfb.page.getByTestId('detail-status').textContent()).toBe('已派遣')
    await act(rfb.page, 'accept')
    await expect.poll(() => rfb.page.getByTestId('detail-status').textContent()).toBe('整改中')
    // a submit without a note is refused in the form
    await rfb.page.getByTestId('action-submit').click()
    await rfb.page.getByTestId('action-confirm').click()
    await rfb.page.getByTestId('action-error').waitFor()
    await rfb.page.getByTestId('action-note').fill('已清理完毕')
    await rfb.page.getByTestId('action-confirm').click()
    await expect.poll(() => rfb.page.getByTestId('detail-status').textContent()).toBe('待核查')
    expect(await rfb.page.getByTestId('action-verifyPass').count()).toBe(0)

    // the leader verifies and closes it
    await leader.page.goto(`${app.url}/#/problems?id=${id}`)
    await leader.page.reload()
    await leader.page.getByTestId('problem-detail').waitFor()
    await expect.poll(() => leader.page.getByTestId('detail-status').textContent()).toBe('待核查')
    await act(leader.page, 'verifyPass', '现场核查已整改')
    await expect.poll(() => leader.page.getByTestId('detail-status').textContent()).toBe('已结案')
    const timeline = await leader.page.getByTestId('detail-timeline').locator('li').allTextContents()
    expect(timeline).toHaveLength(6)
    expect(timeline[0]).toContain('上报')
    expect(timeline[4]).toContain('已清理完毕')
    expect(timeline[5]).toContain('核查通过')
    expect(await api.problem.byId.query({ id })).toMatchObject({ status: 'closed', departmentName: '市人防办' })

    expect(leader.problems).toEqual([])
    expect(rfb.problems).toEqual([])
    await leader.context.close()
    await rfb.context.close()
  }, 180_000)

  it('the clustered and heatmap problem layers are valid and draw on the coverage map', async () => {
    const { problemClusterSource, problemModeLayers, PROBLEM_CLUSTER_SOURCE, PROBLEM_LAYERS } = await import('../../client/features/problems/mapLayers.ts')
    const api = await loggedIn(app.url, 'leader')
    const points = await api.problem.map.query()
    const leader = await session('leader')
    await leader.page.waitForFunction(() => { const m = window.__gridduty?.map; return !!m && m.loaded() && !!m.getSource('problems') }, undefined, { timeout: 60_000 })
    const specs = JSON.parse(JSON.stringify({ source: problemClusterSource(points as unknown as GeoJSON.FeatureCollection), clusters: problemModeLayers('clusters', true, 'problems'), heat: problemModeLayers('heatmap', true, 'problems') })) as { source: unknown; clusters: unknown[]; heat: unknown[] }
    const drawn = await leader.page.evaluate(async ({ specs, srcId, ids }) => {
      const m = window.__gridduty!.map
      m.addSource(srcId, specs.source as never)
      for (const l of [...specs.clusters, ...specs.heat]) m.addLayer(l as never)
      await new Promise<void>((r) => m.once('idle', () => r()))
      const count = (id: string) => m.queryRenderedFeatures({ layers: [id] }).length
      return { clusters: count(ids.clusters), points: count(ids.points), heat: m.getLayer(ids.heat)?.type ?? null }
    }, { specs, srcId: PROBLEM_CLUSTER_SOURCE, ids: PROBLEM_LAYERS })
    expect(drawn.clusters + drawn.points).toBeGreaterThan(0)
    expect(drawn.clusters).toBeGreaterThan(0) // 200+ open problems over the city: some cluster at city zoom
    expect(drawn.heat).toBe('heatmap')
    expect(leader.problems).toEqual([])
    await leader.context.close()
  }, 120_000)

  it('imports a CSV: preview with the bad rows named, then commit the good rows', async () => {
    const api = await loggedIn(app.url, 'leader')
    const f = (await api.grid.list.query({ level: 'community' })).features.find((x) => x.properties.name === '北面滩社区')!
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    const csv = `编号,经度,纬度,类别,描述\nBR-1,${lng},${lat},LJ01,浏览器导入\nBR-2,abc,${lat},LJ01,坐标错误\n`
    const leader = await session('leader', 390, 800)
    await leader.page.goto(`${app.url}/#/problem-import`)
    await leader.page.getByTestId('import-coords-wgs84').check()
    await leader.page.getByTestId('import-file').setInputFiles({ name: 'hotline.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await leader.page.getByTestId('import-preview').click()
    await expect.poll(() => leader.page.getByTestId('import-summary').textContent()).toContain('可导入 1')
    const rows = await leader.page.getByTestId('import-rows').locator('tbody tr').allTextContents()
    expect(rows).toHaveLength(2)
    expect(rows[0]).toContain('北面滩社区')
    expect(rows[1]).toMatch(/^3经纬度无效/)
    await leader.page.getByTestId('import-mode').selectOption('good-rows')
    await leader.page.getByTestId('import-commit').click()
    await expect.poll(() => leader.page.getByTestId('import-committed').textContent()).toContain('新增 1 个问题')
    expect((await api.problem.list.query({ limit: 5 })).items.some((p) => p.externalId === 'ext:编号:BR-1')).toBe(true)
    expect(leader.problems).toEqual([])
    await leader.context.close()
  }, 120_000)
})
