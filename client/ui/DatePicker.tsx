/**
 * Our own date field (the browser's native date input shows English on some systems): a text
 * field in 年-月-日 form plus a calendar popover, Monday first, 中文 or English with the switch.
 *
 * Keyboard: in the field, type the date or press Alt+↓ / the button to open the calendar; in the
 * calendar, ←/→ a day, ↑/↓ a week, PageUp/PageDown a month, Home/End the start/end of the week,
 * Enter or Space picks, Escape closes and returns to the field. The value is a calendar date
 * "YYYY-MM-DD" (or '' when empty), the same as a native date input's value.
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react'
import { useT } from '../i18n.ts'
import { addDays, todayInChina } from '../../server/domain/time.ts'
import { uiText } from './text.ts'
import { addMonthsDay, isCalendarDay, monthStart, MONTHS_EN, normaliseDay, weekdayOf } from './calendarDays.ts'
import './ui.css'

export interface DatePickerProps {
  value: string
  onChange: (value: string) => void
  /** the field's accessible name when it has no surrounding <label> */
  label?: string
  min?: string
  max?: string
  required?: boolean
  /** show a 清除 button in the calendar */
  clearable?: boolean
  id?: string
  'data-testid'?: string
  disabled?: boolean
}

export function DatePicker({ value, onChange, label, min, max, required, clearable, id, disabled, 'data-testid': testId }: DatePickerProps) {
  const { t, lang } = useT(uiText)
  const [text, setText] = useState(value)
  const [problem, setProblem] = useState<string | null>(null)
  const [open, setOpen] = useState(false)
  const [focusDay, setFocusDay] = useState(() => value || todayInChina())
  const field = useRef<HTMLInputElement>(null)
  const grid = useRef<HTMLDivElement>(null)
  const wrap = useRef<HTMLDivElement>(null)
  const dialogId = useId()
  const errId = useId()

  // the value from outside wins (a reset form, a picked day)
  useEffect(() => { setText(value); setProblem(null) }, [value])
  // the focused day button takes the focus as it moves
  useEffect(() => { if (open) grid.current?.querySelector<HTMLButtonElement>(`[data-day="${focusDay}"]`)?.focus() }, [open, focusDay])
  // a click outside closes
  useEffect(() => {
    if (!open) return
    const onDown = (e: MouseEvent) => { if (!wrap.current?.contains(e.target as Node)) setOpen(false) }
    document.addEventListener('mousedown', onDown)
    return () => document.removeEventListener('mousedown', onDown)
  }, [open])

  const inRange = (d: string) => (!min || d >= min) && (!max || d <= max)
  const commitText = (s: string) => {
    if (s.trim() === '') { setProblem(null); if (value !== '') onChange(''); return }
    const d = normaliseDay(s)
    if (!d) { setProblem(t('date.invalid')); return }
    if (!inRange(d)) { setProblem(t('date.outOfRange')); return }
    setProblem(null)
    setText(d)
    if (d !== value) onChange(d)
  }
  const pick = (d: string) => {
    if (!inRange(d)) return
    setProblem(null)
    setText(d)
    onChange(d)
    setOpen(false)
    field.current?.focus()
  }
  const openCalendar = () => { setFocusDay(value && isCalendarDay(value) ? value : (max && todayInChina() > max ? max : todayInChina())); setOpen(true) }

  const onGridKey = (e: KeyboardEvent) => {
    const moves: Record<string, () => string> = {
      ArrowLeft: () => addDays(focusDay, -1), ArrowRight: () => addDays(focusDay, 1),
      ArrowUp: () => addDays(focusDay, -7), ArrowDown: () => addDays(focusDay, 7),
      PageUp: () => addMonthsDay(focusDay, -1), PageDown: () => addMonthsDay(focusDay, 1),
      Home: () => addDays(focusDay, -weekdayOf(focusDay)), End: () => addDays(focusDay, 6 - weekdayOf(focusDay)),
    }
    if (moves[e.key]) { e.preventDefault(); setFocusDay(moves[e.key]!()); return }
    if (e.key === 'Escape') { e.preventDefault(); setOpen(false); field.current?.focus() }
  }

  const [y, m] = focusDay.split('-').map(Number) as [number, number]
  const first = monthStart(focusDay)
  const start = addDays(first, -weekdayOf(first))
  const days = Array.from({ length: 42 }, (_, i) => addDays(start, i))
  const weekNames = t('date.weekdays').split(',')
  const monthWord = (mm: number) => (lang === 'en' ? MONTHS_EN[mm - 1]! : `${mm}月`)
  const monthTitle = t('date.month', { y, mon: monthWord(m) })
  const dayLabel = (d: string) => { const [yy, mm, dd] = d.split('-').map(Number); return t('date.day', { y: yy!, d: dd!, w: weekNames[weekdayOf(d)]!, mon: monthWord(mm!) }) }
  const today = todayInChina()

  return (
    <div className="date-picker" ref={wrap}>
      <div className="date-field">
        <input
          ref={field} id={id} type="text" inputMode="numeric" autoComplete="off" spellCheck={false}
          value={text} placeholder={t('date.placeholder')} aria-label={label} required={required} disabled={disabled}
          aria-invalid={problem ? true : undefined} aria-describedby={problem ? errId : undefined} data-testid={testId}
          onChange={(e) => { setText(e.target.value); const d = normaliseDay(e.target.value); if (d && inRange(d)) { setProblem(null); if (d !== value) onChange(d) } else if (e.target.value === '' && value !== '') onChange('') }}
          onBlur={(e) => commitText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commitText(text)
            if (e.key === 'ArrowDown' && e.altKey) { e.preventDefault(); openCalendar() }
          }}
        />
        <button type="button" className="date-open" aria-label={t('date.open')} aria-haspopup="dialog" aria-expanded={open} aria-controls={open ? dialogId : undefined} disabled={disabled}
          onClick={() => (open ? setOpen(false) : openCalendar())} data-testid={testId ? `${testId}-open` : undefined}>
          <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true"><rect x="3" y="5" width="18" height="16" rx="2" /><path d="M3 10h18M8 3v4M16 3v4" /></svg>
        </button>
      </div>
      {problem && <span className="date-problem" id={errId} role="alert">{problem}</span>}
      {open && (
        <div className="date-pop" role="dialog" aria-modal="false" aria-label={t('date.dialog')} id={dialogId} data-testid={testId ? `${testId}-calendar` : undefined}>
          <div className="date-head">
            <button type="button" className="date-nav" aria-label={t('date.prevMonth')} onClick={() => setFocusDay(addMonthsDay(focusDay, -1))}>‹</button>
            <strong aria-live="polite">{monthTitle}</strong>
            <button type="button" className="date-nav" aria-label={t('date.nextMonth')} onClick={() => setFocusDay(addMonthsDay(focusDay, 1))}>›</button>
          </div>
          <div role="grid" aria-label={monthTitle} ref={grid} onKeyDown={onGridKey} className="date-grid">
            <div role="row" className="date-row">
              {weekNames.map((w) => <span role="columnheader" key={w} className="date-wd">{w}</span>)}
            </div>
            {[0, 1, 2, 3, 4, 5].map((r) => (
              <div role="row" className="date-row" key={r}>
                {days.slice(r * 7, r * 7 + 7).map((d) => {
                  const other = d.slice(0, 7) !== focusDay.slice(0, 7)
                  return (
                    <span role="gridcell" key={d} aria-selected={d === value}>
                      <button type="button" data-day={d} tabIndex={d === focusDay ? 0 : -1} disabled={!inRange(d)} aria-label={dayLabel(d)}
                        aria-current={d === today ? 'date' : undefined}
                        className={`date-day${other ? ' other' : ''}${d === value ? ' on' : ''}${d === today ? ' today' : ''}`}
                        onClick={() => pick(d)}>
                        {Number(d.slice(8))}
                      </button>
                    </span>
                  )
                })}
              </div>
            ))}
          </div>
          <div className="date-foot">
            <button type="button" className="btn-quiet" disabled={!inRange(today)} onClick={() => pick(today)}>{t('date.today')}</button>
            {clearable && <button type="button" className="btn-quiet" onClick={() => { onChange(''); setText(''); setOpen(false); field.current?.focus() }}>{t('date.clear')}</button>}
            <button type="button" className="btn-quiet" onClick={() => { setOpen(false); field.current?.focus() }}>{t('date.close')}</button>
          </div>
        </div>
      )}
    </div>
  )
}
