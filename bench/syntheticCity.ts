/**
 * A deterministic synthetic city: a ~30 km square near Baoji (107.15E 34.36N)
 * cut into n Voronoi grids with bit-identical shared edges and ~100 vertices
 * per grid. Seeds sit on a jittered lattice (well-shaped cells); each Voronoi
 * edge is densified with a perpendicular jitter drawn from a PRNG keyed by the
 * edge's two endpoints, so both neighbours get exactly the same points.
 */
import { Delaunay } from 'd3-delaunay'
import type { Feature, Polygon, Position } from 'geojson'
import { mulberry32 } from '../server/domain/random.ts'
import type { IndexedGrid } from '../server/domain/geometry/gridIndex.ts'

export interface SyntheticCity {
  /** [minLng, minLat, maxLng, maxLat] of the square */
  bbox: [number, number, number, number]
  grids: (IndexedGrid & { geometry: Polygon })[]
  features: Feature<Polygon, { id: number; code: string }>[]
}

const SIDE_KM = 30
const LNG0 = 107.15
const LAT0 = 34.36
const KM_PER_DEG_LAT = 111.32
const KM_PER_DEG_LNG = 111.32 * Math.cos((LAT0 * Math.PI) / 180)

function hashNumbers(values: number[], seed: number): number {
  const f = new Float64Array(values)
  const u = new Uint32Array(f.buffer)
  let h = (2166136261 ^ seed) >>> 0
  for (const w of u) h = Math.imul(h ^ w, 16777619) >>> 0
  return h
}

export function syntheticCity(n: number, seed = 1, verticesPerGrid = 100): SyntheticCity {
  const rand = mulberry32(seed)
  const cols = Math.ceil(Math.sqrt(n))
  const rows = Math.ceil(n / cols)
  const sx = SIDE_KM / cols, sy = SIDE_KM / rows
  const pts: [number, number][] = []
  for (let i = 0; i < n; i++) {
    const c = i % cols, r = Math.floor(i / cols)
    pts.push([(c + 0.5 + (rand() - 0.5) * 0.8) * sx, (r + 0.5 + (rand() - 0.5) * 0.8) * sy])
  }
  const voronoi = Delaunay.from(pts).voronoi([0, 0, SIDE_KM, SIDE_KM])

  // canonical vertices: the clipped border points of two cells may differ in the last bit
  const canon = new Map<string, [number, number]>()
  const snap = (p: [number, number]): [number, number] => {
    const kx = Math.round(p[0] * 1e7), ky = Math.round(p[1] * 1e7)
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) {
      const hit = canon.get(`${kx + dx},${ky + dy}`)
      if (hit && Math.abs(hit[0] - p[0]) < 1e-9 && Math.abs(hit[1] - p[1]) < 1e-9) return hit
    }
    canon.set(`${kx},${ky}`, p)
    return p
  }
  const cells: [number, number][][] = []
  let perimeter = 0
  for (let i = 0; i < n; i++) {
    const poly = voronoi.cellPolygon(i) as [number, number][] | null
    if (!poly) throw new Error(`syntheticCity: empty cell ${i}`)
    const ring: [number, number][] = []
    for (const p of poly.slice(0, -1)) {
      const q = snap([p[0], p[1]])
      if (ring.length === 0 || ring[ring.length - 1] !== q) ring.push(q)
    }
    while (ring.length > 1 && ring[0] === ring[ring.length - 1]) ring.pop()
    let area = 0
    ring.forEach((p, j) => {
      const q = ring[(j + 1) % ring.length]!
      area += p[0] * q[1] - q[0] * p[1]
      perimeter += Math.hypot(q[0] - p[0], q[1] - p[1])
    })
    if (area < 0) ring.reverse() // RFC 7946: exterior rings counter-clockwise
    cells.push(ring)
  }
  const seg = perimeter / n / verticesPerGrid

  const toDeg = (x: number, y: number): Position => [LNG0 - SIDE_KM / 2 / KM_PER_DEG_LNG + x / KM_PER_DEG_LNG, LAT0 - SIDE_KM / 2 / KM_PER_DEG_LAT + y / KM_PER_DEG_LAT]
  const onBorder = (a: [number, number], b: [number, number]) =>
    (a[0] === 0 && b[0] === 0) || (a[1] === 0 && b[1] === 0) || (a[0] === SIDE_KM && b[0] === SIDE_KM) || (a[1] === SIDE_KM && b[1] === SIDE_KM)
  /** interior points of edge a→b, identical (reversed) for b→a */
  const densify = (a: [number, number], b: [number, number]): Position[] => {
    const flip = a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])
    const [p, q] = flip ? [b, a] : [a, b]
    const len = Math.hypot(q[0] - p[0], q[1] - p[1])
    const k = Math.max(1, Math.round(len / seg))
    const r = mulberry32(hashNumbers([p[0], p[1], q[0], q[1]], seed))
    const amp = onBorder(p, q) ? 0 : 0.25 * (len / k)
    const nx = -(q[1] - p[1]) / len, ny = (q[0] - p[0]) / len
    const out: Position[] = []
    for (let j = 1; j < k; j++) {
      const t = j / k, o = (r() - 0.5) * 2 * amp
      out.push(toDeg(p[0] + (q[0] - p[0]) * t + nx * o, p[1] + (q[1] - p[1]) * t + ny * o))
    }
    return flip ? out.reverse() : out
  }

  const grids: SyntheticCity['grids'] = []
  const features: SyntheticCity['features'] = []
  cells.forEach((ring, i) => {
    const coords: Position[] = []
    ring.forEach((a, j) => {
      const b = ring[(j + 1) % ring.length]!
      coords.push(toDeg(a[0], a[1]), ...densify(a, b))
    })
    coords.push(coords[0]!)
    const id = i + 1, code = `610302${String(id).padStart(6, '0')}`
    const geometry: Polygon = { type: 'Polygon', coordinates: [coords] }
    grids.push({ id, code, geometry })
    features.push({ type: 'Feature', properties: { id, code }, geometry })
  })
  const sw = toDeg(0, 0), ne = toDeg(SIDE_KM, SIDE_KM)
  return { bbox: [sw[0]!, sw[1]!, ne[0]!, ne[1]!], grids, features }
}

/**
 * A boundary edit: a vertex shared by two grids moved by up to ~10 m (both grids change). Returns the
 * two edited grids and the city's grids with them in place (the input is not changed).
 */
export function moveSharedVertex<G extends IndexedGrid & { geometry: Polygon }>(grids: readonly G[], r: () => number): { edited: G[]; grids: G[] } {
  for (;;) {
    const g = grids[Math.floor(r() * grids.length)]!
    const ring = g.geometry.coordinates[0]!
    const p = ring[1 + Math.floor(r() * (ring.length - 2))]!
    const other = grids.find((h) => h !== g && h.geometry.coordinates[0]!.some((q) => q[0] === p[0] && q[1] === p[1]))
    if (!other) continue
    const q: Position = [p[0]! + (r() - 0.5) * 2e-4, p[1]! + (r() - 0.5) * 2e-4]
    const move = (h: G): G => ({ ...h, geometry: { type: 'Polygon', coordinates: [h.geometry.coordinates[0]!.map((s) => (s[0] === p[0] && s[1] === p[1] ? q : s))] } })
    const edited = [move(g), move(other)]
    return { edited, grids: grids.map((h) => (h === g ? edited[0]! : h === other ? edited[1]! : h)) }
  }
}
