/**
 * The planner's side panel: editing modes and undo/redo, the selection with merge and clip, the
 * live validation, the impact preview, saving a version (now or from a date), import, export and
 * the version list. Edits go to the session's reducer (plannerDraft.ts); the API calls live here.
 */
import { useMemo, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type RouterOutputs } from '../../api.ts'
import { mergeCandidates, type Notice } from './plannerDraft.ts'
import type { PlannerSession } from './usePlannerDraft.ts'
import type { FocusRequest } from './PlannerMap.tsx'
import { usePlannerText, type PlannerKey } from './text.ts'
import { formatDate, startOfChinaDay, todayInChina } from '../../../server/domain/time.ts'

function download(name: string, mime: string, data: BlobPart) {
  const url = URL.createObjectURL(new Blob([data], { type: mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 1000)
}

export function PlannerPanel({ planner, onFocus }: { planner: PlannerSession; onFocus: (f: FocusRequest) => void }) {
  const { t, errorText } = usePlannerText()
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const current = useQuery(trpc.boundary.current.queryOptions())
  const versions = useQuery(trpc.boundary.versions.queryOptions())
  const { session, dispatch, state, draft, dirty, selectedGrid: sel } = planner
  const { mode, issues, preview } = session
  const [accept, setAccept] = useState<string[]>([])
  const [reason, setReason] = useState('')
  const [effective, setEffective] = useState(() => todayInChina())

  const previewM = useMutation(trpc.boundary.preview.mutationOptions({ onSuccess: (r) => dispatch({ type: 'preview', preview: r }) }))
  const save = useMutation(trpc.boundary.save.mutationOptions({
    onSuccess: async (r) => {
      // refetch the grids first: the session restarts from the saved boundaries, not the cached ones
      await queryClient.invalidateQueries()
      dispatch({ type: 'restart', notice: r.number === null ? { key: 'scheduled' } : { key: 'saved', post: ` ${r.number}` } })
    },
  }))
  const cancel = useMutation(trpc.boundary.cancel.mutationOptions({
    onSuccess: async () => { await queryClient.invalidateQueries() },
  }))
  const revert = useMutation(trpc.boundary.revert.mutationOptions({
    onSuccess: async (r) => { await queryClient.invalidateQueries(); dispatch({ type: 'restart', notice: { key: 'saved', post: ` ${r.number}` } }) },
  }))

  const neighbourList = useMemo(() => (state && sel ? mergeCandidates(state, sel.key) : []), [state, sel])
  const message = session.notice ? noticeText(session.notice, t) : null
  const blocking = issues.filter((i) => !i.acceptable || !accept.includes(i.code))
  const acceptableCodes = [...new Set(issues.filter((i) => i.acceptable).map((i) => i.code))]
  const kindLabel = (k: string) => t(k as PlannerKey)
  const m2 = (v: number) => (Math.abs(v) >= 1e4 ? `${(v / 1e6).toFixed(3)} km²` : `${v.toFixed(0)} m²`)

  return (
    <aside style={{ flex: '1 1 340px', maxWidth: '100%', overflow: 'auto', padding: 12, boxSizing: 'border-box', fontSize: 14 }}>
      <h2 style={{ marginTop: 0 }}>{t('title')}</h2>
      <p>{t('version')}：<b data-testid="planner-version">{current.data?.version ?? '…'}</b></p>
      <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6 }}>
        <button type="button" aria-pressed={mode === 'select'} onClick={() => dispatch({ type: 'mode', mode: 'select' })}>{t('modeSelect')}</button>
        <button type="button" aria-pressed={mode === 'split'} disabled={!sel} onClick={() => dispatch({ type: 'mode', mode: 'split' })} data-testid="planner-split">{t('modeSplit')}</button>
        <button type="button" aria-pressed={mode === 'new'} onClick={() => dispatch({ type: 'mode', mode: 'new' })} data-testid="planner-new">{t('modeNew')}</button>
        <button type="button" onClick={() => dispatch({ type: 'undo' })} disabled={!planner.canUndo} data-testid="planner-undo">{t('undo')}</button>
        <button type="button" onClick={() => dispatch({ type: 'redo' })} disabled={!planner.canRedo}>{t('redo')}</button>
        <button type="button" onClick={() => dispatch({ type: 'reset' })} disabled={!dirty}>{t('reset')}</button>
      </div>
      <p style={{ color: '#555' }}>{mode === 'split' ? t('hintSplit') : mode === 'new' ? t('hintNew') : t('hintSelect')}</p>
      <p>{t('selected')}：<b data-testid="planner-selected">{sel ? `${sel.name}（${sel.code}）` : t('none')}</b></p>
      {sel && neighbourList.length > 0 && (
        <label>{t('merge')}：{' '}
          <select value="" onChange={(e) => e.target.value && sel && dispatch({ type: 'merge', key: sel.key, other: e.target.value })} data-testid="planner-merge">
            <option value="">{t('mergeWith')}</option>
            {neighbourList.map((g) => <option key={g.key} value={g.key}>{g.name}</option>)}
          </select>
        </label>
      )}
      {sel?.level === 'street' && <button type="button" onClick={() => sel && dispatch({ type: 'clip', key: sel.key })} data-testid="planner-clip">{t('clip')}</button>}
      {message && <p role="status" data-testid="planner-message">{message}</p>}

      <h3>{t('validation')} {planner.validating && <small>{t('validating')}</small>}</h3>
      {!dirty ? <p>{t('nothing')}</p> : issues.length === 0 ? <p data-testid="planner-valid">{t('valid')}</p> : (
        <ul data-testid="planner-issues">
          {issues.map((i, k) => (
            <li key={k} style={{ color: i.acceptable ? '#9a5b00' : '#b00020', cursor: 'pointer' }} onClick={() => onFocus({ at: i.at as [number, number] })}>
              [{i.code}] {i.message} <small>（{i.acceptable ? t('acceptable') : t('blocking')}）</small>
            </li>
          ))}
        </ul>
      )}
      {acceptableCodes.map((c) => (
        <label key={c} style={{ display: 'block' }}>
          <input type="checkbox" checked={accept.includes(c)} onChange={(e) => setAccept(e.target.checked ? [...accept, c] : accept.filter((x) => x !== c))} /> {t('accept')} {c}
        </label>
      ))}

      <h3>{t('preview')}</h3>
      <button type="button" disabled={!dirty || previewM.isPending} onClick={() => draft && previewM.mutate({ draft, effectiveFrom: startOfChinaDay(effective).toISOString() })} data-testid="planner-preview">
        {previewM.isPending ? t('previewing') : t('preview')}
      </button>
      {previewM.error && <p role="alert">{errorText(previewM.error)}</p>}
      {preview && (
        <div data-testid="planner-impact">
          <button type="button" onClick={() => download('impact.csv', 'text/csv;charset=utf-8', preview.csv)}>{t('exportCsv')}</button>
          <p><small>{t('stats', { c: preview.stats.candidates, b: preview.stats.inBbox, r: preview.stats.relocated })}</small></p>
          <h4>{t('area')}</h4>
          <ul>{preview.grids.map((g) => <li key={g.id}>{g.name}：{t('gained')} {m2(g.gained)}，{t('lost')} {m2(g.lost)}</li>)}</ul>
          <h4>{t('moved')}（{preview.moved.length}）</h4>
          <div style={{ overflowX: 'auto' }}>
            <table data-testid="planner-moved">
              <thead><tr><th>{t('kind')}</th><th>#</th><th>{t('from')}</th><th>{t('to')}</th></tr></thead>
              <tbody>
                {preview.moved.map((m) => (
                  <tr key={`${m.kind}:${m.id}`} data-kind={m.kind} data-id={m.id}>
                    <td>{kindLabel(m.kind)}{m.open !== null && `（${m.open ? t('open') : t('closed')}）`}</td>
                    <td>{m.id} {m.label}</td>
                    <td>{m.from.gridName ?? '—'} / {m.from.departmentName ?? '—'}</td>
                    <td>{m.to.gridName ?? '—'} / {m.to.departmentName ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h4>{t('departments')}</h4>
          <ul>
            {preview.departments.map((d) => (
              <li key={d.departmentId}>
                {d.departmentName}：{t('gained')} {m2(d.areaGained)}，{t('lost')} {m2(d.areaLost)}
                {d.handoverOut.length > 0 && <div>{t('handover')}：{d.handoverOut.map((m) => `#${m.id} ${m.label} → ${m.to.departmentName ?? '—'}`).join('；')}</div>}
              </li>
            ))}
          </ul>
          {preview.unheldGrids.length > 0 && <p>{t('unheld')}：{preview.unheldGrids.map((g) => g.name).join('、')}</p>}
        </div>
      )}

      <h3>{t('save')}</h3>
      <label style={{ display: 'block' }}>{t('reason')} <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="planner-reason" style={{ width: '100%' }} /></label>
      <label style={{ display: 'block' }}>{t('effectiveFrom')} <input type="date" value={effective} onChange={(e) => setEffective(e.target.value)} /></label>
      <button type="button" disabled={!dirty || blocking.length > 0 || reason.trim().length < 2 || save.isPending || current.data === undefined} data-testid="planner-save"
        onClick={() => draft && current.data && save.mutate({ draft, baseVersion: current.data.version, effectiveFrom: startOfChinaDay(effective).toISOString(), reason: reason.trim(), accept })}>
        {save.isPending ? t('saving') : t('save')}
      </button>
      {save.error && <p role="alert" data-testid="planner-save-error">{errorText(save.error)}</p>}

      <ImportPanel onDraft={(d) => dispatch({ type: 'import', grids: d.grids })} />

      <h3>{t('versions')}</h3>
      <ul data-testid="planner-versions">
        {(versions.data ?? []).map((v) => v.status === 'applied' ? (
          <li key={v.id}>
            v{v.number} · {formatDate(v.effectiveFrom)} · {v.author ?? '—'} · {v.reason}{' '}
            <ExportButtons version={v.number} />
            {current.data && v.number < current.data.version && <button type="button" onClick={() => revert.mutate({ version: v.number, baseVersion: current.data!.version })}>{t('revert')}</button>}
          </li>
        ) : (
          <li key={v.id} data-testid={`planner-${v.status}`}>
            <strong>{t(v.status === 'pending' ? 'pending' : 'cancelled')}</strong> · {formatDate(v.effectiveFrom)} · {v.author ?? '—'} · {v.reason}{v.cancelReason && v.status === 'cancelled' ? `（${v.cancelReason}）` : ''}{' '}
            {v.status === 'pending' && <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate({ id: v.id })}>{t('cancelPending')}</button>}
          </li>
        ))}
      </ul>
      {cancel.error && <p role="alert">{errorText(cancel.error)}</p>}
      <ExportButtons version={undefined} />
    </aside>
  )
}

function noticeText(n: Notice, t: (k: PlannerKey) => string): string {
  return `${n.pre ?? ''}${n.key ? t(n.key) : ''}${n.post ?? ''}`
}

function ExportButtons({ version }: { version: number | undefined }) {
  const { t } = usePlannerText()
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const get = async (format: 'geojson' | 'shapefile' | 'assignments') => {
    const r = await queryClient.fetchQuery(trpc.boundary.export.queryOptions({ version, format }))
    download(r.fileName, r.mime, Uint8Array.from(atob(r.base64), (c) => c.charCodeAt(0)))
  }
  return (
    <span>
      {t('export')}：
      <button type="button" onClick={() => void get('geojson')}>GeoJSON</button>
      <button type="button" onClick={() => void get('shapefile')}>Shapefile</button>
      <button type="button" onClick={() => void get('assignments')}>CSV</button>
    </span>
  )
}

function ImportPanel({ onDraft }: { onDraft: (d: RouterOutputs['boundary']['importFile']['draft']) => void }) {
  const { t, errorText } = usePlannerText()
  const trpc = useTRPC()
  const [file, setFile] = useState<File | null>(null)
  const [nameField, setNameField] = useState('name')
  const [codeField, setCodeField] = useState('code')
  const [level, setLevel] = useState<'street' | 'community'>('community')
  const [coordSystem, setCoords] = useState<'wgs84' | 'gcj02' | 'bd09'>('wgs84')
  const imp = useMutation(trpc.boundary.importFile.mutationOptions({ onSuccess: (r) => onDraft(r.draft) }))
  const run = async () => {
    if (!file) return
    const isZip = /\.zip$/i.test(file.name)
    const data = isZip ? btoa(String.fromCharCode(...new Uint8Array(await file.arrayBuffer()))) : await file.text()
    imp.mutate({ fileName: file.name, format: isZip ? 'shapefile' : 'geojson', data, nameField, codeField, level, coordSystem })
  }
  return (
    <section>
      <h3>{t('importTitle')}</h3>
      <label style={{ display: 'block' }}>{t('importFile')} <input type="file" accept=".geojson,.json,.zip" onChange={(e) => setFile(e.target.files?.[0] ?? null)} /></label>
      <label>{t('nameField')} <input value={nameField} onChange={(e) => setNameField(e.target.value)} size={8} /></label>{' '}
      <label>{t('codeField')} <input value={codeField} onChange={(e) => setCodeField(e.target.value)} size={8} /></label>{' '}
      <label>{t('level')} <select value={level} onChange={(e) => setLevel(e.target.value as 'street' | 'community')}><option value="street">{t('street')}</option><option value="community">{t('community')}</option></select></label>{' '}
      <label>{t('coords')} <select value={coordSystem} onChange={(e) => setCoords(e.target.value as 'wgs84' | 'gcj02' | 'bd09')}><option value="wgs84">WGS84</option><option value="gcj02">GCJ-02</option><option value="bd09">BD-09</option></select></label>{' '}
      <button type="button" disabled={!file || imp.isPending} onClick={() => void run()}>{t('doImport')}</button>
      {imp.data && <p>{imp.data.draft.grids.length} · {imp.data.skipped.length} skipped · {imp.data.issues.length} issues</p>}
      {imp.error && <p role="alert">{errorText(imp.error)}</p>}
    </section>
  )
}

