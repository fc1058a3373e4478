/**
 * A ledger read and checked in the heavy-task pool in parts, each part handed to the caller while the
 * file is still being read (server/workers/heavyTasks.ts `checkLedgerParts`): the import's commit
 * places, flags and writes part k while the worker reads part k + 1, so the read (one core) and the
 * rest (the other core) overlap instead of adding up. Parts reach `onPart` one at a time, in row
 * order; the last part is the task's own value and goes through `onPart` too.
 */
import { MessageChannel } from 'node:worker_threads'
import type { CheckedLedger, LedgerCheckOptions } from '../domain/problem/ledgerCheck.ts'
import type { TableLimits } from '../workers/spreadsheet.ts'
import { importTooLarge, runHeavy } from './heavy.ts'

/** rows per part: small enough to start writing early, big enough that a part's overhead does not count */
export const LEDGER_PART_ROWS = 50_000

export async function readLedgerInParts(
  bytes: Uint8Array, limits: TableLimits, opts: LedgerCheckOptions,
  onPart: (part: CheckedLedger, last: boolean) => Promise<void>,
  run: { timeoutFactor?: number; progress?: SharedArrayBuffer; partRows?: number } = {},
): Promise<{ fileHash: string; total: number; parts: number }> {
  const { port1, port2 } = new MessageChannel()
  let received = 0
  let failed: unknown = null
  let chain: Promise<void> = Promise.resolve()
  /** resolves when the `n`-th part has been received */
  let waitFor: { n: number; resolve: () => void } | null = null
  port1.on('message', (part: CheckedLedger) => {
    received++
    if (failed === null) chain = chain.then(() => onPart(part, false)).catch((e) => { failed ??= e })
    if (waitFor && received >= waitFor.n) waitFor.resolve()
  })
  try {
    const last = await runHeavy('checkLedgerParts', [bytes, limits, opts, port2, run.partRows ?? LEDGER_PART_ROWS, run.progress], importTooLarge,
      { timeoutFactor: run.timeoutFactor, transferList: [port2] })
    // the task's answer and its port's messages travel separately: wait for every part it posted
    if (received < last.partsPosted) await new Promise<void>((resolve) => { waitFor = { n: last.partsPosted, resolve } })
    await chain
    if (failed !== null) throw failed
    await onPart(last, true)
    return { fileHash: last.fileHash, total: last.total, parts: last.partsPosted + 1 }
  } finally {
    port1.close()
    await chain.catch(() => {}) // a failed task: the parts already handed over are done before this returns
  }
}
