/** Migrations apply offline on a fresh database of each kind and match the one model source. */
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { migrateDeploy, migrateDiff, migrationsDirFor } from '../../prisma/migrate.ts'
import { derivePostgresSchema } from '../../scripts/derive-schema.mjs'
import type { DbConfig } from '../../server/db/config.ts'

describe('schema files', () => {
  it('the PostgreSQL schema is derived from prisma/schema.prisma and in step with it', () => {
    const source = fs.readFileSync('prisma/schema.prisma', 'utf8')
    expect(fs.readFileSync('prisma/schema.postgres.prisma', 'utf8')).toBe(derivePostgresSchema(source))
  })

  it('both databases have the same migration steps', () => {
    const steps = (p: 'sqlite' | 'postgres') => fs.readdirSync(migrationsDirFor(p)).filter((d) => !d.endsWith('.toml')).sort()
    expect(steps('postgres')).toEqual(steps('sqlite'))
    expect(steps('sqlite').length).toBeGreaterThan(0)
  })
})

async function freshPostgres(): Promise<DbConfig> {
  const adminUrl = inject('postgresAdminUrl')!
  const name = `mig_${process.pid}_${Date.now()}`
  const c = new pg.Client({ connectionString: adminUrl })
  await c.connect()
  await c.query(`CREATE DATABASE "${name}"`)
  await c.end()
  return { provider: 'postgres', url: adminUrl.replace(/\/postgres$/, `/${name}`) }
}

const kinds: ('sqlite' | 'postgres')[] = inject('postgresAdminUrl') ? ['sqlite', 'postgres'] : ['sqlite']

describe.each(kinds)('migrations on a fresh %s database', (kind) => {
  it('apply every step once, then nothing, and leave no difference to the schema', async () => {
    const config: DbConfig = kind === 'sqlite'
      ? { provider: 'sqlite', file: path.resolve('var/test', `mig-${process.pid}-${Date.now()}.db`) }
      : await freshPostgres()
    const all = fs.readdirSync(migrationsDirFor(kind)).filter((d) => !d.endsWith('.toml')).sort()
    expect(await migrateDeploy(config)).toEqual(all)
    expect(await migrateDeploy(config)).toEqual([])
    expect((await migrateDiff(config)).replace(/--.*\n/g, '').trim()).toBe('')
    if (config.provider === 'sqlite') fs.rmSync(config.file, { force: true })
  })
})
