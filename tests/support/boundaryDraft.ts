/** A boundary draft for tests: move a vertex shared by two communities held by different departments. */
import { booleanPointInPolygon, centroid, pointOnFeature } from '@turf/turf'
import type { Position } from 'geojson'
import { differenceGeom } from '../../server/domain/boundary/operations.ts'
import { moveVertex, vertexSharing, type GridGeometry } from '../../server/domain/boundary/topology.ts'
import type { loggedIn } from './apiClient.ts'

type Client = Awaited<ReturnType<typeof loggedIn>>

/** Two adjacent communities of one street with different holders, a vertex they share off the street border, and the draft moving it. */
export async function findBorderMove(planner: Client) {
  const fc = await planner.grid.list.query({ level: 'community' })
  const streets = await planner.grid.list.query({ level: 'street' })
  const grids = fc.features.map((f) => ({ id: f.properties.id, geometry: f.geometry as GridGeometry, p: f.properties }))
  const sharing = vertexSharing([...grids, ...streets.features.map((f) => ({ id: -f.properties.id, geometry: f.geometry as GridGeometry }))])
  for (const [key, ids] of sharing) {
    if (ids.length !== 2 || ids.some((i) => i < 0)) continue
    const [x, y] = grids.filter((g) => ids.includes(g.id))
    if (!x || !y || x.p.parentId !== y.p.parentId || !x.p.holderDepartmentId || !y.p.holderDepartmentId || x.p.holderDepartmentId === y.p.holderDepartmentId) continue
    const v = key.split(',').map(Number) as Position
    const [cx, cy] = pointOnFeature(y.geometry).geometry.coordinates as [number, number]
    const d = Math.hypot(cx - v[0]!, cy - v[1]!)
    const to: Position = [v[0]! + ((cx - v[0]!) / d) * 0.0006, v[1]! + ((cy - v[1]!) / d) * 0.0006]
    const moved = moveVertex(grids, v, to)
    const changed = moved.filter((g, i) => g !== grids[i])
    if (changed.length !== 2) continue
    const newX = changed.find((g) => g.id === x.id)!
    const gained = differenceGeom(newX.geometry, x.geometry)
    if (!gained) continue
    const inner = centroid(gained).geometry.coordinates as [number, number] // the gained area is a thin triangle or quadrilateral
    if (!booleanPointInPolygon(inner, gained, { ignoreBoundary: true })) continue
    const draft = {
      grids: changed.map((g) => ({ key: String(g.id), id: g.id, code: g.p.code, name: g.p.name, level: 'community' as const, parentKey: String(g.p.parentId), geometry: g.geometry })),
      retire: [] as number[],
    }
    const check = await planner.boundary.validate.mutate({ draft })
    if (check.issues.length) continue
    return { x, y, draft, gainedPoint: inner, newX }
  }
  throw new Error('no suitable shared vertex in the demo city')
}
