/**
 * Reading figures for part of the city (a district, or a street): the grids under a root grid, and
 * the ranking's rows restricted to them. Pure.
 *
 * What counts for an area: grid-months of the grids in it (the root itself, its streets, their
 * communities), problems and 退单 whose grid is in it, and the coordination meetings (协调会) of the
 * departments that hold a grid in it during the range — meetings are a department's, not a place's,
 * so they are not split between districts (a department holding grids in two districts counts its
 * meeting in both). Problems outside every grid (gridId null) count for the whole city only.
 */
import type { RankingInput } from '../inspection/ranking.ts'

export interface TreeGrid { id: number; parentId: number | null }

/** The root and every grid below it (children, grandchildren, …). */
export function gridsUnder(grids: readonly TreeGrid[], rootId: number): Set<number> {
  const children = new Map<number, number[]>()
  for (const g of grids) if (g.parentId !== null) (children.get(g.parentId) ?? children.set(g.parentId, []).get(g.parentId)!).push(g.id)
  const out = new Set<number>([rootId])
  const todo = [rootId]
  while (todo.length) for (const c of children.get(todo.pop()!) ?? []) if (!out.has(c)) { out.add(c); todo.push(c) }
  return out
}

type WithGrid = { gridId?: number | null }

/** The ranking input of an area: rows of its grids only (see the header for meetings). */
export function restrictRankingInput<I extends RankingInput>(input: I, area: ReadonlySet<number>): I {
  const inArea = (r: WithGrid) => r.gridId != null && area.has(r.gridId)
  const holdings = input.holdings.filter((h) => area.has(h.gridId))
  const holders = new Set(holdings.map((h) => h.departmentId))
  return {
    ...input,
    holdings,
    inspections: input.inspections.filter((i) => area.has(i.gridId)),
    meetings: input.meetings.filter((m) => holders.has(m.departmentId)),
    problems: input.problems.filter((p) => inArea(p as WithGrid)),
    returns: input.returns?.filter((r) => inArea(r as WithGrid)),
  }
}
