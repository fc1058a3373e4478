/**
 * Reading an uploaded boundary file in the heavy-task pool: GeoJSON, a zipped Shapefile (with or
 * without .cpg / .prj; several layers in one zip are read together) or KML (@tmcw/togeojson over
 * @xmldom/xmldom; a KMZ is a zipped KML). Text is decoded with the planner's encoding, else the
 * file's declaration (.cpg, XML declaration), else detection (server/domain/boundary/textEncoding.ts).
 * Coordinates come back as written in the file; the caller transforms them.
 */
import { kml } from '@tmcw/togeojson'
import { DOMParser } from '@xmldom/xmldom'
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Polygon } from 'geojson'
import yauzl from 'yauzl'
import { canonicalEncoding, decodeText, detectEncoding, type EncodingSource, type TextEncodingName } from '../domain/boundary/textEncoding.ts'
import { AppError } from '../domain/errors.ts'
import { outerRingVertexMean, readPrj, type PrjInfo } from '../domain/geometry/coordSystems.ts'
import { checkZip } from './spreadsheet.ts'

export type BoundaryFormat = 'geojson' | 'shapefile' | 'kml'
export interface EncodingInfo {
  used: TextEncodingName
  source: EncodingSource
  /** what the bytes look like (null when nothing non-ASCII was read) */
  detected: TextEncodingName | null
  /** the .cpg / XML declaration, as written */
  declared: string | null
}
export interface ParsedBoundaryFile { format: BoundaryFormat; encoding: EncodingInfo; prj: PrjInfo | null; features: Feature[] }

const unreadable = (why: string) => new AppError('BAD_INPUT', 'IMPORT_UNREADABLE', `无法读取文件：${why}`)
const unknownEncoding = (name: string) =>
  new AppError('BAD_INPUT', 'IMPORT_UNKNOWN_ENCODING', `无法识别的文字编码“${name.slice(0, 40)}”：请选择 UTF-8 或 GB18030（GBK）`, { encoding: name.slice(0, 40) })

/** The encoding to use: the planner's choice, else the declaration, else detection over `sample`. */
function pickEncoding(chosen: TextEncodingName | null, declared: string | null, sample: Uint8Array): EncodingInfo {
  const nonAscii = sample.some((b) => b > 0x7f)
  const detected = nonAscii ? detectEncoding(sample) : null
  if (chosen) return { used: chosen, source: 'chosen', detected, declared }
  if (declared && declared.trim()) {
    const c = canonicalEncoding(declared)
    if (!c) throw unknownEncoding(declared)
    return { used: c, source: 'declared', detected, declared }
  }
  return { used: detected ?? 'utf-8', source: 'detected', detected, declared }
}

/** Every entry of a zip (already checked against zip bombs by checkZip) whose name passes `want`. */
async function readZip(bytes: Uint8Array, want: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>()
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { lazyEntries: true }, (err, z) => (err || !z ? reject(unreadable('压缩文件已损坏')) : resolve(z))))
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      if (/\/$/.test(e.fileName) || /(^|\/)__MACOSX\//.test(e.fileName) || !want(e.fileName)) { zip.readEntry(); return }
      zip.openReadStream(e, (err, s) => {
        if (err || !s) return reject(unreadable('压缩文件已损坏'))
        const chunks: Buffer[] = []
        s.on('data', (c: Buffer) => chunks.push(c))
        s.on('end', () => { out.set(e.fileName, Buffer.concat(chunks)); zip.readEntry() })
        s.on('error', () => reject(unreadable('压缩文件已损坏')))
      })
    })
    zip.on('end', () => resolve())
    zip.on('error', () => reject(unreadable('压缩文件已损坏')))
    zip.readEntry()
  })
  return out
}

const dataView = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength)

async function parseShapefileZip(bytes: Uint8Array, chosen: TextEncodingName | null): Promise<ParsedBoundaryFile> {
  try {
    await checkZip(bytes)
  } catch (e) {
    if ((e as { appCode?: string }).appCode === 'IMPORT_BAD_FILE') throw unreadable('压缩文件已损坏或不是 zip 格式')
    throw e // a zip bomb: IMPORT_TOO_LARGE
  }
  const files = await readZip(bytes, (n) => /\.(shp|dbf|cpg|prj|kml)$/i.test(n))
  const stems = [...files.keys()].filter((n) => /\.shp$/i.test(n)).map((n) => n.slice(0, -4))
  if (stems.length === 0) {
    const kmlName = [...files.keys()].find((n) => /\.kml$/i.test(n))
    if (kmlName) return parseKml(files.get(kmlName)!, chosen) // a KMZ
    throw unreadable('压缩包中没有 .shp 文件（Shapefile 需要 .shp 和 .dbf）')
  }
  const get = (stem: string, ext: string) => {
    for (const [k, v] of files) if (k.slice(0, -4) === stem && k.slice(-4).toLowerCase() === ext) return v
    return undefined
  }
  const shpjsModule = 'shpjs' // untyped package
  const shpjs = await import(shpjsModule) as { parseShp(shp: DataView, prj?: unknown): Geometry[]; parseDbf(dbf: DataView, cpg?: string): Record<string, unknown>[] }
  const features: Feature[] = []
  let encoding: EncodingInfo | null = null
  let prj: PrjInfo | null = null
  for (const stem of stems.sort()) {
    const shp = get(stem, '.shp')!, dbf = get(stem, '.dbf'), cpg = get(stem, '.cpg'), prjText = get(stem, '.prj')
    let rows: Record<string, unknown>[] = []
    if (dbf) {
      if (dbf.length < 32) throw unreadable(`${stem}.dbf 已损坏`)
      // the bytes a decoder will read: field names (header) and records
      const enc = pickEncoding(chosen, cpg ? cpg.toString('latin1') : null, dbf.subarray(32))
      if (!encoding || (encoding.detected === null && enc.detected !== null)) encoding = enc
      try { rows = shpjs.parseDbf(dataView(dbf), enc.used) } catch { throw unreadable(`${stem}.dbf 已损坏`) }
    }
    if (prjText && !prj) prj = readPrj(prjText.toString('utf8'))
    let geoms: Geometry[]
    try { geoms = shpjs.parseShp(dataView(shp), false) } catch { throw unreadable(`${stem}.shp 已损坏`) }
    geoms.forEach((g, i) => features.push({ type: 'Feature', geometry: g, properties: { ...(rows[i] ?? {}) } }))
  }
  return { format: 'shapefile', encoding: encoding ?? { used: chosen ?? 'utf-8', source: chosen ? 'chosen' : 'detected', detected: null, declared: null }, prj, features }
}

/** KML MultiGeometry of polygons → MultiPolygon (togeojson gives a GeometryCollection). */
function polygonal(g: Geometry | null): Geometry | null {
  if (!g || g.type !== 'GeometryCollection') return g
  const polys = g.geometries.flatMap((x) => (x.type === 'Polygon' ? [x.coordinates] : x.type === 'MultiPolygon' ? x.coordinates : []))
  if (polys.length === 0) return g
  return polys.length === 1 ? ({ type: 'Polygon', coordinates: polys[0]! } as Polygon) : ({ type: 'MultiPolygon', coordinates: polys } as MultiPolygon)
}

function parseKml(bytes: Uint8Array, chosen: TextEncodingName | null): ParsedBoundaryFile {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1')
  const declared = /<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1] ?? null
  const enc = pickEncoding(chosen, declared, bytes)
  let text = decodeText(bytes, enc.used)
  // the declaration is honoured above; the parser is given text already decoded
  text = text.replace(/^\uFEFF/, '').replace(/(<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']/i, '$1')
  const errors: string[] = []
  const doc = new DOMParser({ onError: (level: string, msg: string) => { if (level !== 'warning') errors.push(msg) } }).parseFromString(text, 'text/xml')
  if (errors.length || !doc.documentElement || !/kml/i.test(doc.documentElement.nodeName)) throw unreadable('不是有效的 KML 文件')
  const fc = kml(doc as never) as FeatureCollection
  return { format: 'kml', encoding: enc, prj: null, features: fc.features.map((f) => ({ ...f, geometry: polygonal(f.geometry) as Geometry })) }
}

/** A GeoJSON `crs` member (2008 spec): a name that is not WGS84 / CGCS2000 reads as a .prj would. */
function geojsonCrs(obj: { crs?: { properties?: { name?: unknown } } }): PrjInfo | null {
  const name = obj.crs?.properties?.name
  if (typeof name !== 'string') return null
  if (/CRS84|EPSG:{1,2}(4326|4490)$/i.test(name)) return { kind: 'wgs84', name }
  if (/EPSG:{1,2}(3857|900913|45\d\d|32\d{3}|2\d{3})$/i.test(name)) return { kind: 'projected', name }
  return { kind: 'unreadable', name }
}

function parseGeojson(bytes: Uint8Array, chosen: TextEncodingName | null): ParsedBoundaryFile {
  const enc = pickEncoding(chosen, null, bytes)
  let obj: unknown
  try { obj = JSON.parse(decodeText(bytes, enc.used).replace(/^\uFEFF/, '')) } catch { throw unreadable('不是有效的 GeoJSON（JSON 解析失败）') }
  const o = obj as { type?: string; features?: unknown; geometry?: unknown }
  let features: Feature[]
  if (o?.type === 'FeatureCollection' && Array.isArray(o.features)) features = o.features as Feature[]
  else if (o?.type === 'Feature') features = [o as Feature]
  else if (o && typeof o.type === 'string' && 'coordinates' in (o as object)) features = [{ type: 'Feature', properties: {}, geometry: o as Geometry }]
  else throw unreadable('GeoJSON 中没有要素集合（FeatureCollection）')
  features = features.map((f) => (f && typeof f === 'object' ? { type: 'Feature', geometry: (f.geometry ?? null) as Geometry, properties: f.properties && typeof f.properties === 'object' ? f.properties : {} } : { type: 'Feature', geometry: null as never, properties: {} }))
  return { format: 'geojson', encoding: enc, prj: geojsonCrs(o as never), features }
}

/** Which format the bytes are (by content first, the name second). */
export function sniffFormat(bytes: Uint8Array, fileName: string): BoundaryFormat {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'shapefile'
  const head = Buffer.from(bytes.subarray(0, 512)).toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart()
  if (head.startsWith('<')) return 'kml'
  if (head.startsWith('{') || head.startsWith('[')) return 'geojson'
  if (/\.kml$/i.test(fileName)) return 'kml'
  if (/\.(geo)?json$/i.test(fileName)) return 'geojson'
  throw unreadable('请上传 GeoJSON、Shapefile 压缩包（.zip）或 KML 文件')
}

export async function parseBoundaryBytes(bytes: Uint8Array, opts: { fileName: string; encoding: TextEncodingName | null }): Promise<ParsedBoundaryFile> {
  const format = sniffFormat(bytes, opts.fileName)
  if (format === 'shapefile') return parseShapefileZip(bytes, opts.encoding)
  if (format === 'kml') return parseKml(bytes, opts.encoding)
  return parseGeojson(bytes, opts.encoding)
}

// ---- coordinates: checked, measured and brought to WGS84 in the same thread ----

export interface PreparedFeature {
  properties: Record<string, unknown>
  /** WGS84 (polygonal features only; null otherwise) */
  geometry: Polygon | MultiPolygon | null
  /** the mean of the outline's vertices in the file's own numbers (for the offset check) */
  rawCentre: [number, number] | null
  /** the file's geometry type when it is not a polygon */
  otherType?: string
}
export interface PreparedBoundaryFile extends Omit<ParsedBoundaryFile, 'features'> { features: PreparedFeature[]; bbox: [number, number, number, number] | null }

const notLonLat = (x: number, y: number) => new AppError('BAD_INPUT', 'IMPORT_NOT_LONLAT',
  `坐标 (${x}, ${y}) 不是经纬度：文件可能使用投影坐标（单位为米），请在 GIS 软件中转换为 WGS84 / CGCS2000 经纬度后再导入`, { x, y })
export const projectedRefused = (name: string) => new AppError('BAD_INPUT', 'IMPORT_PROJECTED_CRS',
  `文件的坐标系“${name}”是投影坐标（单位为米），不能直接导入：请在 GIS 软件中转换为 WGS84 / CGCS2000 经纬度后再导入`, { name })

/** Polygons checked to be longitude/latitude, their raw centres, and their WGS84 geometry. */
export function prepareFeatures(parsed: ParsedBoundaryFile, toWgs84: (g: Polygon | MultiPolygon) => Polygon | MultiPolygon): PreparedBoundaryFile {
  if (parsed.prj?.kind === 'projected') throw projectedRefused(parsed.prj.name)
  let box: [number, number, number, number] | null = null
  const features = parsed.features.map((f): PreparedFeature => {
    const properties = (f.properties ?? {}) as Record<string, unknown>
    const g = f.geometry
    if (!g || (g.type !== 'Polygon' && g.type !== 'MultiPolygon')) return { properties, geometry: null, rawCentre: null, otherType: g?.type ?? 'null' }
    const rings = g.type === 'Polygon' ? [g.coordinates[0] ?? []] : g.coordinates.map((p) => p[0] ?? [])
    for (const ring of rings) {
      for (const p of ring) {
        const [x, y] = p as [number, number]
        if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x) > 180 || Math.abs(y) > 90) throw notLonLat(x, y)
        if (!box) box = [x, y, x, y]
        else { if (x < box[0]) box[0] = x; if (y < box[1]) box[1] = y; if (x > box[2]) box[2] = x; if (y > box[3]) box[3] = y }
      }
    }
    const rawCentre = outerRingVertexMean(g)
    return { properties, geometry: rawCentre ? toWgs84(g) : null, rawCentre, otherType: rawCentre ? undefined : 'empty' }
  })
  const { features: _f, ...rest } = parsed
  return { ...rest, features, bbox: box }
}
