/**
 * `npm run backup` / `npm run restore` for real: back up a running server's database, write more,
 * see restore refused while the server runs, stop it, restore, and find the backed-up state.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { callProcedure, sessionCookieFor } from '../support/procedures.ts'
import { copyTemplateDb, ensureStopped, startServerProcess, type ServerProcess } from './harness.ts'

const run = promisify(execFile)
const running: ServerProcess[] = []
const cleanup: (() => void)[] = []
afterEach(async () => {
  for (const p of running.splice(0)) await ensureStopped(p)
  for (const c of cleanup.splice(0)) c()
})

async function npmScript(script: 'backup' | 'restore', args: string[], dbFile: string): Promise<{ code: number; out: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', script, ...args], { env: { ...process.env, DATABASE_URL: `file:${dbFile}` } })
    return { code: 0, out: r.stdout + r.stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout + err.stderr }
  }
}

describe('backup and restore (SQLite)', () => {
  it('backs up a running server online and restores that state', async () => {
    const { file, drop } = copyTemplateDb('backup')
    const backupFile = path.resolve('var/test', `backup-${process.pid}-${Date.now()}.db`)
    cleanup.push(drop, () => fs.rmSync(backupFile, { force: true }))
    const server = await startServerProcess(file)
    running.push(server)
    const leader = await sessionCookieFor(server.url, 'leader')
    const create = (description: string) => callProcedure(server.url, { path: 'problem.create', type: 'mutation' }, { lng: 107.15, lat: 34.37, categoryCode: 'LJ01', description }, leader)
    expect((await create('备份前')).ok).toBe(true)

    const b = await npmScript('backup', [backupFile], file)
    expect(b.code, b.out).toBe(0)
    expect(b.out).toMatch(/完整性检查通过/)
    expect(fs.existsSync(`${backupFile}.partial`)).toBe(false)

    expect((await create('备份后')).ok).toBe(true)
    const descriptions = async (url: string, cookie: string) => ((await callProcedure(url, { path: 'problem.list', type: 'query' }, { limit: 5 }, cookie)).data as { items: { description: string }[] }).items.map((i) => i.description)
    expect(await descriptions(server.url, leader)).toEqual(expect.arrayContaining(['备份前', '备份后']))

    // the server still has the database open: restore is refused (exit 2), nothing touched
    const refused = await npmScript('restore', [backupFile], file)
    expect(refused.code).toBe(2)
    expect(refused.out).toMatch(/正在被服务器使用/)
    expect(await descriptions(server.url, leader)).toContain('备份后')

    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    const restored = await npmScript('restore', [backupFile], file)
    expect(restored.code, restored.out).toBe(0)

    const again = await startServerProcess(file)
    running.push(again)
    const leader2 = await sessionCookieFor(again.url, 'leader')
    const after = await descriptions(again.url, leader2)
    expect(after).toContain('备份前')
    expect(after).not.toContain('备份后')
  }, 120_000)

  it('refuses a corrupt backup and explains usage; PostgreSQL gets the pg_dump command', async () => {
    const { file, drop } = copyTemplateDb('backup-bad')
    const junk = path.resolve('var/test', `junk-${process.pid}.db`)
    fs.writeFileSync(junk, 'this is not a database')
    cleanup.push(drop, () => fs.rmSync(junk, { force: true }))
    const bad = await npmScript('restore', [junk], file)
    expect(bad.code).not.toBe(0)
    const usage = await npmScript('backup', [], file)
    expect(usage.code).toBe(1)
    expect(usage.out).toMatch(/用法/)
    const r = await run(process.execPath, ['--import', 'tsx', 'scripts/backup.ts', 'backup', 'x.dump'], { env: { ...process.env, DATABASE_URL: 'postgres://gd:secret@127.0.0.1:5432/gridduty' } })
    expect(r.stdout).toMatch(/pg_dump --format=custom/)
    expect(r.stdout).not.toMatch(/secret/)
  }, 60_000)
})
