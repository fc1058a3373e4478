/**
 * The phone (issue 14, target 6), not timed: the built client is precompressed (brotli + gzip) and
 * served by Accept-Encoding with the right caching; the map route's JavaScript before the first map
 * (the entry, the signed-in shell with the coverage map, their static imports, and MapLibre's worker)
 * is at most 450 KB compressed; MapLibre is one chunk shared by every map; the other pages are their
 * own chunks, all in the service worker's precache.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import zlib from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureClientBuilt, startApp, type RunningApp } from '../support/appServer.ts'

interface ManifestChunk { file: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[]; src?: string }
type Manifest = Record<string, ManifestChunk>

const BUDGET = 450 * 1024

/** A GET with the raw bytes as sent (fetch would decode them). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const parts: Buffer[] = []
      res.on('data', (d: Buffer) => parts.push(d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }))
      res.on('error', reject)
    }).on('error', reject)
  })
}

/** The chunk and everything it imports statically (what the browser loads with it). */
function withStaticImports(manifest: Manifest, key: string, into = new Set<string>()): Set<string> {
  if (into.has(key)) return into
  into.add(key)
  for (const k of manifest[key]?.imports ?? []) withStaticImports(manifest, k, into)
  return into
}

describe('the built client on a phone', () => {
  let app: RunningApp
  let dist: string
  let manifest: Manifest
  beforeAll(async () => {
    dist = await ensureClientBuilt()
    manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite/manifest.json'), 'utf8')) as Manifest
    app = await startApp({ staticDir: dist })
  })
  afterAll(async () => { await app?.stop() })

  const mapRouteFiles = (): string[] => {
    const entry = Object.keys(manifest).find((k) => manifest[k]!.isEntry)!
    const shell = Object.keys(manifest).find((k) => k.endsWith('app/Shell.tsx'))
    expect(shell, 'the signed-in shell (with the coverage map) is a chunk of its own').toBeDefined()
    expect(manifest[entry]!.dynamicImports).toContain(shell)
    const keys = new Set([...withStaticImports(manifest, entry), ...withStaticImports(manifest, shell!)])
    const files = [...keys].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'))
    // MapLibre's worker: a separate file the map starts before it draws
    const worker = fs.readdirSync(path.join(dist, 'assets')).filter((f) => /^maplibre-gl-worker-.*\.js$/.test(f))
    expect(worker).toHaveLength(1)
    return [...files, `assets/${worker[0]}`]
  }

  it('the map route loads at most 450 KB of compressed JavaScript before the first map, and none of the other pages', async () => {
    const files = mapRouteFiles()
    let br = 0, gz = 0, raw = 0
    for (const f of files) {
      // what the server sends for it, measured on the wire
      const b = await rawGet(`${app.url}/${f}`, { 'accept-encoding': 'br, gzip' })
      expect(b.status).toBe(200)
      expect(b.headers['content-encoding']).toBe('br')
      br += b.body.length
      gz += (await rawGet(`${app.url}/${f}`, { 'accept-encoding': 'gzip' })).body.length
      raw += fs.statSync(path.join(dist, f)).size
    }
    console.log(`map route: ${files.length} JS files, ${(raw / 1024).toFixed(0)} KB raw, ${(br / 1024).toFixed(0)} KB brotli, ${(gz / 1024).toFixed(0)} KB gzip`)
    expect(br).toBeLessThanOrEqual(BUDGET)
    expect(br).toBeLessThan(raw / 3) // compressed for real
    // the pages are lazy chunks the map route does not load
    const pages = Object.keys(manifest).filter((k) => /features\/\w+\/\w+Page\.tsx$/.test(k) && !k.endsWith('MapPage.tsx'))
    expect(pages.length).toBeGreaterThanOrEqual(10)
    for (const p of pages) expect(files, `${p} is not loaded with the map`).not.toContain(manifest[p]!.file)
  })

  it('MapLibre is one chunk, shared by every map (coverage map, planner, pick maps)', () => {
    const js = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js') && !f.startsWith('maplibre-gl-worker'))
    // a class name only MapLibre's main module writes
    const holders = js.filter((f) => fs.readFileSync(path.join(dist, 'assets', f), 'utf8').includes('maplibregl-canvas-container'))
    expect(holders).toHaveLength(1)
    expect(mapRouteFiles()).toContain(`assets/${holders[0]}`)
  })

  it('serves brotli, gzip or the file as is by Accept-Encoding, with a year\'s immutable cache for hashed names', async () => {
    const entry = Object.values(manifest).find((c) => c.isEntry)!.file
    const original = fs.readFileSync(path.join(dist, entry))
    const br = await rawGet(`${app.url}/${entry}`, { 'accept-encoding': 'gzip, deflate, br' })
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(br.headers.vary).toMatch(/Accept-Encoding/)
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(Number(br.headers['content-length'])).toBe(br.body.length)
    expect(zlib.brotliDecompressSync(br.body).equals(original)).toBe(true)

    const gz = await rawGet(`${app.url}/${entry}`, { 'accept-encoding': 'gzip' })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(zlib.gunzipSync(gz.body).equals(original)).toBe(true)

    const refused = await rawGet(`${app.url}/${entry}`, { 'accept-encoding': 'br;q=0, gzip' })
    expect(refused.headers['content-encoding']).toBe('gzip')

    const plain = await rawGet(`${app.url}/${entry}`, {})
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.equals(original)).toBe(true)
  })

  it('index.html and the service worker are revalidated on every load (no-cache), compressed too', async () => {
    for (const p of ['/', '/index.html', '/sw.js']) {
      const r = await rawGet(`${app.url}${p}`, { 'accept-encoding': 'br, gzip' })
      expect(r.status, p).toBe(200)
      expect(r.headers['cache-control'], p).toBe('no-cache')
      expect(r.headers['content-encoding'], p).toBe('br')
    }
  })

  it('the service worker precaches every chunk, the lazy pages too', () => {
    const sw = fs.readFileSync(path.join(dist, 'sw.js'), 'utf8')
    const js = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.js'))
    expect(js.length).toBeGreaterThan(10)
    for (const f of js) expect(sw, `assets/${f} in the precache`).toContain(`assets/${f}`)
    // the compressed copies are the server's business, not the precache's
    expect(sw).not.toMatch(/\.js\.(br|gz)"/)
  })
})
