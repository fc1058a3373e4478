/**
 * The problem workflow (闭环): which action may move a problem from which state, by whom,
 * and what it changes. Pure: `applyTransition` takes the problem, the action, the actor and
 * the instant and returns the new fields plus the event to record, or a typed refusal with a
 * stable code. No database, no http.
 *
 *   reported ─register→ registered ─dispatch→ dispatched ─accept→ rectifying ─submit→ submitted
 *   submitted ─verifyPass→ closed        submitted ─verifyFail→ rectifying (返工, reworkCount+1)
 *   any open ─void→ voided               any open ─reassign→ (same state; back to dispatched
 *                                         when the department was already working on it)
 *   dispatched|rectifying ─requestExtension→ (pending request)  ─decideExtension→ deadline moved
 *   any open ─merge→ voided (linked to the target; leadership only; same category, within
 *                     PROBLEM_DUPLICATE_M, both open)      any open ─requestMerge→ (pending request,
 *                     by the department; the leadership confirms it with `merge`)
 *   voided (merged) ─unmerge→ the status it had before the merge (leadership)
 *   dispatched ─return→ (pending 退单, within RETURN_WINDOW_HOURS working hours of dispatch, by the
 *                     handling department) ─ruleReturn→ reassigned (dispatched afresh to the new
 *                     department) or rejected (back to the department, deadline unchanged) — leadership
 *   closed ─reopen→ rectifying (an unsatisfied 回访: reopenCount+1, a fresh limit; leadership; through
 *                     followUp.record, not problem.transition)
 */
import { addWorkingHours, bundledCalendar, CATEGORY_LIMITS, deadlineFor, type CategoryLimit, type HolidayCalendar } from '../calendar/workingDays.ts'

/** The bundled holiday calendar (years without data: Monday–Friday), for callers without the database's. */
export const BUNDLED_CALENDAR: HolidayCalendar = bundledCalendar({ missingYear: 'weekendsOnly' })
import { PROBLEM_ACTION, PROBLEM_STATUS } from '../vocabulary/status.ts'
import { OPEN_STATUSES, type ProblemStatus } from './status.ts'

export type ActorRole = 'leader' | 'department' | 'planner' | 'admin'
export interface Actor { id: number; role: ActorRole; departmentId: number | null }

/** Who may take an action: the leadership (leader/admin), or the department the problem is assigned to (or admin). */
export type ActorKind = 'lead' | 'department'

export const PRIORITIES = ['normal', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]

/** What the workflow needs to know about a problem. */
export interface WorkflowProblem {
  status: string
  departmentId: number | null
  gridId: number | null
  priority: string
  deadline: Date | null
  /** the category's time limit (处置时限): working days, or hours when urgent */
  limit: CategoryLimit
  reworkCount: number
  extensionCount: number
  /** the pending extension request, if any */
  pendingExtension: { newDeadline: Date } | null
  /** for merges: the problem's category, the problem it was merged into */
  categoryCode?: string
  mergedIntoId?: number | null
  /** for 退单: when it was dispatched, and whether a return waits for a ruling */
  dispatchedAt?: Date | null
  pendingReturn?: boolean
  /** times reopened after an unsatisfied 回访 */
  reopenCount?: number
}

/** The other problem of a merge, as the merge rule needs it. */
export interface MergeTarget {
  id: number
  status: string
  categoryCode: string
  mergedIntoId: number | null
  /** metres between the two problems */
  distanceM: number
  /** the largest distance a duplicate may be away (PROBLEM_DUPLICATE_M) */
  maxDistanceM: number
}

export type WorkflowAction =
  | { type: 'register'; note?: string }
  | { type: 'dispatch'; note?: string; departmentId?: number }
  | { type: 'accept'; note?: string }
  | { type: 'submit'; note?: string; photoIds?: number[] }
  | { type: 'verifyPass'; note?: string }
  | { type: 'verifyFail'; note?: string }
  | { type: 'void'; note?: string }
  | { type: 'reassign'; note?: string; gridId?: number | null; departmentId: number | null }
  | { type: 'requestExtension'; note?: string; newDeadline: Date }
  | { type: 'decideExtension'; note?: string; approve: boolean }
  | { type: 'merge'; note?: string; into: MergeTarget }
  | { type: 'requestMerge'; note?: string; into: MergeTarget }
  | { type: 'unmerge'; note?: string; restoreTo: ProblemStatus }
  | { type: 'return'; note?: string; suggestedDepartmentId: number | null; windowHours: number }
  | { type: 'ruleReturn'; note?: string; decision: 'reassign' | 'reject'; departmentId?: number | null }
  | { type: 'reopen'; note?: string }

export type ActionType = WorkflowAction['type']

interface Rule {
  /** states the action may start from */
  from: readonly ProblemStatus[]
  /** the state it leads to; null = unchanged */
  to: ProblemStatus | null
  by: ActorKind
  /** a note (reason) is required */
  needsNote: boolean
  /** its words: ../vocabulary/status.ts */
  label: { 'zh-CN': string; en: string }
}

const OPEN = OPEN_STATUSES

/** The transitions, as data. */
export const TRANSITIONS: Record<ActionType, Rule> = {
  register: { from: ['reported'], to: 'registered', by: 'lead', needsNote: false, label: PROBLEM_ACTION.register },
  dispatch: { from: ['registered'], to: 'dispatched', by: 'lead', needsNote: false, label: PROBLEM_ACTION.dispatch },
  accept: { from: ['dispatched'], to: 'rectifying', by: 'department', needsNote: false, label: PROBLEM_ACTION.accept },
  submit: { from: ['rectifying'], to: 'submitted', by: 'department', needsNote: true, label: PROBLEM_ACTION.submit },
  verifyPass: { from: ['submitted'], to: 'closed', by: 'lead', needsNote: false, label: PROBLEM_ACTION.verifyPass },
  verifyFail: { from: ['submitted'], to: 'rectifying', by: 'lead', needsNote: true, label: PROBLEM_ACTION.verifyFail },
  void: { from: OPEN, to: 'voided', by: 'lead', needsNote: true, label: PROBLEM_ACTION.void },
  reassign: { from: OPEN, to: null, by: 'lead', needsNote: true, label: PROBLEM_ACTION.reassign },
  requestExtension: { from: ['dispatched', 'rectifying'], to: null, by: 'department', needsNote: true, label: PROBLEM_ACTION.requestExtension },
  decideExtension: { from: ['dispatched', 'rectifying', 'submitted'], to: null, by: 'lead', needsNote: false, label: PROBLEM_ACTION.decideExtension },
  merge: { from: OPEN, to: 'voided', by: 'lead', needsNote: false, label: PROBLEM_ACTION.merge },
  requestMerge: { from: OPEN, to: null, by: 'department', needsNote: false, label: PROBLEM_ACTION.requestMerge },
  unmerge: { from: ['voided'], to: null, by: 'lead', needsNote: false, label: PROBLEM_ACTION.unmerge },
  return: { from: ['dispatched'], to: null, by: 'department', needsNote: true, label: PROBLEM_ACTION.return },
  ruleReturn: { from: ['dispatched'], to: null, by: 'lead', needsNote: false, label: PROBLEM_ACTION.ruleReturn },
  reopen: { from: ['closed'], to: 'rectifying', by: 'lead', needsNote: true, label: PROBLEM_ACTION.reopen },
}

/** The merge actions need a second problem: they go through problem.merge / problem.unmerge, not problem.transition. */
export const MERGE_ACTION_TYPES = ['merge', 'requestMerge', 'unmerge'] as const satisfies readonly ActionType[]
/** 退单 and its ruling need their own inputs: they go through problem.return / problem.ruleReturn. */
export const RETURN_ACTION_TYPES = ['return', 'ruleReturn'] as const satisfies readonly ActionType[]
/** Actions taken only through their own procedure (merges; 退单 and its ruling; reopen: followUp.record after an unsatisfied 回访). */
export const SPECIAL_ACTION_TYPES = [...MERGE_ACTION_TYPES, ...RETURN_ACTION_TYPES, 'reopen'] as const satisfies readonly ActionType[]
/** The single-problem actions (problem.transition and the action buttons). */
export type PlainActionType = Exclude<ActionType, (typeof SPECIAL_ACTION_TYPES)[number]>
export const ACTION_TYPES = (Object.keys(TRANSITIONS) as ActionType[]).filter((t) => !(SPECIAL_ACTION_TYPES as readonly string[]).includes(t)) as PlainActionType[]

export type RefusalCode =
  | 'ILLEGAL_TRANSITION' | 'ROLE_FORBIDDEN' | 'NOT_YOUR_DEPARTMENT' | 'NOTE_REQUIRED'
  | 'NO_DEPARTMENT' | 'BAD_DEADLINE' | 'EXTENSION_PENDING' | 'NO_PENDING_EXTENSION' | 'SAME_ASSIGNMENT'
  | 'MERGE_SELF' | 'MERGE_CATEGORY' | 'MERGE_TOO_FAR' | 'MERGE_TARGET_CLOSED' | 'NOT_MERGED'
  | 'RETURN_WINDOW_CLOSED' | 'RETURN_PENDING' | 'NO_PENDING_RETURN' | 'RETURN_SAME_DEPARTMENT'

export interface Refusal { ok: false; code: RefusalCode; message: string }

export interface TransitionResult {
  ok: true
  /** fields of the problem to update (status included when it changes) */
  changes: {
    status?: ProblemStatus
    departmentId?: number | null
    gridId?: number | null
    deadline?: Date | null
    dispatchedAt?: Date
    closedAt?: Date | null
    reworkCount?: number
    extensionCount?: number
    mergedIntoId?: number | null
    mergeRequestIntoId?: number | null
    reopenCount?: number
  }
  event: { action: ActionType; fromStatus: string; toStatus: string; note: string; targetProblemId?: number }
  /** an extension request to record / the decision on the pending one */
  extension?: { kind: 'request'; newDeadline: Date } | { kind: 'decision'; approved: boolean }
  /** a 退单 to record / the ruling on the pending one */
  returned?: { kind: 'request'; suggestedDepartmentId: number | null } | { kind: 'ruling'; decision: 'reassign' | 'reject'; departmentId: number | null }
}

const refuse = (code: RefusalCode, message: string): Refusal => ({ ok: false, code, message })

/** Which actions this actor could take on this problem now (for the UI's buttons). */
export function availableActions(problem: WorkflowProblem, actor: Actor): PlainActionType[] {
  return ACTION_TYPES.filter((type) => {
    const rule = TRANSITIONS[type]
    if (!rule.from.includes(problem.status as ProblemStatus)) return false
    if (authorize(rule, problem, actor)) return false
    if (type === 'requestExtension' && problem.pendingExtension) return false
    if (type === 'decideExtension' && !problem.pendingExtension) return false
    if (type === 'accept' && problem.pendingReturn) return false
    return true
  })
}

function authorize(rule: Rule, problem: WorkflowProblem, actor: Actor): Refusal | null {
  if (actor.role === 'admin') return null
  if (rule.by === 'lead') {
    return actor.role === 'leader' ? null : refuse('ROLE_FORBIDDEN', `只有文明办领导或管理员可以${rule.label['zh-CN']}`)
  }
  if (actor.role !== 'department') return refuse('ROLE_FORBIDDEN', `只有责任部门可以${rule.label['zh-CN']}`)
  if (actor.departmentId === null || actor.departmentId !== problem.departmentId) {
    return refuse('NOT_YOUR_DEPARTMENT', '该问题不属于本部门')
  }
  return null
}

/** Apply an action: the new fields and the event, or why it is refused. */
export function applyTransition(problem: WorkflowProblem, action: WorkflowAction, actor: Actor, now: Date, calendar: HolidayCalendar = BUNDLED_CALENDAR): TransitionResult | Refusal {
  const rule = TRANSITIONS[action.type]
  if (!rule) return refuse('ILLEGAL_TRANSITION', '未知的操作')
  const from = problem.status
  if (!rule.from.includes(from as ProblemStatus)) {
    return refuse('ILLEGAL_TRANSITION', `问题当前状态为「${PROBLEM_STATUS[from as ProblemStatus]?.['zh-CN'] ?? from}」，不能${rule.label['zh-CN']}`)
  }
  const denied = authorize(rule, problem, actor)
  if (denied) return denied
  const note = (action.note ?? '').trim()
  if (rule.needsNote && !note) return refuse('NOTE_REQUIRED', `${rule.label['zh-CN']}需要填写说明（理由）`)
  const to = rule.to ?? (from as ProblemStatus)
  const ok = (changes: TransitionResult['changes'], extra: Partial<TransitionResult> = {}, toStatus: string = to, targetProblemId?: number): TransitionResult => ({
    ok: true, changes, event: { action: action.type, fromStatus: from, toStatus, note, ...(targetProblemId !== undefined ? { targetProblemId } : {}) }, ...extra,
  })

  switch (action.type) {
    case 'register':
      return ok({ status: 'registered' })
    case 'dispatch': {
      const departmentId = action.departmentId ?? problem.departmentId
      if (departmentId == null) return refuse('NO_DEPARTMENT', '该问题没有责任部门，请先改派到一个部门')
      // the time limit runs from dispatch (GB/T 30428): the category's working days, or hours when urgent
      return ok({ status: 'dispatched', departmentId, dispatchedAt: now, deadline: problemDeadline(now, problem.limit, problem.priority, calendar) })
    }
    case 'accept':
      if (problem.pendingReturn) return refuse('RETURN_PENDING', '该问题的退单正待裁定，裁定后再接收')
      return ok({ status: 'rectifying' })
    case 'submit':
      return ok({ status: 'submitted' })
    case 'verifyPass':
      return ok({ status: 'closed', closedAt: now })
    case 'verifyFail': {
      // 返工: the department gets at least a fresh limit from now; an earlier deadline still running is kept
      const fresh = problemDeadline(now, problem.limit, problem.priority, calendar)
      const deadline = problem.deadline && problem.deadline > fresh ? problem.deadline : fresh
      return ok({ status: 'rectifying', reworkCount: problem.reworkCount + 1, deadline })
    }
    case 'void':
      return ok({ status: 'voided', closedAt: null })
    case 'reassign': {
      const gridId = action.gridId === undefined ? problem.gridId : action.gridId
      if (action.departmentId === problem.departmentId && gridId === problem.gridId) return refuse('SAME_ASSIGNMENT', '改派的网格和部门与当前相同')
      // a department already working on it hands over: the new one must accept it afresh
      const status: ProblemStatus = action.departmentId !== problem.departmentId && (from === 'rectifying' || from === 'submitted') ? 'dispatched' : (from as ProblemStatus)
      const changes: TransitionResult['changes'] = { departmentId: action.departmentId, gridId }
      if (status !== from) { changes.status = status; changes.dispatchedAt = now }
      return ok(changes, {}, status)
    }
    case 'requestExtension': {
      if (problem.pendingExtension) return refuse('EXTENSION_PENDING', '已有一个待审批的延期申请')
      if (action.newDeadline.getTime() <= Math.max(now.getTime(), problem.deadline?.getTime() ?? 0)) {
        return refuse('BAD_DEADLINE', '新的期限必须晚于当前期限和当前时间')
      }
      return ok({}, { extension: { kind: 'request', newDeadline: action.newDeadline } })
    }
    case 'decideExtension': {
      const pending = problem.pendingExtension
      if (!pending) return refuse('NO_PENDING_EXTENSION', '没有待审批的延期申请')
      if (!action.approve) return ok({}, { extension: { kind: 'decision', approved: false } })
      return ok({ deadline: pending.newDeadline, extensionCount: problem.extensionCount + 1 }, { extension: { kind: 'decision', approved: true } })
    }
    case 'merge':
    case 'requestMerge': {
      const refusal = mergeRefusal(problem, action.into)
      if (refusal) return refusal
      const defaultNote = note || `合并到 #${action.into.id}`
      const done = action.type === 'merge'
        ? ok({ status: 'voided', mergedIntoId: action.into.id, mergeRequestIntoId: null, closedAt: null }, {}, 'voided', action.into.id)
        : ok({ mergeRequestIntoId: action.into.id }, {}, from, action.into.id)
      if (done.ok) done.event.note = defaultNote
      return done
    }
    case 'return': {
      if (problem.pendingReturn) return refuse('RETURN_PENDING', '该问题已退单，正待裁定')
      if (action.suggestedDepartmentId !== null && action.suggestedDepartmentId === problem.departmentId) return refuse('RETURN_SAME_DEPARTMENT', '建议的部门就是本部门')
      const end = returnWindowEnd(problem.dispatchedAt ?? null, action.windowHours, calendar)
      if (end === null || now.getTime() > end.getTime()) return refuse('RETURN_WINDOW_CLOSED', `已超过退单时限（派遣后 ${action.windowHours} 个工作小时），不能退单`)
      return ok({}, { returned: { kind: 'request', suggestedDepartmentId: action.suggestedDepartmentId } })
    }
    case 'ruleReturn': {
      if (!problem.pendingReturn) return refuse('NO_PENDING_RETURN', '没有待裁定的退单')
      if (action.decision === 'reject') return ok({}, { returned: { kind: 'ruling', decision: 'reject', departmentId: problem.departmentId } })
      const departmentId = action.departmentId ?? null
      if (departmentId === null || departmentId === problem.departmentId) return refuse('RETURN_SAME_DEPARTMENT', '改派需要指定另一个部门')
      // the new department gets the problem dispatched afresh: its time limit runs from now
      return ok({ departmentId, dispatchedAt: now, deadline: problemDeadline(now, problem.limit, problem.priority, calendar) },
        { returned: { kind: 'ruling', decision: 'reassign', departmentId } })
    }
    case 'reopen':
      // 回访不满意: back to the department with a fresh limit from now, counted
      return ok({ status: 'rectifying', closedAt: null, reopenCount: (problem.reopenCount ?? 0) + 1, deadline: problemDeadline(now, problem.limit, problem.priority, calendar) })
    case 'unmerge': {
      if (!problem.mergedIntoId) return refuse('NOT_MERGED', '该问题不是因合并而作废的，不能撤销合并')
      if (!OPEN.includes(action.restoreTo)) return refuse('ILLEGAL_TRANSITION', '只能恢复到未结案状态')
      return ok({ status: action.restoreTo, mergedIntoId: null }, {}, action.restoreTo, problem.mergedIntoId)
    }
  }
}


/**
 * The end of the 退单 window: `hours` working hours after dispatch, counting the whole of every working
 * day of the holiday calendar (weekends and holidays do not count). Null when never dispatched.
 */
export function returnWindowEnd(dispatchedAt: Date | null, hours: number, calendar: HolidayCalendar = BUNDLED_CALENDAR): Date | null {
  if (!dispatchedAt) return null
  return addWorkingHours(dispatchedAt, hours, calendar, { mode: 'office', officeHours: [0, 24] }).deadline
}

/** Why two problems may not be merged (null = they may): both open, not merged, same category, near enough. */
export function mergeRefusal(problem: WorkflowProblem, into: MergeTarget): Refusal | null {
  if (problem.mergedIntoId) return refuse('ILLEGAL_TRANSITION', '该问题已被合并')
  if (!OPEN.includes(into.status as ProblemStatus) || into.mergedIntoId !== null) return refuse('MERGE_TARGET_CLOSED', '只能合并到一个未结案、未被合并的问题')
  if (problem.categoryCode !== undefined && problem.categoryCode !== into.categoryCode) return refuse('MERGE_CATEGORY', '只能合并同一类别的问题')
  if (into.distanceM > into.maxDistanceM) {
    return refuse('MERGE_TOO_FAR', `两个问题相距 ${Math.round(into.distanceM)} 米，超过重复问题的范围（${into.maxDistanceM} 米）`)
  }
  return null
}


/**
 * A category's time limit (处置时限): the bundled data/calendar/category-limits.json by code; a category
 * that exists only in the database counts its `deadlineDays` as working days, urgent 24 h for 部件 and
 * 4 h for 事件 (the bundled file's defaults).
 */
export function categoryLimit(category: { code: string; deadlineDays: number; kind?: string }): CategoryLimit {
  const bundled = Object.hasOwn(CATEGORY_LIMITS, category.code) ? CATEGORY_LIMITS[category.code] : undefined
  if (bundled) return { normal: bundled.normal, urgent: bundled.urgent }
  return { normal: { workingDays: Math.max(1, Math.round(category.deadlineDays)) }, urgent: { hours: category.kind === '部件' ? 24 : 4 } }
}

/**
 * The deadline of a problem whose limit starts at `start` (report, dispatch or rework), on the holiday
 * calendar: normal — the end (23:59:59.999 Beijing) of the Nth working day after the start day;
 * urgent — the limit's hours later, around the clock. See `deadlineFor` (domain/calendar/workingDays.ts).
 */
export function problemDeadline(start: Date, limit: CategoryLimit, priority: string, calendar: HolidayCalendar): Date {
  return deadlineFor(limit, start, priority === 'urgent', calendar).deadline
}
