/**
 * Impact preview (影响预览) of a boundary draft, computed incrementally:
 *   1. the changed area = ∪ over changed grids of (old △ new);
 *   2. only points inside its bbox are candidates (the caller queries them by bbox), and of those
 *      only points inside the changed area (closed: its boundary counts) are re-located;
 *   3. they are re-located with GridIndexes built over the draft grids whose bbox meets the
 *      changed bbox — never the whole city. A point outside the changed area cannot change grid:
 *      every grid containing it is unchanged there.
 * Output: area gained/lost per grid, moved points (from grid/department → to grid/department),
 * per department what it gains and loses with a handover list of open problems, grids with no holder.
 */
import { neutraliseText } from '../export/cells.ts'
import type { GridLevel } from '../grid/levels.ts'
import { area as turfArea, bbox as turfBbox, booleanPointInPolygon, feature, featureCollection } from '@turf/turf'
import type { Polygon } from 'geojson'
import { GridIndex, type IndexedGrid } from '../geometry/gridIndex.ts'
import { areaOf, differenceGeom, partsOf, symDiff } from './operations.ts'
import type { GridGeometry } from './topology.ts'

export type Box = [number, number, number, number]

export interface GridChange {
  /** numeric id; new grids use negative ids */
  id: number
  code: string
  name: string
  level: GridLevel
  before: GridGeometry | null
  after: GridGeometry | null
}

export interface ChangedRegion {
  perGrid: { id: number; code: string; name: string; level: GridLevel; areaBefore: number; areaAfter: number; gained: number; lost: number; gainedGeometry: GridGeometry | null; lostGeometry: GridGeometry | null }[]
  /** the changed area as polygons (each with its bbox) */
  pieces: { polygon: Polygon; bbox: Box }[]
  /** bbox of the changed area, null when nothing changed */
  bbox: Box | null
}

export function changedRegion(changes: readonly GridChange[]): ChangedRegion {
  const perGrid: ChangedRegion['perGrid'] = []
  const pieces: ChangedRegion['pieces'] = []
  for (const c of changes) {
    const gainedGeometry = c.after ? (c.before ? differenceGeom(c.after, c.before) : c.after) : null
    const lostGeometry = c.before ? (c.after ? differenceGeom(c.before, c.after) : c.before) : null
    perGrid.push({ id: c.id, code: c.code, name: c.name, level: c.level, areaBefore: areaOf(c.before), areaAfter: areaOf(c.after), gained: areaOf(gainedGeometry), lost: areaOf(lostGeometry), gainedGeometry, lostGeometry })
    for (const p of partsOf(symDiff(c.before, c.after))) pieces.push({ polygon: p, bbox: turfBbox(p) as Box })
  }
  const bbox = pieces.length ? (turfBbox(featureCollection(pieces.map((p) => feature(p.polygon)))) as Box) : null
  return { perGrid, pieces, bbox }
}

export type PointKind = 'problem' | 'site' | 'inspection'

export interface ImpactPoint {
  kind: PointKind
  id: number
  label: string
  lng: number
  lat: number
  /** the grid it is assigned to now */
  gridId: number | null
  /** problems: still open */
  open?: boolean
}

export interface GridInfo { id: number; code: string; name: string; level: GridLevel }
export interface Holder { departmentId: number; departmentName: string }

export interface ImpactInput {
  region: ChangedRegion
  /** the draft grids (after the change), both levels; only those meeting the changed bbox are indexed */
  draftGrids: readonly (IndexedGrid & { level: GridLevel })[]
  /** candidate points (the caller prefilters by region.bbox; others are ignored here too) */
  points: readonly ImpactPoint[]
  /** grid id → current holder (null: none); new grids (negative ids) have none */
  holders: ReadonlyMap<number, Holder | null>
  /** names and codes of every grid a point may come from or go to */
  gridInfo: ReadonlyMap<number, GridInfo>
  /** ids of grids the draft retires (merged away / deleted) */
  retiredIds?: readonly number[]
}

export interface Side { gridId: number | null; gridCode: string | null; gridName: string | null; departmentId: number | null; departmentName: string | null }
export interface MovedPoint { kind: PointKind; id: number; label: string; lng: number; lat: number; open: boolean | null; from: Side; to: Side }
export interface DepartmentImpact {
  departmentId: number
  departmentName: string
  areaGained: number
  areaLost: number
  gridsLost: number[]
  gains: { problems: number; openProblems: number; sites: number; inspections: number }
  losses: { problems: number; openProblems: number; sites: number; inspections: number }
  /** open problems this department hands over, with who takes them */
  handoverOut: MovedPoint[]
  /** open problems this department takes over */
  handoverIn: MovedPoint[]
}

export interface Impact {
  grids: Omit<ChangedRegion['perGrid'][number], 'gainedGeometry' | 'lostGeometry'>[]
  moved: MovedPoint[]
  departments: DepartmentImpact[]
  /** grids of the draft (changed or new) with no holder */
  unheldGrids: GridInfo[]
  changedArea: number
  /** how much work was done: candidates given, inside the changed bbox, inside the changed area (re-located) */
  stats: { candidates: number; inBbox: number; relocated: number; indexedGrids: number }
}

const inBox = (b: Box, x: number, y: number) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]
const meets = (a: Box, b: Box) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]

export function computeImpact(input: ImpactInput): Impact {
  const { region } = input
  const grids = region.perGrid.map(({ gainedGeometry: _g, lostGeometry: _l, ...rest }) => rest)
  const changedArea = region.pieces.reduce((s, p) => s + turfArea(p.polygon), 0)
  const empty: Impact = { grids, moved: [], departments: [], unheldGrids: [], changedArea, stats: { candidates: input.points.length, inBbox: 0, relocated: 0, indexedGrids: 0 } }
  const deps = new Map<number, DepartmentImpact>()
  const dep = (h: Holder): DepartmentImpact => {
    let d = deps.get(h.departmentId)
    if (!d) {
      d = { departmentId: h.departmentId, departmentName: h.departmentName, areaGained: 0, areaLost: 0, gridsLost: [], gains: { problems: 0, openProblems: 0, sites: 0, inspections: 0 }, losses: { problems: 0, openProblems: 0, sites: 0, inspections: 0 }, handoverOut: [], handoverIn: [] }
      deps.set(h.departmentId, d)
    }
    return d
  }
  for (const g of region.perGrid) {
    const h = input.holders.get(g.id)
    if (!h) continue
    dep(h).areaGained += g.gained
    dep(h).areaLost += g.lost
  }
  for (const id of input.retiredIds ?? []) {
    const h = input.holders.get(id)
    if (h) dep(h).gridsLost.push(id)
  }
  const unheldGrids = region.perGrid.filter((g) => g.areaAfter > 0 && !input.holders.get(g.id)).map((g) => input.gridInfo.get(g.id) ?? { id: g.id, code: g.code, name: g.name, level: g.level })
  if (!region.bbox) return { ...empty, departments: [...deps.values()], unheldGrids }
  const B = region.bbox

  // indexes over the draft grids near the change only
  const near = input.draftGrids.filter((g) => meets(turfBbox(g.geometry) as Box, B))
  const idx = {
    community: GridIndex.build(near.filter((g) => g.level === 'community')),
    street: GridIndex.build(near.filter((g) => g.level === 'street')),
  }
  const side = (gridId: number | null): Side => {
    const g = gridId === null ? undefined : input.gridInfo.get(gridId)
    const h = gridId === null ? null : (input.holders.get(gridId) ?? null)
    return { gridId, gridCode: g?.code ?? null, gridName: g?.name ?? null, departmentId: h?.departmentId ?? null, departmentName: h?.departmentName ?? null }
  }
  const moved: MovedPoint[] = []
  let inBbox = 0, relocated = 0
  for (const p of input.points) {
    if (!inBox(B, p.lng, p.lat)) continue
    inBbox++
    const pt = [p.lng, p.lat]
    if (!region.pieces.some((piece) => inBox(piece.bbox, p.lng, p.lat) && booleanPointInPolygon(pt, piece.polygon))) continue
    relocated++
    const to = idx.community.locate(p.lng, p.lat) ?? idx.street.locate(p.lng, p.lat)
    if (to === p.gridId) continue
    const m: MovedPoint = { kind: p.kind, id: p.id, label: p.label, lng: p.lng, lat: p.lat, open: p.kind === 'problem' ? (p.open ?? false) : null, from: side(p.gridId), to: side(to) }
    moved.push(m)
    const key = p.kind === 'problem' ? 'problems' : p.kind === 'site' ? 'sites' : 'inspections'
    const fromH = p.gridId === null ? null : input.holders.get(p.gridId)
    const toH = to === null ? null : input.holders.get(to)
    if (fromH?.departmentId === toH?.departmentId) continue
    if (fromH) {
      const d = dep(fromH)
      d.losses[key]++
      if (p.kind === 'problem' && p.open) { d.losses.openProblems++; d.handoverOut.push(m) }
    }
    if (toH) {
      const d = dep(toH)
      d.gains[key]++
      if (p.kind === 'problem' && p.open) { d.gains.openProblems++; d.handoverIn.push(m) }
    }
  }
  moved.sort((a, b) => a.kind.localeCompare(b.kind) || a.id - b.id)
  return {
    grids, moved, departments: [...deps.values()].sort((a, b) => a.departmentId - b.departmentId), unheldGrids, changedArea,
    stats: { candidates: input.points.length, inBbox, relocated, indexedGrids: near.length },
  }
}

/** CSV of the moved points (for the exportable table). */
export function impactCsv(impact: Impact): string {
  const esc = (v: unknown) => {
    const s = neutraliseText(v === null || v === undefined ? '' : String(v))
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
  }
  const rows = [['类型', '编号', '名称', '经度', '纬度', '未结', '原网格', '原责任部门', '新网格', '新责任部门']]
  const kind = { problem: '问题', site: '测评点位', inspection: '检查打卡' }
  for (const m of impact.moved) {
    rows.push([kind[m.kind], String(m.id), m.label, String(m.lng), String(m.lat), m.open === null ? '' : m.open ? '是' : '否',
      m.from.gridName ?? '', m.from.departmentName ?? '', m.to.gridName ?? '', m.to.departmentName ?? ''])
  }
  return '\uFEFF' + rows.map((r) => r.map(esc).join(',')).join('\r\n') + '\r\n'
}
