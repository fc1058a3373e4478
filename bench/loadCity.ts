/**
 * Loads the synthetic city (bench/syntheticCity.ts) into an empty, migrated GridDuty database:
 * the demo's departments, categories and users, n community grids (单元网格 stand-ins) under a
 * coarse street layer, holders for most grids (10% left unheld), and this month's inspections for
 * about a third of the held grids — enough for grid.list / grid.status to show every status.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { hashPassword } from '../server/auth/password.ts'
import type { Db } from '../server/db/client.ts'
import { geometryArea, geometryBbox } from '../server/domain/geometry/validate.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { monthOf, monthRange } from '../server/domain/time.ts'
import { syntheticCity } from './syntheticCity.ts'

const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data/demo')
const read = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(demoDir, file), 'utf8')) as T

export interface LoadedCity { grids: number; streets: number; holders: number; inspections: number; departmentIds: number[]; ms: number }

/** Users get the demo logins with password = login + '123' (only leader and two departments: hashing is slow). */
export async function loadSyntheticCity(db: Db, n: number, seed = 20260101, now = new Date()): Promise<LoadedCity> {
  const t0 = performance.now()
  const city = syntheticCity(n, seed)
  const streets = syntheticCity(Math.max(4, Math.round(n / 250)), seed + 1)
  const departments = read<{ name: string; shortName: string; contactPerson: string; phone: string }[]>('departments.json')
  const categories = read<{ code: string; name: string; group: string; kind: string; deadlineDays: number }[]>('categories.json')
  const users = read<{ login: string; displayName: string; role: string; department: string | null }[]>('users.json').filter((u) => ['leader', 'admin', 'rfb', 'cgj'].includes(u.login))
  const hashes = await Promise.all(users.map((u) => hashPassword(`${u.login}123`)))
  const rand = mulberry32(seed + 2)
  const month = monthOf(now)
  const { start } = monthRange(month)
  const validFrom = new Date(start.getTime() - 400 * 86_400_000)

  const out = await db.$transaction(async (tx) => {
    await tx.problemCategory.createMany({ data: categories })
    const depts = await tx.department.createManyAndReturn({ data: departments })
    const deptId = new Map(depts.map((d) => [d.name, d.id]))
    const userRows = await tx.user.createManyAndReturn({ data: users.map((u, i) => ({
      login: u.login, passwordHash: hashes[i]!, displayName: u.displayName, role: u.role, departmentId: u.department ? deptId.get(u.department) ?? null : null,
    })) })
    const gridRow = (code: string, name: string, level: string, geometry: GeoJSON.Polygon) => {
      const [minLng, minLat, maxLng, maxLat] = geometryBbox(geometry)
      return { code, name, level, geometry: JSON.stringify(geometry), minLng, minLat, maxLng, maxLat, area: geometryArea(geometry) }
    }
    await tx.grid.createMany({ data: streets.grids.map((g, i) => gridRow(`610302${String(i + 1).padStart(3, '0')}000`, `合成街道${i + 1}`, 'street', g.geometry)) })
    const BATCH = 1000
    const ids: number[] = []
    for (let i = 0; i < city.grids.length; i += BATCH) {
      const rows = await tx.grid.createManyAndReturn({
        data: city.grids.slice(i, i + BATCH).map((g, k) => gridRow(`610399${String(i + k + 1).padStart(6, '0')}`, `单元网格${i + k + 1}`, 'community', g.geometry)),
        select: { id: true },
      })
      ids.push(...rows.map((r) => r.id))
    }
    const holders = [], inspections = []
    const creator = userRows.find((u) => u.role === 'admin')!.id
    for (const gridId of ids) {
      if (rand() < 0.1) continue // unheld
      const departmentId = depts[Math.floor(rand() * depts.length)]!.id
      holders.push({ gridId, departmentId, cadreName: '合成干部', cadreTitle: '副局长', contactName: '联系人', contactPhone: '13800000000', validFrom, validTo: null })
      const day = Math.floor(rand() * 28)
      const date = new Date(start.getTime() + day * 86_400_000 + 10 * 3600_000)
      if (rand() < 0.35 && date < now) inspections.push({ gridId, departmentId, date, month, inspector: '合成检查员', findings: '', onSite: true, createdById: creator })
    }
    for (let i = 0; i < holders.length; i += 5000) await tx.gridHolder.createMany({ data: holders.slice(i, i + 5000) })
    for (let i = 0; i < inspections.length; i += 5000) await tx.inspection.createMany({ data: inspections.slice(i, i + 5000) })
    return { grids: ids.length, streets: streets.grids.length, holders: holders.length, inspections: inspections.length, departmentIds: depts.map((d) => d.id) }
  }, { timeout: 600_000, maxWait: 60_000 })
  return { ...out, ms: performance.now() - t0 }
}
