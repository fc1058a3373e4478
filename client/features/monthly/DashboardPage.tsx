/**
 * 领导看板: department ranking for a month or a range (sortable), the 12-month trend, a drill-down
 * from any number to the grids or records behind it, the inspections not on site, and the coverage
 * coloured by status / open / overdue / days since the last on-site inspection.
 */
import { useMemo, useState } from 'react'
import { keepPreviousData, skipToken, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me, type RouterInputs, type RouterOutputs } from '../../api.ts'
import { addMonths, formatDate, formatDeadline, monthOf } from '../../../server/domain/time.ts'
import { CoverageSvg } from './CoverageSvg.tsx'
import { TrendChart } from './TrendChart.tsx'
import { useT, type KeyOf } from '../../i18n.ts'
import { pct } from '../../../server/domain/vocabulary/format.ts'
import { PALETTE } from '../../../server/domain/vocabulary/palette.ts'
import { GRID_MONTH_STATUSES, gridMonthKey, statusColour } from '../../../server/domain/vocabulary/status.ts'
import { monthlyText } from './text.ts'
import { patrolText } from './patrolText.ts'
import { DistrictSelect } from '../../ui/DistrictSelect.tsx'
import './monthly.css'

type Row = RouterOutputs['stats']['departmentRanking']['rows'][number]
type Measure = RouterInputs['stats']['drillDown']['measure']
type ColourBy = RouterInputs['stats']['coverage']['colourBy']
type SortKey = 'rank' | 'departmentName' | 'gridMonths' | 'inspectedOnSite' | 'unverified' | 'coverage' | 'missed' | 'meetingsHeld' | 'closed' | 'onTimeRate' | 'overdue' | 'coordOpen' | 'coordOverdue' | 'returns' | 'returnsRejected'

const COLUMNS: { key: SortKey; label: KeyOf<typeof monthlyText>; measure?: Measure; fmt?: (r: Row) => string }[] = [
  { key: 'rank', label: 'col.rank' },
  { key: 'departmentName', label: 'col.department' },
  { key: 'gridMonths', label: 'col.gridMonths', measure: 'gridMonths' },
  { key: 'inspectedOnSite', label: 'col.inspectedOnSite', measure: 'inspectedOnSite' },
  { key: 'unverified', label: 'col.unverified', measure: 'notOnSite' },
  { key: 'coverage', label: 'col.coverage', fmt: (r) => pct(r.coverage) },
  { key: 'missed', label: 'col.missed', measure: 'missed' },
  { key: 'meetingsHeld', label: 'col.meetings', measure: 'meetings', fmt: (r) => `${r.meetingsHeld}/${r.months}` },
  { key: 'closed', label: 'col.closed', measure: 'closed' },
  { key: 'onTimeRate', label: 'col.onTimeRate', measure: 'closedLate', fmt: (r) => pct(r.onTimeRate) },
  { key: 'overdue', label: 'col.overdue', measure: 'overdue' },
  // responsibility matrix (docs/routing.md): coordination as the grid holder, 退单 and rulings against
  { key: 'coordOpen', label: 'col.coordOpen', fmt: (r) => `${r.coordOpen}/${r.coordTotal}` },
  { key: 'coordOverdue', label: 'col.coordOverdue' },
  { key: 'returns', label: 'col.returns', fmt: (r) => `${r.returns}（${pct(r.returnRate)}）` },
  { key: 'returnsRejected', label: 'col.returnsRejected' },
]

/** A sequential colour for a number between 0 and max. */
function ramp(v: number | null, max: number): string {
  if (v === null) return '#bdbdbd'
  const x = max > 0 ? Math.min(1, v / max) : 0
  const c = (a: number, b: number) => Math.round(a + (b - a) * x)
  return `rgb(${c(255, 183)},${c(236, 28)},${c(179, 28)})`
}

export function DashboardPage(_: { me: Me }) {
  const { t, status, errorText } = useT(monthlyText)
  const patrolT = useT(patrolText).t
  const trpc = useTRPC()
  const thisMonth = monthOf(new Date())
  const [from, setFrom] = useState(thisMonth)
  const [to, setTo] = useState(thisMonth)
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'rank', desc: false })
  const [drill, setDrill] = useState<{ measure: Measure; departmentId?: number; label: string } | null>(null)
  const [colourBy, setColourBy] = useState<ColourBy>('status')
  const months = useMemo(() => Array.from({ length: 24 }, (_, i) => addMonths(thisMonth, -i)), [thisMonth])
  // the district filter: the ranking, trend, map and drill-down for one district (server-side)
  const [districtId, setDistrictId] = useState<number | null>(null)
  const area = districtId === null ? {} : { districtId }
  const range = { ...(from <= to ? { from, to } : { from: to, to: from }), ...area }

  const ranking = useQuery(trpc.stats.departmentRanking.queryOptions(range, { placeholderData: keepPreviousData }))
  const trend = useQuery(trpc.stats.trend.queryOptions({ months: 12, ...area }))
  const notOnSite = useQuery(trpc.inspection.notOnSite.queryOptions({ month: to }))
  // 补录 approval (leaders): audited on the server; only then can the late entry count as done
  const queryClient = useQueryClient()
  const approveLate = useMutation(trpc.inspection.approveLate.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }))
  const coverage = useQuery(trpc.stats.coverage.queryOptions({ month: to, colourBy, ...area }, { placeholderData: keepPreviousData }))
  const geometry = useQuery(trpc.grid.list.queryOptions({ level: 'community', month: to, ...area }))
  const details = useQuery(trpc.stats.drillDown.queryOptions(drill ? { ...range, measure: drill.measure, departmentId: drill.departmentId } : skipToken))

  const rows = useMemo(() => {
    const list = [...(ranking.data?.rows ?? [])]
    list.sort((a, b) => {
      const x = a[sort.key], y = b[sort.key]
      const d = typeof x === 'string' && typeof y === 'string' ? x.localeCompare(y, 'zh-CN') : ((x as number | null) ?? -1) - ((y as number | null) ?? -1)
      return sort.desc ? -d : d
    })
    return list
  }, [ranking.data, sort])

  const svgGrids = useMemo(() => {
    const values = new Map(coverage.data?.grids.map((g) => [g.gridId, g]) ?? [])
    return (geometry.data?.features ?? []).map((f) => {
      const v = values.get(f.properties.id)
      const fill = !v ? PALETTE.paper : colourBy === 'status' ? statusColour('gridMonth', String(v.value))
        : ramp(typeof v.value === 'number' ? v.value : null, coverage.data?.max ?? 0)
      return { id: f.properties.id, name: f.properties.name, geometry: f.geometry, fill, label: f.properties.labelPoint, legend: v && colourBy === 'status' ? status('gridMonth', String(v.value)) : undefined, title: `${f.properties.name}（${f.properties.holderDepartment ?? status('gridMonth', 'unheld')}）：${v ? (colourBy === 'status' ? status('gridMonth', String(v.value)) : v.value ?? '—') : ''}`, state: v && colourBy === 'status' ? String(v.value) : undefined }
    })
  }, [coverage.data, geometry.data, colourBy, t])
  // the map's text alternative when it shows a quantity: the grids with the highest values
  const svgSummary = useMemo(() => {
    if (colourBy === 'status' || colourBy === undefined) return undefined
    const names = new Map((geometry.data?.features ?? []).map((f) => [f.properties.id, f.properties.name]))
    const top = (coverage.data?.grids ?? []).filter((g) => typeof g.value === 'number' && g.value > 0)
      .sort((a, b) => (b.value as number) - (a.value as number)).slice(0, 3)
      .map((g) => `${names.get(g.gridId) ?? g.gridId} ${g.value}`)
    const what = t(`colour.${colourBy}`), n = svgGrids.length
    return top.length ? t('svg.top', { what, n, top: top.join(t('svg.sep')) }) : t('svg.none', { what, n })
  }, [coverage.data, geometry.data, colourBy, svgGrids.length, t])

  const open = (measure: Measure, label: string, departmentId?: number) => setDrill({ measure, departmentId, label })

  return (
    <main className="monthly-page dashboard" data-testid="dashboard">
      <h1>{t('dash.title')}</h1>
      <div className="dash-controls card">
        <label>{t('dash.from')} <select value={from} onChange={(e) => setFrom(e.target.value)} data-testid="dash-from">{months.map((m) => <option key={m}>{m}</option>)}</select></label>
        <label>{t('dash.to')} <select value={to} onChange={(e) => setTo(e.target.value)} data-testid="dash-to">{months.map((m) => <option key={m}>{m}</option>)}</select></label>
        <DistrictSelect value={districtId} onChange={(id) => { setDistrictId(id); setDrill(null) }} testId="dash-district" />
      </div>

      <section className="card">
        <h2>{t('dash.ranking')} <span className="muted small">{range.from} – {range.to}</span></h2>
        {ranking.isError && <p className="form-error">{errorText(ranking.error)}</p>}
        <div className="table-wrap" tabIndex={0}>
          <table className="data-table" data-testid="ranking-table">
            <thead><tr>{COLUMNS.map((c) => (
              <th key={c.key} className="sortable" onClick={() => setSort((s) => ({ key: c.key, desc: s.key === c.key ? !s.desc : c.key !== 'rank' && c.key !== 'departmentName' && c.key !== 'overdue' && c.key !== 'missed' }))}>
                {t(c.label)}{sort.key === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
              </th>))}</tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.departmentId} data-testid="ranking-row">
                  {COLUMNS.map((c) => {
                    const text = c.fmt ? c.fmt(r) : String(r[c.key] ?? '—')
                    return <td key={c.key} className={c.key === 'departmentName' ? '' : 'num'}>
                      {c.measure ? <button type="button" className="link" onClick={() => open(c.measure!, `${r.departmentName} · ${t(c.label)}`, r.departmentId)}>{text}</button> : text}
                    </td>
                  })}
                </tr>
              ))}
              {ranking.data && (
                <tr className="totals">
                  <td></td><td><b>合计</b></td>
                  <td className="num">{ranking.data.totals.gridMonths}</td><td className="num">{ranking.data.totals.inspectedOnSite}</td>
                  <td className="num"><button type="button" className="link" onClick={() => open('notOnSite', t('col.unverified'))}>{ranking.data.totals.unverified}</button></td>
                  <td className="num">{pct(ranking.data.totals.coverage)}</td>
                  <td className="num"><button type="button" className="link" onClick={() => open('missed', t('col.missed'))}>{ranking.data.totals.missed}</button></td>
                  <td className="num">{ranking.data.totals.meetingsHeld}</td><td className="num">{ranking.data.totals.closed}</td>
                  <td className="num">{pct(ranking.data.totals.onTimeRate)}</td>
                  <td className="num"><button type="button" className="link" onClick={() => open('overdue', t('col.overdue'))}>{ranking.data.totals.overdue}</button></td>
                  <td className="num">{ranking.data.totals.coordOpen}/{ranking.data.totals.coordTotal}</td><td className="num">{ranking.data.totals.coordOverdue}</td>
                  <td className="num">{ranking.data.totals.returns}（{pct(ranking.data.totals.returnRate)}）</td><td className="num">{ranking.data.totals.returnsRejected}</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </section>

      {drill && (
        <section className="card" data-testid="drill">
          <h2>{t('dash.drill')}：{drill.label} <button type="button" className="btn-quiet" onClick={() => setDrill(null)}>{t('dash.close')}</button></h2>
          {details.isPending ? <p className="muted">{t('common.loading')}</p> : details.data && (
            <div className="table-wrap" tabIndex={0}><table className="data-table">
              {details.data.kind === 'grids' && <>
                <thead><tr><th>{t('col.month')}</th><th>{t('col.grid')}</th><th>{t('col.department')}</th><th>{t('col.status')}</th><th>{patrolT('patrol.col')}</th></tr></thead>
                <tbody>{details.data.rows.map((r) => <tr key={`${r.gridId}-${r.month}`}><td>{r.month}</td><td>{r.gridName}</td><td>{r.departmentName}</td><td>{status('gridMonth', gridMonthKey(r.status))}</td><td className="num" data-testid="drill-patrol">{pct(r.patrolCoverage)}</td></tr>)}</tbody>
              </>}
              {details.data.kind === 'meetings' && <>
                <thead><tr><th>{t('col.date')}</th><th>{t('col.department')}</th><th>{t('col.topics')}</th></tr></thead>
                <tbody>{details.data.rows.map((r) => <tr key={r.id}><td>{formatDate(r.date)}</td><td>{r.departmentName}</td><td>{r.topics}</td></tr>)}</tbody>
              </>}
              {details.data.kind === 'problems' && <>
                <thead><tr><th>#</th><th>{t('col.grid')}</th><th>{t('col.category')}</th><th>{t('col.description')}</th><th>{t('col.deadline')}</th></tr></thead>
                <tbody>{details.data.rows.map((r) => <tr key={r.id}><td>{r.id}</td><td>{r.gridName}</td><td>{r.categoryName}</td><td>{r.description}</td><td>{formatDeadline(r.deadline)}</td></tr>)}</tbody>
              </>}
            </table></div>
          )}
        </section>
      )}

      <section className="card">
        <h2>{t('dash.trend')}</h2>
        {trend.data && <TrendChart data={trend.data} onPickMonth={(m) => { setFrom(m); setTo(m) }} />}
      </section>

      <section className="card">
        <h2>{t('dash.colourBy')} <span className="muted small">{to}</span></h2>
        <div className="segmented small no-print" role="radiogroup" aria-label={t('dash.colourBy')}>
          {(['status', 'open', 'overdue', 'daysSinceInspection'] as const).map((c) => (
            <button key={c} type="button" role="radio" aria-checked={colourBy === c} className={colourBy === c ? 'on' : ''} onClick={() => setColourBy(c)} data-testid={`colour-${c}`}>{t(`colour.${c}`)}</button>
          ))}
        </div>
        {colourBy === 'status'
          ? <div className="legend-row">{GRID_MONTH_STATUSES.map((s) => <span key={s}><i style={{ background: statusColour('gridMonth', s) }} />{status('gridMonth', s)}</span>)}</div>
          : <div className="legend-row"><span><i style={{ background: ramp(0, 1) }} />0</span><span><i style={{ background: ramp(1, 1) }} />{coverage.data?.max ?? ''}</span><span><i style={{ background: '#bdbdbd' }} />—</span></div>}
        <CoverageSvg grids={svgGrids} testId="dash-map" showLegend={false} summary={svgSummary} caption={`${to} ${t('dash.colourBy')}：${t(`colour.${colourBy ?? 'status'}`)}`} />
      </section>

      <section className="card">
        <h2>{t('dash.notOnSite')} <span className="muted small">{to}</span></h2>
        <div className="table-wrap" tabIndex={0}><table className="data-table" data-testid="not-on-site">
          <thead><tr><th>{t('col.date')}</th><th>{t('col.grid')}</th><th>{t('col.department')}</th><th>{t('col.inspector')}</th><th>{t('col.reason')}</th><th>{t('col.distance')}</th></tr></thead>
          <tbody>{(notOnSite.data ?? []).map((i) => (
            <tr key={i.id}><td>{formatDate(i.date)}</td><td>{i.gridName}</td><td>{i.departmentName}</td><td>{i.inspector}</td><td>{t(`reason.${i.reason}`)}{i.late && !i.late.approvedAt ? <> <span className="small muted">{i.late.reason}</span> <button type="button" className="btn-quiet" disabled={approveLate.isPending} onClick={() => approveLate.mutate({ id: i.id, note: '' })} data-testid="approve-late">{t('dash.approveLate')}</button></> : null}</td><td className="num">{i.distanceOutside ?? '—'}</td></tr>
          ))}</tbody>
        </table></div>
      </section>
    </main>
  )
}
