/**
 * The signs of gaming (造假迹象): their keys in display order and their names. The rules are in
 * server/domain/integrity/signals.ts; the rule wording with thresholds in client/features/integrity/text.ts.
 */

/** The signals, in display order. */
export const SIGNAL_KEYS = ['lastDayBurst', 'sameSpot', 'reusedPhoto', 'mismatchedPhoto', 'backfill', 'quickClose', 'rebound', 'mergeVoid'] as const
/** A signal's key. */
export type SignalKey = (typeof SIGNAL_KEYS)[number]

/** zh-CN / en names of the signals. */
export const SIGNAL_LABELS: Record<SignalKey, { 'zh-CN': string; en: string }> = {
  lastDayBurst: { 'zh-CN': '月末集中检查', en: 'Last-day burst' },
  sameSpot: { 'zh-CN': '连续多月同点签到', en: 'Same spot month after month' },
  reusedPhoto: { 'zh-CN': '照片重复使用', en: 'Reused photo' },
  mismatchedPhoto: { 'zh-CN': '照片时间或位置不符', en: 'Photo time or place mismatch' },
  backfill: { 'zh-CN': '补录', en: 'Late entries' },
  quickClose: { 'zh-CN': '上报即结案', en: 'Closed minutes after report' },
  rebound: { 'zh-CN': '问题反弹', en: 'Rebounds' },
  mergeVoid: { 'zh-CN': '合并与作废', en: 'Merges and voids' },
}

