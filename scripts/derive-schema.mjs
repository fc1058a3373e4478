/** prisma/schema.prisma (SQLite) → the PostgreSQL schema: only the provider and the client's output differ. */
export function derivePostgresSchema(sqliteSchema) {
  const out = sqliteSchema
    .replace(/provider = "sqlite"/, 'provider = "postgresql"')
    .replace('output   = "../server/db/generated/sqlite"', 'output   = "../server/db/generated/postgres"')
  if (out === sqliteSchema || !out.includes('"postgresql"') || !out.includes('generated/postgres')) {
    throw new Error('derivePostgresSchema: provider or output line not found in prisma/schema.prisma')
  }
  return '// GENERATED from prisma/schema.prisma by scripts/postinstall.mjs — do not edit.\n' + out
}
