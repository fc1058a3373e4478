/**
 * Colour contrast (WCAG 2.1 SC 1.4.3): the ratio against reference values published by WebAIM and
 * the W3C, and every status colour's badge readable at ≥ 4.5:1.
 */
import { describe, expect, it } from 'vitest'
import { badgeColours, contrastRatio, inkOn, luminance, mix } from '../../server/domain/vocabulary/contrast.ts'
import { STATUS_FAMILIES } from '../../server/domain/vocabulary/status.ts'

describe('contrast ratio', () => {
  it('matches the published reference values', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5)
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#777777', '#777777')).toBe(1)
    // WebAIM: #767676 is the lightest grey on white that passes AA (4.54:1); #777777 fails (4.48:1)
    expect(contrastRatio('#767676', '#ffffff')).toBeCloseTo(4.54, 2)
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2)
    // WebAIM: #0000ff on white is 8.59:1
    expect(contrastRatio('#0000FF', '#FFFFFF')).toBeCloseTo(8.59, 2)
    expect(luminance('#fff')).toBe(1)
  })

  it('rejects what is not a hex colour', () => {
    expect(() => luminance('red')).toThrow(/not a #rgb/)
  })

  it('mixes in sRGB', () => {
    expect(mix('#000000', '#ffffff', 0.5)).toBe('#808080')
    expect(mix('#123456', '#ffffff', 0)).toBe('#123456')
  })
})

describe('readable shades of a palette colour', () => {
  it('keeps a colour that already reads and darkens one that does not', () => {
    expect(inkOn('#000000', '#ffffff')).toBe('#000000')
    const ink = inkOn('#f0a532', '#ffffff')
    expect(ink).not.toBe('#f0a532')
    expect(contrastRatio(ink, '#ffffff')).toBeGreaterThanOrEqual(4.5)
  })

  it('gives every status of every family a badge with text at ≥ 4.5:1 on its background', () => {
    for (const [family, terms] of Object.entries(STATUS_FAMILIES)) {
      for (const [status, term] of Object.entries(terms)) {
        const b = badgeColours(term.colour)
        expect(contrastRatio(b.color, b.background), `${family}.${status}`).toBeGreaterThanOrEqual(4.5)
        expect(b.borderColor).toBe(term.colour)
      }
    }
  })
})
