/**
 * axe-core in a Playwright page, for any browser test: `await axeViolations(page)` loads axe from
 * node_modules into the page (no network) and runs the WCAG 2.0/2.1 level A and AA rules on the whole document.
 * `formatViolations` turns the result into a readable message for an assertion.
 *
 * Nothing is excluded, MapLibre's maps included: its canvas is a named region (MapLibre's own
 * aria-label) and its controls carry labels, so axe finds nothing to leave out there (checked: the
 * coverage and planner maps pass with nothing excluded). The map's meaning in words is the app's
 * job: a text summary the map region points at (aria-describedby).
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'
import type { AxeResults, Result } from 'axe-core'

/** The WCAG 2 A/AA rule tags (the standard GridDuty holds to: WCAG 2.1 AA, which GB/T 37668 follows). */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const

/** axe-core's own build from node_modules (no network) */
const axeFile = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
let axeSource: string | null = null

export interface AxeOptions {
  /** CSS selectors to leave out (none by default; say why at the call site) */
  exclude?: readonly string[]
}

/** Injects axe-core (once per document) and returns the WCAG 2 A/AA violations on the page. */
export async function axeViolations(page: Page, opts: AxeOptions = {}): Promise<Result[]> {
  const has = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object')
  // GridDuty's CSP (script-src 'self') refuses an injected <script> (page.addScriptTag), rightly; the
  // DevTools protocol evaluates axe's file in the page instead, so the page keeps its real CSP.
  if (!has) await page.evaluate((axeSource ??= fs.readFileSync(axeFile, 'utf8')))
  const exclude = [...(opts.exclude ?? [])]
  const results = await page.evaluate(async ({ tags, exclude }) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<AxeResults> } }).axe
    const present = exclude.filter((s) => document.querySelector(s))
    const context = present.length ? { include: [document], exclude: present.map((s) => [s]) } : document
    return axe.run(context, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
  }, { tags: [...WCAG_TAGS], exclude })
  return results.violations
}

/** One line per violated rule and up to five offending nodes with axe's own explanation. */
export function formatViolations(where: string, violations: readonly Result[]): string {
  if (!violations.length) return `${where}: no violations`
  const lines = [`${where}: ${violations.length} rule(s) violated`]
  for (const v of violations) {
    lines.push(`- [${v.impact}] ${v.id} (${v.nodes.length} node(s)): ${v.help}`)
    for (const n of v.nodes.slice(0, 5)) {
      lines.push(`    ${n.target.join(' ')} — ${n.failureSummary?.replace(/\s+/g, ' ').slice(0, 240) ?? ''}`)
    }
  }
  return lines.join('\n')
}
