/**
 * The planner's boundary upload as a plain HTTP route (a file of up to 100 MB does not suit tRPC's
 * JSON; base64 in JSON overflowed the browser's stack):
 *   POST /api/import/boundaries?coords=wgs84|gcj02|bd09&level=<level>&encoding=auto|utf-8|gb18030
 *        &nameField=&codeField=&levelField=&parentField=&fileName=<name>
 *        body: the raw file (GeoJSON, zipped Shapefile, KML/KMZ) → the preview (services/boundaryImport.ts)
 * Session cookie required, the planner's permission (boundary.importFile in the matrix); cross-site
 * POSTs are refused by server/http.ts before this runs. Parsing runs in the heavy-task pool (its time
 * and memory limits); the body arrives into one SharedArrayBuffer, handed to the worker without a copy.
 */
import type http from 'node:http'
import { z } from 'zod'
import { canonicalEncoding } from '../domain/boundary/textEncoding.ts'
import { AppError } from '../domain/errors.ts'
import { COORD_SYSTEMS } from '../domain/geometry/coordSystems.ts'
import { BOUNDARY_TOLERANCE } from '../domain/boundary/tolerances.ts'
import type { GridCatalog } from '../services/gridCatalog.ts'
import { BOUNDARY_IMPORT_MAX_BYTES, boundaryFileTooLarge, previewBoundaryUpload } from '../services/boundaryImport.ts'
import { allowed } from './permissions.ts'
import { describeIssues, readBody, sendAppError, sendError, sessionUserOf, type HttpDeps } from './httpUtil.ts'
import { level } from './inputs.ts'

export const BOUNDARY_IMPORT_PATH = '/api/import/boundaries'
/** The permission-matrix path whose roles this route shares. */
export const BOUNDARY_IMPORT_PERMISSION = 'boundary.importFile'

const field = z.string().trim().max(50).optional()
const query = z.object({
  coords: z.enum(COORD_SYSTEMS, { message: '请选择文件的坐标系：WGS84 / CGCS2000、GCJ-02 或 BD-09' }),
  level,
  encoding: z.string().trim().max(40).default('auto'),
  fileName: z.string().trim().max(200).default('boundaries'),
  nameField: field, codeField: field, levelField: field, parentField: field,
  /** snapping tolerance of the topology build, metres (default 0.5) */
  snap: z.coerce.number().min(0).max(BOUNDARY_TOLERANCE.maxSnapM).default(BOUNDARY_TOLERANCE.snapM),
})

/** Handles POST /api/import/boundaries; false for any other URL. */
export function handleBoundaryImportHttp(deps: HttpDeps & { catalog: GridCatalog }, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname !== BOUNDARY_IMPORT_PATH) return false
  void (async () => {
    try {
      res.setHeader('Cache-Control', 'no-store')
      if (req.method !== 'POST') { sendError(res, 405, 'METHOD_NOT_ALLOWED', '不支持的请求方法'); req.resume(); return }
      const user = await sessionUserOf(deps.db, req, deps.now())
      if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); req.resume(); return }
      if (!allowed(BOUNDARY_IMPORT_PERMISSION, user.role)) { sendError(res, 403, 'ROLE_FORBIDDEN', '当前角色无权执行此操作'); req.resume(); return }
      const q = query.safeParse(Object.fromEntries(url.searchParams))
      if (!q.success) { sendError(res, 400, 'BAD_INPUT', describeIssues(q.error.issues)); req.resume(); return }
      let encoding = null
      if (q.data.encoding !== 'auto') {
        encoding = canonicalEncoding(q.data.encoding)
        if (!encoding) throw new AppError('BAD_INPUT', 'IMPORT_UNKNOWN_ENCODING', `无法识别的文字编码“${q.data.encoding}”：请选择 UTF-8 或 GB18030（GBK）`, { encoding: q.data.encoding })
      }
      const bytes = await readBody(req, BOUNDARY_IMPORT_MAX_BYTES, boundaryFileTooLarge, res, { shared: true })
      if (bytes.length === 0) { sendError(res, 400, 'IMPORT_EMPTY', '文件为空'); return }
      const out = await previewBoundaryUpload(deps.catalog, bytes, {
        fileName: q.data.fileName, encoding, coordSystem: q.data.coords, level: q.data.level, snapTolerance: q.data.snap,
        fields: { name: q.data.nameField || undefined, code: q.data.codeField || undefined, level: q.data.levelField, parent: q.data.parentField },
      })
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(out))
    } catch (e) {
      req.resume()
      sendAppError(res, e)
    }
  })()
  return true
}
