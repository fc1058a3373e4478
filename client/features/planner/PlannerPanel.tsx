/**
 * The planner's side panel: editing modes and undo/redo, the selection with merge and clip, the
 * live validation (blocking issues, acceptable ones, shape warnings — each a button that flies the
 * map to its place), the impact preview at a glance (counts, then a table of what moves from which
 * grid to which, each row finding its point on the map), saving a version (now or from a date),
 * import, export and the version list. Edits go to the session's reducer (plannerDraft.ts); the
 * API calls live here. Destructive steps (discard, revert, cancel a pending version) ask first.
 */
import { BoundaryImport } from './BoundaryImport.tsx'
import type { FeatureCollection } from 'geojson'
import { useMemo, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type RouterOutputs } from '../../api.ts'

type ImportedGrids = RouterOutputs['boundary']['importFile']['draft']['grids']
import { DatePicker } from '../../ui/DatePicker.tsx'
import { useConfirm } from '../../ui/Confirm.tsx'
import { mergeCandidates, type Issue, type Notice, type Warning } from './plannerDraft.ts'
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

const KIND_COLOUR: Record<string, string> = { problem: '#c8102e', site: '#7b3fa0', inspection: '#1d3557' }
/** notices that report a success (the rest report a refused edit) */
const OK_NOTICES: readonly PlannerKey[] = ['saved', 'scheduled']

export function PlannerPanel({ planner, onFocus, focusMoved, onFocusMoved, onImportPreview = () => {} }: { planner: PlannerSession; onFocus: (f: FocusRequest) => void; focusMoved: string | null; onFocusMoved: (k: string | null) => void; onImportPreview?: (fc: FeatureCollection | null) => void }) {
  const { t, errorText } = usePlannerText()
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const [confirmDialog, confirm] = useConfirm()
  const current = useQuery(trpc.boundary.current.queryOptions())
  const versions = useQuery(trpc.boundary.versions.queryOptions())
  const { session, dispatch, state, draft, dirty, selectedGrid: sel } = planner
  const { mode, issues, warnings, preview } = session
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
  const messageOk = !!session.notice?.key && OK_NOTICES.includes(session.notice.key)
  const blocking = issues.filter((i) => !i.acceptable || !accept.includes(i.code))
  const acceptableCodes = [...new Set(issues.filter((i) => i.acceptable).map((i) => i.code))]
  const rule = (code: string) => t(`rule.${code}` as PlannerKey)
  const m2 = (v: number) => (Math.abs(v) >= 1e4 ? `${(v / 1e6).toFixed(3)} km²` : `${v.toFixed(0)} m²`)
  const counts = useMemo(() => {
    const c = { problem: 0, site: 0, inspection: 0 } as Record<string, number>
    for (const m of preview?.moved ?? []) c[m.kind] = (c[m.kind] ?? 0) + 1
    return c
  }, [preview])

  return (
    <aside className="pl-panel" aria-label={t('title')}>
      {confirmDialog}
      <div className="pl-head">
        <h2>{t('title')}</h2>
        <span className="muted">{t('version')} <b data-testid="planner-version">{current.data?.version ?? '…'}</b></span>
      </div>

      <section className="pl-section" aria-label={t('tools')}>
        <div className="segmented" role="group" aria-label={t('tools')}>
          <button type="button" className={mode === 'select' ? 'on' : ''} aria-pressed={mode === 'select'} onClick={() => dispatch({ type: 'mode', mode: 'select' })}>{t('modeSelect')}</button>
          <button type="button" className={mode === 'split' ? 'on' : ''} aria-pressed={mode === 'split'} disabled={!sel} onClick={() => dispatch({ type: 'mode', mode: 'split' })} data-testid="planner-split">{t('modeSplit')}</button>
          <button type="button" className={mode === 'new' ? 'on' : ''} aria-pressed={mode === 'new'} onClick={() => dispatch({ type: 'mode', mode: 'new' })} data-testid="planner-new">{t('modeNew')}</button>
        </div>
        <div className="pl-tools">
          <button type="button" className="btn-quiet" onClick={() => dispatch({ type: 'undo' })} disabled={!planner.canUndo} data-testid="planner-undo">↶ {t('undo')}</button>
          <button type="button" className="btn-quiet" onClick={() => dispatch({ type: 'redo' })} disabled={!planner.canRedo}>↷ {t('redo')}</button>
          <button type="button" className="btn-quiet" disabled={!dirty} data-testid="planner-reset"
            onClick={async () => { if (await confirm({ title: t('confirmReset'), body: t('confirmResetBody') })) dispatch({ type: 'reset' }) }}>{t('reset')}</button>
        </div>
        <p className="pl-hint">{mode === 'split' ? t('hintSplit') : mode === 'new' ? t('hintNew') : t('hintSelect')}</p>
        <div className="pl-selected">
          <span className="muted">{t('selected')}</span>
          <b data-testid="planner-selected">{sel ? `${sel.name}（${sel.code}）` : t('none')}</b>
        </div>
        {sel && neighbourList.length > 0 && (
          <label className="pl-field">{t('merge')}
            <select value="" onChange={(e) => e.target.value && sel && dispatch({ type: 'merge', key: sel.key, other: e.target.value })} data-testid="planner-merge">
              <option value="">{t('mergeWith')}</option>
              {neighbourList.map((g) => <option key={g.key} value={g.key}>{g.name}</option>)}
            </select>
          </label>
        )}
        {sel?.level === 'street' && <div className="pl-tools"><button type="button" className="btn-quiet" onClick={() => sel && dispatch({ type: 'clip', key: sel.key })} data-testid="planner-clip">{t('clip')}</button></div>}
        {message && <p role="status" className={messageOk ? 'msg-ok' : 'msg-warn'} data-testid="planner-message">{message}</p>}
      </section>

      <section className="pl-section">
        <h3>{t('validation')} {planner.validating && <small className="muted">{t('validating')}</small>}</h3>
        {!dirty ? <p className="muted">{t('nothing')}</p> : issues.length === 0 ? <p className="msg-ok" data-testid="planner-valid">{warnings.length ? t('noBlocking') : t('valid')}</p> : (
          <ul className="pl-list" data-testid="planner-issues">
            {issues.map((i, k) => <IssueItem key={k} issue={i} onFocus={onFocus} kind={i.acceptable ? 'accept' : 'block'} title={rule(i.code)} />)}
          </ul>
        )}
        {acceptableCodes.map((c) => (
          <label key={c} className="pl-accept">
            <input type="checkbox" checked={accept.includes(c)} onChange={(e) => setAccept(e.target.checked ? [...accept, c] : accept.filter((x) => x !== c))} /> {t('accept')}：{rule(c)}
          </label>
        ))}
        {dirty && warnings.length > 0 && (
          <>
            <h4>{t('warnings')} <span className="count">{warnings.length}</span></h4>
            <ul className="pl-list" data-testid="planner-warnings">
              {warnings.map((w, k) => <WarningItem key={k} w={w} onFocus={onFocus} />)}
            </ul>
            <p className="pl-hint">{t('warnHint')}</p>
          </>
        )}
      </section>

      <section className="pl-section">
        <h3>{t('preview')}</h3>
        <button type="button" className="btn-quiet" disabled={!dirty || previewM.isPending} onClick={() => draft && previewM.mutate({ draft, effectiveFrom: startOfChinaDay(effective).toISOString() })} data-testid="planner-preview">
          {previewM.isPending ? t('previewing') : t('preview')}
        </button>
        {previewM.error && <p role="alert" className="msg-error">{errorText(previewM.error)}</p>}
        {preview && (
          <div data-testid="planner-impact">
            <p className="pl-hint">{t('impactSummary')}</p>
            <div className="pl-summary" data-testid="planner-impact-summary">
              {(['problem', 'site', 'inspection'] as const).map((k) => (
                <span className="pl-chip" key={k} data-kind={k}><i style={{ background: KIND_COLOUR[k] }} />{t(k)} <b>{counts[k] ?? 0}</b></span>
              ))}
            </div>
            {preview.moved.length === 0 ? <p className="muted">{t('noMoves')}</p> : (
              <>
                <div className="pl-table-wrap">
                  <table className="pl-table" data-testid="planner-moved">
                    <thead><tr><th scope="col">{t('kind')}</th><th scope="col">#</th><th scope="col">{t('fromTo')}</th></tr></thead>
                    <tbody>
                      {preview.moved.map((m) => {
                        const key = `${m.kind}:${m.id}`
                        return (
                          <tr key={key} data-kind={m.kind} data-id={m.id} className={`clickable${focusMoved === key ? ' focus' : ''}`} tabIndex={0}
                            onClick={() => { onFocusMoved(key); onFocus({ at: [m.lng, m.lat] }) }}
                            onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onFocusMoved(key); onFocus({ at: [m.lng, m.lat] }) } }}>
                            <td><span className="pl-chip"><i style={{ background: KIND_COLOUR[m.kind] }} />{t(m.kind as PlannerKey)}</span>{m.open !== null && <div className="muted">{m.open ? t('open') : t('closed')}</div>}</td>
                            <td>{m.id} {m.label}</td>
                            <td>
                              {m.from.gridName ?? '—'}<span className="arrow"> → </span><b>{m.to.gridName ?? '—'}</b>
                              {m.from.departmentName !== m.to.departmentName && <span className="dept">{m.from.departmentName ?? '—'} → {m.to.departmentName ?? '—'}</span>}
                            </td>
                          </tr>
                        )
                      })}
                    </tbody>
                  </table>
                </div>
                <p className="pl-hint">{t('movedHint')}</p>
              </>
            )}
            <h4>{t('area')}</h4>
            <ul className="pl-list">{preview.grids.map((g) => <li key={g.id} className="small">{g.name}：{t('gained')} {m2(g.gained)}，{t('lost')} {m2(g.lost)}</li>)}</ul>
            {preview.departments.length > 0 && <h4>{t('departments')}</h4>}
            <ul className="pl-list">
              {preview.departments.map((d) => (
                <li key={d.departmentId} className="small">
                  {d.departmentName}：{t('gained')} {m2(d.areaGained)}，{t('lost')} {m2(d.areaLost)}
                  {d.handoverOut.length > 0 && <div>{t('handover')}：{d.handoverOut.map((m) => `#${m.id} ${m.label} → ${m.to.departmentName ?? '—'}`).join('；')}</div>}
                </li>
              ))}
            </ul>
            {preview.unheldGrids.length > 0 && <p className="msg-warn">{t('unheld')}：{preview.unheldGrids.map((g) => g.name).join('、')}</p>}
            <p className="small muted">{t('stats', { c: preview.stats.candidates, b: preview.stats.inBbox, r: preview.stats.relocated })}</p>
            <button type="button" className="btn-quiet small" onClick={() => download('impact.csv', 'text/csv;charset=utf-8', preview.csv)}>{t('exportCsv')}</button>
          </div>
        )}
      </section>

      <section className="pl-section">
        <h3>{t('save')}</h3>
        <label className="pl-field">{t('reason')}<input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="planner-reason" /></label>
        <label className="pl-field">{t('effectiveFrom')}<DatePicker value={effective} onChange={(v) => setEffective(v || todayInChina())} data-testid="planner-effective" /></label>
        {dirty && blocking.length > 0 && <p className="msg-warn small">{t('saveBlocked')}</p>}
        <button type="button" className="btn-primary wide" disabled={!dirty || blocking.length > 0 || reason.trim().length < 2 || save.isPending || current.data === undefined} data-testid="planner-save"
          onClick={() => draft && current.data && save.mutate({ draft, baseVersion: current.data.version, effectiveFrom: startOfChinaDay(effective).toISOString(), reason: reason.trim(), accept })}>
          {save.isPending ? t('saving') : t('save')}
        </button>
        {save.error && <p role="alert" className="msg-error" data-testid="planner-save-error">{errorText(save.error)}</p>}
      </section>

      <BoundaryImport onDraft={(grids) => dispatch({ type: 'import', grids: grids as ImportedGrids })} onPreview={onImportPreview} onFocus={onFocus} />

      <section className="pl-section">
        <h3>{t('versions')}</h3>
        <ul className="pl-list pl-versions" data-testid="planner-versions">
          {(versions.data ?? []).map((v) => v.status === 'applied' ? (
            <li key={v.id}>
              <b>v{v.number}</b> <span>{formatDate(v.effectiveFrom)}</span> <span className="muted">{v.author ?? '—'}</span> <span>{v.reason}</span>
              <ExportButtons version={v.number} />
              {current.data && v.number < current.data.version && (
                <button type="button" className="btn-quiet small" onClick={async () => {
                  if (await confirm({ title: t('confirmRevert', { v: v.number }), body: t('confirmRevertBody', { v: v.number }), confirmLabel: t('revert') })) revert.mutate({ version: v.number, baseVersion: current.data!.version })
                }}>{t('revert')}</button>
              )}
            </li>
          ) : (
            <li key={v.id} data-testid={`planner-${v.status}`}>
              <span className="tag">{t(v.status === 'pending' ? 'pending' : 'cancelled')}</span> {formatDate(v.effectiveFrom)} <span className="muted">{v.author ?? '—'}</span> {v.reason}{v.cancelReason && v.status === 'cancelled' ? `（${v.cancelReason}）` : ''}
              {v.status === 'pending' && <button type="button" className="btn-quiet small" disabled={cancel.isPending} onClick={async () => { if (await confirm({ title: t('confirmCancelPending'), body: v.reason })) cancel.mutate({ id: v.id }) }}>{t('cancelPending')}</button>}
            </li>
          ))}
        </ul>
        {cancel.error && <p role="alert" className="msg-error">{errorText(cancel.error)}</p>}
        {revert.error && <p role="alert" className="msg-error">{errorText(revert.error)}</p>}
        <div className="pl-tools"><ExportButtons version={undefined} /></div>
      </section>
    </aside>
  )
}

function IssueItem({ issue: i, onFocus, kind, title }: { issue: Issue; onFocus: (f: FocusRequest) => void; kind: 'block' | 'accept'; title: string }) {
  const { t } = usePlannerText()
  return (
    <li>
      <button type="button" className={`pl-item ${kind}`} data-code={i.code} onClick={() => onFocus({ at: i.at as [number, number] })}>
        <span className="kind">{title} · {t(kind === 'block' ? 'kind.block' : 'kind.accept')}</span>
        <span>{i.message}</span>
      </button>
    </li>
  )
}

function WarningItem({ w, onFocus }: { w: Warning; onFocus: (f: FocusRequest) => void }) {
  const { t } = usePlannerText()
  const text = t(`warn.${w.code}` as PlannerKey, { grid: w.gridName, m: w.metres !== undefined ? (w.metres >= 10 ? Math.round(w.metres) : w.metres.toFixed(1)) : '', deg: w.degrees !== undefined ? Math.round(w.degrees) : '' })
  return (
    <li>
      <button type="button" className="pl-item warn" data-code={w.code} onClick={() => onFocus({ at: w.at as [number, number] })}>
        <span className="kind">{t(`warnName.${w.code}` as PlannerKey)} · {t('kind.warn')}</span>
        <span>{text}</span>
      </button>
    </li>
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
    <span className="pl-export">
      <span className="muted small">{t('export')}</span>
      <button type="button" className="btn-quiet" onClick={() => void get('geojson')}>GeoJSON</button>
      <button type="button" className="btn-quiet" onClick={() => void get('shapefile')}>Shapefile</button>
      <button type="button" className="btn-quiet" onClick={() => void get('assignments')}>CSV</button>
    </span>
  )
}
