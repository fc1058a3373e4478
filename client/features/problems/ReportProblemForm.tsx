/**
 * Report a problem: click the map (or type coordinates, or use the phone's location), choose the
 * category, describe it. Before sending it shows where it will go (grid and department) and the
 * likely duplicates nearby (same category, still open), so the reporter can open one instead.
 */
import { useEffect, useState, type FormEvent } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { PhotoPicker } from '../../ui/PhotoPicker.tsx'
import { PickMap } from './PickMap.tsx'
import { useT } from '../../i18n.ts'
import { statusColour } from '../../../server/domain/vocabulary/status.ts'
import { problemsText } from './text.ts'
import { isNetworkFailure, queueProblem, stepPhotos, type FormPhoto } from '../../offline/send.ts'
import { offlineText } from '../../offline/text.ts'
import { badgeColours } from '../../../server/domain/vocabulary/contrast.ts'

export function ReportProblemForm({ onCreated, onOpen }: { onCreated: (id: number) => void; onOpen: (id: number) => void }) {
  const { t, status, errorText } = useT(problemsText)
  const trpc = useTRPC()
  const qc = useQueryClient()
  const [point, setPoint] = useState<{ lng: number; lat: number } | null>(null)
  const [lngText, setLngText] = useState('')
  const [latText, setLatText] = useState('')
  const [categoryCode, setCategoryCode] = useState('')
  const [description, setDescription] = useState('')
  const [urgent, setUrgent] = useState(false)
  const [photoIds, setPhotoIds] = useState<number[]>([])
  const [photosBusy, setPhotosBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  // a message about what was missing is stale once the person changes the form
  useEffect(() => { setError(null) }, [point, categoryCode, description])
  // offline (client/offline/): photos kept as files, the report queued; `queued` says so
  const [offlinePhotos, setOfflinePhotos] = useState<FormPhoto[]>([])
  const [queued, setQueued] = useState<string | null>(null)
  const off = useT(offlineText)
  const queueReport = (input: Parameters<typeof create.mutate>[0]) => {
    const me = qc.getQueryData(trpc.auth.me.queryKey())
    if (!me) return false
    void queueProblem(me, input, stepPhotos(input.photoIds, offlinePhotos), categories.data?.find((c) => c.code === input.categoryCode)?.name ?? input.categoryCode)
      .then(() => setQueued(off.t('queuedStep', { action: off.t('kind_problem') })), (e: unknown) => setError(errorText(e)))
    return true
  }

  const categories = useQuery(trpc.problem.categories.queryOptions())
  const where = useQuery({ ...trpc.grid.locate.queryOptions(point ?? { lng: 0, lat: 0 }), enabled: point !== null })
  const dups = useQuery({ ...trpc.problem.duplicates.queryOptions({ lng: point?.lng ?? 0, lat: point?.lat ?? 0, categoryCode }), enabled: point !== null && categoryCode !== '' })
  const create = useMutation(trpc.problem.create.mutationOptions({
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: trpc.problem.list.queryKey() })
      void qc.invalidateQueries({ queryKey: trpc.problem.map.queryKey() })
      void qc.invalidateQueries({ queryKey: trpc.problem.mapInfo.queryKey() })
      onCreated(p.id)
    },
    onError: (e, input) => { if (!(isNetworkFailure(e) && queueReport(input))) setError(errorText(e)) },
  }))

  const setBoth = (p: { lng: number; lat: number }) => { setPoint(p); setLngText(String(p.lng)); setLatText(String(p.lat)) }
  const typed = (lng: string, lat: string) => {
    setLngText(lng); setLatText(lat)
    const x = Number(lng), y = Number(lat)
    if (lng.trim() && lat.trim() && Number.isFinite(x) && Number.isFinite(y) && Math.abs(x) <= 180 && Math.abs(y) <= 90) setPoint({ lng: x, lat: y })
  }
  const gps = () => navigator.geolocation?.getCurrentPosition(
    (pos) => setBoth({ lng: Math.round(pos.coords.longitude * 1e7) / 1e7, lat: Math.round(pos.coords.latitude * 1e7) / 1e7 }),
    (e) => setError(e.message), { enableHighAccuracy: true, timeout: 15_000 },
  )

  const submit = (e: FormEvent) => {
    e.preventDefault()
    setError(null)
    if (!point) { setError(t('r.noPoint')); return }
    if (!categoryCode) { setError(t('r.pick')); return }
    const input = { lng: point.lng, lat: point.lat, categoryCode, description: description.trim(), priority: urgent ? 'urgent' as const : 'normal' as const, photoIds: photoIds.length ? photoIds : undefined }
    if ((!navigator.onLine || offlinePhotos.length > 0) && queueReport(input)) return
    create.mutate(input)
  }

  const groups = [...new Set(categories.data?.map((c) => c.group) ?? [])]
  const community = where.data?.community ?? where.data?.street ?? null
  return (
    <form className="pp-report record-form" onSubmit={submit} data-testid="report-form">
      <h2>{t('r.title')}</h2>
      <p className="muted small">{t('r.clickMap')}</p>
      <PickMap point={point} onPick={setBoth} />
      <div className="row">
        <label>{t('r.lng')}<input inputMode="decimal" value={lngText} onChange={(e) => typed(e.target.value, latText)} data-testid="report-lng" /></label>
        <label>{t('r.lat')}<input inputMode="decimal" value={latText} onChange={(e) => typed(lngText, e.target.value)} data-testid="report-lat" /></label>
        <button type="button" className="btn-quiet" onClick={gps}>{t('r.useGps')}</button>
      </div>
      {point && where.data && <p className="notice" data-testid="report-where">{community ? t('r.where', { grid: community.name }) : t('r.outside')}</p>}
      <label>{t('r.category')}
        <select value={categoryCode} onChange={(e) => setCategoryCode(e.target.value)} data-testid="report-category" required>
          <option value="">{t('r.pick')}</option>
          {groups.map((g) => (
            <optgroup key={g} label={g}>
              {categories.data!.filter((c) => c.group === g).map((c) => <option key={c.code} value={c.code}>{c.name}（{c.kind}，{t('r.limit', { days: c.limit.normal.workingDays, hours: c.limit.urgent.hours })}）</option>)}
            </optgroup>
          ))}
        </select>
      </label>
      {dups.data && dups.data.length > 0 && (
        <div className="pp-dups" data-testid="report-duplicates">
          <b>{t('r.duplicates')}</b>
          <ul className="pp-list">
            {dups.data.map((d) => (
              <li key={d.id}>
                <button type="button" className="link" onClick={() => onOpen(d.id)}>#{d.id}</button>{' '}
                <span className="chip" style={badgeColours(statusColour('problem', d.status))}>{status('problem', d.status)}</span> {d.description} · {t('r.distance', { m: d.distanceM })}
              </li>
            ))}
          </ul>
        </div>
      )}
      <label>{t('r.description')}
        <textarea rows={3} value={description} maxLength={2000} required onChange={(e) => setDescription(e.target.value)} data-testid="report-description" />
      </label>
      <label className="check"><input type="checkbox" checked={urgent} onChange={(e) => setUrgent(e.target.checked)} /> {t('r.priority')}</label>
      <PhotoPicker label={t('r.photos')} onChange={(ids, busy) => { setPhotoIds(ids); setPhotosBusy(busy) }} onKept={setOfflinePhotos} testId="report-photos" />
      {error && <p className="form-error" data-testid="report-error">{error}</p>}
      {queued && <p className="notice" role="status" data-testid="report-queued">{queued}</p>}
      <div className="form-actions">
        <button type="submit" className="btn-primary" disabled={create.isPending || photosBusy} data-testid="report-submit">{create.isPending ? t('r.saving') : t('r.submit')}</button>
      </div>
    </form>
  )
}
