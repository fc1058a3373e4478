/**
 * Backups of the GridDuty database (the one DATABASE_URL names; default var/gridduty.db).
 *
 *   npm run backup -- <file>              SQLite: an online, consistent copy while the server runs
 *                                         (SQLite online backup API), checked with PRAGMA integrity_check
 *   npm run restore -- <file> [--force]   SQLite: copy a backup back; refused while a server has the
 *                                         database open unless --force (then it is written through SQLite's
 *                                         own locking, so open connections see the restored state)
 *
 * PostgreSQL: the script prints the pg_dump / pg_restore commands to run instead.
 */
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { dbConfigFromEnv, describeDb } from '../server/db/config.ts'

function fail(message: string, code = 1): never {
  console.error(message)
  process.exit(code)
}

function integrity(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try { return (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check } finally { db.close() }
}

/** True when another connection (a running server) has the database open. */
export function inUse(file: string): boolean {
  if (!fs.existsSync(file)) return false
  const db = new Database(file, { timeout: 0 })
  try {
    // in WAL mode every open connection holds a shared lock: exclusive locking fails if anyone is there
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
    db.exec('COMMIT')
    return false
  } catch (e) {
    if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY') || (e as { code?: string }).code?.startsWith('SQLITE_LOCKED')) return true
    throw e
  } finally {
    db.close()
  }
}

export async function backupSqlite(source: string, target: string): Promise<void> {
  if (!fs.existsSync(source)) fail(`数据库文件不存在：${source}`)
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true })
  const tmp = `${target}.partial`
  fs.rmSync(tmp, { force: true })
  const db = new Database(source, { readonly: true, fileMustExist: true })
  try { await db.backup(tmp) } finally { db.close() }
  const check = integrity(tmp)
  if (check !== 'ok') { fs.rmSync(tmp, { force: true }); fail(`备份校验失败：${check}`) }
  fs.renameSync(tmp, target) // never leave a half-written backup under the real name
}

export async function restoreSqlite(backup: string, target: string, force: boolean): Promise<void> {
  if (!fs.existsSync(backup)) fail(`备份文件不存在：${backup}`)
  const check = integrity(backup)
  if (check !== 'ok') fail(`备份文件已损坏：${check}`)
  if (!force && inUse(target)) fail(`数据库 ${target} 正在被服务器使用。请先停止服务器，或加 --force 在线恢复。`, 2)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  const src = new Database(backup, { readonly: true, fileMustExist: true })
  try { await src.backup(target) } finally { src.close() }
}

async function main() {
  const [mode, file, ...rest] = process.argv.slice(2)
  const force = rest.includes('--force') || file === '--force'
  if ((mode !== 'backup' && mode !== 'restore') || !file || file.startsWith('--')) {
    fail('用法：npm run backup -- <备份文件>   |   npm run restore -- <备份文件> [--force]')
  }
  const config = dbConfigFromEnv()
  if (config.provider === 'postgres') {
    const safe = describeDb(config).replace(/^PostgreSQL /, '')
    console.log('PostgreSQL：请使用 PostgreSQL 自带的工具（在线一致快照）：')
    if (mode === 'backup') console.log(`  pg_dump --format=custom --no-owner --file="${file}" "${safe}"`)
    else console.log(`  pg_restore --clean --if-exists --no-owner --single-transaction --dbname="${safe}" "${file}"`)
    console.log('（把 *** 换成密码，或使用 PGPASSWORD / ~/.pgpass。恢复前请先停止服务器。）')
    return
  }
  const target = path.resolve(file)
  if (mode === 'backup') {
    await backupSqlite(config.file, target)
    console.log(`已备份 ${config.file} → ${target}（${fs.statSync(target).size} 字节，完整性检查通过）`)
  } else {
    await restoreSqlite(target, config.file, force)
    console.log(`已从 ${target} 恢复到 ${config.file}`)
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main().catch((e) => fail(e instanceof Error ? e.message : String(e)))
}
