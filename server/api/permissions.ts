/**
 * The permission matrix: which roles may call which procedure. Every procedure of the router
 * must have an entry (a test enumerates the router and fails on a missing one); the
 * procedure itself then checks scope (a department touches only the grids it holds).
 */
import { ROLES, type Role } from '../domain/user.ts'

export { ROLES, type Role }

const ALL: readonly Role[] = ROLES
export const PUBLIC = 'public' as const

export const PERMISSIONS: Record<string, readonly Role[] | typeof PUBLIC> = {
  'meta.config': PUBLIC,
  'meta.patrol': ALL, // patrol-track sampling settings for the inspection form
  'auth.login': PUBLIC,
  'auth.logout': PUBLIC,
  'auth.me': PUBLIC,
  'grid.list': ALL,
  'grid.status': ALL,
  'grid.labels': ALL,
  'grid.byId': ALL,
  'grid.locate': ALL,
  'grid.search': ALL,
  'department.list': ALL,
  'department.byId': ALL,
  'problem.categories': ALL,
  'problem.create': ALL,
  'problem.list': ALL, // a department sees its own department's problems only
  'problem.map': ALL,
  'problem.mapInfo': ALL,
  'problem.byId': ALL, // a department only its own department's problems
  'problem.transition': ['leader', 'department', 'admin'], // the workflow decides who may take which action
  'problem.decideExtension': ['leader', 'admin'],
  'problem.duplicates': ALL,
  'problem.merge': ['leader', 'department', 'admin'], // a department only requests, for its own problem; the leadership merges
  'problem.unmerge': ['leader', 'admin'],
  'problem.measures': ALL, // a department sees its own figures only
  'problem.imports': ['leader', 'admin'], // also who may POST /api/import/problems
  'site.list': ALL,
  'inspection.record': ['department', 'admin'], // a department only for the grids it holds
  'inspection.listForMonth': ALL, // a department sees its own department's inspections only
  'inspection.notOnSite': ['leader', 'admin'],
  'inspection.approveLate': ['leader', 'admin'], // 补录 approval (audited)
  'inspection.track': ALL, // a department reads its own department's tracks only
  'inspection.latestTrack': ALL, // a department sees its own department's tracks only
  'theme.get': ALL,
  'theme.set': ['admin'],
  'meeting.record': ['department', 'admin'], // a department only for itself
  'meeting.list': ALL, // a department sees its own meetings only
  'workspace.mine': ['department', 'leader', 'admin'], // a department its own; leaders/admins name one
  'stats.departmentRanking': ['leader', 'admin'],
  'stats.trend': ['leader', 'admin'],
  'stats.coverage': ['leader', 'admin', 'planner'],
  'stats.drillDown': ['leader', 'admin'],
  'stats.integrity': ['leader', 'admin'],
  'calendar.list': ALL,
  'calendar.set': ['admin'],
  'calendar.remove': ['admin'],
  'calendar.setYear': ['admin'],
  'report.monthlyBulletin': ['leader', 'admin'],
  'report.publishBulletin': ['leader', 'admin'],
  'department.create': ['admin'],
  'department.update': ['admin'],
  'user.list': ['admin'],
  'user.create': ['admin'],
  'user.update': ['admin'],
  'holder.history': ['admin'],
  'holder.assign': ['admin'],
  'holder.bulkAssign': ['admin'],
  'holder.register': ['admin'], // also who may POST /api/import/register and GET /api/register/export
  'audit.list': ['leader', 'admin'],
  // evaluation (测评): a department sees and reports progress on its own indicators and sites only
  'indicator.list': ALL,
  'indicator.byId': ALL,
  'indicator.export': ALL,
  'indicator.import': ['leader', 'admin'],
  'indicator.update': ['leader', 'admin'],
  'indicator.milestoneUpdate': ['leader', 'department', 'admin'], // a department only on indicators it is responsible for
  'evaluation.siteTypes': ALL,
  'evaluation.readiness': ALL,
  'evaluation.siteCreate': ['leader', 'planner', 'admin'],
  'evaluation.siteUpdate': ['leader', 'planner', 'admin'],
  'evaluation.siteImport': ['leader', 'planner', 'admin'],
  'mock.draw': ['leader', 'admin'],
  'mock.list': ALL,
  'mock.sheets': ALL,
  'mock.results': ALL,
  'mock.score': ['leader', 'admin'],
  'mock.toProblem': ['leader', 'admin'],
  // boundary editing (边界调整): planners (and admins) write, leaders read
  'boundary.current': ['leader', 'planner', 'admin'],
  'boundary.validate': ['planner', 'admin'],
  'boundary.preview': ['planner', 'admin'],
  'boundary.save': ['planner', 'admin'],
  'boundary.revert': ['planner', 'admin'],
  'boundary.cancel': ['planner', 'admin'],
  'boundary.importFile': ['planner', 'admin'],
  'boundary.versions': ['leader', 'planner', 'admin'],
  'boundary.compare': ['leader', 'planner', 'admin'],
  'boundary.export': ['leader', 'planner', 'admin'],
  // the responsibility matrix (责任矩阵) and 退单 (docs/routing.md): everyone reads the matrix; the leadership edits and rules
  'routing.matrix': ALL,
  'routing.createRule': ['leader', 'admin'],
  'routing.updateRule': ['leader', 'admin'],
  'routing.endRule': ['leader', 'admin'],
  'grid.explain': ALL,
  'problem.return': ['department', 'admin'], // the handling department, for its own problem
  'problem.ruleReturn': ['leader', 'admin'],
  // reminders, 督办 and 回访 (issue 13): everyone reads their own notifications
  'notification.list': ALL,
  'notification.unreadCount': ALL,
  'notification.markRead': ALL,
  'supervision.list': ['leader', 'department', 'admin'], // a department its own notices only
  'supervision.byId': ['leader', 'department', 'admin'],
  'supervision.reply': ['department', 'admin'], // the department the notice was sent to
  'followUp.record': ['leader', 'admin'],
  'followUp.list': ['leader', 'department', 'admin'], // a department for its own problems
  'followUp.satisfaction': ['leader', 'department', 'admin'], // a department its own rate
}

export function allowed(path: string, role: Role | null): boolean {
  const rule = PERMISSIONS[path]
  if (rule === undefined) return false // not in the matrix: refused
  if (rule === PUBLIC) return true
  return role !== null && rule.includes(role)
}
