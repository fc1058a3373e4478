/**
 * The text encoding of an imported boundary file's attributes. A Shapefile's `.cpg` names it; without
 * one (common in Chinese GIS files) the bytes decide: valid UTF-8 is UTF-8, anything else is read as
 * GB18030 (a superset of GBK and GB2312, the encodings Chinese desktop GIS writes). The planner sees
 * the names decoded and may choose the other encoding before committing. Pure.
 */

/** The encodings the planner may choose (TextDecoder labels). */
export const TEXT_ENCODINGS = ['utf-8', 'gb18030'] as const
export type TextEncodingName = (typeof TEXT_ENCODINGS)[number]

/** How the encoding in use was decided. */
export type EncodingSource = 'chosen' | 'declared' | 'detected'

/**
 * A name from a `.cpg`, the XML declaration or the planner → one of TEXT_ENCODINGS; null when it is
 * not one we read (the import then refuses with IMPORT_UNKNOWN_ENCODING rather than garble names).
 * GBK, GB2312, CP936 / "936" / "ANSI 936" are read as GB18030 (their superset).
 */
export function canonicalEncoding(name: string): TextEncodingName | null {
  const n = name.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/^ansi\s+/, '').replace(/[\s_]/g, '-')
  if (/^(utf-?8|65001|unicode-1-1-utf-8)$/.test(n)) return 'utf-8'
  if (/^(gb18030|gbk|gb2312|gb-2312|cp936|936|windows-936|x-gbk|euc-cn|chinese|csgb2312|54936)$/.test(n)) return 'gb18030'
  return null
}

/** Is this byte sequence valid UTF-8 (ASCII included)? */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}

/** Without a declaration: UTF-8 when the bytes are valid UTF-8, GB18030 otherwise. */
export const detectEncoding = (bytes: Uint8Array): TextEncodingName => (isValidUtf8(bytes) ? 'utf-8' : 'gb18030')

/** Decode with an encoding of TEXT_ENCODINGS (a leading byte-order mark dropped). */
export const decodeText = (bytes: Uint8Array, enc: TextEncodingName): string => new TextDecoder(enc).decode(bytes)
