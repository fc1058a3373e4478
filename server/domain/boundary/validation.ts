/**
 * Validation rules for a boundary draft. Each failure has a stable code, a Chinese message, a
 * location (a point and, where there is one, the offending area) and whether a planner may accept
 * it explicitly (save anyway). Only the changed grids and their siblings / parents are examined.
 */
import { area as turfArea, bbox as turfBbox, pointOnFeature } from '@turf/turf'
import type { Geometry, Position } from 'geojson'
import { validateGridGeometry } from '../geometry/validate.ts'
import { differenceGeom, intersectGeom, partsOf, perimeterM, unionGeom } from './operations.ts'
import { BOUNDARY_TOLERANCE, meanWidthM } from './tolerances.ts'
import type { GridGeometry } from './topology.ts'
import { childLevel, codePrefixIssue, parentLevelIssue, type GridLevel } from '../grid/levels.ts'

export type DraftLevel = GridLevel

/** One grid of a draft: existing (key = String(id)) or new (key = "new:…"). */
export interface DraftGrid {
  key: string
  id: number | null
  code: string
  name: string
  level: DraftLevel
  parentKey: string | null
  geometry: GridGeometry
}

export const RULES = {
  GEOMETRY_INVALID: { acceptable: false },
  SLIVER: { acceptable: false },
  OUTSIDE_PARENT: { acceptable: false },
  OVERLAP: { acceptable: false },
  DUPLICATE_CODE: { acceptable: false },
  CODE_PREFIX: { acceptable: false },
  PARENT_LEVEL: { acceptable: false },
  GAP: { acceptable: true },
  NOT_CONTIGUOUS: { acceptable: true },
} as const
export type RuleCode = keyof typeof RULES
export const RULE_CODES = Object.keys(RULES) as RuleCode[]

export interface ValidationIssue {
  code: RuleCode
  message: string
  gridKeys: string[]
  /** square metres of the offending area, when the rule is about an area */
  area?: number
  /** a point to show the marker at */
  at: Position
  /** the offending area itself (overlap, gap, part outside the parent, sliver) */
  geometry?: Geometry
  acceptable: boolean
}

export interface ValidationInput {
  /** grids the draft changes or adds (after the change) */
  changed: DraftGrid[]
  /** every grid, after the draft, that is a sibling of a changed grid or a child of a changed street (may include `changed`) */
  context: DraftGrid[]
  /** geometry type of each existing changed grid before the draft (contiguity rule) */
  previousType?: Map<string, GridGeometry['type']>
}

export interface ValidationOptions {
  /** grids and grid parts smaller than this (m²) are slivers; default BOUNDARY_TOLERANCE.sliverAreaM2 */
  minArea?: number
  /** overlaps, gaps and parts outside the parent below this (m²) are float noise; default BOUNDARY_TOLERANCE.areaNoiseM2 */
  tolerance?: number
  /** grid parts with a mean width (2·area/perimeter) under this (m) are slivers; default BOUNDARY_TOLERANCE.sliverWidthM */
  minWidth?: number
}

const pointIn = (g: Geometry): Position => pointOnFeature(g as GridGeometry).geometry.coordinates
const boxesMeet = (a: number[], b: number[]) => a[0]! <= b[2]! && b[0]! <= a[2]! && a[1]! <= b[3]! && b[1]! <= a[3]!
const fmt = (m2: number) => (m2 >= 1e4 ? `${(m2 / 1e6).toFixed(3)} km²` : `${m2.toFixed(1)} m²`)

export function validateDraft(input: ValidationInput, opts: ValidationOptions = {}): ValidationIssue[] {
  const minArea = opts.minArea ?? BOUNDARY_TOLERANCE.sliverAreaM2
  const minWidth = opts.minWidth ?? BOUNDARY_TOLERANCE.sliverWidthM
  const tol = opts.tolerance ?? BOUNDARY_TOLERANCE.areaNoiseM2
  const issues: ValidationIssue[] = []
  const all = new Map<string, DraftGrid>()
  for (const g of input.context) all.set(g.key, g)
  for (const g of input.changed) all.set(g.key, g)
  const valid = new Set<string>()

  // 1. each changed geometry valid, no slivers, contiguous
  for (const g of input.changed) {
    const geo = validateGridGeometry(g.geometry)
    if (geo.length) {
      issues.push({ code: 'GEOMETRY_INVALID', message: `${g.name}：边界无效（${geo.map((i) => i.code).join('、')}）`, gridKeys: [g.key], at: geo[0]!.at && geo[0]!.at.length >= 2 && typeof geo[0]!.at[0] === 'number' ? geo[0]!.at : firstVertex(g.geometry), acceptable: false })
      continue
    }
    valid.add(g.key)
    for (const part of partsOf(g.geometry)) {
      const a = turfArea(part)
      const w = meanWidthM(a, perimeterM(part))
      if (a < minArea) issues.push({ code: 'SLIVER', message: `${g.name}：有面积仅 ${fmt(a)} 的碎片（小于 ${fmt(minArea)}）`, gridKeys: [g.key], area: a, at: pointIn(part), geometry: part, acceptable: false })
      else if (w < minWidth) issues.push({ code: 'SLIVER', message: `${g.name}：有平均宽度仅 ${w.toFixed(2)} m 的狭长碎片（窄于 ${minWidth} m）`, gridKeys: [g.key], area: a, at: pointIn(part), geometry: part, acceptable: false })
    }
    const before = input.previousType?.get(g.key)
    if (g.geometry.type === 'MultiPolygon' && g.geometry.coordinates.length > 1 && before !== 'MultiPolygon') {
      issues.push({ code: 'NOT_CONTIGUOUS', message: `${g.name}：网格被分成了 ${g.geometry.coordinates.length} 块不相连的区域`, gridKeys: [g.key], at: pointIn(g.geometry), geometry: g.geometry, acceptable: true })
    }
  }
  const usable = (g: DraftGrid) => valid.has(g.key) || (!input.changed.some((c) => c.key === g.key) && validateGridGeometry(g.geometry).length === 0)

  // 2. codes unique among the grids seen
  const byCode = new Map<string, DraftGrid[]>()
  for (const g of all.values()) byCode.set(g.code, [...(byCode.get(g.code) ?? []), g])
  for (const [code, gs] of byCode) {
    if (gs.length > 1 && gs.some((g) => input.changed.includes(g))) {
      issues.push({ code: 'DUPLICATE_CODE', message: `网格编码 ${code} 重复（${gs.map((g) => g.name).join('、')}）`, gridKeys: gs.map((g) => g.key), at: firstVertex(gs[0]!.geometry), acceptable: false })
    }
  }

  // 2b. each changed grid's code under its parent's prefix, its parent of the level above (server/domain/grid/levels.ts)
  for (const g of input.changed) {
    const parent = g.parentKey ? all.get(g.parentKey) : undefined
    if (!parent) continue // no parent (or one outside the draft's context): nothing to check against
    const levelIssue = parentLevelIssue(g.level, parent.level)
    if (levelIssue) {
      issues.push({ code: 'PARENT_LEVEL', message: `${g.name}：${levelIssue}`, gridKeys: [g.key, parent.key], at: firstVertex(g.geometry), acceptable: false })
      continue
    }
    const prefix = codePrefixIssue(g, parent)
    if (prefix) issues.push({ code: 'CODE_PREFIX', message: `${g.name}：${prefix.message}`, gridKeys: [g.key, parent.key], at: firstVertex(g.geometry), acceptable: false })
  }

  // 3. communities inside their street
  const changedKeys = new Set(input.changed.map((g) => g.key))
  for (const g of all.values()) {
    if (!g.parentKey || !usable(g)) continue
    const parent = all.get(g.parentKey)
    if (!parent || !usable(parent) || !(changedKeys.has(g.key) || changedKeys.has(parent.key))) continue
    const out = differenceGeom(g.geometry, parent.geometry)
    const a = out ? turfArea(out) : 0
    if (a > tol) issues.push({ code: 'OUTSIDE_PARENT', message: `${g.name}：有 ${fmt(a)} 超出所属街道 ${parent.name}`, gridKeys: [g.key, parent.key], area: a, at: pointIn(out!), geometry: out!, acceptable: false })
  }

  // 4. no overlap between siblings (pairs with at least one changed grid; bbox prefilter)
  const boxes = new Map([...all.values()].filter(usable).map((g) => [g.key, turfBbox(g.geometry)]))
  const sibs = [...all.values()].filter(usable)
  for (const g of input.changed) {
    if (!valid.has(g.key)) continue
    for (const h of sibs) {
      if (h.key === g.key || h.level !== g.level || h.parentKey !== g.parentKey) continue
      if (changedKeys.has(h.key) && h.key < g.key) continue // each changed pair once
      if (!boxesMeet(boxes.get(g.key)!, boxes.get(h.key)!)) continue
      const x = intersectGeom(g.geometry, h.geometry)
      const a = x ? turfArea(x) : 0
      if (a > tol) issues.push({ code: 'OVERLAP', message: `${g.name} 与 ${h.name} 重叠 ${fmt(a)}`, gridKeys: [g.key, h.key], area: a, at: pointIn(x!), geometry: x!, acceptable: false })
    }
  }

  // 5. gaps inside each affected street: street − ∪ children, piece by piece
  const affectedParents = new Set<string>()
  for (const g of input.changed) {
    if (g.parentKey) affectedParents.add(g.parentKey)
    if (childLevel(g.level)) affectedParents.add(g.key)
  }
  for (const pk of affectedParents) {
    const parent = all.get(pk)
    if (!parent || !usable(parent)) continue
    const kids = [...all.values()].filter((g) => g.parentKey === pk && usable(g))
    if (kids.length === 0) continue
    const covered = unionGeom(kids.map((k) => k.geometry))
    const gap = covered ? differenceGeom(parent.geometry, covered) : parent.geometry
    for (const piece of partsOf(gap)) {
      const a = turfArea(piece)
      if (a > tol) issues.push({ code: 'GAP', message: `${parent.name} 内有 ${fmt(a)} 未划入任何社区的空隙`, gridKeys: [pk], area: a, at: pointIn(piece), geometry: piece, acceptable: true })
    }
  }
  return issues
}

function firstVertex(g: GridGeometry): Position {
  const p = g.type === 'Polygon' ? g.coordinates[0]?.[0] : g.coordinates[0]?.[0]?.[0]
  return p && typeof p[0] === 'number' ? [p[0], p[1]!] : [0, 0]
}

/** Issues that block saving: not acceptable, or acceptable but not in the accepted codes. */
export function blockingIssues(issues: ValidationIssue[], accepted: readonly string[]): ValidationIssue[] {
  return issues.filter((i) => !i.acceptable || !accepted.includes(i.code))
}
