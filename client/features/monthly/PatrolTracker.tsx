/**
 * 开始巡查 / 结束巡查 on the inspection form: while the patrol runs and the page is open, the position
 * (navigator.geolocation.watchPosition) is sampled every PATROL_SAMPLE_S seconds (meta.patrol, default
 * 15): at once on the first fix, then at most once per period, and once per period even standing still.
 * The parent gets the points (sent as inspection.record `track.points`; rules: server/domain/inspection/
 * patrolTrack.ts) or null when there is no track.
 */
import { useEffect, useRef, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { DEFAULT_PATROL_SAMPLE_S, trackLengthM } from '../../../server/domain/inspection/patrolTrack.ts'
import { patrolText } from './patrolText.ts'

export interface PatrolPoint { lng: number; lat: number; t: string; accuracy: number }
type Fix = { lng: number; lat: number; accuracy: number }

export function PatrolTracker({ onChange }: { onChange: (points: PatrolPoint[] | null) => void }) {
  const { t } = useT(patrolText)
  const trpc = useTRPC()
  const cfg = useQuery(trpc.meta.patrol.queryOptions(undefined, { staleTime: 10 * 60_000 }))
  const sampleS = cfg.data?.sampleS ?? DEFAULT_PATROL_SAMPLE_S
  const [mode, setMode] = useState<'idle' | 'running' | 'ended'>('idle')
  const [points, setPoints] = useState<PatrolPoint[]>([])
  const [geoError, setGeoError] = useState(false)
  const latest = useRef<Fix | null>(null)
  const lastAt = useRef(0)
  const report = useRef(onChange)
  report.current = onChange

  useEffect(() => { report.current(points.length > 0 ? points : null) }, [points])

  useEffect(() => {
    if (mode !== 'running') return
    if (!('geolocation' in navigator)) { setGeoError(true); return }
    const periodMs = sampleS * 1000
    const sample = (force: boolean) => {
      const fix = latest.current
      if (!fix) return
      const now = Date.now()
      if (!force && now - lastAt.current < periodMs) return
      const at = Math.max(now, lastAt.current + 1) // strictly increasing times
      lastAt.current = at
      setPoints((ps) => [...ps, { lng: fix.lng, lat: fix.lat, accuracy: Math.round(fix.accuracy), t: new Date(at).toISOString() }])
    }
    const watch = navigator.geolocation.watchPosition(
      (p) => {
        latest.current = { lng: p.coords.longitude, lat: p.coords.latitude, accuracy: p.coords.accuracy }
        setGeoError(false)
        sample(lastAt.current === 0)
      },
      () => setGeoError(true),
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 },
    )
    const timer = window.setInterval(() => sample(false), periodMs)
    return () => { navigator.geolocation.clearWatch(watch); window.clearInterval(timer) }
  }, [mode, sampleS])

  const start = () => { latest.current = null; lastAt.current = 0; setPoints([]); setGeoError(false); setMode('running') }
  const metres = Math.round(trackLengthM(points))

  return (
    <fieldset className={`patrol ${mode === 'running' ? 'on' : ''}`} data-testid="patrol" data-mode={mode} data-count={points.length}
      data-last={points.length ? `${points[points.length - 1]!.lng.toFixed(6)},${points[points.length - 1]!.lat.toFixed(6)}` : ''}>
      <legend>{t('patrol.title')}</legend>
      {mode === 'idle' && <p className="small muted">{t('patrol.hint', { s: sampleS })}</p>}
      {mode === 'running' && <p className="small" role="status" data-testid="patrol-status">{points.length === 0 ? t('patrol.waiting') : t('patrol.running', { n: points.length, m: metres })}</p>}
      {mode === 'ended' && points.length > 0 && <p className="small" data-testid="patrol-status">{t('patrol.ended', { n: points.length, m: metres })}</p>}
      {geoError && <p className="form-error small">{t('patrol.noGeo')}</p>}
      <div className="row">
        {mode !== 'running'
          ? <button type="button" className="btn-quiet" onClick={start} data-testid="patrol-start">{t('patrol.start')}</button>
          : <button type="button" className="btn-quiet" onClick={() => setMode('ended')} data-testid="patrol-end">{t('patrol.end')}</button>}
        {mode === 'ended' && points.length > 0 && <button type="button" className="btn-quiet" onClick={() => { setPoints([]); setMode('idle') }}>{t('patrol.discard')}</button>}
      </div>
    </fieldset>
  )
}
