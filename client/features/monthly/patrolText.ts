/** Strings of the patrol track (巡查轨迹): the inspector's 开始巡查 / 结束巡查 and the leaders' views. */
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const patrolText = defineText({
  zh: {
    'patrol.title': '巡查轨迹（可选）', 'patrol.start': '开始巡查', 'patrol.end': '结束巡查', 'patrol.discard': '清除轨迹',
    'patrol.hint': '开始后每 {s} 秒记录一次位置，请保持本页打开；结束后随检查记录一起提交',
    'patrol.running': '巡查中：已记录 {n} 个位置点，约 {m} 米', 'patrol.waiting': '巡查中：等待定位…',
    'patrol.ended': '巡查结束：{n} 个位置点，约 {m} 米，将随检查记录提交', 'patrol.noGeo': '无法获取定位，不能记录巡查轨迹',
    'patrol.saved': '巡查轨迹覆盖网格面积 {pct}',
    'patrol.panel': '巡查轨迹（最近一次）', 'patrol.coverage': '{m} 米范围内覆盖网格面积 {pct}', 'patrol.unknown': '覆盖率未知（边界缺失）',
    'patrol.facts': '{n} 个点 · 约 {len} 米 · {from}–{to}', 'patrol.presence': '到岗核验', 'patrol.onSite': '已核验到岗', 'patrol.offSite': '未核验到岗',
    'patrol.none': '本月检查没有巡查轨迹', 'patrol.col': '巡查覆盖',
  },
  en: {
    'patrol.title': 'Patrol track (optional)', 'patrol.start': 'Start patrol', 'patrol.end': 'End patrol', 'patrol.discard': 'Discard track',
    'patrol.hint': 'Once started, the position is recorded every {s} s while this page stays open; it is sent with the inspection',
    'patrol.running': 'Patrolling: {n} positions, about {m} m', 'patrol.waiting': 'Patrolling: waiting for a GPS fix…',
    'patrol.ended': 'Patrol ended: {n} positions, about {m} m; sent with the inspection', 'patrol.noGeo': 'No GPS fix: the patrol track cannot be recorded',
    'patrol.saved': 'the patrol track covered {pct} of the grid',
    'patrol.panel': 'Patrol track (latest)', 'patrol.coverage': '{pct} of the grid within {m} m', 'patrol.unknown': 'Coverage unknown (no boundary)',
    'patrol.facts': '{n} points · about {len} m · {from}–{to}', 'patrol.presence': 'Presence', 'patrol.onSite': 'proven on site', 'patrol.offSite': 'not proven on site',
    'patrol.none': 'No patrol track this month', 'patrol.col': 'Patrol coverage',
  },
})

