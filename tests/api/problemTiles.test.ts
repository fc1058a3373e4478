/**
 * Open problems as server-side cluster tiles (/tiles/problems/{z}/{x}/{y}.pbf, problem.mapInfo;
 * server/services/problemTiles.ts): over a set of tiles covering the open problems, every open
 * problem is counted exactly once (cluster point_count, or 1 for a single problem, counting only
 * features inside their tile, not the repeated edge buffer) at several zooms; at the deepest zoom
 * the single problems are exactly problem.map's (a separate query, the reference); a department
 * sees only its own; a new problem changes the version and appears.
 */
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../server/db/client.ts'
import { mulberry32 } from '../../server/domain/random.ts'
import { encodeProblemTile, PROBLEM_CLUSTER_MAX_ZOOM, PROBLEM_TILE_EXTENT, PROBLEM_TILE_LAYER, ProblemTiles } from '../../server/services/problemTiles.ts'
import { loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

function tileOf(lng: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z, r = (lat * Math.PI) / 180
  return { x: Math.floor(((lng + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) }
}

interface Counted { total: number; singles: number[]; clusters: number }

/** Features inside the tile (0 ≤ x, y < extent): each counts point_count (a cluster) or 1 (a problem, its id kept). */
function count(buf: Uint8Array, into: Counted): void {
  const layer = new VectorTile(new PbfReader(buf)).layers[PROBLEM_TILE_LAYER]
  if (!layer) throw new Error(`tile has no "${PROBLEM_TILE_LAYER}" layer`)
  expect(layer.extent).toBe(PROBLEM_TILE_EXTENT)
  for (let i = 0; i < layer.length; i++) {
    const f = layer.feature(i)
    const p = f.loadGeometry()[0]![0]!
    if (p!.x < 0 || p!.y < 0 || p!.x >= layer.extent || p!.y >= layer.extent) continue // the edge buffer: counted in its own tile
    if (f.properties.cluster) { into.total += Number(f.properties.point_count); into.clusters++ } else { into.total++; into.singles.push(Number(f.properties.id)) }
  }
}

/** Every tile of zoom z over the bbox (all of them: a cluster's centre may lie where no problem is). */
function* covering(bbox: [number, number, number, number], z: number): Generator<[number, number]> {
  const a = tileOf(bbox[0], bbox[3], z), b = tileOf(bbox[2], bbox[1], z)
  for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) yield [x, y]
}

const bboxOf = (pts: [number, number][]): [number, number, number, number] => [
  Math.min(...pts.map((p) => p[0])), Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[1])),
]

describe('problem cluster tiles on a synthetic set (no server)', () => {
  // 6,000 open problems in a small town, two departments, some closed (not on the map), some overdue
  const rand = mulberry32(14)
  const now = new Date('2026-11-30T04:00:00Z')
  const rows = Array.from({ length: 7000 }, (_, i) => ({
    id: i + 1, lng: 107.1 + rand() * 0.05 * rand(), lat: 34.35 + rand() * 0.04,
    status: i % 7 === 0 ? 'closed' : 'dispatched', departmentId: i % 3 === 0 ? 2 : 1,
    deadline: new Date(now.getTime() + (rand() - 0.3) * 86_400_000 * 5),
  }))
  const db = {
    problem: {
      aggregate: async () => ({ _max: { id: rows.length, updatedAt: now } }),
      findMany: async (q: { where: { status: { in: string[] } } }) => rows.filter((r) => q.where.status.in.includes(r.status)),
    },
  } as unknown as Db
  const open = rows.filter((r) => r.status !== 'closed')

  it.each([0, 4, 9, 12, 14, PROBLEM_CLUSTER_MAX_ZOOM, PROBLEM_CLUSTER_MAX_ZOOM + 1])('counts every open problem exactly once at z%i, per scope', async (z) => {
    const tiles = new ProblemTiles(db, () => now)
    for (const own of [null, 1, 2] as const) {
      const expected = open.filter((r) => own === null || r.departmentId === own)
      const scope = await tiles.current(own)
      expect(scope.count).toBe(expected.length)
      const c: Counted = { total: 0, singles: [], clusters: 0 }
      for (const [x, y] of covering(bboxOf(expected.map((r) => [r.lng, r.lat])), z)) {
        const t = encodeProblemTile(scope, z, x, y)
        if (t) count(t.pbf, c)
      }
      expect(c.total).toBe(expected.length)
      expect(new Set(c.singles).size).toBe(c.singles.length)
      if (z > PROBLEM_CLUSTER_MAX_ZOOM) expect(c.singles.sort((a, b) => a - b)).toEqual(expected.map((r) => r.id))
      if (z <= 12) expect(c.clusters).toBeGreaterThan(0)
      for (const id of c.singles) expect(expected.some((r) => r.id === id), `problem ${id} is in scope ${own}`).toBe(true)
    }
  })
})

describe.each(testDatabases())('problem cluster tiles on %s', (dbKind) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db: dbKind }) })
  afterAll(async () => { await app?.stop() })

  const cookieOf = async (login: string) => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}123` }) })
    return res.headers.getSetCookie()[0]!.split(';')[0]!
  }

  async function countTiles(cookie: string, version: string, tiles: Iterable<[number, number]>, z: number): Promise<Counted> {
    const c: Counted = { total: 0, singles: [], clusters: 0 }
    for (const [x, y] of tiles) {
      const res = await fetch(`${app.url}/tiles/problems/${z}/${x}/${y}.pbf?v=${version}`, { headers: { cookie } })
      if (res.status === 204) continue
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/x-protobuf')
      expect(res.headers.get('cache-control')).toBe('private, max-age=31536000, immutable')
      count(new Uint8Array(await res.arrayBuffer()), c)
    }
    return c
  }

  it('the tiles hold every open problem of problem.map exactly once, for a leader and for a department', async () => {
    for (const login of ['leader', 'rfb']) {
      const client = await loggedIn(app.url, login)
      const cookie = await cookieOf(login)
      const [info, map] = await Promise.all([client.problem.mapInfo.query(), client.problem.map.query()])
      const ids = map.features.map((f) => f.properties.id).sort((a, b) => a - b)
      expect(info.count).toBe(ids.length)
      expect(ids.length).toBeGreaterThan(0)
      const pts = map.features.map((f) => f.geometry.coordinates as [number, number])
      for (const z of [3, 10, 13]) {
        const c = await countTiles(cookie, info.version, covering(bboxOf(pts), z), z)
        expect(c.total, `${login} z${z}`).toBe(ids.length)
      }
      // beyond the clusters: the single problems are problem.map's (tiles where a problem lies)
      const z = PROBLEM_CLUSTER_MAX_ZOOM + 1
      const tiles = new Map(pts.map((p) => { const t = tileOf(p[0], p[1], z); return [`${t.x}/${t.y}`, [t.x, t.y] as [number, number]] }))
      const c = await countTiles(cookie, info.version, tiles.values(), z)
      expect(c.singles.sort((a, b) => a - b)).toEqual(ids)
      expect(c.clusters).toBe(0)
    }
    // the department's scope is smaller than the leader's, and the versions differ (one per scope)
    const [leader, rfb] = await Promise.all([(await loggedIn(app.url, 'leader')).problem.mapInfo.query(), (await loggedIn(app.url, 'rfb')).problem.mapInfo.query()])
    expect(rfb.count).toBeLessThan(leader.count)
    expect(rfb.version).not.toBe(leader.version)
  })

  it('needs a session; a department never gets another scope\'s tiles by naming its version', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const info = await leader.problem.mapInfo.query()
    const noSession = await fetch(`${app.url}/tiles/problems/3/6/3.pbf?v=${info.version}`)
    expect(noSession.status).toBe(401)
    expect((await noSession.json() as { error: { appCode: string } }).error.appCode).toBe('NOT_LOGGED_IN')
    const cookie = await cookieOf('rfb')
    const rfbCount = (await (await loggedIn(app.url, 'rfb')).problem.mapInfo.query()).count
    // the leader's version with the department's cookie: the department's own tile, not cached as immutable
    const map = await leader.problem.map.query()
    const pts = map.features.map((f) => f.geometry.coordinates as [number, number])
    const c: Counted = { total: 0, singles: [], clusters: 0 }
    for (const [x, y] of covering(bboxOf(pts), 3)) {
      const res = await fetch(`${app.url}/tiles/problems/3/${x}/${y}.pbf?v=${info.version}`, { headers: { cookie } })
      if (res.status === 204) continue
      expect(res.headers.get('cache-control')).toBe('private, no-cache')
      count(new Uint8Array(await res.arrayBuffer()), c)
    }
    expect(c.total).toBe(rfbCount)
    expect((await fetch(`${app.url}/tiles/problems/19/0/0.pbf`, { headers: { cookie } })).status).toBe(404)
  })

  it('a new problem changes the version and is on the tiles at once', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const before = await leader.problem.mapInfo.query()
    const map = await leader.problem.map.query()
    const [lng, lat] = map.features[0]!.geometry.coordinates as [number, number]
    const p = await leader.problem.create.mutate({ lng: lng + 0.0003, lat, categoryCode: 'LJ01', description: '测试：聚合瓦片' })
    const after = await leader.problem.mapInfo.query()
    expect(after.count).toBe(before.count + 1)
    expect(after.version).not.toBe(before.version)
    const z = PROBLEM_CLUSTER_MAX_ZOOM + 1, t = tileOf(lng + 0.0003, lat, z)
    const c = await countTiles(await cookieOf('leader'), after.version, [[t.x, t.y]], z)
    expect(c.singles).toContain(p.id)
  })
})
