/**
 * tRPC setup: the context (user, db, grid catalog), the error shape (AppError kinds mapped through
 * errorMapping.ts, the one place), and the procedure kinds a router picks from:
 *   publicProcedure  — anyone, when the permission matrix marks the path public
 *   authedProcedure  — a signed-in user whose role the matrix allows
 *   scopedProcedure  — authed, plus `ctx.scope`: the department scope applied once (services/scope.ts)
 */
import { initTRPC } from '@trpc/server'
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'
import { ZodError } from 'zod'
import type { Db } from '../db/client.ts'
import { constraintError, isDbUnavailable } from '../db/errors.ts'
import { AppError } from '../domain/errors.ts'
import type { SessionUser } from '../domain/user.ts'
import type { GridCatalog } from '../services/gridCatalog.ts'
import { departmentScope } from '../services/scope.ts'
import { appErrorOf, describeIssues, KIND_TO_TRPC } from './errorMapping.ts'
import { allowed, PERMISSIONS, PUBLIC } from './permissions.ts'
import { illFormedTextPath } from '../domain/inputRules.ts'

export type { SessionUser }

export interface Context {
  db: Db
  catalog: GridCatalog
  user: SessionUser | null
  /** raw session token from the cookie, if any */
  sessionToken: string | null
  /** set a cookie on the response (login/logout) */
  setCookie(value: string): void
  clientIp: string
  now(): Date
}

/** A body or input that is not valid JSON (tRPC reports it as BAD_REQUEST/PARSE_ERROR with the SyntaxError as cause). */
function causedBySyntaxError(error: unknown): boolean {
  for (let e: unknown = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) if (e instanceof SyntaxError) return true
  return false
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause
    const app = appErrorOf(error)
    const unexpected = !app && !(cause instanceof ZodError)
    // the database locked/unreachable: a clean, retryable 503 instead of a 500; constraint violations
    // nobody anticipated (unknown reference, duplicate) are the caller's mistake, not a server fault
    const mapped: { code: TRPC_ERROR_CODE_KEY; httpStatus: number; appCode: string; message: string } | null = app
      ? { ...KIND_TO_TRPC[app.kind], appCode: app.appCode, message: app.message }
      : !unexpected ? null
      : isDbUnavailable(error) ? { code: 'SERVICE_UNAVAILABLE', httpStatus: 503, appCode: 'DB_UNAVAILABLE', message: '数据库暂时不可用，请稍后重试' }
      : constraintError(error)
        ?? (causedBySyntaxError(error) ? { code: 'BAD_REQUEST', httpStatus: 400, appCode: 'MALFORMED_JSON', message: '请求内容不是有效的 JSON' } : null)
    const appCode = mapped ? mapped.appCode
      : cause instanceof ZodError ? 'BAD_INPUT'
      : error.code === 'INTERNAL_SERVER_ERROR' ? 'INTERNAL' : error.code
    const message = mapped ? mapped.message
      : cause instanceof ZodError
        ? describeIssues(cause.issues)
        : error.code === 'INTERNAL_SERVER_ERROR' ? '服务器内部错误，请稍后重试' : shape.message
    return {
      ...shape,
      code: mapped ? TRPC_ERROR_CODES_BY_KEY[mapped.code] : shape.code,
      message,
      data: {
        code: mapped?.code ?? shape.data.code,
        httpStatus: mapped?.httpStatus ?? shape.data.httpStatus,
        path: shape.data.path,
        appCode,
        /** true when the same request may succeed later (the database was busy or unreachable) */
        retryable: appCode === 'DB_UNAVAILABLE' || appCode === 'SERVER_BUSY',
        issues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : undefined,
        details: app?.details,
      },
    }
  },
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

/**
 * Every procedure's raw input first: a string (or key) that is not valid UTF-16 — a lone surrogate
 * such as "a\ud800b" — is refused with BAD_INPUT before any schema or storage sees it.
 */
async function refuseIllFormed(getRawInput: () => Promise<unknown>): Promise<void> {
  const bad = illFormedTextPath(await getRawInput().catch(() => undefined))
  if (bad) throw new AppError('BAD_INPUT', 'BAD_INPUT', `输入有误：${bad} 含无效字符（不成对的 UTF-16 代理项）`)
}

/** the signed-in user, if the permission matrix lets their role call `path` */
function permittedUser(ctx: Context, path: string): SessionUser {
  if (!ctx.user) throw new AppError('UNAUTHORIZED', 'NOT_LOGGED_IN', '请先登录')
  if (!allowed(path, ctx.user.role)) throw new AppError('FORBIDDEN', 'ROLE_FORBIDDEN', '当前角色无权执行此操作')
  return ctx.user
}

// Each procedure kind is ONE middleware (input check, then role, then scope): every middleware level
// costs tRPC an object spread per call, a measurable share of a cheap query (issue 14, --cpu-prof).

/** A procedure for logged-in users whose role the permission matrix allows for this path. */
export const authedProcedure = t.procedure.use(async ({ ctx, path, getRawInput, next }) => {
  await refuseIllFormed(getRawInput)
  return next({ ctx: { user: permittedUser(ctx, path) } })
})

/** An authed procedure whose reads and writes go through `ctx.scope` (what this user's department may see). */
export const scopedProcedure = t.procedure.use(async ({ ctx, path, getRawInput, next }) => {
  await refuseIllFormed(getRawInput)
  const user = permittedUser(ctx, path)
  return next({ ctx: { user, scope: departmentScope(user) } })
})

/** A procedure anyone may call; it must be marked public in the matrix. */
export const publicProcedure = t.procedure.use(async ({ path, getRawInput, next }) => {
  await refuseIllFormed(getRawInput)
  if (PERMISSIONS[path] !== PUBLIC) throw new AppError('FORBIDDEN', 'ROLE_FORBIDDEN', '当前角色无权执行此操作')
  return next()
})
