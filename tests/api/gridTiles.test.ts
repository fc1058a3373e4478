/**
 * Vector tiles of the grids (/tiles/grids/{level}/{z}/{x}/{y}.pbf) and the light month status
 * (grid.status) the map joins onto them: tiles decode, carry the expected grid ids, need a
 * session, cache by version; grid.status says what grid.list says for every grid.
 */
import { pointOnFeature } from '@turf/turf'
import { VectorTile } from '@mapbox/vector-tile'
import { PbfReader } from 'pbf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GridCatalog } from '../../server/services/gridCatalog.ts'
import { GRID_TILE_LAYER, GridTiles } from '../../server/services/gridTiles.ts'
import type { Db } from '../../server/db/client.ts'
import { addMonths, monthOf } from '../../server/domain/time.ts'
import { loggedIn } from '../support/apiClient.ts'
import { gridFeatureStates, GRID_SOURCE_LAYER, layersForTiles, statusAsCollection } from '../../client/map/gridTiles.ts'
import { mapLayers, SRC } from '../../client/map/layers.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

/** Slippy-map tile of a point. */
function tileOf(lng: number, lat: number, z: number): { x: number; y: number } {
  const n = 2 ** z, r = (lat * Math.PI) / 180
  return { x: Math.floor(((lng + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n) }
}

function decode(buf: ArrayBuffer | Uint8Array) {
  const layer = new VectorTile(new PbfReader(buf instanceof Uint8Array ? buf : new Uint8Array(buf))).layers[GRID_TILE_LAYER]
  if (!layer) throw new Error(`tile has no "${GRID_TILE_LAYER}" layer`)
  return Array.from({ length: layer.length }, (_, i) => layer.feature(i))
}

describe.each(testDatabases())('grid tiles and grid.status on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) })
  afterAll(async () => { await app?.stop() })

  const session = async (login = 'leader') => {
    const res = await fetch(`${app.url}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}123` }) })
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!
    return { client: await loggedIn(app.url, login), cookie }
  }

  it('serves tiles that decode to the district\'s grids, with grid ids as feature ids', async () => {
    const { client, cookie } = await session()
    const status = await client.grid.status.query({ level: 'community' })
    const list = await client.grid.list.query({ level: 'community' })
    const byId = new Map(list.features.map((f) => [f.properties.id, f]))
    // every tile at z10 that the district's bbox touches; together they hold every community
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity]
    for (const f of list.features) {
      const visit = (c: unknown): void => {
        if (Array.isArray(c) && typeof c[0] === 'number') { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1] as number); n = Math.max(n, c[1] as number) }
        else if (Array.isArray(c)) c.forEach(visit)
      }
      visit(f.geometry.coordinates)
    }
    const z = 10, a = tileOf(w, n, z), b = tileOf(e, s, z)
    const seen = new Set<number>()
    for (let x = a.x; x <= b.x; x++) for (let y = a.y; y <= b.y; y++) {
      const res = await fetch(`${app.url}/tiles/grids/community/${z}/${x}/${y}.pbf?v=${status.tilesVersion}`, { headers: { cookie } })
      if (res.status === 204) continue
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/x-protobuf')
      expect(res.headers.get('cache-control')).toMatch(/immutable/)
      for (const f of decode(await res.arrayBuffer())) {
        expect(typeof f.id).toBe('number')
        const g = byId.get(f.id!)
        expect(g, `tile feature ${f.id} is a community grid`).toBeDefined()
        expect(f.properties.name).toBe(g!.properties.name)
        expect(f.properties.code).toBe(g!.properties.code)
        expect(f.type).toBe(3) // polygon
        seen.add(f.id!)
      }
    }
    expect([...seen].sort((p, q) => p - q)).toEqual([...byId.keys()].sort((p, q) => p - q))
  })

  it('a zoomed-in tile holds the grid at its centre, with geometry where the grid is', async () => {
    const { client, cookie } = await session()
    const hit = (await client.grid.search.query({ q: '均家滩' })).find((g) => g.level === 'community')!
    const [w, s, e, n] = hit.bbox
    const inside = await client.grid.list.query({ level: 'community' })
    const f = inside.features.find((x) => x.properties.id === hit.id)!
    const ring = (f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0]![0])!
    // a point surely inside the grid (turf's pointOnFeature, not the server's locate)
    const [cx, cy] = pointOnFeature(f).geometry.coordinates as [number, number]
    const located = await client.grid.locate.query({ lng: cx, lat: cy })
    expect(located.community?.id).toBe(hit.id)
    const z = 13, { x, y } = tileOf(cx, cy, z)
    const res = await fetch(`${app.url}/tiles/grids/community/${z}/${x}/${y}.pbf`, { headers: { cookie } })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toMatch(/no-cache/) // no version in the URL: revalidate
    const features = decode(await res.arrayBuffer())
    const ids = features.map((t) => t.id)
    expect(ids).toContain(hit.id)
    const mine = features.find((t) => t.id === hit.id)
    expect(mine).toBeDefined()
    // the decoded boundary lies within the grid's bbox (tile coordinates are quantised: ~1e-5°)
    const geo = mine!.toGeoJSON(x, y, z)
    const coords = (geo.geometry.type === 'Polygon' ? geo.geometry.coordinates.flat() : geo.geometry.type === 'MultiPolygon' ? geo.geometry.coordinates.flat(2) : []) as number[][]
    expect(coords.length).toBeGreaterThan(3)
    const eps = 1e-4
    for (const [lng, lat] of coords) {
      expect(lng!).toBeGreaterThan(w - eps); expect(lng!).toBeLessThan(e + eps)
      expect(lat!).toBeGreaterThan(s - eps); expect(lat!).toBeLessThan(n + eps)
    }
    expect(ring.length).toBeGreaterThan(3)
  })

  it('needs a session, checks the path, and answers 304 to a matching ETag', async () => {
    const { cookie } = await session('rfb')
    const anon = await fetch(`${app.url}/tiles/grids/community/10/830/410.pbf`)
    expect(anon.status).toBe(401)
    expect((await anon.json() as { error: { appCode: string } }).error.appCode).toBe('NOT_LOGGED_IN')
    for (const bad of ['/tiles/grids/unit/10/1/1.pbf', '/tiles/grids/community/15/1/1.pbf', '/tiles/grids/community/3/9/1.pbf', '/tiles/grids/community/a/1/1.pbf']) {
      const r = await fetch(`${app.url}${bad}`, { headers: { cookie } })
      expect(r.status, bad).toBe(404)
      expect((await r.json() as { error: { appCode: string } }).error.appCode).toBe('TILE_NOT_FOUND')
    }
    const empty = await fetch(`${app.url}/tiles/grids/community/10/0/0.pbf`, { headers: { cookie } })
    expect(empty.status).toBe(204)
    const first = await fetch(`${app.url}/tiles/grids/street/3/6/3.pbf`, { headers: { cookie } })
    expect(first.status).toBe(200)
    const etag = first.headers.get('etag')!
    expect(etag).toBeTruthy()
    const again = await fetch(`${app.url}/tiles/grids/street/3/6/3.pbf`, { headers: { cookie, 'if-none-match': etag } })
    expect(again.status).toBe(304)
  })

  it('grid.status equals grid.list for every grid, this month and last', async () => {
    const { client } = await session()
    for (const level of ['community', 'street'] as const) {
      for (const month of [undefined, addMonths(monthOf(new Date()), -1)]) {
        const [status, list] = await Promise.all([client.grid.status.query({ level, month }), client.grid.list.query({ level, month })])
        expect(status.count).toBe(list.features.length)
        expect(status.ids.length).toBe(status.count)
        const at = new Map(status.ids.map((id, i) => [id, i]))
        const depts = new Map(status.departments.map((d) => [d.id, d.name]))
        for (const f of list.features) {
          const i = at.get(f.properties.id)
          expect(i, `grid ${f.properties.name} in grid.status`).toBeDefined()
          expect(status.status[i!]).toBe(f.properties.inspectionStatus)
          expect(status.holderDepartmentId[i!]).toBe(f.properties.holderDepartmentId)
          expect(status.openProblems[i!]).toBe(f.properties.openProblems)
          expect(status.overdueProblems[i!]).toBe(f.properties.overdueProblems)
          expect(f.properties.holderDepartmentId === null ? null : depts.get(f.properties.holderDepartmentId)).toBe(f.properties.holderDepartment)
        }
      }
    }
    // the demo's 市人防办 holds 均家滩社区
    const s = await client.grid.status.query({ level: 'community' })
    const jjt = (await client.grid.search.query({ q: '均家滩' })).find((g) => g.level === 'community')!
    const dept = s.departments.find((d) => d.id === s.holderDepartmentId[s.ids.indexOf(jjt.id)])
    expect(dept?.name).toBe('市人防办')
  })
})

describe('GridTiles rebuilds when the catalog reloads', () => {
  const square = (x: number, y: number, d: number) => JSON.stringify({ type: 'Polygon', coordinates: [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]] })
  const row = (id: number, geometry: string, version: number) => ({
    id, code: `6103990010${String(id).padStart(2, '0')}`, name: `g${id}`, level: 'community', parentId: null, geometry,
    minLng: 0, minLat: 0, maxLng: 0, maxLat: 0, area: 1, version,
  })
  it('changes version and tile content after reload()', async () => {
    let rows = [row(1, square(107.10, 34.30, 0.01), 1), row(2, square(107.11, 34.30, 0.01), 1)]
    const fakeDb = { grid: { findMany: async () => rows, aggregate: async () => ({ _count: { _all: rows.length }, _max: { updatedAt: null } }) } } as unknown as Db
    // the grids only (GridCatalog.load also loads the holiday calendar, which this fake database has not)
    const catalog = new GridCatalog()
    await catalog.reload(fakeDb)
    const tiles = new GridTiles(catalog)
    const z = 12, { x, y } = tileOf(107.105, 34.305, z)
    const v1 = tiles.version('community')
    expect(decode(tiles.tile('community', z, x, y)!).map((f) => f.id).sort()).toEqual([1, 2])
    // grid 2 moves far away (a new version): it leaves the tile
    rows = [rows[0]!, row(2, square(108.5, 35.5, 0.01), 2)]
    await catalog.reload(fakeDb)
    expect(tiles.version('community')).not.toBe(v1)
    expect(decode(tiles.tile('community', z, x, y)!).map((f) => f.id)).toEqual([1])
    expect(tiles.tile('community', z, x + 1000, y)).toBeNull()
  })
})

describe('the map\'s layers on vector tiles (client/map/gridTiles.ts)', () => {
  it('read the month from feature-state, filter nothing by it, and name the source layer', () => {
    for (const colourMode of ['status', 'department'] as const) {
      const layers = mapLayers({ level: 'community', colourMode, selectedId: 7, showProblems: true, showSites: true, basemap: false, departmentColours: new Map([[1, '#4e79a7']]) })
      const tiled = layersForTiles(layers, SRC.grids)
      expect(tiled.map((l) => l.id)).toEqual(layers.map((l) => l.id))
      const json = (v: unknown) => JSON.stringify(v ?? null)
      const converted: string[] = []
      for (const [i, l] of tiled.entries()) {
        const before = layers[i]!
        if (!('source' in l) || l.source !== SRC.grids) { expect(l).toBe(before); continue }
        expect((l as { 'source-layer'?: string })['source-layer']).toBe(GRID_SOURCE_LAYER)
        // filters cannot read feature-state: none may mention the month's values
        expect(json('filter' in l ? l.filter : null)).not.toMatch(/inspectionStatus|holderDepartmentId/)
        expect(json(l.paint)).not.toMatch(/\["get","(inspectionStatus|holderDepartmentId|openProblems|overdueProblems)"\]/)
        // what the GeoJSON layers read from properties, the tile layers read from state
        const readsStatus = /\["get","inspectionStatus"\]/.test(json(before.paint))
        if (readsStatus) converted.push(l.id)
        expect(json(l.paint).includes('["feature-state","inspectionStatus"]'), l.id).toBe(readsStatus)
      }
      // coloured by status, the fill reads the status (from state on tiles); by department it does not
      expect(converted.includes('grid-fill'), colourMode).toBe(colourMode === 'status')
      // the unheld hatch: its filter became an opacity
      const hatch = tiled.find((l) => l.id === 'grid-unheld-hatch')!
      expect(json(hatch.paint)).toContain('["feature-state","holderDepartmentId"]')
      // the selection still filters by feature id
      expect(json(tiled.find((l) => l.id === 'grid-selected')!)).toContain('["id"]')
    }
  })

  it('turns grid.status into the feature-states and the legend\'s collection', () => {
    const status = {
      level: 'community' as const, month: '2026-11', count: 2, tilesVersion: 'v', tileMaxZoom: 14,
      ids: [5, 9], status: ['done', 'missed'] as ('done' | 'missed')[], holderDepartmentId: [3, null], openProblems: [2, 0], overdueProblems: [1, 0],
      departments: [{ id: 3, name: '市人防办' }],
    }
    expect(gridFeatureStates(status as never)).toEqual([
      { id: 5, state: { inspectionStatus: 'done', holderDepartmentId: 3, holderDepartment: '市人防办', openProblems: 2, overdueProblems: 1 } },
      { id: 9, state: { inspectionStatus: 'missed', holderDepartmentId: null, holderDepartment: null, openProblems: 0, overdueProblems: 0 } },
    ])
    const fc = statusAsCollection(status as never)
    expect(fc.features.map((f) => [f.id, f.properties.inspectionStatus, f.properties.holderDepartment])).toEqual([[5, 'done', '市人防办'], [9, 'missed', null]])
  })
})
