/** A real GridDuty server on a free loopback port, on a fresh copy of the seeded demo database. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import pg from 'pg'
import { inject } from 'vitest'
import { boot } from '../../server/boot.ts'
import type { DbConfig } from '../../server/db/config.ts'

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

export interface RunningApp { url: string; stop(): Promise<void> }

export async function startApp(opts: { db?: DbKind; staticDir?: string } = {}): Promise<RunningApp> {
  const fresh = await freshDatabase(opts.db ?? 'sqlite')
  const { db, server } = await boot({ db: fresh.config, staticDir: opts.staticDir, seedIfEmpty: false })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await db.$disconnect()
      await fresh.drop()
    },
  }
}

/** Builds the client into dist/client unless it is newer than every file under client/. */
export function ensureClientBuilt(): string {
  const dist = path.resolve('dist/client')
  const index = path.join(dist, 'index.html')
  const newest = (dir: string): number => fs.readdirSync(dir, { withFileTypes: true })
    .reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0)
  if (!fs.existsSync(index) || fs.statSync(index).mtimeMs < newest(path.resolve('client'))) {
    execFileSync(process.execPath, [path.resolve('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { stdio: 'inherit' })
  }
  return dist
}
