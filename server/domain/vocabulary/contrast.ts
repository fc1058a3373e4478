/**
 * Colour contrast (WCAG 2.1, success criterion 1.4.3): relative luminance, contrast ratio, and the
 * readable forms of a palette colour. A status keeps ONE colour (status.ts / palette.ts); where it
 * carries text, the text uses a darker shade derived from it here, never a second literal. Pure.
 */

/** WCAG AA for normal text. */
export const MIN_TEXT_CONTRAST = 4.5

type Rgb = [number, number, number]

function parse(hex: string): Rgb {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex)
  if (!m) throw new Error(`not a #rgb/#rrggbb colour: ${hex}`)
  const h = m[1]!.length === 3 ? m[1]!.replace(/./g, (c) => c + c) : m[1]!
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb
}

const hex = (rgb: Rgb) => `#${rgb.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('')}`

/** Relative luminance (WCAG 2.1 definition, sRGB). */
export function luminance(colour: string): number {
  const [r, g, b] = parse(colour).map((v) => {
    const c = v / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as Rgb
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** Contrast ratio of two colours, 1 … 21. */
export function contrastRatio(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number]
  return (x + 0.05) / (y + 0.05)
}

/** `colour` mixed with `other`: share 0 is `colour`, 1 is `other` (sRGB). */
export function mix(colour: string, other: string, share: number): string {
  const a = parse(colour), b = parse(other)
  return hex(a.map((v, i) => v + (b[i]! - v) * share) as Rgb)
}

/** The colour itself if it reaches `min` against `background`, else the lightest darker shade that does. */
export function inkOn(colour: string, background: string, min = MIN_TEXT_CONTRAST): string {
  for (let share = 0; share <= 1.0001; share += 0.02) {
    const shade = mix(colour, '#000000', share)
    if (contrastRatio(shade, background) >= min) return shade
  }
  return '#000000'
}

/**
 * A status badge (chip) in a status colour: a light tint of the colour as background, the colour
 * as border, and text in the colour darkened until it reads (≥ 4.5:1 on the tint).
 */
export function badgeColours(colour: string): { background: string; color: string; borderColor: string } {
  const background = mix(colour, '#ffffff', 0.86)
  return { background, color: inkOn(colour, background), borderColor: colour }
}
