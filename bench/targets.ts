/**
 * The targets of issue 14, one row each: what was measured, the goal, PASS/FAIL. Every section of
 * `npm run bench` records its rows here (ratios measured side by side in the same run); run.ts prints
 * them as one table and writes them to bench/results/<date>.json under `targets`.
 */
export interface TargetRow {
  /** the bench section that measured it, e.g. "overhead", "coverage", "tiles", "import", "index", "phone" */
  section: string
  /** what, in words: "auth.me ÷ /healthz throughput (SQLite)" */
  name: string
  /** the measured value, in `unit` */
  measured: number
  /** the goal, in `unit` */
  goal: number
  /** how measured compares to goal: "≥" means measured must be at least goal */
  compare: '≥' | '≤'
  /** "×", "%", "ms", "req/s", "rows/s", "MB", "KB", "s" */
  unit: string
  /** anything a reader needs to judge the figure (the baseline, the load) */
  note?: string
}

export interface TargetResult extends TargetRow { pass: boolean }

const rows: TargetResult[] = []

export function recordTarget(row: TargetRow): TargetResult {
  const pass = Number.isFinite(row.measured) && (row.compare === '≥' ? row.measured >= row.goal : row.measured <= row.goal)
  const r = { ...row, pass }
  rows.push(r)
  return r
}

export function recordedTargets(): readonly TargetResult[] {
  return rows
}

const num = (n: number) => (!Number.isFinite(n) ? String(n) : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2))

export function formatTargets(list: readonly TargetResult[] = rows): string {
  if (!list.length) return ''
  const out = ['| section | target | measured | goal | result | note |', '|---|---|---|---|---|---|']
  for (const r of list) out.push(`| ${r.section} | ${r.name} | ${num(r.measured)} ${r.unit} | ${r.compare} ${num(r.goal)} ${r.unit} | ${r.pass ? 'PASS' : '**FAIL**'} | ${r.note ?? ''} |`)
  const passed = list.filter((r) => r.pass).length
  out.push('', `${passed} of ${list.length} targets met.`)
  return out.join('\n')
}
