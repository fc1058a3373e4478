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
