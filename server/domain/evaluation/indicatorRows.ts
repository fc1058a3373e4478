/**
 * Indicator rows of an imported task list (CSV/spreadsheet) → indicator drafts. Pure. Header names
 * may be Chinese or English. List cells are separated by 、 ， , ； ; or |; milestones are
 * "YYYY-MM-DD 标题" items; departments are names, staff "姓名" items.
 */
export interface IndicatorDraft {
  code: string
  name: string
  standard: string
  points: number
  siteTypes: string[]
  leadLeader: string
  task: string
  departments: { name: string; role: 'lead' | 'assist'; staff: string }[]
  milestones: { title: string; dueDate: string }[]
}

export type IndicatorRow = { row: number; ok: true; draft: IndicatorDraft } | { row: number; ok: false; message: string }

const COLUMNS: Record<string, RegExp> = {
  code: /^(编号|指标编号|code)$/i,
  name: /^(名称|指标|指标名称|name)$/i,
  standard: /^(标准|测评标准|standard)$/i,
  points: /^(分值|分数|points)$/i,
  siteTypes: /^(点位类型|测评点位|site ?types?)$/i,
  leadLeader: /^(牵头领导|领导|包抓领导|lead ?leader)$/i,
  task: /^(任务|工作任务|task)$/i,
  departments: /^(责任单位|责任部门|牵头单位|departments?)$/i,
  assist: /^(配合单位|协办单位|assist)$/i,
  staff: /^(责任人|人员|staff)$/i,
  milestones: /^(进度|节点|时间节点|milestones?)$/i,
}

const split = (s: string) => s.split(/[、，,；;|\n]/).map((x) => x.trim()).filter(Boolean)

export function parseIndicatorRows(header: readonly string[], rows: readonly (readonly string[])[]): IndicatorRow[] {
  const col: Record<string, number> = {}
  header.forEach((h, i) => {
    for (const [k, re] of Object.entries(COLUMNS)) if (col[k] === undefined && re.test(h.trim())) { col[k] = i; break }
  })
  const get = (r: readonly string[], k: string) => (col[k] === undefined ? '' : String(r[col[k]!] ?? '').trim())
  return rows.map((r, i) => {
    const row = i + 2
    const code = get(r, 'code')
    const name = get(r, 'name')
    if (!code || !name) return { row, ok: false, message: '缺少指标编号或名称' }
    const points = Number(get(r, 'points'))
    if (!Number.isFinite(points) || points < 0 || points > 1000) return { row, ok: false, message: '分值应为 0–1000 的数字' }
    const milestones: IndicatorDraft['milestones'] = []
    for (const item of split(get(r, 'milestones'))) {
      const m = /^(\d{4}-\d{2}-\d{2})\s*(.+)$/.exec(item)
      if (!m) return { row, ok: false, message: `进度节点“${item}”应为“YYYY-MM-DD 标题”` }
      milestones.push({ dueDate: m[1]!, title: m[2]!.trim() })
    }
    const staff = split(get(r, 'staff')).join('、')
    const departments = [
      ...split(get(r, 'departments')).map((name, k) => ({ name, role: 'lead' as const, staff: k === 0 ? staff : '' })),
      ...split(get(r, 'assist')).map((name) => ({ name, role: 'assist' as const, staff: '' })),
    ]
    if (departments.length === 0) return { row, ok: false, message: '缺少责任单位' }
    return {
      row, ok: true,
      draft: {
        code, name, standard: get(r, 'standard'), points, siteTypes: split(get(r, 'siteTypes')),
        leadLeader: get(r, 'leadLeader'), task: get(r, 'task'), departments, milestones,
      },
    }
  })
}
