/** Shape warnings (spikes, acute angles, borders approaching themselves) on hand-made fixtures. */
import fs from 'node:fs'
import path from 'node:path'
import type { FeatureCollection, MultiPolygon, Polygon, Position } from 'geojson'
import { describe, expect, it } from 'vitest'
import { shapeWarnings, type ShapeGrid } from '../../server/domain/boundary/shapeWarnings.ts'

const DIR = path.resolve('tests/fixtures/shape-warnings')
const cases = fs.readdirSync(DIR).filter((d) => fs.statSync(path.join(DIR, d)).isDirectory())
const metres = (a: Position, b: Position) => {
  const k = Math.cos(((a[1]! + b[1]!) / 2) * Math.PI / 180)
  return Math.hypot((a[0]! - b[0]!) * k, a[1]! - b[1]!) * (Math.PI / 180) * 6_371_008.8
}

describe('shape warnings fixtures', () => {
  it('has the cases', () => expect(cases.length).toBeGreaterThanOrEqual(6))
  it.each(cases)('%s', (name) => {
    const fc = JSON.parse(fs.readFileSync(path.join(DIR, name, 'in.geojson'), 'utf8')) as FeatureCollection<Polygon | MultiPolygon, { role: string; key: string; name: string }>
    const expected = JSON.parse(fs.readFileSync(path.join(DIR, name, 'expected.json'), 'utf8')) as { code: string; near: Position; within: number }[]
    const after: ShapeGrid[] = fc.features.filter((f) => f.properties.role === 'after').map((f) => ({ key: f.properties.key, name: f.properties.name, geometry: f.geometry }))
    const before = new Map(fc.features.filter((f) => f.properties.role === 'before').map((f) => [f.properties.key, f.geometry]))
    const got = shapeWarnings(after, before)
    for (const w of got) {
      expect(expected.some((e) => e.code === w.code && metres(e.near, w.at) <= e.within), `unexpected ${w.code} at ${w.at.join(',')}: ${w.message}`).toBe(true)
      expect(w.line.coordinates.length).toBeGreaterThanOrEqual(2)
      expect(w.message).toContain('测试社区')
    }
    for (const e of expected) expect(got.some((w) => w.code === e.code && metres(e.near, w.at) <= e.within), `missing ${e.code} near ${e.near.join(',')}`).toBe(true)
  })
  it('measures the spike: about 300 m long, a tip of about 6°', () => {
    const fc = JSON.parse(fs.readFileSync(path.join(DIR, 'spike-300m', 'in.geojson'), 'utf8')) as FeatureCollection<Polygon, { role: string; key: string; name: string }>
    const f = fc.features.find((x) => x.properties.role === 'after')!
    const [w] = shapeWarnings([{ key: '1', name: 'x', geometry: f.geometry }])
    expect(w!.metres).toBeGreaterThan(295)
    expect(w!.metres).toBeLessThan(305)
    expect(w!.degrees).toBeGreaterThan(5) // 2·atan(15/300) = 5.7°
    expect(w!.degrees).toBeLessThan(6.5)
  })
  it('reports the same spike drawn clockwise', () => {
    const fc = JSON.parse(fs.readFileSync(path.join(DIR, 'spike-300m', 'in.geojson'), 'utf8')) as FeatureCollection<Polygon, { role: string; key: string; name: string }>
    const f = fc.features.find((x) => x.properties.role === 'after')!
    const cw: Polygon = { type: 'Polygon', coordinates: [[...f.geometry.coordinates[0]!].reverse()] }
    expect(shapeWarnings([{ key: '1', name: 'x', geometry: cw }]).map((w) => w.code)).toEqual(['SPIKE'])
  })
})
