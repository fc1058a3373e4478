/** Strings of the evaluation pages (测评任务进度表, 模拟测评). zh-CN default, en the switch. */
import { useT } from '../../i18n.ts'
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const evaluationText = defineText({
  zh: {
    'ev.title': '测评任务进度表', 'ev.mine': '我的指标', 'ev.countdown': '距测评还有', 'ev.days': '天', 'ev.evalDate': '测评日期',
    'ev.passed': '测评日期已过 {n} 天', 'ev.today': '今天测评',
    'ev.filterDept': '责任单位', 'ev.all': '全部', 'ev.filterStatus': '状态', 'ev.onlyOverdue': '只看有超期节点', 'ev.export': '导出 Excel',
    'ev.exporting': '导出中…', 'ev.none': '没有符合条件的指标',
    'col.code': '编号', 'col.indicator': '指标', 'col.points': '分值', 'col.leader': '牵头领导', 'col.task': '任务', 'col.departments': '责任单位 / 责任人',
    'col.milestones': '进度节点', 'col.progress': '进度', 'col.status': '状态', 'col.lead': '牵头', 'col.assist': '配合',
    'ms.due': '期限 {d}', 'ms.overdue': '超期', 'ms.daysLeft': '剩 {n} 天', 'ms.save': '保存', 'ms.saved': '已保存',
    'rd.title': '测评点位达标情况', 'rd.overall': '全部点位 {total} 个，达标 {ready} 个（{share}）', 'rd.byType': '按类型', 'rd.byStreet': '按街道',
    'rd.byDept': '按部门', 'rd.key': '分组', 'rd.total': '点位', 'rd.share': '达标率',
    'rd.sites': '点位明细', 'rd.openNear': '附近未办结问题', 'site.edit': '编辑/移动',
    'rd.rule': '达标：最近一次模拟测评得分率 ≥ 90%，且点位 100 米内没有未办结问题；有超期问题、得分率 < 75% 或未测评但有问题为未达标。',
    'site.title': '测评点位登记', 'site.name': '名称', 'site.type': '类型', 'site.lng': '经度', 'site.lat': '纬度', 'site.add': '添加点位',
    'site.added': '已添加，归属网格：{grid}', 'site.import': '从表格导入（列：名称、类型、经度、纬度）', 'site.coord': '坐标系',
    'site.imported': '导入 {created} 个，失败 {failed} 个', 'site.row': '第 {row} 行：{msg}',
    'site.mapEdit': '编辑点位位置', 'site.mapClose': '收起地图', 'site.mapHint': '拖动点位到新位置即保存；点位自动归属新位置所在的网格及其包抓部门。',
    'site.moving': '保存中…', 'site.moved': '“{name}”已移至 {grid}（{dept}）', 'site.moveRefused': '“{name}”未移动：{msg}',
    'entry.title': '录入测评指标', 'entry.standard': '测评标准', 'entry.siteTypes': '点位类型（、分隔）', 'entry.staff': '责任人', 'entry.assist': '配合单位（、分隔）',
    'entry.milestones': '进度节点（每行“YYYY-MM-DD 标题”）', 'entry.save': '保存指标', 'entry.badMilestone': '进度节点应为每行“YYYY-MM-DD 标题”',
    'imp.title': '导入测评指标（CSV）', 'imp.year': '年度', 'imp.date': '测评日期', 'imp.run': '导入', 'imp.result': '新增 {created}，跳过 {skipped}，失败 {failed}',
    'imp.hint': '表头：编号,名称,标准,分值,点位类型,牵头领导,任务,责任单位,配合单位,责任人,进度（进度写作“2026-12-01 摸底；2026-12-20 验收”）',
    'mk.title': '模拟测评', 'mk.draw': '抽取样本', 'mk.name': '名称', 'mk.by': '分层方式', 'mk.by.type': '按类型', 'mk.by.street': '按街道',
    'mk.by.type_street': '按类型和街道', 'mk.types': '点位类型（不选为全部）', 'mk.streets': '街道（不选为全部）', 'mk.n': '每层抽取数', 'mk.seed': '随机种子（留空自动生成）',
    'mk.preview': '预览样本', 'mk.create': '生成测评', 'mk.sampled': '已抽取 {n} 个点位（种子 {seed}）', 'mk.history': '历次模拟测评', 'mk.open': '打开',
    'mk.rate': '得分率', 'mk.date': '日期', 'mk.sites': '点位', 'mk.scored': '已评分', 'mk.sheets': '评分表', 'mk.sheetSample': '随机种子 {seed}，样本 {n} 个点位', 'mk.print': '打印评分表',
    'mk.site': '点位', 'mk.grid': '网格', 'mk.street': '街道', 'mk.dept': '责任部门', 'mk.max': '分值', 'mk.lost': '扣分', 'mk.note': '扣分说明',
    'mk.saveScores': '保存评分', 'mk.savedScores': '评分已保存，得分率 {rate}', 'mk.toProblem': '转为问题', 'mk.category': '类别', 'mk.deadline': '整改期限（天）',
    'mk.converted': '已转为问题 #{id}', 'mk.convertedTo': '已转为问题 #{id}，责任部门：{dept}', 'mk.results': '测评结果', 'mk.overall': '总得分率',
    'mk.byType': '按类型', 'mk.byStreet': '按街道', 'mk.byDept': '按部门', 'mk.bySite': '按点位', 'mk.noIndicators': '该类型没有测评指标',
    'mk.signature': '测评人签字：________  日期：________', 'mk.noDept': '无包抓部门',
    'common.loading': '加载中…', 'common.cancel': '取消',
  },
  en: {
    'ev.title': 'Evaluation task list', 'ev.mine': 'My indicators', 'ev.countdown': 'Evaluation in', 'ev.days': 'days', 'ev.evalDate': 'Evaluation date',
    'ev.passed': 'Evaluation passed {n} days ago', 'ev.today': 'Evaluation today',
    'ev.filterDept': 'Department', 'ev.all': 'All', 'ev.filterStatus': 'Status', 'ev.onlyOverdue': 'Only with overdue milestones', 'ev.export': 'Export Excel',
    'ev.exporting': 'Exporting…', 'ev.none': 'No matching indicators',
    'col.code': 'Code', 'col.indicator': 'Indicator', 'col.points': 'Points', 'col.leader': 'Lead leader', 'col.task': 'Task', 'col.departments': 'Departments / staff',
    'col.milestones': 'Milestones', 'col.progress': 'Progress', 'col.status': 'Status', 'col.lead': 'lead', 'col.assist': 'assist',
    'ms.due': 'due {d}', 'ms.overdue': 'overdue', 'ms.daysLeft': '{n} days left', 'ms.save': 'Save', 'ms.saved': 'Saved',
    'rd.title': 'Site readiness', 'rd.overall': '{total} sites, {ready} up to standard ({share})', 'rd.byType': 'By type', 'rd.byStreet': 'By street',
    'rd.byDept': 'By department', 'rd.key': 'Group', 'rd.total': 'Sites', 'rd.share': 'Share',
    'rd.sites': 'Sites', 'rd.openNear': 'Open problems near', 'site.edit': 'Edit / move',
    'rd.rule': 'Ready: latest mock score ≥ 90% and no open problem within 100 m. Not ready: an overdue problem, a score below 75%, or problems but no score.',
    'site.title': 'Site register', 'site.name': 'Name', 'site.type': 'Type', 'site.lng': 'Longitude', 'site.lat': 'Latitude', 'site.add': 'Add site',
    'site.added': 'Added, in grid {grid}', 'site.import': 'Import a spreadsheet (name, type, lng, lat)', 'site.coord': 'Coordinates',
    'site.imported': '{created} imported, {failed} failed', 'site.row': 'Row {row}: {msg}',
    'site.mapEdit': 'Edit site positions', 'site.mapClose': 'Hide map', 'site.mapHint': 'Drag a site to its new position to save it; it joins the grid there and that grid\'s department.',
    'site.moving': 'Saving…', 'site.moved': '"{name}" moved to {grid} ({dept})', 'site.moveRefused': '"{name}" not moved: {msg}',
    'entry.title': 'Enter an indicator', 'entry.standard': 'Standard', 'entry.siteTypes': 'Site types (、-separated)', 'entry.staff': 'Staff', 'entry.assist': 'Assisting departments',
    'entry.milestones': 'Milestones (one "YYYY-MM-DD title" per line)', 'entry.save': 'Save indicator', 'entry.badMilestone': 'Milestones must be "YYYY-MM-DD title", one per line',
    'imp.title': 'Import indicators (CSV)', 'imp.year': 'Year', 'imp.date': 'Evaluation date', 'imp.run': 'Import', 'imp.result': '{created} created, {skipped} skipped, {failed} failed',
    'imp.hint': 'Header: 编号,名称,标准,分值,点位类型,牵头领导,任务,责任单位,配合单位,责任人,进度 (milestones as "2026-12-01 title; …")',
    'mk.title': 'Mock evaluation', 'mk.draw': 'Draw a sample', 'mk.name': 'Name', 'mk.by': 'Strata', 'mk.by.type': 'By type', 'mk.by.street': 'By street',
    'mk.by.type_street': 'By type and street', 'mk.types': 'Site types (none = all)', 'mk.streets': 'Streets (none = all)', 'mk.n': 'Per stratum', 'mk.seed': 'Seed (blank = random)',
    'mk.preview': 'Preview', 'mk.create': 'Create evaluation', 'mk.sampled': '{n} sites drawn (seed {seed})', 'mk.history': 'Mock evaluations', 'mk.open': 'Open',
    'mk.rate': 'Score rate', 'mk.date': 'Date', 'mk.sites': 'Sites', 'mk.scored': 'Scored', 'mk.sheets': 'Score sheets', 'mk.sheetSample': 'Seed {seed}, sample of {n} sites', 'mk.print': 'Print sheets',
    'mk.site': 'Site', 'mk.grid': 'Grid', 'mk.street': 'Street', 'mk.dept': 'Department', 'mk.max': 'Points', 'mk.lost': 'Lost', 'mk.note': 'Note',
    'mk.saveScores': 'Save scores', 'mk.savedScores': 'Saved, rate {rate}', 'mk.toProblem': 'Turn into problem', 'mk.category': 'Category', 'mk.deadline': 'Deadline (days)',
    'mk.converted': 'Problem #{id}', 'mk.convertedTo': 'Problem #{id} for {dept}', 'mk.results': 'Results', 'mk.overall': 'Overall rate',
    'mk.byType': 'By type', 'mk.byStreet': 'By street', 'mk.byDept': 'By department', 'mk.bySite': 'By site', 'mk.noIndicators': 'No indicators for this type',
    'mk.signature': 'Evaluator: ________  Date: ________', 'mk.noDept': 'No holder',
    'common.loading': 'Loading…', 'common.cancel': 'Cancel',
  },
})

/** The evaluation namespace (kept as a name: SiteMapEditor.tsx uses it). */
export const useEvalText = () => useT(evaluationText)

/** Save base64 bytes as a file download. */
export function downloadBase64(base64: string, fileName: string, mime = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

/** A file's bytes as base64 (for JSON uploads). */
export async function fileToBase64(file: File): Promise<string> {
  const buf = new Uint8Array(await file.arrayBuffer())
  let s = ''
  for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000))
  return btoa(s)
}
