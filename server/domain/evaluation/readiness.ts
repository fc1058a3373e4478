/**
 * Site readiness (点位达标): is an evaluation site up to its standard? Pure.
 *
 * Inputs: the site's latest score rate (得分率 0..1 from its latest scored mock evaluation, or an
 * inspection score when one exists; null = never scored) and the open problems near it (within
 * READINESS_RADIUS_M metres, which includes the problems made from the site's own lost points).
 *
 * Rules, first match wins:
 *   not_ready   (未达标)  an overdue open problem near it, or the latest rate is below NOT_READY_BELOW (75 %),
 *                          or it was never scored but has open problems near it
 *   unassessed  (未测评)  never scored and no open problem near it
 *   ready       (达标)    latest rate ≥ READY_RATE (90 %) and no open problem near it
 *   at_risk     (待整改)  otherwise: scored ≥ 75 % but below 90 %, or ≥ 90 % with open problems near it
 * A site counts as "up to standard" only when ready.
 */
export const READY_RATE = 0.9
export const NOT_READY_BELOW = 0.75
export const READINESS_RADIUS_M = 100

export const READINESS_LEVELS = ['ready', 'at_risk', 'not_ready', 'unassessed'] as const
export type Readiness = (typeof READINESS_LEVELS)[number]

export interface ReadinessInput {
  /** 0..1, null = never scored */
  lastRate: number | null
  openProblemsNear: number
  overdueProblemsNear: number
}

export function siteReadiness(i: ReadinessInput): Readiness {
  if (i.overdueProblemsNear > 0) return 'not_ready'
  if (i.lastRate === null) return i.openProblemsNear > 0 ? 'not_ready' : 'unassessed'
  if (i.lastRate < NOT_READY_BELOW) return 'not_ready'
  if (i.lastRate >= READY_RATE && i.openProblemsNear === 0) return 'ready'
  return 'at_risk'
}

export interface ShareRow { key: string; total: number; ready: number; share: number; counts: Record<Readiness, number> }

/** The share of sites up to standard (ready) per group key, sorted by key. */
export function readinessShares<T>(items: readonly T[], keyOf: (t: T) => string | null, readinessOf: (t: T) => Readiness): ShareRow[] {
  const groups = new Map<string, ShareRow>()
  for (const it of items) {
    const key = keyOf(it) ?? '—'
    let g = groups.get(key)
    if (!g) groups.set(key, g = { key, total: 0, ready: 0, share: 0, counts: { ready: 0, at_risk: 0, not_ready: 0, unassessed: 0 } })
    const r = readinessOf(it)
    g.total++
    g.counts[r]++
    if (r === 'ready') g.ready++
  }
  return [...groups.values()].map((g) => ({ ...g, share: g.total ? g.ready / g.total : 0 })).sort((a, b) => a.key.localeCompare(b.key, 'zh-CN'))
}
