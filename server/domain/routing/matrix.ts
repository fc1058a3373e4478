/**
 * The responsibility matrix (责任矩阵): who handles a problem of a category at a place. Pure.
 *
 * A rule maps (a category, or a category group) × (an area) → a handling department, valid over
 * [validFrom, validTo). An area is the whole city, a district, a street (a street grid) or a list of
 * grids. Of the rules valid at an instant that match a problem:
 *   1. the most specific area wins: grids > street > district > city;
 *   2. then a rule naming the category beats a rule naming its group;
 *   3. two rules still tied are an overlap (重叠): the lowest id wins so routing stays deterministic,
 *      and the tie is reported (`overlapIds`) and listed by `findOverlaps`.
 * Where no rule matches, the default rule applies: the grid holder (包抓单位) handles. The holder is
 * always the supervising department (属地, 监督). A category and place without a rule and without a
 * holder is a gap (空白): nobody handles it (`findGaps`).
 */

export const AREA_KINDS = ['city', 'district', 'street', 'grids'] as const
export type AreaKind = (typeof AREA_KINDS)[number]

/** How specific an area kind is (higher wins). A district sits between the city and a street. */
export const AREA_SPECIFICITY: Readonly<Record<AreaKind, number>> = { city: 0, district: 1, street: 2, grids: 3 }

export interface RuleArea {
  kind: AreaKind
  /** [] for the city; the district ids; the street grid ids; the grid ids */
  ids: readonly number[]
}

export interface MatrixRule {
  id: number
  /** exactly one of categoryCode / categoryGroup */
  categoryCode: string | null
  categoryGroup: string | null
  area: RuleArea
  departmentId: number
  validFrom: Date
  validTo: Date | null
}

/** Where a problem is: its grid, the street it lies in, and (once districts exist) its district. */
export interface Place {
  gridId: number | null
  streetId: number | null
  districtId: number | null
}

export interface RoutingQuery {
  categoryCode: string
  categoryGroup: string
  place: Place
  /** the grid's holder at the instant (the supervising department; the default handler) */
  holderDepartmentId: number | null
  at: Date
}

export interface Routing {
  /** the handling department (null: nobody — a gap) */
  departmentId: number | null
  /** the supervising department: the grid holder */
  supervisingDepartmentId: number | null
  /** the rule that decided, null when the default rule (the holder) applied */
  ruleId: number | null
  basis: 'rule' | 'holder' | 'none'
  /** other rules tied with the winner at the same specificity (an overlap) */
  overlapIds: number[]
}

/** Valid at `at`: validFrom ≤ at < validTo. */
export function ruleValidAt(rule: Pick<MatrixRule, 'validFrom' | 'validTo'>, at: Date): boolean {
  return rule.validFrom.getTime() <= at.getTime() && (rule.validTo === null || at.getTime() < rule.validTo.getTime())
}

export function areaContains(area: RuleArea, place: Place): boolean {
  switch (area.kind) {
    case 'city': return true
    case 'district': return place.districtId !== null && area.ids.includes(place.districtId)
    case 'street': return place.streetId !== null && area.ids.includes(place.streetId)
    case 'grids': return place.gridId !== null && area.ids.includes(place.gridId)
  }
}

export function categoryMatches(rule: Pick<MatrixRule, 'categoryCode' | 'categoryGroup'>, categoryCode: string, categoryGroup: string): boolean {
  return rule.categoryCode !== null ? rule.categoryCode === categoryCode : rule.categoryGroup === categoryGroup
}

/** The rank of a rule: area specificity first, then category (1) over group (0). */
export function specificity(rule: Pick<MatrixRule, 'area' | 'categoryCode'>): number {
  return AREA_SPECIFICITY[rule.area.kind] * 2 + (rule.categoryCode !== null ? 1 : 0)
}

/** The rules that match a problem at its instant, best first (ties by id). */
export function matchingRules<R extends MatrixRule>(rules: readonly R[], q: Omit<RoutingQuery, 'holderDepartmentId'>): R[] {
  return rules
    .filter((r) => ruleValidAt(r, q.at) && categoryMatches(r, q.categoryCode, q.categoryGroup) && areaContains(r.area, q.place))
    .sort((a, b) => specificity(b) - specificity(a) || a.id - b.id)
}

/** Who handles a problem and who supervises it, and why. */
export function route(rules: readonly MatrixRule[], q: RoutingQuery): Routing {
  const [best, ...rest] = matchingRules(rules, q)
  if (!best) {
    return { departmentId: q.holderDepartmentId, supervisingDepartmentId: q.holderDepartmentId, ruleId: null, basis: q.holderDepartmentId === null ? 'none' : 'holder', overlapIds: [] }
  }
  const top = specificity(best)
  return {
    departmentId: best.departmentId, supervisingDepartmentId: q.holderDepartmentId, ruleId: best.id, basis: 'rule',
    overlapIds: rest.filter((r) => specificity(r) === top).map((r) => r.id),
  }
}

/** Two rules that apply at the same specificity to a common category, place and period. */
export interface Overlap {
  ruleIds: [number, number]
  /** the category code, or the group, they share */
  category: string
  areaKind: AreaKind
  /** the area ids they share ([] for the city) */
  areaIds: number[]
  from: Date
  to: Date | null
  /** both name the same department (redundant rather than contradictory) */
  sameDepartment: boolean
}

const intersect = (a: readonly number[], b: readonly number[]) => a.filter((x) => b.includes(x))

/** Every pair of rules that tie: same area kind and category level, sharing a category, a place and a period. */
export function findOverlaps(rules: readonly MatrixRule[]): Overlap[] {
  const out: Overlap[] = []
  const sorted = [...rules].sort((a, b) => a.id - b.id)
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) {
      const a = sorted[i]!, b = sorted[j]!
      if (a.area.kind !== b.area.kind) continue
      if ((a.categoryCode === null) !== (b.categoryCode === null)) continue
      const category = a.categoryCode ?? a.categoryGroup
      if (category !== (b.categoryCode ?? b.categoryGroup)) continue
      const areaIds = a.area.kind === 'city' ? [] : intersect(a.area.ids, b.area.ids)
      if (a.area.kind !== 'city' && areaIds.length === 0) continue
      const from = a.validFrom > b.validFrom ? a.validFrom : b.validFrom
      const to = a.validTo === null ? b.validTo : b.validTo === null ? a.validTo : (a.validTo < b.validTo ? a.validTo : b.validTo)
      if (to !== null && to.getTime() <= from.getTime()) continue
      out.push({ ruleIds: [a.id, b.id], category: category!, areaKind: a.area.kind, areaIds, from, to, sameDepartment: a.departmentId === b.departmentId })
    }
  }
  return out
}

/** A grid as gap detection needs it. */
export interface GapGrid {
  id: number
  streetId: number | null
  districtId: number | null
  holderDepartmentId: number | null
}

export interface Gap {
  categoryCode: string
  gridId: number
  /** why: no rule and no holder, or repeated returns (退单) of the category there */
  reason: 'noHandler' | 'repeatedReturns'
  /** for repeatedReturns: how many */
  returns?: number
}

/**
 * The categories and grids nobody handles at `at`: no rule matches and the grid has no holder.
 * Repeated returns of a category at a grid (at least `returnThreshold`) are gaps too: the matrix says
 * someone handles it, but they keep pushing it back.
 */
export function findGaps(
  categories: readonly { code: string; group: string }[], grids: readonly GapGrid[], rules: readonly MatrixRule[], at: Date,
  returns: readonly { categoryCode: string; gridId: number | null }[] = [], returnThreshold = 2,
): Gap[] {
  const valid = rules.filter((r) => ruleValidAt(r, at))
  const out: Gap[] = []
  for (const g of grids) {
    const place: Place = { gridId: g.id, streetId: g.streetId, districtId: g.districtId }
    for (const c of categories) {
      if (g.holderDepartmentId !== null) continue
      if (matchingRules(valid, { categoryCode: c.code, categoryGroup: c.group, place, at }).length === 0) out.push({ categoryCode: c.code, gridId: g.id, reason: 'noHandler' })
    }
  }
  const counts = new Map<string, { categoryCode: string; gridId: number; n: number }>()
  for (const r of returns) {
    if (r.gridId === null) continue
    const k = `${r.categoryCode}|${r.gridId}`
    const e = counts.get(k) ?? counts.set(k, { categoryCode: r.categoryCode, gridId: r.gridId, n: 0 }).get(k)!
    e.n++
  }
  for (const e of counts.values()) if (e.n >= returnThreshold) out.push({ categoryCode: e.categoryCode, gridId: e.gridId, reason: 'repeatedReturns', returns: e.n })
  return out.sort((a, b) => a.gridId - b.gridId || a.categoryCode.localeCompare(b.categoryCode) || a.reason.localeCompare(b.reason))
}

/** One cell of the matrix page: a category (or group) in a column (the city or a street). */
export interface MatrixCell {
  /** the rule in force for the column's area (a city, district or street rule), null: the holder */
  ruleId: number | null
  departmentId: number | null
  /** grid-list rules inside the column that override the cell for some grids */
  exceptions: number[]
}

/**
 * The matrix page: for each category × column (the whole city, then each street), the rule that applies
 * to the column as a whole, and the grid rules that make exceptions inside it.
 */
export function matrixCells(
  categories: readonly { code: string; group: string }[], streets: readonly { id: number; gridIds: readonly number[]; districtId?: number | null }[],
  rules: readonly MatrixRule[], at: Date,
): Record<string, MatrixCell[]> {
  const valid = rules.filter((r) => ruleValidAt(r, at))
  const out: Record<string, MatrixCell[]> = {}
  for (const c of categories) {
    const cityOnly = valid.filter((r) => r.area.kind === 'city')
    const cell = (rs: MatrixRule[], place: Place, gridIds: readonly number[]): MatrixCell => {
      const [best] = matchingRules(rs, { categoryCode: c.code, categoryGroup: c.group, place, at })
      const exceptions = valid.filter((r) => r.area.kind === 'grids' && categoryMatches(r, c.code, c.group) && r.area.ids.some((id) => gridIds.includes(id))).map((r) => r.id)
      return { ruleId: best?.id ?? null, departmentId: best?.departmentId ?? null, exceptions }
    }
    const allGrids = streets.flatMap((s) => [s.id, ...s.gridIds])
    out[c.code] = [
      cell(cityOnly, { gridId: null, streetId: null, districtId: null }, allGrids),
      ...streets.map((s) => cell(valid.filter((r) => r.area.kind !== 'grids'), { gridId: null, streetId: s.id, districtId: s.districtId ?? null }, [s.id, ...s.gridIds])),
    ]
  }
  return out
}

/** A rule in words (zh-CN), for the problem detail and the certificate. */
export function describeRule(
  rule: Pick<MatrixRule, 'categoryCode' | 'categoryGroup' | 'area'>,
  names: { category: (code: string) => string; area: (kind: AreaKind, ids: readonly number[]) => string; department: string },
): string {
  const what = rule.categoryCode !== null ? `「${names.category(rule.categoryCode)}」类问题` : `「${rule.categoryGroup}」类别组问题`
  return `${names.area(rule.area.kind, rule.area.ids)}的${what}由${names.department}处置`
}
