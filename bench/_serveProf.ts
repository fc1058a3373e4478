import inspector from 'node:inspector/promises'
import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import { boot } from '../server/boot.ts'
const config = JSON.parse(process.env.BENCH_DB ?? '')
const { server } = await boot({ db: config, seedIfEmpty: false })
const session = new inspector.Session(); session.connect()
await session.post('Profiler.enable')
process.on('SIGUSR2', () => { void session.post('Profiler.start') })
process.on('SIGTERM', async () => { const { profile } = await session.post('Profiler.stop'); fs.writeFileSync('/tmp/prof/steady.cpuprofile', JSON.stringify(profile)); process.exit(0) })
server.listen(0, '127.0.0.1', () => console.log(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}`))
