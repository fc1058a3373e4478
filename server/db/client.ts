/**
 * The Prisma client for either database. Both generated clients come from the same models
 * (prisma/schema.prisma), so the rest of the server is written once against `Db`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaClient } from './generated/sqlite/client.ts'
import type { DbConfig } from './config.ts'

export type Db = PrismaClient
export type { Prisma } from './generated/sqlite/client.ts'

const configs = new WeakMap<Db, DbConfig>()

/** The configuration a client was created from (for side channels such as LISTEN or a second SQLite handle). */
export function configOf(db: Db): DbConfig | undefined {
  return configs.get(db)
}

/**
 * The database driver under a client, for bulk writes that Prisma makes slow (problem import):
 * on PostgreSQL the very pg.Pool Prisma's adapter uses; on SQLite the file (better-sqlite3 opens its
 * own connection for the duration of one write — Prisma's adapter does not hand out its handle).
 */
export type RawDriver =
  | { provider: 'sqlite'; file: string; busyTimeoutMs: number }
  | { provider: 'postgres'; pool: pg.Pool }

const drivers = new WeakMap<object, RawDriver>()

/** The driver under `db`, or null for a client not made by createDb (e.g. a test double). */
export function rawDriver(db: Db): RawDriver | null {
  return drivers.get(db) ?? null
}

export async function createDb(config: DbConfig): Promise<Db> {
  if (config.provider === 'postgres') {
    const { PrismaClient: PgClient } = await import('./generated/postgres/client.ts')
    // one pool for Prisma and the bulk writes; Prisma ends it on $disconnect
    const pool = new pg.Pool({ connectionString: config.url, max: Number(process.env.PG_POOL_SIZE ?? 10) })
    const client = new PgClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }) as unknown as Db
    drivers.set(client, { provider: 'postgres', pool })
    configs.set(client, config)
    return client
  }
  fs.mkdirSync(path.dirname(config.file), { recursive: true })
  const busyTimeoutMs = Number(process.env.SQLITE_BUSY_TIMEOUT_MS ?? 5000)
  const db = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${config.file}`, timeout: busyTimeoutMs }) })
  drivers.set(db, { provider: 'sqlite', file: config.file, busyTimeoutMs })
  // WAL: readers do not block the writer; a crash loses no committed transaction.
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL')
  await db.$queryRawUnsafe('PRAGMA foreign_keys = ON')
  configs.set(db, config)
  return db
}
