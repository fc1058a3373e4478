/** A static SVG of grids (no tiles): for the printable bulletin and the dashboard's colour switch. */
import type { Geometry } from 'geojson'
import { extentOf } from '../../map/extent.ts'

export interface SvgGrid { id: number; name: string; geometry: Geometry; fill: string; title?: string; /** the status key drawn (data-state), for tests and printing */ state?: string }

function rings(g: Geometry): number[][][] {
  if (g.type === 'Polygon') return g.coordinates
  if (g.type === 'MultiPolygon') return g.coordinates.flat()
  return []
}

export function CoverageSvg({ grids, width = 640, onPick, testId }: { grids: SvgGrid[]; width?: number; onPick?: (id: number) => void; testId?: string }) {
  // the extent of what is drawn (polygons only, as rings() draws)
  const box = extentOf({ type: 'GeometryCollection', geometries: grids.map((g) => g.geometry).filter((g) => g.type === 'Polygon' || g.type === 'MultiPolygon') })
  if (!box) return null
  const [w, s, e, n] = box
  const k = Math.cos(((s + n) / 2) * Math.PI / 180)
  const sx = width / ((e - w) * k || 1)
  const height = Math.round((n - s) * sx) || 1
  const path = (g: Geometry) => rings(g).map((r) => 'M' + (r as [number, number][]).map(([x, y]) => `${((x - w) * k * sx).toFixed(1)},${((n - y) * sx).toFixed(1)}`).join('L') + 'Z').join('')
  return (
    <svg className="coverage-svg" viewBox={`0 0 ${width} ${height}`} width="100%" role="img" data-testid={testId}>
      {grids.map((g) => (
        <path key={g.id} d={path(g.geometry)} fill={g.fill} stroke="#fff" strokeWidth={1} data-grid-id={g.id} data-fill={g.fill} data-state={g.state}
          style={onPick ? { cursor: 'pointer' } : undefined} onClick={onPick ? () => onPick(g.id) : undefined}>
          <title>{g.title ?? g.name}</title>
        </path>
      ))}
    </svg>
  )
}
