/**
 * The two languages every word a person reads comes in: Chinese first (zh-CN, the default),
 * English the switch. A `Term` is one word or sentence in both. Pure, no I/O.
 */
export type Lang = 'zh-CN' | 'en'
export const LANGS: readonly Lang[] = ['zh-CN', 'en']
export const DEFAULT_LANG: Lang = 'zh-CN'

export type Term = Readonly<Record<Lang, string>>

/** A term in a language. */
export function say(term: Term, lang: Lang): string {
  return term[lang]
}

export type Values = Readonly<Record<string, string | number | null | undefined>>

/**
 * THE placeholder filler: `{name}` is replaced by `values.name`. A missing value (absent, null or
 * undefined) leaves `{name}` visible, so a forgotten value shows up on screen and in tests instead
 * of silently vanishing.
 */
export function fill(template: string, values?: Values): string {
  if (!values) return template
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = values[name]
    return v === undefined || v === null ? whole : String(v)
  })
}

/** The `{placeholders}` a template names, in order. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)
}

/**
 * A feature dictionary: Chinese and English with exactly the same keys. `defineText` checks this at
 * compile time (a key missing in `en`, or one `en` has and `zh` has not, is a type error) and
 * `missingKeys` at run time (tests).
 */
export interface Dictionary<K extends string = string> {
  readonly zh: Readonly<Record<K, string>>
  readonly en: Readonly<Record<K, string>>
}

export function defineText<const Z extends Record<string, string>, const E extends Record<keyof Z, string>>(
  text: { zh: Z; en: E & Record<Exclude<keyof E, keyof Z>, never> },
): Dictionary<Extract<keyof Z, string>> {
  return text as unknown as Dictionary<Extract<keyof Z, string>>
}

/** Keys present in one language but not (or empty) in the other. */
export function missingKeys(d: { zh: Record<string, string>; en: Record<string, string> }): { zh: string[]; en: string[] } {
  const filled = (o: Record<string, string>, k: string) => typeof o[k] === 'string' && o[k]!.trim() !== ''
  const keys = new Set([...Object.keys(d.zh), ...Object.keys(d.en)])
  return { zh: [...keys].filter((k) => !filled(d.zh, k)), en: [...keys].filter((k) => !filled(d.en, k)) }
}
