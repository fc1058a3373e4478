/**
 * 造假迹象 (signs of gaming), for leaders and admins: per department × signal the number of records
 * matching each rule over a range of months (stats.integrity); a raised signal is highlighted, a click
 * lists the records (problems open their detail, inspections their grid on the map). Each rule and its
 * threshold is shown below the table (text.ts, figures from the server's thresholds).
 */
import { useMemo, useState } from 'react'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useTRPC, type Me, type RouterOutputs } from '../../api.ts'
import { addMonths, formatDateTime, monthOf } from '../../../server/domain/time.ts'
import { SIGNAL_KEYS, SIGNAL_LABELS, type SignalKey } from '../../../server/domain/vocabulary/integrity.ts'
import { useT } from '../../i18n.ts'
import { integrityText } from './text.ts'

type Report = RouterOutputs['stats']['integrity']
type Dept = Report['departments'][number]

export function IntegrityPage(_: { me: Me }) {
  const { t, lang, status, errorText } = useT(integrityText)
  const trpc = useTRPC()
  const thisMonth = monthOf(new Date())
  const [from, setFrom] = useState(addMonths(thisMonth, -2))
  const [to, setTo] = useState(thisMonth)
  const [drill, setDrill] = useState<{ dept: Dept; signal: SignalKey } | null>(null)
  const months = useMemo(() => Array.from({ length: 24 }, (_, i) => addMonths(thisMonth, -i)), [thisMonth])
  const range = from <= to ? { from, to } : { from: to, to: from }
  const report = useQuery(trpc.stats.integrity.queryOptions(range, { placeholderData: keepPreviousData }))
  const label = (k: SignalKey) => SIGNAL_LABELS[k][lang]
  const thresholds = report.data?.thresholds
  const byId = useMemo(() => ({
    inspections: new Map(report.data?.records.inspections.map((r) => [r.id, r]) ?? []),
    problems: new Map(report.data?.records.problems.map((r) => [r.id, r]) ?? []),
    photos: new Map(report.data?.records.photos.map((r) => [r.id, r]) ?? []),
  }), [report.data])

  return (
    <div className="integrity-page" data-testid="integrity-page" style={{ padding: 16 }}>
      <h2>{t('title')}</h2>
      <p className="muted small">{t('intro')}</p>
      <div className="toolbar">
        <label>{t('from')} <select value={from} onChange={(e) => setFrom(e.target.value)}>{months.map((m) => <option key={m} value={m}>{m}</option>)}</select></label>
        <label>{t('to')} <select value={to} onChange={(e) => setTo(e.target.value)}>{months.map((m) => <option key={m} value={m}>{m}</option>)}</select></label>
      </div>
      {report.isError && <p className="bad" role="alert">{errorText(report.error)}</p>}
      {report.isLoading ? <p>{t('loading')}</p> : report.data && (report.data.departments.length === 0 ? <p>{t('none')}</p> : (
        <div className="table-wrap" tabIndex={0}><table className="data-table" data-testid="integrity-table">
          <thead><tr><th>{t('department')}</th><th>{t('flagged')}</th>{SIGNAL_KEYS.map((k) => <th key={k}>{label(k)}</th>)}</tr></thead>
          <tbody>{report.data.departments.map((d) => (
            <tr key={d.departmentId}>
              <td>{d.departmentName}</td><td>{d.flagged}</td>
              {SIGNAL_KEYS.map((k) => {
                const s = d.signals[k]
                return (
                  <td key={k} title={`${t('base', { base: s.base })} · ${t('value', { value: s.value })}`} style={s.flagged ? { background: '#fde0dc', fontWeight: 600 } : undefined}>
                    {s.count > 0 ? <button className="link" data-testid={`cell-${d.departmentId}-${k}`} onClick={() => setDrill({ dept: d, signal: k })}>{s.count}</button> : '0'}
                  </td>
                )
              })}
            </tr>
          ))}</tbody>
        </table></div>
      ))}
      {drill && (
        <section className="drill" data-testid="integrity-drill">
          <h3>{t('records', { department: drill.dept.departmentName, signal: label(drill.signal), count: drill.dept.signals[drill.signal].count })} <button className="btn-quiet" onClick={() => setDrill(null)}>{t('close')}</button></h3>
          {drill.dept.signals[drill.signal].records.problems.length > 0 && (<>
            <h4>{t('problems')}</h4>
            <ul>{drill.dept.signals[drill.signal].records.problems.map((id) => {
              const p = byId.problems.get(id)
              return <li key={id}><a href={`#/problems?id=${id}`}>#{id}</a> {p ? `${status('problem', p.status)} · ${formatDateTime(p.reportedAt)} · ${p.description}` : ''}</li>
            })}</ul>
          </>)}
          {drill.dept.signals[drill.signal].records.inspections.length > 0 && (<>
            <h4>{t('inspections')}</h4>
            <ul>{drill.dept.signals[drill.signal].records.inspections.map((id) => {
              const i = byId.inspections.get(id)
              return <li key={id}>#{id} {i && <>{i.gridName} · {t('date')} {formatDateTime(i.date)} · {t('recordedAt')} {formatDateTime(i.recordedAt)} · <a href={`#/?grid=${i.gridId}`}>{t('openGrid')}</a></>}</li>
            })}</ul>
          </>)}
          {drill.dept.signals[drill.signal].records.photos.length > 0 && (<>
            <h4>{t('photos')}</h4>
            <ul>{drill.dept.signals[drill.signal].records.photos.map((id) => {
              const ph = byId.photos.get(id)
              return <li key={id}><a href={`/api/photos/${id}`} target="_blank" rel="noreferrer">#{id}</a>{ph?.problemId ? <> · <a href={`#/problems?id=${ph.problemId}`}>{t('problems')} #{ph.problemId}</a></> : ph?.inspectionId ? ` · ${t('inspections')} #${ph.inspectionId}` : ''}</li>
            })}</ul>
          </>)}
        </section>
      )}
      {thresholds && (
        <section data-testid="integrity-rules">
          <h3>{t('rules')}</h3>
          <dl>{SIGNAL_KEYS.map((k) => <div key={k}><dt><b>{label(k)}</b></dt><dd>{t(`rule.${k}`, { ...thresholds })}</dd></div>)}</dl>
        </section>
      )}
    </div>
  )
}
