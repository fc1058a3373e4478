/**
 * The district filter (区县筛选) of the coverage map, the ranking and the bulletin: a validated
 * area (a district, or a street) and the grids in it, from the grids in force. Whole city: null.
 */
import { badInput } from '../domain/errors.ts'
import { gridsUnder } from '../domain/grid/area.ts'
import type { GridLevel } from '../domain/grid/levels.ts'
import type { CatalogGrid, GridCatalog } from './gridCatalog.ts'

export interface AreaFilter {
  id: number
  code: string
  name: string
  level: GridLevel
  /** the area's grid and every grid below it */
  gridIds: ReadonlySet<number>
}

/** Levels an area filter may name: a district (the screens' choice) or a street. */
const AREA_LEVELS: readonly GridLevel[] = ['district', 'street']

/**
 * The area a read is restricted to: undefined → null (the whole city); otherwise a district or
 * street in force, else BAD_INPUT AREA_NOT_DISTRICT.
 */
export function resolveArea(catalog: GridCatalog, areaId: number | undefined | null): AreaFilter | null {
  if (areaId == null) return null
  const g = catalog.get(areaId)
  if (!g || !AREA_LEVELS.includes(g.level)) throw badInput('所选区域不是现行的区县（或街道）网格', 'AREA_NOT_DISTRICT', { districtId: areaId })
  return { id: g.id, code: g.code, name: g.name, level: g.level, gridIds: gridsUnder(catalog.list(), g.id) }
}

/** Grids (of a level, or all) inside the area; all of them when there is no area. */
export function gridsInArea(catalog: GridCatalog, area: AreaFilter | null, level?: GridLevel): CatalogGrid[] {
  const all = catalog.list(level)
  return area ? all.filter((g) => area.gridIds.has(g.id)) : all
}

/** The districts in force, for the screens' district choice (code order). */
export function districtChoices(catalog: GridCatalog): { id: number; code: string; name: string }[] {
  return catalog.list('district').map((g) => ({ id: g.id, code: g.code, name: g.name }))
}
