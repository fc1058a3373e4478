/**
 * Every procedure of the API, found by walking the router (nothing is listed by hand), with a
 * sample input derived from its zod schema, and a raw HTTP caller. Used by the generated
 * authorization test and the bad-input corpus, so a new procedure is covered automatically.
 */
import { monthOf } from '../../server/domain/time.ts'
import { z } from 'zod'
import { appRouter } from '../../server/api/root.ts'

export type ProcType = 'query' | 'mutation' | 'subscription'
export interface Proc { path: string; type: ProcType; inputs: z.ZodType[] }

export function listProcedures(): Proc[] {
  const procs = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcType; inputs: unknown[] } }>
  return Object.entries(procs).map(([path, p]) => ({ path, type: p._def.type, inputs: p._def.inputs as z.ZodType[] })).sort((a, b) => a.path.localeCompare(b.path))
}

/** A field that names a row: gets an id that exists nowhere, so derived calls rarely change anything. */
export const UNKNOWN_ID = 999_999
const isIdField = (name: string) => /(^id$|Id$|Ids$|^cursor$)/.test(name)

export interface Hints { lng: number; lat: number; now: Date }

type Json = { type?: string | string[]; properties?: Record<string, Json>; required?: string[]; enum?: unknown[]; const?: unknown; format?: string; pattern?: string; minLength?: number; maxLength?: number; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; items?: Json; minItems?: number; anyOf?: Json[]; oneOf?: Json[]; allOf?: Json[]; default?: unknown }

function stringCandidates(h: Hints): string[] {
  const iso = h.now.toISOString()
  return [iso, iso.slice(0, 7), iso.slice(0, 10), 'LJ01', '610302001001', 'sample', 'abc']
}

function gen(s: Json, name: string, h: Hints): unknown {
  if (s.const !== undefined) return s.const
  if (s.enum?.length) return s.enum[0]
  const alts = s.anyOf ?? s.oneOf
  if (alts?.length) return gen(alts.find((a) => a.type !== 'null') ?? alts[0]!, name, h)
  if (s.allOf?.length) return Object.assign({}, ...s.allOf.map((a) => gen(a, name, h) as object))
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const key of s.required ?? []) out[key] = gen(s.properties?.[key] ?? {}, key, h)
      return out
    }
    case 'array': return Array.from({ length: Math.max(1, s.minItems ?? 0) }, () => gen(s.items ?? {}, name.replace(/s$/, ''), h))
    case 'boolean': return false
    case 'integer': case 'number': {
      if (isIdField(name)) return UNKNOWN_ID
      if (name === 'lng') return h.lng
      if (name === 'lat') return h.lat
      const lo = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1)
      const hi = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : Infinity)
      return Math.min(Math.max(1, lo), hi)
    }
    case 'string': {
      if (s.format === 'date-time') return h.now.toISOString()
      if (s.format === 'date') return h.now.toISOString().slice(0, 10)
      const min = s.minLength ?? 1
      const candidates = [...stringCandidates(h), 'x'.repeat(Math.max(min, 1)), 'sample-' + 'x'.repeat(Math.max(0, min - 7))]
      const ok = candidates.find((c) => c.length >= min && c.length <= (s.maxLength ?? Infinity) && (!s.pattern || new RegExp(s.pattern, 'u').test(c)))
      return ok ?? 'x'.repeat(min)
    }
    default: return s.default ?? 'x'
  }
}

/**
 * A valid input for the procedure built from its zod schema, or null when derivation fails
 * (then the procedure needs an entry in the caller's sample table).
 */
export function deriveInput(p: Proc, h: Hints): { input: unknown } | null {
  if (p.inputs.length === 0) return { input: undefined }
  let merged: unknown
  for (const schema of p.inputs) {
    let js: Json
    try { js = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json } catch { return null }
    const v = gen(js, '', h)
    merged = merged && typeof merged === 'object' && v && typeof v === 'object' ? { ...merged, ...v } : v
  }
  return p.inputs.every((s) => s.safeParse(merged).success) ? { input: merged } : null
}

/**
 * Inputs the schema cannot produce (refinements, "one of" rules) or must not (shared sessions).
 * A procedure whose input neither derives nor appears here fails tests/api/permissions.test.ts.
 */
export const SAMPLES: Record<string, (h: Hints & { db?: string }) => unknown> = {
  'auth.login': (h) => ({ login: `perm-${h.db ?? 'x'}-nobody`, password: 'not-the-password' }),
  'inspection.record': (h) => ({ gridId: UNKNOWN_ID, date: h.now.toISOString(), inspector: '张三', findings: '检查正常' }),
  'calendar.set': () => ({ day: '2099-01-01', kind: 'holiday', name: '权限测试' }),
  'calendar.remove': () => ({ day: '2099-01-02' }),
  'calendar.setYear': () => ({ year: 2099, provisional: true, source: '权限测试' }),
  'stats.integrity': (h) => ({ from: monthOf(h.now), to: monthOf(h.now) }),
  // the boundary drafts' rings are checked by a plain function (z.custom), which has no JSON schema to derive from
  'boundary.validate': () => ({ draft: { grids: [], retire: [] } }),
  'boundary.preview': () => ({ draft: { grids: [], retire: [] } }),
  'boundary.save': (h) => ({ draft: { grids: [], retire: [] }, baseVersion: 999_999, effectiveFrom: h.now.toISOString(), reason: '权限测试' }),
  'indicator.import': (h) => ({ year: h.now.getUTCFullYear(), evaluationDate: h.now.toISOString().slice(0, 10), rows: [], dryRun: true }),
  // a refinement (ids or all) the schema cannot express
  'notification.markRead': () => ({ all: true }),
}

/** The sample table first, else derived from the schema; null when neither works. */
export function sampleInput(p: Proc, h: Hints & { db?: string }): { input: unknown } | null {
  const s = SAMPLES[p.path]
  return s ? { input: s(h) } : deriveInput(p, h)
}

export interface CallResult {
  status: number
  ok: boolean
  data?: unknown
  error?: { code: string; appCode: string; message: string; httpStatus?: number }
}

/**
 * One procedure call over HTTP as a browser would make it (GET for queries, JSON POST for mutations).
 * `rawInput` is JSON text sent as the input as is (in the query string or the body); `rawBody` always POSTs.
 */
export async function callProcedure(baseUrl: string, p: { path: string; type: ProcType }, input: unknown, cookie?: string, init: { rawBody?: string | Uint8Array; rawInput?: string; headers?: Record<string, string> } = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...(cookie ? { cookie } : {}), ...init.headers }
  let res: Response
  const text = init.rawInput ?? (input === undefined ? undefined : JSON.stringify(input))
  if (p.type === 'query' && init.rawBody === undefined) {
    const q = text === undefined ? '' : `?input=${encodeURIComponent(text)}`
    res = await fetch(`${baseUrl}/trpc/${p.path}${q}`, { headers })
  } else {
    res = await fetch(`${baseUrl}/trpc/${p.path}`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers },
      body: (init.rawBody ?? text) as BodyInit | undefined,
    })
  }
  const resText = await res.text()
  let body: { result?: { data?: unknown }; error?: { message: string; data?: { code: string; appCode: string; httpStatus?: number } } } = {}
  try { body = JSON.parse(resText) } catch { /* not JSON: reported as an error without codes */ }
  if (res.ok && body.result) return { status: res.status, ok: true, data: body.result.data }
  return { status: res.status, ok: false, error: { code: body.error?.data?.code ?? '', appCode: body.error?.data?.appCode ?? '', message: body.error?.message ?? resText.slice(0, 200), httpStatus: body.error?.data?.httpStatus } }
}

/** Log in over HTTP and return the session cookie ("gd_session=…"). */
export async function sessionCookieFor(baseUrl: string, login: string, password = `${login}123`): Promise<string> {
  const res = await fetch(`${baseUrl}/trpc/auth.login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) })
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('gd_session='))
  if (!res.ok || !cookie) throw new Error(`login ${login} failed: ${res.status}`)
  return cookie.split(';')[0]!
}
