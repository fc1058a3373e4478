/** Strings of the app shell (header, language switch, errors, loading). zh-CN first. */
import { defineText } from '../../server/domain/vocabulary/lang.ts'

export const appText = defineText({
  zh: {
    'app.name': '网格责任地图',
    'app.subtitle': '创建全国文明城市 · 网格化管理',
    'lang.switch': 'English',
    'lang.switchTitle': 'Switch to English',
    'header.logout': '退出',
    'nav.map': '覆盖图',
    'error.generic': '出错了',
    'error.retry': '重试',
    'map.loading': '正在加载地图…',
  },
  en: {
    'app.name': 'GridDuty',
    'app.subtitle': 'Civilized-city grid management',
    'lang.switch': '中文',
    'lang.switchTitle': '切换到中文',
    'header.logout': 'Sign out',
    'nav.map': 'Coverage map',
    'error.generic': 'Something went wrong',
    'error.retry': 'Retry',
    'map.loading': 'Loading map…',
  },
})
