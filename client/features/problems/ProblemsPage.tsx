/**
 * 问题清单: filters (status, category, department, grid, overdue, date range, boundary, rebound),
 * a paginated list, CSV/XLSX export of the filtered list, the detail drawer, the report form and the
 * department measures (结案率, 按期结案率, 返工率, 延期率, 平均结案天数) for a period.
 * `#/problems?id=123` opens a problem's drawer directly (e.g. from the map).
 */
import { useEffect, useMemo, useState } from 'react'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useTRPC, type Me, type RouterInputs } from '../../api.ts'
import { ProblemDetail } from './ProblemDetail.tsx'
import { ReportProblemForm } from './ReportProblemForm.tsx'
import { useT } from '../../i18n.ts'
import { pct } from '../../../server/domain/vocabulary/format.ts'
import { PROBLEM_STATUSES } from '../../../server/domain/problem/status.ts'
import { statusColour } from '../../../server/domain/vocabulary/status.ts'
import { problemsText } from './text.ts'
import './problems.css'
import { formatDateTime, formatDeadline, startOfChinaDay, todayInChina } from '../../../server/domain/time.ts'
import { DatePicker } from '../../ui/DatePicker.tsx'
import { badgeColours } from '../../../server/domain/vocabulary/contrast.ts'

type Filters = Omit<RouterInputs['problem']['list'], 'cursor' | 'limit'>
type Tab = 'list' | 'report' | 'measures'

const PAGE = 30

function idFromHash(): number | null {
  const m = /[?&]id=(\d+)/.exec(window.location.hash)
  return m ? Number(m[1]) : null
}

/** "YYYY-MM-DD" (China) → ISO instant of that day's start in China. */
const dayStart = (d: string) => startOfChinaDay(d).toISOString()

export function ProblemsPage({ me }: { me: Me }) {
  const { t, status } = useT(problemsText)
  const trpc = useTRPC()
  const [tab, setTab] = useState<Tab>('list')
  const [filters, setFilters] = useState<Filters>({})
  const [fromDay, setFromDay] = useState('')
  const [toDay, setToDay] = useState('')
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined])
  const [openId, setOpenId] = useState<number | null>(idFromHash)

  useEffect(() => {
    const onHash = () => { const id = idFromHash(); if (id) setOpenId(id) }
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])

  const effective: Filters = useMemo(() => ({
    ...filters,
    from: fromDay ? dayStart(fromDay) : undefined,
    // the "to" day is included: the range ends at the start of the next day
    to: toDay ? new Date(new Date(dayStart(toDay)).getTime() + 86_400_000).toISOString() : undefined,
  }), [filters, fromDay, toDay])
  const page = cursors.length - 1
  const list = useQuery({ ...trpc.problem.list.queryOptions({ ...effective, cursor: cursors[page], limit: PAGE }), placeholderData: keepPreviousData })
  const categories = useQuery(trpc.problem.categories.queryOptions())
  const departments = useQuery({ ...trpc.department.list.queryOptions(), enabled: me.role !== 'department' })
  const grids = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))

  const set = (patch: Partial<Filters>) => { setFilters((f) => ({ ...f, ...patch })); setCursors([undefined]) }
  const exportHref = (format: 'csv' | 'xlsx') => {
    const qs = new URLSearchParams({ format })
    for (const [k, v] of Object.entries(effective)) if (v !== undefined && v !== false) qs.set(k, String(v))
    return `/api/problems/export?${qs}`
  }
  const myGrids = me.role === 'department' ? grids.data?.features.filter((f) => f.properties.holderDepartmentId === me.departmentId) : grids.data?.features

  return (
    <div className="pp-page" data-testid="problems-page">
      <div className="pp-tabs segmented" role="tablist">
        {(['list', 'report', 'measures'] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={tab === k} className={tab === k ? 'active' : ''} onClick={() => setTab(k)} data-testid={`tab-${k}`}>
            {t(k === 'list' ? 'p.title' : k === 'report' ? 'p.report' : 'p.measures')}
          </button>
        ))}
      </div>

      {tab === 'list' && (
        <>
          <section className="card pp-filters" aria-label={t('p.filters')}>
            <label>{t('p.status')}
              <select value={filters.status ?? ''} onChange={(e) => set({ status: (e.target.value || undefined) as Filters['status'] })} data-testid="filter-status">
                <option value="">{t('p.all')}</option>
                {PROBLEM_STATUSES.map((s) => <option key={s} value={s}>{status('problem', s)}</option>)}
              </select>
            </label>
            <label>{t('p.category')}
              <select value={filters.categoryCode ?? ''} onChange={(e) => set({ categoryCode: e.target.value || undefined })}>
                <option value="">{t('p.all')}</option>
                {categories.data?.map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}
              </select>
            </label>
            {me.role !== 'department' && (
              <label>{t('p.department')}
                <select value={filters.departmentId ?? ''} onChange={(e) => set({ departmentId: e.target.value ? Number(e.target.value) : undefined })}>
                  <option value="">{t('p.all')}</option>
                  {departments.data?.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
                </select>
              </label>
            )}
            <label>{t('p.grid')}
              <select value={filters.gridId ?? ''} onChange={(e) => set({ gridId: e.target.value ? Number(e.target.value) : undefined })}>
                <option value="">{t('p.all')}</option>
                {myGrids?.map((f) => <option key={f.properties.id} value={f.properties.id}>{f.properties.name}</option>)}
              </select>
            </label>
            <label>{t('p.from')}<DatePicker clearable value={fromDay} onChange={(v) => { setFromDay(v); setCursors([undefined]) }} /></label>
            <label>{t('p.to')}<DatePicker clearable value={toDay} onChange={(v) => { setToDay(v); setCursors([undefined]) }} /></label>
            {(['open', 'overdue', 'boundary', 'rebound'] as const).map((k) => (
              <label key={k} className="check">
                <input type="checkbox" checked={filters[k] ?? false} onChange={(e) => set({ [k]: e.target.checked || undefined })} data-testid={`filter-${k}`} /> {t(`p.${k}`)}
              </label>
            ))}
            <button type="button" className="btn-quiet" onClick={() => { setFilters({}); setFromDay(''); setToDay(''); setCursors([undefined]) }}>{t('p.reset')}</button>
            <span className="pp-export">
              {t('p.export')}: <a className="btn-quiet" href={exportHref('csv')} download data-testid="export-csv">CSV</a>
              <a className="btn-quiet" href={exportHref('xlsx')} download data-testid="export-xlsx">Excel</a>
            </span>
          </section>

          <section className="card">
            <div className="row">
              <b data-testid="problems-total">{list.data ? t('p.total', { n: list.data.total }) : t('p.loading')}</b>
              <span className="muted">{t('p.page', { n: page + 1 })}</span>
              <button type="button" className="btn-quiet" disabled={page === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>{t('p.prev')}</button>
              <button type="button" className="btn-quiet" disabled={!list.data?.nextCursor} onClick={() => setCursors((c) => [...c, list.data!.nextCursor!])} data-testid="page-next">{t('p.next')}</button>
            </div>
            {list.data && list.data.items.length === 0 && <p className="muted">{t('p.none')}</p>}
            <ul className="pp-cards" data-testid="problems-list">
              {list.data?.items.map((p) => (
                <li key={p.id}>
                  <button type="button" className="pp-item" onClick={() => setOpenId(p.id)} data-testid={`problem-${p.id}`}>
                    <span className="pp-item-head">
                      <b>#{p.id}</b>
                      <span className="chip" style={badgeColours(statusColour('problem', p.status))}>{status('problem', p.status)}</span>
                      <span>{p.categoryName}</span>
                      {p.overdue && <span className="pp-tag bad">{t('flag.overdue')}</span>}
                      {p.priority === 'urgent' && <span className="pp-tag bad">{t('flag.urgent')}</span>}
                      {p.boundaryGridIds.length > 0 && <span className="pp-tag">{t('flag.boundary')}</span>}
                      {p.reboundOfId !== null && <span className="pp-tag">{t('flag.rebound')}</span>}
                      {p.reworkCount > 0 && <span className="pp-tag">{t('flag.rework', { n: p.reworkCount })}</span>}
                      {p.extensionCount > 0 && <span className="pp-tag">{t('flag.extended', { n: p.extensionCount })}</span>}
                    </span>
                    <span className="pp-item-desc">{p.description}</span>
                    <span className="muted small">{p.gridName ?? '—'} · {p.departmentName ?? '—'} · {formatDateTime(p.reportedAt)} · {t('col.deadline')} {formatDeadline(p.deadline, true)}</span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        </>
      )}

      {tab === 'report' && <ReportProblemForm onCreated={(id) => { setTab('list'); setCursors([undefined]); setOpenId(id) }} onOpen={setOpenId} />}
      {tab === 'measures' && <Measures />}

      {openId !== null && (
        <>
          <div className="pp-backdrop" onClick={() => setOpenId(null)} />
          <ProblemDetail id={openId} me={me} onClose={() => setOpenId(null)} />
        </>
      )}
    </div>
  )
}

function Measures() {
  const { t } = useT(problemsText)
  const trpc = useTRPC()
  const today = todayInChina()
  const [from, setFrom] = useState(`${today.slice(0, 7)}-01`)
  const [to, setTo] = useState(today)
  const [by, setBy] = useState<'department' | 'grid'>('department')
  const valid = from !== '' && to !== '' && from <= to
  const q = useQuery({
    ...trpc.problem.measures.queryOptions({ from: dayStart(from || today), to: new Date(new Date(dayStart(to || today)).getTime() + 86_400_000).toISOString(), by }),
    enabled: valid,
  })
  return (
    <section className="card" data-testid="measures">
      <h2>{t('m.title')}</h2>
      <div className="row">
        <label>{t('p.from')}<DatePicker clearable value={from} onChange={setFrom} /></label>
        <label>{t('p.to')}<DatePicker clearable value={to} onChange={setTo} /></label>
        <label>{t('m.by')}
          <select value={by} onChange={(e) => setBy(e.target.value as 'department' | 'grid')}>
            <option value="department">{t('m.by.department')}</option>
            <option value="grid">{t('m.by.grid')}</option>
          </select>
        </label>
      </div>
      <div className="table-wrap" tabIndex={0}>
        <table className="data-table">
          <thead><tr>
            <th>{t('m.name')}</th><th>{t('m.total')}</th><th>{t('m.closed')}</th><th>{t('m.open')}</th><th>{t('m.overdue')}</th>
            <th>{t('m.closureRate')}</th><th>{t('m.onTimeRate')}</th><th>{t('m.reworkRate')}</th><th>{t('m.extensionRate')}</th><th>{t('m.avgDays')}</th>
          </tr></thead>
          <tbody>
            {q.data?.map((m) => (
              <tr key={String(m.key)}>
                <td>{m.name}</td><td className="num">{m.total}</td><td className="num">{m.closed}</td><td className="num">{m.open}</td>
                <td className={`num${m.overdue ? ' bad' : ''}`}>{m.overdue}</td><td className="num">{pct(m.closureRate)}</td><td className="num">{pct(m.onTimeRate)}</td>
                <td className="num">{pct(m.reworkRate)}</td><td className="num">{pct(m.extensionRate)}</td>
                <td className="num">{m.avgDaysToClose === null ? '—' : m.avgDaysToClose.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
