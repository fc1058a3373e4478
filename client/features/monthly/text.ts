/** Strings of the monthly-rhythm pages (workspace, inspection record, meeting, dashboard, bulletin). */
import { useI18n } from '../../i18n.ts'

const zh = {
  'ws.title': '我的网格', 'ws.daysLeft': '本月还剩 {n} 天', 'ws.monthOver': '该月已结束',
  'ws.theme': '本月主题', 'ws.meetingHeld': '本月协调会已召开', 'ws.meetingMissing': '本月尚未召开协调会',
  'ws.record': '记录检查', 'ws.recordMeeting': '记录协调会', 'ws.openMap': '在地图上查看',
  'ws.lastMissed': '上月漏检', 'ws.open': '未办结', 'ws.overdue': '超期', 'ws.sites': '测评点位',
  'ws.noGrids': '本部门当前没有包抓网格', 'ws.summary': '{done}/{total} 个网格已检查', 'ws.lastInspection': '最近实地检查',
  'status.done': '已检查', 'status.pending': '未检查', 'status.missed': '漏检', 'status.unheld': '未包抓',
  'form.title': '记录实地检查', 'form.grid': '网格', 'form.locate': '按定位选择网格', 'form.locating': '定位中…',
  'form.located': '已定位：{name}', 'form.notMine': '当前位置不在本部门的网格内', 'form.noFix': '无法获取定位，检查将标记为未上传定位',
  'form.fixOk': '已获取定位（±{acc} 米），提交时由服务器核验是否在网格内',
  'form.date': '检查日期', 'form.inspectors': '检查人（逗号分隔）', 'form.checklist': '主题检查清单（勾选为达标）',
  'form.findings': '检查情况', 'form.photos': '照片（JPEG/PNG/WebP，每张不超过 5 MB）', 'form.photoTooLarge': '{name} 超过 5 MB',
  'form.photoType': '{name} 不是 JPEG、PNG 或 WebP 图片', 'form.uploading': '上传中…', 'form.remove': '移除',
  'form.problems': '现场发现的问题', 'form.addProblem': '添加问题', 'form.category': '类别', 'form.description': '描述',
  'form.problemNeedsFix': '需要定位才能在现场位置登记问题',
  'form.submit': '提交检查', 'form.saving': '提交中…', 'form.cancel': '取消',
  'form.savedOnSite': '检查已记录，已核验到岗', 'form.savedOff': '检查已记录，但定位不在网格内（距边界 {m} 米）', 'form.savedNoFix': '检查已记录（未上传定位）',
  'meeting.title': '每月工作协调会', 'meeting.date': '会议日期', 'meeting.attendees': '参会人员', 'meeting.topics': '议题', 'meeting.decisions': '议定事项', 'meeting.saved': '协调会已记录',
  'dash.title': '领导看板', 'dash.from': '起', 'dash.to': '止', 'dash.ranking': '部门排名', 'dash.trend': '近 12 个月趋势',
  'dash.notOnSite': '未到岗检查', 'dash.colourBy': '地图着色', 'dash.drill': '明细', 'dash.close': '关闭',
  'col.rank': '名次', 'col.department': '部门', 'col.gridMonths': '包抓网格', 'col.inspectedOnSite': '实地检查', 'col.coverage': '覆盖率',
  'col.missed': '漏检', 'col.meetings': '协调会', 'col.closed': '结案', 'col.onTimeRate': '按期结案率', 'col.overdue': '超期',
  'col.grid': '网格', 'col.month': '月份', 'col.status': '状态', 'col.date': '日期', 'col.inspector': '检查人', 'col.reason': '原因',
  'col.distance': '距边界（米）', 'col.category': '类别', 'col.description': '描述', 'col.deadline': '期限', 'col.topics': '议题',
  'reason.outside': '定位在网格外', 'reason.noLocation': '未上传定位',
  'colour.status': '检查状态', 'colour.open': '未办结问题', 'colour.overdue': '超期问题', 'colour.daysSinceInspection': '距上次实地检查天数',
  'trend.coverage': '实地检查覆盖率', 'trend.meetingRate': '协调会召开率', 'trend.onTimeRate': '按期结案率', 'trend.overdue': '超期问题数',
  'bul.title': '网格巡查检查通报', 'bul.print': '打印 / 存为 PDF', 'bul.excel': '下载 Excel', 'bul.summary': '总体情况',
  'bul.missedGrids': '漏检（未检查）网格', 'bul.overdueByDept': '超期问题（按部门）', 'bul.map': '本月覆盖图', 'bul.none': '无',
  'bul.lead': '{month}，全市共 {grids} 个网格，已包抓 {held} 个；已检查 {done} 个，漏检 {missed} 个，月内未检查 {pending} 个；实地检查覆盖率 {coverage}；未到岗检查 {notOnSite} 次；{meetings}/{departments} 个部门召开协调会；超期问题 {overdue} 件，按期结案率 {onTime}。',
  'bul.noMeeting': '未召开协调会的部门：{list}',
  'common.loading': '加载中…', 'common.month': '月份', 'common.error': '出错了',
}
type Key = keyof typeof zh
const en: Record<Key, string> = {
  'ws.title': 'My grids', 'ws.daysLeft': '{n} days left this month', 'ws.monthOver': 'Month over',
  'ws.theme': "This month's theme", 'ws.meetingHeld': "This month's meeting held", 'ws.meetingMissing': 'No coordination meeting yet this month',
  'ws.record': 'Record inspection', 'ws.recordMeeting': 'Record meeting', 'ws.openMap': 'Show on map',
  'ws.lastMissed': 'Missed last month', 'ws.open': 'Open', 'ws.overdue': 'Overdue', 'ws.sites': 'Evaluation sites',
  'ws.noGrids': 'Your department holds no grid', 'ws.summary': '{done}/{total} grids inspected', 'ws.lastInspection': 'Last on-site inspection',
  'status.done': 'Inspected', 'status.pending': 'Not yet', 'status.missed': 'Missed', 'status.unheld': 'Unheld',
  'form.title': 'Record an on-site inspection', 'form.grid': 'Grid', 'form.locate': 'Pick by my location', 'form.locating': 'Locating…',
  'form.located': 'Located: {name}', 'form.notMine': 'You are not in one of your grids', 'form.noFix': 'No location: the inspection will be marked without location',
  'form.fixOk': 'Location acquired (±{acc} m); the server checks it against the grid',
  'form.date': 'Date', 'form.inspectors': 'Inspectors (comma separated)', 'form.checklist': "Theme checklist (ticked = OK)",
  'form.findings': 'Findings', 'form.photos': 'Photos (JPEG/PNG/WebP, 5 MB each at most)', 'form.photoTooLarge': '{name} is larger than 5 MB',
  'form.photoType': '{name} is not a JPEG, PNG or WebP image', 'form.uploading': 'Uploading…', 'form.remove': 'Remove',
  'form.problems': 'Problems found on the spot', 'form.addProblem': 'Add problem', 'form.category': 'Category', 'form.description': 'Description',
  'form.problemNeedsFix': 'A location is needed to report problems at the spot',
  'form.submit': 'Submit', 'form.saving': 'Saving…', 'form.cancel': 'Cancel',
  'form.savedOnSite': 'Recorded, presence verified', 'form.savedOff': 'Recorded, but outside the grid ({m} m from its boundary)', 'form.savedNoFix': 'Recorded (no location)',
  'meeting.title': 'Monthly coordination meeting', 'meeting.date': 'Date', 'meeting.attendees': 'Attendees', 'meeting.topics': 'Topics', 'meeting.decisions': 'Decisions', 'meeting.saved': 'Meeting recorded',
  'dash.title': 'Dashboard', 'dash.from': 'From', 'dash.to': 'To', 'dash.ranking': 'Department ranking', 'dash.trend': 'Last 12 months',
  'dash.notOnSite': 'Inspections not on site', 'dash.colourBy': 'Colour map by', 'dash.drill': 'Details', 'dash.close': 'Close',
  'col.rank': '#', 'col.department': 'Department', 'col.gridMonths': 'Grids held', 'col.inspectedOnSite': 'On site', 'col.coverage': 'Coverage',
  'col.missed': 'Missed', 'col.meetings': 'Meetings', 'col.closed': 'Closed', 'col.onTimeRate': 'On time', 'col.overdue': 'Overdue',
  'col.grid': 'Grid', 'col.month': 'Month', 'col.status': 'Status', 'col.date': 'Date', 'col.inspector': 'Inspector', 'col.reason': 'Reason',
  'col.distance': 'Distance (m)', 'col.category': 'Category', 'col.description': 'Description', 'col.deadline': 'Deadline', 'col.topics': 'Topics',
  'reason.outside': 'Outside the grid', 'reason.noLocation': 'No location',
  'colour.status': 'Status', 'colour.open': 'Open problems', 'colour.overdue': 'Overdue problems', 'colour.daysSinceInspection': 'Days since inspection',
  'trend.coverage': 'On-site coverage', 'trend.meetingRate': 'Meetings held', 'trend.onTimeRate': 'Closed on time', 'trend.overdue': 'Overdue problems',
  'bul.title': 'Grid inspection bulletin', 'bul.print': 'Print / save as PDF', 'bul.excel': 'Download Excel', 'bul.summary': 'Summary',
  'bul.missedGrids': 'Grids missed (not inspected)', 'bul.overdueByDept': 'Overdue problems by department', 'bul.map': 'Coverage map', 'bul.none': 'None',
  'bul.lead': '{month}: {grids} grids, {held} held; {done} inspected, {missed} missed, {pending} not yet; on-site coverage {coverage}; {notOnSite} inspections not on site; {meetings}/{departments} departments held their meeting; {overdue} overdue problems, {onTime} closed on time.',
  'bul.noMeeting': 'No meeting: {list}',
  'common.loading': 'Loading…', 'common.month': 'Month', 'common.error': 'Error',
}

export function useText() {
  const { lang, errorText } = useI18n()
  const dict = lang === 'en' ? en : zh
  const t = (key: Key, vars?: Record<string, string | number>) =>
    dict[key].replace(/\{(\w+)\}/g, (_, k: string) => (vars && k in vars ? String(vars[k]) : `{${k}}`))
  return { t, lang, errorText }
}

export const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`)
export const STATUS_COLOURS: Record<string, string> = { done: '#2e7d32', pending: '#f9a825', missed: '#c62828', unheld: '#9e9e9e' }
