/**
 * Every appCode the server can send, read from its source: the string literals passed as the
 * appCode argument of the error helpers and constructors, `appCode:` properties, the helpers'
 * default codes, and the workflow's refusal codes. Parsed with Vite's own parser (rolldown), not
 * with regular expressions, so template literals and nested calls do not confuse it.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseAst } from 'rolldown/parseAst'

/** callee name → index of its appCode argument (and the count of arguments that identifies it) */
const CODE_ARG: Record<string, { index: number; arity?: number }> = {
  notFound: { index: 1 },
  forbidden: { index: 1 },
  badInput: { index: 1 },
  conflict: { index: 1 },
  AppError: { index: 1 },
  sendError: { index: 2 },
  fail: { index: 2, arity: 4 }, // tilesHttp's fail(res, status, appCode, message); open311's fail has 3
  refuse: { index: 0 },
}

export interface CodeSite { code: string; file: string; how: string }

type Node = { type: string; [k: string]: unknown }

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) { for (const x of node) walk(x, visit); return }
  if (!node || typeof node !== 'object') return
  const n = node as Node
  if (typeof n.type === 'string') visit(n)
  for (const [k, v] of Object.entries(n)) if (k !== 'parent' && v && typeof v === 'object') walk(v, visit)
}

const literal = (n: unknown): string | null => {
  const x = n as Node | undefined
  if (x?.type === 'Literal' && typeof x.value === 'string') return x.value as string
  if (x?.type === 'TemplateLiteral' && (x.expressions as unknown[]).length === 0) return ((x.quasis as { value: { cooked: string } }[])[0]!.value.cooked)
  return null
}

const calleeName = (c: unknown): string | null => {
  const x = c as Node
  if (x.type === 'Identifier') return x.name as string
  if (x.type === 'MemberExpression' && (x.property as Node).type === 'Identifier') return (x.property as Node).name as string
  return null
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'generated' || e.name === 'node_modules' ? [] : tsFiles(p)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

export function serverAppCodes(serverDir: string): { sites: CodeSite[]; unreadable: CodeSite[] } {
  const sites: CodeSite[] = []
  const unreadable: CodeSite[] = []
  for (const file of tsFiles(serverDir)) {
    const src = fs.readFileSync(file, 'utf8')
    const ast = parseAst(src, { lang: 'ts' }, file)
    const rel = path.relative(serverDir, file)
    walk(ast, (n) => {
      if (n.type === 'CallExpression' || n.type === 'NewExpression') {
        const name = calleeName(n.callee)
        const spec = name ? CODE_ARG[name] : undefined
        const args = n.arguments as Node[]
        if (!spec || (spec.arity !== undefined && args.length !== spec.arity)) return
        if (name === 'AppError' && n.type !== 'NewExpression') return
        const arg = args[spec.index]
        if (!arg) return // the helper's default code: collected from its declaration below
        const code = literal(arg)
        if (code !== null) sites.push({ code, file: rel, how: `${name}()` })
        else {
          // forwarding a code made elsewhere (`appCode`, `e.appCode`, `result.code`) introduces none
          const expr = src.slice(arg.start as number, arg.end as number)
          if (!/^(\w+\.)*(appCode|code)$/.test(expr)) unreadable.push({ code: expr, file: rel, how: `${name}()` })
        }
      }
      // `appCode: 'X'` properties and `appCode = 'X'` parameter defaults
      if (n.type === 'Property' && (n.key as Node).type === 'Identifier' && (n.key as Node).name === 'appCode') {
        const code = literal(n.value)
        if (code !== null) sites.push({ code, file: rel, how: 'appCode:' })
      }
      if (n.type === 'AssignmentPattern' && (n.left as Node).type === 'Identifier' && (n.left as Node).name === 'appCode') {
        const code = literal(n.right)
        if (code !== null) sites.push({ code, file: rel, how: 'default' })
      }
    })
  }
  return { sites, unreadable }
}
