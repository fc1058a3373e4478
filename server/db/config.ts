import path from 'node:path'

/** Which database GridDuty talks to. SQLite (a file) is the embedded default; PostgreSQL scales out. */
export type DbConfig =
  | { provider: 'sqlite'; file: string }
  | { provider: 'postgres'; url: string }

export const DEFAULT_SQLITE_FILE = 'var/gridduty.db'

/** DATABASE_URL: `postgres://…` / `postgresql://…` → PostgreSQL; `file:path` or unset → SQLite. */
export function dbConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DbConfig {
  const url = env.DATABASE_URL?.trim()
  if (!url) return { provider: 'sqlite', file: path.resolve(DEFAULT_SQLITE_FILE) }
  if (/^postgres(ql)?:\/\//.test(url)) return { provider: 'postgres', url }
  if (url.startsWith('file:')) return { provider: 'sqlite', file: path.resolve(url.slice('file:'.length)) }
  throw new Error(`DATABASE_URL must start with postgres://, postgresql:// or file: (got "${url.slice(0, 20)}…")`)
}

export function describeDb(config: DbConfig): string {
  return config.provider === 'sqlite' ? `SQLite ${config.file}` : `PostgreSQL ${config.url.replace(/:[^:@/]*@/, ':***@')}`
}
