/**
 * THE colour palette. Every surface (map layers, legends, chips, dashboards, the bulletin) takes
 * its colours from here, by meaning, never as a literal of its own. Status families (status.ts)
 * pick from these.
 */
export const PALETTE = {
  green: '#2f9e5a',
  amber: '#f0a532',
  ochre: '#b7791f',
  red: '#d9443b',
  crimson: '#c8102e',
  grey: '#8d96a0',
  blue: '#3557b7',
  purple: '#7b3fa0',
  white: '#ffffff',
  /** grid months without data (dashboard map) */
  paper: '#eeeeee',
} as const

/** Problem status colours (a family of their own: seven states, seven hues). */
export const PROBLEM_STATUS_PALETTE = {
  violet: '#8e24aa',
  indigo: '#3949ab',
  sky: '#1e88e5',
  orange: '#fb8c00',
  teal: '#00897b',
  leaf: '#43a047',
  stone: '#9e9e9e',
} as const

/** Problems on the map: open, overdue. */
export const PROBLEM_COLOURS = { open: PALETTE.blue, overdue: PALETTE.crimson } as const
/** The ring of an evaluation site on the map. */
export const SITE_COLOUR = PALETTE.purple
/** Anything with no known colour. */
export const UNKNOWN_COLOUR = PALETTE.grey

/** The app's own colour (header, the installed app's theme and splash; issue 16). */
export const BRAND_COLOUR = '#b3261e'
/**
 * Holder departments (colour mode 「按部门」 on the coverage map, its legend): a categorical palette
 * of 28 colours for cities with 20+ departments. No grey (grey means unheld).
 *
 * Made by farthest-point selection in CIELAB under CIEDE2000 (ΔE00) from an sRGB grid, starting from
 * four Tableau hues, with lightness 38–88 (a dark grid name stays readable on every fill) and chroma
 * 22–70 (calm, no neon). The order is the selection order, so every prefix is spread as widely as it
 * can be: a city with 8 departments gets 8 very different colours, not the first 8 of a hue wheel.
 * tests/domain/departmentPalette.test.ts holds every pair to ΔE00 ≥ 15 (the greedy selection reaches
 * 15.25 for all 28; the old 20-colour list had pairs at 2.6 and 10.0: 市住建局 / 市司法局 and
 * 市人防办 / 市教育局). Why 15: see docs/maps.md.
 */
export const DEPARTMENT_PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#00f0ff', '#f0d2ff', '#962d96', '#785a00',
  '#e1d24b', '#00695a', '#f069c3', '#96c3ff', '#4bf0b4', '#ffc3b4', '#a53c00', '#3c6900',
  '#a59669', '#00a5a5', '#b4004b', '#9687b4', '#d2e1b4', '#96695a', '#d296a5', '#1ea5d2',
  '#695a87', '#ffd296', '#788700', '#a56987',
] as const

/**
 * Colours for the departments: the departments, sorted by id, take the palette in turn, so up to
 * 28 holders get distinct colours and a department keeps its colour between renders and pages.
 */
export function departmentColours(departmentIds: Iterable<number>): Map<number, string> {
  const ids = [...new Set(departmentIds)].sort((a, b) => a - b)
  return new Map(ids.map((id, i) => [id, DEPARTMENT_PALETTE[i % DEPARTMENT_PALETTE.length]!]))
}
