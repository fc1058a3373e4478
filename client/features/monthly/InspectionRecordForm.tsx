/**
 * Record an on-site inspection from a phone: grid (picked, or by the phone's location via grid.locate),
 * date, inspectors, the month's theme checklist, findings, photos (client/ui/PhotoPicker.tsx: shrunk on
 * the phone, uploaded one by one, retried) and problems found on the spot (each reported at the check-in point).
 * Everything is sent in ONE inspection.record call under an idempotency key made once per form
 * instance, so a retried submit (double tap, lost answer) never stores anything twice.
 */
import { DatePicker } from '../../ui/DatePicker.tsx'
import { useEffect, useState, type FormEvent } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC, useTRPCClient, type Me } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { monthlyText } from './text.ts'
import { PhotoPicker } from '../../ui/PhotoPicker.tsx'
import { PatrolTracker, type PatrolPoint } from './PatrolTracker.tsx'
import { patrolText } from './patrolText.ts'
import { pct } from '../../../server/domain/vocabulary/format.ts'
import { instantForDay, todayInChina } from '../../../server/domain/time.ts'
import { DEFAULT_INSPECTION_BACKFILL_HOURS } from '../../../server/domain/inspection/presence.ts'
import { recordOrQueueInspection, stepPhotos, type FormPhoto } from '../../offline/send.ts'
import { newKey } from '../../offline/queue.ts'
import { offlineText } from '../../offline/text.ts'

type Fix = { lng: number; lat: number; accuracy: number } | null | 'pending'
interface SpotProblem { key: number; categoryCode: string; description: string; urgent: boolean }

/** The spot problems as inspection.record takes them (blank rows left out; the point is the check-in point). */
function spotProblemsInput(problems: SpotProblem[]) {
  return problems.filter((x) => x.categoryCode && x.description.trim())
    .map((p) => ({ categoryCode: p.categoryCode, description: p.description.trim(), urgent: p.urgent }))
}


function useFix(): [Fix, () => void] {
  const [fix, setFix] = useState<Fix>('pending')
  const [n, setN] = useState(0)
  useEffect(() => {
    if (!('geolocation' in navigator)) { setFix(null); return }
    let live = true
    setFix('pending')
    navigator.geolocation.getCurrentPosition(
      (p) => { if (live) setFix({ lng: p.coords.longitude, lat: p.coords.latitude, accuracy: Math.round(p.coords.accuracy) }) },
      () => { if (live) setFix(null) },
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 30_000 },
    )
    return () => { live = false }
  }, [n])
  return [fix, () => setN((x) => x + 1)]
}

const instantOf = (date: string) => instantForDay(date, '12:00')

export function InspectionRecordForm({ me, grids, gridId: initialGrid, month, onDone }: {
  me: Me; grids: { id: number; name: string }[]; gridId?: number; month: string; onDone: (message: string) => void
}) {
  const { t, status, errorText } = useT(monthlyText)
  const off = useT(offlineText)
  const trpc = useTRPC()
  const client = useTRPCClient()
  const queryClient = useQueryClient()
  const today = todayInChina()
  const [gridId, setGridId] = useState<number | undefined>(initialGrid ?? grids[0]?.id)
  const [date, setDate] = useState(today)
  const [inspectors, setInspectors] = useState(me.displayName)
  const [findings, setFindings] = useState('')
  const [unchecked, setUnchecked] = useState<Set<string>>(new Set())
  const [photoIds, setPhotoIds] = useState<number[]>([])
  const [photosBusy, setPhotosBusy] = useState(false)
  const [keptPhotos, setKeptPhotos] = useState<FormPhoto[]>([])
  const [track, setTrack] = useState<PatrolPoint[] | null>(null)
  const patrolT = useT(patrolText).t
  const [problems, setProblems] = useState<SpotProblem[]>([])
  const [locateMsg, setLocateMsg] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [fix, refix] = useFix()
  const [idempotencyKey] = useState(newKey)
  const theme = useQuery(trpc.theme.get.queryOptions({ month }))
  const categories = useQuery(trpc.problem.categories.queryOptions())
  // 补录: a date older than the window needs a reason. The server decides (INSPECTION_BACKFILL_HOURS, its
  // INSPECTION_TOO_LATE names the hours); the form shows the field for the default window or after that refusal.
  const [lateReason, setLateReason] = useState('')
  const [windowHours, setWindowHours] = useState<number>(DEFAULT_INSPECTION_BACKFILL_HOURS)
  const isLate = Date.now() - new Date(instantOf(date)).getTime() > windowHours * 3_600_000

  const locate = async () => {
    if (!fix || fix === 'pending') { setLocateMsg(t('form.noFix')); refix(); return }
    try {
      const r = await client.grid.locate.query({ lng: fix.lng, lat: fix.lat })
      const hit = [r.community, r.street].find((g) => g && grids.some((x) => x.id === g.id))
      if (hit) { setGridId(hit.id); setLocateMsg(t('form.located', { name: hit.name })) } else setLocateMsg(t('form.notMine'))
    } catch (e) { setLocateMsg(errorText(e)) }
  }

  const save = useMutation({
    mutationFn: async () => {
      if (!gridId) throw new Error(t('form.grid'))
      const where = fix && fix !== 'pending' ? { lng: fix.lng, lat: fix.lat, accuracy: fix.accuracy } : {}
      const checklist = (theme.data?.checklist ?? []).map((item) => ({ item, ok: !unchecked.has(item) }))
      const spot = fix && fix !== 'pending' ? spotProblemsInput(problems) : []
      const r = await recordOrQueueInspection(client, me, {
        gridId, date: instantOf(date), inspectors: inspectors.split(/[,，、\s]+/).map((s) => s.trim()).filter(Boolean),
        findings: findings.trim(), checklist, photoIds, ...where,
        ...(spot.length ? { problems: spot } : {}), idempotencyKey,
        ...(isLate ? { lateReason: lateReason.trim() } : {}),
        ...(track ? { track: { points: track } } : {}),
      }, stepPhotos(photoIds, keptPhotos), grids.find((g) => g.id === gridId)?.name ?? '')
      return r
    },
    onSuccess: async (r) => {
      if ('queued' in r) { onDone(off.t('queuedInspection', { grid: grids.find((g) => g.id === gridId)?.name ?? '' })); return }
      await queryClient.invalidateQueries()
      const presence = r.onSite === true ? t('form.savedOnSite') : r.onSite === false ? t('form.savedOff', { m: Math.round(r.distanceOutside ?? 0) }) : t('form.savedNoFix')
      onDone(r.patrol?.coverage != null ? `${presence}；${patrolT('patrol.saved', { pct: pct(r.patrol.coverage) })}` : presence)
    },
    onError: (e) => {
      const data = (e as { data?: { appCode?: string; details?: { hours?: unknown } } }).data
      if (data?.appCode === 'INSPECTION_TOO_LATE' && typeof data.details?.hours === 'number') setWindowHours(Math.min(windowHours, data.details.hours))
      setError(errorText(e))
    },
  })

  const uploading = photosBusy
  const submit = (e: FormEvent) => { e.preventDefault(); setError(null); save.mutate() }
  const hasFix = fix !== null && fix !== 'pending'

  return (
    <form className="inspection-form record-form" onSubmit={submit} data-testid="inspection-record-form">
      <h2>{t('form.title')}</h2>
      <label>
        <span>{t('form.grid')}</span>
        <select value={gridId ?? ''} onChange={(e) => setGridId(Number(e.target.value))} data-testid="record-grid" required>
          {grids.map((g) => <option key={g.id} value={g.id}>{g.name}</option>)}
        </select>
      </label>
      <div className="row">
        <button type="button" className="btn-quiet" onClick={() => void locate()} data-testid="record-locate">{fix === 'pending' ? t('form.locating') : t('form.locate')}</button>
        <span className="small muted" data-testid="record-fix">{locateMsg ?? (hasFix ? t('form.fixOk', { acc: fix.accuracy }) : fix === null ? t('form.noFix') : '')}</span>
      </div>
      <PatrolTracker onChange={setTrack} />
      <label>
        <span>{t('form.date')}</span>
        <DatePicker value={date} max={today} min={`${month}-01`} onChange={setDate} required data-testid="record-date" />
      </label>
      {isLate && (
        <label>
          <span>{t('form.lateReason', { hours: windowHours })}</span>
          <input value={lateReason} onChange={(e) => setLateReason(e.target.value)} required minLength={4} maxLength={500} data-testid="record-late-reason" />
        </label>
      )}
      <label>
        <span>{t('form.inspectors')}</span>
        <input value={inspectors} onChange={(e) => setInspectors(e.target.value)} required maxLength={200} data-testid="record-inspectors" />
      </label>
      {theme.data && (
        <fieldset className="checklist" data-testid="record-checklist">
          <legend>{t('form.checklist')}：{theme.data.title}</legend>
          {theme.data.checklist.map((item) => (
            <label key={item} className="check">
              <input type="checkbox" checked={!unchecked.has(item)} onChange={(e) => setUnchecked((s) => { const n = new Set(s); if (e.target.checked) n.delete(item); else n.add(item); return n })} />
              <span>{item}</span>
            </label>
          ))}
        </fieldset>
      )}
      <label>
        <span>{t('form.findings')}</span>
        <textarea value={findings} onChange={(e) => setFindings(e.target.value)} rows={3} maxLength={5000} data-testid="record-findings" />
      </label>
      <PhotoPicker label={t('form.photos')} testId="record-photos" onChange={(ids, busy) => { setPhotoIds(ids); setPhotosBusy(busy) }} onKept={setKeptPhotos} />
      <fieldset className="spot-problems">
        <legend>{t('form.problems')}</legend>
        {!hasFix && <p className="small muted">{t('form.problemNeedsFix')}</p>}
        {problems.map((p) => (
          <div key={p.key} className="spot-problem" data-testid="spot-problem">
            <select value={p.categoryCode} onChange={(e) => setProblems((ps) => ps.map((x) => (x.key === p.key ? { ...x, categoryCode: e.target.value } : x)))} aria-label={t('form.category')}>
              <option value="">{t('form.category')}</option>
              {(categories.data ?? []).map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}
            </select>
            <input value={p.description} placeholder={t('form.description')} maxLength={2000} onChange={(e) => setProblems((ps) => ps.map((x) => (x.key === p.key ? { ...x, description: e.target.value } : x)))} />
            <label className="check"><input type="checkbox" checked={p.urgent} onChange={(e) => setProblems((ps) => ps.map((x) => (x.key === p.key ? { ...x, urgent: e.target.checked } : x)))} /><span>{t('form.urgent')}</span></label>
            <button type="button" className="icon-btn" aria-label={t('form.remove')} onClick={() => setProblems((ps) => ps.filter((x) => x.key !== p.key))}>×</button>
          </div>
        ))}
        <button type="button" className="btn-quiet" disabled={!hasFix} data-testid="record-add-problem" onClick={() => setProblems((ps) => [...ps, { key: Date.now(), categoryCode: '', description: '', urgent: false }])}>{t('form.addProblem')}</button>
      </fieldset>
      {error && <p className="form-error" role="alert" data-testid="record-error">{error}</p>}
      <button type="submit" className="btn-primary wide" disabled={save.isPending || uploading || !gridId} data-testid="record-submit">
        {save.isPending ? t('form.saving') : t('form.submit')}
      </button>
    </form>
  )
}
