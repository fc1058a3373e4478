/**
 * JSON answers compressed on the way out when they are worth it (issue 14, target 6): the first map's
 * reads (grid.list, problem.map, site.list … ≈ 170 KB of JSON for the demo city) went out as plain
 * text, which on a phone's slow link costs more than the scripts. Brotli at a fast level (4: about a
 * millisecond for 70 KB, ≈ 5× smaller), gzip for a browser without brotli; small answers (auth.me,
 * grid.locate) are sent as they are — compressing them would cost more than it saves.
 */
import type http from 'node:http'
import zlib from 'node:zlib'

/** answers below this many bytes go uncompressed */
export const COMPRESS_MIN_BYTES = 1024

/** The encodings an Accept-Encoding header accepts (`q=0` refuses one). */
export function acceptedEncodings(acceptEncoding: string | string[] | undefined): Set<string> {
  const accepted = new Set<string>()
  for (const part of String(acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    if (name && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p))) accepted.add(name)
  }
  return accepted
}

/**
 * The encoding to send: brotli first, then gzip, among those `available` (default: both, for an
 * answer compressed on the fly); `*` accepts either; null for none.
 */
export function encodingFor(acceptEncoding: string | string[] | undefined, available: { br: boolean; gzip: boolean } = { br: true, gzip: true }): 'br' | 'gzip' | null {
  const accepted = acceptedEncodings(acceptEncoding)
  const any = accepted.has('*')
  if (available.br && (any || accepted.has('br'))) return 'br'
  if (available.gzip && (any || accepted.has('gzip'))) return 'gzip'
  return null
}

/** The JSON answer's bytes in `encoding` (brotli at the fast level 4, gzip at 6). */
function compress(raw: Buffer, encoding: 'br' | 'gzip'): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const done = (err: Error | null, out: Buffer) => (err ? reject(err) : resolve(out))
    if (encoding === 'br') zlib.brotliCompress(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }, done)
    else zlib.gzip(raw, { level: 6 }, done)
  })
}

function writeJson(res: http.ServerResponse, body: Buffer, encoding: 'br' | 'gzip' | null): void {
  res.writeHead(200, encoding ? { 'Content-Type': 'application/json', 'Content-Encoding': encoding, Vary: 'Accept-Encoding' } : { 'Content-Type': 'application/json' }).end(body)
}

/** Writes a 200 JSON answer, compressed when the client accepts it and it is large enough. */
export function sendJson(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const raw = Buffer.from(body)
  const encoding = raw.length >= COMPRESS_MIN_BYTES ? encodingFor(req.headers['accept-encoding']) : null
  if (!encoding) { writeJson(res, raw, null); return }
  compress(raw, encoding).then((out) => writeJson(res, out, encoding), () => writeJson(res, raw, null))
}

const onceBodies = new WeakMap<object, Map<string, Promise<Buffer>>>()

/**
 * `sendJson` for an answer that never changes once built (a cached city answer, services/cityFigures.ts
 * `sharedJson`), keyed by that answer: its body is encoded once per encoding, not on every request
 * (grid.status at 20,000 grids: 487 kB that gzip would otherwise compress per request).
 */
export function sendJsonOnce(req: http.IncomingMessage, res: http.ServerResponse, key: object, body: () => string): void {
  let bodies = onceBodies.get(key)
  if (!bodies) onceBodies.set(key, bodies = new Map())
  let raw = bodies.get('identity')
  if (!raw) bodies.set('identity', raw = Promise.resolve(Buffer.from(body())))
  void raw.then((plain) => {
    const encoding = plain.length >= COMPRESS_MIN_BYTES ? encodingFor(req.headers['accept-encoding']) : null
    if (!encoding) { writeJson(res, plain, null); return }
    let out = bodies.get(encoding)
    if (!out) bodies.set(encoding, out = compress(plain, encoding))
    out.then((b) => writeJson(res, b, encoding), () => { bodies.delete(encoding); writeJson(res, plain, null) })
  })
}
