/**
 * The department palette stays distinguishable: every pair of its colours (at least the first 24)
 * differs by at least MIN_DELTA_E00 in CIEDE2000.
 *
 * The colour difference is implemented HERE, from the published equations (G. Sharma, W. Wu,
 * E. N. Dalal, "The CIEDE2000 color-difference formula: implementation notes, supplementary test
 * data, and mathematical observations", Color Research & Application 30(1), 2005, eqs. 1–22), and
 * checked against that paper's Table 1 test pairs, so a mistake in the formula cannot pass the
 * palette. sRGB → CIELAB uses the IEC 61966-2-1 transfer curve, the sRGB→XYZ matrix and the D65 white.
 */
import { describe, expect, it } from 'vitest'
import { DEPARTMENT_PALETTE, departmentColours } from '../../server/domain/vocabulary/palette.ts'

/**
 * Why 15: ΔE00 ≈ 2.3 is a just-noticeable difference for two large patches side by side. Department
 * colours are not seen side by side: a grid on the map is matched against a 22×14 px legend swatch,
 * at 72 % fill opacity over the map's background (which shrinks every difference to about 0.7×),
 * often under a label. Szafir (2017, "Modeling Color Difference for Visualization Design") finds
 * that small marks need several times the patch JND; at ΔE00 ≥ 15 the map still keeps ≥ 10 after
 * the opacity, i.e. clearly different at a glance. And 15 is about the most a calm 24+ palette can
 * promise: restricted to lightness 38–88 and chroma ≤ 70, farthest-point selection reaches 15.25.
 * The old palette had pairs at 2.6 (市住建局 / 市司法局) and 10.0 (市人防办 / 市教育局).
 */
const MIN_DELTA_E00 = 15

type Lab = [number, number, number]

/** CIEDE2000 ΔE00 with kL = kC = kH = 1 (Sharma et al. 2005, eqs. 1–22). */
function deltaE00([L1, a1, b1]: Lab, [L2, a2, b2]: Lab): number {
  const rad = Math.PI / 180
  const C1 = Math.hypot(a1, b1), C2 = Math.hypot(a2, b2)
  const Cbar = (C1 + C2) / 2 // eq. 2
  const G = 0.5 * (1 - Math.sqrt(Cbar ** 7 / (Cbar ** 7 + 25 ** 7))) // eq. 3
  const a1p = (1 + G) * a1, a2p = (1 + G) * a2 // eq. 4
  const C1p = Math.hypot(a1p, b1), C2p = Math.hypot(a2p, b2) // eq. 5
  const hue = (b: number, a: number) => (b === 0 && a === 0 ? 0 : ((Math.atan2(b, a) / rad) + 360) % 360) // eq. 6
  const h1p = hue(b1, a1p), h2p = hue(b2, a2p)
  const dLp = L2 - L1, dCp = C2p - C1p // eqs. 8, 9
  let dhp = 0 // eq. 10
  if (C1p * C2p !== 0) {
    dhp = h2p - h1p
    if (dhp > 180) dhp -= 360
    else if (dhp < -180) dhp += 360
  }
  const dHp = 2 * Math.sqrt(C1p * C2p) * Math.sin((dhp / 2) * rad) // eq. 11
  const Lbp = (L1 + L2) / 2, Cbp = (C1p + C2p) / 2 // eqs. 12, 13
  let hbp = h1p + h2p // eq. 14
  if (C1p * C2p !== 0) {
    if (Math.abs(h1p - h2p) <= 180) hbp = (h1p + h2p) / 2
    else hbp = h1p + h2p < 360 ? (h1p + h2p + 360) / 2 : (h1p + h2p - 360) / 2
  }
  const T = 1 - 0.17 * Math.cos((hbp - 30) * rad) + 0.24 * Math.cos(2 * hbp * rad) + 0.32 * Math.cos((3 * hbp + 6) * rad) - 0.2 * Math.cos((4 * hbp - 63) * rad) // eq. 15
  const dTheta = 30 * Math.exp(-(((hbp - 275) / 25) ** 2)) // eq. 16
  const RC = 2 * Math.sqrt(Cbp ** 7 / (Cbp ** 7 + 25 ** 7)) // eq. 17
  const SL = 1 + (0.015 * (Lbp - 50) ** 2) / Math.sqrt(20 + (Lbp - 50) ** 2) // eq. 18
  const SC = 1 + 0.045 * Cbp // eq. 19
  const SH = 1 + 0.015 * Cbp * T // eq. 20
  const RT = -Math.sin(2 * dTheta * rad) * RC // eq. 21
  return Math.sqrt((dLp / SL) ** 2 + (dCp / SC) ** 2 + (dHp / SH) ** 2 + RT * (dCp / SC) * (dHp / SH)) // eq. 22
}

/** #rrggbb (sRGB, D65) → CIELAB (D65 white). */
function hexToLab(hex: string): Lab {
  const n = Number.parseInt(hex.slice(1), 16)
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  const X = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
  const Y = 0.2126729 * r + 0.7151522 * g + 0.072175 * b
  const Z = 0.0193339 * r + 0.119192 * g + 0.9503041 * b
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116)
  const fx = f(X / 0.95047), fy = f(Y), fz = f(Z / 1.08883)
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)]
}

describe('CIEDE2000 (as implemented in this test)', () => {
  // Sharma, Wu & Dalal 2005, Table 1: pair number, Lab 1, Lab 2, ΔE00 to 4 decimals
  const TABLE_1: [number, Lab, Lab, number][] = [
    [1, [50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [7, [50, 0, 0], [50, -1, 2], 2.3669],
    [13, [50, 2.49, -0.001], [50, -2.49, 0.0009], 7.1792],
    [15, [50, 2.49, -0.001], [50, -2.49, 0.0011], 7.2195],
    [17, [50, -0.001, 2.49], [50, 0.0009, -2.49], 4.8045],
    [19, [50, -0.001, 2.49], [50, 0.0011, -2.49], 4.7461],
    [21, [50, 2.5, 0], [73, 25, -18], 27.1492],
    [22, [50, 2.5, 0], [61, -5, 29], 22.8977],
    [23, [50, 2.5, 0], [56, -27, -3], 31.903],
    [24, [50, 2.5, 0], [58, 24, 15], 19.4535],
    [29, [60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    [33, [22.7233, 20.0904, -46.694], [23.0331, 14.973, -42.5619], 2.0373],
    [34, [36.4612, 47.858, 18.3852], [36.2715, 50.5065, 21.2231], 1.4146],
    [37, [6.7747, -0.2908, -2.4247], [5.8714, -0.0985, -2.2286], 0.6377],
    [38, [2.0776, 0.0795, -1.135], [0.9033, -0.0636, -0.5514], 0.9082],
  ]
  it.each(TABLE_1)('pair %i', (_n, lab1, lab2, expected) => {
    expect(deltaE00(lab1, lab2)).toBeCloseTo(expected, 4)
    expect(deltaE00(lab2, lab1)).toBeCloseTo(expected, 4) // symmetric
  })

  it('converts sRGB to CIELAB (white, black, pure red)', () => {
    const white = hexToLab('#ffffff')
    expect(white[0]).toBeCloseTo(100, 2)
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.01)
    expect(hexToLab('#000000')[0]).toBeCloseTo(0, 6)
    // sRGB red is L* 53.24, a* 80.09, b* 67.20 (the published sRGB primaries in CIELAB D65)
    const red = hexToLab('#ff0000')
    expect(red[0]).toBeCloseTo(53.24, 1)
    expect(red[1]).toBeCloseTo(80.09, 1)
    expect(red[2]).toBeCloseTo(67.2, 1)
  })
})

describe('department palette', () => {
  it('has at least 24 colours, all different #rrggbb', () => {
    expect(DEPARTMENT_PALETTE.length).toBeGreaterThanOrEqual(24)
    for (const c of DEPARTMENT_PALETTE) expect(c).toMatch(/^#[0-9a-f]{6}$/)
    expect(new Set(DEPARTMENT_PALETTE).size).toBe(DEPARTMENT_PALETTE.length)
  })

  it(`every pair of colours differs by ΔE00 ≥ ${MIN_DELTA_E00}`, () => {
    const labs = DEPARTMENT_PALETTE.map(hexToLab)
    const tooClose: string[] = []
    for (let i = 0; i < labs.length; i++) {
      for (let j = i + 1; j < labs.length; j++) {
        const d = deltaE00(labs[i]!, labs[j]!)
        if (d < MIN_DELTA_E00) tooClose.push(`${DEPARTMENT_PALETTE[i]} / ${DEPARTMENT_PALETTE[j]}: ${d.toFixed(2)}`)
      }
    }
    expect(tooClose).toEqual([])
  })

  it('has no grey (grey means unheld): chroma ≥ 20 for every colour', () => {
    for (const c of DEPARTMENT_PALETTE) {
      const [, a, b] = hexToLab(c)
      expect(Math.hypot(a, b), c).toBeGreaterThanOrEqual(20)
    }
  })

  it('gives 24 departments 24 different colours, by id, whatever the order asked in', () => {
    const ids = Array.from({ length: 24 }, (_, i) => 100 - i * 3)
    const colours = departmentColours(ids)
    expect(new Set(colours.values()).size).toBe(24)
    expect(departmentColours([...ids].reverse())).toEqual(colours)
    // the demo city's 17 departments are ids 1..17: 市人防办 (1) / 市教育局 (10), 市住建局 (6) / 市司法局 (15)
    const demo = departmentColours(Array.from({ length: 17 }, (_, i) => i + 1))
    for (const [x, y] of [[1, 10], [6, 15]] as const) {
      expect(deltaE00(hexToLab(demo.get(x)!), hexToLab(demo.get(y)!))).toBeGreaterThanOrEqual(MIN_DELTA_E00)
    }
  })
})
