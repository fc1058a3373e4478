/**
 * The one place errors become a transport answer: an AppError's kind → tRPC code and HTTP status.
 * /trpc (the errorFormatter in trpc.ts) and the plain HTTP routes (httpUtil.sendAppError, Open311)
 * all use it. Also the one Chinese sentence for zod issues.
 */
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'
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

/** zod issues as the one Chinese sentence the API answers with ("输入有误：…"). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return `输入有误：${issues.map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`).join('; ')}`
}
