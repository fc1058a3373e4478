/**
 * A boundary file uploaded by a planner (POST /api/import/boundaries) → what the import panel shows
 * before anything is committed: the format, the encoding used (and how it was decided), the `.prj`,
 * the file's field list with the mapping used (guessed when not given), the first names as decoded,
 * the outlines in WGS84 as a draft, every feature skipped with its reason, the draft's validation
 * issues, and warnings that the chosen coordinate system looks wrong. Nothing is written: the planner
 * loads the draft into the editor and saves it as a boundary version there.
 */
import { centroid } from '@turf/turf'
import type { TextEncodingName } from '../domain/boundary/textEncoding.ts'
import { AppError } from '../domain/errors.ts'
import { hasAdcode, offsetVerdict, outerRingVertexMean, type CoordSystem, type OffsetPair, type PrjInfo } from '../domain/geometry/coordSystems.ts'
import type { ValidationIssue } from '../domain/boundary/validation.ts'
import type { FeatureCollection } from 'geojson'
import { buildImportTopology, draftFromFeatures, draftFromImported, resolveDraft, validateResolved, type DraftInput, type FieldMapping, type ImportOptions, type SkippedFeature, type TopologyReport } from './boundary.ts'
import type { GridCatalog, GridLevel } from './gridCatalog.ts'
import { geometryTooComplex, importTooLarge, runHeavy } from './heavy.ts'
import type { EncodingInfo, BoundaryFormat } from '../workers/boundaryFile.ts'

/** The largest boundary file accepted (bytes). */
export const BOUNDARY_IMPORT_MAX_BYTES = 100 * 1024 * 1024
export const boundaryFileTooLarge = () => new AppError('TOO_LARGE', 'BOUNDARY_FILE_TOO_LARGE',
  `边界文件不能超过 ${BOUNDARY_IMPORT_MAX_BYTES / 1024 / 1024} MB：请按区县拆分后分批导入`, { maxMb: BOUNDARY_IMPORT_MAX_BYTES / 1024 / 1024 })

/** How many decoded names the preview shows. */
export const NAME_PREVIEW = 20

export interface BoundaryUploadOptions {
  fileName: string
  encoding: TextEncodingName | null
  coordSystem: CoordSystem
  level: GridLevel
  fields: Partial<FieldMapping>
  /** snapping tolerance of the topology build, metres (default BOUNDARY_TOLERANCE.snapM) */
  snapTolerance?: number
}

export type CoordWarning =
  | { code: 'ADCODE_NOT_GCJ02'; chosen: CoordSystem }
  | { code: 'PRJ_SAYS_WGS84'; chosen: CoordSystem; prj: string }
  | { code: 'PRJ_OTHER_DATUM'; prj: string }
  | { code: 'PRJ_UNREADABLE'; prj: string }
  | { code: 'OFFSET_SUSPECT'; chosen: CoordSystem; metres: number; best: CoordSystem; bestMetres: number; matched: number }
  | { code: 'TOPOLOGY_TOO_COMPLEX'; grids: number }

export interface BoundaryUploadPreview {
  fileName: string
  format: BoundaryFormat
  encoding: EncodingInfo
  prj: PrjInfo | null
  coordSystem: CoordSystem
  /** the file carries adcode properties: GCJ-02 by convention (DataV / Amap district sets) */
  adcode: boolean
  fields: string[]
  mapping: FieldMapping
  names: string[]
  total: number
  draft: DraftInput
  skipped: SkippedFeature[]
  /** the topology build: what snapping resolved and what remains (overlaps, gaps, slivers per level);
   *  null when the file was too heavy for it within the heavy-task limits (a TOPOLOGY_TOO_COMPLEX warning says so) */
  topology: TopologyReport | null
  issues: Omit<ValidationIssue, 'geometry'>[]
  warnings: CoordWarning[]
  bbox: [number, number, number, number] | null
}

const NAME_GUESS = /^(name|名称|mc|jdmc|sqmc|xzqmc|qhmc|wgmc|网格名称|街道名称|社区名称|区划名称|行政区名称|区县名称)$/i
const CODE_GUESS = /^(code|adcode|编码|代码|bm|wgbm|网格编码|区划代码|行政区划代码|xzqdm|qhdm|gb|dm)$/i
const LEVEL_GUESS = /^(level|层级|级别)$/i
const PARENT_GUESS = /^(parent_?code|parentcode|上级编码|上级代码|父级编码|sjdm|sjbm)$/i

/** The mapping: what the planner gave, else a field whose name looks right (else the first field). */
export function guessFields(fields: readonly string[], given: Partial<FieldMapping>): FieldMapping {
  const has = (f: string | undefined) => (f && fields.includes(f) ? f : undefined)
  const find = (re: RegExp) => fields.find((f) => re.test(f.trim()))
  return {
    name: has(given.name) ?? given.name ?? find(NAME_GUESS) ?? fields[0] ?? 'name',
    code: has(given.code) ?? given.code ?? find(CODE_GUESS) ?? 'code',
    level: given.level === '' ? undefined : (has(given.level) ?? (given.level === undefined ? find(LEVEL_GUESS) : given.level)),
    parent: given.parent === '' ? undefined : (has(given.parent) ?? (given.parent === undefined ? find(PARENT_GUESS) : given.parent)),
  }
}

export async function previewBoundaryUpload(catalog: GridCatalog, bytes: Uint8Array, opts: BoundaryUploadOptions): Promise<BoundaryUploadPreview> {
  const file = await runHeavy('readBoundaryUpload', [bytes, { fileName: opts.fileName, encoding: opts.encoding, coordSystem: opts.coordSystem }], importTooLarge)
  const fieldSet = new Set<string>()
  for (const f of file.features) for (const k of Object.keys(f.properties)) fieldSet.add(k)
  const fields = [...fieldSet]
  // DataV / Amap district sets keep the level name in `level` ("district") — not a grid level: only map it when asked
  const mapping = guessFields(fields, { ...opts.fields, level: opts.fields.level ?? '', parent: opts.fields.parent ?? '' })
  const { draft, skipped } = draftFromImported(catalog, file.features, { level: opts.level, fields: mapping })
  const names = file.features.slice(0, NAME_PREVIEW).map((f) => String(f.properties[mapping.name] ?? '').trim())

  const indexOfKey = new Map(file.features.map((_f, i) => [`new:${i}`, i]))
  const checked = await checkImportedDraft(catalog, draft, skipped, opts.snapTolerance,
    (g) => indexOfKey.get(g.key) ?? file.features.findIndex((f) => String(f.properties[mapping.code] ?? '').trim() === g.code))
  const snapped = checked.draft

  const adcode = hasAdcode(fields)
  const warnings: CoordWarning[] = [...checked.warnings]
  if (adcode && opts.coordSystem !== 'gcj02') warnings.push({ code: 'ADCODE_NOT_GCJ02', chosen: opts.coordSystem })
  if (file.prj?.kind === 'wgs84' && opts.coordSystem !== 'wgs84') warnings.push({ code: 'PRJ_SAYS_WGS84', chosen: opts.coordSystem, prj: file.prj.name })
  if (file.prj?.kind === 'otherGeographic') warnings.push({ code: 'PRJ_OTHER_DATUM', prj: file.prj.name })
  if (file.prj?.kind === 'unreadable') warnings.push({ code: 'PRJ_UNREADABLE', prj: file.prj.name })
  // outlines whose code (or, failing that, name) is a grid in force: where would they sit under each system?
  const byCode = new Map(catalog.list().map((g) => [g.code, g]))
  const byName = new Map(catalog.list().map((g) => [g.name, g]))
  const pairs: OffsetPair[] = []
  for (const f of file.features) {
    if (!f.rawCentre) continue
    const cur = byCode.get(String(f.properties[mapping.code] ?? '').trim()) ?? byName.get(String(f.properties[mapping.name] ?? '').trim())
    if (!cur) continue
    pairs.push({ raw: f.rawCentre, current: outerRingVertexMean(cur.geometry) ?? centroidOf(cur.geometry) })
    if (pairs.length >= 500) break
  }
  const verdict = offsetVerdict(pairs, opts.coordSystem)
  if (verdict?.suspicious) warnings.push({ code: 'OFFSET_SUSPECT', chosen: opts.coordSystem, metres: Math.round(verdict.chosenMetres), best: verdict.best, bestMetres: Math.round(verdict.bestMetres), matched: pairs.length })

  return {
    fileName: opts.fileName, format: file.format, encoding: file.encoding, prj: file.prj, coordSystem: opts.coordSystem, adcode,
    fields, mapping, names, total: file.features.length, draft: snapped, skipped: checked.skipped, topology: checked.topology, issues: checked.issues.map(({ geometry: _g, ...i }) => i), warnings, bbox: file.bbox,
  }
}

/**
 * The checks every boundary import runs on its draft, whatever the file came as (the upload route
 * above, the tRPC `boundary.importFile`): each outline's geometry validity (heavy-task pool; an
 * invalid one is skipped with its reason), the topology build (snapping within `snapM`, small overlaps
 * resolved, the rest reported — a draft too heavy for the pool's limits is kept unsnapped with a
 * TOPOLOGY_TOO_COMPLEX warning), then the draft rules over the valid outlines.
 */
export async function checkImportedDraft(
  catalog: GridCatalog, draft: DraftInput, skipped: SkippedFeature[], snapM: number | undefined, indexOf: (g: DraftInput['grids'][number]) => number,
): Promise<{ draft: DraftInput; skipped: SkippedFeature[]; topology: TopologyReport | null; issues: ValidationIssue[]; warnings: CoordWarning[] }> {
  const geo = await runHeavy('geometryIssues', [draft.grids.map((g) => g.geometry)], geometryTooComplex)
  const bad = new Set<string>()
  const all = [...skipped]
  draft.grids.forEach((g, i) => {
    if (!geo[i]!.length) return
    bad.add(g.key)
    all.push({ index: indexOf(g), name: g.name, code: 'INVALID_GEOMETRY', reason: `边界无效：${geo[i]!.map((x) => x.code).join('、')}` })
  })
  all.sort((a, b) => a.index - b.index)
  const warnings: CoordWarning[] = []
  const built = await buildImportTopology(catalog, draft, all, snapM, bad)
    .catch((e: unknown) => {
      if ((e as { appCode?: string }).appCode !== 'GEOMETRY_TOO_COMPLEX') throw e
      warnings.push({ code: 'TOPOLOGY_TOO_COMPLEX', grids: draft.grids.length })
      return { draft, topology: null }
    })
  const valid: DraftInput = { grids: built.draft.grids.filter((g) => !bad.has(g.key)), retire: [] }
  return { draft: built.draft, skipped: all, topology: built.topology, issues: await validateResolved(resolveDraft(catalog, valid)), warnings }
}

/** `boundary.importFile`: a GeoJSON / zipped Shapefile already read → the same preview steps as an upload. */
export async function previewBoundaryFeatures(catalog: GridCatalog, fc: FeatureCollection, opts: ImportOptions & { snapTolerance?: number }) {
  const { draft, fields, skipped } = draftFromFeatures(catalog, fc, opts)
  const checked = await checkImportedDraft(catalog, draft, skipped, opts.snapTolerance, () => -1)
  return { draft: checked.draft, fields, skipped: checked.skipped, issues: checked.issues, topology: checked.topology, warnings: checked.warnings }
}

/** turf's centroid, for a grid in force without outer-ring vertices (never in practice: grids are validated) */
function centroidOf(g: { type: string; coordinates: unknown }): [number, number] {
  const c = centroid(g as never).geometry.coordinates
  return [c[0]!, c[1]!]
}
