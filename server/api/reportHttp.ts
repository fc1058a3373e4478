/**
 * GET /api/report/bulletin?month=YYYY-MM&format=xlsx[&districtId=N] — the monthly bulletin (of the city, or of a district) as a plain download
 * (a browser link; the same roles as report.monthlyBulletin).
 */
import type http from 'node:http'
import { MONTH_PATTERN } from '../domain/time.ts'
import { monthlyBulletin } from '../services/bulletin.ts'
import { runHeavy } from '../services/heavy.ts'
import { resolveArea } from '../services/districts.ts'
import type { GridCatalog } from '../services/gridCatalog.ts'
import { allowed } from './permissions.ts'
import { sendAppError, sendError, sessionUserOf, type HttpDeps } from './httpUtil.ts'

export function handleReportHttp(deps: HttpDeps & { catalog: GridCatalog }, req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const url = new URL(req.url ?? '/', 'http://x')
  if (url.pathname !== '/api/report/bulletin') return false
  void (async () => {
    try {
      res.setHeader('Cache-Control', 'no-store')
      if (req.method !== 'GET') { sendError(res, 405, 'METHOD_NOT_ALLOWED', '不支持的请求方法'); return }
      const user = await sessionUserOf(deps.db, req, deps.now())
      if (!user) { sendError(res, 401, 'NOT_LOGGED_IN', '请先登录'); return }
      if (!allowed('report.monthlyBulletin', user.role)) { sendError(res, 403, 'ROLE_FORBIDDEN', '当前角色无权执行此操作'); return }
      const month = url.searchParams.get('month') ?? ''
      if (!MONTH_PATTERN.test(month)) { sendError(res, 400, 'BAD_INPUT', '月份格式应为 YYYY-MM'); return }
      const format = url.searchParams.get('format') ?? 'xlsx'
      const districtParam = url.searchParams.get('districtId')
      if (districtParam !== null && !/^[1-9]\d{0,9}$/.test(districtParam)) { sendError(res, 400, 'BAD_INPUT', 'districtId 应为正整数'); return }
      const area = resolveArea(deps.catalog, districtParam === null ? undefined : Number(districtParam))
      const bulletin = await monthlyBulletin(deps.db, deps.catalog, month, deps.now(), area)
      if (format === 'json') { res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(bulletin)); return }
      if (format !== 'xlsx') { sendError(res, 400, 'BAD_INPUT', 'format 应为 xlsx 或 json'); return }
      const xlsx = Buffer.from(await runHeavy('bulletinWorkbook', [bulletin]))
      const name = `检查通报-${month}${area ? `-${area.name}` : ''}.xlsx`
      res.writeHead(200, {
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Disposition': `attachment; filename="bulletin-${month}.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`,
        'Content-Length': String(xlsx.length),
      }).end(xlsx)
    } catch (e) {
      sendAppError(res, e)
    }
  })()
  return true
}
