/**
 * fast-check arbitraries for the fuzzer (tests/api/fuzz.test.ts): inputs generated from a
 * procedure's zod schema (through z.toJSONSchema), and hostile mutations of such inputs sent as
 * raw JSON text (so NaN, Infinity, lone surrogates and `__proto__` keys reach the server as written).
 */
import fc from 'fast-check'
import { z } from 'zod'
import { UNKNOWN_ID, type Hints, type Proc } from './procedures.ts'

export interface JsonSchema {
  type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; additionalProperties?: unknown
  enum?: unknown[]; const?: unknown; format?: string; pattern?: string; minLength?: number; maxLength?: number
  minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number
  items?: JsonSchema; minItems?: number; maxItems?: number; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[]; default?: unknown
}

/** What the generators need beyond the schema: where the grids are, and ids that must stay untouched. */
export interface FuzzHints extends Hints { avoidIds?: Map<string, Set<number>> }

const isIdField = (name: string) => /(^id$|Id$|Ids$|^cursor$)/.test(name)
const KNOWN_STRINGS = ['LJ01', '610302001001', '张三', '检查正常', 'sample', '']

/** A schema keyword the converter does not understand: the procedure must then be listed as not fuzzed. */
export class UnsupportedSchema extends Error {}

function integerArb(s: JsonSchema, name: string, path: string, h: FuzzHints): fc.Arbitrary<number> {
  const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? Math.floor(s.exclusiveMinimum) + 1 : -1_000_000)
  const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? Math.ceil(s.exclusiveMaximum) - 1 : Math.max(lo, 0) + 1_000_000)
  const any = fc.integer({ min: Math.max(lo, Number.MIN_SAFE_INTEGER), max: Math.min(hi, Number.MAX_SAFE_INTEGER) })
  if (!isIdField(name)) return fc.oneof(any, fc.constantFrom(...[lo, hi, 1].filter((v) => v >= lo && v <= hi && Number.isSafeInteger(v))))
  // ids: mostly rows that exist (small ids in the seeded demo), some that exist nowhere
  const avoid = h.avoidIds?.get(`${path}.${name}`)
  const small = fc.integer({ min: Math.max(lo, 1), max: Math.min(hi, 60) }).filter((v) => !avoid?.has(v))
  return fc.oneof({ weight: 4, arbitrary: small }, fc.constant(Math.min(Math.max(UNKNOWN_ID, lo), hi)), any.filter((v) => !avoid?.has(v)))
}

function numberArb(s: JsonSchema, name: string, h: FuzzHints): fc.Arbitrary<number> {
  const min = s.minimum ?? s.exclusiveMinimum ?? -1e9
  const max = s.maximum ?? s.exclusiveMaximum ?? 1e9
  const any = fc.double({ min, max, minExcluded: s.exclusiveMinimum !== undefined, maxExcluded: s.exclusiveMaximum !== undefined, noNaN: true, noDefaultInfinity: true })
  // coordinates: near the demo grids most of the time, so lookups find something
  if (name === 'lng' || name === 'lat') {
    const c = name === 'lng' ? h.lng : h.lat
    return fc.oneof({ weight: 3, arbitrary: fc.double({ min: c - 0.05, max: c + 0.05, noNaN: true }).filter((v) => v >= min && v <= max) }, any)
  }
  return any
}

function stringArb(s: JsonSchema, h: FuzzHints): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0
  const maxLength = s.maxLength ?? 10_000
  const fits = (v: string) => v.length >= minLength && v.length <= maxLength
  if (s.format === 'date-time' || s.format === 'date') {
    const d = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2060-12-31T00:00:00Z'), noInvalidDate: true })
    const near = fc.integer({ min: -400, max: 400 }).map((days) => new Date(h.now.getTime() + days * 86_400_000))
    return fc.oneof(d, near).map((x) => (s.format === 'date' ? x.toISOString().slice(0, 10) : x.toISOString()))
  }
  if (s.pattern) {
    const re = new RegExp(s.pattern, 'u')
    const nearNow = [h.now.toISOString(), h.now.toISOString().slice(0, 7), h.now.toISOString().slice(0, 10), ...KNOWN_STRINGS].filter((v) => re.test(v) && fits(v))
    const gen = fc.stringMatching(re).filter(fits)
    return nearNow.length ? fc.oneof(gen, fc.constantFrom(...nearNow)) : gen
  }
  const cap = Math.min(maxLength, minLength + 80)
  const known = KNOWN_STRINGS.filter(fits)
  const arbs: fc.Arbitrary<string>[] = [
    fc.string({ minLength, maxLength: cap }),
    fc.string({ unit: 'grapheme', minLength, maxLength: cap }).filter(fits),
    fc.string({ unit: fc.constantFrom(...'网格责任地图垃圾乱堆问题整改张三李四'), minLength, maxLength: cap }),
  ]
  if (known.length) arbs.push(fc.constantFrom(...known))
  if (maxLength < 10_000) arbs.push(fc.constant('x'.repeat(maxLength)))
  return fc.oneof(...arbs)
}

/** An arbitrary for values of a JSON schema (as z.toJSONSchema writes it for our inputs). */
export function arbFromJsonSchema(s: JsonSchema, name: string, h: FuzzHints, path = ''): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const)
  if (s.enum) return fc.constantFrom(...s.enum)
  const alts = s.anyOf ?? s.oneOf
  if (alts) return fc.oneof(...alts.map((a) => arbFromJsonSchema(a, name, h, path)))
  if (s.allOf) return fc.tuple(...s.allOf.map((a) => arbFromJsonSchema(a, name, h, path))).map((parts) => Object.assign({}, ...parts.map((p) => (p && typeof p === 'object' ? p : {}))))
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((t) => arbFromJsonSchema({ ...s, type: t }, name, h, path)))
  switch (s.type) {
    case 'object': {
      const props = s.properties ?? {}
      const model = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arbFromJsonSchema(v, k, h, path)]))
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) })
    }
    case 'array': {
      const minLength = s.minItems ?? 0
      return fc.array(arbFromJsonSchema(s.items ?? {}, name.replace(/s$/, ''), h, path), { minLength, maxLength: Math.min(s.maxItems ?? minLength + 4, minLength + 4) })
    }
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'integer': return integerArb(s, name, path, h)
    case 'number': return numberArb(s, name, h)
    case 'string': return stringArb(s, h)
    case undefined:
      // "anything" (what z.toJSONSchema writes for a value it cannot describe)
      if (Object.keys(s).every((k) => k === 'default' || k === '$schema')) return fc.jsonValue({ maxDepth: 2 })
      throw new UnsupportedSchema(`no generator for ${JSON.stringify(s).slice(0, 120)}`)
    default: throw new UnsupportedSchema(`no generator for type ${s.type}`)
  }
}

/** Inputs generated from the procedure's zod schema(s); throws UnsupportedSchema when it cannot. */
export function schemaInputArb(p: Proc, h: FuzzHints): fc.Arbitrary<unknown> {
  if (p.inputs.length === 0) return fc.constant(undefined)
  const parts = p.inputs.map((schema) => arbFromJsonSchema(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '', h, p.path))
  return fc.tuple(...parts).map((vs) => vs.reduce((acc: unknown, v) => (acc && typeof acc === 'object' && v && typeof v === 'object' ? { ...acc, ...v } : v)))
}

// ---- mutations, as raw JSON text ----

/** Marks a value to be written into the JSON text verbatim (NaN, Infinity, a `__proto__` member …). */
const RAW_START = '\u0001RAW:'
const RAW_END = ':RAW\u0001'
const raw = (text: string) => `${RAW_START}${text}${RAW_END}`
/** JSON text of a value in which raw() markers are replaced by their text. */
export function toJsonText(v: unknown): string {
  const s = JSON.stringify(v) ?? ''
  return s.replace(/"\\u0001RAW:(.*?):RAW\\u0001"/g, (_m, t: string) => JSON.parse(`"${t}"`) as string)
}

const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const nestedArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

/** Values that replace a field (or the whole input). */
export const HOSTILE_VALUES: { name: string; value: unknown }[] = [
  { name: 'NaN', value: raw('NaN') }, { name: 'Infinity', value: raw('Infinity') }, { name: '-Infinity', value: raw('-Infinity') },
  { name: '1e400', value: raw('1e400') }, { name: '-0', value: raw('-0') }, { name: 'huge exponent', value: raw('1e-400') },
  { name: 'negative id', value: -1 }, { name: 'zero', value: 0 }, { name: 'min int32', value: -(2 ** 31) }, { name: '2^53', value: 2 ** 53 },
  { name: 'fraction', value: 1.5 }, { name: 'max double', value: Number.MAX_VALUE },
  { name: 'lone high surrogate', value: 'a\uD800b' }, { name: 'lone low surrogate', value: '\uDC00' }, { name: 'NUL', value: 'a\u0000b' },
  { name: 'huge string', value: 'x'.repeat(200_000) }, { name: 'huge CJK string', value: '网'.repeat(60_000) },
  { name: 'far-future date', value: '9999-12-31T23:59:59.999Z' }, { name: 'beyond Date range', value: '+275761-01-01T00:00:00.000Z' },
  { name: 'ancient date', value: '0001-01-01T00:00:00.000Z' }, { name: 'year 0', value: '0000-01-01' }, { name: 'Feb 30', value: '2026-02-30' },
  { name: 'epoch minus 1 ms', value: '1969-12-31T23:59:59.999Z' }, { name: 'date with offset', value: '2026-01-01T00:00:00+14:00' },
  { name: 'deeply nested object', value: raw(nested(2_000)) }, { name: 'very deeply nested array', value: raw(nestedArray(20_000)) },
  { name: '__proto__ member', value: raw('{"__proto__":{"role":"admin","isAdmin":true}}') },
  { name: 'constructor.prototype', value: raw('{"constructor":{"prototype":{"role":"admin"}}}') },
  { name: 'null', value: null }, { name: 'true', value: true }, { name: 'empty object', value: {} }, { name: 'empty array', value: [] },
  { name: 'long array', value: Array.from({ length: 20_000 }, (_, i) => i) }, { name: 'string number', value: '1' },
  { name: 'SQL', value: "1' OR '1'='1" }, { name: 'path traversal', value: '../../../../etc/passwd' },
]

export interface Mutated { name: string; text: string }

/** Hostile mutations of a valid input (given as a value; the result is JSON text). */
export function mutationArb(valid: unknown): fc.Arbitrary<Mutated> {
  const hostile = fc.constantFrom(...HOSTILE_VALUES)
  const obj = valid && typeof valid === 'object' && !Array.isArray(valid) ? (valid as Record<string, unknown>) : null
  const keys = obj ? Object.keys(obj) : []
  const whole = fc.oneof(
    hostile.map((v) => ({ name: `input = ${v.name}`, text: toJsonText(v.value) })),
    fc.jsonValue({ maxDepth: 3 }).map((v) => ({ name: `input = random JSON`, text: toJsonText(v) })),
  )
  if (!obj) return whole
  const withProto = (extra: string) => {
    const t = toJsonText(obj)
    return t === '{}' ? `{${extra}}` : `{${extra},${t.slice(1)}`
  }
  const arbs: fc.Arbitrary<Mutated>[] = [
    whole,
    fc.constantFrom(
      { name: '__proto__ key', text: withProto('"__proto__":{"role":"admin","departmentId":null}') },
      { name: 'constructor key', text: withProto('"constructor":{"prototype":{"role":"admin"}}') },
      { name: 'duplicate key', text: keys.length ? withProto(`${JSON.stringify(keys[0])}:${JSON.stringify('dup')}`) : '{"a":1,"a":2}' },
      { name: 'unknown field', text: withProto('"zzUnknown":"x"') },
    ),
  ]
  if (keys.length) {
    arbs.push(
      fc.constantFrom(...keys).map((k) => { const o = { ...obj }; delete o[k]; return { name: `drop ${k}`, text: toJsonText(o) } }),
      fc.tuple(fc.constantFrom(...keys), hostile).map(([k, v]) => ({ name: `${k} = ${v.name}`, text: toJsonText({ ...obj, [k]: v.value }) })),
      fc.tuple(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) => ({ name: `${k} = random JSON`, text: toJsonText({ ...obj, [k]: v }) })),
    )
    // one level down: a field of an object or of an array's first element
    const inner = keys.flatMap((k) => {
      const v = obj[k]
      const target = Array.isArray(v) ? v[0] : v
      return target && typeof target === 'object' && !Array.isArray(target) && Object.keys(target).length ? [{ k, inArray: Array.isArray(v), sub: Object.keys(target) }] : []
    })
    if (inner.length) {
      arbs.push(fc.constantFrom(...inner).chain(({ k, inArray, sub }) => fc.tuple(fc.constantFrom(...sub), hostile).map(([sk, hv]) => {
        const target = { ...((inArray ? (obj[k] as unknown[])[0] : obj[k]) as Record<string, unknown>), [sk]: hv.value }
        return { name: `${k}${inArray ? '[0]' : ''}.${sk} = ${hv.name}`, text: toJsonText({ ...obj, [k]: inArray ? [target, ...(obj[k] as unknown[]).slice(1)] : target }) }
      })))
    }
  }
  return fc.oneof(...arbs)
}
