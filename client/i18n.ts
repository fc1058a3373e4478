/**
 * A tiny dictionary: zh-CN is the default, en the switch. Every UI string goes through `t()`;
 * grid, department, people and category names are data and stay as they come.
 * The choice is kept in localStorage and shared through a small external store.
 */
import { useSyncExternalStore } from 'react'

export type Lang = 'zh-CN' | 'en'
export const LANGS: readonly Lang[] = ['zh-CN', 'en']
const STORAGE_KEY = 'gridduty.lang'

const zh = {
  'app.name': '网格责任地图',
  'app.subtitle': '创建全国文明城市 · 网格化管理',
  'lang.switch': 'English',
  'lang.switchTitle': 'Switch to English',
  'login.title': '登录',
  'login.login': '账号',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.hint': '演示账号：leader / leader123（市领导），rfb / rfb123（市人防办），planner / planner123',
  'login.failed': '登录失败',
  'header.logout': '退出',
  'nav.map': '覆盖图',
  'role.leader': '领导',
  'role.department': '部门',
  'role.planner': '规划',
  'role.admin': '管理员',
  'level.label': '层级',
  'level.street': '街道',
  'level.community': '社区',
  'month.label': '月份',
  'month.prev': '上个月',
  'month.next': '下个月',
  'colour.label': '着色',
  'colour.status': '检查状态',
  'colour.department': '包抓部门',
  'colour.open': '待办问题',
  'colour.overdue': '超期问题',
  'legend.byOpen': '按待办问题数',
  'legend.byOverdue': '按超期问题数',
  'legend.bin': '{from} 个及以上',
  'legend.binRange': '{from}–{to} 个',
  'layers.problems': '问题',
  'layers.sites': '测评点位',
  'problemMode.label': '问题显示',
  'problemMode.points': '点位',
  'problemMode.clusters': '聚合',
  'problemMode.heatmap': '热力',
  'status.done': '已检查',
  'status.pending': '未检查',
  'status.missed': '漏检',
  'status.unheld': '无包抓单位',
  'legend.title': '本月检查',
  'legend.titleMonth': '{month} 检查情况',
  'legend.grids': '{n} 个网格',
  'legend.problemOpen': '待办问题',
  'legend.problemOverdue': '超期问题',
  'legend.site': '测评点位',
  'legend.sites': '测评点位达标情况',
  'legend.siteCount': '{n} 个点位',
  'legend.ready': '达标',
  'legend.at_risk': '待整改',
  'legend.not_ready': '未达标',
  'legend.unassessed': '未测评',
  'legend.departments': '包抓部门',
  'search.placeholder': '搜索网格名称或编码',
  'tooltip.problems': '待办问题 {n}',
  'tooltip.overdue': '超期 {n}',
  'search.none': '没有匹配的网格',
  'panel.close': '关闭',
  'panel.loading': '正在加载…',
  'panel.code': '编码',
  'panel.street': '所属街道',
  'panel.area': '面积',
  'panel.areaKm2': '{n} 平方公里',
  'panel.holder': '包抓单位',
  'panel.cadre': '包抓领导',
  'panel.contact': '联系人',
  'panel.noHolder': '无包抓单位',
  'panel.statusMonth': '{month} 检查',
  'panel.inspections': '本月检查记录',
  'panel.noInspections': '本月尚无检查记录',
  'panel.onSite': '现场',
  'panel.offSite': '非现场',
  'panel.problems': '待办问题',
  'panel.noProblems': '没有待办问题',
  'panel.overdue': '超期',
  'panel.deadline': '期限 {date}',
  'panel.sites': '测评点位',
  'panel.noSites': '没有测评点位',
  'panel.history': '包抓历史',
  'panel.current': '至今',
  'panel.recordInspection': '记录本月检查',
  'panel.select': '点击地图上的网格查看包抓责任',
  'form.date': '检查日期',
  'form.inspector': '检查人',
  'form.findings': '检查发现',
  'form.findingsPlaceholder': '现场检查情况、发现的问题及整改要求',
  'form.submit': '提交',
  'form.submitting': '正在提交…',
  'form.cancel': '取消',
  'form.locating': '正在获取位置…',
  'form.located': '已获取位置',
  'form.noLocation': '未获取位置（不影响提交）',
  'form.saved': '已记录检查',
  'problem.reported': '已上报',
  'problem.registered': '已立案',
  'problem.dispatched': '已派遣',
  'problem.rectifying': '整改中',
  'problem.submitted': '已提交整改',
  'problem.closed': '已结案',
  'problem.voided': '已作废',
  'error.generic': '出错了',
  'error.retry': '重试',
  'map.loading': '正在加载地图…',
}

export type MessageKey = keyof typeof zh

const en: Record<MessageKey, string> = {
  'app.name': 'GridDuty',
  'app.subtitle': 'Civilized-city grid management',
  'lang.switch': '中文',
  'lang.switchTitle': '切换到中文',
  'login.title': 'Sign in',
  'login.login': 'Login',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.hint': 'Demo logins: leader / leader123 (city leader), rfb / rfb123 (civil air defence office), planner / planner123',
  'login.failed': 'Sign-in failed',
  'header.logout': 'Sign out',
  'nav.map': 'Coverage map',
  'role.leader': 'Leader',
  'role.department': 'Department',
  'role.planner': 'Planner',
  'role.admin': 'Admin',
  'level.label': 'Level',
  'level.street': 'Streets',
  'level.community': 'Communities',
  'month.label': 'Month',
  'month.prev': 'Previous month',
  'month.next': 'Next month',
  'colour.label': 'Colour by',
  'colour.status': 'Inspection',
  'colour.department': 'Department',
  'colour.open': 'Open problems',
  'colour.overdue': 'Overdue',
  'legend.byOpen': 'Open problems per grid',
  'legend.byOverdue': 'Overdue problems per grid',
  'legend.bin': '{from} or more',
  'legend.binRange': '{from}–{to}',
  'layers.problems': 'Problems',
  'layers.sites': 'Evaluation sites',
  'problemMode.label': 'Problems as',
  'problemMode.points': 'Points',
  'problemMode.clusters': 'Clusters',
  'problemMode.heatmap': 'Heatmap',
  'status.done': 'Inspected',
  'status.pending': 'Not yet',
  'status.missed': 'Missed',
  'status.unheld': 'No holder',
  'legend.title': 'This month',
  'legend.titleMonth': 'Inspections {month}',
  'legend.grids': '{n} grids',
  'legend.problemOpen': 'Open problem',
  'legend.problemOverdue': 'Overdue problem',
  'legend.site': 'Evaluation site',
  'legend.sites': 'Evaluation site readiness',
  'legend.siteCount': '{n} sites',
  'legend.ready': 'Ready',
  'legend.at_risk': 'At risk',
  'legend.not_ready': 'Not ready',
  'legend.unassessed': 'Not assessed',
  'legend.departments': 'Holder departments',
  'search.placeholder': 'Search grid by name or code',
  'tooltip.problems': '{n} open',
  'tooltip.overdue': '{n} overdue',
  'search.none': 'No matching grid',
  'panel.close': 'Close',
  'panel.loading': 'Loading…',
  'panel.code': 'Code',
  'panel.street': 'Street',
  'panel.area': 'Area',
  'panel.areaKm2': '{n} km²',
  'panel.holder': 'Holder department',
  'panel.cadre': 'Responsible cadre',
  'panel.contact': 'Contact',
  'panel.noHolder': 'No holder',
  'panel.statusMonth': 'Inspection {month}',
  'panel.inspections': "This month's inspections",
  'panel.noInspections': 'No inspection this month yet',
  'panel.onSite': 'on site',
  'panel.offSite': 'off site',
  'panel.problems': 'Open problems',
  'panel.noProblems': 'No open problems',
  'panel.overdue': 'Overdue',
  'panel.deadline': 'due {date}',
  'panel.sites': 'Evaluation sites',
  'panel.noSites': 'No evaluation sites',
  'panel.history': 'Holder history',
  'panel.current': 'now',
  'panel.recordInspection': "Record this month's inspection",
  'panel.select': 'Click a grid on the map to see who holds it',
  'form.date': 'Date',
  'form.inspector': 'Inspector',
  'form.findings': 'Findings',
  'form.findingsPlaceholder': 'What was checked, problems found, rectification required',
  'form.submit': 'Submit',
  'form.submitting': 'Submitting…',
  'form.cancel': 'Cancel',
  'form.locating': 'Getting location…',
  'form.located': 'Location attached',
  'form.noLocation': 'No location (you can still submit)',
  'form.saved': 'Inspection recorded',
  'problem.reported': 'Reported',
  'problem.registered': 'Registered',
  'problem.dispatched': 'Dispatched',
  'problem.rectifying': 'Rectifying',
  'problem.submitted': 'Rectification submitted',
  'problem.closed': 'Closed',
  'problem.voided': 'Voided',
  'error.generic': 'Something went wrong',
  'error.retry': 'Retry',
  'map.loading': 'Loading map…',
}

/** Site types (测评点位类型) are a fixed vocabulary: translated for English, shown as-is otherwise. */
const siteTypesEn: Record<string, string> = {
  农贸市场: 'Farmers’ market', 老旧小区: 'Old compound', 学校: 'School', 医院: 'Hospital',
  公园广场: 'Park / square', 车站: 'Station', 交通路口: 'Intersection', 背街小巷: 'Back alley',
  河道: 'River', 政务服务大厅: 'Service hall',
}

/**
 * The server explains errors in Chinese and gives a stable `appCode`; in English the known codes
 * get English words, anything else shows the server's message as it is.
 */
const appErrorsEn: Record<string, string> = {
  BAD_CREDENTIALS: 'Wrong login or password',
  LOGIN_RATE_LIMITED: 'Too many failed sign-ins; try again in 15 minutes',
  UNAUTHORIZED: 'Please sign in again',
  FORBIDDEN: 'You may not do this',
  NOT_YOUR_GRID: 'Your department does not hold this grid',
  GRID_UNHELD: 'Nobody held this grid on that date',
  DATE_IN_FUTURE: 'The date cannot be in the future',
  GRID_NOT_FOUND: 'Grid not found',
  BAD_INPUT: 'Please check the form',
  DB_UNAVAILABLE: 'The database is busy; please retry',
}

const dictionaries: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zh, en }

function readStored(): Lang {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY)
    return v === 'en' || v === 'zh-CN' ? v : 'zh-CN'
  } catch {
    return 'zh-CN'
  }
}

let current: Lang = readStored()
const listeners = new Set<() => void>()
if (typeof document !== 'undefined') document.documentElement.lang = current

export function getLang(): Lang {
  return current
}

export function setLang(lang: Lang): void {
  if (lang === current) return
  current = lang
  try {
    localStorage.setItem(STORAGE_KEY, lang)
  } catch {
    /* private mode: keep it for this page only */
  }
  document.documentElement.lang = lang
  for (const l of listeners) l()
}

function subscribe(l: () => void): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const text = dictionaries[lang][key]
  return vars ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : text
}

export interface I18n {
  lang: Lang
  setLang: (lang: Lang) => void
  t: (key: MessageKey, vars?: Record<string, string | number>) => string
  siteType: (type: string) => string
  /** An API error for people: English words for known app codes in English, else the server's message. */
  errorText: (err: unknown) => string
  /** A problem status code (reported, registered, …) as words; unknown codes as they are. */
  problemStatus: (status: string) => string
}

export function useI18n(): I18n {
  const lang = useSyncExternalStore(subscribe, getLang, getLang)
  return {
    lang,
    setLang,
    t: (key, vars) => translate(lang, key, vars),
    siteType: (type) => (lang === 'en' ? siteTypesEn[type] ?? type : type),
    errorText: (err) => {
      const appCode = (err as { data?: { appCode?: unknown } } | null)?.data?.appCode
      if (lang === 'en' && typeof appCode === 'string' && appErrorsEn[appCode]) return appErrorsEn[appCode]
      return err instanceof Error && err.message ? err.message : translate(lang, 'error.generic')
    },
    problemStatus: (status) => {
      const key = `problem.${status}`
      return key in zh ? translate(lang, key as MessageKey) : status
    },
  }
}
