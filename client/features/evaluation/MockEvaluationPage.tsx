/**
 * 模拟测评: a leader draws a reproducible sample of sites (by type / street, n each, seed), prints
 * the score sheets (@media print) or fills them on a phone, turns a lost point into a problem at the
 * site with one button, and reads the results (得分率 per site, type, street, department) and the
 * history of evaluations for comparison over time.
 */
import { useEffect, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me, type RouterInputs, type RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { pct } from '../../../server/domain/vocabulary/format.ts'
import { evaluationText } from './text.ts'
import './evaluation.css'
import { todayInChina } from '../../../server/domain/time.ts'

type DrawInput = RouterInputs['mock']['draw']
type SiteType = NonNullable<DrawInput['types']>[number]
type Sheet = RouterOutputs['mock']['sheets']['sites'][number]

/** A sensible problem category for a lost point at a site type (editable before converting). */
const CATEGORY_FOR_TYPE: Record<string, string> = {
  农贸市场: 'NM01', 老旧小区: 'LX01', 背街小巷: 'XX01', 交通路口: 'WM01', 河道: 'HD01', 政务服务大厅: 'CK01', 医院: 'CK01', 车站: 'JT01', 学校: 'XX01', 公园广场: 'LJ01',
}

export function MockEvaluationPage({ me }: { me: Me }) {
  const { t, errorText } = useT(evaluationText)
  const trpc = useTRPC()
  const lead = me.role === 'leader' || me.role === 'admin'
  const history = useQuery(trpc.mock.list.queryOptions())
  const [openId, setOpenId] = useState<number | null>(null)
  useEffect(() => {
    if (openId === null && history.data?.length) setOpenId(history.data[0]!.id)
  }, [history.data, openId])

  return (
    <div className="eval-page" data-testid="mock-page">
      <h1 className="no-print">{t('mk.title')}</h1>
      {lead && <DrawForm onCreated={setOpenId} />}
      <section className="card no-print">
        <h2>{t('mk.history')}</h2>
        {history.isError && <p className="form-error">{errorText(history.error)}</p>}
        <div className="table-wrap" tabIndex={0}>
          <table className="eval-table" data-testid="mock-history">
            <thead><tr><th>{t('mk.date')}</th><th>{t('mk.name')}</th><th>{t('mk.sites')}</th><th>{t('mk.scored')}</th><th>{t('mk.rate')}</th><th /></tr></thead>
            <tbody>{history.data?.map((e) => (
              <tr key={e.id} style={e.id === openId ? { background: '#eef3fb' } : undefined}>
                <td>{e.day}</td><td>{e.name}<div className="small muted">{e.byType.map((x) => `${x.type} ${pct(x.rate)}`).join(' · ')}</div></td>
                <td className="num">{e.sites}</td><td className="num">{e.scoredSites}</td><td className="num">{pct(e.rate)}</td>
                <td><button type="button" className="btn-quiet" onClick={() => setOpenId(e.id)}>{t('mk.open')}</button></td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      </section>
      {openId !== null && <Evaluation id={openId} canScore={lead} />}
    </div>
  )
}

function DrawForm({ onCreated }: { onCreated: (id: number) => void }) {
  const { t, errorText, siteType } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const types = useQuery(trpc.evaluation.siteTypes.queryOptions(undefined, { staleTime: Infinity }))
  const streets = useQuery(trpc.grid.list.queryOptions({ level: 'street' }))
  const [name, setName] = useState(`模拟测评 ${todayInChina()}`)
  const [by, setBy] = useState<DrawInput['by']>('type')
  const [picked, setPicked] = useState<SiteType[]>([])
  const [streetIds, setStreetIds] = useState<number[]>([])
  const [n, setN] = useState(2)
  const [seed, setSeed] = useState('')
  // the previewed draw (its parameters, seed and sites): 生成测评 creates exactly this sample
  const [previewed, setPreviewed] = useState<{ key: string; seed: number; siteIds: number[] } | null>(null)
  const paramsKey = JSON.stringify({ by, picked, streetIds, n })
  const draw = useMutation(trpc.mock.draw.mutationOptions({
    onSuccess: (r, vars) => {
      if (r.id === null) {
        setSeed(String(r.seed))
        setPreviewed({ key: JSON.stringify({ by: vars.by, picked: vars.types, streetIds: vars.streetIds, n: vars.perStratum }), seed: r.seed, siteIds: r.sites.map((s) => s.siteId) })
      } else {
        setPreviewed(null)
        void queryClient.invalidateQueries({ queryKey: trpc.mock.list.queryKey() })
        onCreated(r.id)
      }
    },
  }))
  const input = (preview: boolean): DrawInput => {
    const same = !preview && previewed && previewed.key === paramsKey && String(previewed.seed) === seed.trim()
    return {
      name, by, types: picked, streetIds, perStratum: n, seed: seed.trim() ? Number(seed) : undefined, preview,
      ...(same ? { seed: previewed.seed, previewSiteIds: previewed.siteIds } : {}),
    }
  }
  const toggle = <T,>(list: T[], v: T) => (list.includes(v) ? list.filter((x) => x !== v) : [...list, v])
  return (
    <section className="card no-print" data-testid="mock-draw">
      <h2>{t('mk.draw')}</h2>
      <div className="row">
        <label>{t('mk.name')}<input value={name} onChange={(e) => setName(e.target.value)} data-testid="mock-name" /></label>
        <label>{t('mk.by')}
          <select value={by} onChange={(e) => setBy(e.target.value as DrawInput['by'])} data-testid="mock-by">
            {(['type', 'street', 'type_street'] as const).map((b) => <option key={b} value={b}>{t(`mk.by.${b}`)}</option>)}
          </select>
        </label>
        <label>{t('mk.n')}<input type="number" min={1} max={50} value={n} onChange={(e) => setN(Math.max(1, Number(e.target.value) || 1))} style={{ width: 70 }} data-testid="mock-n" /></label>
        <label>{t('mk.seed')}<input inputMode="numeric" value={seed} onChange={(e) => setSeed(e.target.value.replace(/\D/g, ''))} style={{ width: 120 }} data-testid="mock-seed" /></label>
      </div>
      <div className="row small"><span>{t('mk.types')}：</span>
        {types.data?.map((ty) => <label key={ty}><input type="checkbox" checked={picked.includes(ty as SiteType)} onChange={() => setPicked(toggle(picked, ty as SiteType))} data-testid={`mock-type-${ty}`} />{siteType(ty)}</label>)}
      </div>
      <div className="row small"><span>{t('mk.streets')}：</span>
        {streets.data?.features.map((f) => <label key={f.properties.id}><input type="checkbox" checked={streetIds.includes(f.properties.id)} onChange={() => setStreetIds(toggle(streetIds, f.properties.id))} />{f.properties.name}</label>)}
      </div>
      <div className="row">
        <button type="button" className="btn-quiet" disabled={draw.isPending} onClick={() => draw.mutate(input(true))}>{t('mk.preview')}</button>
        <button type="button" className="btn-primary" disabled={draw.isPending || !name.trim()} onClick={() => draw.mutate(input(false))} data-testid="mock-create">{t('mk.create')}</button>
      </div>
      {draw.data && (
        <div className="small" data-testid="mock-sample">
          <p>{t('mk.sampled', { n: draw.data.sites.length, seed: draw.data.seed })}</p>
          {draw.data.id === null && <p>{draw.data.sites.map((s) => `${s.name}（${s.siteType}）`).join('、')}</p>}
        </div>
      )}
      {draw.isError && <p className="form-error">{errorText(draw.error)}</p>}
    </section>
  )
}

function Evaluation({ id, canScore }: { id: number; canScore: boolean }) {
  const { t, errorText } = useT(evaluationText)
  const trpc = useTRPC()
  const sheets = useQuery(trpc.mock.sheets.queryOptions({ id }))
  const categories = useQuery(trpc.problem.categories.queryOptions(undefined, { staleTime: Infinity }))
  if (sheets.isError) return <p className="form-error">{errorText(sheets.error)}</p>
  if (!sheets.data) return <p className="muted">{t('common.loading')}</p>
  return (
    <>
      <section className="card" data-testid="mock-sheets">
        <div className="row">
          <h2 style={{ flex: 1 }}>{t('mk.sheets')} · {sheets.data.name}</h2>
          <p className="small" data-testid="mock-sheet-seed">{t('mk.sheetSample', { seed: sheets.data.seed, n: sheets.data.sites.length })}：{sheets.data.sites.map((s) => s.name).join('、')}</p>
          <button type="button" className="btn-quiet no-print" onClick={() => window.print()}>{t('mk.print')}</button>
        </div>
        {sheets.data.sites.map((s) => <SiteSheet key={s.mockSiteId} evaluationId={id} sheet={s} canScore={canScore} categories={categories.data ?? []} />)}
      </section>
      <Results id={id} />
    </>
  )
}

function SiteSheet({ evaluationId, sheet: s, canScore, categories }: { evaluationId: number; sheet: Sheet; canScore: boolean; categories: { code: string; name: string }[] }) {
  const { t, errorText } = useT(evaluationText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [lost, setLost] = useState<Record<number, string>>(() => Object.fromEntries(s.lines.map((l) => [l.indicatorId, l.lostPoints === null ? '' : String(l.lostPoints)])))
  const [notes, setNotes] = useState<Record<number, string>>(() => Object.fromEntries(s.lines.map((l) => [l.indicatorId, l.note])))
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.mock.sheets.queryKey({ id: evaluationId }) })
    void queryClient.invalidateQueries({ queryKey: trpc.mock.results.queryKey({ id: evaluationId }) })
    void queryClient.invalidateQueries({ queryKey: trpc.mock.list.queryKey() })
    void queryClient.invalidateQueries({ queryKey: trpc.evaluation.readiness.queryKey() })
  }
  const save = useMutation(trpc.mock.score.mutationOptions({ onSuccess: refresh }))
  const submit = () => save.mutate({
    mockSiteId: s.mockSiteId,
    scores: s.lines.map((l) => ({ indicatorId: l.indicatorId, lostPoints: Math.max(0, Number(lost[l.indicatorId] || 0)), note: notes[l.indicatorId] ?? '', version: l.version ?? undefined })),
  })
  return (
    <article className="card sheet" data-testid={`sheet-${s.siteId}`}>
      <h3 style={{ margin: '0 0 4px' }}>{s.name} <span className="small muted">{s.type}</span> {s.rate !== null && <span className="small">· {t('mk.rate')} {pct(s.rate)}</span>}</h3>
      <div className="sheet-head">
        <span>{t('mk.grid')}：{s.gridName ?? '—'}</span><span>{t('mk.street')}：{s.streetName ?? '—'}</span>
        <span>{t('mk.dept')}：{s.departmentName ?? t('mk.noDept')}</span><span className="muted">{s.lng.toFixed(5)}, {s.lat.toFixed(5)}</span>
      </div>
      {s.lines.length === 0 && <p className="muted">{t('mk.noIndicators')}</p>}
      {s.lines.map((l) => (
        <div key={l.indicatorId} className="sheet-line" data-testid={`line-${s.siteId}-${l.code}`}>
          <div><strong>{l.code} {l.name}</strong><div className="std">{l.standard}</div></div>
          <div className="small">{t('mk.max')} {l.maxPoints}</div>
          <div className="row" style={{ margin: 0 }}>
            <label>{t('mk.lost')}<input type="number" inputMode="decimal" min={0} max={l.maxPoints} step={0.25} disabled={!canScore} value={lost[l.indicatorId] ?? ''}
              onChange={(e) => setLost({ ...lost, [l.indicatorId]: e.target.value })} data-testid="lost-input" /></label>
            <input type="text" placeholder={t('mk.note')} disabled={!canScore} value={notes[l.indicatorId] ?? ''} onChange={(e) => setNotes({ ...notes, [l.indicatorId]: e.target.value })} data-testid="note-input" />
            {l.problemId !== null
              ? <span className="small" data-testid="converted">{t('mk.converted', { id: l.problemId })}</span>
              : canScore && l.scoreId !== null && (l.lostPoints ?? 0) > 0 && <ToProblem scoreId={l.scoreId} siteType={s.type} categories={categories} onDone={refresh} />}
          </div>
        </div>
      ))}
      {canScore && s.lines.length > 0 && (
        <div className="row no-print">
          <button type="button" className="btn-primary" disabled={save.isPending} onClick={submit} data-testid="save-scores">{t('mk.saveScores')}</button>
          {save.data && <span className="small">{t('mk.savedScores', { rate: pct(save.data.rate) })}</span>}
          {save.isError && <span className="form-error">{errorText(save.error)}</span>}
        </div>
      )}
      <p className="sheet-sign">{t('mk.signature')}</p>
    </article>
  )
}

function ToProblem({ scoreId, siteType, categories, onDone }: { scoreId: number; siteType: string; categories: { code: string; name: string }[]; onDone: () => void }) {
  const { t, errorText } = useT(evaluationText)
  const trpc = useTRPC()
  const [category, setCategory] = useState(CATEGORY_FOR_TYPE[siteType] ?? 'XX01')
  const [days, setDays] = useState('')
  const go = useMutation(trpc.mock.toProblem.mutationOptions({ onSuccess: onDone }))
  if (go.data) return <span className="small" data-testid="converted">{t('mk.convertedTo', { id: go.data.problemId, dept: go.data.departmentName ?? t('mk.noDept') })}</span>
  return (
    <span className="row no-print" style={{ margin: 0 }}>
      <select value={category} onChange={(e) => setCategory(e.target.value)} aria-label={t('mk.category')}>{categories.map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}</select>
      <input inputMode="numeric" placeholder={t('mk.deadline')} value={days} onChange={(e) => setDays(e.target.value.replace(/\D/g, ''))} style={{ width: 110 }} />
      <button type="button" className="btn-quiet" disabled={go.isPending} data-testid="to-problem"
        onClick={() => go.mutate({ scoreId, categoryCode: category, deadlineDays: days ? Math.min(365, Math.max(1, Number(days))) : undefined })}>{t('mk.toProblem')}</button>
      {go.isError && <span className="form-error small">{errorText(go.error)}</span>}
    </span>
  )
}

function Results({ id }: { id: number }) {
  const { t } = useT(evaluationText)
  const trpc = useTRPC()
  const r = useQuery(trpc.mock.results.queryOptions({ id }))
  if (!r.data) return null
  const d = r.data
  const table = (title: string, rows: { key: string; maxPoints: number; lostPoints: number; rate: number | null }[], testId: string) => rows.length === 0 ? null : (
    <div className="table-wrap" tabIndex={0}>
      <h3>{title}</h3>
      <table className="eval-table" data-testid={testId}>
        <thead><tr><th>{t('rd.key')}</th><th>{t('mk.max')}</th><th>{t('mk.lost')}</th><th>{t('mk.rate')}</th></tr></thead>
        <tbody>{rows.map((x) => <tr key={x.key}><td>{x.key}</td><td className="num">{x.maxPoints}</td><td className="num">{x.lostPoints}</td><td className="num">{pct(x.rate)}</td></tr>)}</tbody>
      </table>
    </div>
  )
  return (
    <section className="card no-print" data-testid="mock-results">
      <h2>{t('mk.results')} · {d.name}</h2>
      <p>{t('mk.overall')}：<strong data-testid="overall-rate">{pct(d.overall?.rate)}</strong>（{t('mk.scored')} {d.scoredSites}/{d.sampled}）</p>
      {table(t('mk.byType'), d.byType, 'results-type')}
      {table(t('mk.byStreet'), d.byStreet.map((x) => ({ ...x, key: x.name })), 'results-street')}
      {table(t('mk.byDept'), d.byDepartment.map((x) => ({ ...x, key: x.name })), 'results-department')}
      {table(t('mk.bySite'), d.bySite.map((x) => ({ ...x, key: `${x.siteName}（${x.siteType}）` })), 'results-site')}
    </section>
  )
}
