/**
 * 测评任务进度表: the year's indicators with the five assignments, a countdown to the evaluation,
 * overdue milestones highlighted, filters, Excel export; a department user sees "my indicators"
 * and reports progress on them. Below: site readiness shares, the site register and CSV import.
 */
import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me, type RouterInputs, type RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { pct } from '../../../server/domain/vocabulary/format.ts'
import { READINESS_LEVELS } from '../../../server/domain/evaluation/readiness.ts'
import { INDICATOR_STATUS, READINESS } from '../../../server/domain/vocabulary/status.ts'
import { downloadBase64, evaluationText, fileToBase64 } from './text.ts'
import './evaluation.css'
import { SiteMapEditor } from './SiteMapEditor.tsx'
import { yearOf } from '../../../server/domain/time.ts'
import { DatePicker } from '../../ui/DatePicker.tsx'
import { FilePicker } from '../../ui/FilePicker.tsx'
import { badgeColours } from '../../../server/domain/vocabulary/contrast.ts'

type Indicator = RouterOutputs['indicator']['list']['items'][number]
type Status = Indicator['status']
const STATUSES: Status[] = ['on_track', 'at_risk', 'overdue', 'done']

export function EvaluationPage({ me }: { me: Me }) {
  const { t, errorText, term } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const lead = me.role === 'leader' || me.role === 'admin'
  const [departmentId, setDepartmentId] = useState<number | undefined>()
  const [status, setStatus] = useState<Status | undefined>()
  const [overdue, setOverdue] = useState(false)
  const filters = { departmentId: me.role === 'department' ? undefined : departmentId, status, overdue: overdue ? true : undefined }
  const list = useQuery(trpc.indicator.list.queryOptions(filters))
  const departments = useQuery(trpc.department.list.queryOptions(undefined, { enabled: me.role !== 'department' }))
  const [exporting, setExporting] = useState(false)
  const [exportError, setExportError] = useState<string | null>(null)

  const exportExcel = async () => {
    setExporting(true)
    setExportError(null)
    try {
      const r = await queryClient.fetchQuery(trpc.indicator.export.queryOptions(filters, { staleTime: 0 }))
      downloadBase64(r.base64, r.fileName)
    } catch (e) {
      setExportError(errorText(e))
    } finally {
      setExporting(false)
    }
  }

  const data = list.data
  return (
    <div className="eval-page" data-testid="evaluation-page">
      <h1>{data?.scoped ? t('ev.mine') : t('ev.title')}</h1>
      <section className="card">
        <div className="countdown" data-testid="countdown">
          {data?.countdown !== null && data?.countdown !== undefined ? (
            data.countdown === 0 ? <span className="big">{t('ev.today')}</span> : <>
              <span>{t('ev.countdown')}</span><span className="big">{data.countdown}</span><span>{t('ev.days')}</span>
            </>
          ) : null}
          {data?.evaluationDate && <span className="muted">{t('ev.evalDate')}：{data.evaluationDate}</span>}
        </div>
        {data && (
          <div className="row">
            {STATUSES.map((s) => <span key={s} className="chip" style={badgeColours(INDICATOR_STATUS[s].colour)}>{term(INDICATOR_STATUS[s])} {data.counts[s]}</span>)}
          </div>
        )}
        <div className="row no-print">
          {me.role !== 'department' && (
            <label>{t('ev.filterDept')}
              <select value={departmentId ?? ''} onChange={(e) => setDepartmentId(e.target.value ? Number(e.target.value) : undefined)} data-testid="filter-department">
                <option value="">{t('ev.all')}</option>
                {departments.data?.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
              </select>
            </label>
          )}
          <label>{t('ev.filterStatus')}
            <select value={status ?? ''} onChange={(e) => setStatus((e.target.value || undefined) as Status | undefined)} data-testid="filter-status">
              <option value="">{t('ev.all')}</option>
              {STATUSES.map((s) => <option key={s} value={s}>{term(INDICATOR_STATUS[s])}</option>)}
            </select>
          </label>
          <label><input type="checkbox" checked={overdue} onChange={(e) => setOverdue(e.target.checked)} data-testid="filter-overdue" />{t('ev.onlyOverdue')}</label>
          <button type="button" className="btn-quiet" onClick={() => void exportExcel()} disabled={exporting} data-testid="export-excel">{exporting ? t('ev.exporting') : t('ev.export')}</button>
        </div>
        {exportError && <p className="form-error">{exportError}</p>}
        {list.isError && <p className="form-error">{errorText(list.error)}</p>}
        {!data ? <p className="muted">{t('common.loading')}</p> : data.items.length === 0 ? <p>{t('ev.none')}</p> : (
          <div className="table-wrap" tabIndex={0}>
            <table className="eval-table" data-testid="indicator-table">
              <thead><tr>
                <th>{t('col.code')}</th><th>{t('col.indicator')}</th><th>{t('col.points')}</th><th>{t('col.leader')}</th><th>{t('col.task')}</th>
                <th>{t('col.departments')}</th><th>{t('col.milestones')}</th><th>{t('col.progress')}</th><th>{t('col.status')}</th>
              </tr></thead>
              <tbody>{data.items.map((i) => <IndicatorRow key={i.id} indicator={i} me={me} canEdit={lead || (me.role === 'department' && i.departments.some((d) => d.departmentId === me.departmentId))} />)}</tbody>
            </table>
          </div>
        )}
      </section>
      <ReadinessSection canEdit={lead || me.role === 'planner'} />
      {(lead || me.role === 'planner') && <SiteRegister />}
      {lead && <IndicatorEntry />}
      {lead && <IndicatorImport />}
    </div>
  )
}

function IndicatorRow({ indicator: i, canEdit }: { indicator: Indicator; me: Me; canEdit: boolean }) {
  const { t, term } = useT(evaluationText)
  return (
    <tr data-testid={`indicator-${i.code}`}>
      <td>{i.code}</td>
      <td><strong>{i.name}</strong><div className="small muted">{i.standard}</div></td>
      <td className="num">{i.points}</td>
      <td>{i.leadLeader}</td>
      <td className="small">{i.task}</td>
      <td>{i.departments.map((d) => (
        <div key={d.departmentId} className={d.role === 'lead' ? 'dept-lead' : ''}>{d.name}<span className="small muted">（{t(d.role === 'lead' ? 'col.lead' : 'col.assist')}）</span>{d.staff && <div className="small">{d.staff}</div>}</div>
      ))}</td>
      <td><ul className="ms-list">{i.milestones.map((m) => <MilestoneItem key={m.id} m={m} canEdit={canEdit} />)}</ul></td>
      <td className="num"><span className="bar"><i style={{ width: `${i.progress}%` }} /></span> {i.progress}%</td>
      <td><span className="chip" style={badgeColours(INDICATOR_STATUS[i.status].colour)}>{term(INDICATOR_STATUS[i.status])}</span></td>
    </tr>
  )
}

function MilestoneItem({ m, canEdit }: { m: Indicator['milestones'][number]; canEdit: boolean }) {
  const { t, errorText, term } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [value, setValue] = useState(String(m.progress))
  const save = useMutation(trpc.indicator.milestoneUpdate.mutationOptions({
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.indicator.list.queryKey() }),
  }))
  const cls = m.overdue ? 'overdue' : m.progress >= 100 ? 'done' : ''
  return (
    <li className={cls} data-testid={`milestone-${m.id}`} data-overdue={m.overdue}>
      <span>{m.title}</span>
      <span className="small">{t('ms.due', { d: m.dueDate })}{m.overdue ? ` · ${t('ms.overdue')}` : m.progress < 100 && m.daysLeft > 0 ? ` · ${t('ms.daysLeft', { n: m.daysLeft })}` : ''}</span>
      {canEdit ? (
        <span className="no-print">
          <input type="number" min={0} max={100} step={5} value={value} onChange={(e) => setValue(e.target.value)} aria-label={m.title} />%
          <button type="button" className="btn-quiet" disabled={save.isPending || Number(value) === m.progress}
            onClick={() => save.mutate({ id: m.id, version: m.version, progress: Math.max(0, Math.min(100, Math.round(Number(value) || 0))) })}>{t('ms.save')}</button>
        </span>
      ) : <span>{m.progress}%</span>}
      {save.isError && <span className="form-error small">{errorText(save.error)}</span>}
    </li>
  )
}

function ReadinessSection({ canEdit }: { canEdit: boolean }) {
  const { t, errorText, term } = useT(evaluationText)
  const trpc = useTRPC()
  const r = useQuery(trpc.evaluation.readiness.queryOptions())
  if (r.isError) return <section className="card"><p className="form-error">{errorText(r.error)}</p></section>
  if (!r.data) return null
  const o = r.data.overall
  const table = (title: string, rows: typeof r.data.byType, testId: string) => (
    <div className="table-wrap" tabIndex={0}>
      <h3>{title}</h3>
      <table className="eval-table" data-testid={testId}>
        <thead><tr><th>{t('rd.key')}</th><th>{t('rd.total')}</th><th>{term(READINESS.ready)}</th><th>{t('rd.share')}</th>
          {(['at_risk', 'not_ready', 'unassessed'] as const).map((k) => <th key={k}>{term(READINESS[k])}</th>)}</tr></thead>
        <tbody>{rows.map((x) => <tr key={x.key}><td>{x.key}</td><td className="num">{x.total}</td><td className="num">{x.ready}</td><td className="num">{pct(x.share)}</td>
          <td className="num">{x.counts.at_risk}</td><td className="num">{x.counts.not_ready}</td><td className="num">{x.counts.unassessed}</td></tr>)}</tbody>
      </table>
    </div>
  )
  return (
    <section className="card" data-testid="readiness">
      <h2>{t('rd.title')}</h2>
      {o && <p>{t('rd.overall', { total: o.total, ready: o.ready, share: pct(o.share) })}</p>}
      <div className="legend-dots">{READINESS_LEVELS.map((k) => <span key={k}><i style={{ background: READINESS[k].colour }} />{term(READINESS[k])}</span>)}</div>
      <p className="small muted">{t('rd.rule')}</p>
      {table(t('rd.byType'), r.data.byType, 'readiness-type')}
      {table(t('rd.byStreet'), r.data.byStreet, 'readiness-street')}
      {table(t('rd.byDept'), r.data.byDepartment, 'readiness-department')}
      <details>
        <summary>{t('rd.sites')}（{r.data.sites.length}）</summary>
        <div className="table-wrap" tabIndex={0}>
          <table className="eval-table" data-testid="readiness-sites">
            <thead><tr><th>{t('site.name')}</th><th>{t('site.type')}</th><th>{t('mk.street')}</th><th>{t('mk.grid')}</th><th>{t('mk.dept')}</th><th>{t('mk.rate')}</th><th>{t('rd.openNear')}</th><th>{t('col.status')}</th>{canEdit && <th />}</tr></thead>
            <tbody>{r.data.sites.map((x) => <SiteRow key={x.id} site={x} canEdit={canEdit} />)}</tbody>
          </table>
        </div>
      </details>
    </section>
  )
}

function SiteRegister() {
  const { t, errorText, siteType, term } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const types = useQuery(trpc.evaluation.siteTypes.queryOptions(undefined, { staleTime: Infinity }))
  const [form, setForm] = useState({ name: '', type: '农贸市场', lng: '', lat: '' })
  const [coord, setCoord] = useState<'wgs84' | 'gcj02' | 'bd09'>('wgs84')
  const [mapEdit, setMapEdit] = useState(false)
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.evaluation.readiness.queryKey() })
    void queryClient.invalidateQueries({ queryKey: trpc.site.list.queryKey() })
  }
  const create = useMutation(trpc.evaluation.siteCreate.mutationOptions({ onSuccess: refresh }))
  const imp = useMutation(trpc.evaluation.siteImport.mutationOptions({ onSuccess: refresh }))
  return (
    <section className="card no-print" data-testid="site-register">
      <h2>{t('site.title')}</h2>
      <div className="row">
        <button type="button" className="btn-quiet" aria-pressed={mapEdit} onClick={() => setMapEdit(!mapEdit)} data-testid="site-map-toggle">{mapEdit ? t('site.mapClose') : t('site.mapEdit')}</button>
      </div>
      {mapEdit && <SiteMapEditor />}
      <form className="row" onSubmit={(e) => { e.preventDefault(); create.mutate({ name: form.name, type: form.type as RouterInputs['evaluation']['siteCreate']['type'], lng: Number(form.lng), lat: Number(form.lat) }) }}>
        <input placeholder={t('site.name')} aria-label={t('site.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
        <select aria-label={t('site.type')} value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>{types.data?.map((ty) => <option key={ty} value={ty}>{siteType(ty)}</option>)}</select>
        <input placeholder={t('site.lng')} aria-label={t('site.lng')} inputMode="decimal" value={form.lng} onChange={(e) => setForm({ ...form, lng: e.target.value })} required />
        <input placeholder={t('site.lat')} aria-label={t('site.lat')} inputMode="decimal" value={form.lat} onChange={(e) => setForm({ ...form, lat: e.target.value })} required />
        <button type="submit" className="btn-primary" disabled={create.isPending}>{t('site.add')}</button>
      </form>
      {create.data && <p className="small">{t('site.added', { grid: create.data.gridName })}</p>}
      {create.isError && <p className="form-error">{errorText(create.error)}</p>}
      <div className="row">
        <FilePicker label={t('site.import')} accept=".xlsx,.csv" resetAfterPick onFile={async (f) => {
          if (f) imp.mutate({ fileBase64: await fileToBase64(f), coordSystem: coord })
        }} />
        <label>{t('site.coord')}
          <select value={coord} onChange={(e) => setCoord(e.target.value as typeof coord)}><option value="wgs84">WGS84</option><option value="gcj02">GCJ-02</option><option value="bd09">BD-09</option></select>
        </label>
      </div>
      {imp.data && <>
        <p className="small">{t('site.imported', { created: imp.data.created, failed: imp.data.failed })}</p>
        {imp.data.errors.length > 0 && <ul className="eval-errors">{imp.data.errors.map((er) => <li key={er.row}>{t('site.row', { row: er.row, msg: er.ok ? '' : er.message })}</li>)}</ul>}
      </>}
      {imp.isError && <p className="form-error">{errorText(imp.error)}</p>}
    </section>
  )
}

function IndicatorImport() {
  const { t, errorText, term } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const thisYear = yearOf(new Date())
  const [year, setYear] = useState(thisYear)
  const [date, setDate] = useState(`${thisYear}-12-31`)
  const [csv, setCsv] = useState('')
  const imp = useMutation(trpc.indicator.import.mutationOptions({ onSuccess: () => void queryClient.invalidateQueries({ queryKey: trpc.indicator.list.queryKey() }) }))
  return (
    <section className="card no-print" data-testid="indicator-import">
      <h2>{t('imp.title')}</h2>
      <p className="small muted">{t('imp.hint')}</p>
      <div className="row">
        <label>{t('imp.year')}<input type="number" value={year} onChange={(e) => setYear(Number(e.target.value))} style={{ width: 90 }} /></label>
        <label>{t('imp.date')}<DatePicker value={date} onChange={setDate} /></label>
      </div>
      <textarea rows={4} style={{ width: '100%' }} aria-label={t('imp.title')} value={csv} onChange={(e) => setCsv(e.target.value)} />
      <button type="button" className="btn-primary" disabled={!csv.trim() || imp.isPending} onClick={() => imp.mutate({ year, evaluationDate: date, csv })}>{t('imp.run')}</button>
      {imp.data && <>
        <p className="small">{t('imp.result', { created: imp.data.created, skipped: imp.data.skipped, failed: imp.data.failed })}</p>
        <ul className="eval-errors">{imp.data.report.filter((r) => r.status !== 'ok').map((r) => <li key={r.row}>{t('site.row', { row: r.row, msg: r.message })}</li>)}</ul>
      </>}
      {imp.isError && <p className="form-error">{errorText(imp.error)}</p>}
    </section>
  )
}

type ReadinessSite = RouterOutputs['evaluation']['readiness']['sites'][number]

/** One site of the register with its readiness; leaders and planners may rename or move it (by coordinates). */
function SiteRow({ site: x, canEdit }: { site: ReadinessSite; canEdit: boolean }) {
  const { t, errorText, siteType, term } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [editing, setEditing] = useState(false)
  const [form, setForm] = useState({ name: x.name, lng: String(x.lng), lat: String(x.lat) })
  const update = useMutation(trpc.evaluation.siteUpdate.mutationOptions({
    onSuccess: () => {
      setEditing(false)
      void queryClient.invalidateQueries({ queryKey: trpc.evaluation.readiness.queryKey() })
      void queryClient.invalidateQueries({ queryKey: trpc.site.list.queryKey() })
    },
  }))
  return (
    <tr data-testid={`site-row-${x.id}`}>
      <td>{editing ? <input aria-label={t('site.name')} value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /> : x.name}</td>
      <td>{siteType(x.type)}</td><td>{x.streetName ?? '—'}</td><td>{x.gridName ?? '—'}</td><td>{x.departmentName ?? t('mk.noDept')}</td>
      <td className="num">{pct(x.lastRate)}</td><td className="num">{x.openProblemsNear}{x.overdueProblemsNear > 0 ? `（${t('ms.overdue')} ${x.overdueProblemsNear}）` : ''}</td>
      <td><span className="chip" style={badgeColours(READINESS[x.readiness].colour)}>{term(READINESS[x.readiness])}</span></td>
      {canEdit && (
        <td className="no-print">
          {editing ? (
            <span className="row" style={{ margin: 0 }}>
              <input inputMode="decimal" value={form.lng} onChange={(e) => setForm({ ...form, lng: e.target.value })} style={{ width: 100 }} aria-label={t('site.lng')} />
              <input inputMode="decimal" value={form.lat} onChange={(e) => setForm({ ...form, lat: e.target.value })} style={{ width: 100 }} aria-label={t('site.lat')} />
              <button type="button" className="btn-primary" disabled={update.isPending}
                onClick={() => update.mutate({ id: x.id, version: x.version, name: form.name, ...(Number(form.lng) !== x.lng || Number(form.lat) !== x.lat ? { lng: Number(form.lng), lat: Number(form.lat) } : {}) })}>{t('ms.save')}</button>
              <button type="button" className="btn-quiet" onClick={() => setEditing(false)}>{t('common.cancel')}</button>
            </span>
          ) : <button type="button" className="btn-quiet" onClick={() => setEditing(true)}>{t('site.edit')}</button>}
          {update.isError && <div className="form-error small">{errorText(update.error)}</div>}
        </td>
      )}
    </tr>
  )
}

/** Enter one indicator with its five assignments (sent through indicator.import as one row). */
function IndicatorEntry() {
  const { t, errorText, term } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const departments = useQuery(trpc.department.list.queryOptions())
  const thisYear = yearOf(new Date())
  const empty = { year: thisYear, evaluationDate: `${thisYear}-12-31`, code: '', name: '', standard: '', points: '2', siteTypes: '', leadLeader: '', task: '', lead: '', assist: '', staff: '', milestones: '' }
  const [f, setF] = useState(empty)
  const [localError, setLocalError] = useState<string | null>(null)
  const imp = useMutation(trpc.indicator.import.mutationOptions({
    onSuccess: (r) => {
      if (r.created > 0) setF(empty)
      void queryClient.invalidateQueries({ queryKey: trpc.indicator.list.queryKey() })
    },
  }))
  const submit = () => {
    const milestones = f.milestones.split(/\n/).map((l) => l.trim()).filter(Boolean).map((l) => /^(\d{4}-\d{2}-\d{2})\s*(.+)$/.exec(l))
    if (milestones.some((m) => !m)) { setLocalError(t('entry.badMilestone')); return }
    setLocalError(null)
    imp.mutate({ year: f.year, evaluationDate: f.evaluationDate, rows: [{
      code: f.code, name: f.name, standard: f.standard, points: Number(f.points) || 0, leadLeader: f.leadLeader, task: f.task,
      siteTypes: f.siteTypes.split(/[、，,\s]+/).filter(Boolean),
      departments: [{ name: f.lead, role: 'lead', staff: f.staff }, ...f.assist.split(/[、，,]+/).map((x) => x.trim()).filter(Boolean).map((name) => ({ name, role: 'assist' as const, staff: '' }))],
      milestones: milestones.map((m) => ({ dueDate: m![1]!, title: m![2]! })),
    }] })
  }
  const field = (key: keyof typeof f, label: string, props: Record<string, unknown> = {}) => (
    <label>{label}<input value={String(f[key])} onChange={(e) => setF({ ...f, [key]: key === 'year' ? Number(e.target.value) : e.target.value })} {...props} /></label>
  )
  return (
    <section className="card no-print" data-testid="indicator-entry">
      <h2>{t('entry.title')}</h2>
      <div className="row">
        {field('year', t('imp.year'), { type: 'number', style: { width: 90 } })}
        {field('evaluationDate', t('imp.date'), { type: 'date' })}
        {field('code', t('col.code'), { style: { width: 90 } })}
        {field('name', t('col.indicator'))}
        {field('points', t('col.points'), { type: 'number', style: { width: 70 } })}
      </div>
      <div className="row">
        {field('standard', t('entry.standard'), { style: { width: 320 } })}
        {field('siteTypes', t('entry.siteTypes'))}
      </div>
      <div className="row">
        {field('leadLeader', t('col.leader'))}
        {field('task', t('col.task'), { style: { width: 320 } })}
      </div>
      <div className="row">
        <label>{t('col.lead')}<select value={f.lead} onChange={(e) => setF({ ...f, lead: e.target.value })}><option value="" />{departments.data?.map((d) => <option key={d.id} value={d.name}>{d.name}</option>)}</select></label>
        {field('staff', t('entry.staff'))}
        {field('assist', t('entry.assist'))}
      </div>
      <label style={{ display: 'block' }}>{t('entry.milestones')}<textarea rows={3} style={{ width: '100%' }} value={f.milestones} onChange={(e) => setF({ ...f, milestones: e.target.value })} placeholder="2026-12-01 摸底自查" /></label>
      <button type="button" className="btn-primary" disabled={imp.isPending || !f.code || !f.name || !f.lead} onClick={submit}>{t('entry.save')}</button>
      {localError && <p className="form-error">{localError}</p>}
      {imp.data && <p className="small">{t('imp.result', { created: imp.data.created, skipped: imp.data.skipped, failed: imp.data.failed })} {imp.data.report.filter((r) => r.status !== 'ok').map((r) => r.message).join('；')}</p>}
      {imp.isError && <p className="form-error">{errorText(imp.error)}</p>}
    </section>
  )
}
