/**
 * Open problems on the map at city scale: server-side clusters (supercluster) cut into Mapbox
 * Vector Tiles (vt-pbf), one cluster index per department scope. `problem.map` sends every open
 * problem as GeoJSON — fine for a district (a few thousand points), tens of megabytes at 500,000.
 * Here a screen is a few dozen tiles of at most a few hundred clusters each, whatever the count.
 *
 * Scope: the same rule as `problem.map` (scope.where(): a department user sees its own
 * department's problems, leaders/planners/admins all), applied on the server when the index of a
 * scope is built; tiles of one scope are never served to another (the scope is the cache key).
 *
 * Freshness, cheaply:
 *   - A snapshot of the open problems is keyed by a fingerprint of the Problem table:
 *     (max id, max updatedAt) — both read from an index, O(log n). Problems are never deleted, every
 *     write through Prisma bumps updatedAt, a new row bumps the max id. `problem.mapInfo` checks the
 *     fingerprint on every call; tile requests naming the current version (`?v=`) never touch the
 *     database; other tile requests check it at most every CHECK_MS.
 *     A changed fingerprint reads back only the rows written since (updatedAt ≥ the last max − 1 min,
 *     or a new id) and patches them in; everything is reloaded every 30 min anyway.
 *   - Overdue is time-dependent without a write: the snapshot keeps every open problem's deadline and
 *     the next one to pass; once the clock passes it, overdue is recomputed in memory (no database),
 *     at most once per OVERDUE_REFRESH_MS (so a cluster's red lags a crossing deadline by at most
 *     5 minutes; counts never lag).
 *   - A scope's index is built lazily on its first request from the snapshot (department scopes
 *     filter the same rows), and its `version` names the snapshot: tile URLs carrying it are immutable.
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { gzipSync } from 'node:zlib'
import Supercluster from 'supercluster'
import type { Db } from '../db/client.ts'
import { OPEN_STATUSES } from '../domain/problem/status.ts'

const require = createRequire(import.meta.url)
const vtpbf = require('vt-pbf') as { fromGeojsonVt(layers: Record<string, unknown>, options?: { version?: number; extent?: number }): Uint8Array }

/** The source layer inside every problem tile. */
export const PROBLEM_TILE_LAYER = 'problems'
/** Deepest zoom with its own tiles (single problems from PROBLEM_CLUSTER_MAX_ZOOM + 1 on); MapLibre overzooms beyond. */
export const PROBLEM_TILE_MAX_ZOOM = 18
/** Deepest zoom that clusters; beyond it every problem is its own point. */
export const PROBLEM_CLUSTER_MAX_ZOOM = 16
export const PROBLEM_TILE_EXTENT = 512
/**
 * Cluster radius in tile pixels (of 512). supercluster's getTile also repeats the clusters within
 * this many pixels around a tile's edge in the tile (its buffer), so a circle on an edge is drawn whole.
 */
export const PROBLEM_CLUSTER_RADIUS = 60
const CHECK_MS = 2000
/** how often overdue colours follow the clock without a write (an in-memory recompute, no database) */
const OVERDUE_REFRESH_MS = 5 * 60_000
/** a change is read back from this far before the last max updatedAt (a transaction committed late) */
const DELTA_OVERLAP_MS = 60_000
/** and everything is reloaded this often anyway */
const FULL_RELOAD_MS = 30 * 60_000
const MAX_SCOPES = 16
const MAX_CACHED_TILES = 4000

/** Point properties: the problem (a click opens it) and what colours it. */
interface PointProps { id: number; status: string; overdue: boolean }
/** Cluster properties (supercluster adds cluster, cluster_id, point_count, point_count_abbreviated). */
interface ClusterProps { overdue: number }

interface OpenRow { lng: number; lat: number; dept: number; status: string; deadline: number | null }

interface Snapshot {
  fingerprint: string
  maxId: number
  maxUpdatedAt: number
  loadedAt: number
  /** overdue is as of this time; the scopes' indexes were built with it */
  asOf: number
  /** the next deadline after asOf (Infinity: none) — overdue colours change then */
  nextCrossing: number
  /** the open problems by id */
  rows: Map<number, OpenRow>
  scopes: Map<string, ScopeIndex>
}

export interface EncodedTile { pbf: Uint8Array; gzip: Uint8Array | null }

export interface ScopeIndex {
  /** names the snapshot and the scope: tile URLs carrying it may be cached as immutable */
  version: string
  /** open problems in the scope */
  count: number
  index: Supercluster<PointProps, ClusterProps>
  encoded: Map<string, EncodedTile | null>
}

/** The department a user's problem tiles are confined to (Scope.own: null = all departments). */
export type ScopeKey = number | null

const keyOf = (own: ScopeKey) => (own === null ? 'all' : `d${own}`)
const OPEN = [...OPEN_STATUSES] as string[]
const SELECT = { id: true, lng: true, lat: true, status: true, deadline: true, departmentId: true } as const

export class ProblemTiles {
  private snap: Snapshot | null = null
  private building: Promise<Snapshot> | null = null
  private checkedAt = 0

  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  private async fingerprint(): Promise<{ key: string; maxId: number; maxUpdatedAt: number }> {
    const m = await this.db.problem.aggregate({ _max: { id: true, updatedAt: true } })
    const maxId = m._max.id ?? 0, maxUpdatedAt = m._max.updatedAt?.getTime() ?? 0
    return { key: `${maxId}:${maxUpdatedAt}`, maxId, maxUpdatedAt }
  }

  /** The current snapshot; `fresh` checks the fingerprint now (else at most every CHECK_MS). */
  private async snapshot(fresh: boolean): Promise<Snapshot> {
    const now = this.now().getTime()
    const snap = this.snap
    if (snap && !fresh && now - this.checkedAt < CHECK_MS && !this.crossed(snap, now)) return snap
    if (this.building) return this.building
    this.building = this.refresh(now).finally(() => { this.building = null })
    return this.building
  }

  private crossed(snap: Snapshot, now: number): boolean {
    return now >= snap.nextCrossing && now - snap.asOf >= OVERDUE_REFRESH_MS
  }

  /**
   * Brings the snapshot up to date: a full load the first time (and every FULL_RELOAD_MS), else only
   * the rows written since the last look (updatedAt from the index, new ids) patched in; overdue
   * re-read from the stored deadlines when the clock passed one. Each change empties the scopes'
   * indexes (rebuilt on their next request) and so changes their versions.
   */
  private async refresh(now: number): Promise<Snapshot> {
    const fp = await this.fingerprint()
    this.checkedAt = now
    let snap = this.snap
    if (!snap || now - snap.loadedAt >= FULL_RELOAD_MS) {
      const rows = await this.db.problem.findMany({ where: { status: { in: OPEN } }, select: SELECT })
      const map = new Map<number, OpenRow>()
      for (const r of rows) map.set(r.id, { lng: r.lng, lat: r.lat, dept: r.departmentId ?? -1, status: r.status, deadline: r.deadline?.getTime() ?? null })
      snap = { fingerprint: fp.key, maxId: fp.maxId, maxUpdatedAt: fp.maxUpdatedAt, loadedAt: now, asOf: now, nextCrossing: Infinity, rows: map, scopes: new Map() }
    } else if (snap.fingerprint !== fp.key) {
      const changed = await this.db.problem.findMany({
        where: { OR: [{ updatedAt: { gte: new Date(snap.maxUpdatedAt - DELTA_OVERLAP_MS) } }, { id: { gt: snap.maxId } }] },
        select: SELECT,
      })
      for (const r of changed) {
        if (OPEN.includes(r.status)) snap.rows.set(r.id, { lng: r.lng, lat: r.lat, dept: r.departmentId ?? -1, status: r.status, deadline: r.deadline?.getTime() ?? null })
        else snap.rows.delete(r.id)
      }
      snap = { ...snap, fingerprint: fp.key, maxId: fp.maxId, maxUpdatedAt: fp.maxUpdatedAt, asOf: now, scopes: new Map() }
    } else if (this.crossed(snap, now)) {
      snap = { ...snap, asOf: now, scopes: new Map() }
    } else return snap
    let next = Infinity
    for (const r of snap.rows.values()) if (r.deadline !== null && r.deadline >= snap.asOf && r.deadline < next) next = r.deadline
    snap.nextCrossing = next
    this.snap = snap
    return snap
  }

  private scopeIndex(snap: Snapshot, own: ScopeKey): ScopeIndex {
    const key = keyOf(own)
    const have = snap.scopes.get(key)
    if (have) return have
    const features: GeoJSON.Feature<GeoJSON.Point, PointProps>[] = []
    for (const [id, r] of snap.rows) {
      // the scope, as problem.map: Scope.where() = { departmentId: own } for a department user
      if (own !== null && r.dept !== own) continue
      features.push({ type: 'Feature', id, geometry: { type: 'Point', coordinates: [r.lng, r.lat] }, properties: { id, status: r.status, overdue: r.deadline !== null && r.deadline < snap.asOf } })
    }
    const index = new Supercluster<PointProps, ClusterProps>({
      minZoom: 0, maxZoom: PROBLEM_CLUSTER_MAX_ZOOM, radius: PROBLEM_CLUSTER_RADIUS, extent: PROBLEM_TILE_EXTENT,
      map: (p) => ({ overdue: p.overdue ? 1 : 0 }),
      reduce: (acc, p) => { acc.overdue += p.overdue },
    }).load(features)
    const version = createHash('sha256').update(`${snap.fingerprint};${snap.loadedAt};${snap.asOf};${key}`).digest('hex').slice(0, 16)
    const entry: ScopeIndex = { version, count: features.length, index, encoded: new Map() }
    if (snap.scopes.size >= MAX_SCOPES) snap.scopes.delete(snap.scopes.keys().next().value!)
    snap.scopes.set(key, entry)
    return entry
  }

  /** The scope's index, checking the database for changes first (problem.mapInfo). */
  async current(own: ScopeKey): Promise<ScopeIndex> {
    return this.scopeIndex(await this.snapshot(true), own)
  }

  /**
   * The scope's index for a tile request: when `version` names the index in memory it is used as
   * is (no database round trip); otherwise the fingerprint is checked (throttled).
   */
  async forTile(own: ScopeKey, version: string | null): Promise<ScopeIndex> {
    const snap = this.snap
    if (snap && version !== null && !this.crossed(snap, this.now().getTime())) {
      const have = snap.scopes.get(keyOf(own))
      if (have?.version === version) return have
    }
    return this.scopeIndex(await this.snapshot(false), own)
  }
}

/** A tile of a scope's index: clusters and single problems, encoded once and kept. */
export function encodeProblemTile(scope: ScopeIndex, z: number, x: number, y: number): EncodedTile | null {
  const key = `${z}/${x}/${y}`
  const cached = scope.encoded.get(key)
  if (cached !== undefined) return cached
  const tile = scope.index.getTile(z, x, y)
  let out: EncodedTile | null = null
  if (tile && tile.features.length > 0) {
    const pbf = vtpbf.fromGeojsonVt({ [PROBLEM_TILE_LAYER]: tile }, { version: 2, extent: PROBLEM_TILE_EXTENT })
    out = { pbf, gzip: pbf.length > 512 ? gzipSync(pbf, { level: 6 }) : null }
  }
  if (scope.encoded.size >= MAX_CACHED_TILES) scope.encoded.delete(scope.encoded.keys().next().value!)
  scope.encoded.set(key, out)
  return out
}

const perDb = new WeakMap<Db, ProblemTiles>()
/** One ProblemTiles per database client (the server has one; tests start several servers). */
export function problemTilesOf(db: Db, now?: () => Date): ProblemTiles {
  let t = perDb.get(db)
  if (!t) perDb.set(db, (t = new ProblemTiles(db, now)))
  return t
}
