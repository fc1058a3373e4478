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
 *   - Overdue is time-dependent without a write: the snapshot remembers the next deadline to pass
 *     and is rebuilt when the clock passes it, at most once per OVERDUE_REFRESH_MS (so the
 *     red/orange of a cluster lags a crossing deadline by at most a minute; counts never lag).
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
const OVERDUE_REFRESH_MS = 60_000
const MAX_SCOPES = 16
const MAX_CACHED_TILES = 4000

/** Point properties: the problem (a click opens it) and what colours it. */
interface PointProps { id: number; status: string; overdue: boolean }
/** Cluster properties (supercluster adds cluster, cluster_id, point_count, point_count_abbreviated). */
interface ClusterProps { overdue: number }

interface Snapshot {
  fingerprint: string
  builtAt: number
  /** the next deadline after builtAt (Infinity: none) — overdue colours change then */
  nextCrossing: number
  ids: Int32Array; lng: Float64Array; lat: Float64Array; dept: Int32Array; overdue: Uint8Array; status: string[]
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

export class ProblemTiles {
  private snap: Snapshot | null = null
  private building: Promise<Snapshot> | null = null
  private checkedAt = 0

  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  private async fingerprint(): Promise<string> {
    const m = await this.db.problem.aggregate({ _max: { id: true, updatedAt: true } })
    return `${m._max.id ?? 0}:${m._max.updatedAt?.getTime() ?? 0}`
  }

  /** The current snapshot; `fresh` checks the fingerprint now (else at most every CHECK_MS). */
  private async snapshot(fresh: boolean): Promise<Snapshot> {
    const now = this.now().getTime()
    const snap = this.snap
    if (snap && !fresh && now - this.checkedAt < CHECK_MS && !this.crossed(snap, now)) return snap
    if (this.building) return this.building
    const fp = await this.fingerprint()
    this.checkedAt = now
    const current = this.snap
    if (current && current.fingerprint === fp && !this.crossed(current, now)) return current
    if (this.building) return this.building
    this.building = this.load(fp).finally(() => { this.building = null })
    return this.building
  }

  private crossed(snap: Snapshot, now: number): boolean {
    return now >= snap.nextCrossing && now - snap.builtAt >= OVERDUE_REFRESH_MS
  }

  private async load(fingerprint: string): Promise<Snapshot> {
    const builtAt = this.now().getTime()
    const rows = await this.db.problem.findMany({
      where: { status: { in: [...OPEN_STATUSES] } },
      select: { id: true, lng: true, lat: true, status: true, deadline: true, departmentId: true },
    })
    const n = rows.length
    const snap: Snapshot = {
      fingerprint, builtAt, nextCrossing: Infinity,
      ids: new Int32Array(n), lng: new Float64Array(n), lat: new Float64Array(n), dept: new Int32Array(n), overdue: new Uint8Array(n), status: new Array<string>(n),
      scopes: new Map(),
    }
    for (let i = 0; i < n; i++) {
      const r = rows[i]!
      snap.ids[i] = r.id; snap.lng[i] = r.lng; snap.lat[i] = r.lat; snap.dept[i] = r.departmentId ?? -1; snap.status[i] = r.status
      const d = r.deadline?.getTime()
      if (d !== undefined) {
        if (d < builtAt) snap.overdue[i] = 1
        else if (d < snap.nextCrossing) snap.nextCrossing = d
      }
    }
    this.snap = snap
    return snap
  }

  private scopeIndex(snap: Snapshot, own: ScopeKey): ScopeIndex {
    const key = keyOf(own)
    const have = snap.scopes.get(key)
    if (have) return have
    const features: GeoJSON.Feature<GeoJSON.Point, PointProps>[] = []
    for (let i = 0; i < snap.ids.length; i++) {
      // the scope, as problem.map: Scope.where() = { departmentId: own } for a department user
      if (own !== null && snap.dept[i] !== own) continue
      features.push({ type: 'Feature', id: snap.ids[i]!, geometry: { type: 'Point', coordinates: [snap.lng[i]!, snap.lat[i]!] }, properties: { id: snap.ids[i]!, status: snap.status[i]!, overdue: snap.overdue[i] === 1 } })
    }
    const index = new Supercluster<PointProps, ClusterProps>({
      minZoom: 0, maxZoom: PROBLEM_CLUSTER_MAX_ZOOM, radius: PROBLEM_CLUSTER_RADIUS, extent: PROBLEM_TILE_EXTENT,
      map: (p) => ({ overdue: p.overdue ? 1 : 0 }),
      reduce: (acc, p) => { acc.overdue += p.overdue },
    }).load(features)
    const version = createHash('sha256').update(`${snap.fingerprint};${snap.builtAt};${key}`).digest('hex').slice(0, 16)
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
