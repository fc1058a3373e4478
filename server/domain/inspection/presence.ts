/**
 * Proof of presence (到岗核验): an inspection's check-in point must lie inside the grid, or within
 * a tolerance of its boundary (GPS error; an inspector standing on the boundary road).
 */
import { booleanPointInPolygon, pointToPolygonDistance } from '@turf/turf'
import type { GridGeometry } from '../geometry/validate.ts'

export const DEFAULT_PRESENCE_TOLERANCE_M = 50

export interface PresenceCheck {
  onSite: boolean
  /** metres outside the grid's boundary (0 when inside) */
  distanceOutside: number
}

export function checkPresence(grid: GridGeometry, lng: number, lat: number, toleranceMeters = DEFAULT_PRESENCE_TOLERANCE_M): PresenceCheck {
  if (booleanPointInPolygon([lng, lat], grid)) return { onSite: true, distanceOutside: 0 }
  const distanceOutside = Math.max(0, pointToPolygonDistance([lng, lat], grid, { units: 'meters' }))
  return { onSite: distanceOutside <= toleranceMeters, distanceOutside }
}
