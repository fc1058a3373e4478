/** A real GridDuty server on a free loopback port, on a fresh copy of the seeded demo database. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { inject } from 'vitest'
import { boot } from '../../server/boot.ts'
import { createDb, type Db } from '../../server/db/client.ts'
import type { DbConfig } from '../../server/db/config.ts'
import { createAppServer } from '../../server/http.ts'
import { GridCatalog } from '../../server/services/gridCatalog.ts'

export type DbKind = 'sqlite' | 'postgres'

/** The databases the API tests run on: SQLite always, PostgreSQL when TEST_POSTGRES=1. */
export function testDatabases(): DbKind[] {
  return inject('postgresAdminUrl') ? ['sqlite', 'postgres'] : ['sqlite']
}

let counter = 0

/** A fresh database copied from the seeded template. */
export async function freshDatabase(kind: DbKind): Promise<{ config: DbConfig; drop(): Promise<void> }> {
  const name = `t_${process.pid}_${Date.now()}_${counter++}`
  if (kind === 'sqlite') {
    const file = path.resolve('var/test', `${name}.db`)
    fs.copyFileSync(inject('sqliteTemplate'), file)
    return { config: { provider: 'sqlite', file }, drop: async () => { for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true }) } }
  }
  const adminUrl = inject('postgresAdminUrl')
  if (!adminUrl) throw new Error('PostgreSQL tests need TEST_POSTGRES=1')
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    try { await c.query(sql) } finally { await c.end() }
  }
  await admin(`CREATE DATABASE "${name}" TEMPLATE gridduty_template`)
  return { config: { provider: 'postgres', url: adminUrl.replace(/\/postgres$/, `/${name}`) }, drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) }
}

export interface RunningApp {
  url: string
  /** the server's own database client (for row counts and test set-up) */
  db: Db
  /** the server's grid catalog (e.g. to apply scheduled boundary versions in tests) */
  catalog: GridCatalog
  /** where its database is (pass it as `shareDb` to start a second server on the same database) */
  config: DbConfig
  stop(): Promise<void>
}

async function attach(config: DbConfig, staticDir?: string) {
  const db = await createDb(config)
  const catalog = await GridCatalog.load(db)
  return { db, catalog, server: createAppServer({ db, catalog, staticDir }) }
}

/**
 * A server on a fresh database, or with `shareDb` a further server (as another process would be)
 * on an existing one; a server on a shared database leaves dropping it to the one that created it.
 */
export async function startApp(opts: { db?: DbKind; staticDir?: string; shareDb?: DbConfig } = {}): Promise<RunningApp> {
  const fresh = opts.shareDb ? { config: opts.shareDb, drop: async () => {} } : await freshDatabase(opts.db ?? 'sqlite')
  // the first server migrated the shared database (the SQLite migrator wants the file to itself)
  const { db, catalog, server } = opts.shareDb ? await attach(opts.shareDb, opts.staticDir) : await boot({ db: fresh.config, staticDir: opts.staticDir, seedIfEmpty: false })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    catalog,
    config: fresh.config,
    async stop() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await db.$disconnect()
      await fresh.drop()
    },
  }
}

/**
 * Builds the client (production mode) into dist/client unless it is newer than every file under
 * client/ and server/domain/. Test files run in parallel, so the check and the build happen under a lock directory.
 */
export async function ensureClientBuilt(): Promise<string> {
  const dist = path.resolve('dist/client')
  const index = path.join(dist, 'index.html')
  const lock = path.resolve('var/client-build.lock')
  fs.mkdirSync(path.dirname(lock), { recursive: true })
  for (let waited = 0; ; waited += 200) {
    try { fs.mkdirSync(lock); break } catch {
      // a lock older than 5 minutes was left by a killed run
      if (fs.existsSync(lock) && Date.now() - fs.statSync(lock).mtimeMs > 300_000) fs.rmSync(lock, { recursive: true, force: true })
      if (waited > 600_000) throw new Error('timed out waiting for another test to build the client')
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  try {
    const newest = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
      .reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0)
    // the client bundles server/domain too (e.g. the planner's topology functions)
    if (!fs.existsSync(index) || fs.statSync(index).mtimeMs < Math.max(newest(path.resolve('client')), newest(path.resolve('server/domain')))) {
      execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
        { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } })
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
  return dist
}
