import { useEffect, useState, type FormEvent } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useTRPC, type Me } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { coverageText } from '../coverage/text.ts'
import { instantForDay, todayInChina } from '../../../server/domain/time.ts'

type Fix = { lng: number; lat: number } | null | 'pending'

/** Where the browser says we are (WGS84, as the server stores): sent with the record if allowed. */
function useGeolocation(): Fix {
  const [fix, setFix] = useState<Fix>('pending')
  useEffect(() => {
    if (!('geolocation' in navigator)) { setFix(null); return }
    let live = true
    navigator.geolocation.getCurrentPosition(
      (p) => { if (live) setFix({ lng: p.coords.longitude, lat: p.coords.latitude }) },
      () => { if (live) setFix(null) },
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 60_000 },
    )
    return () => { live = false }
  }, [])
  return fix
}

/** A calendar date as an instant: now for today, noon (Asia/Shanghai) for an earlier day. */
function dateToInstant(date: string): string {
  return instantForDay(date, '12:00')
}

export function InspectionForm({ gridId, me, onDone }: { gridId: number; me: Me; onDone: () => void }) {
  const { t, errorText } = useT(coverageText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const today = todayInChina()
  const [date, setDate] = useState(today)
  const [inspector, setInspector] = useState(me.displayName)
  const [findings, setFindings] = useState('')
  const fix = useGeolocation()

  const record = useMutation(trpc.inspection.record.mutationOptions({
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries(trpc.grid.pathFilter()),
      ])
      onDone()
    },
  }))

  const submit = (e: FormEvent) => {
    e.preventDefault()
    const where = fix && fix !== 'pending' ? fix : {}
    record.mutate({ gridId, date: dateToInstant(date), inspector: inspector.trim(), findings: findings.trim(), ...where })
  }

  return (
    <form className="inspection-form" onSubmit={submit} data-testid="inspection-form">
      <label>
        <span>{t('form.date')}</span>
        <input type="date" data-testid="inspection-date" value={date} max={today} min={`${today.slice(0, 7)}-01`} onChange={(e) => setDate(e.target.value)} required />
      </label>
      <label>
        <span>{t('form.inspector')}</span>
        <input data-testid="inspection-inspector" value={inspector} maxLength={100} onChange={(e) => setInspector(e.target.value)} required />
      </label>
      <label>
        <span>{t('form.findings')}</span>
        <textarea data-testid="inspection-findings" rows={3} maxLength={5000} value={findings} placeholder={t('form.findingsPlaceholder')} onChange={(e) => setFindings(e.target.value)} required />
      </label>
      <p className="muted small">{fix === 'pending' ? t('form.locating') : fix ? t('form.located') : t('form.noLocation')}</p>
      {record.isError && <p className="form-error" role="alert">{errorText(record.error)}</p>}
      <div className="form-actions">
        <button type="button" className="btn-quiet" onClick={onDone}>{t('form.cancel')}</button>
        <button type="submit" className="btn-primary" data-testid="inspection-submit" disabled={record.isPending}>
          {record.isPending ? t('form.submitting') : t('form.submit')}
        </button>
      </div>
    </form>
  )
}
