/**
 * Stratified random sampling of evaluation sites for a mock evaluation (模拟测评抽样). Pure and
 * reproducible: the same sites, parameters and seed give the same sample, whatever order the
 * sites arrive in (they are sorted by id first), using the seeded PRNG mulberry32.
 *
 * Sites are filtered (types, streets), grouped into strata (by type, by street, or by both), and
 * from each stratum, in sorted stratum order, `perStratum` sites are drawn without replacement
 * (a partial Fisher–Yates shuffle); a stratum smaller than that is taken whole.
 */
import { mulberry32 } from '../random.ts'

export const STRATIFY_BY = ['type', 'street', 'type_street'] as const
export type StratifyBy = (typeof STRATIFY_BY)[number]

export interface SampleSite { id: number; type: string; streetId: number | null }

export interface SampleParams {
  by: StratifyBy
  /** only these types (empty or absent = all) */
  types?: readonly string[]
  /** only these streets (empty or absent = all) */
  streetIds?: readonly number[]
  perStratum: number
  seed: number
}

export interface Drawn<T> { site: T; stratum: string }

export function stratumOf(s: SampleSite, by: StratifyBy): string {
  const street = s.streetId === null ? '-' : String(s.streetId)
  return by === 'type' ? s.type : by === 'street' ? street : `${s.type}|${street}`
}

export function drawSample<T extends SampleSite>(sites: readonly T[], p: SampleParams): Drawn<T>[] {
  if (!Number.isInteger(p.perStratum) || p.perStratum < 1) throw new Error('perStratum must be a positive integer')
  const types = p.types?.length ? new Set(p.types) : null
  const streets = p.streetIds?.length ? new Set(p.streetIds) : null
  const eligible = sites
    .filter((s) => (!types || types.has(s.type)) && (!streets || (s.streetId !== null && streets.has(s.streetId))))
    .sort((a, b) => a.id - b.id)
  const strata = new Map<string, T[]>()
  for (const s of eligible) {
    const k = stratumOf(s, p.by)
    const list = strata.get(k)
    if (list) list.push(s)
    else strata.set(k, [s])
  }
  const rand = mulberry32(p.seed)
  const out: Drawn<T>[] = []
  for (const key of [...strata.keys()].sort()) {
    const pool = [...strata.get(key)!]
    const take = Math.min(p.perStratum, pool.length)
    for (let i = 0; i < take; i++) {
      const j = i + Math.floor(rand() * (pool.length - i))
      ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
      out.push({ site: pool[i]!, stratum: key })
    }
  }
  return out
}
