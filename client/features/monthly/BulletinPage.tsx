/**
 * 检查通报: the month's bulletin as a printable page (@media print in monthly.css; the browser's
 * "save as PDF" gives the PDF) with an Excel download and a static SVG map of the coverage.
 */
import { useMemo, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me } from '../../api.ts'
import { addMonths, formatDate, formatDateTime, formatDeadline, monthOf } from '../../../server/domain/time.ts'
import { CoverageSvg } from './CoverageSvg.tsx'
import { useT } from '../../i18n.ts'
import { pct } from '../../../server/domain/vocabulary/format.ts'
import { GRID_MONTH_STATUSES, gridMonthKey, statusColour } from '../../../server/domain/vocabulary/status.ts'
import { monthlyText } from './text.ts'
import { DistrictSelect } from '../../ui/DistrictSelect.tsx'
import './monthly.css'

export function BulletinPage({ me }: { me: Me }) {
  const { t, status, errorText } = useT(monthlyText)
  const trpc = useTRPC()
  const thisMonth = monthOf(new Date())
  const [month, setMonth] = useState(addMonths(thisMonth, -1))
  const months = useMemo(() => Array.from({ length: 24 }, (_, i) => addMonths(thisMonth, -i)), [thisMonth])
  // the district filter: the bulletin (and its Excel) for one district, or the whole city
  const [districtId, setDistrictId] = useState<number | null>(null)
  const area = districtId === null ? {} : { districtId }
  const report = useQuery(trpc.report.monthlyBulletin.queryOptions({ month, format: 'json', ...area }))
  const grids = useQuery(trpc.grid.list.queryOptions({ level: 'community', month, ...area }))
  const queryClient = useQueryClient()
  const publish = useMutation(trpc.report.publishBulletin.mutationOptions({ onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.report.monthlyBulletin.queryKey() }) }))
  const b = report.data?.format === 'json' ? report.data.bulletin : null
  // the map shows the bulletin's own states (frozen once published); grid.list only gives the shapes
  const svg = useMemo(() => {
    const state = new Map((b?.grids ?? []).map((g) => [g.gridId, gridMonthKey(g.state, g.held)]))
    return (grids.data?.features ?? []).map((f) => {
      const s = state.get(f.properties.id) ?? gridMonthKey(f.properties.inspectionStatus, f.properties.holderDepartmentId !== null)
      return { id: f.properties.id, name: f.properties.name, geometry: f.geometry, fill: statusColour('gridMonth', s), title: `${f.properties.name}：${status('gridMonth', s)}`, state: s, label: f.properties.labelPoint, legend: status('gridMonth', s) }
    })
  }, [grids.data, b, t])
  const canPublish = (me.role === 'leader' || me.role === 'admin') && month < thisMonth

  return (
    <main className="monthly-page bulletin" data-testid="bulletin">
      <div className="dash-controls no-print">
        <label>{t('common.month')} <select value={month} onChange={(e) => setMonth(e.target.value)} data-testid="bulletin-month">{months.map((m) => <option key={m}>{m}</option>)}</select></label>
        <button type="button" className="btn-primary" onClick={() => window.print()}>{t('bul.print')}</button>
        <DistrictSelect value={districtId} onChange={setDistrictId} testId="bulletin-district" />
        <a className="btn-quiet" href={`/api/report/bulletin?month=${month}&format=xlsx${districtId === null ? '' : `&districtId=${districtId}`}`} download data-testid="bulletin-excel">{t('bul.excel')}</a>
      </div>
      {report.isError && <p className="form-error">{errorText(report.error)}</p>}
      {!b ? <p className="muted">{t('common.loading')}</p> : (
        <>
          <h1>{t('bul.title')}（{b.area ? `${b.area.name} · ` : ''}{b.month}）</h1>
          <p className={b.published ? 'notice' : 'muted'} data-testid="bulletin-published" data-published={b.published ? 'yes' : 'no'}>
            {b.published ? t('bul.published', { at: formatDateTime(b.published.at), by: b.published.byName ?? '' }) : t('bul.unpublished')}
            {!b.published && canPublish && (
              <button type="button" className="btn-quiet no-print" data-testid="bulletin-publish" disabled={publish.isPending}
                onClick={() => { if (window.confirm(t('bul.publishConfirm'))) publish.mutate({ month }) }}>{publish.isPending ? t('bul.publishing') : t('bul.publish')}</button>
            )}
          </p>
          {publish.isError && <p className="form-error">{errorText(publish.error)}</p>}
          <section className="card">
            <h2>{t('bul.summary')}</h2>
            <p className="lead" data-testid="bulletin-lead">{t('bul.lead', {
              month: b.month, grids: b.summary.grids, held: b.summary.held, done: b.summary.done, unverified: b.summary.unverified, missed: b.summary.missed, pending: b.summary.pending,
              coverage: pct(b.summary.coverage), notOnSite: b.summary.notOnSite, meetings: b.summary.meetingsHeld, departments: b.summary.departments,
              overdue: b.summary.overdue, onTime: pct(b.summary.onTimeRate),
            })}</p>
            {b.summary.departmentsWithoutMeeting.length > 0 && <p className="lead">{t('bul.noMeeting', { list: b.summary.departmentsWithoutMeeting.join('、') })}</p>}
          </section>
          <section className="card">
            <h2>{t('bul.map')}</h2>
            <div className="legend-row">{GRID_MONTH_STATUSES.map((s) => <span key={s}><i style={{ background: statusColour('gridMonth', s) }} />{status('gridMonth', s)}</span>)}</div>
            <CoverageSvg grids={svg} width={640} testId="bulletin-map" statusMonth={month} />
          </section>
          <section className="card">
            <h2>{t('dash.ranking')}</h2>
            <table className="data-table">
              <thead><tr><th>{t('col.rank')}</th><th>{t('col.department')}</th><th>{t('col.gridMonths')}</th><th>{t('col.inspectedOnSite')}</th><th>{t('col.unverified')}</th><th>{t('col.coverage')}</th><th>{t('col.missed')}</th><th>{t('col.meetings')}</th><th>{t('col.onTimeRate')}</th><th>{t('col.overdue')}</th><th>{t('col.coordOpen')}</th><th>{t('col.coordOverdue')}</th><th>{t('col.returns')}</th><th>{t('col.returnsRejected')}</th></tr></thead>
              <tbody>{b.ranking.map((r) => (
                <tr key={r.departmentId}><td>{r.rank}</td><td>{r.departmentName}</td><td className="num">{r.gridMonths}</td><td className="num">{r.inspectedOnSite}</td><td className="num">{r.unverified}</td><td className="num">{pct(r.coverage)}</td><td className="num">{r.missed}</td><td className="num">{r.meetingsHeld}</td><td className="num">{pct(r.onTimeRate)}</td><td className="num">{r.overdue}</td><td className="num">{r.coordOpen ?? 0}/{r.coordTotal ?? 0}</td><td className="num">{r.coordOverdue ?? 0}</td><td className="num">{r.returns ?? 0}（{pct(r.returnRate ?? null)}）</td><td className="num">{r.returnsRejected ?? 0}</td></tr>
              ))}</tbody>
            </table>
          </section>
          <section className="card">
            <h2>{t('bul.missedGrids')}</h2>
            {b.missedGrids.length === 0 ? <p>{t('bul.none')}</p> : (
              <table className="data-table"><thead><tr><th>{t('col.grid')}</th><th>{t('col.status')}</th><th>{t('col.department')}</th></tr></thead>
                <tbody>{b.missedGrids.map((g) => <tr key={g.gridId}><td>{g.name}</td><td>{status('gridMonth', g.status)}</td><td>{g.departmentName}</td></tr>)}</tbody></table>
            )}
          </section>
          <section className="card">
            <h2>{t('dash.notOnSite')}</h2>
            {b.notOnSite.length === 0 ? <p>{t('bul.none')}</p> : (
              <table className="data-table"><thead><tr><th>{t('col.date')}</th><th>{t('col.grid')}</th><th>{t('col.department')}</th><th>{t('col.reason')}</th><th>{t('col.distance')}</th></tr></thead>
                <tbody>{b.notOnSite.map((i) => <tr key={i.id}><td>{formatDate(i.date)}</td><td>{i.gridName}</td><td>{i.departmentName}</td><td>{(i.reasons ?? [i.reason]).map((r) => t(`reason.${r}`)).join('、')}</td><td className="num">{i.distanceOutside ?? '—'}</td></tr>)}</tbody></table>
            )}
          </section>
          {b.published && (
            <section className="card" data-testid="bulletin-corrections">
              <h2>{t('bul.corrections')}</h2>
              {b.corrections.length === 0 ? <p>{t('bul.none')}</p> : (
                <table className="data-table"><thead><tr><th>{t('col.grid')}</th><th>{t('col.was')}</th><th>{t('col.now')}</th><th>{t('col.recordedAt')}</th></tr></thead>
                  <tbody>{b.corrections.map((c) => <tr key={c.gridId} data-grid-id={c.gridId}><td>{c.gridName}</td><td>{status('gridMonth', gridMonthKey(c.from))}</td><td>{status('gridMonth', gridMonthKey(c.to))}</td><td>{formatDateTime(c.recordedAt)}</td></tr>)}</tbody></table>
              )}
            </section>
          )}
          <section className="card">
            <h2>{t('bul.overdueByDept')}</h2>
            {b.overdueByDepartment.length === 0 ? <p>{t('bul.none')}</p> : b.overdueByDepartment.map((d) => (
              <div key={d.departmentId}>
                <h3>{d.departmentName}（{d.problems.length}）</h3>
                <table className="data-table"><thead><tr><th>#</th><th>{t('col.grid')}</th><th>{t('col.category')}</th><th>{t('col.description')}</th><th>{t('col.deadline')}</th></tr></thead>
                  <tbody>{d.problems.map((p) => <tr key={p.id}><td>{p.id}</td><td>{p.gridName}</td><td>{p.categoryName}</td><td>{p.description}</td><td>{formatDeadline(p.deadline)}</td></tr>)}</tbody></table>
              </div>
            ))}
          </section>
          <p className="small muted">{new Date(b.generatedAt).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })}</p>
        </>
      )}
    </main>
  )
}
