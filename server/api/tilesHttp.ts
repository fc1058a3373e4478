/**
 * Vector tiles of the grid boundaries:
 *   GET /tiles/grids/{level}/{z}/{x}/{y}.pbf[?v=<version>]
 * level = district | street | community. Needs a session cookie (401 JSON otherwise). 204 for a tile no grid
 * touches. The geometry does not depend on the month, so a URL with the current `v` (from
 * `grid.status`) is cached as immutable; without `v`, or with a stale one, the browser revalidates
 * with the ETag. See server/services/gridTiles.ts.
 */
import type http from 'node:http'
import { sessionUserOf } from './httpUtil.ts'
import type { Db } from '../db/client.ts'
import { GRID_LEVELS, type GridCatalog, type GridLevel } from '../services/gridCatalog.ts'
import { GRID_TILE_MAX_ZOOM, gridTilesOf } from '../services/gridTiles.ts'
import { departmentScope } from '../services/scope.ts'
import { encodeProblemTile, PROBLEM_TILE_MAX_ZOOM, problemTilesOf } from '../services/problemTiles.ts'

export interface TilesDeps { db: Db; catalog: GridCatalog; now: () => Date }

const PROBLEM_TILE_PATH = /^\/tiles\/problems\/(\d{1,2})\/(\d{1,7})\/(\d{1,7})\.pbf$/
const TILE_PATH = /^\/tiles\/grids\/([a-z]+)\/(\d{1,2})\/(\d{1,7})\/(\d{1,7})\.pbf$/

function fail(res: http.ServerResponse, status: number, appCode: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(JSON.stringify({ error: { message, appCode } }))
}

/** Handles /tiles/…; returns false for any other URL. */
export function handleTilesHttp(deps: TilesDeps, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x')
  if (!url.pathname.startsWith('/tiles/')) return false
  void serveTile(deps, url, req, res).catch((e: unknown) => {
    console.error('[tiles]', e)
    if (!res.headersSent) fail(res, 500, 'INTERNAL', '服务器内部错误，请稍后重试')
    else res.destroy()
  })
  return true
}

async function serveTile(deps: TilesDeps, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') { fail(res, 405, 'METHOD_NOT_ALLOWED', '不支持的请求方法'); return }
  if (url.pathname.startsWith('/tiles/problems/')) { await serveProblemTile(deps, url, req, res); return }
  const m = TILE_PATH.exec(url.pathname)
  if (!m) { fail(res, 404, 'TILE_NOT_FOUND', '瓦片地址有误'); return }
  const level = m[1] as GridLevel
  const [z, x, y] = [Number(m[2]), Number(m[3]), Number(m[4])]
  if (!GRID_LEVELS.includes(level)) { fail(res, 404, 'TILE_NOT_FOUND', '网格层级应为 district、street 或 community'); return }
  if (z > GRID_TILE_MAX_ZOOM || x >= 2 ** z || y >= 2 ** z) { fail(res, 404, 'TILE_NOT_FOUND', `瓦片超出范围（最大缩放级别 ${GRID_TILE_MAX_ZOOM}）`); return }

  const user = await sessionUserOf(deps.db, req, deps.now())
  if (!user) { fail(res, 401, 'NOT_LOGGED_IN', '请先登录'); return }

  const tiles = gridTilesOf(deps.catalog)
  const version = tiles.version(level)
  const etag = `"${level}-${version}-${z}-${x}-${y}"`
  const current = url.searchParams.get('v') === version
  const headers: Record<string, string> = {
    ETag: etag,
    // private: tiles are behind the login; immutable when the URL names the current version
    'Cache-Control': current ? 'private, max-age=31536000, immutable' : 'private, no-cache',
    Vary: 'Cookie',
  }
  if (req.headers['if-none-match'] === etag) { res.writeHead(304, headers).end(); return }
  sendTile(req, res, headers, tiles.encodedTile(level, z, x, y))
}

function sendTile(req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>, tile: { pbf: Uint8Array; gzip: Uint8Array | null } | null): void {
  if (!tile) { res.writeHead(204, headers).end(); return }
  const gzip = tile.gzip !== null && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
  const out = gzip ? tile.gzip! : tile.pbf
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'application/x-protobuf',
    'Content-Length': String(out.length),
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  })
  res.end(req.method === 'HEAD' ? undefined : out)
}

/**
 * Open problems as clusters (server/services/problemTiles.ts):
 *   GET /tiles/problems/{z}/{x}/{y}.pbf[?v=<version from problem.mapInfo>]
 * The scope is the session user's (as problem.map): a department user's tiles hold its own
 * department's problems only; the version names the scope too, and the response is private.
 */
async function serveProblemTile(deps: TilesDeps, url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const m = PROBLEM_TILE_PATH.exec(url.pathname)
  if (!m) { fail(res, 404, 'TILE_NOT_FOUND', '瓦片地址有误'); return }
  const [z, x, y] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (z > PROBLEM_TILE_MAX_ZOOM || x >= 2 ** z || y >= 2 ** z) { fail(res, 404, 'TILE_NOT_FOUND', `瓦片超出范围（最大缩放级别 ${PROBLEM_TILE_MAX_ZOOM}）`); return }
  const user = await sessionUserOf(deps.db, req, deps.now())
  if (!user) { fail(res, 401, 'NOT_LOGGED_IN', '请先登录'); return }
  const asked = url.searchParams.get('v')
  const scope = await problemTilesOf(deps.db, deps.now).forTile(departmentScope(user).own, asked)
  const etag = `"problems-${scope.version}-${z}-${x}-${y}"`
  const headers: Record<string, string> = {
    ETag: etag,
    'Cache-Control': asked === scope.version ? 'private, max-age=31536000, immutable' : 'private, no-cache',
    Vary: 'Cookie',
  }
  if (req.headers['if-none-match'] === etag) { res.writeHead(304, headers).end(); return }
  sendTile(req, res, headers, encodeProblemTile(scope, z, x, y))
}
