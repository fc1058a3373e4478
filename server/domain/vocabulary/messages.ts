/**
 * THE message catalog: every stable `appCode` the server can send, in Chinese and English, with
 * `{placeholders}` filled from the error's `details` when it carries values. The server keeps
 * sending its own (Chinese, specific) sentence as `message`; a client shows the catalog text in the
 * chosen language, and in Chinese prefers the server's own sentence, which names the specifics.
 * tests/domain/vocabulary.test.ts reads server/ for every appCode and fails on one missing here.
 */
import { fill, type Lang, type Term } from './lang.ts'

const m = (zh: string, en: string): Term => ({ 'zh-CN': zh, en })

export const MESSAGES = {
  // sessions, roles, requests
  BAD_CREDENTIALS: m('用户名或密码错误', 'Wrong login or password'),
  LOGIN_RATE_LIMITED: m('登录失败次数过多，请 15 分钟后再试', 'Too many failed sign-ins; try again in 15 minutes'),
  NOT_LOGGED_IN: m('请先登录', 'Please sign in'),
  BATCH_TOO_LARGE: m('一次批量请求的调用过多', 'Too many calls in one batch request'),
  AUTH_NOT_BATCHABLE: m('登录、退出等认证调用须单独发送，不能放在批量请求中', 'Sign-in and sign-out must be sent on their own, not in a batch'),
  SERVER_BUSY: m('服务器繁忙，请稍后重试', 'The server is busy; please retry'),
  GEOMETRY_TOO_COMPLEX: m('边界过于复杂，无法在限定时间和内存内校验，请简化后重试', 'The boundary is too complex to check within the time and memory limits; simplify it and retry'),
  TASK_TOO_HEAVY: m('任务过大，无法在限定时间和内存内完成，请缩小范围后重试', 'The task is too large to finish within the limits; narrow it and retry'),
  INSPECTION_NOT_FOUND: m('检查记录不存在', 'The inspection does not exist'),
  SAMPLE_CHANGED: m('点位库已变化，样本与预览不一致，请重新预览', 'The sites changed since the preview; preview again'),
  MERGE_TOO_FAR: m('两个问题相距 {distanceM} 米，超过重复问题的范围（{maxDistanceM} 米）', 'The problems are {distanceM} m apart, more than the duplicate range ({maxDistanceM} m)'),
  MERGE_TARGET_CLOSED: m('只能合并到一个未结案、未被合并的问题', 'Merge only into an open problem that is not merged itself'),
  NOT_MERGED: m('该问题不是因合并而作废的，不能撤销合并', 'This problem was not merged; nothing to undo'),
  SPOT_PROBLEM_INVALID: m('第 {n} 个现场问题有误：{reason}', 'Spot problem {n} is not valid: {reason}'),
  SPOT_PROBLEM_NO_POINT: m('现场问题没有位置：请定位后再登记', 'A spot problem needs a location: get a GPS fix first'),
  IDEMPOTENCY_KEY_REUSED: m('该提交编号已用于另一份不同的提交', 'This submission key was already used for a different submission'),
  INSPECTION_NOT_YOURS: m('只能引用本部门的检查记录', 'You may only cite your own department\'s inspections'),
  INSPECTION_TOO_LATE: m('检查日期早于补录期限（{hours} 小时），请填写补录原因', 'The inspection is dated more than {hours} hours ago; give a reason for the late entry (补录)'),
  INSPECTION_NOT_LATE: m('该检查记录不是补录，无需审核', 'This inspection is not a late entry; nothing to approve'),
  INSPECTION_ALREADY_APPROVED: m('该补录已审核通过', 'This late entry is already approved'),
  UNAUTHORIZED: m('请重新登录', 'Please sign in again'),
  FORBIDDEN: m('无权执行此操作', 'You may not do this'),
  ROLE_FORBIDDEN: m('当前角色无权执行此操作', 'Your role may not do this'),
  NOT_YOUR_DEPARTMENT: m('只能操作本部门的数据', 'This belongs to another department'),
  NOT_YOUR_GRID: m('该网格不是本部门包抓的网格', 'Your department does not hold this grid'),
  NOT_YOUR_INDICATOR: m('该指标不属于本部门', 'This indicator belongs to another department'),
  CANNOT_DEMOTE_SELF: m('不能修改自己的管理员角色', 'You cannot take away your own admin role'),
  CROSS_SITE_REQUEST: m('拒绝跨站请求', 'Cross-site request refused'),
  UNSUPPORTED_CONTENT_TYPE: m('请求须为 application/json', 'The request must be application/json'),
  MALFORMED_JSON: m('请求内容不是有效的 JSON', 'The request is not valid JSON'),
  METHOD_NOT_ALLOWED: m('不支持的请求方法', 'Method not allowed'),
  BAD_REQUEST: m('请求有误', 'Bad request'),
  PARSE_ERROR: m('请求内容无法解析', 'The request could not be read'),
  PAYLOAD_TOO_LARGE: m('请求内容过大', 'The request is too large'),
  TOO_MANY_REQUESTS: m('请求过于频繁，请稍后再试', 'Too many requests; try again later'),
  INTERNAL: m('服务器内部错误，请稍后重试', 'Server error; please try again later'),
  DB_UNAVAILABLE: m('数据库暂时不可用，请稍后重试', 'The database is busy; please retry'),
  // generic data errors
  BAD_INPUT: m('请检查填写内容', 'Please check the form'),
  NOT_FOUND: m('记录不存在', 'Not found'),
  REFERENCE_NOT_FOUND: m('引用的记录不存在', 'A referenced record does not exist'),
  ALREADY_EXISTS: m('记录已存在', 'It already exists'),
  VERSION_CONFLICT: m('数据已被他人修改，请刷新后重试', 'Changed by someone else; reload and retry'),
  DATE_IN_FUTURE: m('日期不能晚于现在', 'The date cannot be in the future'),
  BAD_RANGE: m('起始月份不能晚于结束月份', 'The first month must not be after the last'),
  BAD_PERIOD: m('结束时间必须晚于开始时间', 'The end must be after the start'),
  // grids, holders, departments, users
  GRID_NOT_FOUND: m('网格不存在', 'Grid not found'),
  GRID_UNHELD: m('该网格在该日期没有包抓部门', 'Nobody held this grid on that date'),
  OUTSIDE_GRIDS: m('该位置不在任何网格内', 'This place is outside every grid'),
  HOLDER_CONFLICT: m('该网格的包抓单位已被他人修改，请刷新后重试', 'The holder was changed by someone else; reload and retry'),
  HOLDER_DATE_NOT_AFTER_CURRENT: m('新的包抓起始日期须晚于当前包抓的起始日期', 'The new holder must start after the current one started'),
  HOLDER_OVERLAP: m('网格「{grid}」的包抓期将会重叠，未保存', 'The holder periods of grid “{grid}” would overlap; nothing was saved'),
  REGISTER_COLUMNS: m('网格台账缺少必需的列：{missing}', 'The grid register lacks required columns: {missing}'),
  DEPARTMENT_NOT_FOUND: m('部门不存在', 'Department not found'),
  DEPARTMENT_NAME_TAKEN: m('部门名称已存在', 'A department with this name exists'),
  DEPARTMENT_REQUIRED: m('请选择部门', 'Choose a department'),
  BULLETIN_MONTH_NOT_OVER: m('本月尚未结束，月底后才能发布通报', 'The month is not over yet; publish its bulletin after the month ends'),
  BULLETIN_ALREADY_PUBLISHED: m('该月通报已发布，发布后不再更改', 'This month\'s bulletin is already published and stays as published'),
  UNKNOWN_DEPARTMENT: m('部门不存在', 'Unknown department'),
  USER_NOT_FOUND: m('用户不存在', 'User not found'),
  LOGIN_TAKEN: m('登录名已被使用', 'This login is taken'),
  // boundaries
  BOUNDARY_INVALID: m('草稿未通过校验', 'The draft did not pass validation'),
  BOUNDARY_PENDING_EXISTS: m('有待生效的边界版本，请先等待其生效或取消后再保存', 'A scheduled boundary version exists: wait for it or cancel it first'),
  BOUNDARY_PENDING_GONE: m('待生效版本已被取消或已生效', 'The scheduled version was cancelled or has taken effect'),
  BOUNDARY_PENDING_NOT_FOUND: m('待生效的边界版本不存在', 'Scheduled boundary version not found'),
  BOUNDARY_VERSION_CONFLICT: m('边界已被他人修改，请重新载入后再编辑', 'The boundaries were changed by someone else; reload and edit again'),
  BOUNDARY_VERSION_NOT_FOUND: m('边界版本不存在', 'Boundary version not found'),
  DRAFT_BAD_KEY: m('草稿中的网格编号有误', 'A grid key in the draft is wrong'),
  DRAFT_DUPLICATE_KEY: m('草稿中有重复的网格', 'The draft has a grid twice'),
  DRAFT_EMPTY: m('草稿没有任何改动', 'The draft has no changes'),
  DRAFT_LEVEL_CHANGED: m('网格的层级不能改变', 'A grid cannot change its level'),
  DRAFT_RETIRE_CHANGED: m('网格不能既修改又撤销', 'A grid cannot be both changed and retired'),
  GEOMETRY_INVALID: m('网格边界无效', 'A grid boundary is invalid'),
  REVERT_NOT_EARLIER: m('只能回退到更早的版本', 'You can only revert to an earlier version'),
  IMPORT_UNREADABLE: m('无法读取文件：请上传 GeoJSON 或 Shapefile 压缩包', 'Unreadable file: upload GeoJSON or a zipped Shapefile'),
  TILE_NOT_FOUND: m('瓦片地址有误', 'No such tile'),
  // problems
  PROBLEM_NOT_FOUND: m('问题不存在', 'Problem not found'),
  UNKNOWN_CATEGORY: m('问题类别不存在', 'Unknown problem category'),
  // holiday calendar (deadlines)
  CALENDAR_BAD_DAY: m('日期无效，应为 YYYY-MM-DD', 'Invalid day; expected YYYY-MM-DD'),
  CALENDAR_WORKDAY_NOT_WEEKEND: m('只有周末可以设为调休上班', 'Only a weekend day can be an adjusted working day'),
  CALENDAR_DAY_NOT_FOUND: m('日历中没有这一天', 'That day is not in the calendar'),
  CALENDAR_INVALID: m('节假日日历无效', 'The holiday calendar is invalid'),
  ILLEGAL_TRANSITION: m('问题当前状态不能执行此操作', 'Not possible in the problem’s current state'),
  NOTE_REQUIRED: m('此操作需要填写说明（理由）', 'This action needs a note'),
  NO_DEPARTMENT: m('问题没有责任部门', 'The problem has no department'),
  BAD_DEADLINE: m('新的期限须晚于当前期限', 'The new deadline must be later than the current one'),
  EXTENSION_PENDING: m('已有待审批的延期申请', 'An extension request is already pending'),
  NO_PENDING_EXTENSION: m('没有待审批的延期申请', 'No extension request is pending'),
  SAME_ASSIGNMENT: m('改派目标与当前相同', 'That is the current assignment'),
  REASSIGN_TARGET: m('改派需要指定部门或网格', 'Reassigning needs a department or a grid'),
  MERGE_SELF: m('不能合并到自身', 'A problem cannot be merged into itself'),
  MERGE_CATEGORY: m('只能合并同一类别的问题', 'Only problems of the same category can be merged'),
  IMPORT_BAD_FILE: m('无法读取文件，请确认是 .xlsx 或 CSV 格式', 'Unreadable file: use .xlsx or CSV'),
  IMPORT_EMPTY: m('文件为空', 'The file is empty'),
  IMPORT_TOO_LARGE: m('文件不能超过 20 MB', 'The file must not exceed 20 MB'),
  IMPORT_TOO_MANY_ROWS: m('一次导入的行数过多', 'Too many rows for one import'),
  IMPORT_NO_HEADER: m('文件第一行应为表头', 'The first row must be the header'),
  IMPORT_MAPPING: m('缺少必需的列，请指定列对应关系', 'Required columns are missing: map the columns'),
  BOUNDARY_FILE_TOO_LARGE: m('边界文件不能超过 {maxMb} MB：请按区县拆分后分批导入', 'A boundary file must not exceed {maxMb} MB: split it by district'),
  IMPORT_UNKNOWN_ENCODING: m('无法识别的文字编码“{encoding}”：请选择 UTF-8 或 GB18030（GBK）', 'Unknown text encoding "{encoding}": choose UTF-8 or GB18030 (GBK)'),
  IMPORT_PROJECTED_CRS: m('文件的坐标系“{name}”是投影坐标（单位为米），请先转换为 WGS84 / CGCS2000 经纬度', 'The file\'s coordinate system "{name}" is projected (metres): convert it to WGS84 / CGCS2000 longitude/latitude first'),
  IMPORT_NOT_LONLAT: m('坐标 ({x}, {y}) 不是经纬度：请先转换为 WGS84 / CGCS2000 经纬度', 'Coordinates ({x}, {y}) are not longitude/latitude: convert to WGS84 / CGCS2000 first'),
  IMPORT_CONFLICT: m('部分行刚被其他导入写入，请重新预览后再导入', 'Some rows were just imported by someone else: preview again'),
  // photos
  PHOTO_EMPTY: m('照片为空', 'The photo is empty'),
  PHOTO_TYPE: m('只能上传 JPEG、PNG 或 WebP 图片', 'Only JPEG, PNG or WebP images'),
  PHOTO_TOO_LARGE: m('照片过大', 'The photo is too large'),
  PHOTO_NOT_FOUND: m('照片不存在，请重新上传', 'Photo not found; upload it again'),
  PHOTO_NOT_YOURS: m('只能使用自己上传的照片', 'You can only use photos you uploaded'),
  PHOTO_ALREADY_ATTACHED: m('照片已被使用，请重新上传', 'The photo is already used; upload it again'),
  // evaluation
  DUPLICATE_SITE: m('同名同类型的点位已存在', 'A site with this name and type exists'),
  SITE_NOT_FOUND: m('点位不存在', 'Site not found'),
  EMPTY_SAMPLE: m('没有符合条件的点位', 'No site matches'),
  MOCK_NOT_FOUND: m('模拟测评不存在', 'Mock evaluation not found'),
  MOCK_SITE_NOT_FOUND: m('抽样点位不存在', 'Sampled site not found'),
  INDICATOR_NOT_FOUND: m('指标不存在', 'Indicator not found'),
  INDICATOR_NOT_CHECKED_HERE: m('该指标不在此类点位的测评范围内', 'This indicator is not checked at this kind of site'),
  LOST_OVER_MAX: m('扣分不能超过分值', 'Points lost cannot exceed the points'),
  SCORE_NOT_FOUND: m('评分不存在', 'Score not found'),
  NO_LOST_POINTS: m('该项没有扣分，无需转为问题', 'No points lost: nothing to turn into a problem'),
  ALREADY_CONVERTED: m('该扣分项已转为问题', 'Already turned into a problem'),
  MILESTONE_NOT_FOUND: m('进度节点不存在', 'Milestone not found'),
  // the responsibility matrix and 退单 (docs/routing.md)
  RETURN_WINDOW_CLOSED: m('已超过退单时限（派遣后 {windowHours} 个工作小时），不能退单', 'The return window ({windowHours} working hours after dispatch) has passed'),
  RETURN_PENDING: m('该问题的退单正待裁定', 'A return of this problem is waiting for a ruling'),
  NO_PENDING_RETURN: m('没有待裁定的退单', 'There is no return waiting for a ruling'),
  RETURN_SAME_DEPARTMENT: m('请指定另一个部门', 'Name another department'),
  RULE_CATEGORY: m('规则须指定一个问题类别或一个类别组（二选一）', 'A rule names one category or one category group'),
  RULE_AREA: m('规则的区域无效', 'The rule\'s area is not valid'),
  RULE_DATES: m('失效日期必须晚于生效日期', 'The end date must be after the start date'),
  RULE_NOT_FOUND: m('责任规则不存在', 'The rule does not exist'),
  RULE_ENDED: m('该规则已失效', 'The rule has already ended'),
  RULE_AMEND: m('只有改派的裁定可以修改责任矩阵', 'Only a reassigning ruling can amend the matrix'),
  // patrol track (巡查轨迹) and photo EXIF sent by the phone
  PATROL_TRACK_EMPTY: m('巡查轨迹没有位置点', 'The patrol track has no points'),
  PATROL_TRACK_TOO_LONG: m('巡查轨迹的位置点过多（最多 {max} 个）', 'The patrol track has too many points (at most {max})'),
  PATROL_TRACK_ORDER: m('巡查轨迹第 {n} 个点的时间不晚于前一个点', 'Point {n} of the patrol track is not later than the one before'),
  PATROL_TRACK_OUT_OF_TIME: m('巡查轨迹第 {n} 个点的时间不在检查当天或晚于提交时间', 'Point {n} of the patrol track is not on the inspection\'s day or is later than the submission'),
  PHOTO_EXIF_INVALID: m('照片的拍摄时间或位置格式有误', 'The photo\'s capture time or position is malformed'),
  // reminders, 督办 and 回访 (issue 13)
  NOTIFICATION_NOT_FOUND: m('通知不存在', 'Notification not found'),
  SUPERVISION_NOT_FOUND: m('督办单不存在', 'Supervision notice not found'),
  SUPERVISION_ALREADY_REPLIED: m('该督办单已回复', 'This supervision notice has already been answered'),
  FOLLOWUP_NOT_CLOSED: m('只有已结案的问题才能回访', 'Only a closed problem can be followed up'),
  FOLLOWUP_REOPEN_UNSATISFIED: m('只有回访不满意才能重新办理', 'Only an unsatisfied follow-up can reopen the problem'),
  // districts (issue 12)
  AREA_NOT_DISTRICT: m('所选区域不是现行的区县（或街道）网格', 'The chosen area is not a district (or street) in force'),
  CODE_PREFIX: m('网格编码应以所属上级网格的编码前缀 {expectedPrefix} 开头', 'The grid code must start with its parent\'s code prefix {expectedPrefix}'),
  PARENT_LEVEL: m('上级网格的层级不对', 'The parent grid is of the wrong level'),
} as const satisfies Record<string, Term>

export type AppCode = keyof typeof MESSAGES

export function isAppCode(code: unknown): code is AppCode {
  return typeof code === 'string' && Object.hasOwn(MESSAGES, code)
}

/** The catalog's sentence for a code in a language, `{placeholders}` filled from values; null for an unknown code. */
export function messageOf(code: string, lang: Lang, values?: Readonly<Record<string, unknown>>): string | null {
  if (!isAppCode(code)) return null
  const plain = values && typeof values === 'object' && !Array.isArray(values)
    ? Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'string' || typeof v === 'number')) as Record<string, string | number>
    : undefined
  return fill(MESSAGES[code][lang], plain)
}

/**
 * What to show a person for an error the server sent: in English the catalog's sentence (the
 * server's own message when the code is unknown or a value is missing); in Chinese the server's
 * own sentence (it names the specifics), else the catalog's.
 */
export function errorMessage(e: { appCode?: unknown; details?: unknown; message?: string }, lang: Lang, fallback: string): string {
  const server = e.message?.trim() ? e.message : ''
  const code = typeof e.appCode === 'string' ? e.appCode : ''
  if (lang === 'zh-CN' && server) return server
  const text = messageOf(code, lang, e.details as Record<string, unknown> | undefined)
  if (text !== null && !/\{\w+\}/.test(text)) return text
  return server || text || fallback
}
