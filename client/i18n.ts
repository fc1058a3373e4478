/**
 * THE translation mechanism: one language store (zh-CN default, en the switch, kept in
 * localStorage), one typed `t()` over feature namespaces, one placeholder filler.
 *
 * A namespace is a feature's dictionary, `client/features/<feature>/text.ts` exporting
 * `defineText({ zh: {...}, en: {...} })` (en must have exactly zh's keys: a compile-time check).
 * A component asks `useT(problemsText)` and gets `t(key, values)` typed to that dictionary's keys.
 * Statuses, actions, roles, site types and server messages are not in any dictionary: they come
 * from the shared vocabulary (server/domain/vocabulary/), through `status`, `action`, `role`,
 * `siteType` and `errorText`. Grid, department, people and category names are data and stay as
 * they come.
 */
import { useSyncExternalStore } from 'react'
import { DEFAULT_LANG, fill, LANGS, type Dictionary, type Lang, type Term, type Values } from '../server/domain/vocabulary/lang.ts'
import { errorMessage } from '../server/domain/vocabulary/messages.ts'
import { actionLabel, statusLabel, type StatusFamily } from '../server/domain/vocabulary/status.ts'
import { roleLabel, siteTypeLabel } from '../server/domain/vocabulary/terms.ts'

export type { Dictionary, Lang, Term, Values }
export { LANGS }
const STORAGE_KEY = 'gridduty.lang'

function readStored(): Lang {
  try {
    const v = globalThis.localStorage?.getItem(STORAGE_KEY)
    return v === 'en' || v === 'zh-CN' ? v : DEFAULT_LANG
  } catch {
    return DEFAULT_LANG
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

/** The keys of a namespace. */
export type KeyOf<D> = D extends Dictionary<infer K> ? K : never

/** THE translation: a key of a namespace in a language, `{placeholders}` filled (a missing value stays visible). */
export function translate<K extends string>(ns: Dictionary<K>, lang: Lang, key: K, values?: Values): string {
  return fill((lang === 'en' ? ns.en : ns.zh)[key], values)
}

const GENERIC_ERROR: Term = { 'zh-CN': '出错了', en: 'Something went wrong' }

/**
 * An error for people: a server error by its appCode through the message catalog (in Chinese the
 * server's own sentence), else its message; tRPC errors carry the code in `data`, our plain HTTP
 * endpoints in `error`.
 */
export function errorText(err: unknown, lang: Lang = current): string {
  const e = err as { data?: { appCode?: unknown; details?: unknown }; appCode?: unknown; details?: unknown; message?: unknown } | null
  return errorMessage({
    appCode: e?.data?.appCode ?? e?.appCode,
    details: e?.data?.details ?? e?.details,
    message: err instanceof Error || typeof e?.message === 'string' ? String(e?.message ?? '') : '',
  }, lang, GENERIC_ERROR[lang])
}

export interface Translator<K extends string> {
  lang: Lang
  setLang: (lang: Lang) => void
  /** A key of the namespace, placeholders filled. */
  t: (key: K, values?: Values) => string
  /** A shared term (server/domain/vocabulary) in the current language. */
  term: (term: Term) => string
  /** A status of a family (problem, gridMonth, readiness, indicator) as words; unknown values as they are. */
  status: (family: StatusFamily, status: string) => string
  /** A problem action (register, dispatch, …) as words. */
  action: (action: string) => string
  role: (role: string) => string
  siteType: (type: string) => string
  errorText: (err: unknown) => string
}

/** The one hook: the current language and `t` over one namespace. */
export function useT<K extends string>(ns: Dictionary<K>): Translator<K> {
  const lang = useSyncExternalStore(subscribe, getLang, getLang)
  return {
    lang,
    setLang,
    t: (key, values) => translate(ns, lang, key, values),
    term: (term) => term[lang],
    status: (family, status) => statusLabel(family, status, lang),
    action: (action) => actionLabel(action, lang),
    role: (role) => roleLabel(role, lang),
    siteType: (type) => siteTypeLabel(type, lang),
    errorText: (err) => errorText(err, lang),
  }
}
