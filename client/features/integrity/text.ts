/**
 * The integrity page's strings (zh-CN first), including each signal's rule with its threshold — the one
 * place the rules are worded for people (docs/integrity.md links here; the figures come from the server's
 * thresholds, so the text cannot drift from the rule applied). Signal names: SIGNAL_LABELS in
 * server/domain/integrity/signals.ts.
 */
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const integrityText = defineText({
  zh: {
    title: '造假迹象', intro: '以下信号只是需要核实的线索，不是结论。点击数字查看对应记录。',
    from: '起始月', to: '结束月', department: '部门', flagged: '触发信号数', loading: '加载中…', none: '该时段没有任何部门的数据',
    records: '{department} · {signal}：{count} 条', close: '关闭', inspections: '检查记录', problems: '问题', photos: '照片',
    base: '基数 {base}', value: '值 {value}', rules: '规则与阈值', openGrid: '在地图上查看网格', date: '检查日期', recordedAt: '录入时间',
    'rule.lastDayBurst': '部门在所选月份的检查中，落在当月最后 {lastDays} 天（北京时间）的比例；比例 ≥ {lastDayShare} 且检查 ≥ {lastDayMinInspections} 次时提示。',
    'rule.sameSpot': '同一网格内，某次签到与此后每个月同一部门的签到相距 ≤ {sameSpotRadiusM} 米；连续 ≥ {sameSpotMonths} 个月时提示（值为最长连续月数）。',
    'rule.reusedPhoto': '照片的感知哈希与另一条记录（检查或问题，含更早的、其他部门的）上的照片相差 ≤ {photoHashDistance} 位；≥ 1 张即提示。',
    'rule.mismatchedPhoto': '照片 EXIF 拍摄时间与记录相差超过 {photoMaxTimeGapHours} 小时，或 EXIF 位置距记录点超过 {photoMaxDistanceM} 米；≥ 1 张即提示。',
    'rule.backfill': '检查在日期之后超过 {backfillHours} 小时才录入（补录，无论是否已批准）；比例 ≥ {backfillShare} 时提示。',
    'rule.quickClose': '所选月份内结案的问题中，上报后 ≤ {quickCloseMinutes} 分钟即结案的比例；≥ {quickCloseShare} 时提示。',
    'rule.rebound': '所选月份内结案、之后又被新问题标记为反弹的问题 / 所选月份内结案的问题；≥ {reboundRate} 时提示。',
    'rule.mergeVoid': '所选月份内作废或被合并的问题 / 所选月份内上报或终止的问题（它们不再计入超期）；比例 ≥ {mergeVoidShare} 且 ≥ {mergeVoidMin} 件时提示。',
  },
  en: {
    title: 'Signs of gaming', intro: 'These signals are reasons to look, not verdicts. Click a number to see the records.',
    from: 'From', to: 'To', department: 'Department', flagged: 'Signals raised', loading: 'Loading…', none: 'No department has data in this period',
    records: '{department} · {signal}: {count}', close: 'Close', inspections: 'Inspections', problems: 'Problems', photos: 'Photos',
    base: 'base {base}', value: 'value {value}', rules: 'Rules and thresholds', openGrid: 'Show the grid on the map', date: 'Date', recordedAt: 'Recorded',
    'rule.lastDayBurst': 'Share of the department\'s inspections in the range dated in the last {lastDays} days of their month (Beijing); raised at ≥ {lastDayShare} with ≥ {lastDayMinInspections} inspections.',
    'rule.sameSpot': 'In one grid, a check-in and, in each following month, a check-in by the same department within {sameSpotRadiusM} m; raised for runs of ≥ {sameSpotMonths} consecutive months (value: the longest run).',
    'rule.reusedPhoto': 'Photos whose perceptual hash is ≤ {photoHashDistance} bits from a photo on another record (inspection or problem, older ones and other departments included); raised at ≥ 1.',
    'rule.mismatchedPhoto': 'EXIF time more than {photoMaxTimeGapHours} h from the record, or EXIF position more than {photoMaxDistanceM} m from its point; raised at ≥ 1.',
    'rule.backfill': 'Inspections recorded more than {backfillHours} h after their date (late entries, approved or not); raised at a share ≥ {backfillShare}.',
    'rule.quickClose': 'Problems closed in the range ≤ {quickCloseMinutes} minutes after being reported, as a share of those closed; raised at ≥ {quickCloseShare}.',
    'rule.rebound': 'Problems closed in the range that a later problem marks as their rebound / problems closed in the range; raised at ≥ {reboundRate}.',
    'rule.mergeVoid': 'Problems voided or merged in the range / problems reported or ended in the range (they leave the overdue count); raised at a share ≥ {mergeVoidShare} and ≥ {mergeVoidMin} problems.',
  },
})
