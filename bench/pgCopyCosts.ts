/**
 * What PostgreSQL's COPY of import rows costs, in parts: 200,000 problems and their events (the rows the
 * import writes) COPYed in 5,000-row chunks into the demo city, in one transaction per run, with
 *   base        the schema as it is (foreign-key triggers, every index; collation C.UTF-8)
 *   replica     session_replication_role = replica: no foreign-key triggers
 *   noidx       Problem's and ProblemEvent's secondary indexes dropped (the pkeys kept)
 *   C           a database with collation C (byte order) instead of C.UTF-8
 * each variant twice, interleaved. Prints rows/s of the COPYs alone.
 *   npx tsx bench/pgCopyCosts.ts [rows=200000] [variants=base,replica,C,noidx,noidx+replica]
 */
import fs from 'node:fs'
import os from 'node:os'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { startPostgres } from '../scripts/localPostgres.ts'
import { migrateDeploy } from '../prisma/migrate.ts'
import { seedDemo } from '../prisma/seed.ts'
import { createDb } from '../server/db/client.ts'

const N = Number(process.argv[2] ?? 200000)
const server = await startPostgres()
const admin = new pg.Client({ connectionString: server.adminUrl }); await admin.connect()
async function makeDb(name: string, collate: string) {
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE '${collate}' LC_CTYPE 'C.UTF-8'`)
  const url = server.adminUrl.replace(/\/postgres$/, `/${name}`)
  await migrateDeploy({ provider: 'postgres', url })
  const db = await createDb({ provider: 'postgres', url }); await seedDemo(db); await db.$disconnect()
  return url
}
function copy(c: pg.Client, sql: string, buf: string) {
  return new Promise<void>((res, rej) => { const s = c.query(copyFrom(sql)); s.once('finish', res); s.once('error', rej); s.end(buf) })
}
async function trial(url: string, replica: boolean, label: string) {
  const c = new pg.Client({ connectionString: url }); await c.connect()
  const grids = (await c.query('SELECT id FROM "Grid"')).rows.map((r) => r.id)
  const deps = (await c.query('SELECT id FROM "Department"')).rows.map((r) => r.id)
  const cats = (await c.query('SELECT code FROM "ProblemCategory"')).rows.map((r) => r.code)
  const user = (await c.query('SELECT id FROM "User" LIMIT 1')).rows[0].id
  await c.query('BEGIN')
  if (replica) await c.query("SET LOCAL session_replication_role = replica")
  const b = await c.query(`INSERT INTO "ImportBatch" ("fileName","fileHash","coordSystem","mode","total","skipped","failed","createdById","createdAt","imported","report") VALUES ('x','h','wgs84','append',0,0,0,$1,now(),0,'[]') RETURNING id`, [user])
  const batch = b.rows[0].id
  const start = (await c.query(`SELECT nextval(pg_get_serial_sequence('"Problem"','id'))::int AS id`)).rows[0].id + 1
  await c.query(`SELECT setval(pg_get_serial_sequence('"Problem"','id'), $1)`, [start + N])
  const statuses = ['pending', 'dispatched', 'rectifying', 'closed']
  const t0 = Date.now()
  let copyMs = 0
  for (let off = 0; off < N; off += 5000) {
    let p = '', e = ''
    for (let i = off; i < Math.min(N, off + 5000); i++) {
      const id = start + i, st = statuses[i % 4]
      p += `${id}\t${108.9 + (i % 1000) / 10000}\t${34.2 + (i % 997) / 10000}\t${grids[i % grids.length]}\t${deps[i % deps.length]}\t${cats[i % cats.length]}\t\\N\t\\N\t描述 ${i}\t${st}\tnormal\t2026-12-10 00:00:00\t${user}\t张三\timport\text-${label}-${i}\t\\N\t\\N\t2026-11-01 08:00:00\t2026-12-02 00:00:00\t2026-12-02 00:00:00\t${batch}\t${i + 2}\n`
      e += `${id}\treport\t\\N\t${st}\t${user}\t2026-12-02 00:00:00\t导入批次 #${batch} 第 ${i + 2} 行\n`
    }
    const t = Date.now()
    await copy(c, `COPY "Problem" (id,lng,lat,"gridId","departmentId","categoryCode","supervisingDepartmentId","routingRuleId",description,status,priority,deadline,"reporterId","reporterName",source,"externalId","boundaryGridIds","reboundOfId","reportedAt","createdAt","updatedAt","importBatchId","importRow") FROM STDIN`, p)
    await copy(c, `COPY "ProblemEvent" ("problemId",action,"fromStatus","toStatus","actorId",at,note) FROM STDIN`, e)
    copyMs += Date.now() - t
  }
  await c.query('COMMIT')
  const ms = Date.now() - t0
  console.log(`${label}: ${N} rows, COPY ${copyMs} ms → ${(N / copyMs * 1000).toFixed(0)} rows/s (total ${ms} ms)`)
  results.push({ run: label, rows: N, copyMs, rowsPerSecond: Math.round(N / copyMs * 1000), totalMs: ms })
  await c.end()
}
const results: unknown[] = []
const variants = process.argv[3]?.split(',') ?? ['base', 'replica', 'C', 'noidx', 'noidx+replica']
const urls: Record<string, string> = {}
urls.utf = await makeDb('exp_utf', 'C.UTF-8')
urls.C = await makeDb('exp_c', 'C')
urls.noidx = await makeDb('exp_noidx', 'C.UTF-8')
{ const c = new pg.Client({ connectionString: urls.noidx }); await c.connect()
  const idx = (await c.query(`SELECT indexname FROM pg_indexes WHERE tablename IN ('Problem','ProblemEvent') AND indexname NOT LIKE '%pkey'`)).rows.map((r) => r.indexname)
  console.log('dropping', idx.join(' '))
  for (const i of idx) await c.query(`DROP INDEX "${i}"`)
  await c.end() }
for (let round = 0; round < 2; round++) {
  for (const v of variants) await trial(v.startsWith('noidx') ? urls.noidx! : v.startsWith('C') ? urls.C! : urls.utf!, v.includes('replica'), `${v}-${round}`)
}
await admin.end()
await server.stop()
const out = `bench/results/${new Date().toISOString().slice(0, 10)}-pg-copy-costs.json`
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), loadAverage: os.loadavg(), results }, null, 2) + '\n')
console.log(`wrote ${out}`)
