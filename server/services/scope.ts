/**
 * The department scope, written once: a department user reads and writes its own department's
 * records only; leaders, planners and admins see every department. Routers get it as `ctx.scope`
 * from `scopedProcedure` (server/api/trpc.ts); services take it (or the user) as an argument.
 */
import { forbidden } from '../domain/errors.ts'
import type { SessionUser } from '../domain/user.ts'

export interface Scope {
  /** the one department this user is confined to (-1 for a department user without one), or null: all */
  readonly own: number | null
  /**
   * The department a read is filtered by: a department user's own (asking for another is FORBIDDEN
   * NOT_YOUR_DEPARTMENT); others get what they asked for (undefined: all).
   */
  department(requested?: number, message?: string): number | undefined
  /** A Prisma where-fragment on `departmentId`: {} when the user sees all. */
  where(): { departmentId?: number }
  /** Whether a record of this department is visible to the user. */
  sees(departmentId: number | null | undefined): boolean
  /** Throws FORBIDDEN NOT_YOUR_DEPARTMENT unless the record is the user's department's. */
  assert(record: { departmentId: number | null }, message?: string, appCode?: string): void
}

export function departmentScope(user: Pick<SessionUser, 'role' | 'departmentId'> | null): Scope {
  const own = user?.role === 'department' ? (user.departmentId ?? -1) : null
  return {
    own,
    department(requested, message = '只能查看本部门的数据') {
      if (own === null) return requested
      if (requested !== undefined && requested !== own) throw forbidden(message, 'NOT_YOUR_DEPARTMENT')
      return own
    },
    where: () => (own === null ? {} : { departmentId: own }),
    sees: (departmentId) => own === null || departmentId === own,
    assert(record, message = '该记录不属于本部门', appCode = 'NOT_YOUR_DEPARTMENT') {
      if (own !== null && record.departmentId !== own) throw forbidden(message, appCode)
    },
  }
}
