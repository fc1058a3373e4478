/**
 * Errors the API returns: a tRPC code (HTTP status), a stable application code for programs,
 * and a Chinese message for people (the UI shows it as is).
 */
import { TRPCError } from '@trpc/server'
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc'

export class AppError extends TRPCError {
  readonly appCode: string
  readonly details?: unknown
  constructor(code: TRPC_ERROR_CODE_KEY, appCode: string, message: string, details?: unknown) {
    super({ code, message })
    this.appCode = appCode
    this.details = details
  }
}

export const notFound = (what: string, appCode = 'NOT_FOUND') => new AppError('NOT_FOUND', appCode, `${what}不存在`)
export const forbidden = (message: string, appCode = 'FORBIDDEN') => new AppError('FORBIDDEN', appCode, message)
export const badInput = (message: string, appCode = 'BAD_INPUT', details?: unknown) => new AppError('BAD_REQUEST', appCode, message, details)
export const conflict = (message: string, appCode = 'VERSION_CONFLICT') => new AppError('CONFLICT', appCode, message)
