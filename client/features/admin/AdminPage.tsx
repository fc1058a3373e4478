/**
 * 系统管理 (admin): users, departments (edited with their version), grid holders (assign a department
 * from a date; the previous period ends, history stays) and the audit trail (leaders may read it).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { TRPCClientError } from '@trpc/client'
import { useTRPC, type Me, type RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { ROLE } from '../../../server/domain/vocabulary/terms.ts'
import { auditFieldLabel, auditSentence, auditValue } from '../../../server/domain/vocabulary/audit.ts'
import { adminText } from './text.ts'
import './admin.css'
import { formatDate, formatDateTime, startOfChinaDay, todayInChina } from '../../../server/domain/time.ts'
import { DatePicker } from '../../ui/DatePicker.tsx'
import { useConfirm } from '../../ui/Confirm.tsx'
import { RegisterPanel } from './RegisterPanel.tsx'

type Tab = 'users' | 'departments' | 'holders' | 'register' | 'calendar' | 'audit'
/** a form's message: a success (已保存) in its own style, never in error red */
type Msg = { kind: 'ok' | 'error'; text: string } | null
function Message({ msg }: { msg: Msg }) {
  if (!msg) return null
  return <p className={msg.kind === 'ok' ? 'msg-ok' : 'msg-error'} role={msg.kind === 'ok' ? 'status' : 'alert'} data-testid={msg.kind === 'ok' ? 'admin-ok' : 'admin-error'}>{msg.text}</p>
}
const local = (iso: string | null) => (iso ? formatDateTime(iso) : '')

export function AdminPage({ me }: { me: Me }) {
  const { t } = useT(adminText)
  const tabs: Tab[] = me.role === 'admin' ? ['users', 'departments', 'holders', 'register', 'calendar', 'audit'] : ['audit']
  const [tab, setTab] = useState<Tab>(tabs[0]!)
  return (
    <div className="admin-page">
      <h2>{t('title')}</h2>
      <div className="admin-tabs" role="tablist">
        {tabs.map((k) => <button key={k} role="tab" aria-selected={tab === k} className={tab === k ? 'active' : ''} onClick={() => setTab(k)}>{t(k)}</button>)}
      </div>
      {tab === 'users' && <Users />}
      {tab === 'departments' && <Departments />}
      {tab === 'holders' && <Holders />}
      {tab === 'register' && <RegisterPanel />}
      {tab === 'calendar' && <Calendar />}
      {tab === 'audit' && <Audit />}
    </div>
  )
}

function Users() {
  const { t, role, errorText: errText } = useT(adminText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const users = useQuery(trpc.user.list.queryOptions())
  const depts = useQuery(trpc.department.list.queryOptions())
  const [editing, setEditing] = useState<number | 'new' | null>(null)
  const [form, setForm] = useState({ login: '', displayName: '', role: 'department' as Me['role'], departmentId: '' as string, password: '' })
  const [msg, setMsg] = useState<Msg>(null)
  /** a changed field: the message about the last try is stale, clear it */
  const edit = (p: Partial<typeof form>) => { setForm((f) => ({ ...f, ...p })); setMsg(null) }
  const done = () => { setEditing(null); setMsg({ kind: 'ok', text: t('saved') }); void qc.invalidateQueries({ queryKey: trpc.user.list.queryKey() }) }
  const create = useMutation(trpc.user.create.mutationOptions({ onSuccess: done, onError: (e) => setMsg({ kind: 'error', text: errText(e) }) }))
  const update = useMutation(trpc.user.update.mutationOptions({ onSuccess: done, onError: (e) => setMsg({ kind: 'error', text: errText(e) }) }))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const departmentId = form.departmentId ? Number(form.departmentId) : null
    if (editing === 'new') create.mutate({ login: form.login, displayName: form.displayName, role: form.role, departmentId, password: form.password })
    else if (typeof editing === 'number') update.mutate({ id: editing, displayName: form.displayName, role: form.role, departmentId, ...(form.password ? { password: form.password } : {}) })
  }
  const open = (u?: RouterOutputs['user']['list'][number]) => {
    setMsg(null)
    setEditing(u ? u.id : 'new')
    setForm({ login: u?.login ?? '', displayName: u?.displayName ?? '', role: (u?.role as Me['role']) ?? 'department', departmentId: u?.departmentId ? String(u.departmentId) : '', password: '' })
  }
  return (
    <section>
      <button className="btn-primary" onClick={() => open()}>{t('create')}</button>
      <Message msg={msg} />
      {editing !== null && (
        <form className="admin-form" onSubmit={submit}>
          {editing === 'new' && <label>{t('login')}<input required value={form.login} onChange={(e) => edit({ login: e.target.value })} /></label>}
          <label>{t('name')}<input required value={form.displayName} onChange={(e) => edit({ displayName: e.target.value })} /></label>
          <label>{t('role')}<select value={form.role} onChange={(e) => edit({ role: e.target.value as Me['role'] })}>
            {Object.keys(ROLE).map((k) => <option key={k} value={k}>{role(k)}</option>)}
          </select></label>
          <label>{t('department')}<select value={form.departmentId} onChange={(e) => edit({ departmentId: e.target.value })}>
            <option value="">{t('none')}</option>
            {depts.data?.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
          </select></label>
          <label>{editing === 'new' ? t('password') : t('newPassword')}<input type="password" required={editing === 'new'} minLength={8} value={form.password} onChange={(e) => edit({ password: e.target.value })} /></label>
          <div className="admin-actions"><button className="btn-primary" type="submit">{t('save')}</button><button type="button" className="btn-quiet" onClick={() => setEditing(null)}>{t('cancel')}</button></div>
        </form>
      )}
      {users.isLoading ? <p>{t('loading')}</p> : (
        <div className="admin-table-wrap"><table className="admin-table">
          <thead><tr><th>{t('login')}</th><th>{t('name')}</th><th>{t('role')}</th><th>{t('department')}</th><th /></tr></thead>
          <tbody>{users.data?.map((u) => (
            <tr key={u.id}><td>{u.login}</td><td>{u.displayName}</td><td>{role(u.role)}</td><td>{u.departmentName ?? ''}</td>
              <td><button className="btn-quiet" onClick={() => open(u)}>{t('edit')}</button></td></tr>
          ))}</tbody>
        </table></div>
      )}
    </section>
  )
}

function Departments() {
  const { t, role, errorText: errText } = useT(adminText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const depts = useQuery(trpc.department.list.queryOptions())
  const [editing, setEditing] = useState<{ id: number; version: number } | 'new' | null>(null)
  const [form, setForm] = useState({ name: '', shortName: '', contactPerson: '', phone: '' })
  const [msg, setMsg] = useState<Msg>(null)
  /** a changed field: the message about the last try is stale, clear it */
  const edit = (p: Partial<typeof form>) => { setForm((f) => ({ ...f, ...p })); setMsg(null) }
  const reload = () => qc.invalidateQueries({ queryKey: trpc.department.list.queryKey() })
  const onError = (e: unknown) => {
    if (e instanceof TRPCClientError && (e.data as { appCode?: string } | undefined)?.appCode === 'VERSION_CONFLICT') { setMsg({ kind: 'error', text: t('conflict') }); setEditing(null); void reload() } else setMsg({ kind: 'error', text: errText(e) })
  }
  const done = () => { setEditing(null); setMsg({ kind: 'ok', text: t('saved') }); void reload() }
  const create = useMutation(trpc.department.create.mutationOptions({ onSuccess: done, onError }))
  const update = useMutation(trpc.department.update.mutationOptions({ onSuccess: done, onError }))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (editing === 'new') create.mutate(form)
    else if (editing) update.mutate({ id: editing.id, version: editing.version, ...form })
  }
  return (
    <section>
      <button className="btn-primary" onClick={() => { setMsg(null); setEditing('new'); setForm({ name: '', shortName: '', contactPerson: '', phone: '' }) }}>{t('create')}</button>
      <Message msg={msg} />
      {editing !== null && (
        <form className="admin-form" onSubmit={submit}>
          <label>{t('name')}<input required value={form.name} onChange={(e) => edit({ name: e.target.value })} /></label>
          <label>{t('shortName')}<input required value={form.shortName} onChange={(e) => edit({ shortName: e.target.value })} /></label>
          <label>{t('contact')}<input value={form.contactPerson} onChange={(e) => edit({ contactPerson: e.target.value })} /></label>
          <label>{t('phone')}<input value={form.phone} onChange={(e) => edit({ phone: e.target.value })} /></label>
          <div className="admin-actions"><button className="btn-primary" type="submit">{t('save')}</button><button type="button" className="btn-quiet" onClick={() => setEditing(null)}>{t('cancel')}</button></div>
        </form>
      )}
      <div className="admin-table-wrap"><table className="admin-table">
        <thead><tr><th>{t('name')}</th><th>{t('shortName')}</th><th>{t('contact')}</th><th>{t('phone')}</th><th>{t('grids')}</th><th /></tr></thead>
        <tbody>{depts.data?.map((d) => (
          <tr key={d.id}><td>{d.name}</td><td>{d.shortName}</td><td>{d.contactPerson}</td><td>{d.phone}</td><td>{d.gridCount}</td>
            <td><button className="btn-quiet" onClick={() => { setMsg(null); setEditing({ id: d.id, version: d.version }); setForm({ name: d.name, shortName: d.shortName, contactPerson: d.contactPerson, phone: d.phone }) }}>{t('edit')}</button></td></tr>
        ))}</tbody>
      </table></div>
    </section>
  )
}

function Holders() {
  const { t, errorText: errText } = useT(adminText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [confirmDialog, confirm] = useConfirm()
  // streets and communities are held by a department; a district only when one is assigned to it
  const [level, setLevel] = useState<'community' | 'street' | 'district'>('community')
  const grids = useQuery(trpc.grid.list.queryOptions({ level }))
  const depts = useQuery(trpc.department.list.queryOptions())
  const [gridId, setGridId] = useState<number | null>(null)
  const history = useQuery({ ...trpc.holder.history.queryOptions({ gridId: gridId ?? 1 }), enabled: gridId !== null })
  const current = history.data?.find((h) => h.validTo === null) ?? null
  const blank = { departmentId: '', cadreName: '', cadreTitle: '', contactName: '', contactPhone: '', validFrom: todayInChina() }
  const [form, setForm] = useState(blank)
  const [msg, setMsg] = useState<Msg>(null)
  const edit = (p: Partial<typeof form>) => { setForm((f) => ({ ...f, ...p })); setMsg(null) }
  // the edit form starts from the grid's current holder (prefilled), the new period from today
  const prefilledFor = useRef<string | null>(null)
  useEffect(() => {
    if (gridId === null || !history.data) return
    const key = `${gridId}:${current?.id ?? 'none'}`
    if (prefilledFor.current === key) return
    prefilledFor.current = key
    setForm(current ? { departmentId: String(current.departmentId), cadreName: current.cadreName, cadreTitle: current.cadreTitle, contactName: current.contactName, contactPhone: current.contactPhone, validFrom: todayInChina() } : blank)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [gridId, history.data, current])
  const assign = useMutation(trpc.holder.assign.mutationOptions({
    onSuccess: () => { setMsg({ kind: 'ok', text: t('saved') }); void qc.invalidateQueries({ queryKey: trpc.holder.history.queryKey() }); void qc.invalidateQueries({ queryKey: trpc.grid.list.queryKey() }) },
    onError: (e) => {
      if (e instanceof TRPCClientError && (e.data as { appCode?: string } | undefined)?.appCode === 'HOLDER_CONFLICT') { setMsg({ kind: 'error', text: t('conflict') }); void history.refetch() } else setMsg({ kind: 'error', text: errText(e) })
    },
  }))
  const gridName = grids.data?.features.find((f) => f.properties.id === gridId)?.properties.name ?? ''
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    if (gridId === null) return
    const newDept = depts.data?.find((d) => String(d.id) === form.departmentId)?.name ?? ''
    // reassigning a held grid ends the current period: ask first
    if (current && !(await confirm({
      title: t('confirmReassign', { grid: gridName }),
      body: t('confirmReassignBody', { from: current.departmentName ?? '—', to: newDept, day: form.validFrom }),
      confirmLabel: t('assign'),
    }))) return
    // the date is a Beijing calendar day: the period starts at its midnight (UTC+8)
    assign.mutate({ gridId, expectedHolderId: current?.id ?? null, departmentId: Number(form.departmentId), cadreName: form.cadreName, cadreTitle: form.cadreTitle, contactName: form.contactName, contactPhone: form.contactPhone, validFrom: startOfChinaDay(form.validFrom).toISOString() })
  }
  return (
    <section>
      {confirmDialog}
      <div className="admin-form">
        <label>{t('level')}<select value={level} onChange={(e) => { setMsg(null); setGridId(null); setLevel(e.target.value as 'community' | 'street' | 'district') }} data-testid="holder-level">
          <option value="community">{t('community')}</option><option value="street">{t('street')}</option><option value="district">{t('district')}</option>
        </select></label>
        <label className="admin-grid-pick">{t('grid')}
          <select value={gridId ?? ''} onChange={(e) => { setMsg(null); setGridId(e.target.value ? Number(e.target.value) : null) }} data-testid="holder-grid">
            <option value="">{t('pickGrid')}</option>
            {grids.data?.features.map((f) => <option key={f.properties.id} value={f.properties.id}>{f.properties.name}（{f.properties.holderDepartment ?? t('none')}）</option>)}
          </select>
        </label>
      </div>
      <Message msg={msg} />
      {gridId !== null && (
        <>
          <h3>{current ? t('editHolder', { grid: gridName }) : t('newHolder', { grid: gridName })}</h3>
          <form className="admin-form" onSubmit={(e) => void submit(e)} data-testid="holder-form">
            <label>{t('department')}<select required value={form.departmentId} onChange={(e) => edit({ departmentId: e.target.value })} data-testid="holder-department">
              <option value="" />
              {depts.data?.map((d) => <option key={d.id} value={d.id}>{d.name}</option>)}
            </select></label>
            <label>{t('cadre')}<input required value={form.cadreName} onChange={(e) => edit({ cadreName: e.target.value })} data-testid="holder-cadre" /></label>
            <label>{t('cadreTitle')}<input required value={form.cadreTitle} onChange={(e) => edit({ cadreTitle: e.target.value })} /></label>
            <label>{t('contactName')}<input required value={form.contactName} onChange={(e) => edit({ contactName: e.target.value })} /></label>
            <label>{t('contactPhone')}<input required value={form.contactPhone} onChange={(e) => edit({ contactPhone: e.target.value })} data-testid="holder-phone" /></label>
            <label>{t('from')}<DatePicker required value={form.validFrom} onChange={(v) => edit({ validFrom: v })} data-testid="holder-from" /></label>
            <div className="admin-actions"><button className="btn-primary" type="submit" disabled={assign.isPending || !form.validFrom} data-testid="holder-submit">{current ? t('reassign') : t('assign')}</button></div>
          </form>
          <h3>{t('history')}</h3>
          <div className="admin-table-wrap"><table className="admin-table">
            <thead><tr><th>{t('department')}</th><th>{t('cadre')}</th><th>{t('contactName')}</th><th>{t('from')}</th><th>{t('to')}</th></tr></thead>
            <tbody>{history.data?.map((h) => (
              <tr key={h.id}><td>{h.departmentName}</td><td>{h.cadreName}（{h.cadreTitle}）</td><td>{h.contactName} {h.contactPhone}</td><td>{formatDate(h.validFrom)}</td><td>{h.validTo ? formatDate(h.validTo) : t('stillHolds')}</td></tr>
            ))}</tbody>
          </table></div>
        </>
      )}
    </section>
  )
}

/** 节假日日历: the statutory holidays and 调休 working days behind working-day deadlines, a year at a time. */
function Calendar() {
  const { t, errorText: errText } = useT(adminText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [year, setYear] = useState(() => Number(todayInChina().slice(0, 4)))
  const [form, setForm] = useState({ day: '', kind: 'holiday' as 'holiday' | 'workday', name: '' })
  const [msg, setMsg] = useState<Msg>(null)
  /** a changed field: the message about the last try is stale, clear it */
  const edit = (p: Partial<typeof form>) => { setForm((f) => ({ ...f, ...p })); setMsg(null) }
  const list = useQuery(trpc.calendar.list.queryOptions({ year }))
  const done = () => { setMsg({ kind: 'ok', text: t('saved') }); void qc.invalidateQueries({ queryKey: trpc.calendar.list.queryKey() }) }
  const set = useMutation(trpc.calendar.set.mutationOptions({ onSuccess: () => { done(); setForm((f) => ({ ...f, day: '', name: '' })) }, onError: (e) => setMsg({ kind: 'error', text: errText(e) }) }))
  const remove = useMutation(trpc.calendar.remove.mutationOptions({ onSuccess: done, onError: (e) => setMsg({ kind: 'error', text: errText(e) }) }))
  const markYear = useMutation(trpc.calendar.setYear.mutationOptions({ onSuccess: done, onError: (e) => setMsg({ kind: 'error', text: errText(e) }) }))
  const [confirmDialog, confirm] = useConfirm()
  const submit = (e: FormEvent) => { e.preventDefault(); setMsg(null); set.mutate(form) }
  return (
    <section data-testid="admin-calendar">
      {confirmDialog}
      <p className="muted small">{t('cal.intro')}</p>
      <label>{t('cal.year')} <input type="number" min={2000} max={2100} value={year} onChange={(e) => setYear(Number(e.target.value) || year)} style={{ width: 90 }} /></label>
      {list.data && <p className="small">{!list.data.known ? t('cal.unknown') : list.data.provisional ? t('cal.provisional') : t('cal.official')}{list.data.source ? ` · ${list.data.source}` : ''}
        {' '}<button className="btn-quiet" disabled={markYear.isPending} onClick={() => { setMsg(null); markYear.mutate({ year, provisional: !(list.data.known && list.data.provisional), source: list.data.source }) }}>{list.data.known && list.data.provisional ? t('cal.markOfficial') : t('cal.markProvisional')}</button></p>}
      <Message msg={msg} />
      <form className="admin-form" onSubmit={submit}>
        <label>{t('cal.day')}<DatePicker required value={form.day} onChange={(v) => edit({ day: v })} /></label>
        <label>{t('cal.kind')}<select value={form.kind} onChange={(e) => edit({ kind: e.target.value as 'holiday' | 'workday' })}>
          <option value="holiday">{t('cal.holiday')}</option><option value="workday">{t('cal.workday')}</option>
        </select></label>
        <label>{t('cal.name')}<input required maxLength={40} value={form.name} onChange={(e) => edit({ name: e.target.value })} /></label>
        <div className="admin-actions"><button className="btn-primary" type="submit" disabled={set.isPending}>{t('save')}</button></div>
      </form>
      {list.isLoading ? <p>{t('loading')}</p> : (
        <div className="admin-table-wrap"><table className="admin-table">
          <thead><tr><th>{t('cal.day')}</th><th>{t('cal.kind')}</th><th>{t('cal.name')}</th><th /></tr></thead>
          <tbody>{list.data?.days.map((d) => (
            <tr key={d.day}><td>{d.day}</td><td>{d.kind === 'holiday' ? t('cal.holiday') : t('cal.workday')}</td><td>{d.name}</td>
              <td><button className="btn-quiet" disabled={remove.isPending} onClick={async () => { setMsg(null); if (await confirm({ title: t('cal.confirmRemove', { day: d.day }), body: d.name, confirmLabel: t('cal.remove') })) remove.mutate({ day: d.day }) }}>{t('cal.remove')}</button></td></tr>
          ))}</tbody>
        </table></div>
      )}
    </section>
  )
}

function Audit() {
  const { t, lang } = useT(adminText)
  const trpc = useTRPC()
  const [cursor, setCursor] = useState<number | undefined>(undefined)
  const page = useQuery(trpc.audit.list.queryOptions({ cursor, limit: 50 }))
  return (
    <section>
      <ol className="audit-list" data-testid="audit-list">{page.data?.items.map((a) => (
        <li key={a.id} className="audit-item" data-action={a.action}>
          <div className="audit-head"><time className="muted">{local(a.at)}</time> <span className="audit-sentence">{auditSentence(a, lang)}</span></div>
          {a.changes.length > 0 && (
            <table className="audit-diff">
              <caption className="sr-only">{t('changedFields')}</caption>
              <thead><tr><th scope="col">{t('field')}</th><th scope="col">{t('before')}</th><th scope="col">{t('after')}</th></tr></thead>
              <tbody>{a.changes.map((c) => (
                <tr key={c.field}><th scope="row">{auditFieldLabel(c.field, lang)}</th><td className="was">{auditValue(c.field, c.before, lang, a.entity)}</td><td className="now">{auditValue(c.field, c.after, lang, a.entity)}</td></tr>
              ))}</tbody>
            </table>
          )}
        </li>
      ))}</ol>
      {page.data?.nextCursor && <button className="btn-quiet" onClick={() => setCursor(page.data!.nextCursor ?? undefined)}>{t('more')}</button>}
    </section>
  )
}
