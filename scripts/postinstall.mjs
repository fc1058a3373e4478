// Derives the PostgreSQL schema from prisma/schema.prisma (the one source of truth)
// and generates both Prisma clients, offline: `prisma generate` needs no schema-engine
// binary when PRISMA_SCHEMA_ENGINE_BINARY points anywhere (see README, "Offline Prisma").
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { derivePostgresSchema } from './derive-schema.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const source = path.join(root, 'prisma/schema.prisma')
const derived = path.join(root, 'prisma/schema.postgres.prisma')
writeFileSync(derived, derivePostgresSchema(readFileSync(source, 'utf8')))

const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js')
const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' }
for (const schema of [source, derived]) {
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', schema, '--no-hints'], { cwd: root, env, stdio: 'inherit' })
}
