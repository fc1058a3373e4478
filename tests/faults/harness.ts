/**
 * The crash-test harness: the real server (`tsx server/main.ts`) as a child process on loopback, on
 * its own copy of the seeded SQLite database, that a test can SIGKILL, SIGTERM and restart.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { inject } from 'vitest'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as net.AddressInfo; s.close(() => resolve(port)) })
  })
}

let counter = 0
/** A fresh copy of the seeded template database (removed with `drop`). */
export function copyTemplateDb(tag: string): { file: string; drop(): void } {
  const file = path.resolve('var/test', `fault-${tag}-${process.pid}-${Date.now()}-${counter++}.db`)
  fs.copyFileSync(inject('sqliteTemplate'), file)
  return { file, drop: () => { for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true }) } }
}

export interface ServerProcess {
  url: string
  child: ChildProcess
  /** everything the process wrote to stderr so far */
  stderr(): string
  stdout(): string
  /** resolves when a line matching `re` appears on stderr or stdout */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string>
  kill(signal: NodeJS.Signals): void
}

/** `nodeArgs`: extra node options before the script (e.g. a preload `--import`, `--cpu-prof`). */
export async function startServerProcess(dbFile: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
  const port = await freePort()
  // `node --import tsx`, not the tsx CLI: the CLI runs the server in a grandchild that a SIGKILL would orphan
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, 'server/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `file:${dbFile}`, SKIP_CLIENT_BUILD: '1', SEED_DEMO: '0', SCHEDULER: 'off', ...env }, // the reminder scheduler only where a test turns it on
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = '', err = ''
  const waiters: { re: RegExp; resolve(): void }[] = []
  const check = () => { for (const w of [...waiters]) if (w.re.test(out) || w.re.test(err)) { waiters.splice(waiters.indexOf(w), 1); w.resolve() } }
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); check() })
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); check() })
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)))
  const waitFor = (re: RegExp, timeoutMs = 30_000) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; stdout: ${out.slice(-500)} stderr: ${err.slice(-1500)}`)), timeoutMs)
    waiters.push({ re, resolve: () => { clearTimeout(timer); resolve() } })
    void exited.then((c) => { clearTimeout(timer); reject(new Error(`server exited (${c}) before ${re}; stderr: ${err.slice(-1500)}`)) })
    check()
  })
  const url = `http://127.0.0.1:${port}`
  await waitFor(/GridDuty .* on http/, 60_000)
  return { url, child, stderr: () => err, stdout: () => out, waitFor, exited, kill: (s) => { child.kill(s) } }
}

/** Stop a server process if still running (SIGKILL), and wait for it to be gone. */
export async function ensureStopped(p: ServerProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return
  p.kill('SIGKILL')
  await p.exited
}
