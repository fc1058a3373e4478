/**
 * The PostgreSQL import's foreign-key check, per row (PostgreSQL's triggers, IMPORT_FK_CHECK=row) against
 * once per distinct value (ReferenceGuard, IMPORT_FK_CHECK=bulk), side by side: a fresh synthetic city per
 * run (GRIDS, default 20,000), the same generated ledger through GridDuty's import end to end, with the
 * CPU seconds of every PostgreSQL process and of this Node process (its worker threads included) over the
 * run (the removal of the rows afterwards included in both). Writes bench/results/<date>-import-fk-check.json.
 *   npx tsx bench/importFkCheck.ts [rows=500000] [modes=row,bulk]
 */
import fs from 'node:fs'
import path from 'node:path'
import { execSync } from 'node:child_process'
const TICK = Number(execSync('getconf CLK_TCK').toString())
function pgCpu(): number {
  let t = 0
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      if (fs.statSync(`/proc/${d}`).uid !== PGUID) continue
      const f = fs.readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')
      t += (Number(f[11]) + Number(f[12])) / TICK
    } catch {}
  }
  return t
}
const PGUID = Number(execSync('id -u postgres').toString())
import { startPostgres, createDatabase } from '../scripts/localPostgres.ts'
import { migrateDeploy } from '../prisma/migrate.ts'
import { createDb } from '../server/db/client.ts'
import { loadSyntheticCity } from './loadCity.ts'
import { syntheticCity } from './syntheticCity.ts'
import { GridCatalog } from '../server/services/gridCatalog.ts'
import { benchLedgerImport } from './importProblems.ts'
const GRIDS = Number(process.env.GRIDS ?? 20000), ROWS = Number(process.argv[2] ?? 500000)
const server = await startPostgres()
const bbox = syntheticCity(GRIDS, 7).bbox
let k = 0
const runs: unknown[] = []
for (const mode of (process.argv[3] ?? 'row,bulk').split(',')) {
  const config = { provider: 'postgres' as const, url: await createDatabase(server, `city${k++}`) }
  await migrateDeploy(config)
  const db = await createDb(config)
  await loadSyntheticCity(db, GRIDS, 7)
  process.env.IMPORT_FK_CHECK = mode
  const catalog = await GridCatalog.load(db)
  const cpu0 = pgCpu(), node0 = process.cpuUsage()
  const r = await benchLedgerImport({ config, db, catalog, bbox, rows: ROWS, })
  const nodeCpu = process.cpuUsage(node0)
  const pgSeconds = pgCpu() - cpu0, nodeSeconds = (nodeCpu.user + nodeCpu.system) / 1e6
  console.log(`${mode}: ${Math.round(r.rowsPerSecond)} rows/s; PostgreSQL CPU ${pgSeconds.toFixed(1)} s, Node CPU ${nodeSeconds.toFixed(1)} s (removal included)`)
  runs.push({ mode, rowsPerSecond: r.rowsPerSecond, postgresCpuSeconds: pgSeconds, nodeCpuSeconds: nodeSeconds, phases: r.phases })
  await db.$disconnect()
}
await server.stop()
const out = path.join('bench/results', `${new Date().toISOString().slice(0, 10)}-import-fk-check.json`)
fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), grids: GRIDS, rows: ROWS, loadAverage: (await import('node:os')).loadavg(), runs }, null, 2) + '\n')
console.log(`wrote ${out}`)
