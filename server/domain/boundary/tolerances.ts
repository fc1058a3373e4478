/**
 * Every tolerance of the boundary rules, in one place, in metres and square metres (never degrees).
 * Used by the topology build on import (topologyBuild.ts), the draft rules (validation.ts) and the
 * split/merge/clip operations (operations.ts).
 */
export const BOUNDARY_TOLERANCE = {
  /** default snapping distance on import (m): vertices and edges of neighbours closer than this are made to coincide */
  snapM: 0.5,
  /** the largest snapping distance a planner may choose (m) */
  maxSnapM: 5,
  /** overlaps, gaps and parts outside a parent smaller than this (m²) are float noise, never reported */
  areaNoiseM2: 1,
  /** a grid part smaller than this (m²) is a sliver */
  sliverAreaM2: 100,
  /** a grid part whose mean width (2·area / perimeter) is under this (m) is a sliver */
  sliverWidthM: 2,
} as const

/**
 * Mean width (m) of a piece: 2·area / perimeter. A strip of width w and length L ≫ w has mean width
 * ≈ w, so a 1 mm × 5 km overlap (5 m²) has a mean width of 1 mm: under the snapping distance.
 */
export const meanWidthM = (areaM2: number, perimeterM: number): number => (perimeterM > 0 ? (2 * areaM2) / perimeterM : 0)
