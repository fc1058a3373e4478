/**
 * 导入问题: choose an .xlsx/.csv file, the coordinate system and (if the headers were not recognised)
 * the column mapping; preview every row (ok with its grid/department, or its row number and reason);
 * then import with "all rows or none" or "good rows only". The header row is found among the first
 * rows (title rows, merged two-level headers) and can be chosen; a recognised preset (12345 export,
 * GridDuty's own export) is named. The upload shows its progress (XMLHttpRequest upload events), then
 * the server streams its own (rows read / valid while reading and checking, grids assigned, rows
 * written while committing). For a big file (up to 200 MB, 1,048,576 rows) the answer lists only some
 * rows (every bad row up to a cap, the first good ones) with exact counts, and the table shows at most
 * 2,000 of them; committing uploads the file again and the server checks it again.
 */
import { FilePicker } from '../../ui/FilePicker.tsx'
import { CoordSystemChoice } from '../../ui/CoordSystemChoice.tsx'
import type { CoordSystem } from '../../../server/domain/geometry/coordSystems.ts'
import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { problemsText } from './text.ts'
import { importText } from './importText.ts'
import './problems.css'
import { formatDateTime } from '../../../server/domain/time.ts'

const FIELDS = ['lng', 'lat', 'category', 'description', 'reportedAt', 'externalId', 'address', 'priority'] as const
type Field = (typeof FIELDS)[number]
type Mapping = Partial<Record<Field, number>>
/** the server's limit (server/services/problemImport.ts IMPORT_MAX_BYTES) */
const MAX_BYTES = 200 * 1024 * 1024

interface Row { row: number; ok: boolean; reason?: string; message?: string; detail?: string; warnings?: string[]; target?: { gridName: string; departmentName: string | null }; problemId?: number }
interface Preview {
  headers: string[]; mapping: Mapping; missing?: string[]; headerRow?: number; topRows?: string[][]; preset?: '12345' | 'gridduty' | null; source?: string; noReportTime?: boolean
  summary: { total: number; ok: number; skipped: number; failed: number; warnings?: number; imported?: number }; rows: Row[]; committed?: boolean; batchId?: number | null
  /** rows the answer does not list (a big file: the server lists every bad row up to a cap and the first good ones) */
  omitted?: { ok: number; bad: number }
  /** every bad row counted by reason */
  reasons?: Record<string, number>
}
/** the server's progress lines while it reads, checks and writes the rows */
interface ServerProgress { phase: 'read' | 'check' | 'write'; total: number; read: number; valid: number; written?: number }
const WARNING_TEXT: Record<string, { zh: string; en: string }> = { SWAPPED_COORDINATES: { zh: '经纬度填反，已交换', en: 'longitude/latitude swapped back' } }

/**
 * POST the raw file with upload progress, then read the server's NDJSON answer as it streams:
 * progress lines (rows read / valid / written), then the result or the error.
 */
function send(file: File, query: URLSearchParams, onProgress: (p: number | null | ServerProgress) => void): Promise<Preview> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    query.set('progress', '1')
    xhr.open('POST', `/api/import/problems?${query}`)
    xhr.setRequestHeader('content-type', 'application/octet-stream')
    xhr.responseType = 'text'
    let seen = 0
    let result: Preview | null = null, failure: string | null = null
    const readLines = () => {
      const text = xhr.responseText
      const end = text.lastIndexOf('\n')
      if (end < seen) return
      for (const line of text.slice(seen, end).split('\n')) {
        if (!line.trim()) continue
        const msg = JSON.parse(line) as { progress?: ServerProgress; result?: Preview; error?: { message: string } }
        if (msg.progress) onProgress(msg.progress)
        if (msg.result) result = msg.result
        if (msg.error) failure = msg.error.message
      }
      seen = end + 1
    }
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100)) }
    xhr.upload.onload = () => onProgress(null) // uploaded: the server is processing
    xhr.onprogress = () => { if (xhr.status === 200) readLines() }
    xhr.onload = () => {
      if (xhr.status !== 200) {
        let message = `HTTP ${xhr.status}`
        try { message = (JSON.parse(xhr.responseText) as { error?: { message: string } }).error?.message ?? message } catch { /* not JSON */ }
        reject(new Error(message)); return
      }
      readLines()
      if (result) resolve(result)
      else reject(new Error(failure ?? 'no answer'))
    }
    xhr.onerror = () => reject(new Error('network error'))
    xhr.send(file)
  })
}

export function ProblemImportPage(_: { me: Me }) {
  const { t, errorText, lang } = useT(problemsText)
  const { t: tb } = useT(importText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [file, setFile] = useState<File | null>(null)
  // no default: the planner of a file says which system it uses (the same choice as the boundary import)
  const [coords, setCoords] = useState<CoordSystem | null>(null)
  const [mapping, setMapping] = useState<Mapping | null>(null)
  const [mode, setMode] = useState<'all-or-nothing' | 'good-rows'>('good-rows')
  const [progress, setProgress] = useState<number | null | 'idle' | ServerProgress>('idle')
  const [headerRow, setHeaderRow] = useState<number | null>(null)
  const [result, setResult] = useState<Preview | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [onlyBad, setOnlyBad] = useState(false)
  const history = useQuery(trpc.problem.imports.queryOptions())

  const run = async (step: 'preview' | 'commit') => {
    if (!file || !coords) return
    if (file.size > MAX_BYTES) { setError(t('i.tooLarge')); return }
    setError(null)
    const q = new URLSearchParams({ mode: step, coords, commitMode: mode, fileName: file.name })
    if (mapping) q.set('mapping', JSON.stringify(mapping))
    if (headerRow !== null) q.set('headerRow', String(headerRow))
    setProgress(0)
    try {
      const r = await send(file, q, setProgress)
      // a commit answer has no headers/mapping: keep the preview's
      setResult((prev) => (step === 'commit' && prev ? { ...prev, ...r } : r))
      if (r.mapping) setMapping(r.mapping)
      if (step === 'commit') {
        void qc.invalidateQueries({ queryKey: trpc.problem.list.queryKey() })
        void qc.invalidateQueries({ queryKey: trpc.problem.imports.queryKey() })
      }
    } catch (e) {
      setError(errorText(e))
    } finally {
      setProgress('idle')
    }
  }

  const busy = progress !== 'idle'
  const rows = result?.rows.filter((r) => !onlyBad || !r.ok) ?? []
  return (
    <div className="pp-page" data-testid="import-page">
      <section className="card record-form">
        <h2>{t('i.title')}</h2>
        <p className="muted small">{t('i.help')}</p>
        <FilePicker label={t('i.file')} accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" testId="import-file"
          onFile={(f) => { setFile(f); setResult(null); setMapping(null); setHeaderRow(null) }} />
        <CoordSystemChoice value={coords} onChange={(c) => { setCoords(c); setResult(null) }} testId="import-coords" />
        {result?.topRows && result.headerRow !== undefined && (
          <label>{t('i.headerRow')}
            <select value={headerRow ?? result.headerRow} data-testid="import-header-row" onChange={(e) => {
              // another header row: the mapping is guessed again from it at the next preview
              setHeaderRow(Number(e.target.value)); setMapping(null)
            }}>
              {result.topRows.map((r, i) => <option key={i} value={i + 1}>{t('i.headerRow.n', { n: i + 1, text: r.filter(Boolean).join(' | ').slice(0, 80) })}</option>)}
            </select>
          </label>
        )}
        {result?.preset && <p className="muted small" data-testid="import-preset">{t('i.preset')}：{t(`i.preset.${result.preset}`)}</p>}
        {result && result.headers.length > 0 && mapping && (headerRow === null || headerRow === result.headerRow) && (
          <fieldset className="pp-mapping">
            <legend>{t('i.mapping')}</legend>
            {FIELDS.map((f) => (
              <label key={f}>{t(`i.field.${f}`)}{['lng', 'lat', 'category', 'description'].includes(f) ? ' *' : ''}
                <select value={mapping[f] ?? ''} data-testid={`map-${f}`} onChange={(e) => {
                  const next = { ...mapping }
                  if (e.target.value === '') delete next[f]
                  else next[f] = Number(e.target.value)
                  setMapping(next)
                }}>
                  <option value="">{t('i.none')}</option>
                  {result.headers.map((h, i) => <option key={i} value={i}>{h || `#${i + 1}`}</option>)}
                </select>
              </label>
            ))}
          </fieldset>
        )}
        <div className="form-actions">
          <button type="button" className="btn-quiet" disabled={!file || !coords || busy} onClick={() => void run('preview')} data-testid="import-preview">{t('i.preview')}</button>
        </div>
        {busy && (
          <div className="pp-progress" data-testid="import-progress">
            <progress max={100} value={typeof progress === 'number' ? progress
              : progress && typeof progress === 'object' && progress.total > 0 ? Math.round(100 * (progress.phase === 'write' ? (progress.written ?? 0) / Math.max(1, progress.valid) : progress.read / progress.total)) : undefined} />
            <span>{typeof progress === 'number' ? t('i.uploading', { p: progress })
              : progress && typeof progress === 'object' ? (progress.phase === 'write' ? t('i.writing', { written: progress.written ?? 0, total: progress.valid })
                : progress.phase === 'read' && progress.total === 0 ? tb('i.reading', { read: progress.read, valid: progress.valid })
                  : progress.phase === 'check' ? tb('i.placing', { read: progress.read, total: progress.total, valid: progress.valid })
                    : t('i.progress', { read: progress.read, total: progress.total, valid: progress.valid }))
                : t('i.processing')}</span>
          </div>
        )}
        {error && <p className="form-error" data-testid="import-error">{error}</p>}
      </section>

      {result && (
        <section className="card" data-testid="import-result">
          {result.committed === true && <p className="notice" data-testid="import-committed">{t('i.committed', { n: result.summary.imported ?? 0, batch: result.batchId ?? '' })}</p>}
          {result.committed === false && <p className="form-error" data-testid="import-refused">{t('i.refused')}</p>}
          {result.missing && result.missing.length > 0 ? <p className="form-error">{t('i.mapping')}: {result.missing.map((f) => t(`i.field.${f}` as 'i.field.lng')).join('、')}</p> : (
            <>
              <p data-testid="import-summary"><b>{t('i.summary', result.summary)}</b></p>
              {result.noReportTime && <p className="muted small" data-testid="import-no-time">{t('i.noReportTime')}</p>}
              {(result.summary.warnings ?? 0) > 0 && <p className="notice" data-testid="import-warnings">{t('i.warnings', { n: result.summary.warnings ?? 0 })}</p>}
              {result.committed === undefined && (
                <div className="row">
                  <label>{t('i.mode')}
                    <select value={mode} onChange={(e) => setMode(e.target.value as typeof mode)} data-testid="import-mode">
                      <option value="good-rows">{t('i.mode.good-rows')}</option>
                      <option value="all-or-nothing">{t('i.mode.all-or-nothing')}</option>
                    </select>
                  </label>
                  <button type="button" className="btn-primary" disabled={busy || result.summary.ok === 0} onClick={() => void run('commit')} data-testid="import-commit">{t('i.commit')}</button>
                </div>
              )}
              {result.reasons && Object.keys(result.reasons).length > 0 && (
                <p className="muted small" data-testid="import-reasons">{tb('i.reasons')}：{Object.entries(result.reasons).map(([code, n]) => `${result.rows.find((r) => r.reason === code)?.message ?? code} ${n}`).join('；')}</p>
              )}
              {result.omitted && result.omitted.ok + result.omitted.bad > 0 && (
                <p className="muted small" data-testid="import-omitted">{tb('i.omitted', { listed: result.rows.length, ok: result.omitted.ok, bad: result.omitted.bad })}</p>
              )}
              <label className="check"><input type="checkbox" checked={onlyBad} onChange={(e) => setOnlyBad(e.target.checked)} /> {t('i.onlyBad')}</label>
              <div className="table-wrap" tabIndex={0}>
                <table className="data-table" data-testid="import-rows">
                  <thead><tr><th>{t('i.row')}</th><th>{t('i.result')}</th><th>{t('i.target')} / {t('i.reason')}</th></tr></thead>
                  <tbody>
                    {rows.slice(0, 2000).map((r) => (
                      <tr key={r.row} className={r.ok ? '' : 'bad'}>
                        <td className="num">{r.row}</td>
                        <td>{r.ok ? (r.problemId ? t('i.imported', { id: r.problemId }) : t('i.ok')) : r.message}</td>
                        <td>{r.ok ? `${r.target?.gridName ?? ''}（${r.target?.departmentName ?? '—'}）` : (r.detail ?? '')}
                          {r.warnings?.map((w) => <span key={w} className="muted small"> · {WARNING_TEXT[w]?.[lang === 'zh-CN' ? 'zh' : 'en'] ?? w}</span>)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </section>
      )}

      {history.data && history.data.length > 0 && (
        <section className="card">
          <h2>{t('i.history')}</h2>
          <ul className="pp-list">
            {history.data.map((b) => (
              <li key={b.id}>#{b.id} {b.fileName} · {formatDateTime(b.createdAt)} · {b.createdBy} · {t('i.summary', { total: b.total, ok: b.imported, skipped: b.skipped, failed: b.failed })}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  )
}
