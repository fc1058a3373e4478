/**
 * The work the heavy-task pool runs in worker threads (server/services/heavy.ts): geometry checks,
 * boundary draft validation, spreadsheet and boundary-file parsing, workbook generation. Each task
 * is a plain function of cloneable data; an application error (stable appCode) travels back as data.
 */
import { BroadcastChannel } from 'node:worker_threads'
import type { FeatureCollection } from 'geojson'
import { validateDraft, type ValidationInput, type ValidationOptions } from '../domain/boundary/validation.ts'
import { validateGridGeometry } from '../domain/geometry/validate.ts'
import { bulletinWorkbook, type Bulletin, type BulletinView } from '../services/bulletin.ts'
import { checkZip, parseTable, type TableLimits } from './spreadsheet.ts'

export const TASKS = {
  /** validateGridGeometry over several geometries: the issues of each, in order */
  geometryIssues: (geometries: unknown[]) => geometries.map((g) => validateGridGeometry(g)),
  validateDraft: (input: ValidationInput, opts: ValidationOptions) => validateDraft(input, opts),
  readTable: (bytes: Uint8Array, limits: TableLimits) => parseTable(bytes, limits),
  /** a GeoJSON text or a zipped Shapefile (base64) → features */
  parseBoundaryFile: async (format: 'geojson' | 'shapefile', data: string): Promise<FeatureCollection | null> => {
    try {
      if (format === 'geojson') return JSON.parse(data) as FeatureCollection
      const zip = Buffer.from(data, 'base64')
      await checkZip(zip)
      const shpjsModule = 'shpjs' // untyped package
      const { parseZip } = await import(shpjsModule) as { parseZip(b: ArrayBuffer | Buffer): Promise<FeatureCollection | FeatureCollection[]> }
      const out = await parseZip(zip)
      return Array.isArray(out) ? { type: 'FeatureCollection', features: out.flatMap((x) => x.features) } : out
    } catch (e) {
      if ((e as { appCode?: string }).appCode === 'IMPORT_TOO_LARGE') throw e // a zip bomb: say so; anything else is unreadable
      return null
    }
  },
  /** (a Buffer arrives as a plain Uint8Array after the thread hop: say so) */
  bulletinWorkbook: async (b: Bulletin | BulletinView): Promise<Uint8Array> => new Uint8Array(await bulletinWorkbook(b)),
}
export type Tasks = typeof TASKS
export type TaskName = keyof Tasks

export interface TaskMessage { id: number; task: TaskName; args: unknown[] }

/** Tells the pool a task has started (its time limit counts from here, not from the thread's start-up). */
export const START_CHANNEL = 'gridduty-heavy-task-started'
const started = new BroadcastChannel(START_CHANNEL)
started.unref()
export type TaskReply = { ok: true; value: unknown } | { ok: false; error: { kind: string; appCode: string; message: string; details?: unknown } }

export default async function run({ id, task, args }: TaskMessage): Promise<TaskReply> {
  started.postMessage(id)
  try {
    const fn = TASKS[task] as (...a: unknown[]) => unknown
    return { ok: true, value: await fn(...args) }
  } catch (e) {
    const a = e as { kind?: string; appCode?: string; message?: string; details?: unknown }
    if (typeof a.appCode === 'string') return { ok: false, error: { kind: a.kind ?? 'BAD_INPUT', appCode: a.appCode, message: a.message ?? '', details: a.details } }
    throw e
  }
}
