/**
 * Starts a throw-away PostgreSQL server on loopback (Debian's postgresql package): for the tests,
 * the benchmarks, and `npm run migrate -- dev` (which needs a PostgreSQL to write the PostgreSQL migration).
 * As root, the server runs as the `postgres` system user (PostgreSQL refuses to run as root).
 */
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

export interface PgServer { url: string; adminUrl: string; stop(): Promise<void> }

function pgBinDir(): string {
  const base = '/usr/lib/postgresql'
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin/initdb'))) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (!newest) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)')
  return path.join(base, newest, 'bin')
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    }).on('error', reject)
  })
}

const MB = 1024 * 1024

/**
 * The server settings for bulk writes (docs/benchmarks.md "PostgreSQL settings for bulk import"; the
 * README's "Running on PostgreSQL" recommends them for production, there with fsync etc. left on).
 * A 1,000,000-row ledger import COPYs its problems and events into a Problem table that already holds
 * ~0.45 GB per million rows (heap + ten indexes) and writes ~1.2 GB of WAL: under the defaults
 * (shared_buffers 128 MB, max_wal_size 1 GB) the backend evicts index pages it is about to touch
 * again and three checkpoints run during the import. shared_buffers takes an eighth of the machine's
 * memory (at most 2 GB: the bench's 2 M problems and their indexes fit), max_wal_size and
 * checkpoint_timeout keep checkpoints out of an import, wal_buffers holds a 5,000-row chunk's WAL
 * (~6 MB), and maintenance_work_mem lets CREATE INDEX (migrations) and VACUUM work in memory. work_mem
 * stays at its default: a COPY neither sorts nor hashes.
 */
export function bulkLoadSettings(totalMemBytes = os.totalmem()): Record<string, string> {
  const sharedMb = Math.max(128, Math.min(2048, Math.floor(totalMemBytes / 8 / MB)))
  return {
    shared_buffers: `${sharedMb}MB`,
    max_wal_size: '8GB',
    checkpoint_timeout: '30min',
    wal_buffers: '64MB',
    maintenance_work_mem: '512MB',
  }
}

export async function startPostgres(): Promise<PgServer> {
  const bin = pgBinDir()
  const asRoot = process.getuid?.() === 0
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridduty-pg-'))
  const dataDir = path.join(dir, 'data')
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir])
  const run = (cmd: string, args: string[]) =>
    asRoot ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, cmd), args, { stdio: 'pipe' })
  const superuser = 'gridduty'
  run('initdb', ['-D', dataDir, '-U', superuser, '--auth=trust', '--encoding=UTF8', '--locale=C.UTF-8'])
  const port = await freePort()
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
    ...Object.entries(bulkLoadSettings()).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
  // setpriv execs in place (runuser would stay the parent and not forward our signals)
  const proc = asRoot ? spawn('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', path.join(bin, 'postgres'), ...args], { stdio: 'ignore' })
    : spawn(path.join(bin, 'postgres'), args, { stdio: 'ignore' })
  const adminUrl = `postgresql://${superuser}@127.0.0.1:${port}/postgres`
  const pg = (await import('pg')).default
  for (let i = 0; ; i++) {
    const c = new pg.Client({ connectionString: adminUrl })
    try { await c.connect(); await c.end(); break } catch (e) {
      await c.end().catch(() => {})
      if (i > 100) { proc.kill('SIGKILL'); throw new Error(`PostgreSQL did not start: ${(e as Error).message}`) }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    url: `postgresql://${superuser}@127.0.0.1:${port}/gridduty`,
    adminUrl,
    async stop() {
      proc.kill('SIGINT') // fast shutdown
      await new Promise((r) => proc.once('exit', r))
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Creates an empty database on the server and returns its URL. */
export async function createDatabase(server: PgServer, name: string): Promise<string> {
  const pg = (await import('pg')).default
  const c = new pg.Client({ connectionString: server.adminUrl })
  await c.connect()
  try { await c.query(`DROP DATABASE IF EXISTS "${name}"`); await c.query(`CREATE DATABASE "${name}"`) } finally { await c.end() }
  return server.adminUrl.replace(/\/postgres$/, `/${name}`)
}
