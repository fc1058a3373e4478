/**
 * The SQLite import's transaction on its own thread (services/importWriter.ts `sqliteTx`): one
 * better-sqlite3 connection, `BEGIN IMMEDIATE … COMMIT`, prepared inserts. better-sqlite3 is
 * synchronous, so on the main thread a million rows held the event loop for half a minute and could
 * not overlap the file's checks; here the main thread goes on placing and flagging the next rows
 * while this one inserts the last ones. Requests are answered in the order they came.
 */
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

export interface WriterSetup {
  file: string; busyTimeoutMs: number; cacheKib: number
  /** INSERT statements: the problems' (values in order, flat), the events', the audit rows' */
  problemSql: string; problemColumns: number; eventSql: string; auditSql: string
  /** where a problem's id and status are among its values (its event names both) */
  idColumn: number; statusColumn: number
}
export type WriterRequest =
  | { id: number; op: 'begin' | 'commit' | 'rollback' }
  | { id: number; op: 'run' | 'value'; sql: string; params: unknown[] }
  /**
   * problems (problemColumns values per row, the id at idColumn, the status at statusColumn) and each one's
   * 'report' event: (id, action, null, status, actorId, at, notePrefix + note)
   */
  | { id: number; op: 'problems'; values: unknown[]; notes: string[]; event: { action: string; actorId: number | null; at: string; notePrefix: string } }
  | { id: number; op: 'audits'; rows: unknown[][] }
export type WriterReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; message: string; code?: string }

const setup = workerData as WriterSetup
const conn = new Database(setup.file, { timeout: setup.busyTimeoutMs })
conn.pragma('foreign_keys = ON')
conn.pragma(`cache_size = -${setup.cacheKib}`)
conn.pragma('wal_autocheckpoint = 0') // the COMMIT does not copy the log: the heavy-task pool does, afterwards
const insertProblem = conn.prepare(setup.problemSql), insertEvent = conn.prepare(setup.eventSql), insertAudit = conn.prepare(setup.auditSql)
const n = setup.problemColumns, idAt = setup.idColumn, statusAt = setup.statusColumn
const pv = new Array<unknown>(n), ev = new Array<unknown>(7)

function handle(m: WriterRequest): unknown {
  switch (m.op) {
    case 'begin': conn.exec('BEGIN IMMEDIATE'); return
    case 'commit': conn.exec('COMMIT'); return
    case 'rollback': if (conn.inTransaction) conn.exec('ROLLBACK'); return
    case 'run': conn.prepare(m.sql).run(...m.params); return
    case 'value': return conn.prepare(m.sql).pluck().get(...m.params)
    case 'audits': for (const r of m.rows) insertAudit.run(r); return
    case 'problems': {
      const { values, notes, event } = m
      ev[1] = event.action; ev[2] = null; ev[4] = event.actorId; ev[5] = event.at
      for (let r = 0, o = 0; r < notes.length; r++, o += n) {
        for (let k = 0; k < n; k++) pv[k] = values[o + k]
        insertProblem.run(pv)
        ev[0] = pv[idAt]; ev[3] = pv[statusAt]; ev[6] = event.notePrefix + notes[r]!
        insertEvent.run(ev)
      }
      return
    }
  }
}

parentPort!.on('message', (m: WriterRequest) => {
  let reply: WriterReply
  try { reply = { id: m.id, ok: true, value: handle(m) } } catch (e) {
    const err = e as { message?: string; code?: string }
    reply = { id: m.id, ok: false, message: err.message ?? String(e), code: err.code }
  }
  parentPort!.postMessage(reply)
  if ((m.op === 'commit' && reply.ok) || m.op === 'rollback') { conn.close(); parentPort!.close() } // a failed COMMIT is rolled back next
})
