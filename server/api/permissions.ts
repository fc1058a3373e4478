/**
 * The permission matrix: which roles may call which procedure. Every procedure of the router
 * must have an entry (a test enumerates the router and fails on a missing one); the
 * procedure itself then checks scope (a department touches only the grids it holds).
 */
export const ROLES = ['leader', 'department', 'planner', 'admin'] as const
export type Role = (typeof ROLES)[number]

const ALL: readonly Role[] = ROLES
export const PUBLIC = 'public' as const

export const PERMISSIONS: Record<string, readonly Role[] | typeof PUBLIC> = {
  'meta.config': PUBLIC,
  'auth.login': PUBLIC,
  'auth.logout': PUBLIC,
  'auth.me': PUBLIC,
  'grid.list': ALL,
  'grid.byId': ALL,
  'grid.locate': ALL,
  'grid.search': ALL,
  'department.list': ALL,
  'department.byId': ALL,
  'problem.categories': ALL,
  'problem.create': ALL,
  'problem.list': ALL, // a department sees its own department's problems only
  'problem.map': ALL,
  'site.list': ALL,
  'inspection.record': ['department', 'admin'], // a department only for the grids it holds
}

export function allowed(path: string, role: Role | null): boolean {
  const rule = PERMISSIONS[path]
  if (rule === undefined) return false // not in the matrix: refused
  if (rule === PUBLIC) return true
  return role !== null && rule.includes(role)
}
