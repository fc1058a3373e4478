import { describe, expect, it } from 'vitest'
import { drawSample, type SampleSite } from '../../server/domain/evaluation/sampling.ts'

// 3 types × streets: 农贸市场 ×5 (streets 1,1,2,2,2), 学校 ×3 (1,2,2), 河道 ×1 (street 3)
const sites: SampleSite[] = [
  { id: 1, type: '农贸市场', streetId: 1 }, { id: 2, type: '农贸市场', streetId: 1 }, { id: 3, type: '农贸市场', streetId: 2 },
  { id: 4, type: '农贸市场', streetId: 2 }, { id: 5, type: '农贸市场', streetId: 2 }, { id: 6, type: '学校', streetId: 1 },
  { id: 7, type: '学校', streetId: 2 }, { id: 8, type: '学校', streetId: 2 }, { id: 9, type: '河道', streetId: 3 },
]
const ids = (d: { site: SampleSite }[]) => d.map((x) => x.site.id)

describe('stratified sampling', () => {
  it('the same seed gives the same sample, whatever the input order', () => {
    const a = drawSample(sites, { by: 'type', perStratum: 2, seed: 42 })
    const b = drawSample([...sites].reverse(), { by: 'type', perStratum: 2, seed: 42 })
    expect(ids(a)).toEqual(ids(b))
    expect(a.map((x) => x.stratum)).toEqual(b.map((x) => x.stratum))
  })

  it('takes n from each stratum (all of a smaller one), no duplicates, each from its stratum', () => {
    const d = drawSample(sites, { by: 'type', perStratum: 2, seed: 7 })
    const per = new Map<string, number>()
    for (const x of d) {
      expect(x.site.type).toBe(x.stratum)
      per.set(x.stratum, (per.get(x.stratum) ?? 0) + 1)
    }
    expect(Object.fromEntries(per)).toEqual({ 农贸市场: 2, 学校: 2, 河道: 1 })
    expect(new Set(ids(d)).size).toBe(d.length)
  })

  it('stratifies by street and by type+street, and filters by types and streets', () => {
    const byStreet = drawSample(sites, { by: 'street', perStratum: 1, seed: 3 })
    expect(byStreet.map((x) => x.stratum)).toEqual(['1', '2', '3'])
    const both = drawSample(sites, { by: 'type_street', perStratum: 5, seed: 3 })
    expect(ids(both).sort((a, b) => a - b)).toEqual(sites.map((s) => s.id)) // everything, each stratum whole
    const filtered = drawSample(sites, { by: 'type', types: ['学校'], streetIds: [2], perStratum: 5, seed: 1 })
    expect(ids(filtered).sort()).toEqual([7, 8])
  })

  it('different seeds give different samples, and every site gets a fair chance', () => {
    const counts = new Map<number, number>()
    const distinct = new Set<string>()
    const N = 4000
    for (let seed = 1; seed <= N; seed++) {
      const d = drawSample(sites, { by: 'type', types: ['农贸市场'], perStratum: 1, seed })
      distinct.add(ids(d).join(','))
      counts.set(d[0]!.site.id, (counts.get(d[0]!.site.id) ?? 0) + 1)
    }
    expect(distinct.size).toBe(5)
    for (const id of [1, 2, 3, 4, 5]) expect(counts.get(id)! / N).toBeGreaterThan(0.15) // expected 0.2 each
    for (const id of [1, 2, 3, 4, 5]) expect(counts.get(id)! / N).toBeLessThan(0.25)
  })

  it('refuses a non-positive count', () => {
    expect(() => drawSample(sites, { by: 'type', perStratum: 0, seed: 1 })).toThrow()
  })
})
