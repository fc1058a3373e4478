/**
 * Proof of presence (到岗核验) — the one definition.
 *
 * An inspection proves the department was on site when ALL of these hold:
 *   1. it has a check-in location;
 *   2. the device's reported GPS accuracy (radius, metres) is not worse than the tolerance
 *      (an accuracy that was never reported — legacy rows, devices that give none — is not held against it);
 *   3. the point lies inside the grid, or within the tolerance of its boundary, judged against the
 *      boundary IN FORCE ON THE INSPECTION'S DATE (the caller passes that geometry, a precomputed
 *      distance, or — for legacy rows only — the judgement stored when it was recorded);
 *   4. it was recorded at most `backfillHours` (INSPECTION_BACKFILL_HOURS, default 48) after the date it
 *      claims, or a leader approved the late entry (补录 approved). A row without a server stamp
 *      (`recordedAt`, legacy) is taken as recorded on time.
 */
import { booleanPointInPolygon, pointToPolygonDistance } from '@turf/turf'
import type { GridGeometry } from '../geometry/validate.ts'

/** Default tolerance (metres) around a grid's boundary, and the worst GPS accuracy accepted. */
export const DEFAULT_PRESENCE_TOLERANCE_M = 50

/** Default INSPECTION_BACKFILL_HOURS: how long after its date an inspection may be recorded without being 补录. */
export const DEFAULT_INSPECTION_BACKFILL_HOURS = 48

/** Result of judging a point against a grid's boundary. */
export interface PresenceCheck {
  onSite: boolean
  /** metres outside the grid's boundary (0 when inside) */
  distanceOutside: number
}

/** Is the point inside the grid or within `toleranceMeters` of its boundary? */
export function checkPresence(grid: GridGeometry, lng: number, lat: number, toleranceMeters = DEFAULT_PRESENCE_TOLERANCE_M): PresenceCheck {
  if (booleanPointInPolygon([lng, lat], grid)) return { onSite: true, distanceOutside: 0 }
  const distanceOutside = Math.max(0, pointToPolygonDistance([lng, lat], grid, { units: 'meters' }))
  return { onSite: distanceOutside <= toleranceMeters, distanceOutside }
}

/** What proof of presence looks at. Every field but `date` is optional so legacy rows can be judged. */
export interface PresenceEvidence {
  /** the date (instant) the inspection claims */
  date: Date
  /** check-in point (WGS-84); null/undefined = none */
  lng?: number | null
  lat?: number | null
  /** the device's reported accuracy radius in metres (`coords.accuracy`); null/undefined = not reported */
  accuracyM?: number | null
  /** metres outside the boundary in force on `date`, precomputed by the caller (0 = inside) */
  distanceOutsideM?: number | null
  /** legacy: the on-site judgement stored at recording time (null = no location) */
  onSite?: boolean | null
  /** server time stamp of the recording; null/undefined = legacy row, taken as on time */
  recordedAt?: Date | null
  /** when a leader approved a late (补录) entry; null/undefined = not approved */
  approvedAt?: Date | null
}

/** Settings of the presence rule and, optionally, the boundary history to judge against. */
export interface PresenceContext {
  /** metres; default DEFAULT_PRESENCE_TOLERANCE_M */
  toleranceM?: number
  /** INSPECTION_BACKFILL_HOURS; default DEFAULT_INSPECTION_BACKFILL_HOURS */
  backfillHours?: number
  /** the grid's boundary in force on an instant (null when unknown) */
  boundaryOn?: (date: Date) => GridGeometry | null
}

/** Why an inspection is not proof of presence. */
export type PresenceFailure = 'noLocation' | 'poorAccuracy' | 'outside' | 'boundaryUnknown' | 'late'

/** Every PresenceFailure, in the order they are reported. */
export const PRESENCE_FAILURES: readonly PresenceFailure[] = ['noLocation', 'poorAccuracy', 'outside', 'boundaryUnknown', 'late']

const HOUR_MS = 3_600_000

/** Is the inspection a late entry (补录): recorded more than `backfillHours` after the date it claims? */
export function isBackfill(i: Pick<PresenceEvidence, 'date' | 'recordedAt'>, backfillHours = DEFAULT_INSPECTION_BACKFILL_HOURS): boolean {
  return i.recordedAt != null && i.recordedAt.getTime() - i.date.getTime() > backfillHours * HOUR_MS
}

/** All the reasons an inspection fails proof of presence; [] when it is proven on site. */
export function presenceFailures(i: PresenceEvidence, ctx: PresenceContext = {}): PresenceFailure[] {
  const tolerance = ctx.toleranceM ?? DEFAULT_PRESENCE_TOLERANCE_M
  const out: PresenceFailure[] = []
  const hasPoint = i.lng != null && i.lat != null && Number.isFinite(i.lng) && Number.isFinite(i.lat)
  if (!hasPoint && i.onSite == null && i.distanceOutsideM == null) out.push('noLocation')
  else {
    if (i.accuracyM != null && !(i.accuracyM <= tolerance)) out.push('poorAccuracy')
    let outside: boolean | null = null
    if (i.distanceOutsideM != null) outside = !(i.distanceOutsideM <= tolerance)
    else if (hasPoint && ctx.boundaryOn) {
      const geometry = ctx.boundaryOn(i.date)
      if (geometry) outside = !checkPresence(geometry, i.lng!, i.lat!, tolerance).onSite
    }
    if (outside === null && i.onSite != null) outside = !i.onSite
    if (outside === true) out.push('outside')
    else if (outside === null) out.push(hasPoint ? 'boundaryUnknown' : 'noLocation')
  }
  if (isBackfill(i, ctx.backfillHours) && i.approvedAt == null) out.push('late')
  return out
}

/** Proof of presence: the inspection is proven on site (see the module comment for the rule). */
export function provenOnSite(i: PresenceEvidence, ctx: PresenceContext = {}): boolean {
  return presenceFailures(i, ctx).length === 0
}
