/** The API: one router per domain area. Its type is what the client imports. */
import { auditRouter } from './routers/audit.ts'
import { calendarRouter } from './routers/calendar.ts'
import { authRouter } from './routers/auth.ts'
import { boundaryRouter } from './routers/boundary.ts'
import { departmentRouter } from './routers/department.ts'
import { gridRouter } from './routers/grid.ts'
import { holderRouter } from './routers/holder.ts'
import { inspectionRouter } from './routers/inspection.ts'
import { meetingRouter } from './routers/meeting.ts'
import { reportRouter } from './routers/report.ts'
import { statsRouter } from './routers/stats.ts'
import { themeRouter } from './routers/theme.ts'
import { workspaceRouter } from './routers/workspace.ts'
import { metaRouter } from './routers/meta.ts'
import { problemRouter } from './routers/problem.ts'
import { siteRouter } from './routers/site.ts'
import { userRouter } from './routers/user.ts'
import { evaluationRouter } from './routers/evaluation.ts'
import { indicatorRouter } from './routers/indicator.ts'
import { mockRouter } from './routers/mock.ts'
import { routingRouter } from './routers/routing.ts'
import { notificationRouter } from './routers/notification.ts'
import { supervisionRouter } from './routers/supervision.ts'
import { followUpRouter } from './routers/followUp.ts'
import { router } from './trpc.ts'

export const appRouter = router({
  meta: metaRouter,
  auth: authRouter,
  grid: gridRouter,
  department: departmentRouter,
  problem: problemRouter,
  site: siteRouter,
  inspection: inspectionRouter,
  theme: themeRouter,
  meeting: meetingRouter,
  workspace: workspaceRouter,
  stats: statsRouter,
  report: reportRouter,
  user: userRouter,
  holder: holderRouter,
  audit: auditRouter,
  indicator: indicatorRouter,
  evaluation: evaluationRouter,
  mock: mockRouter,
  boundary: boundaryRouter,
  calendar: calendarRouter,
  routing: routingRouter,
  notification: notificationRouter,
  supervision: supervisionRouter,
  followUp: followUpRouter,
})

export type AppRouter = typeof appRouter
