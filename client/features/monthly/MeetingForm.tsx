/** Record the department's monthly coordination meeting (每月工作协调会). */
import { useState, type FormEvent } from 'react'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useTRPC } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { monthlyText } from './text.ts'
import { instantForDay, todayInChina } from '../../../server/domain/time.ts'
import { DatePicker } from '../../ui/DatePicker.tsx'

export function MeetingForm({ onDone }: { onDone: (message: string) => void }) {
  const { t, status, errorText } = useT(monthlyText)
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const today = todayInChina()
  const [date, setDate] = useState(today)
  const [attendees, setAttendees] = useState('')
  const [topics, setTopics] = useState('')
  const [decisions, setDecisions] = useState('')
  const save = useMutation(trpc.meeting.record.mutationOptions({
    onSuccess: async () => { await queryClient.invalidateQueries(); onDone(t('meeting.saved')) },
  }))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    save.mutate({ date: instantForDay(date, '15:00'), attendees, topics, decisions })
  }
  return (
    <form className="inspection-form record-form" onSubmit={submit} data-testid="meeting-form">
      <h2>{t('meeting.title')}</h2>
      <label><span>{t('meeting.date')}</span><DatePicker value={date} max={today} onChange={setDate} required /></label>
      <label><span>{t('meeting.attendees')}</span><input value={attendees} onChange={(e) => setAttendees(e.target.value)} required maxLength={1000} /></label>
      <label><span>{t('meeting.topics')}</span><textarea value={topics} onChange={(e) => setTopics(e.target.value)} required rows={3} maxLength={3000} /></label>
      <label><span>{t('meeting.decisions')}</span><textarea value={decisions} onChange={(e) => setDecisions(e.target.value)} rows={3} maxLength={3000} /></label>
      {save.error && <p className="form-error" role="alert">{errorText(save.error)}</p>}
      <button type="submit" className="btn-primary wide" disabled={save.isPending}>{save.isPending ? t('form.saving') : t('form.submit')}</button>
    </form>
  )
}
