/**
 * Statuses and actions, with their words in both languages and (statuses) their colour: the one
 * source every surface reads (map, legends, chips, tables, exports). The state machines themselves
 * stay in their domain modules; this file only names and colours their values. Pure.
 */
import type { IndicatorStatus } from '../evaluation/schedule.ts'
import type { Readiness } from '../evaluation/readiness.ts'
import type { GridMonthState } from '../inspection/gridMonthStatus.ts'
import type { InspectionStatus } from '../inspection/monthStatus.ts'
import type { ProblemStatus } from '../problem/status.ts'
import type { Lang, Term } from './lang.ts'
import { PALETTE, PROBLEM_STATUS_PALETTE } from './palette.ts'

export interface StatusTerm extends Term {
  readonly colour: string
}

const term = (zh: string, en: string, colour: string): StatusTerm => ({ 'zh-CN': zh, en, colour })
const word = (zh: string, en: string): Term => ({ 'zh-CN': zh, en })

/** Problem states (问题状态, see ../problem/status.ts). */
export const PROBLEM_STATUS: Readonly<Record<ProblemStatus, StatusTerm>> = {
  reported: term('已上报', 'Reported', PROBLEM_STATUS_PALETTE.violet),
  registered: term('已立案', 'Registered', PROBLEM_STATUS_PALETTE.indigo),
  dispatched: term('已派遣', 'Dispatched', PROBLEM_STATUS_PALETTE.sky),
  rectifying: term('整改中', 'Rectifying', PROBLEM_STATUS_PALETTE.orange),
  submitted: term('待核查', 'Submitted', PROBLEM_STATUS_PALETTE.teal),
  closed: term('已结案', 'Closed', PROBLEM_STATUS_PALETTE.leaf),
  voided: term('已作废', 'Voided', PROBLEM_STATUS_PALETTE.stone),
}

/**
 * Problem actions (the workflow's transitions, ../problem/workflow.ts, plus the events that are no
 * transition: report, merge). Events store these names, never the state reached.
 */
export const PROBLEM_ACTION = {
  report: word('上报', 'Report'),
  register: word('立案', 'Register'),
  dispatch: word('派遣', 'Dispatch'),
  accept: word('接收整改', 'Start rectifying'),
  submit: word('提交整改', 'Submit as fixed'),
  verifyPass: word('核查通过', 'Verify: pass'),
  verifyFail: word('返工', 'Verify: rework'),
  void: word('作废', 'Void'),
  reassign: word('改派', 'Reassign'),
  requestExtension: word('申请延期', 'Request extension'),
  decideExtension: word('审批延期', 'Decide extension'),
  merge: word('合并', 'Merge'),
  mergedFrom: word('合并来源', 'Merged from'),
  requestMerge: word('申请合并', 'Request merge'),
  unmerge: word('撤销合并', 'Undo merge'),
  unmergedFrom: word('撤销合并来源', 'Merge undone from'),
  return: word('退单', 'Return (misrouted)'),
  ruleReturn: word('退单裁定', 'Rule on return'),
  reopen: word('回访重办', 'Reopen after follow-up'),
} as const satisfies Record<string, Term>
export type ProblemActionName = keyof typeof PROBLEM_ACTION

/**
 * A grid's month (网格月度检查状态): the monthly duty's values (../inspection/monthStatus.ts) plus
 * `unheld` (nobody holds the grid) and `unverified` (inspected, but not proven on site).
 */
export const GRID_MONTH_STATUSES = ['done', 'unverified', 'pending', 'missed', 'unheld'] as const
export type GridMonthStatus = (typeof GRID_MONTH_STATUSES)[number]
export const GRID_MONTH_STATUS: Readonly<Record<GridMonthStatus | InspectionStatus, StatusTerm>> = {
  done: term('已检查', 'Inspected', PALETTE.green),
  unverified: term('未核实', 'Unverified', PALETTE.ochre),
  pending: term('未检查', 'Not yet', PALETTE.amber),
  missed: term('漏检', 'Missed', PALETTE.red),
  unheld: term('无包抓单位', 'No holder', PALETTE.grey),
}

/**
 * The vocabulary key of a grid-month state (gridMonthStatus): `noHolder` — and any state of a grid
 * nobody holds at the moment shown (`held` false) — is shown as `unheld`.
 */
export function gridMonthKey(state: GridMonthState | InspectionStatus, held = true): GridMonthStatus {
  return state === 'noHolder' || !held ? 'unheld' : state
}

/** Evaluation-site readiness (测评点位达标情况, ../evaluation/readiness.ts). */
export const READINESS: Readonly<Record<Readiness, StatusTerm>> = {
  ready: term('达标', 'Ready', PALETTE.green),
  at_risk: term('待整改', 'At risk', PALETTE.amber),
  not_ready: term('未达标', 'Not ready', PALETTE.crimson),
  unassessed: term('未测评', 'Not assessed', PALETTE.grey),
}

/** Evaluation indicator progress (测评指标状态, ../evaluation/schedule.ts). */
export const INDICATOR_STATUS: Readonly<Record<IndicatorStatus, StatusTerm>> = {
  on_track: term('正常推进', 'On track', PALETTE.green),
  at_risk: term('有风险', 'At risk', PALETTE.amber),
  overdue: term('已超期', 'Overdue', PALETTE.crimson),
  done: term('已完成', 'Done', PALETTE.blue),
}

/** Every status family, for legends, tests and lookups by name. */
export const STATUS_FAMILIES = {
  problem: PROBLEM_STATUS,
  gridMonth: GRID_MONTH_STATUS,
  readiness: READINESS,
  indicator: INDICATOR_STATUS,
} as const
export type StatusFamily = keyof typeof STATUS_FAMILIES

/** Colours of a family by status, e.g. colours('gridMonth').done. */
export function colours<F extends StatusFamily>(family: F): Record<keyof (typeof STATUS_FAMILIES)[F], string> {
  return Object.fromEntries(Object.entries(STATUS_FAMILIES[family]).map(([k, v]) => [k, (v as StatusTerm).colour])) as Record<keyof (typeof STATUS_FAMILIES)[F], string>
}

/** The word for a status of a family; an unknown value is shown as it is. */
export function statusLabel(family: StatusFamily, status: string, lang: Lang): string {
  const t = (STATUS_FAMILIES[family] as Record<string, StatusTerm | undefined>)[status]
  return t ? t[lang] : status
}

/** The colour of a status of a family; `fallback` for an unknown value. */
export function statusColour(family: StatusFamily, status: string, fallback: string = PALETTE.grey): string {
  return (STATUS_FAMILIES[family] as Record<string, StatusTerm | undefined>)[status]?.colour ?? fallback
}

/** The word for a problem action; an unknown action as it is. */
export function actionLabel(action: string, lang: Lang): string {
  return (PROBLEM_ACTION as Record<string, Term | undefined>)[action]?.[lang] ?? action
}
