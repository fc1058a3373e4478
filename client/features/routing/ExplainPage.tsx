/**
 * The 属地 certificate (#/explain?lng=&lat=&at=YYYY-MM-DD): one printable page that settles a disputed
 * jurisdiction question — the grid at the point on that date, its holder (supervising department), the
 * boundary version in force, the distance to the grid's edge, other grids within PROBLEM_BOUNDARY_M, and
 * the handling department of every category group there (grid.explain).
 */
import { DatePicker } from '../../ui/DatePicker.tsx'
import { useEffect, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { endOfChinaDay, formatDate, formatDateTime, todayInChina } from '../../../server/domain/time.ts'
import { routingText } from './text.ts'
import './routing.css'

function readParams() {
  const q = new URLSearchParams(window.location.hash.split('?')[1] ?? '')
  return { lng: q.get('lng') ?? '', lat: q.get('lat') ?? '', at: q.get('at') ?? '' }
}

export function ExplainPage() {
  const { t } = useT(routingText)
  const trpc = useTRPC()
  const [params, setParams] = useState(readParams)
  const [form, setForm] = useState(params)
  useEffect(() => {
    const cb = () => { const p = readParams(); setParams(p); setForm(p) }
    window.addEventListener('hashchange', cb)
    return () => window.removeEventListener('hashchange', cb)
  }, [])
  const lng = Number(params.lng), lat = Number(params.lat)
  const valid = params.lng !== '' && params.lat !== '' && Number.isFinite(lng) && Number.isFinite(lat)
  const at = params.at && params.at !== todayInChina() ? endOfChinaDay(params.at).toISOString() : undefined
  const q = useQuery({ ...trpc.grid.explain.queryOptions({ lng, lat, at }), enabled: valid })
  const e = q.data
  return (
    <main className="routing-page explain-page" data-testid="explain-page">
      <form className="row no-print" onSubmit={(ev) => { ev.preventDefault(); window.location.hash = `#/explain?lng=${encodeURIComponent(form.lng)}&lat=${encodeURIComponent(form.lat)}${form.at ? `&at=${form.at}` : ''}` }}>
        <label>{t('x.lng')} <input value={form.lng} onChange={(ev) => setForm({ ...form, lng: ev.target.value })} size={12} data-testid="explain-lng" /></label>
        <label>{t('x.lat')} <input value={form.lat} onChange={(ev) => setForm({ ...form, lat: ev.target.value })} size={12} data-testid="explain-lat" /></label>
        <label>{t('x.at')} <DatePicker value={form.at} onChange={(at) => setForm({ ...form, at })} clearable /></label>
        <button type="submit" className="btn-primary">{t('x.show')}</button>
        {e && <button type="button" className="btn-quiet" onClick={() => window.print()}>{t('x.print')}</button>}
      </form>
      {e && (
        <article data-testid="explain-certificate">
          <h1>{t('x.title')}</h1>
          <p>{e.lng.toFixed(6)}, {e.lat.toFixed(6)} · {formatDate(e.at)}</p>
          {!e.grid && <p className="form-error" data-testid="explain-outside">{t('x.outside')}</p>}
          <dl className="pp-facts">
            <dt>{t('x.grid')}</dt><dd data-testid="explain-grid">{e.grid ? `${e.grid.name}（${e.grid.code}）` : t('x.noGrid')}</dd>
            <dt>{t('x.street')}</dt><dd>{e.grid?.streetName ?? '—'}</dd>
            <dt>{t('x.holder')}</dt><dd data-testid="explain-holder">{e.holder?.departmentName ?? '—'}</dd>
            {e.holder && <><dt>{t('x.cadre')}</dt><dd>{e.holder.cadre}</dd><dt>{t('x.contact')}</dt><dd>{e.holder.contactName} {e.holder.contactPhone}</dd></>}
            <dt>{t('x.version')}</dt><dd>{e.boundaryVersion ? `V${e.boundaryVersion.number}（${formatDate(e.boundaryVersion.effectiveFrom)}，${e.boundaryVersion.reason}）` : t('x.initial')}</dd>
            <dt>{t('x.edge')}</dt><dd data-testid="explain-edge">{e.edgeDistanceM === null ? '—' : t('x.metres', { m: e.edgeDistanceM })}</dd>
            <dt>{t('x.nearby', { m: e.boundaryM })}</dt>
            <dd data-testid="explain-nearby">{e.nearbyGrids.length === 0 ? t('x.noNearby') : e.nearbyGrids.map((n) => `${n.name}（${t('x.metres', { m: n.distanceM })}，${n.holderDepartmentName ?? '—'}）`).join('；')}</dd>
          </dl>
          <h2>{t('x.handling')}</h2>
          <table className="data-table" data-testid="explain-handling">
            <thead><tr><th>{t('x.group')}</th><th>{t('x.dept')}</th><th>{t('x.basis')}</th></tr></thead>
            <tbody>
              {e.handling.map((h) => (
                <tr key={h.group} data-basis={h.basis}>
                  <td>{h.group}</td><td>{h.departmentName ?? '—'}</td>
                  <td>{h.words}{h.exceptions.length > 0 && <div className="small">{t('x.except', { list: h.exceptions.map((x) => `${x.categoryName} → ${x.departmentName ?? '—'}`).join('；') })}</div>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">{t('x.generated', { t: formatDateTime(e.generatedAt) })}</p>
        </article>
      )}
    </main>
  )
}
