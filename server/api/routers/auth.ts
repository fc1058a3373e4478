import { z } from 'zod'
import { verifyPassword } from '../../auth/password.ts'
import { FailureLimiter } from '../../auth/rateLimit.ts'
import { createSession, deleteSession, sessionCookie, SESSION_TTL_MS } from '../../auth/sessions.ts'
import { AppError } from '../../domain/errors.ts'
import { publicProcedure, router, type Context, type SessionUser } from '../trpc.ts'

const limiter = new FailureLimiter()
// verify against a real hash even for unknown logins, so timing does not reveal which logins exist
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='

async function me(ctx: Context, user: SessionUser | null) {
  if (!user) return null
  const department = user.departmentId ? await ctx.db.department.findUnique({ where: { id: user.departmentId } }) : null
  return { id: user.id, login: user.login, displayName: user.displayName, role: user.role, departmentId: user.departmentId, departmentName: department?.name ?? null }
}

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ login: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }))
    .mutation(async ({ ctx, input }) => {
      const key = `${ctx.clientIp}|${input.login}`
      const now = ctx.now()
      if (limiter.blocked(key, now.getTime())) throw new AppError('RATE_LIMITED', 'LOGIN_RATE_LIMITED', '登录失败次数过多，请 15 分钟后再试')
      const user = await ctx.db.user.findUnique({ where: { login: input.login } })
      const ok = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH)
      if (!user || !ok) {
        limiter.fail(key, now.getTime())
        throw new AppError('UNAUTHORIZED', 'BAD_CREDENTIALS', '用户名或密码错误')
      }
      limiter.reset(key)
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
