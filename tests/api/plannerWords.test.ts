/**
 * Issue 18 over HTTP on each database: boundary.validate returns shape warnings (a spike pulled out
 * of a border) separately from the blocking issues; the audit trail's read path names the thing and
 * lists the changed fields with names instead of ids.
 */
import { booleanPointInPolygon } from '@turf/turf'
import type { Polygon, Position } from 'geojson'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GridGeometry } from '../../server/domain/boundary/topology.ts'
import { loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

const M = 110_574
const metres = (a: Position, b: Position) => Math.hypot((a[0]! - b[0]!) * M * Math.cos((a[1]! * Math.PI) / 180), (a[1]! - b[1]!) * M)

describe.each(testDatabases())('planner warnings and audit words on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) }, 60_000)
  afterAll(async () => { await app?.stop() })

  it('validate warns about a 300 m spike (never as a blocking issue), and not about the unchanged shape', async () => {
    const planner = await loggedIn(app.url, 'planner')
    const fc = await planner.grid.list.query({ level: 'community' })
    const a = fc.features.find((f) => f.geometry.type === 'Polygon')!
    const ring = (a.geometry as Polygon).coordinates[0]!
    // the longest edge; a 30 m-wide spike from its middle, 300 m out of the grid
    let i = 0
    for (let k = 0; k < ring.length - 1; k++) if (metres(ring[k]!, ring[k + 1]!) > metres(ring[i]!, ring[i + 1]!)) i = k
    const p = ring[i]!, q = ring[i + 1]!
    const len = metres(p, q)
    const at = (t: number): Position => [p[0]! + (q[0]! - p[0]!) * t, p[1]! + (q[1]! - p[1]!) * t]
    const k = Math.cos((p[1]! * Math.PI) / 180)
    const ex = ((q[0]! - p[0]!) * k * M) / len, ey = ((q[1]! - p[1]!) * M) / len // unit along the edge, metres
    const mid = at(0.5)
    const tipFor = (s: number): Position => [mid[0]! + (s * -ey * 300) / M / k, mid[1]! + (s * ex * 300) / M]
    const tip = booleanPointInPolygon(tipFor(1), a.geometry as Polygon) ? tipFor(-1) : tipFor(1)
    const spiked = [...ring.slice(0, i + 1), at(0.5 - 15 / len), tip, at(0.5 + 15 / len), ...ring.slice(i + 1)]
    const grid = (geometry: GridGeometry) => ({ key: String(a.properties.id), id: a.properties.id, code: a.properties.code, name: a.properties.name, level: 'community' as const, parentKey: String(a.properties.parentId), geometry })
    const r = await planner.boundary.validate.mutate({ draft: { grids: [grid({ type: 'Polygon', coordinates: [spiked] })], retire: [] } })
    const spike = r.warnings.find((w) => w.code === 'SPIKE')
    expect(spike, JSON.stringify(r.warnings)).toBeDefined()
    expect(metres(spike!.at, tip)).toBeLessThan(2)
    expect(spike!.gridName).toBe(a.properties.name)
    expect(spike!.metres).toBeGreaterThan(280)
    expect(r.issues.map((x) => x.code as string)).not.toContain('SPIKE')
    // the same geometry as saved: nothing new, nothing to warn about
    const same = await planner.boundary.validate.mutate({ draft: { grids: [grid(a.geometry as GridGeometry)], retire: [] } })
    expect(same.warnings).toEqual([])
  })

  it('the audit trail names the grid and lists the changed fields with department names', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const fc = await admin.grid.list.query({ level: 'street' })
    const street = fc.features[0]! // streets are held too
    const [current] = (await admin.holder.history.query({ gridId: street.properties.id })).filter((h) => h.validTo === null)
    const depts = await admin.department.list.query()
    const to = depts.find((d) => d.id !== current?.departmentId)!
    const validFrom = new Date(Date.now() + 86_400_000).toISOString()
    await admin.holder.assign.mutate({ gridId: street.properties.id, expectedHolderId: current?.id ?? null, departmentId: to.id, cadreName: '审计测试', cadreTitle: '主任', contactName: '联系人', contactPhone: '13800000000', validFrom })
    const { items } = await admin.audit.list.query({ entity: 'grid', entityId: String(street.properties.id) })
    const row = items[0]!
    expect(row.action).toBe('holder.assign')
    expect(row.targetName).toBe(street.properties.name)
    const dept = row.changes.find((c) => c.field === 'departmentName')
    expect(dept).toEqual({ field: 'departmentName', before: current?.departmentName ?? null, after: to.name })
    expect(row.changes.map((c) => c.field)).not.toContain('departmentId')
    expect(row.changes.map((c) => c.field)).not.toContain('version')
  })
})
