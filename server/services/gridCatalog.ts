/**
 * The grids in memory: parsed boundaries per level and the point→grid index of each level.
 * Built from the database at start and rebuilt (or updated) whenever boundaries change,
 * so `grid.locate`, problem assignment and the map never re-parse geometry per request.
 */
import type { Feature, FeatureCollection, Point } from 'geojson'
import { GridIndex } from '../domain/geometry/gridIndex.ts'
import { labelPoint, type LngLat } from '../domain/geometry/labelPoint.ts'
import type { GridGeometry } from '../domain/geometry/validate.ts'
import type { Db } from '../db/client.ts'
import { ensureBundledCalendar, HolidayStore } from './calendar.ts'

// the level list is defined once in the domain (server/domain/grid/levels.ts); re-exported for the services
import { GRID_LEVELS, type GridLevel } from '../domain/grid/levels.ts'
export { GRID_LEVELS, type GridLevel }

export interface CatalogGrid {
  id: number
  code: string
  name: string
  level: GridLevel
  parentId: number | null
  geometry: GridGeometry
  bbox: [number, number, number, number]
  area: number
  version: number
}

export interface GridRef { id: number; code: string; name: string }

export class GridCatalog {
  private byId = new Map<number, CatalogGrid>()
  private indexes = new Map<GridLevel, GridIndex>()
  /** Bumped on every change of the grids in memory: caches derived from them (vector tiles) rebuild. */
  generation = 0
  /** what the grid table looked like at the last reload (row count + last update) */
  private fingerprint = ''
  /** the holiday calendar of this database (deadlines), kept beside the grids and reloaded on the same watch */
  readonly holidays = new HolidayStore()
  /** label points by `id:version`: computed once per boundary version, kept across reloads (see labelPointOf) */
  private labels = new Map<string, LngLat>()

  static async load(db: Db): Promise<GridCatalog> {
    const catalog = new GridCatalog()
    await catalog.reload(db)
    await ensureBundledCalendar(db)
    await catalog.holidays.reload(db)
    return catalog
  }

  async reload(db: Db): Promise<void> {
    this.fingerprint = await gridTableFingerprint(db)
    const rows = await db.grid.findMany({ where: { retiredAt: null }, orderBy: { code: 'asc' } }) // merged-away grids (boundary versions) are not in force
    this.byId = new Map(rows.map((r) => [r.id, {
      id: r.id, code: r.code, name: r.name, level: r.level as GridLevel, parentId: r.parentId,
      geometry: JSON.parse(r.geometry) as GridGeometry,
      bbox: [r.minLng, r.minLat, r.maxLng, r.maxLat], area: r.area, version: r.version,
    }]))
    this.indexes = new Map(GRID_LEVELS.map((level) => [level, GridIndex.build(this.list(level))]))
    // label points of boundary versions no longer in force are dropped; the rest are kept
    const live = new Set(rows.map((r) => `${r.id}:${r.version}`))
    for (const key of this.labels.keys()) if (!live.has(key)) this.labels.delete(key)
    this.generation++
  }

  /**
   * Where the grid's name goes on a map (server/domain/geometry/labelPoint.ts): computed on first use
   * and cached per boundary version (`id:version`), so a reload after one grid changed recomputes
   * that grid only, and every map, tile and SVG uses the same point.
   */
  labelPointOf(g: CatalogGrid): LngLat {
    const key = `${g.id}:${g.version}`
    let p = this.labels.get(key)
    if (!p) this.labels.set(key, (p = labelPoint(g.geometry)))
    return p
  }

  /** One point per grid of a level (its label point), with properties from the caller; feature id = grid id. */
  labelCollection<P>(level: GridLevel, props: (g: CatalogGrid) => P): FeatureCollection<Point, P> {
    const features: Feature<Point, P>[] = this.list(level).map((g) => ({
      type: 'Feature', id: g.id, geometry: { type: 'Point', coordinates: this.labelPointOf(g) }, properties: props(g),
    }))
    return { type: 'FeatureCollection', features }
  }

  /**
   * Reloads if another process changed the grids since the last reload (several servers on one
   * PostgreSQL): true when it did. Cheap: one aggregate query.
   */
  async reloadIfChanged(db: Db): Promise<boolean> {
    await this.holidays.reloadIfChanged(db)
    if ((await gridTableFingerprint(db)) === this.fingerprint) return false
    await this.reload(db)
    return true
  }

  /** Polls reloadIfChanged every `ms`; returns a function that stops it. */
  watch(db: Db, ms: number, onError: (e: unknown) => void = (e) => console.error('[grid catalog]', e)): () => void {
    let busy = false
    const timer = setInterval(() => {
      if (busy) return
      busy = true
      this.reloadIfChanged(db).catch(onError).finally(() => { busy = false })
    }, ms)
    timer.unref()
    return () => clearInterval(timer)
  }

  get(id: number): CatalogGrid | undefined {
    return this.byId.get(id)
  }

  list(level?: GridLevel): CatalogGrid[] {
    const all = [...this.byId.values()]
    return level ? all.filter((g) => g.level === level) : all
  }

  /** The grid of a level containing a point (boundary rule: see server/domain/geometry/gridIndex.ts). */
  locateAt(level: GridLevel, lng: number, lat: number): CatalogGrid | null {
    const id = this.indexes.get(level)?.locate(lng, lat)
    return id == null ? null : (this.byId.get(id) ?? null)
  }

  locate(lng: number, lat: number): { community: GridRef | null; street: GridRef | null } {
    const ref = (g: CatalogGrid | null): GridRef | null => (g ? { id: g.id, code: g.code, name: g.name } : null)
    return { community: ref(this.locateAt('community', lng, lat)), street: ref(this.locateAt('street', lng, lat)) }
  }

  /** The finest grid containing the point: its community, else its street. */
  assign(lng: number, lat: number): CatalogGrid | null {
    return this.locateAt('community', lng, lat) ?? this.locateAt('street', lng, lat)
  }

  /** Geometry as a FeatureCollection, with properties from the caller. */
  featureCollection<P>(level: GridLevel, props: (g: CatalogGrid) => P): FeatureCollection<GridGeometry, P> {
    const features: Feature<GridGeometry, P>[] = this.list(level).map((g) => ({
      type: 'Feature', id: g.id, geometry: g.geometry, properties: props(g),
    }))
    return { type: 'FeatureCollection', features }
  }
}

async function gridTableFingerprint(db: Db): Promise<string> {
  const a = await db.grid.aggregate({ _count: { _all: true }, _max: { updatedAt: true } })
  return `${a._count._all}|${a._max.updatedAt?.toISOString() ?? ''}`
}
