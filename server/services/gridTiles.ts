/**
 * Vector tiles of the grid boundaries (Mapbox Vector Tile 2.1), one tile index per level, built
 * from the GridCatalog with geojson-vt and encoded with vt-pbf. A 20,000-grid city is ~2 M
 * vertices: as one GeoJSON that is tens of megabytes the browser must parse and triangulate at
 * once; as tiles it is a few hundred kilobytes per screen, simplified for the zoom.
 *
 * Tiles carry geometry and what never changes with the month (id, code, name, parentId); the
 * feature id is the grid id, so the client joins the month's status (`grid.status`) onto the
 * features with `map.setFeatureState` and a month change refetches no geometry.
 *
 * The index of a level is built lazily on the first tile request and rebuilt when the catalog's
 * generation changes (every `reload()`). `version` is a hash of the level's (id, version) pairs:
 * identical across server processes holding the same grids, so tile URLs carrying it
 * (`?v=…`) can be cached by browsers and proxies as immutable.
 */
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import { gzipSync } from 'node:zlib'
import GeoJSONVT, { type LegacyTile } from 'geojson-vt'
import type { GridCatalog, GridLevel } from './gridCatalog.ts'

const require = createRequire(import.meta.url)
const vtpbf = require('vt-pbf') as { fromGeojsonVt(layers: Record<string, LegacyTile>, options?: { version?: number; extent?: number }): Uint8Array }

/** The source layer name inside every tile. */
export const GRID_TILE_LAYER = 'grids'
/**
 * The label points (one per grid, GridCatalog.labelPointOf) as a second layer of the same tiles: a
 * point lies in one tile only (MapLibre drops symbols anchored in a tile's buffer), so a name is drawn
 * once however many tiles its polygon spans.
 */
export const GRID_LABEL_TILE_LAYER = 'labels'
/** Deepest zoom with its own tiles; MapLibre overzooms beyond (set the source's maxzoom to this). */
export const GRID_TILE_MAX_ZOOM = 14
const EXTENT = 4096

interface LevelTiles { generation: number; version: string; index: GeoJSONVT | null; labels: GeoJSONVT | null; encoded: Map<string, EncodedTile | null> }

/** A tile as sent: the protobuf and its gzip (null when it is small enough to send as is). */
export interface EncodedTile { pbf: Uint8Array; gzip: Uint8Array | null }

/** Encoded tiles kept per level (oldest dropped first); a z14 tile of a dense city is ~15 kB. */
const MAX_CACHED_TILES = 4000

export class GridTiles {
  private levels = new Map<GridLevel, LevelTiles>()

  constructor(private readonly catalog: GridCatalog) {}

  /** The level's entry, reset if the catalog changed since (the tile index is then rebuilt on demand). */
  private level(level: GridLevel): LevelTiles {
    const have = this.levels.get(level)
    if (have && have.generation === this.catalog.generation) return have
    const hash = createHash('sha256')
    for (const g of this.catalog.list(level)) hash.update(`${g.id}:${g.version};`)
    const entry: LevelTiles = { generation: this.catalog.generation, version: hash.digest('hex').slice(0, 16), index: null, labels: null, encoded: new Map() }
    this.levels.set(level, entry)
    return entry
  }

  /** A content version of the level's geometry (changes when any grid of the level changes). */
  version(level: GridLevel): string {
    return this.level(level).version
  }

  /** The encoded tile, or null when no grid touches it. */
  tile(level: GridLevel, z: number, x: number, y: number): Uint8Array | null {
    return this.encodedTile(level, z, x, y)?.pbf ?? null
  }

  /** The tile with its gzip, cached: geojson-vt cuts a tile once, the encoding is kept too. */
  encodedTile(level: GridLevel, z: number, x: number, y: number): EncodedTile | null {
    const entry = this.level(level)
    const key = `${z}/${x}/${y}`
    const cached = entry.encoded.get(key)
    if (cached !== undefined) return cached
    entry.index ??= new GeoJSONVT(this.catalog.featureCollection(level, (g) => ({ code: g.code, name: g.name, parentId: g.parentId })), {
      maxZoom: GRID_TILE_MAX_ZOOM, indexMaxZoom: 5, indexMaxPoints: 100_000, tolerance: 3, extent: EXTENT, buffer: 64,
    })
    entry.labels ??= new GeoJSONVT(this.catalog.labelCollection(level, (g) => ({ code: g.code, name: g.name, parentId: g.parentId })), {
      maxZoom: GRID_TILE_MAX_ZOOM, indexMaxZoom: 5, indexMaxPoints: 100_000, tolerance: 3, extent: EXTENT, buffer: 64,
    })
    const t = entry.index.getTile(z, x, y)
    const lt = entry.labels.getTile(z, x, y)
    const layers: Record<string, LegacyTile> = {}
    if (t && t.features.length > 0) layers[GRID_TILE_LAYER] = t
    if (lt && lt.features.length > 0) layers[GRID_LABEL_TILE_LAYER] = lt
    const pbf = Object.keys(layers).length > 0 ? vtpbf.fromGeojsonVt(layers, { version: 2, extent: EXTENT }) : null
    const encoded = pbf ? { pbf, gzip: pbf.length > 512 ? gzipSync(pbf, { level: 6 }) : null } : null
    if (entry.encoded.size >= MAX_CACHED_TILES) entry.encoded.delete(entry.encoded.keys().next().value!)
    entry.encoded.set(key, encoded)
    return encoded
  }
}

/** One GridTiles per catalog (the server has one catalog; tests start several servers). */
const perCatalog = new WeakMap<GridCatalog, GridTiles>()
export function gridTilesOf(catalog: GridCatalog): GridTiles {
  let t = perCatalog.get(catalog)
  if (!t) perCatalog.set(catalog, (t = new GridTiles(catalog)))
  return t
}
