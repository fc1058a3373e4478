/**
 * Is this error "the database is unavailable right now" (locked, busy, unreachable, timed out)?
 * Such failures are retryable: the API answers 503 DB_UNAVAILABLE instead of a 500.
 */
const RETRYABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2034', 'P2037'])
const RETRYABLE_ADAPTER_KINDS = new Set(['SocketTimeout', 'DatabaseNotReachable', 'ConnectionClosed', 'TooManyConnections', 'TransactionWriteConflict', 'TlsConnectionError'])
const RETRYABLE_MESSAGE = /SQLITE_BUSY|SQLITE_LOCKED|database is locked|database table is locked|ECONNREFUSED|ECONNRESET|Connection terminated|Can't reach database server|Timed out fetching a new connection|Transaction already closed|Unable to start a transaction|terminating connection/i

export function isDbUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>()
  let e: unknown = error
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e)
    const o = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; kind?: unknown }
    if (typeof o.code === 'string' && (RETRYABLE_PRISMA_CODES.has(o.code) || /^SQLITE_(BUSY|LOCKED)/.test(o.code) || o.code === 'ECONNREFUSED')) return true
    if (typeof o.kind === 'string' && RETRYABLE_ADAPTER_KINDS.has(o.kind)) return true
    if (typeof o.message === 'string' && RETRYABLE_MESSAGE.test(o.message)) return true
    e = o.cause
  }
  return false
}

/**
 * Constraint violations a procedure did not anticipate (a reference to a row that does not exist, a
 * duplicate of a unique value, a row gone meanwhile) are the caller's mistake, not a server fault.
 */
const CONSTRAINT_ERRORS: Record<string, { code: 'BAD_REQUEST' | 'CONFLICT' | 'NOT_FOUND'; httpStatus: number; appCode: string; message: string }> = {
  P2003: { code: 'BAD_REQUEST', httpStatus: 400, appCode: 'REFERENCE_NOT_FOUND', message: '引用的记录不存在' },
  P2002: { code: 'CONFLICT', httpStatus: 409, appCode: 'ALREADY_EXISTS', message: '记录已存在' },
  P2025: { code: 'NOT_FOUND', httpStatus: 404, appCode: 'NOT_FOUND', message: '记录不存在或已被删除' },
}
const ADAPTER_KIND_CODES: Record<string, string> = { ForeignKeyConstraintViolation: 'P2003', UniqueConstraintViolation: 'P2002' }
/** the same violations as the bare drivers report them (the bulk import writes through pg and better-sqlite3) */
const DRIVER_CODES: Record<string, string> = {
  '23503': 'P2003', '23505': 'P2002', // PostgreSQL SQLSTATE (also the import's ForeignKeyViolation)
  SQLITE_CONSTRAINT_FOREIGNKEY: 'P2003', SQLITE_CONSTRAINT_UNIQUE: 'P2002', SQLITE_CONSTRAINT_PRIMARYKEY: 'P2002',
}

export function constraintError(error: unknown) {
  const seen = new Set<unknown>()
  let e: unknown = error
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e)
    const o = e as { code?: unknown; kind?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string } } } }
    if (typeof o.code === 'string' && CONSTRAINT_ERRORS[o.code]) return CONSTRAINT_ERRORS[o.code]!
    if (typeof o.code === 'string' && DRIVER_CODES[o.code]) return CONSTRAINT_ERRORS[DRIVER_CODES[o.code]!]!
    const kind = typeof o.kind === 'string' ? o.kind : o.meta?.driverAdapterError?.cause?.kind
    if (kind && ADAPTER_KIND_CODES[kind]) return CONSTRAINT_ERRORS[ADAPTER_KIND_CODES[kind]!]!
    e = o.cause
  }
  return null
}
