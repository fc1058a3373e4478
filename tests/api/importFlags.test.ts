/**
 * The flags an import gives each problem — boundary (边界问题: other grids of its level whose boundary is
 * within PROBLEM_BOUNDARY_M) and rebound (反弹: the nearest problem of the same category closed within
 * PROBLEM_REBOUND_DAYS and PROBLEM_REBOUND_M) — computed while the ledger is still being read
 * (problemImport.ts importFlags, per part), equal turf's own distances: rows placed a few metres inside
 * grid boundaries, near corners, in the middle of grids, next to recently closed problems and to one
 * closed too long ago. Parts of 50,000 rows are not needed for this: the flags go through the same
 * placer for every part.
 */
import { distance, pointOnFeature, pointToPolygonDistance } from '@turf/turf'
import type { Feature, MultiPolygon, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mulberry32 } from '../../server/domain/random.ts'
import { commitImport } from '../../server/services/problemImport.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const BOUNDARY_M = 30, REBOUND_M = 50, REBOUND_DAYS = 30 // the defaults (NEARBY_DEFAULTS), unset in tests

describe.each(testDatabases())('import flags on %s', (kind) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db: kind }) })
  afterAll(() => app.stop())

  it('boundary grids and rebounds of imported rows equal turf on the city\'s own boundaries', async () => {
    const now = new Date()
    const grids = (await app.db.grid.findMany({ where: { level: 'community', retiredAt: null }, select: { id: true, geometry: true } }))
      .map((g) => ({ id: g.id, feature: { type: 'Feature', properties: {}, geometry: JSON.parse(g.geometry) } as Feature<Polygon | MultiPolygon> }))
    expect(grids.length).toBeGreaterThan(10)
    const r = mulberry32(7)
    // points: for each grid, vertices of its outer ring nudged 2–60 m towards its inside point, and that inside point
    const pts: [number, number][] = []
    for (const g of grids) {
      const inner = pointOnFeature(g.feature).geometry.coordinates as [number, number]
      pts.push(inner)
      const ring = g.feature.geometry.type === 'Polygon' ? g.feature.geometry.coordinates[0]! : g.feature.geometry.coordinates[0]![0]!
      for (let k = 0; k < 4; k++) {
        const v = ring[Math.floor(r() * (ring.length - 1))]!
        const d = distance(v, inner, { units: 'meters' })
        const f = Math.min(0.9, (2 + r() * 58) / Math.max(d, 1))
        pts.push([v[0]! + (inner[0] - v[0]!) * f, v[1]! + (inner[1] - v[1]!) * f])
      }
    }
    // closed problems: one near the first points (same category, closed 3 days ago), one near others of its category closed 40 days ago
    const admin = (await app.db.user.findFirst({ where: { role: 'admin' } }))!
    const base = { categoryCode: 'LJ01', description: '已结案', status: 'closed', reporterName: 'x', source: 'app', deadline: now, reportedAt: now, updatedAt: now, createdAt: now }
    const [p0, p1] = [pts[0]!, pts[5]!]
    const recent = await app.db.problem.create({ data: { ...base, lng: p0[0] + 0.0001, lat: p0[1], closedAt: new Date(now.getTime() - 3 * 86_400_000) } })
    const old = await app.db.problem.create({ data: { ...base, categoryCode: 'XX01', lng: p1[0] + 0.0001, lat: p1[1], closedAt: new Date(now.getTime() - 40 * 86_400_000) } })
    const closed = [recent, old]
    const lines = ['工单编号,类别,描述,经度,纬度']
    pts.forEach(([x, y], i) => lines.push(`F-${i},${i % 2 ? 'XX01' : 'LJ01'},第${i}行,${x.toFixed(8)},${y.toFixed(8)}`))
    const res = await commitImport(app.db, app.catalog, admin, Buffer.from(lines.join('\n') + '\n'), { fileName: 'flags.csv', coordSystem: 'wgs84', mode: 'good-rows' }, now)
    expect(res.summary.imported).toBe(pts.length)
    const problems = await app.db.problem.findMany({ where: { importBatchId: res.batchId! }, orderBy: { id: 'asc' } })
    let flagged = 0, rebounds = 0
    for (const p of problems) {
      // turf's distance from the point to every other grid's boundary of the level
      const near = grids.filter((g) => g.id !== p.gridId)
        .map((g) => ({ id: g.id, d: Math.abs(pointToPolygonDistance([p.lng, p.lat], g.feature, { units: 'meters' })) }))
        .filter((x) => x.d <= BOUNDARY_M).sort((a, b) => a.d - b.d || a.id - b.id).map((x) => x.id)
      expect(p.boundaryGridIds === null ? [] : JSON.parse(p.boundaryGridIds), `problem at ${p.lng},${p.lat}`).toEqual(near)
      if (near.length) flagged++
      const since = now.getTime() - REBOUND_DAYS * 86_400_000
      const from = closed.filter((c) => c.categoryCode === p.categoryCode && c.closedAt!.getTime() >= since)
        .map((c) => ({ id: c.id, d: distance([p.lng, p.lat], [c.lng, c.lat], { units: 'meters' }) })).filter((x) => x.d <= REBOUND_M).sort((a, b) => a.d - b.d)
      expect(p.reboundOfId, `problem ${p.externalId}`).toBe(from[0]?.id ?? null)
      if (p.reboundOfId !== null) rebounds++
      // the 'report' event's note says the same
      const ev = (await app.db.problemEvent.findFirst({ where: { problemId: p.id, action: 'report' } }))!
      expect(ev.note.includes('边界问题')).toBe(near.length > 0)
      expect(ev.note.includes('反弹')).toBe(p.reboundOfId !== null)
    }
    expect(flagged).toBeGreaterThan(grids.length) // most nudged vertices are near a neighbour
    expect(flagged).toBeLessThan(problems.length) // the inside points mostly are not
    expect(rebounds).toBeGreaterThan(0)
    expect(problems.some((p) => p.reboundOfId === old.id)).toBe(false)
  }, 120_000)
})
