/**
 * 网格台账 (admin): how many grids are held on a day, the register exported at that day (Excel or
 * CSV, the format the import reads), and an import: choose a file, preview (counts and every bad row
 * with its row number and reason), then import all rows or none, or the good rows only. The server
 * decides everything (server/services/register.ts); this page only shows its answers.
 */
import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { FilePicker } from '../../ui/FilePicker.tsx'
import { DatePicker } from '../../ui/DatePicker.tsx'
import { todayInChina } from '../../../server/domain/time.ts'
import { REGISTER_REASONS, type RegisterReason } from '../../../server/domain/register/registerRows.ts'
import { adminText } from './text.ts'

type Summary = { total: number; create: number; update: number; unchanged: number; failed: number }
type Row = { row: number; ok: boolean; reason?: string; message?: string; detail?: string }
interface Answer { summary: Summary; rows: Row[]; missing: string[]; unknownDepartments: string[]; committed?: boolean; changed?: boolean; createdDepartments?: string[] }

const MAX_BYTES = 20 * 1024 * 1024
type Mode = 'all-or-nothing' | 'good-rows'

async function send(file: File, query: URLSearchParams): Promise<Answer> {
  const res = await fetch(`/api/import/register?${query}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: file })
  const body = await res.json().catch(() => null) as (Answer & { error?: { message: string; appCode?: string } }) | null
  if (!res.ok || !body) throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), { appCode: body?.error?.appCode })
  return body
}

export function RegisterPanel() {
  const { t, lang, errorText } = useT(adminText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [date, setDate] = useState(() => todayInChina())
  const on = useQuery(trpc.holder.register.queryOptions({ date }))
  const [file, setFile] = useState<File | null>(null)
  const [createDepartments, setCreateDepartments] = useState(false)
  const [busy, setBusy] = useState(false)
  const [answer, setAnswer] = useState<Answer | null>(null)
  const [error, setError] = useState<string | null>(null)

  const run = async (mode: 'preview' | Mode) => {
    if (!file) return
    if (file.size > MAX_BYTES) { setError(errorText({ appCode: 'IMPORT_TOO_LARGE', message: '' })); return }
    setBusy(true); setError(null)
    const q = new URLSearchParams({ mode: mode === 'preview' ? 'preview' : 'commit', fileName: file.name, createDepartments: String(createDepartments) })
    if (mode !== 'preview') q.set('commitMode', mode)
    try {
      const a = await send(file, q)
      setAnswer(a)
      if (a.changed) {
        void qc.invalidateQueries({ queryKey: trpc.holder.register.queryKey() })
        void qc.invalidateQueries({ queryKey: trpc.holder.history.queryKey() })
        void qc.invalidateQueries({ queryKey: trpc.grid.list.queryKey() })
        void qc.invalidateQueries({ queryKey: trpc.department.list.queryKey() })
      }
    } catch (e) {
      setError(errorText(e))
    } finally {
      setBusy(false)
    }
  }
  const reason = (r: Row) => (r.reason && r.reason in REGISTER_REASONS ? REGISTER_REASONS[r.reason as RegisterReason][lang === 'en' ? 'en' : 'zh'] : r.message ?? '')
  const bad = answer?.rows.filter((r) => !r.ok) ?? []
  const exportHref = (format: 'xlsx' | 'csv') => `/api/register/export?format=${format}&date=${date}`

  return (
    <section data-testid="admin-register">
      <p className="muted small">{t('reg.intro')}</p>
      <div className="admin-form">
        <label>{t('reg.date')}<DatePicker required value={date} onChange={(v) => setDate(v || todayInChina())} data-testid="register-date" /></label>
        <div className="admin-actions">
          <span>{t('reg.export')}:</span>
          <a className="btn-quiet" href={exportHref('xlsx')} download data-testid="register-export-xlsx">Excel</a>
          <a className="btn-quiet" href={exportHref('csv')} download data-testid="register-export-csv">CSV</a>
        </div>
      </div>
      {on.data && <p className="small" data-testid="register-on">{t('reg.on', on.data)}</p>}

      <FilePicker label={t('reg.file')} accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" testId="register-file"
        onFile={(f) => { setFile(f); setAnswer(null); setError(null) }} />
      <label className="small"><input type="checkbox" checked={createDepartments} onChange={(e) => { setCreateDepartments(e.target.checked); setAnswer(null) }} data-testid="register-create-departments" /> {t('reg.createDepartments')}</label>
      <div className="admin-actions">
        <button type="button" className="btn-quiet" disabled={!file || busy} onClick={() => void run('preview')} data-testid="register-preview">{t('reg.preview')}</button>
        {busy && <span className="muted small">{t('reg.checking')}</span>}
      </div>
      {error && <p className="msg-error" role="alert" data-testid="register-error">{error}</p>}

      {answer && (
        <div data-testid="register-result">
          {answer.committed === false && <p className="msg-error" role="alert" data-testid="register-refused">{t('reg.refused')}</p>}
          {answer.committed === true && !answer.changed && <p className="msg-ok" role="status" data-testid="register-unchanged">{t('reg.unchanged')}</p>}
          {answer.committed === true && answer.changed && <p className="msg-ok" role="status" data-testid="register-done">{t('reg.done', answer.summary)}</p>}
          {answer.createdDepartments && answer.createdDepartments.length > 0 && <p className="small">{t('reg.createdDepartments', { names: answer.createdDepartments.join('、') })}</p>}
          {answer.missing.length > 0 ? <p className="msg-error">{t('reg.missing', { cols: answer.missing.join('、') })}</p> : (
            <>
              <p data-testid="register-summary"><b>{t('reg.summary', answer.summary)}</b></p>
              {answer.unknownDepartments.length > 0 && !createDepartments && <p className="small">{t('reg.unknownDepartments', { names: answer.unknownDepartments.join('、') })}</p>}
              {answer.committed === undefined && (
                <div className="admin-actions">
                  <button type="button" className="btn-primary" disabled={busy || answer.summary.failed > 0} onClick={() => void run('all-or-nothing')} data-testid="register-commit-all">{t('reg.commitAll')}</button>
                  <button type="button" className="btn-quiet" disabled={busy || answer.summary.total === answer.summary.failed} onClick={() => void run('good-rows')} data-testid="register-commit-good">{t('reg.commitGood')}</button>
                </div>
              )}
              {bad.length > 0 && (
                <>
                  <h3>{t('reg.badRows')}</h3>
                  <div className="admin-table-wrap"><table className="admin-table" data-testid="register-bad-rows">
                    <thead><tr><th scope="col">{t('reg.row')}</th><th scope="col">{t('reg.reason')}</th><th scope="col">{t('reg.detail')}</th></tr></thead>
                    <tbody>{bad.map((r) => <tr key={r.row} data-row={r.row}><td>{r.row}</td><td>{reason(r)}</td><td>{r.detail ?? ''}</td></tr>)}</tbody>
                  </table></div>
                </>
              )}
            </>
          )}
        </div>
      )}
    </section>
  )
}
