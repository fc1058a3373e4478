/** The API: one router per domain area. Its type is what the client imports. */
import { authRouter } from './routers/auth.ts'
import { departmentRouter } from './routers/department.ts'
import { gridRouter } from './routers/grid.ts'
import { inspectionRouter } from './routers/inspection.ts'
import { metaRouter } from './routers/meta.ts'
import { problemRouter } from './routers/problem.ts'
import { siteRouter } from './routers/site.ts'
import { router } from './trpc.ts'

export const appRouter = router({
  meta: metaRouter,
  auth: authRouter,
  grid: gridRouter,
  department: departmentRouter,
  problem: problemRouter,
  site: siteRouter,
  inspection: inspectionRouter,
})

export type AppRouter = typeof appRouter
