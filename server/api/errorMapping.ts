/**
 * The one place errors become a transport answer: an AppError's kind → tRPC code and HTTP status.
 * /trpc (the errorFormatter in trpc.ts) and the plain HTTP routes (httpUtil.sendAppError, Open311)
 * all use it. Also the one Chinese sentence for zod issues.
 */
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'
import { constraintError } from '../db/errors.ts'
import { AppError, type ErrorKind } from '../domain/errors.ts'

export const KIND_TO_TRPC: Record<ErrorKind, { code: TRPC_ERROR_CODE_KEY; httpStatus: number }> = {
  BAD_INPUT: { code: 'BAD_REQUEST', httpStatus: 400 },
  UNAUTHORIZED: { code: 'UNAUTHORIZED', httpStatus: 401 },
  FORBIDDEN: { code: 'FORBIDDEN', httpStatus: 403 },
  NOT_FOUND: { code: 'NOT_FOUND', httpStatus: 404 },
  CONFLICT: { code: 'CONFLICT', httpStatus: 409 },
  TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 },
  RATE_LIMITED: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 },
  UNAVAILABLE: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503 },
}

/** The AppError in an error or its cause chain (tRPC wraps what a procedure throws). */
export function appErrorOf(error: unknown): AppError | null {
  for (let e: unknown = error, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) if (e instanceof AppError) return e
  return null
}

export const httpStatusOf = (e: AppError): number => KIND_TO_TRPC[e.kind].httpStatus

/**
 * What a plain HTTP route answers for an error: an AppError as itself; a constraint violation nobody
 * anticipated (a row the request refers to removed meanwhile, a duplicate) as the caller's mistake;
 * anything else as INTERNAL (`unexpected`: the route logs it).
 */
export function httpAnswerOf(e: unknown): { status: number; kind: ErrorKind | 'INTERNAL'; appCode: string; message: string; unexpected: boolean } {
  const app = appErrorOf(e)
  if (app) return { status: httpStatusOf(app), kind: app.kind, appCode: app.appCode, message: app.message, unexpected: false }
  const c = constraintError(e)
  const kind = c && (Object.keys(KIND_TO_TRPC) as ErrorKind[]).find((k) => KIND_TO_TRPC[k].code === c.code)
  if (c && kind) return { status: c.httpStatus, kind, appCode: c.appCode, message: c.message, unexpected: false }
  return { status: 500, kind: 'INTERNAL', appCode: 'INTERNAL', message: '服务器内部错误，请稍后重试', unexpected: true }
}

/** zod issues as the one Chinese sentence the API answers with ("输入有误：…"). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return `输入有误：${issues.map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`).join('; ')}`
}
