/**
 * The month's theme campaign (一月一主题整治活动). An admin may configure a theme per month;
 * a month without one falls back to the default calendar below, so inspectors always have a checklist.
 */
import { MONTH_PATTERN, type MonthKey } from '../time.ts'

export interface MonthTheme {
  month: MonthKey
  title: string
  checklist: string[]
  /** true when an admin configured it, false for the default */
  configured: boolean
}

/** Default themes by calendar month (1..12), after the seeds' campaign list. */
export const DEFAULT_THEMES: readonly { title: string; checklist: readonly string[] }[] = [
  { title: '公共场所吸烟、乱扔烟头专项整治', checklist: ['室内公共场所无人吸烟', '禁烟标识规范张贴', '地面无烟头', '吸烟区设置规范'] },
  { title: '随地吐痰、乱吐口香糖专项整治', checklist: ['路面无痰迹、口香糖残迹', '文明提示牌完好', '保洁人员到岗'] },
  { title: '乱泼乱倒、乱扔垃圾专项整治', checklist: ['无乱泼污水', '垃圾桶无满溢', '背街小巷无积存垃圾', '垃圾分类投放规范'] },
  { title: '交通陋习专项整治', checklist: ['行人不闯红灯', '非机动车不逆行', '机动车礼让斑马线', '车辆停放有序'] },
  { title: '农贸市场环境秩序整治', checklist: ['市场内外无占道经营', '摊位整齐、标价规范', '公益广告不少于规定数量', '公厕清洁'] },
  { title: '老旧小区环境整治', checklist: ['楼道无堆物', '无私搭乱建', '空中线缆规整', '绿化带无杂物'] },
  { title: '旅游不文明行为专项整治', checklist: ['景区无乱刻乱画', '游客排队有序', '文明旅游宣传到位'] },
  { title: '餐桌不文明行为专项整治（光盘行动）', checklist: ['餐饮单位张贴光盘提示', '提供公筷公勺', '无大声喧哗'] },
  { title: '网络不文明行为专项整治', checklist: ['社区宣传栏有网络文明内容', '志愿者宣传到位'] },
  { title: '窗口单位文明服务整治', checklist: ['窗口人员佩戴工牌', '便民设施齐全', '服务用语规范'] },
  { title: '无障碍设施与公益广告整治', checklist: ['盲道畅通无占用', '无障碍坡道完好', '公益广告画面完好'] },
  { title: '背街小巷路面与立面整治', checklist: ['路面无坑洼破损', '立面无破旧广告', '店招店牌规范'] },
]

/** The theme of a month: the configured one, else the default for its calendar month. */
export function themeFor(month: MonthKey, configured?: { title: string; checklist: readonly string[] } | null): MonthTheme {
  if (!MONTH_PATTERN.test(month)) throw new Error(`invalid month "${month}", expected YYYY-MM`)
  if (configured) return { month, title: configured.title, checklist: [...configured.checklist], configured: true }
  const d = DEFAULT_THEMES[Number(month.slice(5, 7)) - 1]!
  return { month, title: d.title, checklist: [...d.checklist], configured: false }
}

/** A stored checklist (JSON text) as a list of items; anything malformed yields []. */
export function parseChecklist(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json)
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}
