/**
 * Once per test run: a migrated, seeded SQLite template (copied per test server), and — with
 * TEST_POSTGRES=1 — a PostgreSQL server on loopback with a seeded template database.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { migrateDeploy } from '../../prisma/migrate.ts'
import { seedDemo } from '../../prisma/seed.ts'
import { createDb } from '../../server/db/client.ts'
import { createDatabase, startPostgres, type PgServer } from '../../scripts/localPostgres.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    sqliteTemplate: string
    postgresAdminUrl: string | null
  }
}

export default async function setup(project: TestProject) {
  const dir = path.resolve('var/test')
  fs.mkdirSync(dir, { recursive: true })
  const sqliteTemplate = path.join(dir, `template-${process.pid}.db`)
  for (const f of [sqliteTemplate, `${sqliteTemplate}-wal`, `${sqliteTemplate}-shm`]) fs.rmSync(f, { force: true })
  await migrateDeploy({ provider: 'sqlite', file: sqliteTemplate })
  const db = await createDb({ provider: 'sqlite', file: sqliteTemplate })
  await seedDemo(db)
  await db.$queryRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)')
  await db.$disconnect()
  project.provide('sqliteTemplate', sqliteTemplate)

  let pg: PgServer | null = null
  if (process.env.TEST_POSTGRES === '1') {
    pg = await startPostgres()
    const url = await createDatabase(pg, 'gridduty_template')
    await migrateDeploy({ provider: 'postgres', url })
    const pdb = await createDb({ provider: 'postgres', url })
    await seedDemo(pdb)
    await pdb.$disconnect()
    project.provide('postgresAdminUrl', pg.adminUrl)
  } else {
    project.provide('postgresAdminUrl', null)
  }

  return async () => {
    await pg?.stop()
    for (const f of [sqliteTemplate, `${sqliteTemplate}-wal`, `${sqliteTemplate}-shm`]) fs.rmSync(f, { force: true })
  }
}
