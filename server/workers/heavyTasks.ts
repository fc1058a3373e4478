/**
 * The work the heavy-task pool runs in worker threads (server/services/heavy.ts): geometry checks,
 * boundary draft validation and impact (changed region, moved points), spreadsheet and boundary-file parsing, workbook generation. Each task
 * is a plain function of cloneable data; an application error (stable appCode) travels back as data.
 */
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import { BroadcastChannel, type MessagePort } from 'node:worker_threads'
import type { FeatureCollection } from 'geojson'
import { changedRegion, computeImpact, type GridChange, type ImpactInput } from '../domain/boundary/impact.ts'
import { validateDraft, type ValidationInput, type ValidationOptions } from '../domain/boundary/validation.ts'
import { shapeWarnings, type ShapeGrid } from '../domain/boundary/shapeWarnings.ts'
import { buildTopology, type SkippedFeature, type TopoGridInput, type TopologyOptions } from '../domain/boundary/topologyBuild.ts'
import type { MultiPolygon, Polygon } from 'geojson'
import { validateGridGeometry } from '../domain/geometry/validate.ts'
import { dHashOfFile } from '../domain/photo/dhash.ts'
import { readExif } from '../domain/photo/exif.ts'
import { bulletinWorkbook, type Bulletin, type BulletinView } from '../services/bulletin.ts'
import { parseTable, readRows, type TableLimits } from './spreadsheet.ts'
import { LedgerChecker, partBuffers, type CheckedLedger, type LedgerCheckOptions } from '../domain/problem/ledgerCheck.ts'
import { AppError } from '../domain/errors.ts'
import { parseBoundaryBytes, prepareFeatures, type PreparedBoundaryFile } from './boundaryFile.ts'
import { geometryToWgs84, type CoordSystem } from '../domain/geometry/coordSystems.ts'
import type { TextEncodingName } from '../domain/boundary/textEncoding.ts'

export const TASKS = {
  /** validateGridGeometry over several geometries: the issues of each, in order */
  geometryIssues: (geometries: unknown[]) => geometries.map((g) => validateGridGeometry(g)),
  validateDraft: (input: ValidationInput, opts: ValidationOptions) => validateDraft(input, opts),
  /** the draft's rules and the shape warnings it introduces (spikes, acute angles, borders approaching themselves), in one task */
  validateDraftWithWarnings: (input: ValidationInput, opts: ValidationOptions, before: Map<string, Polygon | MultiPolygon>) => ({
    issues: validateDraft(input, opts),
    warnings: shapeWarnings(input.changed as ShapeGrid[], before),
  }),
  /** the topology build of imported boundaries: snapping, resolution within the tolerance, the report */
  topologyBuild: (grids: TopoGridInput[], skipped: SkippedFeature[], opts: TopologyOptions) => buildTopology(grids, skipped, opts),
  /** the changed area of a boundary draft (polygon clipping: old △ new per grid) */
  changedRegion: (changes: GridChange[]) => changedRegion(changes),
  /** the impact of a boundary draft over its candidate points (point-in-polygon, grid indexes) */
  computeImpact: (input: ImpactInput) => computeImpact(input),
  /** (the upload may arrive in a SharedArrayBuffer, not copied on the event loop: copied here, as TextDecoder and zlib want their own) */
  readTable: (bytes: Uint8Array, limits: TableLimits) => parseTable(bytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(bytes) : bytes, limits),
  /**
   * A problem ledger read and checked row by row (server/domain/problem/ledgerCheck.ts): only the
   * outcome goes back (bad rows, good rows as typed columns), never the sheet's rows, and in parts:
   * every `partRows` rows checked go to `port` (a CheckedLedger of those rows, its typed arrays
   * transferred) while the file is still being read, so the main thread works on them meanwhile
   * (server/services/ledgerParts.ts). The last part is the task's value, with the number of parts
   * posted before it. `progress` (two Int32 counters: rows read, rows valid so far) is read by the
   * main thread while this runs.
   */
  checkLedgerParts: async (bytes: Uint8Array, limits: TableLimits, opts: LedgerCheckOptions, port: MessagePort, partRows: number, progress?: SharedArrayBuffer): Promise<CheckedLedger & { fileHash: string; partsPosted: number }> => {
    const checker = new LedgerChecker(opts)
    const counters = progress ? new Int32Array(progress) : null
    const own = bytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(bytes) : bytes
    const fileHash = createHash('sha256').update(own).digest('hex')
    let partsPosted = 0
    try {
      await readRows(own, limits, (r) => {
        checker.push(r)
        if (counters && (checker.read & 1023) === 0) { Atomics.store(counters, 0, checker.read); Atomics.store(counters, 1, checker.valid) }
        if (checker.pending >= partRows) {
          const part = checker.takePart()
          if (part) { port.postMessage(part, partBuffers(part)); partsPosted++ }
        }
      })
    } finally {
      port.close()
    }
    return { ...checker.finish(), fileHash, partsPosted }
  },
  /** a GeoJSON text or a zipped Shapefile (base64) → features (the tRPC boundary.importFile; read as the upload is, boundaryFile.ts) */
  parseBoundaryFile: async (format: 'geojson' | 'shapefile', data: string): Promise<FeatureCollection | null> => {
    try {
      const bytes = new Uint8Array(format === 'geojson' ? Buffer.from(data, 'utf8') : Buffer.from(data, 'base64'))
      const parsed = await parseBoundaryBytes(bytes, { fileName: format === 'geojson' ? 'import.geojson' : 'import.zip', encoding: format === 'geojson' ? 'utf-8' : null })
      return { type: 'FeatureCollection', features: parsed.features }
    } catch (e) {
      if ((e as { appCode?: string }).appCode === 'IMPORT_TOO_LARGE') throw e // a zip bomb: say so; anything else is unreadable
      return null
    }
  },
  /** an uploaded boundary file (GeoJSON, zipped Shapefile, KML) → its polygons in WGS84 with their raw centres, encoding and .prj (boundaryFile.ts) */
  readBoundaryUpload: async (bytes: Uint8Array, opts: { fileName: string; encoding: TextEncodingName | null; coordSystem: CoordSystem }): Promise<PreparedBoundaryFile> => {
    try {
      const parsed = await parseBoundaryBytes(bytes.buffer instanceof SharedArrayBuffer ? new Uint8Array(bytes) : bytes, opts)
      return prepareFeatures(parsed, (g) => geometryToWgs84(g, opts.coordSystem))
    } catch (e) {
      if (typeof (e as { appCode?: unknown }).appCode === 'string') throw e
      // a parser tripping over malformed content (not one of our checks): the file is unreadable, said so
      throw new AppError('BAD_INPUT', 'IMPORT_UNREADABLE', '无法读取文件：内容格式有误（几何或属性结构不完整）')
    }
  },
  /** a photo's EXIF time and place and its difference hash (null for WebP/undecodable): decoding blocks, so it runs here */
  photoFacts: async (bytes: Uint8Array): Promise<{ takenAt: Date | null; exifLng: number | null; exifLat: number | null; dhash: string | null }> => {
    const exif = await readExif(bytes)
    let dhash: string | null = null
    try { dhash = dHashOfFile(bytes) } catch { dhash = null } // WebP is not decoded; a broken image has no hash
    return { takenAt: exif.takenAt, exifLng: exif.lng, exifLat: exif.lat, dhash }
  },
  /**
   * Copies a SQLite database's write-ahead log into the database file (PASSIVE: readers and writers
   * go on meanwhile) — after a big import, off the event loop (services/importWriter.ts).
   */
  walCheckpoint: (file: string, busyTimeoutMs: number): { busy: number; log: number; checkpointed: number } => {
    const conn = new Database(file, { timeout: busyTimeoutMs })
    try { return (conn.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[])[0]! } finally { conn.close() }
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
