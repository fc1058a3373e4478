/**
 * Evaluation sites (测评点位) register and readiness (达标情况). A site is a point; it belongs to
 * the grid containing it (community, else street) and so to that grid's department. Creating,
 * moving and importing sites: leaders, planners, admins. Readiness: everyone; a department user
 * sees its own department's sites.
 */
import { z } from 'zod'
import { holderOn } from '../../domain/holder.ts'
import { COORD_SYSTEMS } from '../../domain/problem/importRows.ts'
import { parseSiteRows, siteKey, SITE_TYPES } from '../../domain/evaluation/siteRows.ts'
import { writeAudit } from '../../services/audit.ts'
import { siteReadinessReport } from '../../services/evaluation.ts'
import { readTable } from '../../services/problemImport.ts'
import { badInput, conflict, notFound } from '../errors.ts'
import { id, rowVersion, lat, lng, text } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

const siteType = z.enum(SITE_TYPES)
const MAX_FILE_BYTES = 10 * 1024 * 1024

/** Plain text of an exceljs cell value (rich text, formula results, hyperlinks). */
function cell(v: unknown): unknown {
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown }
    if (o.richText) return o.richText.map((r) => r.text).join('')
    if (o.result !== undefined) return cell(o.result)
    if (o.text !== undefined) return cell(o.text)
  }
  return v
}

export const evaluationRouter = router({
  siteTypes: authedProcedure.query(() => [...SITE_TYPES]),

  /** Every site with readiness, and the share up to standard per type, street and department. */
  readiness: authedProcedure.query(async ({ ctx }) => {
    const scope = ctx.user.role === 'department' ? (ctx.user.departmentId ?? -1) : undefined
    return siteReadinessReport(ctx.db, ctx.catalog, ctx.now(), { departmentId: scope })
  }),

  /** Add a site at a point; it is assigned to the grid containing the point. */
  siteCreate: authedProcedure
    .input(z.object({ name: text(100).min(1), type: siteType, lng, lat }))
    .mutation(async ({ ctx, input }) => {
      const grid = ctx.catalog.assign(input.lng, input.lat)
      if (!grid) throw badInput('该位置不在任何网格内', 'OUTSIDE_GRIDS')
      return ctx.db.$transaction(async (tx) => {
        if (await tx.evaluationSite.findFirst({ where: { name: input.name, type: input.type } })) throw badInput('同名同类型的点位已存在', 'DUPLICATE_SITE')
        const s = await tx.evaluationSite.create({ data: { ...input, gridId: grid.id } })
        await writeAudit(tx, { actorId: ctx.user.id, action: 'site.create', entity: 'EvaluationSite', entityId: s.id, after: s, at: ctx.now() })
        return { id: s.id, name: s.name, type: s.type, lng: s.lng, lat: s.lat, gridId: s.gridId, gridName: grid.name, version: s.version }
      })
    }),

  /** Rename, retype or move a site (version check); a moved site is re-assigned to the grid containing it. */
  siteUpdate: authedProcedure
    .input(z.object({ id, version: rowVersion, name: text(100).min(1).optional(), type: siteType.optional(), lng: lng.optional(), lat: lat.optional() })
      .refine((i) => (i.lng === undefined) === (i.lat === undefined), { message: 'lng 与 lat 须同时提供', path: ['lng'] }))
    .mutation(async ({ ctx, input }) => {
      let gridId: number | undefined
      let gridName: string | null = null
      if (input.lng !== undefined && input.lat !== undefined) {
        const grid = ctx.catalog.assign(input.lng, input.lat)
        if (!grid) throw badInput('该位置不在任何网格内', 'OUTSIDE_GRIDS')
        gridId = grid.id
        gridName = grid.name
      }
      return ctx.db.$transaction(async (tx) => {
        const before = await tx.evaluationSite.findUnique({ where: { id: input.id } })
        if (!before) throw notFound('点位', 'SITE_NOT_FOUND')
        const r = await tx.evaluationSite.updateMany({
          where: { id: input.id, version: input.version },
          data: { name: input.name, type: input.type, lng: input.lng, lat: input.lat, gridId, version: { increment: 1 } },
        })
        if (r.count === 0) throw conflict('点位已被他人修改，请刷新后重试')
        const s = (await tx.evaluationSite.findUnique({ where: { id: input.id } }))!
        await writeAudit(tx, { actorId: ctx.user.id, action: 'site.update', entity: 'EvaluationSite', entityId: s.id, before, after: s, at: ctx.now() })
        // the department now holding the site's grid (shown after a move on the map)
        const holder = s.gridId === null ? null : holderOn(await tx.gridHolder.findMany({ where: { gridId: s.gridId }, include: { department: { select: { name: true } } } }), ctx.now())
        return {
          id: s.id, name: s.name, type: s.type, lng: s.lng, lat: s.lat, gridId: s.gridId, gridName: gridName ?? (s.gridId ? ctx.catalog.get(s.gridId)?.name ?? null : null),
          departmentId: holder?.departmentId ?? null, departmentName: holder?.department.name ?? null,
          version: s.version, moved: gridId !== undefined && gridId !== before.gridId,
        }
      })
    }),

  /**
   * Import sites from a spreadsheet (.xlsx or CSV; columns 名称, 类型, 经度, 纬度) with coordinates in
   * WGS84, GCJ-02 or BD-09. The good rows are written in one transaction; every bad row is reported.
   */
  siteImport: authedProcedure
    .input(z.object({ fileBase64: z.string().min(1).max(Math.ceil(MAX_FILE_BYTES * 4 / 3) + 4), coordSystem: z.enum(COORD_SYSTEMS).default('wgs84'), dryRun: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      const bytes = Buffer.from(input.fileBase64, 'base64')
      if (bytes.length === 0) throw badInput('文件为空', 'IMPORT_BAD_FILE')
      const table = await readTable(bytes)
      const existing = new Set((await ctx.db.evaluationSite.findMany({ select: { name: true, type: true } })).map((s) => siteKey(s.name, s.type)))
      const rows = parseSiteRows(table.headers, table.rows.map((r) => r.map(cell)), {
        coordSystem: input.coordSystem, existing, assign: (x, y) => ctx.catalog.assign(x, y)?.id ?? null,
      })
      const good = rows.filter((r) => r.ok)
      const bad = rows.filter((r) => !r.ok && r.reason !== 'EMPTY_ROW')
      if (!input.dryRun && good.length) {
        await ctx.db.$transaction(async (tx) => {
          await tx.evaluationSite.createMany({ data: good.map((r) => ({ name: r.name, type: r.type, lng: r.lng, lat: r.lat, gridId: r.gridId })) })
          await writeAudit(tx, { actorId: ctx.user.id, action: 'site.import', entity: 'EvaluationSite', entityId: 'batch', after: { created: good.length, failed: bad.length }, at: ctx.now() })
        })
      }
      return { total: rows.filter((r) => r.ok || r.reason !== 'EMPTY_ROW').length, created: input.dryRun ? 0 : good.length, ok: good.length, failed: bad.length, errors: bad }
    }),
})
