/** Who is asking: the roles and the signed-in user every layer reasons about (pure types, no I/O). */
export const ROLES = ['leader', 'department', 'planner', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface SessionUser {
  id: number
  login: string
  displayName: string
  role: Role
  departmentId: number | null
  /** the department's name when the session lookup read it (shown by auth.me); absent otherwise */
  departmentName?: string | null
}
