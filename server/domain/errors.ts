/**
 * The one error the domain and the services throw: a kind (what went wrong, independent of any
 * transport), a stable application code for programs and a Chinese message for people; `details`
 * carries values a translated message may need. The API layer maps kinds to tRPC codes and HTTP
 * statuses in one place (server/api/errorMapping.ts).
 */
export type ErrorKind = 'BAD_INPUT' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'TOO_LARGE' | 'RATE_LIMITED' | 'UNAVAILABLE'

export class AppError extends Error {
  readonly kind: ErrorKind
  readonly appCode: string
  readonly details?: unknown
  constructor(kind: ErrorKind, appCode: string, message: string, details?: unknown) {
    super(message)
    this.name = 'AppError'
    this.kind = kind
    this.appCode = appCode
    this.details = details
  }
}

export const notFound = (what: string, appCode = 'NOT_FOUND') => new AppError('NOT_FOUND', appCode, `${what}不存在`)
export const forbidden = (message: string, appCode = 'FORBIDDEN') => new AppError('FORBIDDEN', appCode, message)
export const badInput = (message: string, appCode = 'BAD_INPUT', details?: unknown) => new AppError('BAD_INPUT', appCode, message, details)
export const conflict = (message: string, appCode = 'VERSION_CONFLICT') => new AppError('CONFLICT', appCode, message)
