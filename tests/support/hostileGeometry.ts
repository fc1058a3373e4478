/** Hostile boundaries from issue 17: a many-pointed self-intersecting star and a many-vertex circle. */
import type { Polygon } from 'geojson'

/** A closed ring of n vertices jumping across the centre ({n/k} star polygon): every edge crosses many others. */
export function selfIntersectingStar(n: number, cx = 108.94, cy = 34.27, r = 0.01): Polygon {
  const k = Math.floor(n / 2) - 1 // coprime with odd n; for even n use n-1 points + repeat
  const m = n % 2 === 1 ? n : n - 1
  const ring: number[][] = []
  for (let i = 0; i < m; i++) { const a = (2 * Math.PI * ((i * k) % m)) / m; ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]) }
  ring.push(ring[0]!)
  return { type: 'Polygon', coordinates: [ring] }
}

/** A simple (valid) circle of n vertices. */
export function circle(n: number, cx = 108.94, cy = 34.27, r = 0.01): Polygon {
  const ring: number[][] = []
  for (let i = 0; i < n; i++) { const a = (2 * Math.PI * i) / n; ring.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]) }
  ring.push(ring[0]!)
  return { type: 'Polygon', coordinates: [ring] }
}
