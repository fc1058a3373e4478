/**
 * Boundary editing (planners): validate and preview a draft, save it as a boundary version,
 * list / compare / revert versions, import GeoJSON or Shapefile as a draft, export any version.
 */
import shpwrite from '@mapbox/shp-write'
import { z } from 'zod'
import { impactCsv } from '../../domain/boundary/impact.ts'
import { RULE_CODES } from '../../domain/boundary/validation.ts'
import { BOUNDARY_TOLERANCE } from '../../domain/boundary/tolerances.ts'
import {
  assignmentCsv, buildImportTopology, cancelPending, currentVersion, scheduleDraft, draftFromFeatures, geometriesAt, gridsAtVersion, previewResolved, resolveDraft, revertToVersion, saveDraft,
  validateResolved, checkResolved, versionFeatureCollection, ACCEPTABLE_RULES, type DraftInput,
} from '../../services/boundary.ts'
import { geometryTooComplex, runHeavy } from '../../services/heavy.ts'
import { previewBoundaryFeatures } from '../../services/boundaryImport.ts'
import type { GridGeometry } from '../../domain/boundary/topology.ts'
import { badInput, notFound } from '../../domain/errors.ts'
import { COORD_SYSTEMS } from '../../domain/geometry/coordSystems.ts'
import { id, isoDateTime, level, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'
import type { FeatureCollection } from 'geojson'

/** A ring: at most 50,000 positions of 2–3 finite numbers. Checked in one plain loop — a zod schema
 *  per position costs tens of milliseconds of the event loop for a big (hostile) ring. */
const MAX_RING = 50_000
const isRing = (v: unknown): v is number[][] => {
  if (!Array.isArray(v) || v.length > MAX_RING) return false
  for (const p of v) {
    if (!Array.isArray(p) || p.length < 2 || p.length > 3) return false
    for (const x of p) if (typeof x !== 'number' || !Number.isFinite(x)) return false
  }
  return true
}
const ring = z.custom<number[][]>(isRing, { message: `环应为最多 ${MAX_RING} 个 [经度, 纬度] 有限数值坐标的数组` })
const geometry = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(ring).min(1).max(500) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(ring).min(1).max(500)).min(1).max(500) }),
])
const draftGrid = z.object({
  key: z.string().min(1).max(40),
  id: id.nullable(),
  code: z.string().regex(/^\d{6,20}$/, '网格编码应为 6–20 位数字'),
  name: text(60).min(1),
  level,
  parentKey: z.string().max(40).nullable(),
  geometry,
})
const draft = z.object({ grids: z.array(draftGrid).max(5000), retire: z.array(id).max(5000).default([]) })
const minArea = z.number().min(0).max(1e7).optional()
const versionNo = z.number().int().min(0).max(1e9)

/** Geometry validity of every grid of the draft (validateGridGeometry, in the heavy-task pool). */
const geometryIssues = (d: DraftInput) => runHeavy('geometryIssues', [d.grids.map((g) => g.geometry)], geometryTooComplex)

async function checkGeometries(d: DraftInput): Promise<void> {
  const all = await geometryIssues(d)
  for (const [i, g] of d.grids.entries()) {
    const issues = all[i]!
    if (issues.length) throw badInput(`${g.name} 的边界无效：${issues.map((i) => i.code).join('、')}`, 'GEOMETRY_INVALID', { key: g.key, issues })
  }
}

const asDraft = (d: z.infer<typeof draft>): DraftInput => ({ grids: d.grids.map((g) => ({ ...g, geometry: g.geometry as GridGeometry })), retire: d.retire })

export const boundaryRouter = router({
  /** The version in force and the rules (for the editor). */
  current: authedProcedure.query(async ({ ctx }) => ({
    version: await currentVersion(ctx.db), rules: RULE_CODES, acceptable: ACCEPTABLE_RULES,
  })),

  /** Live validation of a draft: every failure with code, message, location, and whether it may be accepted. */
  validate: authedProcedure
    .input(z.object({ draft, minArea }))
    .mutation(async ({ ctx, input }) => {
      const d = asDraft(input.draft)
      const r = resolveDraft(ctx.catalog, d)
      const { issues, warnings } = await checkResolved(r, input.minArea)
      return { issues, warnings, changed: r.changed.map((g) => g.key) }
    }),

  /** Impact preview: area gained/lost, moved points, departments' handover, unheld grids (incremental). */
  preview: authedProcedure
    .input(z.object({ draft, effectiveFrom: isoDateTime.optional(), minArea }))
    .mutation(async ({ ctx, input }) => {
      const d = asDraft(input.draft)
      await checkGeometries(d)
      const r = resolveDraft(ctx.catalog, d)
      const at = input.effectiveFrom ? new Date(input.effectiveFrom) : ctx.now()
      const impact = await previewResolved(ctx.db, ctx.catalog, r, at)
      return { ...impact, issues: await validateResolved(r, input.minArea), csv: impactCsv(impact) }
    }),

  /** Save the draft as a new version (one transaction); a stale baseVersion gets CONFLICT. */
  save: authedProcedure
    .input(z.object({
      draft, baseVersion: versionNo, effectiveFrom: isoDateTime, reason: text(500).min(2, '请填写调整原因'),
      accept: z.array(z.enum(RULE_CODES as [string, ...string[]])).max(20).default([]), minArea,
    }))
    .mutation(async ({ ctx, input }) => {
      const d = asDraft(input.draft)
      await checkGeometries(d)
      const at = new Date(input.effectiveFrom)
      const opts = { baseVersion: input.baseVersion, effectiveFrom: at, reason: input.reason, accept: input.accept, authorId: ctx.user.id, minArea: input.minArea }
      // a future date: stored as a pending version (待生效), applied when the date comes (applyDueVersions)
      if (at.getTime() > ctx.now().getTime() + 60_000) return { number: null, ...(await scheduleDraft(ctx.db, ctx.catalog, d, opts, ctx.now())) }
      return saveDraft(ctx.db, ctx.catalog, d, { baseVersion: input.baseVersion, effectiveFrom: at, reason: input.reason, accept: input.accept, authorId: ctx.user.id, minArea: input.minArea }, ctx.now())
    }),

  /** Every saved version, newest first. */
  versions: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.boundaryVersion.findMany({ orderBy: { number: 'desc' }, include: { author: { select: { displayName: true } } } })
    // applied versions (number ≥ 0) newest first; pending (待生效) and cancelled ones follow with negative numbers
    return rows.map((v) => ({
      id: v.id, status: (v.pendingKey !== null ? 'pending' : v.cancelledAt ? 'cancelled' : 'applied') as 'pending' | 'cancelled' | 'applied',
      cancelReason: v.cancelReason, appliedAt: v.appliedAt?.toISOString() ?? null,
      number: v.number, baseVersion: v.baseVersion, effectiveFrom: v.effectiveFrom.toISOString(), reason: v.reason,
      author: v.author?.displayName ?? null, createdAt: v.createdAt.toISOString(), summary: JSON.parse(v.summary) as unknown,
      accepted: JSON.parse(v.accepted) as string[],
    }))
  }),

  /** Cancel a pending (待生效) version: it will never be applied. */
  cancel: authedProcedure
    .input(z.object({ id, reason: text(200).optional() }))
    .mutation(async ({ ctx, input }) => {
      await cancelPending(ctx.db, input.id, ctx.user.id, ctx.now(), input.reason?.trim() || '已取消')
      return { ok: true as const }
    }),

  /** Grids that differ between versions a and b, with both geometries (for a diff on the map). */
  compare: authedProcedure
    .input(z.object({ a: versionNo, b: versionNo }))
    .query(async ({ ctx, input }) => {
      const lo = Math.min(input.a, input.b), hi = Math.max(input.a, input.b)
      const touched = await ctx.db.gridGeometryHistory.findMany({ where: { version: { number: { gt: lo, lte: hi } } }, select: { gridId: true }, distinct: ['gridId'] })
      const ids = touched.map((t) => t.gridId)
      const [ga, gb, rows] = await Promise.all([geometriesAt(ctx.db, input.a, ids), geometriesAt(ctx.db, input.b, ids), ctx.db.grid.findMany({ where: { id: { in: ids } }, select: { id: true, code: true, name: true, level: true } })])
      return {
        a: input.a, b: input.b,
        grids: rows.map((g) => ({ id: g.id, code: g.code, name: g.name, level: g.level, a: ga.get(g.id) ?? null, b: gb.get(g.id) ?? null })),
      }
    }),

  /** Revert to an earlier version, saved as a new version (nothing is deleted). */
  revert: authedProcedure
    .input(z.object({ version: versionNo, baseVersion: versionNo, reason: text(500).optional() }))
    .mutation(({ ctx, input }) => revertToVersion(ctx.db, ctx.catalog, input, ctx.user.id, ctx.now())),

  /** GeoJSON or Shapefile (zip, base64) with a field mapping → a draft to preview, validated with the same rules. */
  importFile: authedProcedure
    .input(z.object({
      fileName: text(200), format: z.enum(['geojson', 'shapefile']), data: z.string().max(1_500_000),
      nameField: text(50).min(1), codeField: text(50).min(1), level, coordSystem: z.enum(COORD_SYSTEMS).default('wgs84'),
      snapTolerance: z.number().min(0).max(BOUNDARY_TOLERANCE.maxSnapM).default(BOUNDARY_TOLERANCE.snapM),
    }))
    .mutation(async ({ ctx, input }) => {
      // parsed in the heavy-task pool (a zipped Shapefile is checked against zip bombs first)
      const fc: FeatureCollection | null = await runHeavy('parseBoundaryFile', [input.format, input.data], geometryTooComplex)
      if (fc === null) throw badInput('无法读取文件：请上传 GeoJSON 或包含 .shp/.dbf 的 Shapefile 压缩包', 'IMPORT_UNREADABLE')
      if (!fc || !Array.isArray(fc.features)) throw badInput('文件中没有要素集合', 'IMPORT_UNREADABLE')
      return previewBoundaryFeatures(ctx.catalog, fc, input)
    }),

  /** Export the current (or any) version as GeoJSON, Shapefile (zip) or a point→grid assignment CSV, base64. */
  export: authedProcedure
    .input(z.object({ version: versionNo.optional(), format: z.enum(['geojson', 'shapefile', 'assignments']), level: level.optional() }))
    .query(async ({ ctx, input }) => {
      const cur = await currentVersion(ctx.db)
      const n = input.version ?? cur
      if (n > cur) throw notFound(`边界版本 ${n}`, 'BOUNDARY_VERSION_NOT_FOUND')
      const stem = `grids-v${n}${input.level ? `-${input.level}` : ''}`
      if (input.format === 'assignments') {
        return { fileName: `assignments-v${n}.csv`, mime: 'text/csv; charset=utf-8', base64: Buffer.from(await assignmentCsv(ctx.db, n), 'utf8').toString('base64') }
      }
      const grids = (await gridsAtVersion(ctx.db, n)).filter((g) => !input.level || g.level === input.level)
      const fc = versionFeatureCollection(grids)
      if (input.format === 'geojson') return { fileName: `${stem}.geojson`, mime: 'application/geo+json', base64: Buffer.from(JSON.stringify(fc), 'utf8').toString('base64') }
      const zip = await shpwrite.zip<'nodebuffer'>(fc, { outputType: 'nodebuffer', compression: 'DEFLATE', folder: stem, filename: stem, types: { polygon: stem, multipolygon: stem } } as never)
      return { fileName: `${stem}.zip`, mime: 'application/zip', base64: Buffer.from(zip as Uint8Array).toString('base64') }
    }),
})

