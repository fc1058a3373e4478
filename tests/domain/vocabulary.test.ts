/**
 * The one vocabulary (server/domain/vocabulary) and the one translation mechanism (client/i18n.ts):
 * every status has both words and a colour, colours differ within a family, every dictionary and
 * the server's message catalog have every key in both languages, and every appCode the server
 * can send (read from server/ itself) is in the catalog.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { INDICATOR_STATUSES } from '../../server/domain/evaluation/schedule.ts'
import { READINESS_LEVELS } from '../../server/domain/evaluation/readiness.ts'
import { INSPECTION_STATUSES } from '../../server/domain/inspection/monthStatus.ts'
import { PROBLEM_STATUSES } from '../../server/domain/problem/status.ts'
import { ACTION_TYPES, TRANSITIONS } from '../../server/domain/problem/workflow.ts'
import { fixed, pct } from '../../server/domain/vocabulary/format.ts'
import { defineText, fill, LANGS, missingKeys, placeholdersOf, type Dictionary } from '../../server/domain/vocabulary/lang.ts'
import { errorMessage, MESSAGES, messageOf } from '../../server/domain/vocabulary/messages.ts'
import { PALETTE } from '../../server/domain/vocabulary/palette.ts'
import {
  actionLabel, GRID_MONTH_STATUS, GRID_MONTH_STATUSES, INDICATOR_STATUS, PROBLEM_ACTION, PROBLEM_STATUS, READINESS, STATUS_FAMILIES, statusColour, statusLabel,
} from '../../server/domain/vocabulary/status.ts'
import { ROLE, SITE_TYPE } from '../../server/domain/vocabulary/terms.ts'
import { ROLES } from '../../server/api/permissions.ts'
import { SITE_TYPES } from '../../server/domain/evaluation/siteRows.ts'
import { serverAppCodes } from '../support/appCodes.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const HEX = /^#[0-9a-f]{6}$/i

describe('statuses: words in both languages and a colour, one source', () => {
  for (const [family, terms] of Object.entries(STATUS_FAMILIES)) {
    it(`${family}: every status has a Chinese and an English word and a colour`, () => {
      for (const [status, term] of Object.entries(terms)) {
        expect(term['zh-CN'].trim(), `${family}.${status} zh`).not.toBe('')
        expect(term.en.trim(), `${family}.${status} en`).not.toBe('')
        expect(term.colour, `${family}.${status} colour`).toMatch(HEX)
        expect(/[\u4e00-\u9fff]/.test(term['zh-CN']), `${family}.${status} zh is Chinese`).toBe(true)
      }
    })
    it(`${family}: colours are unique within the family`, () => {
      const colours = Object.values(terms).map((t) => t.colour.toLowerCase())
      expect(new Set(colours).size).toBe(colours.length)
    })
  }

  it('each family covers exactly the values its domain module defines', () => {
    expect(Object.keys(PROBLEM_STATUS).sort()).toEqual([...PROBLEM_STATUSES].sort())
    expect(Object.keys(READINESS).sort()).toEqual([...READINESS_LEVELS].sort())
    expect(Object.keys(INDICATOR_STATUS).sort()).toEqual([...INDICATOR_STATUSES].sort())
    expect(Object.keys(GRID_MONTH_STATUS).sort()).toEqual([...GRID_MONTH_STATUSES].sort())
    for (const s of INSPECTION_STATUSES) expect(GRID_MONTH_STATUSES).toContain(s)
  })

  it('grid months: done and not-done are told apart at a glance', () => {
    expect(GRID_MONTH_STATUS.done.colour).toBe(PALETTE.green)
    expect(GRID_MONTH_STATUS.unheld.colour).toBe(PALETTE.grey)
    expect(GRID_MONTH_STATUS.done.colour).not.toBe(GRID_MONTH_STATUS.pending.colour)
  })

  it('grid months already name `unverified` (inspected, not proven on site): 未核实, amber, unlike done/pending/missed', () => {
    expect(GRID_MONTH_STATUS.unverified['zh-CN']).toBe('未核实')
    expect(GRID_MONTH_STATUS.unverified.en).toBe('Unverified')
    for (const other of ['done', 'pending', 'missed'] as const) expect(GRID_MONTH_STATUS.unverified.colour).not.toBe(GRID_MONTH_STATUS[other].colour)
    // amber: red well above blue, green between them
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(GRID_MONTH_STATUS.unverified.colour.slice(i, i + 2), 16)) as [number, number, number]
    expect(r).toBeGreaterThan(g)
    expect(g).toBeGreaterThan(b)
  })

  it('readiness "unassessed" is grey on every surface (one colour, not white here and grey there)', () => {
    expect(READINESS.unassessed.colour).toBe(PALETTE.grey)
    expect(statusColour('readiness', 'unassessed')).toBe(PALETTE.grey)
  })

  it('every workflow action, and the events that are no transition, have words; the workflow uses them', () => {
    for (const a of [...ACTION_TYPES, 'report', 'merge', 'mergedFrom']) {
      const term = (PROBLEM_ACTION as Record<string, { 'zh-CN': string; en: string } | undefined>)[a]
      expect(term, a).toBeDefined()
      expect(term!['zh-CN'].trim()).not.toBe('')
      expect(term!.en.trim()).not.toBe('')
    }
    for (const a of ACTION_TYPES) expect(TRANSITIONS[a].label).toBe((PROBLEM_ACTION as Record<string, unknown>)[a])
    expect(actionLabel('verifyPass', 'zh-CN')).toBe('核查通过')
    expect(actionLabel('verifyPass', 'en')).toBe('Verify: pass')
    // a status name is not an action (events store action names)
    expect(actionLabel('closed', 'zh-CN')).toBe('closed')
  })

  it('lookups by name: unknown values show as they are', () => {
    expect(statusLabel('problem', 'submitted', 'zh-CN')).toBe('待核查')
    expect(statusLabel('gridMonth', 'missed', 'en')).toBe('Missed')
    expect(statusLabel('problem', 'weird', 'en')).toBe('weird')
    expect(statusColour('problem', 'weird', '#123456')).toBe('#123456')
  })

  it('roles and site types have both words', () => {
    expect(Object.keys(ROLE).sort()).toEqual([...ROLES].sort())
    expect(Object.keys(SITE_TYPE).sort()).toEqual([...SITE_TYPES].sort())
    for (const t of [...Object.values(ROLE), ...Object.values(SITE_TYPE)]) for (const l of LANGS) expect(t[l].trim()).not.toBe('')
  })
})

describe('number formats', () => {
  it('a share as a percentage with one decimal, a dash for none', () => {
    expect(pct(0.875)).toBe('87.5%')
    expect(pct(1)).toBe('100.0%')
    expect(pct(0)).toBe('0.0%')
    expect(pct(1 / 3)).toBe('33.3%')
    expect(pct(null)).toBe('—')
    expect(pct(undefined)).toBe('—')
    expect(fixed(2.25, 1)).toBe('2.3')
    expect(fixed(null)).toBe('—')
  })
})

describe('the placeholder filler', () => {
  it('fills values, keeps a missing one visible as {name}', () => {
    expect(fill('{n} 个网格', { n: 3 })).toBe('3 个网格')
    expect(fill('{n} 个网格', { n: 0 })).toBe('0 个网格')
    expect(fill('{done}/{total}', { done: 1 })).toBe('1/{total}')
    expect(fill('{x}', { x: null })).toBe('{x}')
    expect(fill('{x}', { x: undefined })).toBe('{x}')
    expect(fill('{x}')).toBe('{x}')
    expect(fill('#{id}', { id: 7, other: 'ignored' })).toBe('#7')
    expect(placeholdersOf('{a} and {b}')).toEqual(['a', 'b'])
  })

  it('defineText rejects, at compile time, an English side with a missing or an extra key', () => {
    // @ts-expect-error: en lacks `b`
    defineText({ zh: { a: '甲', b: '乙' }, en: { a: 'A' } })
    // @ts-expect-error: en has `c`, zh has not
    defineText({ zh: { a: '甲' }, en: { a: 'A', c: 'C' } })
    const ok = defineText({ zh: { a: '甲' }, en: { a: 'A' } })
    expect(missingKeys(ok)).toEqual({ zh: [], en: [] })
  })

  it('missingKeys finds a key absent or empty in either language', () => {
    expect(missingKeys({ zh: { a: '甲', b: '乙' }, en: { a: 'A' } })).toEqual({ zh: [], en: ['b'] })
    expect(missingKeys({ zh: { a: '' }, en: { a: 'A', c: 'C' } })).toEqual({ zh: ['a', 'c'], en: [] })
  })
})

/** Every feature dictionary: each client/**\/text.ts and what it exports that looks like one. */
async function dictionaries(): Promise<{ name: string; d: Dictionary }[]> {
  const files: string[] = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name === 'text.ts') files.push(p)
    }
  }
  walk(path.join(ROOT, 'client'))
  const out: { name: string; d: Dictionary }[] = []
  for (const f of files) {
    const mod = (await import(f)) as Record<string, unknown>
    const found = Object.entries(mod).filter(([, v]) => v && typeof v === 'object' && 'zh' in v && 'en' in v)
    expect(found.length, `${path.relative(ROOT, f)} exports a dictionary`).toBeGreaterThan(0)
    for (const [k, v] of found) out.push({ name: `${path.relative(ROOT, f)}#${k}`, d: v as Dictionary })
  }
  return out
}

describe('client dictionaries', () => {
  it('every feature folder and the app shell register their dictionary', async () => {
    const names = (await dictionaries()).map((x) => x.name.split('#')[0]!)
    for (const f of ['admin', 'auth', 'coverage', 'evaluation', 'monthly', 'planner', 'problems']) expect(names).toContain(`client/features/${f}/text.ts`)
    expect(names).toContain('client/app/text.ts')
  })

  it('no key is missing (or empty) in either language, and both name the same placeholders', async () => {
    for (const { name, d } of await dictionaries()) {
      expect(missingKeys(d), name).toEqual({ zh: [], en: [] })
      for (const k of Object.keys(d.zh)) {
        const zh = placeholdersOf((d.zh as Record<string, string>)[k]!).sort()
        const en = placeholdersOf((d.en as Record<string, string>)[k]!).sort()
        expect(en, `${name} ${k}`).toEqual(zh)
      }
    }
  })

  it('status, action and role words are not copied into any dictionary', async () => {
    const shared = new Set([...Object.values(PROBLEM_STATUS), ...Object.values(GRID_MONTH_STATUS), ...Object.values(READINESS), ...Object.values(INDICATOR_STATUS)].map((t) => `${t['zh-CN']}|${t.en}`))
    for (const { name, d } of await dictionaries()) {
      for (const k of Object.keys(d.zh)) {
        expect(/^(status|problem|st|action)\./.test(k), `${name} ${k}`).toBe(false)
        // table headers name a measure (a count of missed grids), which may read like a status word
        if (k.startsWith('col.')) continue
        expect(shared.has(`${(d.zh as Record<string, string>)[k]}|${(d.en as Record<string, string>)[k]}`), `${name} ${k} copies a status`).toBe(false)
      }
    }
  })
})

describe('the server message catalog', () => {
  it('every entry has Chinese and English, with the same placeholders', () => {
    expect(missingKeys({ zh: Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [k, v['zh-CN']])), en: Object.fromEntries(Object.entries(MESSAGES).map(([k, v]) => [k, v.en])) })).toEqual({ zh: [], en: [] })
    for (const [code, m] of Object.entries(MESSAGES)) expect(placeholdersOf(m.en).sort(), code).toEqual(placeholdersOf(m['zh-CN']).sort())
  })

  const { sites, unreadable } = serverAppCodes(path.join(ROOT, 'server'))

  it('reads the appCodes out of server/ (helpers, constructors, `appCode:` literals, defaults, refusals)', () => {
    const codes = new Set(sites.map((s) => s.code))
    // one of each way a code is written, so a scanner that stops finding them fails here
    for (const c of ['GRID_NOT_FOUND', 'NOT_YOUR_GRID', 'BOUNDARY_INVALID', 'HOLDER_CONFLICT', 'PHOTO_NOT_YOURS', 'NOT_LOGGED_IN', 'DB_UNAVAILABLE', 'NOT_FOUND', 'BAD_INPUT', 'VERSION_CONFLICT', 'ILLEGAL_TRANSITION', 'TILE_NOT_FOUND', 'REFERENCE_NOT_FOUND']) {
      expect(codes, c).toContain(c)
    }
    // an appCode argument that is neither a literal nor a forwarded code could hide a code
    expect(unreadable).toEqual([])
  })

  it('every appCode the server can send is in the catalog, in both languages', () => {
    const missing = [...new Set(sites.filter((s) => !Object.hasOwn(MESSAGES, s.code)).map((s) => `${s.code} (${s.file}, ${s.how})`))]
    expect(missing).toEqual([])
  })

  it('a person reads an error by its code in the chosen language (Chinese: the server’s own sentence)', () => {
    const e = { appCode: 'NOT_YOUR_GRID', message: '东城社区 不是本部门包抓的网格' }
    expect(errorMessage(e, 'en', 'x')).toBe('Your department does not hold this grid')
    expect(errorMessage(e, 'zh-CN', 'x')).toBe('东城社区 不是本部门包抓的网格')
    expect(errorMessage({ appCode: 'NOT_YOUR_GRID' }, 'zh-CN', 'x')).toBe('该网格不是本部门包抓的网格')
    // an unknown code: the server's message; nothing at all: the fallback
    expect(errorMessage({ appCode: 'SOMETHING_NEW', message: 'server words' }, 'en', 'x')).toBe('server words')
    expect(errorMessage({}, 'en', 'fallback')).toBe('fallback')
    // values fill placeholders
    expect(messageOf('BAD_INPUT', 'en', { ignored: 1 })).toBe('Please check the form')
  })
})
