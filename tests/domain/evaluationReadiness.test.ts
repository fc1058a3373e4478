import { describe, expect, it } from 'vitest'
import { readinessShares, siteReadiness, type Readiness } from '../../server/domain/evaluation/readiness.ts'

describe('site readiness', () => {
  it.each([
    [{ lastRate: 0.95, openProblemsNear: 0, overdueProblemsNear: 0 }, 'ready'],
    [{ lastRate: 0.9, openProblemsNear: 0, overdueProblemsNear: 0 }, 'ready'],
    [{ lastRate: 0.8999, openProblemsNear: 0, overdueProblemsNear: 0 }, 'at_risk'],
    [{ lastRate: 1, openProblemsNear: 1, overdueProblemsNear: 0 }, 'at_risk'],
    [{ lastRate: 1, openProblemsNear: 1, overdueProblemsNear: 1 }, 'not_ready'],
    [{ lastRate: 0.75, openProblemsNear: 2, overdueProblemsNear: 0 }, 'at_risk'],
    [{ lastRate: 0.7499, openProblemsNear: 0, overdueProblemsNear: 0 }, 'not_ready'],
    [{ lastRate: null, openProblemsNear: 0, overdueProblemsNear: 0 }, 'unassessed'],
    [{ lastRate: null, openProblemsNear: 1, overdueProblemsNear: 0 }, 'not_ready'],
  ] as const)('%o → %s', (input, expected) => {
    expect(siteReadiness(input)).toBe(expected)
  })

  it('shares of ready sites per group', () => {
    const items: { type: string; r: Readiness }[] = [
      { type: '学校', r: 'ready' }, { type: '学校', r: 'at_risk' }, { type: '学校', r: 'ready' },
      { type: '医院', r: 'unassessed' }, { type: '医院', r: 'not_ready' },
    ]
    const rows = readinessShares(items, (i) => i.type, (i) => i.r)
    const school = rows.find((r) => r.key === '学校')!
    expect(school).toMatchObject({ total: 3, ready: 2, counts: { ready: 2, at_risk: 1, not_ready: 0, unassessed: 0 } })
    expect(school.share).toBeCloseTo(2 / 3, 10)
    expect(rows.find((r) => r.key === '医院')).toMatchObject({ total: 2, ready: 0, share: 0 })
  })
})
