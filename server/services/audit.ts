/**
 * The audit trail (AuditLog): who changed what, when, before and after. Call it inside the same
 * transaction as the change, so a change and its audit row are written together or not at all.
 */
import type { Db } from '../db/client.ts'

/** A Prisma client or transaction client: anything with the auditLog delegate. */
export type AuditWriter = Pick<Db, 'auditLog'>

export interface AuditEntry {
  actorId: number | null
  /** e.g. "holder.assign", "department.update", "problem.transition" */
  action: string
  entity: string
  entityId: string | number
  before?: unknown
  after?: unknown
  at?: Date
}

const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v))

const row = (e: AuditEntry) =>
  ({ actorId: e.actorId, action: e.action, entity: e.entity, entityId: String(e.entityId), before: json(e.before), after: json(e.after), ...(e.at ? { at: e.at } : {}) })

/** The one way an audit row is written (tests/domain/layering.test.ts fails on any other audit insert under server/). */
export async function writeAudit(db: AuditWriter, e: AuditEntry): Promise<void> {
  await db.auditLog.create({ data: row(e) })
}

/** Many audit rows in one statement (bulk import). */
export async function writeAuditMany(db: AuditWriter, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length) await db.auditLog.createMany({ data: entries.map(row) })
}

/** The columns of an audit row in the order auditValues gives them (bulk writers: services/importWriter.ts). */
export const auditColumns = ['actorId', 'action', 'entity', 'entityId', 'before', 'after', 'at'] as const

/** One audit row's values for a driver's bulk insert: the same row writeAudit writes. */
export function auditValues(e: AuditEntry & { at: Date }): [number | null, string, string, string, string | null, string | null, Date] {
  const r = row(e)
  return [r.actorId, r.action, r.entity, r.entityId, r.before, r.after, e.at]
}

/**
 * The audit trail's filter for one thing (`entity`, `entityId`; either may be absent = any). An
 * imported problem has no audit row of its own: the import is one act, audited once on its
 * ImportBatch (docs/evidence.md "Imports"), so a problem's trail also holds its batch's row —
 * who imported it, when, from which file (hash) — before the problem's own later rows.
 */
export async function auditTrailWhere(db: Pick<Db, 'problem'>, entity: string | undefined, entityId: string | undefined) {
  const own = { entity, entityId }
  if (entity?.toLowerCase() !== 'problem' || entityId === undefined || !/^\d+$/.test(entityId)) return own
  const p = await db.problem.findUnique({ where: { id: Number(entityId) }, select: { importBatchId: true } })
  if (p?.importBatchId == null) return own
  return { OR: [own, { entity: 'ImportBatch', entityId: String(p.importBatchId), action: 'problem.import' }] }
}
