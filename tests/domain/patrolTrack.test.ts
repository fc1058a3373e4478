/** Patrol track rules (domain/inspection/patrolTrack.ts) on fixtures: validation and grid coverage. */
import { describe, expect, it } from 'vitest'
import type { Polygon } from 'geojson'
import { PATROL_MAX_POINTS, trackCoverage, trackLengthM, trackProblem, type TrackPoint } from '../../server/domain/inspection/patrolTrack.ts'

// A 1 km × 1 km square grid near Xi'an (34.26 N): one metre is 1/111 320 ° of latitude and 1/(111 320·cos φ) ° of longitude.
const LAT0 = 34.26, LNG0 = 108.94
const M_LAT = 1 / 111_320
const M_LNG = 1 / (111_320 * Math.cos((LAT0 * Math.PI) / 180))
const at = (xM: number, yM: number): [number, number] => [LNG0 + xM * M_LNG, LAT0 + yM * M_LAT]
const square: Polygon = { type: 'Polygon', coordinates: [[at(0, 0), at(1000, 0), at(1000, 1000), at(0, 1000), at(0, 0)]] }
const T0 = Date.parse('2026-11-30T02:00:00Z') // 10:00 Beijing
const walk = (pts: [number, number][], acc = 10): TrackPoint[] => pts.map(([x, y], i) => { const [lng, lat] = at(x, y); return { lng, lat, t: T0 + i * 15_000, accuracy: acc } })

describe('trackCoverage', () => {
  it('a walk straight across the middle covers a 100 m strip: 10 % of a 1 km square', () => {
    const c = trackCoverage(walk([[-100, 500], [500, 500], [1100, 500]]), square)
    expect(c.ratio).toBeGreaterThan(0.097)
    expect(c.ratio).toBeLessThan(0.103)
    expect(c.gridM2).toBeGreaterThan(0.99e6)
    expect(c.gridM2).toBeLessThan(1.01e6)
  })
  it('a walk along the western edge covers only the inside half of its strip: 5 %', () => {
    const c = trackCoverage(walk([[0, 0], [0, 500], [0, 1000]]), square)
    expect(c.ratio).toBeGreaterThan(0.047)
    expect(c.ratio).toBeLessThan(0.0535)
  })
  it('a track far outside covers nothing; a single point covers a 50 m circle', () => {
    expect(trackCoverage(walk([[3000, 3000], [3500, 3000]]), square).ratio).toBe(0)
    const one = trackCoverage(walk([[500, 500]]), square).ratio
    const circle = (Math.PI * 50 * 50) / 1e6 // 0.00785
    expect(one).toBeGreaterThan(circle * 0.97)
    expect(one).toBeLessThan(circle * 1.02)
  })
  it('a lawn-mower walk every 100 m covers (nearly) the whole grid, capped at 1', () => {
    const pts: [number, number][] = []
    for (let y = 50; y < 1000; y += 100) pts.push(...(((y - 50) / 100) % 2 === 0 ? [[0, y], [1000, y]] : [[1000, y], [0, y]]) as [number, number][])
    const c = trackCoverage(walk(pts), square)
    expect(c.ratio).toBeGreaterThan(0.97)
    expect(c.ratio).toBeLessThanOrEqual(1)
  })
  it('points with an accuracy worse than 50 m are not counted; staying put adds nothing', () => {
    const good = walk([[500, 500]])
    const bad = walk([[100, 100], [900, 900]], 200).map((p, i) => ({ ...p, t: T0 + (i + 1) * 15_000 }))
    const c = trackCoverage([...good, ...bad], square)
    expect(c.pointsUsed).toBe(1)
    expect(c.ratio).toBeLessThan(0.01)
    const still = trackCoverage(walk([[500, 500], [500, 500], [500, 500]]), square)
    expect(still.ratio).toBeCloseTo(one(), 6)
    function one() { return trackCoverage(walk([[500, 500]]), square).ratio }
  })
})

describe('trackProblem', () => {
  const ctx = { date: new Date(T0), recordedAt: new Date(T0 + 3_600_000) }
  it('accepts increasing times on the inspection day up to the receipt', () => {
    expect(trackProblem(walk([[0, 0], [10, 0], [20, 0]]), ctx)).toBeNull()
  })
  it('refuses an empty track, too many points, times not increasing, times outside the inspection', () => {
    expect(trackProblem([], ctx)).toEqual({ code: 'PATROL_TRACK_EMPTY' })
    const many = Array.from({ length: PATROL_MAX_POINTS + 1 }, (_, i) => ({ lng: LNG0, lat: LAT0, t: T0 + i }))
    expect(trackProblem(many, { ...ctx, recordedAt: new Date(T0 + 10_000_000) })).toEqual({ code: 'PATROL_TRACK_TOO_LONG' })
    const p = walk([[0, 0], [10, 0], [20, 0]])
    expect(trackProblem([p[0]!, p[2]!, p[1]!], ctx)).toEqual({ code: 'PATROL_TRACK_ORDER', index: 2 })
    expect(trackProblem([p[0]!, { ...p[1]!, t: p[0]!.t }], ctx)).toEqual({ code: 'PATROL_TRACK_ORDER', index: 1 })
    // the day before (Beijing): 2026-11-29 23:59 Beijing = 15:59 UTC
    expect(trackProblem([{ ...p[0]!, t: '2026-11-29T15:59:00Z' }, ...p.slice(1)], ctx)).toEqual({ code: 'PATROL_TRACK_OUT_OF_TIME', index: 0 })
    // later than the receipt + 5 min
    expect(trackProblem([...p, { ...p[0]!, t: T0 + 3_600_000 + 6 * 60_000 }], ctx)).toEqual({ code: 'PATROL_TRACK_OUT_OF_TIME', index: 3 })
    expect(trackProblem([{ ...p[0]!, t: 'not a time' }], ctx)).toEqual({ code: 'PATROL_TRACK_OUT_OF_TIME', index: 0 })
  })
  it('length: 1 km along the middle', () => {
    const l = trackLengthM(walk([[0, 500], [1000, 500]]))
    expect(l).toBeGreaterThan(990)
    expect(l).toBeLessThan(1010)
  })
})
