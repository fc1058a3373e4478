/** The test and bench PostgreSQL server runs with the bulk-import settings (docs/benchmarks.md "PostgreSQL settings for bulk import"). */
import pg from 'pg'
import { describe, expect, inject, it } from 'vitest'
import { bulkLoadSettings } from '../../scripts/localPostgres.ts'

const GiB = 1024 ** 3

describe('bulkLoadSettings', () => {
  it('gives shared_buffers an eighth of the memory, between 128 MB and 2 GB', () => {
    expect(bulkLoadSettings(24 * GiB).shared_buffers).toBe('2048MB') // 3 GB capped
    expect(bulkLoadSettings(16 * GiB).shared_buffers).toBe('2048MB') // exactly the cap
    expect(bulkLoadSettings(7 * GiB).shared_buffers).toBe('896MB')
    expect(bulkLoadSettings(512 * 1024 ** 2).shared_buffers).toBe('128MB') // 64 MB raised to the default
  })
})

// with TEST_POSTGRES=1 (as in CI), as tests/db/migrations.test.ts
const adminUrl = inject('postgresAdminUrl')
if (adminUrl) describe('the local PostgreSQL server', () => {
  it('runs with every bulk-load setting', async () => {
    const c = new pg.Client({ connectionString: adminUrl })
    await c.connect()
    try {
      const wanted = bulkLoadSettings()
      for (const name of ['shared_buffers', 'max_wal_size', 'wal_buffers', 'maintenance_work_mem']) {
        const r = await c.query<{ same: boolean }>('SELECT pg_size_bytes(current_setting($1)) = pg_size_bytes($2) AS same', [name, wanted[name]])
        expect({ name, same: r.rows[0]!.same }).toEqual({ name, same: true })
      }
      const t = await c.query<{ setting: string; unit: string }>("SELECT setting, unit FROM pg_settings WHERE name = 'checkpoint_timeout'")
      expect(t.rows[0]).toEqual({ setting: '1800', unit: 's' })
    } finally { await c.end() }
  })
})
