/**
 * Offline migrations: drives Prisma's own WASM schema engine (@prisma/schema-engine-wasm, pinned)
 * through the driver adapters, so no schema-engine binary is ever downloaded (air-gapped
 * government networks, blocked binary hosts). Findings behind each workaround: ../shared/PRISMA-OFFLINE.md.
 *
 *   npm run migrate -- deploy              apply pending migrations (npm start does this itself)
 *   npm run migrate -- dev --name <name>   create a migration for BOTH databases from prisma/schema.prisma
 *   npm run migrate -- status | diff
 *
 * The database comes from DATABASE_URL (see server/db/config.ts). `dev` writes the SQLite migration
 * on a scratch file and the PostgreSQL one on MIGRATE_POSTGRES_URL (a user with CREATEDB) or, unset,
 * on a throw-away local server.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg'
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { parse as parsePgUrl } from 'pg-connection-string'
import { dbConfigFromEnv, describeDb, type DbConfig } from '../server/db/config.ts'
import { createDatabase, startPostgres } from '../scripts/localPostgres.ts'

const require = createRequire(import.meta.url)
const prismaDir = path.dirname(fileURLToPath(import.meta.url))
const filters = { externalTables: [], externalEnums: [] }

export function schemaFileFor(provider: DbConfig['provider']): string {
  return path.join(prismaDir, provider === 'sqlite' ? 'schema.prisma' : 'schema.postgres.prisma')
}
export function migrationsDirFor(provider: DbConfig['provider']): string {
  return path.join(prismaDir, 'migrations', provider)
}

// adapter-pg cannot map PostgreSQL's internal "char"/name types (oid 18/19) that the engine's catalog
// queries return; while migrating we report them as text (oid 25). Restored afterwards.
function patchPgCharType(): () => void {
  const proto = (pg as unknown as { Result: { prototype: { addFields(fields: { dataTypeID: number }[]): void } } }).Result.prototype
  const original = proto.addFields
  proto.addFields = function (fields) {
    for (const f of fields) if (f.dataTypeID === 18 || f.dataTypeID === 19) f.dataTypeID = 25
    return original.call(this, fields)
  }
  return () => { proto.addFields = original }
}

function adapterFactory(config: DbConfig): SqlMigrationAwareDriverAdapterFactory {
  if (config.provider === 'postgres') {
    // PrismaPg.connectToShadowDb() with a connectionString silently uses the real database and drops
    // the shadow before closing its pool: use discrete fields and our own temporary database instead.
    const fields = { ...parsePgUrl(config.url) } as pg.ClientConfig
    const admin = async (sql: string) => {
      const c = new pg.Client(fields)
      await c.connect()
      try { await c.query(sql) } finally { await c.end() }
    }
    const factory = new PrismaPg({ ...fields, allowExitOnIdle: true } as pg.PoolConfig)
    factory.connectToShadowDb = async () => {
      const name = `gridduty_shadow_${crypto.randomUUID().replaceAll('-', '')}`
      await admin(`CREATE DATABASE "${name}"`)
      const conn = await new PrismaPg({ ...fields, database: name, allowExitOnIdle: true } as pg.PoolConfig).connect()
      const dispose = conn.dispose.bind(conn)
      conn.dispose = async () => { await dispose(); await admin(`DROP DATABASE IF EXISTS "${name}"`) }
      return conn
    }
    return factory
  }
  const factory = new PrismaBetterSqlite3({ url: `file:${config.file}` })
  // The engine replays a whole migration on the shadow database with one executeRaw; better-sqlite3
  // prepares one statement at a time, so run argument-less multi-statement scripts with exec().
  const connectToShadowDb = factory.connectToShadowDb.bind(factory)
  factory.connectToShadowDb = async () => {
    const conn = await connectToShadowDb()
    const executeRaw = conn.executeRaw.bind(conn)
    conn.executeRaw = async (q) => {
      try { return await executeRaw(q) } catch (e) {
        if (q.args.length === 0 && e instanceof RangeError && /more than one statement/.test(e.message)) {
          await conn.executeScript(q.sql)
          return 0
        }
        throw e
      }
    }
    return conn
  }
  return factory
}

let engineClass: typeof bg.SchemaEngine | undefined
async function loadEngine(): Promise<typeof bg.SchemaEngine> {
  if (engineClass) return engineClass
  const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'))
  const module = new WebAssembly.Module(await fs.readFile(path.join(dir, 'schema_engine_bg.wasm')))
  const instance = new WebAssembly.Instance(module, { './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports })
  const exports = instance.exports as unknown as { __wbindgen_start(): void }
  ;(bg as unknown as { __wbg_set_wasm(e: unknown): void }).__wbg_set_wasm(exports)
  exports.__wbindgen_start()
  engineClass = bg.SchemaEngine
  return engineClass
}

async function readMigrations(provider: DbConfig['provider']) {
  const dir = migrationsDirFor(provider)
  const lockPath = 'migration_lock.toml'
  const lock = await fs.readFile(path.join(dir, lockPath), 'utf8').catch(() => null)
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => [])
  const migrationDirectories = []
  for (const e of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const content = await fs.readFile(path.join(dir, e.name, 'migration.sql'), 'utf8').then(
      (value) => ({ tag: 'ok' as const, value }),
      (err: Error) => ({ tag: 'error' as const, value: err.message }),
    )
    migrationDirectories.push({ path: e.name, migrationFile: { path: 'migration.sql', content } })
  }
  return { baseDir: dir, lockfile: { path: lockPath, content: lock }, migrationDirectories, shadowDbInitScript: '' }
}

async function withEngine<T>(config: DbConfig, run: (engine: bg.SchemaEngine, schema: { files: { path: string; content: string }[] }) => Promise<T>): Promise<T> {
  const schemaPath = schemaFileFor(config.provider)
  const schema = { files: [{ path: schemaPath, content: await fs.readFile(schemaPath, 'utf8') }] }
  const SchemaEngine = await loadEngine()
  const restorePg = config.provider === 'postgres' ? patchPgCharType() : () => {}
  if (config.provider === 'sqlite') await fs.mkdir(path.dirname(config.file), { recursive: true })
  const log = (msg: string) => { if (process.env.DEBUG_SCHEMA_ENGINE) console.error(msg) }
  // The engine does not close the connections it opens; track them and close them ourselves, or the
  // SQLite file stays locked (SQLITE_BUSY when the server then switches it to WAL).
  const factory = adapterFactory(config)
  const opened: { dispose(): Promise<void> }[] = []
  const connect = factory.connect.bind(factory)
  factory.connect = async () => {
    const conn = await connect()
    opened.push(conn)
    return conn
  }
  const adapter = bindMigrationAwareSqlAdapterFactory(factory)
  const engine = await SchemaEngine.new({ datamodels: schema.files.map((f) => [f.path, f.content]) }, log, adapter)
  try {
    return await run(engine, schema)
  } finally {
    engine.free()
    await Promise.all(opened.map((c) => c.dispose().catch(() => {})))
    restorePg()
  }
}

/** Applies every pending committed migration; returns the names applied. */
export async function migrateDeploy(config: DbConfig): Promise<string[]> {
  return withEngine(config, async (engine) => {
    const r = await engine.applyMigrations({ migrationsList: await readMigrations(config.provider), filters })
    return r.appliedMigrationNames
  })
}

/** Creates a migration from the schema's difference to the migrations (and applies it). */
export async function migrateDev(config: DbConfig, name: string): Promise<string | null> {
  return withEngine(config, async (engine, schema) => {
    const migrationsList = await readMigrations(config.provider)
    // applyMigrations first: it creates _prisma_migrations (devDiagnostic fails with P1014 on a fresh
    // database); devDiagnostic must precede createMigration in the same engine (it sets up the shadow db).
    await engine.applyMigrations({ migrationsList, filters })
    const diag = await engine.devDiagnostic({ migrationsList, filters })
    if (diag.action.tag === 'reset') throw new Error(`drift detected, reset needed: ${diag.action.reason}`)
    const out = await engine.createMigration({ draft: false, migrationName: name, migrationsList, schema, filters })
    if (!out.migrationScript) return null
    const dir = migrationsDirFor(config.provider)
    await fs.mkdir(path.join(dir, out.generatedMigrationName), { recursive: true })
    await fs.writeFile(path.join(dir, out.generatedMigrationName, `migration.${out.extension}`), out.migrationScript)
    await fs.writeFile(path.join(dir, 'migration_lock.toml'),
      `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${out.connectorType}"\n`)
    await engine.applyMigrations({ migrationsList: await readMigrations(config.provider), filters })
    return out.generatedMigrationName
  })
}

/** SQL that would bring the committed migrations to the schema; empty when they are in step. */
export async function migrateDiff(config: DbConfig): Promise<string> {
  return withEngine(config, async (engine, schema) => {
    const r = await engine.diff({ from: { tag: 'migrations', ...(await readMigrations(config.provider)) }, to: { tag: 'schemaDatamodel', ...schema }, script: true, exitCode: null, filters })
    return r.stdout ?? ''
  })
}

export async function migrateStatus(config: DbConfig) {
  return withEngine(config, async (engine) =>
    engine.diagnoseMigrationHistory({ migrationsList: await readMigrations(config.provider), optInToShadowDatabase: false, filters }))
}

async function main() {
  const [cmd = 'deploy', ...rest] = process.argv.slice(2)
  const config = dbConfigFromEnv()
  switch (cmd) {
    case 'deploy':
      console.log(`${describeDb(config)}: applied`, await migrateDeploy(config))
      break
    case 'dev': {
      // the PostgreSQL schema must follow the edited source before its migration is diffed
      const { derivePostgresSchema } = await import('../scripts/derive-schema.mjs')
      await fs.writeFile(schemaFileFor('postgres'), derivePostgresSchema(await fs.readFile(schemaFileFor('sqlite'), 'utf8')))
      const i = rest.indexOf('--name')
      const name = i >= 0 && rest[i + 1] ? rest[i + 1]! : 'migration'
      const sqliteTmp = path.join(prismaDir, '..', 'var', `migrate-dev-${process.pid}.db`)
      const sqliteName = await migrateDev({ provider: 'sqlite', file: sqliteTmp }, name)
      console.log('sqlite:', sqliteName ?? 'no schema changes')
      await fs.rm(sqliteTmp, { force: true })
      // PostgreSQL: MIGRATE_POSTGRES_URL, or a throw-away local server (Debian's postgresql package)
      let pgUrl = process.env.MIGRATE_POSTGRES_URL
      const local = pgUrl ? null : await startPostgres()
      try {
        if (local) pgUrl = await createDatabase(local, 'gridduty_migrate_dev')
        const pgName = await migrateDev({ provider: 'postgres', url: pgUrl! }, name)
        // one name for the same step in both folders (the two runs may straddle a second)
        if (pgName && sqliteName && pgName !== sqliteName) {
          await fs.rename(path.join(migrationsDirFor('postgres'), pgName), path.join(migrationsDirFor('postgres'), sqliteName))
        }
        console.log('postgres:', sqliteName ?? pgName ?? 'no schema changes')
      } finally {
        await local?.stop()
      }
      break
    }
    case 'status':
      console.log(JSON.stringify(await migrateStatus(config), null, 2))
      break
    case 'diff':
      process.stdout.write(await migrateDiff(config))
      break
    default:
      throw new Error(`unknown command "${cmd}" (deploy | dev | status | diff)`)
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // exit explicitly: engine.free() can leave a pg pool open
  main().then(() => process.exit(0), (e: { code?: string; message?: string }) => {
    console.error(e?.code ? `${e.code}: ${e.message}` : e)
    process.exit(1)
  })
}
