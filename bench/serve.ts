/**
 * A GridDuty server in its own process for the load and map benchmarks (so the load tool and the
 * browser do not share its event loop): BENCH_DB = JSON DbConfig, BENCH_STATIC = built client.
 * Prints "READY <url>" when listening; stops on SIGTERM.
 */
import type { AddressInfo } from 'node:net'
import { boot } from '../server/boot.ts'
import type { DbConfig } from '../server/db/config.ts'

const config = JSON.parse(process.env.BENCH_DB ?? '') as DbConfig
const { db, server } = await boot({ db: config, seedIfEmpty: false, staticDir: process.env.BENCH_STATIC || undefined })
server.listen(0, '127.0.0.1', () => {
  console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
process.on('SIGTERM', () => {
  server.closeAllConnections()
  server.close(() => { void db.$disconnect().finally(() => process.exit(0)) })
})
