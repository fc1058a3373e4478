/**
 * The planner's boundary import: the file goes up as a file (POST /api/import/boundaries, raw body,
 * upload progress from XMLHttpRequest, then the server's parsing), with the coordinate system the
 * planner must choose (CoordSystemChoice, shared with the problem import), the level, the encoding
 * (detected, changeable) and the field mapping. The preview shows the names as decoded, the .prj,
 * warnings that the chosen system looks wrong, every feature skipped with its reason, and the
 * outlines on the map over the current grids (onPreview); only "load" puts them into the draft.
 * Every error is shown and clears the previous result.
 * Extending: a new level is one entry of BOUNDARY_IMPORT_LEVELS (and its label in importText); a
 * report on the preview (e.g. topology) renders from `result` below the summary.
 */
import { TopologyReport, type TopologyReportData } from './TopologyReport.tsx'
import type { FocusRequest } from './PlannerMap.tsx'
import { useState } from 'react'
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson'
import { FilePicker } from '../../ui/FilePicker.tsx'
import { CoordSystemChoice } from '../../ui/CoordSystemChoice.tsx'
import type { CoordSystem } from '../../../server/domain/geometry/coordSystems.ts'
import { useImportText, type ImportKey } from './importText.ts'

/** The levels a file may be imported as, in the order shown (labels: importText[level]). */
export const BOUNDARY_IMPORT_LEVELS = ['district', 'street', 'community'] as const
export type ImportLevel = (typeof BOUNDARY_IMPORT_LEVELS)[number]
const ENCODINGS = ['auto', 'utf-8', 'gb18030'] as const
type Encoding = (typeof ENCODINGS)[number]
const MAX_BYTES = 100 * 1024 * 1024

export interface UploadGrid { key: string; id: number | null; code: string; name: string; level: ImportLevel; parentKey: string | null; geometry: Polygon | MultiPolygon }
export interface UploadPreview {
  fileName: string; format: 'geojson' | 'shapefile' | 'kml'
  encoding: { used: 'utf-8' | 'gb18030'; source: 'chosen' | 'declared' | 'detected'; detected: string | null; declared: string | null }
  prj: { kind: string; name: string } | null; coordSystem: CoordSystem; adcode: boolean
  fields: string[]; mapping: { name: string; code: string; level?: string; parent?: string }; names: string[]; total: number
  draft: { grids: UploadGrid[]; retire: number[] }
  skipped: { index: number; name: string | null; code: string; reason: string }[]
  /** the topology build on the server: snapping, overlaps, gaps and slivers per level */
  topology: TopologyReportData | null
  issues: { code: string; message: string }[]
  warnings: ({ code: string } & Record<string, string | number>)[]
}

/** POST the raw file; upload progress, then "processing" (null); resolves with the preview or rejects with the server's message. */
function upload(file: File, query: URLSearchParams, onProgress: (p: number | null) => void): Promise<UploadPreview> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/api/import/boundaries?${query}`)
    xhr.setRequestHeader('content-type', 'application/octet-stream')
    xhr.responseType = 'json'
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100)) }
    xhr.upload.onload = () => onProgress(null)
    xhr.onload = () => {
      const body = xhr.response as (UploadPreview & { error?: { message: string } }) | null
      if (xhr.status >= 200 && xhr.status < 300 && body && !body.error) resolve(body)
      else reject(new Error(body?.error?.message ?? `HTTP ${xhr.status}`))
    }
    xhr.onerror = () => reject(new Error('network error'))
    xhr.send(file)
  })
}

const asFeatures = (r: UploadPreview | null): FeatureCollection | null => r && {
  type: 'FeatureCollection',
  features: r.draft.grids.map((g) => ({ type: 'Feature', properties: { code: g.code, name: g.name, level: g.level }, geometry: g.geometry })),
}

export function BoundaryImport({ onDraft, onPreview, onFocus }: {
  onDraft: (grids: UploadGrid[]) => void
  /** move the planner map to a place of the topology report */
  onFocus?: (f: FocusRequest) => void
  /** the outlines to draw on the map (null: none) */
  onPreview: (fc: FeatureCollection | null) => void
}) {
  const { t } = useImportText()
  const [file, setFile] = useState<File | null>(null)
  const [coords, setCoords] = useState<CoordSystem | null>(null)
  const [level, setLevel] = useState<ImportLevel>('community')
  const [encoding, setEncoding] = useState<Encoding>('auto')
  const [mapping, setMapping] = useState<{ name?: string; code?: string; level?: string; parent?: string }>({})
  const [fields, setFields] = useState<string[]>([])
  const [progress, setProgress] = useState<number | null | 'idle'>('idle')
  const [result, setResult] = useState<UploadPreview | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [loaded, setLoaded] = useState<number | null>(null)

  const show = (r: UploadPreview | null) => { setResult(r); onPreview(asFeatures(r)); setLoaded(null) }
  /** any change of the settings: the preview no longer matches them */
  const stale = () => { if (result) show(null) }

  const run = async () => {
    show(null)
    setError(null)
    if (!file) return
    if (!coords) { setError(t('chooseCoords')); return }
    if (file.size > MAX_BYTES) { setError(t('tooLarge')); return }
    const q = new URLSearchParams({ coords, level, encoding, fileName: file.name })
    if (mapping.name) q.set('nameField', mapping.name)
    if (mapping.code) q.set('codeField', mapping.code)
    q.set('levelField', mapping.level ?? '')
    q.set('parentField', mapping.parent ?? '')
    setProgress(0)
    try {
      const r = await upload(file, q, setProgress)
      show(r)
      setFields(r.fields)
      setMapping({ name: r.mapping.name, code: r.mapping.code, level: r.mapping.level, parent: r.mapping.parent })
    } catch (e) {
      show(null)
      setError((e as Error).message)
    } finally {
      setProgress('idle')
    }
  }

  const busy = progress !== 'idle'
  const warnText = (w: UploadPreview['warnings'][number]) => {
    const sys = (c: unknown) => (c === 'gcj02' ? 'GCJ-02' : c === 'bd09' ? 'BD-09' : 'WGS84')
    return t(`warn.${w.code}` as ImportKey, { ...w, chosen: sys(w.chosen), best: sys(w.best) })
  }
  const fieldSelect = (k: 'name' | 'code' | 'level' | 'parent', optional: boolean) => (
    <label className="pl-field" key={k}>{t(`field.${k}`)}
      <select value={mapping[k] ?? ''} data-testid={`bimport-field-${k}`} onChange={(e) => { setMapping({ ...mapping, [k]: e.target.value || undefined }); stale() }}>
        {optional && <option value="">{t('noField')}</option>}
        {fields.map((f) => <option key={f} value={f}>{f}</option>)}
      </select>
    </label>
  )

  return (
    <section className="pl-section" data-testid="boundary-import">
      <h3>{t('title')}</h3>
      <div className="pl-field">
        <FilePicker label={t('file')} accept=".geojson,.json,.zip,.kml,.kmz" testId="bimport-file"
          onFile={(f) => { setFile(f); setFields([]); setMapping({}); setEncoding('auto'); setError(null); show(null) }} />
      </div>
      <CoordSystemChoice value={coords} onChange={(c) => { setCoords(c); stale() }} testId="bimport-coords"
        note={result?.adcode ? <p className="msg-warn small" data-testid="bimport-adcode">{t('adcode')}</p> : null} />
      <div className="pl-fields">
        <label className="pl-field">{t('level')}
          <select value={level} data-testid="bimport-level" onChange={(e) => { setLevel(e.target.value as ImportLevel); stale() }}>
            {BOUNDARY_IMPORT_LEVELS.map((l) => <option key={l} value={l}>{t(l)}</option>)}
          </select>
        </label>
        <label className="pl-field">{t('encoding')}
          <select value={encoding} data-testid="bimport-encoding" onChange={(e) => { setEncoding(e.target.value as Encoding); setFields([]); setMapping({}); stale() /* field names are text too */ }}>
            {ENCODINGS.map((x) => <option key={x} value={x}>{t(`enc.${x}`)}</option>)}
          </select>
        </label>
      </div>
      {fields.length > 0 && (
        <fieldset className="pl-fields" data-testid="bimport-fields">
          <legend>{t('fields')}</legend>
          {fieldSelect('name', false)}{fieldSelect('code', false)}{fieldSelect('level', true)}{fieldSelect('parent', true)}
        </fieldset>
      )}
      <button type="button" className="btn-quiet" disabled={!file || busy} onClick={() => void run()} data-testid="bimport-preview">
        {fields.length > 0 ? t('previewAgain') : t('preview')}
      </button>
      {busy && (
        <div className="pp-progress" data-testid="bimport-progress" data-phase={typeof progress === 'number' ? 'upload' : 'parse'}>
          <progress max={100} value={typeof progress === 'number' ? progress : undefined} aria-label={typeof progress === 'number' ? t('uploading', { p: progress }) : t('parsing')} />
          <span>{typeof progress === 'number' ? t('uploading', { p: progress }) : t('parsing')}</span>
        </div>
      )}
      {error && <p role="alert" className="msg-error" data-testid="bimport-error">{error}</p>}
      {result && (
        <div data-testid="bimport-result">
          <p className="msg-ok" data-testid="bimport-summary">{t('summary', { format: result.format.toUpperCase(), total: result.total, grids: result.draft.grids.length, skipped: result.skipped.length, issues: result.issues.length })}</p>
          {result.warnings.length > 0 && (
            <ul className="pl-list" role="alert" data-testid="bimport-warnings">
              {result.warnings.map((w, i) => <li key={i} className="msg-warn small" data-code={w.code}>{warnText(w)}</li>)}
            </ul>
          )}
          <p className="small" data-testid="bimport-encoding-used" data-encoding={result.encoding.used}>
            {t('encodingUsed', { enc: t(`enc.${result.encoding.used}`), how: t(`encSource.${result.encoding.source}`) })} <span className="muted">{t('encodingHint')}</span>
          </p>
          <p className="small muted">{result.prj ? t('prj', { name: result.prj.name }) : result.format === 'shapefile' ? t('noPrj') : ''}</p>
          <h4>{t('names', { n: result.names.length })}</h4>
          <p className="small" data-testid="bimport-names">{result.names.join('、')}</p>
          {result.skipped.length > 0 && (
            <>
              <h4>{t('skipped')} <span className="count">{result.skipped.length}</span></h4>
              <ul className="pl-list" data-testid="bimport-skipped">
                {result.skipped.map((s, i) => <li key={i} className="small" data-code={s.code}>{t('skippedItem', { i: s.index + 1, name: s.name ? ` ${s.name}` : '', reason: s.reason })}</li>)}
              </ul>
            </>
          )}
          {result.topology && <TopologyReport report={result.topology} onFocus={onFocus} />}
          <p className="pl-hint">{t('onMap')}</p>
          <button type="button" className="btn-primary wide" disabled={result.draft.grids.length === 0} data-testid="bimport-load"
            onClick={() => { onDraft(result.draft.grids); setLoaded(result.draft.grids.length); onPreview(null) }}>{t('load')}</button>
        </div>
      )}
      {loaded !== null && <p role="status" className="msg-ok" data-testid="bimport-loaded">{t('loaded', { n: loaded })}</p>}
    </section>
  )
}
