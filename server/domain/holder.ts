/** Grid responsibility (包抓): who holds a grid on a given date. History is kept, never overwritten. */
/** Who answers for a grid under its department: the register's and the map's holder columns. */
export interface HolderContact {
  departmentName: string
  cadreName: string
  cadreTitle: string
  contactName: string
  contactPhone: string
}

export interface HolderPeriod {
  departmentId: number
  validFrom: Date
  /** exclusive; null = still holds */
  validTo: Date | null
}

export function holdsOn(period: HolderPeriod, at: Date): boolean {
  return period.validFrom.getTime() <= at.getTime() && (period.validTo === null || at.getTime() < period.validTo.getTime())
}

/** The holder of a grid at an instant (the latest-starting period covering it), or null if unheld. */
export function holderOn<T extends HolderPeriod>(periods: readonly T[], at: Date): T | null {
  let best: T | null = null
  for (const p of periods) if (holdsOn(p, at) && (!best || p.validFrom > best.validFrom)) best = p
  return best
}

/**
 * Pairs of periods (of one grid) that overlap: [validFrom, validTo) intervals, validTo null = open.
 * Sorted by start, any overlap shows between neighbours, so neighbours are compared. Empty = none.
 * The rule every write of holders keeps (services/holderPeriods.ts checks it inside the transaction).
 */
export function overlappingPeriods<T extends HolderPeriod>(periods: readonly T[]): [T, T][] {
  const sorted = [...periods].sort((a, b) => a.validFrom.getTime() - b.validFrom.getTime())
  const out: [T, T][] = []
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!, b = sorted[i + 1]!
    const end = a.validTo === null ? Infinity : a.validTo.getTime()
    if (end > b.validFrom.getTime()) out.push([a, b])
  }
  return out
}
