export function derivePostgresSchema(sqliteSchema: string): string
