/**
 * The problem import killed mid-transaction on each database (SQLite always, PostgreSQL with
 * TEST_POSTGRES=1): the server process is SIGKILLed after the first write chunk went out through the
 * driver (better-sqlite3 statements / PostgreSQL COPY), and nothing of the import is there afterwards —
 * no problem, event, audit row or batch; the retry then imports every row exactly once.
 */
import Database from 'better-sqlite3'
import pg from 'pg'
import { pointOnFeature } from '@turf/turf'
import { afterEach, describe, expect, it } from 'vitest'
import { callProcedure, sessionCookieFor } from '../support/procedures.ts'
import { freshDatabase, testDatabases } from '../support/appServer.ts'
import type { DbConfig } from '../../server/db/config.ts'
import { ensureStopped, startServerProcess, type ServerProcess } from './harness.ts'

const running: ServerProcess[] = []
const drops: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const p of running.splice(0)) await ensureStopped(p)
  for (const d of drops.splice(0)) await d()
})

const COUNTS = {
  problems: 'SELECT count(*) AS n FROM "Problem"',
  imported: `SELECT count(*) AS n FROM "Problem" WHERE "externalId" LIKE 'ext:编号:KILL-%'`,
  events: 'SELECT count(*) AS n FROM "ProblemEvent"',
  importAudits: `SELECT count(*) AS n FROM "AuditLog" WHERE "action" = 'problem.import'`,
  batches: 'SELECT count(*) AS n FROM "ImportBatch"',
}

/** The row counts straight from the database, as a fresh process sees them after the crash. */
async function counts(config: DbConfig): Promise<Record<keyof typeof COUNTS, number>> {
  const out = {} as Record<keyof typeof COUNTS, number>
  if (config.provider === 'sqlite') {
    const db = new Database(config.file, { readonly: true })
    try { for (const [k, sql] of Object.entries(COUNTS)) out[k as keyof typeof COUNTS] = (db.prepare(sql).get() as { n: number }).n } finally { db.close() }
    return out
  }
  const c = new pg.Client({ connectionString: config.url })
  await c.connect()
  try { for (const [k, sql] of Object.entries(COUNTS)) out[k as keyof typeof COUNTS] = Number((await c.query<{ n: string }>(sql)).rows[0]!.n) } finally { await c.end() }
  return out
}

describe.each(testDatabases())('problem import killed mid-transaction on %s', (kind) => {
  it('leaves nothing half-written; the retry imports each row exactly once', async () => {
    const fresh = await freshDatabase(kind)
    drops.push(fresh.drop)
    const config = fresh.config
    const start = async (env: Record<string, string> = {}) => {
      const p = await startServerProcess(config.provider === 'sqlite' ? config.file : '', { ...(config.provider === 'postgres' ? { DATABASE_URL: config.url } : {}), ...env })
      running.push(p)
      return p
    }
    const server = await start({ GRIDDUTY_FAILPOINTS: 'problem.import=300' })
    const leader = await sessionCookieFor(server.url, 'leader')
    const grids = (await callProcedure(server.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, leader)).data as { features: GeoJSON.Feature<GeoJSON.Polygon>[] }
    const points = grids.features.map((f) => pointOnFeature(f).geometry.coordinates as [number, number])
    const ROWS = 7000 // two write chunks (WRITE_CHUNK 5000): killed with the first written, the transaction open
    const csv = '编号,经度,纬度,类别,描述\n' + Array.from({ length: ROWS }, (_, i) => {
      const [lng, lat] = points[i % points.length]!
      return `KILL-${i},${lng},${lat},LJ01,批量导入第${i}行`
    }).join('\n') + '\n'
    const post = (cookie: string, url: string) => fetch(`${url}/api/import/problems?mode=commit&coords=wgs84&commitMode=all-or-nothing&fileName=kill.csv`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: csv })

    const before = await counts(config)
    const inFlight = post(leader, server.url).catch((e: Error) => e)
    await server.waitFor(/failpoint problem\.import halfway/)
    server.kill('SIGKILL')
    expect(await server.exited).toBe('SIGKILL')
    expect(await inFlight).toBeInstanceOf(Error)
    // PostgreSQL ends the dead connection's transaction; give it a moment to roll back before counting
    if (kind === 'postgres') await new Promise((r) => setTimeout(r, 500))
    expect(await counts(config)).toEqual(before)

    const again = await start()
    const leader2 = await sessionCookieFor(again.url, 'leader')
    const first = (await (await post(leader2, again.url)).json()) as { summary: { imported: number } }
    expect(first.summary.imported).toBe(ROWS)
    const retried = (await (await post(leader2, again.url)).json()) as { summary: { imported: number } }
    expect(retried.summary.imported).toBe(0)
    await ensureStopped(again)
    expect(await counts(config)).toEqual({
      problems: before.problems + ROWS, imported: ROWS, events: before.events + ROWS,
      importAudits: before.importAudits + 2, batches: before.batches + 2, // one audit row per batch, none per problem
    })
  }, 300_000)
})
