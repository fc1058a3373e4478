/**
 * Grid label points over HTTP: `grid.labels` gives one point per grid of a level, inside the grid,
 * the same point grid.list carries (labelPoint) and the tiles' `labels` layer holds; in the tiles
 * every grid's label is anchored in exactly one tile (the one MapLibre draws it from), however many
 * tiles its polygon spans — the cause of 高新一路社区 ×4 at high zoom is gone.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GRID_LABEL_TILE_LAYER } from '../../server/services/gridTiles.ts'
import { loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

function tileOf(lng: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z, r = (lat * Math.PI) / 180
  return { x: Math.floor(((lng + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) }
}

describe.each(testDatabases())('grid label points on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) })
  afterAll(async () => { await app?.stop() })

  it('grid.labels: one point per grid, inside it, the same as grid.list\'s labelPoint', async () => {
    const client = await loggedIn(app.url, 'leader')
    for (const level of ['street', 'community'] as const) {
      const [labels, list] = await Promise.all([client.grid.labels.query({ level }), client.grid.list.query({ level })])
      expect(labels.features.length).toBe(list.features.length)
      expect(new Set(labels.features.map((f) => f.id)).size).toBe(labels.features.length)
      const byId = new Map(list.features.map((f) => [f.properties.id, f]))
      for (const l of labels.features) {
        const g = byId.get(l.id as number)
        expect(g, `label ${l.id} is a ${level} grid`).toBeDefined()
        expect(l.geometry.type).toBe('Point')
        expect(l.properties.name).toBe(g!.properties.name)
        expect(l.geometry.coordinates).toEqual(g!.properties.labelPoint)
        expect(booleanPointInPolygon(l.geometry.coordinates, g!.geometry, { ignoreBoundary: true }), `${g!.properties.name}'s label inside it`).toBe(true)
      }
    }
  })

  it('anonymous callers get no labels', async () => {
    const res = await fetch(`${app.url}/trpc/grid.labels?input=${encodeURIComponent(JSON.stringify({ level: 'community' }))}`)
    expect(res.status).toBe(401)
  })

  it('in the tiles at z14, every grid\'s label is anchored in exactly one tile', async () => {
    const login = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'leader', password: 'leader123' }) })
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const client = await loggedIn(app.url, 'leader')
    const [labels, status] = await Promise.all([client.grid.labels.query({ level: 'community' }), client.grid.status.query({ level: 'community' })])
    const xs = labels.features.map((f) => f.geometry.coordinates[0]!), ys = labels.features.map((f) => f.geometry.coordinates[1]!)
    const z = 14, a = tileOf(Math.min(...xs), Math.max(...ys), z), b = tileOf(Math.max(...xs), Math.min(...ys), z)
    expect((b.x - a.x + 1) * (b.y - a.y + 1)).toBeLessThan(400) // a test of the demo district, not of the whole province
    const anchored = new Map<number, number>()
    for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) {
      const res = await fetch(`${app.url}/tiles/grids/community/${z}/${x}/${y}.pbf?v=${status.tilesVersion}`, { headers: { cookie } })
      if (res.status === 204) continue
      expect(res.status).toBe(200)
      const layer = new VectorTile(new PbfReader(new Uint8Array(await res.arrayBuffer()))).layers[GRID_LABEL_TILE_LAYER]
      if (!layer) continue
      for (let i = 0; i < layer.length; i++) {
        const f = layer.feature(i)
        expect(f.type).toBe(1) // point
        const [[p]] = f.loadGeometry() as unknown as [[{ x: number; y: number }]]
        // a point in the tile's buffer belongs to the neighbour: MapLibre does not draw it here
        if (p.x < 0 || p.y < 0 || p.x >= layer.extent || p.y >= layer.extent) continue
        anchored.set(f.id!, (anchored.get(f.id!) ?? 0) + 1)
      }
    }
    const want = new Map(labels.features.map((f) => [f.id as number, 1]))
    expect(new Map([...anchored].sort((p, q) => p[0] - q[0]))).toEqual(new Map([...want].sort((p, q) => p[0] - q[0])))
  })
})
