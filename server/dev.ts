/** `npm run dev`: the API on API_PORT (3001) and Vite with hot reload on PORT (3000), proxying /trpc. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from 'vite'
import { boot } from './boot.ts'
import { dbConfigFromEnv } from './db/config.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const apiPort = Number(process.env.API_PORT ?? 3001)
const { server } = await boot({ db: dbConfigFromEnv(), log: (l) => console.log(l) })
server.listen(apiPort, '127.0.0.1')
const vite = await createServer({ configFile: path.join(root, 'vite.config.ts') })
await vite.listen()
vite.printUrls()
