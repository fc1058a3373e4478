/**
 * A constraint violation reported by a bare driver (the bulk import writes through better-sqlite3 and
 * pg, not Prisma) is the caller's mistake with the same answer as Prisma's P2003/P2002: a reference
 * to a row that is not there → 400 REFERENCE_NOT_FOUND, a duplicate → 409 ALREADY_EXISTS (not a 500).
 */
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { constraintError } from '../../server/db/errors.ts'
import { httpAnswerOf } from '../../server/api/errorMapping.ts'
import { ForeignKeyViolation } from '../../server/services/importWriter.ts'

function sqliteError(sql: string): unknown {
  const db = new Database(':memory:')
  try {
    db.pragma('foreign_keys = ON')
    db.exec('CREATE TABLE g (id INTEGER PRIMARY KEY, code TEXT UNIQUE); CREATE TABLE p (id INTEGER PRIMARY KEY, g INTEGER REFERENCES g(id)); INSERT INTO g VALUES (1, \'a\')')
    db.exec(sql)
    return null
  } catch (e) { return e } finally { db.close() }
}

describe('constraint errors from the bare drivers', () => {
  it('better-sqlite3: a missing reference and a duplicate', () => {
    const fk = sqliteError('INSERT INTO p VALUES (1, 99)')
    expect((fk as { code?: string }).code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY')
    expect(constraintError(fk)).toMatchObject({ httpStatus: 400, appCode: 'REFERENCE_NOT_FOUND' })
    expect(constraintError(sqliteError('INSERT INTO g VALUES (2, \'a\')'))).toMatchObject({ httpStatus: 409, appCode: 'ALREADY_EXISTS' })
    expect(constraintError(sqliteError('INSERT INTO g VALUES (1, \'b\')'))).toMatchObject({ httpStatus: 409, appCode: 'ALREADY_EXISTS' })
  })

  it('PostgreSQL SQLSTATEs, and the import\'s own foreign-key refusal, also as a cause', () => {
    expect(constraintError(new ForeignKeyViolation('Problem_gridId_fkey', 'Problem', 'Key (gridId)=(9) is not present in table "Grid".'))).toMatchObject({ httpStatus: 400, appCode: 'REFERENCE_NOT_FOUND' })
    expect(constraintError(Object.assign(new Error('duplicate key value violates unique constraint "Problem_externalId_key"'), { code: '23505' }))).toMatchObject({ httpStatus: 409, appCode: 'ALREADY_EXISTS' })
    expect(constraintError(new Error('wrapped', { cause: Object.assign(new Error('fk'), { code: '23503' }) }))).toMatchObject({ appCode: 'REFERENCE_NOT_FOUND' })
  })

  it('the plain HTTP routes (and the import\'s progress stream) answer them with an error kind, not INTERNAL', () => {
    expect(httpAnswerOf(sqliteError('INSERT INTO p VALUES (1, 99)'))).toEqual({ status: 400, kind: 'BAD_INPUT', appCode: 'REFERENCE_NOT_FOUND', message: '引用的记录不存在', unexpected: false })
    expect(httpAnswerOf(Object.assign(new Error('dup'), { code: '23505' }))).toMatchObject({ status: 409, kind: 'CONFLICT', appCode: 'ALREADY_EXISTS' })
    expect(httpAnswerOf(new Error('boom'))).toMatchObject({ status: 500, kind: 'INTERNAL', unexpected: true })
  })

  it('anything else is not a constraint error', () => {
    expect(constraintError(sqliteError('SELECT 1'))).toBeNull()
    expect(constraintError(Object.assign(new Error('syntax'), { code: '42601' }))).toBeNull()
    expect(constraintError(Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' }))).toBeNull()
  })
})
