/** Strings of the problem pages (list, detail, report form, import, measures). zh-CN first. */
import { useI18n } from '../../i18n.ts'

const zh = {
  'p.title': '问题清单', 'p.report': '上报问题', 'p.import': '导入问题', 'p.measures': '部门考核指标', 'p.list': '问题',
  'p.filters': '筛选', 'p.status': '状态', 'p.category': '类别', 'p.department': '责任部门', 'p.grid': '网格', 'p.all': '全部',
  'p.overdue': '仅超期', 'p.boundary': '边界问题', 'p.rebound': '反弹问题', 'p.open': '仅未结案', 'p.from': '上报自', 'p.to': '至',
  'p.reset': '重置', 'p.export': '导出', 'p.total': '共 {n} 件', 'p.prev': '上一页', 'p.next': '下一页', 'p.page': '第 {n} 页',
  'p.none': '没有符合条件的问题', 'p.loading': '加载中…', 'p.open.detail': '查看',
  'col.id': '编号', 'col.status': '状态', 'col.category': '类别', 'col.description': '描述', 'col.grid': '网格', 'col.department': '责任部门',
  'col.reported': '上报时间', 'col.deadline': '期限', 'col.flags': '标记',
  'flag.overdue': '超期', 'flag.boundary': '边界', 'flag.rebound': '反弹', 'flag.rework': '返工 {n}', 'flag.extended': '延期 {n}', 'flag.urgent': '紧急',
  'status.reported': '已上报', 'status.registered': '已立案', 'status.dispatched': '已派遣', 'status.rectifying': '整改中',
  'status.submitted': '待核查', 'status.closed': '已结案', 'status.voided': '已作废',
  'action.register': '立案', 'action.dispatch': '派遣', 'action.accept': '接收整改', 'action.submit': '提交整改', 'action.verifyPass': '核查通过',
  'action.verifyFail': '返工', 'action.void': '作废', 'action.reassign': '改派', 'action.requestExtension': '申请延期',
  'action.decideExtension': '审批延期', 'action.report': '上报', 'action.merge': '合并', 'action.mergedFrom': '合并来源',
  'd.title': '问题 #{id}', 'd.close': '关闭', 'd.history': '处理过程', 'd.photos': '照片', 'd.noPhotos': '暂无照片', 'd.facts': '基本信息',
  'd.reporter': '上报人', 'd.source': '来源', 'd.priority': '优先级', 'd.priority.normal': '普通', 'd.priority.urgent': '紧急',
  'd.location': '位置', 'd.boundary': '边界问题：同时邻近 {list}', 'd.reboundOf': '反弹：与已结案的 #{id} 同类同地',
  'd.rebounds': '之后在此反弹：{list}', 'd.mergedInto': '已合并到 #{id}', 'd.merged': '合并进来的重复问题：{list}',
  'd.extensions': '延期申请', 'd.ext.pending': '待审批', 'd.ext.approved': '已批准', 'd.ext.rejected': '已驳回', 'd.ext.line': '{who} 申请延至 {to}：{reason}',
  'd.actions': '可执行的操作', 'd.noActions': '当前没有您可以执行的操作', 'd.note': '说明 / 理由', 'd.noteRequired': '此操作需要填写说明',
  'd.newDeadline': '新的期限', 'd.department': '派往部门', 'd.targetGrid': '改派网格', 'd.sameGrid': '（保持原网格）', 'd.approve': '批准延期', 'd.reject': '驳回',
  'd.photo': '整改照片', 'd.confirm': '确认{action}', 'd.cancel': '取消', 'd.done': '已{action}', 'd.conflict': '问题已被他人修改，已刷新，请重新操作',
  'd.merge': '合并为重复', 'd.mergeInto': '合并到问题编号', 'd.mergeDo': '合并', 'd.openMap': '在地图上查看', 'd.timelineBy': '{who}',
  'r.title': '上报问题', 'r.clickMap': '在地图上点击问题位置，或输入经纬度（WGS84）', 'r.lng': '经度', 'r.lat': '纬度', 'r.useGps': '使用当前位置',
  'r.category': '类别', 'r.description': '问题描述', 'r.priority': '紧急', 'r.submit': '上报', 'r.saving': '上报中…', 'r.where': '所在网格：{grid}（由该网格的包抓部门负责）',
  'r.outside': '该位置不在任何网格内，将由文明办人工分派', 'r.duplicates': '附近可能重复的问题', 'r.distance': '{m} 米', 'r.saved': '已上报问题 #{id}',
  'r.flags.boundary': '该位置靠近网格边界，将标记为边界问题', 'r.flags.rebound': '这是一个反弹问题（#{id}）', 'r.pick': '选择类别',
  'r.noPoint': '请先选择位置', 'r.photos': '现场照片（可选）',
  'i.title': '导入问题', 'i.help': '第三方测评结果、热线工单等 Excel（.xlsx）或 CSV 文件，第一行为表头，需含经纬度、类别、描述列。',
  'i.file': '选择文件', 'i.coords': '坐标系', 'i.coords.wgs84': 'WGS84（GPS、天地图）', 'i.coords.gcj02': 'GCJ-02（高德、腾讯）', 'i.coords.bd09': 'BD-09（百度）',
  'i.mapping': '列对应关系', 'i.field.lng': '经度', 'i.field.lat': '纬度', 'i.field.category': '类别', 'i.field.description': '描述',
  'i.field.externalId': '编号', 'i.field.address': '地址', 'i.field.priority': '优先级', 'i.none': '（无）',
  'i.preview': '预览', 'i.commit': '导入', 'i.mode': '导入方式', 'i.mode.all-or-nothing': '全部成功才导入（有错误行则不导入）', 'i.mode.good-rows': '只导入正确的行',
  'i.uploading': '上传中 {p}%', 'i.processing': '服务器处理中…', 'i.summary': '共 {total} 行：可导入 {ok}，跳过 {skipped}，错误 {failed}',
  'i.row': '行号', 'i.result': '结果', 'i.reason': '原因', 'i.target': '分派到', 'i.ok': '可导入', 'i.imported': '已导入 #{id}',
  'i.committed': '导入完成：新增 {n} 个问题（批次 #{batch}）', 'i.refused': '有错误行，按“全部成功才导入”未导入任何数据', 'i.onlyBad': '只显示有问题的行',
  'i.history': '导入记录', 'i.tooLarge': '文件不能超过 20 MB',
  'm.title': '部门考核指标', 'm.by': '统计维度', 'm.by.department': '按部门', 'm.by.grid': '按网格', 'm.name': '名称', 'm.total': '问题数',
  'm.closed': '结案', 'm.closureRate': '结案率', 'm.onTimeRate': '按期结案率', 'm.reworkRate': '返工率', 'm.extensionRate': '延期率',
  'm.avgDays': '平均结案天数', 'm.overdue': '超期', 'm.open': '未结案',
  'err.generic': '出错了',
}
type Key = keyof typeof zh
const en: Record<Key, string> = {
  'p.title': 'Problems', 'p.report': 'Report a problem', 'p.import': 'Import problems', 'p.measures': 'Department measures', 'p.list': 'Problems',
  'p.filters': 'Filters', 'p.status': 'Status', 'p.category': 'Category', 'p.department': 'Department', 'p.grid': 'Grid', 'p.all': 'All',
  'p.overdue': 'Overdue only', 'p.boundary': 'Boundary', 'p.rebound': 'Rebound', 'p.open': 'Open only', 'p.from': 'Reported from', 'p.to': 'to',
  'p.reset': 'Reset', 'p.export': 'Export', 'p.total': '{n} in total', 'p.prev': 'Previous', 'p.next': 'Next', 'p.page': 'Page {n}',
  'p.none': 'No problems match', 'p.loading': 'Loading…', 'p.open.detail': 'Open',
  'col.id': 'No.', 'col.status': 'Status', 'col.category': 'Category', 'col.description': 'Description', 'col.grid': 'Grid', 'col.department': 'Department',
  'col.reported': 'Reported', 'col.deadline': 'Deadline', 'col.flags': 'Flags',
  'flag.overdue': 'Overdue', 'flag.boundary': 'Boundary', 'flag.rebound': 'Rebound', 'flag.rework': 'Rework {n}', 'flag.extended': 'Extended {n}', 'flag.urgent': 'Urgent',
  'status.reported': 'Reported', 'status.registered': 'Registered', 'status.dispatched': 'Dispatched', 'status.rectifying': 'Rectifying',
  'status.submitted': 'Submitted', 'status.closed': 'Closed', 'status.voided': 'Voided',
  'action.register': 'Register', 'action.dispatch': 'Dispatch', 'action.accept': 'Start rectifying', 'action.submit': 'Submit as fixed', 'action.verifyPass': 'Verify: pass',
  'action.verifyFail': 'Send back', 'action.void': 'Void', 'action.reassign': 'Reassign', 'action.requestExtension': 'Request extension',
  'action.decideExtension': 'Decide extension', 'action.report': 'Report', 'action.merge': 'Merge', 'action.mergedFrom': 'Merged from',
  'd.title': 'Problem #{id}', 'd.close': 'Close', 'd.history': 'History', 'd.photos': 'Photos', 'd.noPhotos': 'No photos', 'd.facts': 'Details',
  'd.reporter': 'Reporter', 'd.source': 'Source', 'd.priority': 'Priority', 'd.priority.normal': 'Normal', 'd.priority.urgent': 'Urgent',
  'd.location': 'Location', 'd.boundary': 'Boundary problem: also near {list}', 'd.reboundOf': 'Rebound of closed #{id}',
  'd.rebounds': 'Rebounded later: {list}', 'd.mergedInto': 'Merged into #{id}', 'd.merged': 'Merged duplicates: {list}',
  'd.extensions': 'Extension requests', 'd.ext.pending': 'Pending', 'd.ext.approved': 'Approved', 'd.ext.rejected': 'Rejected', 'd.ext.line': '{who} asks for {to}: {reason}',
  'd.actions': 'Actions', 'd.noActions': 'No action you can take now', 'd.note': 'Note / reason', 'd.noteRequired': 'This action needs a note',
  'd.newDeadline': 'New deadline', 'd.department': 'Department', 'd.targetGrid': 'Grid', 'd.sameGrid': '(keep grid)', 'd.approve': 'Approve', 'd.reject': 'Reject',
  'd.photo': 'Photos of the fix', 'd.confirm': 'Confirm: {action}', 'd.cancel': 'Cancel', 'd.done': 'Done: {action}', 'd.conflict': 'Changed by someone else; reloaded, please try again',
  'd.merge': 'Merge as duplicate', 'd.mergeInto': 'Merge into problem no.', 'd.mergeDo': 'Merge', 'd.openMap': 'Show on map', 'd.timelineBy': '{who}',
  'r.title': 'Report a problem', 'r.clickMap': 'Click the map, or enter coordinates (WGS84)', 'r.lng': 'Longitude', 'r.lat': 'Latitude', 'r.useGps': 'Use my location',
  'r.category': 'Category', 'r.description': 'Description', 'r.priority': 'Urgent', 'r.submit': 'Report', 'r.saving': 'Reporting…', 'r.where': 'Grid: {grid} (its holding department is responsible)',
  'r.outside': 'Outside every grid: the office will assign it by hand', 'r.duplicates': 'Possible duplicates nearby', 'r.distance': '{m} m', 'r.saved': 'Reported #{id}',
  'r.flags.boundary': 'Near a grid boundary: flagged as a boundary problem', 'r.flags.rebound': 'Rebound of #{id}', 'r.pick': 'Choose a category',
  'r.noPoint': 'Choose a location first', 'r.photos': 'Photos (optional)',
  'i.title': 'Import problems', 'i.help': 'Excel (.xlsx) or CSV from third-party evaluations or hotlines; first row is the header, with longitude, latitude, category and description columns.',
  'i.file': 'File', 'i.coords': 'Coordinates', 'i.coords.wgs84': 'WGS84 (GPS)', 'i.coords.gcj02': 'GCJ-02 (Amap, Tencent)', 'i.coords.bd09': 'BD-09 (Baidu)',
  'i.mapping': 'Column mapping', 'i.field.lng': 'Longitude', 'i.field.lat': 'Latitude', 'i.field.category': 'Category', 'i.field.description': 'Description',
  'i.field.externalId': 'Id', 'i.field.address': 'Address', 'i.field.priority': 'Priority', 'i.none': '(none)',
  'i.preview': 'Preview', 'i.commit': 'Import', 'i.mode': 'Mode', 'i.mode.all-or-nothing': 'All rows or none', 'i.mode.good-rows': 'Good rows only',
  'i.uploading': 'Uploading {p}%', 'i.processing': 'Processing…', 'i.summary': '{total} rows: {ok} ok, {skipped} skipped, {failed} with errors',
  'i.row': 'Row', 'i.result': 'Result', 'i.reason': 'Reason', 'i.target': 'Goes to', 'i.ok': 'OK', 'i.imported': 'Imported #{id}',
  'i.committed': 'Imported {n} new problems (batch #{batch})', 'i.refused': 'Rows with errors: nothing imported (all-or-nothing)', 'i.onlyBad': 'Only rows with problems',
  'i.history': 'Past imports', 'i.tooLarge': 'The file must not exceed 20 MB',
  'm.title': 'Department measures', 'm.by': 'By', 'm.by.department': 'Department', 'm.by.grid': 'Grid', 'm.name': 'Name', 'm.total': 'Problems',
  'm.closed': 'Closed', 'm.closureRate': 'Closure rate', 'm.onTimeRate': 'On-time rate', 'm.reworkRate': 'Rework rate', 'm.extensionRate': 'Extension rate',
  'm.avgDays': 'Avg. days to close', 'm.overdue': 'Overdue', 'm.open': 'Open',
  'err.generic': 'Something went wrong',
}

export type ProblemTextKey = Key

export function useProblemText() {
  const { lang, errorText } = useI18n()
  const dict = lang === 'en' ? en : zh
  const t = (key: Key, vars: Record<string, string | number> = {}) =>
    dict[key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? `{${k}}`))
  return {
    lang, t, errorText,
    status: (s: string) => (`status.${s}` in dict ? dict[`status.${s}` as Key] : s),
    action: (a: string) => {
      const name = SEED_ACTIONS[a] ?? a // older rows (the demo data) name the step by the state it reached
      return `action.${name}` in dict ? dict[`action.${name}` as Key] : a
    },
  }
}

const SEED_ACTIONS: Record<string, string> = { registered: 'register', dispatched: 'dispatch', rectifying: 'accept', submitted: 'submit', closed: 'verifyPass', voided: 'void' }

export const STATUS_COLOURS: Record<string, string> = {
  reported: '#8e24aa', registered: '#3949ab', dispatched: '#1e88e5', rectifying: '#fb8c00', submitted: '#00897b', closed: '#43a047', voided: '#9e9e9e',
}

export const PROBLEM_STATUSES = ['reported', 'registered', 'dispatched', 'rectifying', 'submitted', 'closed', 'voided'] as const


export const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 1000) / 10}%`)
