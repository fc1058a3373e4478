/**
 * The HTTP server: tRPC at /trpc, the built client (dist/client) for everything else,
 * security headers on every response, a same-origin check on state-changing requests.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { createHTTPHandler } from '@trpc/server/adapters/standalone'
import { encodingFor } from './api/compressJson.ts'
import { appRouter } from './api/root.ts'
import type { Context } from './api/trpc.ts'
import { appErrorOf } from './api/errorMapping.ts'
import { closeAfterAnswer, crossSiteRequest, discardBody } from './api/httpUtil.ts'
import { batchGuard } from './api/batchPolicy.ts'
import { fastQueryHandler } from './api/fastQuery.ts'
import { clientAddressResolver } from './api/clientAddress.ts'
import { HSTS, servedOverHttps } from './auth/origin.ts'
import { handlePhotoHttp } from './api/photoHttp.ts'
import { handleReportHttp } from './api/reportHttp.ts'
import { handleTilesHttp } from './api/tilesHttp.ts'
import { handleImportHttp } from './api/importHttp.ts'
import { handleRegisterHttp } from './api/registerHttp.ts'
import { handleBoundaryImportHttp } from './api/boundaryImportHttp.ts'
import { handleOpen311 } from './open311.ts'
import { readCookie, SESSION_COOKIE, userForSession } from './auth/sessions.ts'
import { stopSessionCache } from './auth/sessionCache.ts'
import type { Db } from './db/client.ts'
import type { GridCatalog } from './services/gridCatalog.ts'

export interface AppDeps {
  db: Db
  catalog: GridCatalog
  /** folder of the built client; omitted in development (Vite serves it) */
  staticDir?: string
  now?: () => Date
}

const MAX_BODY_BYTES = 2 * 1024 * 1024

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'geolocation=(self), camera=(self)',
  // blob: and workers for MapLibre; a configured basemap may load tiles from any https host
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob: https:; connect-src 'self' https:; worker-src 'self' blob:; child-src blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
  '.map': 'application/json', '.webp': 'image/webp', '.jpg': 'image/jpeg', '.pbf': 'application/x-protobuf',
  '.webmanifest': 'application/manifest+json',
}

function serveStatic(dir: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
  let file = path.join(dir, path.normalize(urlPath).replace(/^(\.\.[/\\])+/, ''))
  if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    // unknown asset-like paths 404; anything else is a client route → index.html
    if (path.extname(urlPath)) { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return }
    file = path.join(dir, 'index.html')
  }
  const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream'
  // hashed names (Vite's /assets/…-<hash>.js) never change: cached for a year; index.html, the service
  // worker and the manifest are revalidated on every load (no-cache), so a new build is seen at once
  const immutable = urlPath.startsWith('/assets/')
  // the precompressed copies scripts/precompress.ts writes at build time (.br, .gz), looked up once
  const available = { br: fs.existsSync(`${file}.br`), gzip: fs.existsSync(`${file}.gz`) }
  const encoding = encodingFor(req.headers['accept-encoding'], available)
  const sent = encoding ? `${file}.${encoding === 'br' ? 'br' : 'gz'}` : file
  res.writeHead(200, {
    'Content-Type': type,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'Content-Length': String(fs.statSync(sent).size),
    ...(encoding ? { 'Content-Encoding': encoding } : {}),
    ...(available.br || available.gzip ? { Vary: 'Accept-Encoding' } : {}),
  })
  if (req.method === 'HEAD') { res.end(); return }
  fs.createReadStream(sent).pipe(res)
}

export function createRequestHandler(deps: AppDeps): http.RequestListener {
  const now = deps.now ?? (() => new Date())
  const clientIpOf = clientAddressResolver()
  const refusedBatch = batchGuard()
  const createContext = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<Context> => {
    const sessionToken = readCookie(req.headers.cookie, SESSION_COOKIE)
    return {
      db: deps.db,
      catalog: deps.catalog,
      user: await userForSession(deps.db, sessionToken, now()),
      sessionToken,
      setCookie: (value) => res.appendHeader('Set-Cookie', value),
      clientIp: clientIpOf(req),
      now,
    }
  }
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    createContext: ({ req, res }) => createContext(req, res),
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR' && !appErrorOf(error)) console.error(`[trpc] ${path ?? '?'}:`, error.cause ?? error)
    },
  })
  const fastQuery = fastQueryHandler(appRouter, createContext)
  // TRPC_FAST_QUERIES=0 sends every query through tRPC's own handler (to compare the two paths)
  const fastQueries = process.env.TRPC_FAST_QUERIES !== '0'
  const staticDir = deps.staticDir ? path.resolve(deps.staticDir) : undefined

  return (req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    if (servedOverHttps(req)) res.setHeader('Strict-Transport-Security', HSTS)
    const url = req.url ?? '/'
    if (url.startsWith('/trpc/')) {
      if (crossSiteRequest(req)) {
        res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: '拒绝跨站请求', data: { appCode: 'CROSS_SITE_REQUEST' } } }))
        return
      }
      // a cookie-authenticated state change must be a JSON request (a CORS-preflighted type): a
      // cross-site form or text/plain "simple request" is refused before it reaches a procedure
      if (req.method === 'POST' && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
        res.writeHead(415, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: '请求须为 application/json', data: { code: 'UNSUPPORTED_MEDIA_TYPE', httpStatus: 415, appCode: 'UNSUPPORTED_CONTENT_TYPE' } } }))
        return
      }
      res.setHeader('Cache-Control', 'no-store')
      if (refusedBatch(req, res)) return
      // a body declared over the limit is refused before tRPC reads it, but only after the rest has
      // been read and thrown away (up to REFUSED_BODY_DRAIN_MB): the client, still sending, then
      // reads a 413 with its appCode instead of a reset connection. (A chunked body over the limit is
      // cut by tRPC's own maxBodySize check, which answers the same 413.)
      const declared = Number(req.headers['content-length'])
      if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
        void discardBody(req).then((ended) => {
          if (!ended) closeAfterAnswer(res)
          res.writeHead(413, { 'Content-Type': 'application/json; charset=utf-8' })
            .end(JSON.stringify({ error: { message: `请求内容过大（上限 ${MAX_BODY_BYTES / 1024 / 1024} MB）`, data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413, appCode: 'PAYLOAD_TOO_LARGE' } } }))
        })
        return
      }
      if (req.method === 'GET' && fastQueries) {
        // plain queries skip tRPC's Fetch-API conversion; anything unusual or failing goes to tRPC (api/fastQuery.ts)
        fastQuery(req, res).then((done) => { if (!done) trpc(req, res) }, () => trpc(req, res))
        return
      }
      trpc(req, res)
      return
    }
    // the routes under /api/ rely on this one check
    if (url.startsWith('/api/') && crossSiteRequest(req)) {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: '拒绝跨站请求', data: { appCode: 'CROSS_SITE_REQUEST' } } }))
      return
    }
    if (url.startsWith('/api/') && (handlePhotoHttp({ db: deps.db, now }, req, res) || handleReportHttp({ db: deps.db, catalog: deps.catalog, now }, req, res))) return
    if (url.startsWith('/api/') && handleImportHttp({ db: deps.db, catalog: deps.catalog, now }, req, res)) return
    if (url.startsWith('/api/') && handleRegisterHttp({ db: deps.db, catalog: deps.catalog, now }, req, res)) return
    if (url.startsWith('/api/') && handleBoundaryImportHttp({ db: deps.db, catalog: deps.catalog, now }, req, res)) return
    if (url.startsWith('/open311/') && handleOpen311({ db: deps.db, catalog: deps.catalog, now }, req, res)) return
    if (url.startsWith('/tiles/') && handleTilesHttp({ db: deps.db, catalog: deps.catalog, now }, req, res)) return
    if (url === '/healthz') { res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'); return }
    if (staticDir && (req.method === 'GET' || req.method === 'HEAD')) { serveStatic(staticDir, req, res); return }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
  }
}

export function createAppServer(deps: AppDeps): http.Server {
  const server = http.createServer(createRequestHandler(deps))
  // Idle keep-alive connections live 30 s (Node's default is 5 s). A client reusing an idle connection
  // at the moment the server closes it gets a reset; for a POST (a photo, an import) it cannot retry,
  // and with 5 s that window fell inside ordinary pauses of a phone or a loaded test run (seen in CI
  // on the photo upload). Clients see `Keep-Alive: timeout=30` and give the connection up earlier.
  server.keepAliveTimeout = 30_000
  // the session cache's side connection (LISTEN / read-only SQLite handle) ends with the server
  server.on('close', () => { void stopSessionCache(deps.db) })
  return server
}
