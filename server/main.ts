/** `npm start`: one process serving the built client and the API on PORT (default 3000). */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { boot } from './boot.ts'
import { gracefulShutdown, shutdownGraceMs } from './shutdown.ts'
import { dbConfigFromEnv, describeDb } from './db/config.ts'
import { closeHeavyPool, warmHeavyPool } from './services/heavy.ts'
import { schedulerIntervalMs, startScheduler } from './services/scheduler.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const staticDir = path.join(root, 'dist/client')

async function ensureClientBuilt(): Promise<void> {
  if (process.env.SKIP_CLIENT_BUILD === '1') return // API-only runs (tests, fault harness)
  if (fs.existsSync(path.join(staticDir, 'index.html')) && process.env.REBUILD_CLIENT !== '1') return
  console.log('building the client (first start) …')
  const { build } = await import('vite')
  await build({ configFile: path.join(root, 'vite.config.ts'), logLevel: 'warn' })
}

async function main() {
  const port = Number(process.env.PORT ?? 3000)
  const config = dbConfigFromEnv()
  await ensureClientBuilt()
  const built = fs.existsSync(path.join(staticDir, 'index.html'))
  const { db, catalog, server } = await boot({ db: config, staticDir: built ? staticDir : undefined, seedIfEmpty: process.env.SEED_DEMO !== '0', watchGridsMs: Number(process.env.GRID_RELOAD_POLL_MS ?? 5000), log: (l) => console.log(l) })
  warmHeavyPool() // the worker threads load in the background (heavy requests wait for them, untimed)
  // reminders, escalation and the notification outbox (services/scheduler.ts; SCHEDULER=off disables it)
  const intervalMs = schedulerIntervalMs()
  const scheduler = intervalMs ? startScheduler(db, () => catalog.holidays.calendar, { intervalMs, log: (l) => console.log(l) }) : null
  const stop = gracefulShutdown(server, { graceMs: shutdownGraceMs(), onClosed: async () => { await scheduler?.stop(); await closeHeavyPool(); await db.$disconnect() }, log: (l) => console.log(l), exit: (c) => process.exit(c) })
  server.listen(port, process.env.HOST ?? '0.0.0.0', () => {
    console.log(`GridDuty 网格责任地图 on http://localhost:${port}  (${describeDb(config)})`)
  })
  // Graceful shutdown (server/shutdown.ts): stop accepting, close idle keep-alive connections, answer
  // in-flight requests with Connection: close, close the database, exit 0 within SHUTDOWN_GRACE_MS
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((e) => { console.error(e); process.exit(1) })
