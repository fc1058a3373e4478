/**
 * Snapping a dragged vertex (issue 5): to a neighbour's vertex first, else onto a neighbour's edge,
 * else not at all; and moving a vertex onto a neighbour's edge inserts it into that neighbour, so a
 * gap closed by the drag leaves no T-junction, gap or overlap.
 */
import type { Polygon, Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { AREA_TOL_M2, coverageReport } from '../../server/domain/boundary/operations.ts'
import { moveVertex, snapPoint, vertexKey, vertexSharing, type TopoGrid } from '../../server/domain/boundary/topology.ts'

const poly = (ring: Position[]): Polygon => ({ type: 'Polygon', coordinates: [[...ring, ring[0]!]] })
// parent 107..107.02 × 34..34.02; Y below, X and Z above, with a triangular gap between them and Y
const Y: TopoGrid = { id: 1, geometry: poly([[107, 34], [107.02, 34], [107.02, 34.01], [107, 34.01]]) }
const X: TopoGrid = { id: 2, geometry: poly([[107, 34.01], [107.01, 34.013], [107.01, 34.02], [107, 34.02]]) }
const Z: TopoGrid = { id: 3, geometry: poly([[107.01, 34.013], [107.02, 34.01], [107.02, 34.02], [107.01, 34.02]]) }
const parent = poly([[107, 34], [107.02, 34], [107.02, 34.02], [107, 34.02]])
const TOL = 0.0005

function distToSegment(p: Position, a: Position, b: Position): number {
  const dx = b[0]! - a[0]!, dy = b[1]! - a[1]!
  const t = Math.max(0, Math.min(1, ((p[0]! - a[0]!) * dx + (p[1]! - a[1]!) * dy) / (dx * dx + dy * dy)))
  return Math.hypot(p[0]! - (a[0]! + t * dx), p[1]! - (a[1]! + t * dy))
}

describe('snapPoint', () => {
  it('snaps a point near a vertex to that exact vertex', () => {
    const s = snapPoint([107.02 - 0.0001, 34.01 + 0.0002], [Y, Z], TOL)
    expect(s).toEqual({ at: [107.02, 34.01], kind: 'vertex' })
  })

  it('prefers a vertex over an edge that is nearer', () => {
    // 0.00005 from Y's top edge, 0.0003 from its corner: the corner wins
    const s = snapPoint([107.02 - 0.0003, 34.01 + 0.00005], [Y], TOL)
    expect(s?.kind).toBe('vertex')
    expect(s?.at).toEqual([107.02, 34.01])
  })

  it('snaps a point near the middle of a slanted edge onto that edge', () => {
    const a: Position = [107.01, 34.013], b: Position = [107.02, 34.01]
    const len = Math.hypot(b[0]! - a[0]!, b[1]! - a[1]!)
    const normal = [-(b[1]! - a[1]!) / len, (b[0]! - a[0]!) / len]
    const p: Position = [(a[0]! + b[0]!) / 2 + normal[0]! * 0.0002, (a[1]! + b[1]!) / 2 + normal[1]! * 0.0002]
    expect(distToSegment(p, a, b)).toBeGreaterThan(0.0001)
    const s = snapPoint(p, [Z], TOL)
    expect(s?.kind).toBe('edge')
    expect(distToSegment(s!.at, a, b)).toBeLessThan(1e-9)
    expect(Math.hypot(s!.at[0] - p[0]!, s!.at[1] - p[1]!)).toBeCloseTo(0.0002, 9)
  })

  it('does not snap a far point', () => {
    expect(snapPoint([107.005, 34.005], [Y, X, Z], TOL)).toBeNull()
    expect(snapPoint([107.03, 34.03], [Y, X, Z], TOL)).toBeNull()
  })

  it('skips the edges of the vertex being dragged (they move with it)', () => {
    const from: Position = [107.01, 34.013]
    // near Z's edge from–(107.02, 34.01) only
    const p: Position = [107.012, 34.0124 + 0.0001]
    expect(snapPoint(p, [Z], TOL)?.kind).toBe('edge')
    expect(snapPoint(p, [Z], TOL, from)).toBeNull()
  })
})

describe('moveVertex onto a snapped edge point', () => {
  it('inserts the vertex into the neighbour: the gap closes without T-junction or overlap', () => {
    const grids = [X, Y, Z]
    const before = coverageReport(grids.map((g) => g.geometry), parent)
    expect(before.gap).toBeGreaterThan(1000) // the triangle between Y and X/Z
    const from: Position = [107.01, 34.013]
    const s = snapPoint([107.0101, 34.0102], [Y, Z], TOL, from)
    expect(s?.kind).toBe('edge')
    const moved = moveVertex(grids, from, s!.at)
    expect(vertexSharing(moved).get(vertexKey(s!.at))?.sort()).toEqual([1, 2, 3])
    const after = coverageReport(moved.map((g) => g.geometry), parent)
    expect(after.maxOverlap).toBeLessThan(AREA_TOL_M2)
    expect(after.gap).toBeLessThan(AREA_TOL_M2)
    expect(after.excess).toBeLessThan(AREA_TOL_M2)
  })
})
