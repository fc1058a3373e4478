/**
 * The one rule every write of holder periods (包抓期) keeps: a grid's periods never overlap. Each
 * writer (the admin form, bulk assignment, the register import) runs in `holderTransaction` — a
 * SERIALIZABLE transaction, so two writers racing on one grid cannot both pass the check on what
 * they read — and calls `assertNoHolderOverlap` after its writes, before the commit. A writer that
 * loses a race is retried (a few times, from the start: it then sees the winner's rows); past the
 * retries the database's conflict is answered as the retryable DB_UNAVAILABLE.
 */
import type { Db } from '../db/client.ts'
import { isDbUnavailable } from '../db/errors.ts'
import { AppError } from '../domain/errors.ts'
import { overlappingPeriods } from '../domain/holder.ts'
import { formatDate } from '../domain/time.ts'
import { markFiguresChanged } from './aggregates.ts'

export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0]

const RETRIES = 4

/** Runs `fn` in a serializable transaction, retried when it lost a write race (serialization failure, busy database). */
export async function holderTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, opts: { timeout?: number; maxWait?: number } = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      // holders change the city figures the aggregates' rows do not tell: the cached figures rebuild (services/cityFigures.ts)
      return await db.$transaction(async (tx) => { const r = await fn(tx); await markFiguresChanged(tx); return r }, { isolationLevel: 'Serializable', timeout: opts.timeout ?? 60_000, maxWait: opts.maxWait ?? 10_000 })
    } catch (e) {
      if (e instanceof AppError || attempt >= RETRIES || !isDbUnavailable(e)) throw e
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.floor(Math.random() * 40)))
    }
  }
}

/** Refuses (HOLDER_OVERLAP, nothing written) when any of these grids now has overlapping periods. */
export async function assertNoHolderOverlap(tx: Tx, gridIds: Iterable<number>): Promise<void> {
  const ids = [...new Set(gridIds)]
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await tx.gridHolder.findMany({
      where: { gridId: { in: ids.slice(i, i + 500) } },
      select: { id: true, gridId: true, departmentId: true, validFrom: true, validTo: true, grid: { select: { code: true, name: true } } },
    })
    const byGrid = new Map<number, typeof rows>()
    for (const r of rows) byGrid.set(r.gridId, [...(byGrid.get(r.gridId) ?? []), r])
    for (const periods of byGrid.values()) {
      const [pair] = overlappingPeriods(periods)
      if (!pair) continue
      const [a, b] = pair
      throw new AppError('CONFLICT', 'HOLDER_OVERLAP', `网格「${a.grid.name}」的包抓期将会重叠（${formatDate(a.validFrom)} 起与 ${formatDate(b.validFrom)} 起），未保存`, { grid: a.grid.name, code: a.grid.code })
    }
  }
}
