/**
 * Problem states, after the GB/T 30428 digital urban-management loop:
 * reported 上报 → registered 立案 → dispatched 派遣 → rectifying 整改中 → submitted 已提交整改
 * → closed 结案 (check passed), or back to rectifying (返工); voided 作废 at any open step.
 * The transitions themselves live in ./workflow.ts.
 */
export const PROBLEM_STATUSES = ['reported', 'registered', 'dispatched', 'rectifying', 'submitted', 'closed', 'voided'] as const
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number]

export const OPEN_STATUSES: readonly ProblemStatus[] = ['reported', 'registered', 'dispatched', 'rectifying', 'submitted']

export function isOpen(status: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status)
}

/** Overdue (超期): still open after its deadline. */
export function isOverdue(p: { status: string; deadline: Date | null }, now: Date): boolean {
  return isOpen(p.status) && p.deadline !== null && p.deadline.getTime() < now.getTime()
}
