/**
 * The responsibility matrix page (#/matrix): categories × areas (the whole city, each street) with the
 * handling department in each cell (or the grid holder by default), the rules with their validity,
 * the gaps and overlaps listed and drawn on a map; the leadership adds, edits and ends rules (audited,
 * version-checked on the server).
 */
import { DatePicker } from '../../ui/DatePicker.tsx'
import { useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { Geometry } from 'geojson'
import { useTRPC, type Me, type RouterInputs, type RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { CoverageSvg } from '../monthly/CoverageSvg.tsx'
import { chinaDate, endOfChinaDay, formatDate, todayInChina } from '../../../server/domain/time.ts'
import { routingText } from './text.ts'
import './routing.css'

type Matrix = RouterOutputs['routing']['matrix']
type Rule = Matrix['rules'][number]
type RuleInput = RouterInputs['routing']['createRule']

export function MatrixPage({ me }: { me: Me }) {
  const { t } = useT(routingText)
  const trpc = useTRPC()
  const [day, setDay] = useState(todayInChina())
  const at = day === todayInChina() ? undefined : endOfChinaDay(day).toISOString()
  const q = useQuery(trpc.routing.matrix.queryOptions({ at }))
  const grids = useQuery(trpc.grid.list.queryOptions({ level: 'community' }))
  const [editing, setEditing] = useState<Rule | 'new' | null>(null)
  const canEdit = me.role === 'leader' || me.role === 'admin'
  const m = q.data
  const gapGrids = new Set(m?.gaps.map((g) => g.gridId) ?? [])
  const overlapGrids = new Set(m?.overlaps.flatMap((o) => o.gridIds) ?? [])
  return (
    <main className="routing-page" data-testid="matrix-page">
      <h1>{t('m.title')}</h1>
      <p className="muted">{t('m.help')}</p>
      <label>{t('m.at')} <DatePicker value={day} onChange={(d) => { if (d) setDay(d) }} data-testid="matrix-at" /></label>
      {m && (
        <>
          <div className="table-scroll" tabIndex={0} role="region" aria-label={t('m.title')}>
            <table className="data-table" data-testid="matrix-table">
              <thead><tr><th>{t('m.category')}</th>{m.columns.map((c) => <th key={c.id ?? 'city'}>{c.id === null ? t('m.city') : c.name}</th>)}</tr></thead>
              <tbody>
                {m.categories.map((c) => (
                  <tr key={c.code}>
                    <th scope="row">{c.name}<div className="muted small">{c.group}</div></th>
                    {(m.cells[c.code] ?? []).map((cell, i) => (
                      <td key={i} data-testid={`cell-${c.code}-${m.columns[i]!.id ?? 'city'}`} className={cell.departmentName ? '' : 'muted'}>
                        {cell.departmentName ?? t('m.holder')}
                        {cell.exceptions.length > 0 && <div className="small">{t('m.exceptions', { n: cell.exceptions.length })}</div>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <section>
            <h2>{t('m.gaps')}</h2>
            {m.gaps.length === 0 ? <p className="muted">{t('m.none')}</p> : (
              <ul data-testid="matrix-gaps">{m.gaps.map((g, i) => <li key={i}>{t(g.reason === 'noHandler' ? 'm.gap.noHandler' : 'm.gap.repeatedReturns', { grid: g.gridName, category: g.categoryName, n: g.returns ?? 0 })}</li>)}</ul>
            )}
            <h2>{t('m.overlaps')}</h2>
            {m.overlaps.length === 0 ? <p className="muted">{t('m.none')}</p> : (
              <ul data-testid="matrix-overlaps">{m.overlaps.map((o, i) => <li key={i}>{t('m.overlap', { a: o.ruleIds[0], b: o.ruleIds[1], category: o.category, area: o.areaKind === 'city' ? t('m.city') : o.gridIds.length, departments: o.departments.join(' / ') })}</li>)}</ul>
            )}
            {grids.data && (gapGrids.size > 0 || overlapGrids.size > 0) && (
              <figure>
                <figcaption className="muted small">{t('m.map')}</figcaption>
                <CoverageSvg testId="matrix-map" width={520} grids={grids.data.features.map((f) => ({
                  id: f.properties.id, name: f.properties.name, geometry: f.geometry as Geometry,
                  fill: gapGrids.has(f.properties.id) ? '#c62828' : overlapGrids.has(f.properties.id) ? '#ef8f00' : '#d9dde3',
                  state: gapGrids.has(f.properties.id) ? 'gap' : overlapGrids.has(f.properties.id) ? 'overlap' : 'ok',
                }))} />
              </figure>
            )}
          </section>

          <section>
            <h2>{t('m.rules')}</h2>
            {canEdit && <button type="button" className="btn-primary" onClick={() => setEditing('new')} data-testid="rule-add">{t('m.add')}</button>}
            {editing && <RuleForm matrix={m} rule={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
            <table className="data-table" data-testid="matrix-rules">
              <tbody>
                {m.rules.map((r) => (
                  <tr key={r.id} className={r.inForce ? '' : 'muted'}>
                    <td>#{r.id}</td><td>{r.words}{r.fromReturnId ? `（${t('m.ruleFromReturn')}）` : ''}</td>
                    <td>{formatDate(r.validFrom)} – {r.validTo ? formatDate(r.validTo) : ''}</td>
                    <td>{r.inForce ? t('m.inForce') : t('m.notInForce')}</td>
                    <td>{canEdit && r.inForce && <><button type="button" className="btn-quiet" onClick={() => setEditing(r)}>{t('m.edit')}</button><EndButton rule={r} /></>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </main>
  )
}

function EndButton({ rule }: { rule: Rule }) {
  const { t, errorText } = useT(routingText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const m = useMutation(trpc.routing.endRule.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.routing.matrix.queryKey() }) }))
  return <>
    <button type="button" className="btn-quiet" disabled={m.isPending} onClick={() => m.mutate({ id: rule.id, version: rule.version })}>{t('m.end')}</button>
    {m.isError && <span className="form-error">{errorText(m.error)}</span>}
  </>
}

function RuleForm({ matrix, rule, onClose }: { matrix: Matrix; rule: Rule | null; onClose: () => void }) {
  const { t, errorText } = useT(routingText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const departments = useQuery(trpc.department.list.queryOptions())
  const [byGroup, setByGroup] = useState(rule ? rule.categoryGroup !== null : false)
  const [category, setCategory] = useState(rule?.categoryCode ?? rule?.categoryGroup ?? '')
  const [areaKind, setAreaKind] = useState<'city' | 'district' | 'street' | 'grids'>(rule?.areaKind ?? 'city')
  const [areaIds, setAreaIds] = useState<string>(rule?.areaIds.join(',') ?? '')
  const [dept, setDept] = useState<number | ''>(rule?.departmentId ?? '')
  const [from, setFrom] = useState(rule ? formatDate(rule.validFrom) : todayInChina())
  const [to, setTo] = useState(rule?.validTo ? formatDate(rule.validTo) : '')
  const [note, setNote] = useState(rule?.note ?? '')
  const [error, setError] = useState<string | null>(null)
  const done = { onSuccess: () => { void qc.invalidateQueries({ queryKey: trpc.routing.matrix.queryKey() }); onClose() }, onError: (e: unknown) => setError(errorText(e)) }
  const create = useMutation(trpc.routing.createRule.mutationOptions(done))
  const update = useMutation(trpc.routing.updateRule.mutationOptions(done))
  const submit = () => {
    setError(null)
    if (!category || dept === '') return
    const input: RuleInput = {
      categoryCode: byGroup ? null : category, categoryGroup: byGroup ? category : null, areaKind,
      areaIds: areaKind === 'city' ? [] : areaIds.split(/[,，\s]+/).filter(Boolean).map(Number),
      departmentId: dept, validFrom: chinaDate(from).toISOString(), validTo: to ? chinaDate(to).toISOString() : null, note,
    }
    if (rule) update.mutate({ ...input, id: rule.id, version: rule.version })
    else create.mutate(input)
  }
  return (
    <form className="pp-action-form" data-testid="rule-form" onSubmit={(e) => { e.preventDefault(); submit() }}>
      <label className="row"><input type="checkbox" checked={byGroup} onChange={(e) => { setByGroup(e.target.checked); setCategory('') }} />{t('m.byGroup')}</label>
      <label>{byGroup ? t('m.byGroup') : t('m.byCategory')}
        <select value={category} onChange={(e) => setCategory(e.target.value)} data-testid="rule-category">
          <option value="">—</option>
          {byGroup ? matrix.groups.map((g) => <option key={g} value={g}>{g}</option>) : matrix.categories.map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}
        </select>
      </label>
      <label>{t('m.area')}
        <select value={areaKind} onChange={(e) => setAreaKind(e.target.value as typeof areaKind)} data-testid="rule-area">
          <option value="city">{t('m.area.city')}</option><option value="district">{t('m.area.district')}</option><option value="street">{t('m.area.street')}</option><option value="grids">{t('m.area.grids')}</option>
        </select>
      </label>
      {areaKind === 'district' && (
        <select value={areaIds} onChange={(e) => setAreaIds(e.target.value)} data-testid="rule-district">
          <option value="">—</option>
          {matrix.districts.map((d) => <option key={d.id} value={String(d.id)}>{d.name}</option>)}
        </select>
      )}
      {areaKind === 'street' && (
        <select value={areaIds} onChange={(e) => setAreaIds(e.target.value)}>
          <option value="">—</option>
          {matrix.columns.filter((c) => c.id !== null).map((c) => <option key={c.id} value={String(c.id)}>{c.name}</option>)}
        </select>
      )}
      {areaKind === 'grids' && <input value={areaIds} onChange={(e) => setAreaIds(e.target.value)} placeholder="12, 13" />}
      <label>{t('m.department')}
        <select value={dept} onChange={(e) => setDept(e.target.value ? Number(e.target.value) : '')} data-testid="rule-department">
          <option value="">—</option>
          {departments.data?.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
        </select>
      </label>
      <label>{t('m.from')}<DatePicker value={from} onChange={setFrom} /></label>
      <label>{t('m.to')}<DatePicker value={to} onChange={setTo} clearable /></label>
      <label>{t('m.note')}<input value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} /></label>
      {error && <p className="form-error">{error}</p>}
      <div className="form-actions">
        <button type="submit" className="btn-primary" disabled={create.isPending || update.isPending} data-testid="rule-save">{t('m.save')}</button>
        <button type="button" className="btn-quiet" onClick={onClose}>{t('m.cancel')}</button>
      </div>
    </form>
  )
}
