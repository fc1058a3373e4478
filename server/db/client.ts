/**
 * The Prisma client for either database. Both generated clients come from the same models
 * (prisma/schema.prisma), so the rest of the server is written once against `Db`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from './generated/sqlite/client.ts'
import type { DbConfig } from './config.ts'

export type Db = PrismaClient
export type { Prisma } from './generated/sqlite/client.ts'

const configs = new WeakMap<Db, DbConfig>()

/** The configuration a client was created from (for side channels such as LISTEN or a second SQLite handle). */
export function configOf(db: Db): DbConfig | undefined {
  return configs.get(db)
}

export async function createDb(config: DbConfig): Promise<Db> {
  if (config.provider === 'postgres') {
    const { PrismaClient: PgClient } = await import('./generated/postgres/client.ts')
    const client = new PgClient({ adapter: new PrismaPg({ connectionString: config.url, max: Number(process.env.PG_POOL_SIZE ?? 10) }) }) as unknown as Db
    configs.set(client, config)
    return client
  }
  fs.mkdirSync(path.dirname(config.file), { recursive: true })
  const db = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: `file:${config.file}`, timeout: Number(process.env.SQLITE_BUSY_TIMEOUT_MS ?? 5000) }) })
  // WAL: readers do not block the writer; a crash loses no committed transaction.
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL')
  await db.$queryRawUnsafe('PRAGMA foreign_keys = ON')
  configs.set(db, config)
  return db
}
