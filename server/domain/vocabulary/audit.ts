/**
 * The audit trail in words: a sentence for each row (who did what to which thing) and the fields
 * that changed, with their labels and values as a person reads them — never action codes or raw
 * JSON. Pure: the server's read path computes the changes (`auditChanges`, names resolved), the
 * client words them in the language of the switch (`auditSentence`, `auditFieldLabel`, `auditValue`).
 */
import { fill, type Lang, type Term } from './lang.ts'
import { PROBLEM_ACTION, statusLabel } from './status.ts'
import { roleLabel } from './terms.ts'
import { formatDate, formatDateTime } from '../time.ts'

const w = (zh: string, en: string): Term => ({ 'zh-CN': zh, en })

/** What is acted on, by the row's entity (case-insensitive). */
export const AUDIT_ENTITY: Readonly<Record<string, Term>> = {
  grid: w('网格', 'grid'), problem: w('问题', 'problem'), department: w('部门', 'department'), user: w('用户', 'user'),
  evaluationsite: w('测评点位', 'evaluation site'), photo: w('照片', 'photo'), boundaryversion: w('边界版本', 'boundary version'),
  inspection: w('检查打卡', 'inspection'), indicator: w('测评指标', 'indicator'), calendarday: w('日历日期', 'calendar day'),
  calendaryear: w('日历年份', 'calendar year'), scoreentry: w('评分', 'score'), monthlytheme: w('月度主题', 'monthly theme'),
  mockevaluationsite: w('模拟测评点位', 'mock evaluation site'), mockevaluation: w('模拟测评', 'mock evaluation'),
  milestone: w('工作节点', 'milestone'), meeting: w('会议', 'meeting'), importbatch: w('导入批次', 'import batch'),
  bulletinpublication: w('月度通报', 'monthly bulletin'),
  register: w('网格台账', 'grid register'),
}

/**
 * The verb phrase of each action; `{entity}` and `{target}` are filled with the entity's word and
 * the thing's name (or number). Problem workflow actions (`problem.<action>`) use PROBLEM_ACTION.
 */
export const AUDIT_ACTION: Readonly<Record<string, Term>> = {
  'holder.assign': w('更改了网格「{target}」的包抓部门', 'changed the holder of grid “{target}”'),
  'department.create': w('新建了部门「{target}」', 'created department “{target}”'),
  'department.update': w('修改了部门「{target}」', 'edited department “{target}”'),
  'user.create': w('新建了用户「{target}」', 'created user “{target}”'),
  'user.update': w('修改了用户「{target}」', 'edited user “{target}”'),
  'grid.boundary': w('调整了网格「{target}」的边界', 'changed the boundary of grid “{target}”'),
  'grid.create': w('新建了网格「{target}」', 'created grid “{target}”'),
  'grid.retire': w('撤销了网格「{target}」', 'retired grid “{target}”'),
  'grid.restore': w('恢复了网格「{target}」', 'restored grid “{target}”'),
  'boundary.save': w('保存了边界版本 {target}', 'saved boundary version {target}'),
  'boundary.schedule': w('预约了边界调整 {target}', 'scheduled boundary change {target}'),
  'boundary.cancel': w('取消了待生效的边界调整 {target}', 'cancelled pending boundary change {target}'),
  'problem.create': w('上报了问题 {target}', 'reported problem {target}'),
  // one row per import batch (docs/evidence.md "Imports"); rows before 1 December 2026 were per problem
  'problem.import': w('导入了问题（{entity} {target}）', 'imported problems ({entity} {target})'),
  'problem.regrid': w('因边界调整将问题 {target} 改归新网格', 'moved problem {target} to a new grid after a boundary change'),
  'site.create': w('新建了测评点位「{target}」', 'created evaluation site “{target}”'),
  'site.update': w('修改了测评点位「{target}」', 'edited evaluation site “{target}”'),
  'site.import': w('导入了测评点位「{target}」', 'imported evaluation site “{target}”'),
  'site.regrid': w('因边界调整将测评点位「{target}」改归新网格', 'moved evaluation site “{target}” to a new grid after a boundary change'),
  'photo.upload': w('上传了照片 {target}', 'uploaded photo {target}'),
  'inspection.record': w('记录了检查打卡 {target}', 'recorded inspection {target}'),
  'inspection.approveLate': w('批准了补录的检查打卡 {target}', 'approved late inspection {target}'),
  'indicator.create': w('新建了测评指标 {target}', 'created indicator {target}'),
  'indicator.update': w('修改了测评指标 {target}', 'edited indicator {target}'),
  'milestone.progress': w('更新了工作节点 {target} 的进度', 'updated the progress of milestone {target}'),
  'meeting.record': w('记录了会议 {target}', 'recorded meeting {target}'),
  'theme.set': w('设置了月度主题 {target}', 'set monthly theme {target}'),
  'calendar.set': w('设置了日历日期 {target}', 'set calendar day {target}'),
  'calendar.remove': w('删除了日历日期 {target}', 'removed calendar day {target}'),
  'calendar.setYear': w('标记了 {target} 年的节假日安排', 'marked the {target} holiday schedule'),
  'report.publishBulletin': w('发布了月度通报 {target}', 'published monthly bulletin {target}'),
  'mock.draw': w('抽取了模拟测评点位 {target}', 'drew mock evaluation sites {target}'),
  'mock.score': w('为模拟测评点位 {target} 打分', 'scored mock evaluation site {target}'),
  'mock.toProblem': w('将模拟测评点位 {target} 的扣分转为问题', 'turned the deductions of mock site {target} into problems'),
  'holder.import': w('按网格台账更改了网格「{target}」的包抓', 'changed the holder of grid “{target}” from the grid register'),
  'register.import': w('导入了网格台账「{target}」', 'imported the grid register “{target}”'),
}

/** Field labels of the audited views. */
export const AUDIT_FIELD: Readonly<Record<string, Term>> = {
  name: w('名称', 'name'), shortName: w('简称', 'short name'), contactPerson: w('联系人', 'contact'), phone: w('电话', 'phone'),
  login: w('登录名', 'login'), displayName: w('姓名', 'name'), role: w('角色', 'role'), departmentId: w('部门', 'department'),
  departmentName: w('部门', 'department'), passwordChanged: w('密码已更改', 'password changed'),
  cadreName: w('包抓领导', 'cadre'), cadreTitle: w('职务', 'title'), contactName: w('联系人', 'contact'), contactPhone: w('联系电话', 'contact phone'),
  validFrom: w('起始时间', 'from'), validTo: w('结束时间', 'to'), gridId: w('网格', 'grid'), gridName: w('网格', 'grid'),
  status: w('状态', 'status'), deadline: w('处置时限', 'deadline'), note: w('说明', 'note'), description: w('描述', 'description'),
  categoryCode: w('问题类别', 'category'), kind: w('类型', 'kind'), provisional: w('暂定', 'provisional'), source: w('来源', 'source'),
  progress: w('进度', 'progress'), area: w('面积（m²）', 'area (m²)'), retiredAt: w('撤销时间', 'retired at'), boundaryVersion: w('边界版本', 'boundary version'),
  reason: w('原因', 'reason'), effectiveFrom: w('生效日期', 'effective from'), mergedIntoId: w('合并到', 'merged into'), intoId: w('合并到', 'merged into'),
  assigneeId: w('处置人', 'assignee'), title: w('标题', 'title'), score: w('得分', 'score'), month: w('月份', 'month'), theme: w('主题', 'theme'),
  address: w('地址', 'address'), type: w('类型', 'type'), lng: w('经度', 'longitude'), lat: w('纬度', 'latitude'), extension: w('延期', 'extension'),
  row: w('台账行号', 'register row'), fileName: w('文件', 'file'), fileHash: w('文件摘要', 'file digest'), mode: w('导入方式', 'import mode'),
  total: w('行数', 'rows'), create: w('新增', 'added'), update: w('更正', 'corrected'), unchanged: w('未变', 'unchanged'), failed: w('有误', 'refused'),
  createdDepartments: w('新建的部门', 'departments created'),
  approvedAt: w('批准时间', 'approved at'), distanceM: w('距离（米）', 'distance (m)'), mergeRequestIntoId: w('申请合并到', 'merge requested into'),
}

/** Fields never shown as changes: bookkeeping and geometry. */
const HIDDEN = new Set(['id', 'version', 'createdAt', 'updatedAt', 'bbox', 'boundary', 'geometry', 'passwordHash'])

export interface AuditChange { field: string; before: unknown; after: unknown }

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The fields that changed between `before` and `after` (a created thing: its fields; a removed one:
 * its former fields). An `…Id` field is left out when its `…Name` companion is there.
 */
export function auditChanges(before: unknown, after: unknown): AuditChange[] {
  const b = isRecord(before) ? before : {}
  const a = isRecord(after) ? after : {}
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])]
  const out: AuditChange[] = []
  for (const k of keys) {
    if (HIDDEN.has(k)) continue
    if (k.endsWith('Id') && (`${k.slice(0, -2)}Name` in a || `${k.slice(0, -2)}Name` in b)) continue
    const x = b[k], y = a[k]
    if (same(x, y)) continue
    if ((x === undefined || x === null) && (y === undefined || y === null || y === '')) continue
    out.push({ field: k, before: x ?? null, after: y ?? null })
  }
  return out
}

export function auditEntityLabel(entity: string, lang: Lang): string {
  return AUDIT_ENTITY[entity.toLowerCase()]?.[lang] ?? (lang === 'en' ? 'record' : '记录')
}

export function auditFieldLabel(field: string, lang: Lang): string {
  return AUDIT_FIELD[field]?.[lang] ?? (lang === 'en' ? field : `其他（${field}）`)
}

export interface AuditRowWords { action: string; entity: string; entityId: string; actorName: string | null; targetName: string | null }

/** 「陈英 更改了网格「高新一路社区」的包抓部门」 — who did what to which thing, without codes. */
export function auditSentence(r: AuditRowWords, lang: Lang): string {
  const actor = r.actorName ?? (lang === 'en' ? 'The system' : '系统')
  const entity = auditEntityLabel(r.entity, lang)
  const target = r.targetName ?? (/^\d+$/.test(r.entityId) ? `#${r.entityId}` : r.entityId)
  const verb = AUDIT_ACTION[r.action]
  if (verb) return `${actor} ${fill(verb[lang], { entity, target })}`
  const [head, step] = r.action.split('.')
  if (head === 'problem' && step && step in PROBLEM_ACTION) {
    const act = PROBLEM_ACTION[step as keyof typeof PROBLEM_ACTION][lang]
    return lang === 'en' ? `${actor}: ${act} — problem ${target}` : `${actor} 对问题 ${target} 执行了「${act}」`
  }
  return lang === 'en' ? `${actor} changed ${entity} ${target}` : `${actor} 修改了${entity} ${target}`
}

/** instants that stand for a calendar day (a period starts at the day's Beijing midnight) */
const DAY_FIELDS = new Set(['validFrom', 'validTo', 'effectiveFrom', 'deadline'])
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/
const CAL_KIND: Readonly<Record<string, Term>> = { holiday: w('放假', 'day off'), workday: w('调休上班', 'working weekend day') }

/** A field's value as a person reads it: Beijing time, 是/否, status and role words, names. */
export function auditValue(field: string, value: unknown, lang: Lang, entity = ''): string {
  if (value === null || value === undefined || value === '') return '—'
  if (typeof value === 'boolean') return value ? (lang === 'en' ? 'yes' : '是') : (lang === 'en' ? 'no' : '否')
  if (typeof value === 'string') {
    if (ISO_INSTANT.test(value)) return DAY_FIELDS.has(field) ? formatDate(value) : formatDateTime(value)
    if (field === 'status' && entity.toLowerCase() === 'problem') return statusLabel('problem', value, lang)
    if (field === 'role') return roleLabel(value, lang)
    if (field === 'kind' && CAL_KIND[value]) return CAL_KIND[value]![lang]
    return value
  }
  if (typeof value === 'number') return field === 'area' ? value.toFixed(0) : String(value)
  if (Array.isArray(value)) return value.map((v) => auditValue(field, v, lang, entity)).join('、')
  if (isRecord(value)) {
    return Object.entries(value).filter(([k]) => !HIDDEN.has(k)).map(([k, v]) => `${auditFieldLabel(k, lang)}：${auditValue(k, v, lang, entity)}`).join('；')
  }
  return String(value)
}
