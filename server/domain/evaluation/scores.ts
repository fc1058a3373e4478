/**
 * Score aggregation of a mock evaluation (得分率). Pure.
 *
 * A score entry is one indicator at one sampled site: maxPoints and lostPoints (扣分, clamped to
 * [0, maxPoints]). A group's rate is (Σ max − Σ lost) / Σ max over its entries — a points-weighted
 * rate, not a mean of site rates — and null for a group with no points.
 */
export interface ScoreLine {
  mockSiteId: number
  siteType: string
  streetId: number | null
  departmentId: number | null
  maxPoints: number
  lostPoints: number
}

export interface RateRow<K> { key: K; maxPoints: number; lostPoints: number; score: number; rate: number | null; entries: number }

export function lostOf(l: { maxPoints: number; lostPoints: number }): number {
  return Math.min(Math.max(l.lostPoints, 0), Math.max(l.maxPoints, 0))
}

export function rateOf(lines: readonly { maxPoints: number; lostPoints: number }[]): number | null {
  const max = lines.reduce((s, l) => s + Math.max(l.maxPoints, 0), 0)
  if (max <= 0) return null
  const lost = lines.reduce((s, l) => s + lostOf(l), 0)
  return (max - lost) / max
}

export function aggregateBy<K>(lines: readonly ScoreLine[], keyOf: (l: ScoreLine) => K): RateRow<K>[] {
  const groups = new Map<K, ScoreLine[]>()
  for (const l of lines) {
    const k = keyOf(l)
    const g = groups.get(k)
    if (g) g.push(l)
    else groups.set(k, [l])
  }
  return [...groups].map(([key, ls]) => {
    const maxPoints = round2(ls.reduce((s, l) => s + Math.max(l.maxPoints, 0), 0))
    const lostPoints = round2(ls.reduce((s, l) => s + lostOf(l), 0))
    return { key, maxPoints, lostPoints, score: round2(maxPoints - lostPoints), rate: rateOf(ls), entries: ls.length }
  })
}

export interface Aggregate {
  overall: RateRow<'all'> | null
  bySite: RateRow<number>[]
  byType: RateRow<string>[]
  byStreet: RateRow<number | null>[]
  byDepartment: RateRow<number | null>[]
}

export function aggregateScores(lines: readonly ScoreLine[]): Aggregate {
  const sortNum = <K extends number | null>(rows: RateRow<K>[]) => rows.sort((a, b) => (a.key ?? Infinity) - (b.key ?? Infinity))
  return {
    overall: lines.length ? aggregateBy(lines, () => 'all' as const)[0]! : null,
    bySite: sortNum(aggregateBy(lines, (l) => l.mockSiteId)),
    byType: aggregateBy(lines, (l) => l.siteType).sort((a, b) => a.key.localeCompare(b.key, 'zh-CN')),
    byStreet: sortNum(aggregateBy(lines, (l) => l.streetId)),
    byDepartment: sortNum(aggregateBy(lines, (l) => l.departmentId)),
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100
}
