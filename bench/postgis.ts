/**
 * Point → grid in PostGIS, on the same synthetic city and the same random points as
 * bench/assignment.ts (same seeds): polygons and points loaded with batched INSERT … unnest,
 * GiST indexes, ANALYZE, then the join timed server-side into a table (so the wire is not
 * measured): `pts JOIN grids ON ST_Intersects` and the grids-first LATERAL variant. Agreement:
 * PostGIS's answer vs GridDuty's index on every point (ST_Intersects counts a point on a shared
 * edge in both grids; the random points lie on no boundary).
 */
import pg from 'pg'
import { GridIndex } from '../server/domain/geometry/gridIndex.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { syntheticCity } from './syntheticCity.ts'

export interface PostgisResult {
  polygons: number
  points: number
  postgis: string
  loadMs: number
  indexMs: number
  variants: { name: string; sql: string; ms: number; pointsPerSecond: number; ratioToBaseline: number; disagreements: number; multiMatches: number }[]
}

/** The random points of bench/assignment.ts for this size (same PRNG and formula). */
export function assignmentPoints(bbox: [number, number, number, number], polygons: number, n: number, seed: number): Float64Array {
  const r = mulberry32(seed * 7919 + polygons)
  const [x0, y0, x1, y1] = bbox, dx = x1 - x0, dy = y1 - y0
  const coords = new Float64Array(2 * n)
  for (let i = 0; i < n; i++) {
    coords[2 * i] = x0 - 0.1 * dx + 1.2 * dx * r()
    coords[2 * i + 1] = y0 - 0.1 * dy + 1.2 * dy * r()
  }
  return coords
}

export async function benchPostgis(url: string, polygons: number, nPoints: number, seed: number, baselinePointsPerSecond: number, log: (s: string) => void = () => {}): Promise<PostgisResult> {
  const city = syntheticCity(polygons, seed)
  const coords = assignmentPoints(city.bbox, polygons, nPoints, seed)
  const index = GridIndex.build(city.grids)
  const expected = new Int32Array(nPoints)
  for (let i = 0; i < nPoints; i++) expected[i] = index.locate(coords[2 * i]!, coords[2 * i + 1]!) ?? -1

  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS postgis')
    const version = (await c.query<{ v: string }>('SELECT postgis_lib_version() AS v')).rows[0]!.v
    await c.query('DROP TABLE IF EXISTS bench_grids, bench_pts, bench_res')
    await c.query('CREATE TABLE bench_grids (id int PRIMARY KEY, geom geometry(Polygon, 4326) NOT NULL)')
    await c.query('CREATE TABLE bench_pts (id int PRIMARY KEY, geom geometry(Point, 4326) NOT NULL)')
    log(`postgis: loading ${polygons} polygons and ${nPoints} points…`)
    let t = performance.now()
    for (let i = 0; i < city.grids.length; i += 1000) {
      const chunk = city.grids.slice(i, i + 1000)
      await c.query('INSERT INTO bench_grids SELECT id, ST_SetSRID(ST_GeomFromGeoJSON(g), 4326) FROM unnest($1::int[], $2::text[]) AS t(id, g)',
        [chunk.map((g) => g.id), chunk.map((g) => JSON.stringify(g.geometry))])
    }
    for (let i = 0; i < nPoints; i += 100_000) {
      const ids: number[] = [], xs: number[] = [], ys: number[] = []
      for (let k = i; k < Math.min(nPoints, i + 100_000); k++) { ids.push(k); xs.push(coords[2 * k]!); ys.push(coords[2 * k + 1]!) }
      await c.query('INSERT INTO bench_pts SELECT id, ST_SetSRID(ST_MakePoint(x, y), 4326) FROM unnest($1::int[], $2::float8[], $3::float8[]) AS t(id, x, y)', [ids, xs, ys])
    }
    const loadMs = performance.now() - t
    t = performance.now()
    await c.query('CREATE INDEX bench_grids_gist ON bench_grids USING gist (geom)')
    await c.query('CREATE INDEX bench_pts_gist ON bench_pts USING gist (geom)')
    await c.query('ANALYZE bench_grids')
    await c.query('ANALYZE bench_pts')
    const indexMs = performance.now() - t

    const variants = [
      { name: 'PostGIS ST_Intersects join (GiST)', sql: 'SELECT p.id AS pid, g.id AS gid FROM bench_pts p JOIN bench_grids g ON ST_Intersects(g.geom, p.geom)' },
      { name: 'PostGIS grids-first LATERAL (GiST)', sql: 'SELECT p.id AS pid, g.id AS gid FROM bench_grids g CROSS JOIN LATERAL (SELECT id FROM bench_pts p WHERE ST_Intersects(g.geom, p.geom)) p' },
    ]
    const out: PostgisResult['variants'] = []
    for (const v of variants) {
      log(`postgis: ${v.name}…`)
      await c.query('DROP TABLE IF EXISTS bench_res')
      t = performance.now()
      await c.query(`CREATE UNLOGGED TABLE bench_res AS ${v.sql}`)
      const ms = performance.now() - t
      const rows = (await c.query<{ pid: number; gid: number }>('SELECT pid, gid FROM bench_res')).rows
      const got = new Int32Array(nPoints).fill(-1)
      let multi = 0
      for (const r of rows) {
        if (got[r.pid] !== -1) multi++
        got[r.pid] = r.gid
      }
      let diff = 0
      for (let i = 0; i < nPoints; i++) if (got[i] !== expected[i]) diff++
      const pps = nPoints / (ms / 1000)
      out.push({ name: v.name, sql: v.sql, ms, pointsPerSecond: pps, ratioToBaseline: pps / baselinePointsPerSecond, disagreements: diff, multiMatches: multi })
    }
    await c.query('DROP TABLE IF EXISTS bench_grids, bench_pts, bench_res')
    return { polygons, points: nPoints, postgis: version, loadMs, indexMs, variants: out }
  } finally { await c.end() }
}
