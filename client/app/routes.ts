/**
 * The pages besides the coverage map, reached by hash routes (#/workspace, #/problems …).
 * A feature adds one entry here; the header shows the entries the user's role may open.
 */
import { lazy, type ComponentType } from 'react'
import type { Me } from '../api.ts'

// Every page is its own chunk, loaded when first opened (issue 14, target 6): the coverage map (Shell.tsx)
// loads only what it needs. Shell.tsx wraps a page in <Suspense>.
const AdminPage = lazy(() => import('../features/admin/AdminPage.tsx').then((m) => ({ default: m.AdminPage })))
const IntegrityPage = lazy(() => import('../features/integrity/IntegrityPage.tsx').then((m) => ({ default: m.IntegrityPage })))
const PlannerPage = lazy(() => import('../features/planner/PlannerPage.tsx').then((m) => ({ default: m.PlannerPage })))
const BulletinPage = lazy(() => import('../features/monthly/BulletinPage.tsx').then((m) => ({ default: m.BulletinPage })))
const DashboardPage = lazy(() => import('../features/monthly/DashboardPage.tsx').then((m) => ({ default: m.DashboardPage })))
const EvaluationPage = lazy(() => import('../features/evaluation/EvaluationPage.tsx').then((m) => ({ default: m.EvaluationPage })))
const MockEvaluationPage = lazy(() => import('../features/evaluation/MockEvaluationPage.tsx').then((m) => ({ default: m.MockEvaluationPage })))
const ProblemImportPage = lazy(() => import('../features/problems/ProblemImportPage.tsx').then((m) => ({ default: m.ProblemImportPage })))
const ProblemsPage = lazy(() => import('../features/problems/ProblemsPage.tsx').then((m) => ({ default: m.ProblemsPage })))
const WorkspacePage = lazy(() => import('../features/monthly/WorkspacePage.tsx').then((m) => ({ default: m.WorkspacePage })))
const MatrixPage = lazy(() => import('../features/routing/MatrixPage.tsx').then((m) => ({ default: m.MatrixPage })))
const ExplainPage = lazy(() => import('../features/routing/ExplainPage.tsx').then((m) => ({ default: m.ExplainPage })))
const SupervisionPage = lazy(() => import('../features/notifications/SupervisionPage.tsx').then((m) => ({ default: m.SupervisionPage })))

export interface PageRoute {
  /** hash path, e.g. "/problems" */
  path: string
  label: { 'zh-CN': string; en: string }
  roles: readonly Me['role'][]
  component: ComponentType<{ me: Me }>
}

export const ROUTES: PageRoute[] = []

// The monthly rhythm (issue 3): department users land on /workspace.
ROUTES.push(
  { path: '/workspace', label: { 'zh-CN': '我的网格', en: 'My grids' }, roles: ['department'], component: WorkspacePage },
  { path: '/dashboard', label: { 'zh-CN': '领导看板', en: 'Dashboard' }, roles: ['leader', 'admin'], component: DashboardPage },
  { path: '/bulletin', label: { 'zh-CN': '检查通报', en: 'Bulletin' }, roles: ['leader', 'admin'], component: BulletinPage },
)

// Evaluation readiness (issue 8): the task list / "my indicators", and mock evaluations.
ROUTES.push(
  { path: '/evaluation', label: { 'zh-CN': '测评任务', en: 'Evaluation tasks' }, roles: ['leader', 'department', 'planner', 'admin'], component: EvaluationPage },
  { path: '/mock-evaluation', label: { 'zh-CN': '模拟测评', en: 'Mock evaluation' }, roles: ['leader', 'department', 'admin'], component: MockEvaluationPage },
)

// Problems as a closed loop (issue 4): the list with detail/report/measures, and the import.
ROUTES.push(
  { path: '/problems', label: { 'zh-CN': '问题', en: 'Problems' }, roles: ['leader', 'department', 'planner', 'admin'], component: ProblemsPage },
  { path: '/problem-import', label: { 'zh-CN': '导入问题', en: 'Import problems' }, roles: ['leader', 'admin'], component: ProblemImportPage },
)

// Boundary editing (issue 5): planners redraw grid boundaries with validation and impact preview.
ROUTES.push(
  { path: '/planner', label: { 'zh-CN': '边界调整', en: 'Boundaries' }, roles: ['planner', 'admin'], component: PlannerPage },
)

// Numbers a leader can stand behind (issue 11): signs of gaming per department, with the records behind them.
ROUTES.push(
  { path: '/integrity', label: { 'zh-CN': '造假迹象', en: 'Signs of gaming' }, roles: ['leader', 'admin'], component: IntegrityPage },
)

// Reliability and security (issue 7): users, departments, holders and the audit trail (leaders read the trail).
ROUTES.push(
  { path: '/admin', label: { 'zh-CN': '系统管理', en: 'Admin' }, roles: ['admin', 'leader'], component: AdminPage },
)

// Responsibility as cities share it (issue 13): the matrix (category × area → department) and the 属地 certificate.
ROUTES.push(
  { path: '/matrix', label: { 'zh-CN': '责任矩阵', en: 'Matrix' }, roles: ['leader', 'admin', 'department', 'planner'], component: MatrixPage },
  { path: '/explain', label: { 'zh-CN': '属地证明', en: 'Jurisdiction' }, roles: ['leader', 'admin', 'department', 'planner'], component: ExplainPage },
)

// Reminders and 督办 (issue 13): supervision notices, printable, with the department's reply.
ROUTES.push(
  { path: '/supervision', label: { 'zh-CN': '督办', en: 'Supervision' }, roles: ['leader', 'department', 'admin'], component: SupervisionPage },
)
