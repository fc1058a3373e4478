/** The phone-side photo size rule (client/ui/photoPrep.ts): longest side at most 1,600 px, never enlarged. */
import { describe, expect, it } from 'vitest'
import { fittedSize, PHOTO_MAX_SIDE } from '../../client/ui/photoPrep.ts'

describe('fittedSize', () => {
  it('shrinks the longest side to 1,600 px keeping the aspect, and never enlarges', () => {
    expect(PHOTO_MAX_SIDE).toBe(1600)
    expect(fittedSize(4000, 3000)).toEqual({ width: 1600, height: 1200 })
    expect(fittedSize(3000, 4000)).toEqual({ width: 1200, height: 1600 })
    expect(fittedSize(4032, 1960)).toEqual({ width: 1600, height: 778 })
    expect(fittedSize(1000, 800)).toEqual({ width: 1000, height: 800 })
    expect(fittedSize(1600, 1600)).toEqual({ width: 1600, height: 1600 })
    expect(fittedSize(20000, 10)).toEqual({ width: 1600, height: 1 })
  })
})
