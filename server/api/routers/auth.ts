import { z } from 'zod'
import { verifyPassword } from '../../auth/password.ts'
import { LoginLimiter, loginLimitsFromEnv } from '../../auth/loginLimiter.ts'
import { createSession, deleteSession, sessionCookie, SESSION_TTL_MS } from '../../auth/sessions.ts'
import { AppError } from '../../domain/errors.ts'
import { publicProcedure, router, type Context, type SessionUser } from '../trpc.ts'

// read at start-up: a bad LOGIN_LIMIT_* setting stops the server instead of silently loosening the limit
const limiter = new LoginLimiter(loginLimitsFromEnv())
// verify against a real hash even for unknown logins, so timing does not reveal which logins exist
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='

async function me(ctx: Context, user: SessionUser | null) {
  if (!user) return null
  // the session lookup read the department's name with the user (cached with the session)
  const departmentName = user.departmentName !== undefined ? user.departmentName
    : user.departmentId ? (await ctx.db.department.findUnique({ where: { id: user.departmentId } }))?.name ?? null : null
  return { id: user.id, login: user.login, displayName: user.displayName, role: user.role, departmentId: user.departmentId, departmentName }
}

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ login: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }))
    .mutation(async ({ ctx, input }) => {
      // the attempt is counted before the password is checked, so parallel or batched tries cannot outrun the count
      const attempt = await limiter.reserve(ctx.db, { login: input.login, address: ctx.clientIp }, ctx.now().getTime())
      if (!attempt.ok) {
        const minutes = Math.ceil(attempt.windowMs / 60_000)
        throw new AppError('RATE_LIMITED', 'LOGIN_RATE_LIMITED', `登录失败次数过多，请 ${minutes} 分钟后再试`, { scope: attempt.scope, windowSeconds: attempt.windowMs / 1000 })
      }
      let user, ok
      try {
        user = await ctx.db.user.findUnique({ where: { login: input.login } })
        ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH)
      } catch (e) {
        await attempt.cancel()
        throw e
      }
      // a wrong password keeps its reservation: it is the counted failure
      if (!user || !ok) throw new AppError('UNAUTHORIZED', 'BAD_CREDENTIALS', '用户名或密码错误')
      await attempt.succeeded()
      const now = ctx.now()
      const { token } = await createSession(ctx.db, user.id, now)
      ctx.setCookie(sessionCookie(token, SESSION_TTL_MS))
      const sessionUser: SessionUser = { id: user.id, login: user.login, displayName: user.displayName, role: user.role as SessionUser['role'], departmentId: user.departmentId }
      return { user: (await me(ctx, sessionUser))! }
    }),

  logout: publicProcedure.mutation(async ({ ctx }) => {
    if (ctx.sessionToken) await deleteSession(ctx.db, ctx.sessionToken)
    ctx.setCookie(sessionCookie('', 0))
    return { ok: true as const }
  }),

  me: publicProcedure.query(({ ctx }) => me(ctx, ctx.user)),
})
