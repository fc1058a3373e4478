/**
 * The planner's boundary upload (POST /api/import/boundaries) over HTTP: a GBK Shapefile without
 * .cpg reads its names right after detection, KML and a Shapefile with .prj, projected and unknown
 * encodings refused clearly, the size limit, roles, a broken zip; the public GCJ-02 district set
 * lands within 1 m of its WGS84 position (checked with the published GCJ-02 formula written here,
 * not gcoord), and the preview warns when the chosen system looks wrong.
 */
import fs from 'node:fs'
import http from 'node:http'
import { Readable } from 'node:stream'
import path from 'node:path'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loggedIn } from '../support/apiClient.ts'
import { sessionCookieFor } from '../support/procedures.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { itWithRealBoundaries, REAL_BOUNDARIES } from '../support/realBoundaries.ts'
import { GBK_FEATURES, KML_FEATURES, OUT, PRJ_FEATURES, square } from '../fixtures/import/make-boundaries.ts'

const fixture = (name: string) => fs.readFileSync(path.join(OUT, name))

// ---- GCJ-02 from the published formula (the "Mars" offset of GB/T-style map data), independent of gcoord ----
const A = 6378245.0, EE = 0.00669342162296594323
function dLat(x: number, y: number) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3
  r += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3
  r += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30)) * 2) / 3
  return r
}
function dLng(x: number, y: number) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  r += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3
  r += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3
  r += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3
  return r
}
/** WGS84 → GCJ-02 */
function wgsToGcj(lng: number, lat: number): [number, number] {
  const radLat = (lat / 180) * Math.PI
  let magic = Math.sin(radLat)
  magic = 1 - EE * magic * magic
  const sqrtMagic = Math.sqrt(magic)
  const y = (dLat(lng - 105, lat - 35) * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI)
  const x = (dLng(lng - 105, lat - 35) * 180) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI)
  return [lng + x, lat + y]
}
const metres = (a: number[], b: number[]) => {
  const k = Math.PI / 180
  return Math.hypot((b[0]! - a[0]!) * k * Math.cos(((a[1]! + b[1]!) / 2) * k), (b[1]! - a[1]!) * k) * 6_371_008.8
}
const vertices = (g: Polygon | MultiPolygon): number[][] => (g.type === 'Polygon' ? g.coordinates.flat() : g.coordinates.flat(2))

interface Preview {
  format: string; encoding: { used: string; source: string; detected: string | null }; prj: { kind: string; name: string } | null
  adcode: boolean; fields: string[]; mapping: { name: string; code: string; level?: string; parent?: string }; names: string[]; total: number
  draft: { grids: { key: string; code: string; name: string; level: string; parentKey: string | null; geometry: Polygon | MultiPolygon }[] }
  skipped: { index: number; code: string; reason: string }[]; warnings: { code: string; best?: string; metres?: number }[]
}

describe.each(testDatabases())('boundary upload on %s', (db) => {
  let app: RunningApp
  let plannerCookie: string, leaderCookie: string
  beforeAll(async () => {
    app = await startApp({ db })
    plannerCookie = await sessionCookieFor(app.url, 'planner')
    leaderCookie = await sessionCookieFor(app.url, 'leader')
  }, 60_000)
  afterAll(async () => { await app?.stop() })

  const post = (body: Uint8Array, query: string, cookie = plannerCookie, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/api/import/boundaries?${query}`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream', ...headers }, body: body as unknown as BodyInit })
  const preview = async (body: Uint8Array, query: string) => {
    const res = await post(body, query)
    const json = await res.json() as Preview & { error?: { appCode: string; message: string } }
    expect(res.status, JSON.stringify(json.error)).toBe(200)
    return json
  }
  /** `size` bytes sent as they are read; the answer is read as soon as it comes (the server stops reading past its limit) */
  const postStreaming = (size: number, query: string) => new Promise<{ status: number; appCode: string; message: string }>((resolve, reject) => {
    const u = new URL(`${app.url}/api/import/boundaries?${query}`)
    let sent = 0
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    const body = new Readable({ read() { if (sent >= size) { this.push(null); return } const n = Math.min(chunk.length, size - sent); sent += n; this.push(chunk.subarray(0, n)) } })
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', headers: { cookie: plannerCookie, 'content-type': 'application/octet-stream', 'content-length': String(size) } }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (c: Buffer) => parts.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(JSON.parse(Buffer.concat(parts).toString('utf8')) as { error: { appCode: string; message: string } }).error }))
    })
    req.on('error', reject)
    body.on('error', reject)
    body.pipe(req)
  })
  const errorOf = async (res: Response) => ({ status: res.status, ...((await res.json()) as { error: { appCode: string; message: string } }).error })

  it('a GBK Shapefile without .cpg: detected as GB18030, names and field names right; the other encoding may be chosen', async () => {
    const zip = fixture('gbk-no-cpg.zip')
    const r = await preview(zip, 'coords=wgs84&level=community&fileName=gbk.zip')
    expect(r.format).toBe('shapefile')
    expect(r.encoding).toMatchObject({ used: 'gb18030', source: 'detected', detected: 'gb18030' })
    expect(r.fields).toEqual(['名称', '编码'])
    expect(r.mapping).toMatchObject({ name: '名称', code: '编码' })
    expect(r.names).toEqual(GBK_FEATURES.map((f) => f.名称))
    expect(r.draft.grids.map((g) => [g.code, g.name])).toEqual(GBK_FEATURES.map((f) => [f.编码, f.名称]))
    const asUtf8 = await preview(zip, 'coords=wgs84&level=community&encoding=utf-8')
    expect(asUtf8.encoding).toMatchObject({ used: 'utf-8', source: 'chosen', detected: 'gb18030' })
    expect(asUtf8.fields.join('')).toContain('\uFFFD')
    expect(asUtf8.names).not.toEqual(GBK_FEATURES.map((f) => f.名称))
  })

  it('a KML (one MultiGeometry) and a Shapefile with a WGS84 .prj', async () => {
    const k = await preview(fixture('boundaries.kml'), 'coords=wgs84&level=community&fileName=b.kml&codeField=code')
    expect(k.format).toBe('kml')
    expect(k.draft.grids.map((g) => [g.code, g.name, g.geometry.type])).toEqual([[KML_FEATURES[0]!.code, KML_FEATURES[0]!.name, 'Polygon'], [KML_FEATURES[1]!.code, KML_FEATURES[1]!.name, 'MultiPolygon']])
    const p = await preview(fixture('with-prj.zip'), 'coords=wgs84&level=street')
    expect(p.prj).toMatchObject({ kind: 'wgs84', name: 'GCS_WGS_1984' })
    expect(p.encoding).toMatchObject({ used: 'utf-8', source: 'declared' })
    expect(p.warnings).toEqual([])
    expect(p.draft.grids.map((g) => g.name)).toEqual(PRJ_FEATURES.map((f) => f.name))
    // WGS84 chosen: the numbers are kept as written
    const want = square(PRJ_FEATURES[0]!.lng, PRJ_FEATURES[0]!.lat, 1200)
    for (const v of vertices(p.draft.grids[0]!.geometry)) expect(Math.min(...want.map((w) => metres(v, w)))).toBeLessThan(0.001)
    // GCJ-02 chosen against a .prj that says WGS84: warned
    const g = await preview(fixture('with-prj.zip'), 'coords=gcj02&level=street')
    expect(g.warnings.map((w) => w.code)).toContain('PRJ_SAYS_WGS84')
  })

  it('refuses a projected .prj, an unknown .cpg or encoding, a broken zip, a missing coordinate system', async () => {
    expect(await errorOf(await post(fixture('projected-prj.zip'), 'coords=wgs84&level=community'))).toMatchObject({ status: 400, appCode: 'IMPORT_PROJECTED_CRS' })
    const koi = await errorOf(await post(fixture('unknown-cpg.zip'), 'coords=wgs84&level=street'))
    expect(koi).toMatchObject({ status: 400, appCode: 'IMPORT_UNKNOWN_ENCODING' })
    expect(koi.message).toContain('KOI8-R')
    // the planner's choice overrides a .cpg nobody reads
    expect((await preview(fixture('unknown-cpg.zip'), 'coords=wgs84&level=street&encoding=utf-8')).names).toEqual(PRJ_FEATURES.map((f) => f.name))
    expect(await errorOf(await post(fixture('gbk-no-cpg.zip'), 'coords=wgs84&level=street&encoding=big5-hkscs'))).toMatchObject({ status: 400, appCode: 'IMPORT_UNKNOWN_ENCODING' })
    const broken = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 7)])
    expect(await errorOf(await post(broken, 'coords=wgs84&level=street'))).toMatchObject({ status: 400, appCode: 'IMPORT_UNREADABLE' })
    const truncated = fixture('gbk-no-cpg.zip').subarray(0, 600)
    expect(await errorOf(await post(truncated, 'coords=wgs84&level=street'))).toMatchObject({ status: 400, appCode: 'IMPORT_UNREADABLE' })
    expect(await errorOf(await post(Buffer.from('not a boundary file'), 'coords=wgs84&level=street&fileName=x.txt'))).toMatchObject({ status: 400, appCode: 'IMPORT_UNREADABLE' })
    const noCoords = await errorOf(await post(fixture('boundaries.kml'), 'level=street'))
    expect(noCoords).toMatchObject({ status: 400, appCode: 'BAD_INPUT' })
    expect(noCoords.message).toContain('坐标系')
    // metres without a .prj: not longitude/latitude
    const metresFc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: 'x', code: '610399903001' }, geometry: { type: 'Polygon', coordinates: [[[463000, 3803000], [463000, 3803500], [463500, 3803500], [463000, 3803000]]] } }] }
    expect(await errorOf(await post(Buffer.from(JSON.stringify(metresFc)), 'coords=wgs84&level=street'))).toMatchObject({ status: 400, appCode: 'IMPORT_NOT_LONLAT' })
  })

  it('refuses other roles, anonymous and cross-site uploads, and files over 100 MB with a clear 413', async () => {
    const kml = fixture('boundaries.kml')
    expect(await errorOf(await post(kml, 'coords=wgs84&level=street', leaderCookie))).toMatchObject({ status: 403, appCode: 'ROLE_FORBIDDEN' })
    expect((await post(kml, 'coords=wgs84&level=street', '')).status).toBe(401)
    expect((await post(kml, 'coords=wgs84&level=street', plannerCookie, { origin: 'http://evil.example' })).status).toBe(403)
    // the server (in this process) reads a refused body to its end before answering, so the answer never races a closed connection
    const drain = process.env.REFUSED_BODY_DRAIN_MB
    process.env.REFUSED_BODY_DRAIN_MB = '128'
    const big = await postStreaming(100 * 1024 * 1024 + 1, 'coords=wgs84&level=street').finally(() => {
      if (drain === undefined) delete process.env.REFUSED_BODY_DRAIN_MB
      else process.env.REFUSED_BODY_DRAIN_MB = drain
    })
    expect(big).toMatchObject({ status: 413, appCode: 'BOUNDARY_FILE_TOO_LARGE' })
    expect(big.message).toContain('100 MB')
  }, 120_000)

  it('lists every feature skipped with its reason, and maps level and parent-code fields', async () => {
    const sq = (lng: number) => ({ type: 'Polygon', coordinates: [square(lng, 34.47, 300)] })
    const fc = {
      type: 'FeatureCollection', features: [
        { type: 'Feature', properties: { MC: '新街道', BM: '610399904000', JB: '街道', SJ: '' }, geometry: sq(107.50) },
        { type: 'Feature', properties: { MC: '新社区', BM: '610399904001', JB: '社区', SJ: '610399904000' }, geometry: sq(107.50) },
        { type: 'Feature', properties: { MC: '点', BM: '610399904002', JB: '社区' }, geometry: { type: 'Point', coordinates: [107.5, 34.47] } },
        { type: 'Feature', properties: { MC: '', BM: '610399904003', JB: '社区' }, geometry: sq(107.51) },
        { type: 'Feature', properties: { MC: '坏编码', BM: 'A1', JB: '社区' }, geometry: sq(107.52) },
        { type: 'Feature', properties: { MC: '重复', BM: '610399904001', JB: '社区' }, geometry: sq(107.53) },
        { type: 'Feature', properties: { MC: '怪层级', BM: '610399904005', JB: '星系' }, geometry: sq(107.54) },
        { type: 'Feature', properties: { MC: '孤儿', BM: '610399904006', JB: '社区', SJ: '610399999999' }, geometry: sq(107.55) },
      ],
    }
    const r = await preview(Buffer.from(JSON.stringify(fc)), 'coords=wgs84&level=community&nameField=MC&codeField=BM&levelField=JB&parentField=SJ')
    expect(r.fields).toEqual(['MC', 'BM', 'JB', 'SJ'])
    expect(r.skipped.map((s) => [s.index, s.code])).toEqual([[2, 'NOT_POLYGON'], [3, 'MISSING_NAME'], [4, 'BAD_CODE'], [5, 'DUPLICATE_CODE'], [6, 'UNKNOWN_LEVEL'], [7, 'UNKNOWN_PARENT']])
    for (const s of r.skipped) expect(s.reason.length).toBeGreaterThan(3)
    const [street, community] = r.draft.grids
    expect(street).toMatchObject({ code: '610399904000', level: 'street', parentKey: null })
    expect(community).toMatchObject({ code: '610399904001', level: 'community', parentKey: street!.key })
  })

  it('outlines ~500 m off the grids they replace: the preview names GCJ-02; chosen right, no warning', async () => {
    const planner = await loggedIn(app.url, 'planner')
    const grids = (await planner.grid.list.query({ level: 'community' })).features.slice(0, 4)
    const shifted = {
      type: 'FeatureCollection', features: grids.map((f) => {
        const g = f.geometry as Polygon | MultiPolygon
        const move = (ring: number[][]) => ring.map(([x, y]) => wgsToGcj(x!, y!))
        const geometry = g.type === 'Polygon' ? { type: 'Polygon', coordinates: g.coordinates.map(move) } : { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(move)) }
        return { type: 'Feature', properties: { name: f.properties.name, code: f.properties.code }, geometry }
      }),
    }
    const body = Buffer.from(JSON.stringify(shifted))
    const wrong = await preview(body, 'coords=wgs84&level=community')
    const w = wrong.warnings.find((x) => x.code === 'OFFSET_SUSPECT')
    expect(w, JSON.stringify(wrong.warnings)).toBeDefined()
    expect(w!.best).toBe('gcj02')
    expect(w!.metres).toBeGreaterThan(300)
    expect(w!.metres).toBeLessThan(800)
    const right = await preview(body, 'coords=gcj02&level=community')
    expect(right.warnings).toEqual([])
  })

  it('random and malformed bodies: a clear 4xx or every feature accounted for, never a 5xx', async () => {
    let seed = 12345
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    const heads = ['PK\x03\x04', '<?xml version="1.0"?><kml>', '{"type":"FeatureCollection","features":[', '', '\uFEFF{']
    const bodies: Buffer[] = [
      Buffer.from('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":5},"properties":null}]}'),
      Buffer.from('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[null]]}}]}'),
      Buffer.from('<kml><Placemark><Polygon><outerBoundaryIs><LinearRing><coordinates>a,b c,d</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>'),
      fixture('gbk-no-cpg.zip').subarray(0, 900),
    ]
    for (let i = 0; i < 16; i++) bodies.push(Buffer.concat([Buffer.from(heads[i % heads.length]!), Buffer.from(Array.from({ length: 50 + Math.floor(rnd() * 3000) }, () => Math.floor(rnd() * 256)))]))
    for (const [i, body] of bodies.entries()) {
      const res = await post(body, `coords=${i % 2 ? 'gcj02' : 'wgs84'}&level=street&fileName=f${i}`)
      const json = await res.json() as Preview & { error?: { appCode: string } }
      expect(res.status, `body ${i}: ${JSON.stringify(json)}`).toBeLessThan(500)
      // either refused with a stable import code, or read with every feature accounted for (imported or skipped with a reason)
      if (res.status === 200) expect(json.draft.grids.length + json.skipped.length).toBe(json.total)
      else expect(json.error?.appCode, `body ${i}`).toMatch(/^IMPORT_/)
    }
  }, 120_000)

  itWithRealBoundaries('the public GCJ-02 district set lands within 1 m of its WGS84 position; with WGS84 chosen the preview warns', async () => {
    const file = fs.readFileSync(path.join(REAL_BOUNDARIES, '610300_districts.geojson'))
    const source = JSON.parse(file.toString('utf8')) as FeatureCollection<Polygon | MultiPolygon, { adcode: number; name: string }>
    const r = await preview(file, 'coords=gcj02&level=street&nameField=name&codeField=adcode&fileName=610300_districts.geojson')
    expect(r.adcode).toBe(true)
    expect(r.warnings.map((w) => w.code)).not.toContain('ADCODE_NOT_GCJ02')
    expect(r.draft.grids.length).toBe(source.features.length)
    let checked = 0, worst = 0
    for (const f of source.features) {
      const g = r.draft.grids.find((x) => x.code === String(f.properties.adcode))!
      expect(g.name).toBe(f.properties.name)
      const raw = vertices(f.geometry), imported = vertices(g.geometry)
      expect(imported.length).toBe(raw.length)
      imported.forEach((w, i) => {
        // the imported (WGS84) vertex, taken through the published WGS84 → GCJ-02 formula, is the file's vertex
        const back = wgsToGcj(w[0]!, w[1]!)
        worst = Math.max(worst, metres(back, raw[i]!))
        checked++
      })
      // and it really moved: the GCJ-02 offset is hundreds of metres here
      expect(metres(imported[0]!, raw[0]!)).toBeGreaterThan(300)
    }
    expect(checked).toBeGreaterThan(1000)
    expect(worst).toBeLessThan(1)
    const asWgs = await preview(file, 'coords=wgs84&level=street&nameField=name&codeField=adcode')
    expect(asWgs.adcode).toBe(true)
    expect(asWgs.warnings.map((w) => w.code)).toContain('ADCODE_NOT_GCJ02')
  }, 120_000)
})
