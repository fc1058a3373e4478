/**
 * Grid levels and grid codes: the one definition of the level list, its parent relation, how
 * a child's code is checked against its parent's code, and how codes are ordered (the boundary
 * rule's "smallest code"). Pure: no DB, no HTTP.
 *
 *   district (区县)  →  street (街道/乡镇)  →  community (社区/村)
 *
 * Codes follow the statistical division codes (统计用区划代码, GB/T 2260 + GB/T 10114):
 * a district is a 6-digit county code (610302), a street adds 3 digits (610302001, usually
 * written padded to 12: 610302001000), a community adds 3 more (610302001003).
 */

/** Coarsest first. Every list of levels in the app derives from this one. */
export const GRID_LEVELS = ['district', 'street', 'community'] as const
export type GridLevel = (typeof GRID_LEVELS)[number]

/** The level a grid's parent has (null: top level). */
export const PARENT_LEVEL: Readonly<Record<GridLevel, GridLevel | null>> = {
  district: null,
  street: 'district',
  community: 'street',
}

/** The level directly below (null: finest level). */
export function childLevel(level: GridLevel): GridLevel | null {
  return GRID_LEVELS.find((l) => PARENT_LEVEL[l] === level) ?? null
}

/** Levels finest first: where a point is assigned (community, else street, else district). */
export const FINEST_FIRST: readonly GridLevel[] = [...GRID_LEVELS].reverse()

/**
 * How many leading digits of a code identify a grid at this level: the prefix its children's
 * codes must start with. 6 (county) / 9 (street) / 12 (community).
 */
export const LEVEL_CODE_DIGITS: Readonly<Record<GridLevel, number>> = { district: 6, street: 9, community: 12 }

export function isGridLevel(v: unknown): v is GridLevel {
  return typeof v === 'string' && (GRID_LEVELS as readonly string[]).includes(v)
}

/**
 * The prefix a child's code must start with: the parent's code cut to the parent level's digits
 * (610302001000 as a street → 610302001). Codes shorter than that are used whole.
 */
export function childCodePrefix(parentCode: string, parentLevel: GridLevel): string {
  return parentCode.slice(0, LEVEL_CODE_DIGITS[parentLevel])
}

export interface CodePrefixIssue {
  code: string
  /** the prefix the code should start with */
  expectedPrefix: string
  parentCode: string
  parentLevel: GridLevel
  message: string
}

const LEVEL_ZH: Record<GridLevel, string> = { district: '区县', street: '街道', community: '社区' }

/**
 * Checks a grid's code against its parent's: digits only, starting with the parent's prefix and
 * longer than it. Null when the code is fine (or there is no parent to check against).
 */
export function codePrefixIssue(
  grid: { code: string; level: GridLevel },
  parent: { code: string; level: GridLevel } | null,
): CodePrefixIssue | null {
  if (!parent) return null
  const expectedPrefix = childCodePrefix(parent.code, parent.level)
  const ok = /^\d+$/.test(grid.code) && grid.code.startsWith(expectedPrefix) && grid.code.length > expectedPrefix.length
  if (ok) return null
  return {
    code: grid.code, expectedPrefix, parentCode: parent.code, parentLevel: parent.level,
    message: `${LEVEL_ZH[grid.level]}编码 ${grid.code} 应以所属${LEVEL_ZH[parent.level]}的编码前缀 ${expectedPrefix} 开头（并更长）`,
  }
}

/** Whether a level may have a parent of this level (district → street → community). */
export function parentLevelIssue(level: GridLevel, parentLevel: GridLevel | null): string | null {
  const want = PARENT_LEVEL[level]
  if (want === parentLevel) return null
  if (want === null) return `${LEVEL_ZH[level]}没有上级网格`
  // a street without a district is allowed (cities that do not draw districts); a wrong level is not
  if (parentLevel === null && level === 'street') return null
  return `${LEVEL_ZH[level]}的上级应为${LEVEL_ZH[want]}`
}

/**
 * The order of grid codes used by the boundary rule ("smallest code").
 *
 * Codes made only of digits are compared as integers after padding them on the RIGHT with zeros to
 * the same length — i.e. as positions in the division-code hierarchy, so the 9-digit street code
 * 610302001 sits exactly where its 12-digit form 610302001000 does, and 610302002 comes after
 * 610302001999. Codes of equal padded value (610302001 and 610302001000) order shorter first.
 * Codes containing anything but digits come after every all-digit code, ordered by UTF-16 code
 * units. Negative: a before b.
 */
export function compareGridCodes(a: string, b: string): number {
  if (a === b) return 0
  const da = /^\d+$/.test(a), db = /^\d+$/.test(b)
  if (da && db) {
    const n = Math.max(a.length, b.length)
    const pa = a.padEnd(n, '0'), pb = b.padEnd(n, '0')
    // equal-length digit strings compare as integers exactly when compared character by character
    if (pa !== pb) return pa < pb ? -1 : 1
    return a.length - b.length
  }
  if (da !== db) return da ? -1 : 1
  return a < b ? -1 : 1
}
