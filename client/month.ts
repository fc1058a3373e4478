/** Months as "YYYY-MM" strings (the API's month keys, Asia/Shanghai calendar). */
export function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return new Date(Date.UTC(y, m - 1 + delta, 1)).toISOString().slice(0, 7)
}

const SHANGHAI_MS = 8 * 3600 * 1000

/** Today's date "YYYY-MM-DD" in Asia/Shanghai. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + SHANGHAI_MS).toISOString().slice(0, 10)
}

/** An ISO instant shown as a calendar date in Asia/Shanghai. */
export function chinaDay(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : new Date(d.getTime() + SHANGHAI_MS).toISOString().slice(0, 10)
}

/** "2026-11" as 2026年11月 / Nov 2026. */
export function formatMonth(month: string, lang: 'zh-CN' | 'en'): string {
  const [y, m] = month.split('-').map(Number) as [number, number]
  if (lang === 'zh-CN') return `${y}年${m}月`
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' })
}
