/**
 * The server's layering, checked from the source: every file under server/ (but the generated
 * Prisma client) is parsed for its imports (static, re-exports, `import type`, dynamic import()).
 * Fails on an import circle, on an import upward (api → services → domain; db and auth are
 * infrastructure below services), on tRPC outside the API layer, on the department scope or
 * audit rows written anywhere but their one place, and on a router that writes to the database.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = path.resolve(import.meta.dirname, '../../server')
const GENERATED = path.join(ROOT, 'db', 'generated')

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return p === GENERATED ? [] : sourceFiles(p)
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

/** Module specifiers of a file's imports, re-exports and dynamic imports (comments stripped first). */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const specs: string[] = []
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g]
  for (const re of patterns) for (const m of code.matchAll(re)) specs.push(m[1]!)
  return specs
}

/** The circles in a directed graph (each as the list of its nodes), by depth-first search. */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (n: string) => {
    state.set(n, 'open')
    stack.push(n)
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m])
      else if (!state.has(m)) visit(m)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of [...graph.keys()].sort()) if (!state.has(n)) visit(n)
  return found
}

/** Lower may not import higher. Files directly in server/ (http.ts, open311.ts, boot.ts, main.ts…) compose everything. */
const RANK: Record<string, number> = { domain: 0, db: 1, auth: 2, services: 3, api: 4, '.': 5 }
export const layerOf = (rel: string): string => (rel.includes('/') ? rel.split('/')[0]! : '.')

const files = sourceFiles(ROOT)
const rel = (abs: string) => path.relative(ROOT, abs).split(path.sep).join('/')
const sources = new Map(files.map((f) => [rel(f), fs.readFileSync(f, 'utf8')]))
const graph = new Map<string, string[]>()
const external = new Map<string, string[]>()
for (const [file, src] of sources) {
  const deps: string[] = []
  for (const spec of importsOf(src)) {
    if (!spec.startsWith('.')) { external.set(file, [...(external.get(file) ?? []), spec]); continue }
    const target = rel(path.resolve(ROOT, path.dirname(file), spec))
    if (!target.startsWith('db/generated/') && !target.startsWith('../')) deps.push(target) // ../prisma (migrate, seed): the boot script's tools
  }
  graph.set(file, deps)
}

/**
 * The writes a router may not do itself (docs/architecture.md): open a transaction, write an audit
 * row, or call a writing Prisma method on any delegate (ctx.db.x.create(…), tx.x.updateMany(…),
 * raw SQL). Reads (findMany, count, …) are allowed; every write goes through a service.
 */
export function routerWrites(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const found: string[] = []
  for (const m of code.matchAll(/\$transaction\b|\$executeRaw(?:Unsafe)?\b|\bwriteAudit(?:Many)?\b|\.\s*(?:create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)\s*\(/g)) {
    const before = code.slice(0, m.index)
    const line = before.split('\n').length
    // `initTRPC…create(` and `t.router(…)` are not database writes: only a delegate call on a Prisma client counts
    if (m[0].startsWith('.') && !/\b(?:ctx\.db|db|tx)\s*\.\s*\w+\s*$/.test(before)) continue
    found.push(`${line}: ${m[0].replace(/\s+/g, '')}`)
  }
  return found
}

describe('server layering', () => {
  it('reads the whole server', () => {
    expect(files.length).toBeGreaterThan(60)
    for (const f of ['api/trpc.ts', 'api/httpUtil.ts', 'auth/sessions.ts', 'services/scope.ts', 'services/audit.ts', 'domain/errors.ts']) expect(sources.has(f), f).toBe(true)
    // every relative import resolves to a file we read (else the checks below would miss it)
    const unresolved = [...graph].flatMap(([f, deps]) => deps.filter((d) => !sources.has(d)).map((d) => `${f} → ${d}`))
    expect(unresolved).toEqual([])
  })

  it('the checks can fail: a circle and an upward import are found in a fixture', () => {
    expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c', 'a']])
    expect(cyclesOf(new Map([['a', ['b']], ['b', []]]))).toEqual([])
    expect(importsOf(`import type { X } from './x.ts'\nexport { y } from "../y.ts"\n// import { z } from './z.ts'\nconst m = await import('./m.ts')`)).toEqual(['./x.ts', '../y.ts', './m.ts'])
    expect(RANK[layerOf('domain/time.ts')]! < RANK[layerOf('services/scope.ts')]!).toBe(true)
    expect(routerWrites([
      `await ctx.db.$transaction(async (tx) => {`,
      `  await tx.indicator.updateMany({ where: {} })`,
      `  await writeAudit(tx, {})`,
      `})`,
      `await ctx.db.grid.update({ where: { id } })`,
      `await ctx.db . problem . delete({ where: { id } })`,
      `const t = initTRPC.context<Context>().create({})`,
      `const rows = await ctx.db.grid.findMany({})`,
      `// ctx.db.grid.create({}) in a comment`,
    ].join('\n'))).toEqual(['1: $transaction', '2: .updateMany(', '3: writeAudit', '5: .update(', '6: .delete('])
  })

  it('has no import circle (type-only imports included)', () => {
    expect(cyclesOf(graph).map((c) => c.join(' → '))).toEqual([])
  })

  it('imports only downward: api → services → domain, with db and auth below services', () => {
    const upward = [...graph].flatMap(([f, deps]) => deps
      .filter((d) => RANK[layerOf(d)]! > RANK[layerOf(f)]!)
      .map((d) => `${f} → ${d}`))
    expect(upward).toEqual([])
  })

  it('the domain is pure and errors do not depend on tRPC', () => {
    const impure = [...external].flatMap(([f, specs]) => specs
      .filter((s) => (layerOf(f) === 'domain' && /^(node:)?(http|https|http2|net|fs|fs\/promises|child_process|worker_threads)$|^@prisma|^@trpc|^react/.test(s)) || (['domain', 'services', 'db', 'auth'].includes(layerOf(f)) && s.startsWith('@trpc')))
      .map((s) => `${f} → ${s}`))
    expect(impure).toEqual([])
  })

  it('the department scope lives in one place and routers never write it by hand', () => {
    const defines = [...sources].filter(([, s]) => /export function departmentScope\b/.test(s)).map(([f]) => f)
    expect(defines).toEqual(['services/scope.ts'])
    const inRouters = [...sources].filter(([f, s]) => f.startsWith('api/routers/') && /departmentScope|\.role\s*[!=]==?\s*'department'/.test(s)).map(([f]) => f)
    expect(inRouters).toEqual([])
  })

  it('routers never write to the database: no transaction, no audit row, no create/update/delete', () => {
    const routers = [...sources].filter(([f]) => f.startsWith('api/routers/'))
    expect(routers.length).toBe(fs.readdirSync(path.join(ROOT, 'api', 'routers')).filter((f) => f.endsWith('.ts')).length)
    const writes = routers.flatMap(([f, s]) => routerWrites(s).map((w) => `${f}:${w}`))
    expect(writes).toEqual([])
  })

  it('audit rows are written only by services/audit.ts', () => {
    const writers = [...sources].filter(([, s]) => /auditLog\s*\.\s*create/.test(s)).map(([f]) => f)
    expect(writers).toEqual(['services/audit.ts'])
  })
})
