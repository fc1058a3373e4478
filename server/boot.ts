/** Everything between "a database URL" and "a server ready to listen": migrate, seed if empty, load grids. */
import { migrateDeploy } from '../prisma/migrate.ts'
import { isEmpty, seedDemo } from '../prisma/seed.ts'
import { createDb, type Db } from './db/client.ts'
import { describeDb, type DbConfig } from './db/config.ts'
import { createAppServer } from './http.ts'
import { applyDueVersions } from './services/boundary.ts'
import { GridCatalog } from './services/gridCatalog.ts'
import { refreshInspectionTallies, refreshProblemTallies, rollOverdueClock } from './services/aggregates.ts'

export interface BootOptions {
  db: DbConfig
  /** load the demo city into an empty database (default true) */
  seedIfEmpty?: boolean
  staticDir?: string
  /** poll the grid table this often (ms) and reload the catalog when another process changed it */
  watchGridsMs?: number
  log?: (line: string) => void
}

export async function boot(options: BootOptions) {
  const log = options.log ?? (() => {})
  const applied = await migrateDeploy(options.db)
  if (applied.length) log(`${describeDb(options.db)}: applied migrations ${applied.join(', ')}`)
  const db: Db = await createDb(options.db)
  if (options.seedIfEmpty !== false && (await isEmpty(db))) {
    const r = await seedDemo(db)
    log(`empty database: loaded the demo city (${r.grids} grids, ${r.problems} problems, ${r.inspections} inspections)`)
  }
  // a database from before the aggregates (no overdue clock yet): build them once from the rows
  if (!(await db.aggregateClock.findUnique({ where: { id: 1 } }))) {
    await rollOverdueClock(db, new Date())
    await refreshProblemTallies(db)
    await refreshInspectionTallies(db)
    log('aggregates built from the problem and inspection rows')
  }
  const catalog = await GridCatalog.load(db)
  // scheduled boundary versions (待生效) whose date has come: applied at boot and on every watch tick
  const due = await applyDueVersions(db, catalog, new Date())
  if (due.length) log(`applied scheduled boundary versions ${due.join(', ')}`)
  const server = createAppServer({ db, catalog, staticDir: options.staticDir })
  if (options.watchGridsMs) {
    server.on('close', catalog.watch(db, options.watchGridsMs))
    let busy = false
    const timer = setInterval(() => {
      if (busy) return
      busy = true
      applyDueVersions(db, catalog, new Date()).catch((e) => console.error('[boundary schedule]', e)).finally(() => { busy = false })
    }, options.watchGridsMs)
    timer.unref()
    server.on('close', () => clearInterval(timer))
  }
  return { db, catalog, server }
}
