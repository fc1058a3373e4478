import { describe, expect, it } from 'vitest'
import { countdownDays, indicatorProgress, indicatorStatus, isMilestoneOverdue, milestoneDaysLeft } from '../../server/domain/evaluation/schedule.ts'
import { chinaDate } from '../../server/domain/time.ts'

const at = (s: string) => new Date(s)

describe('countdown to the evaluation date (Asia/Shanghai days)', () => {
  const evalDay = chinaDate('2026-12-15')
  it('counts China calendar days, not 24-hour periods', () => {
    expect(countdownDays(evalDay, at('2026-12-14T23:59:00+08:00'))).toBe(1)
    expect(countdownDays(evalDay, at('2026-12-14T00:01:00+08:00'))).toBe(1)
    expect(countdownDays(evalDay, at('2026-12-15T00:00:00+08:00'))).toBe(0)
    // 16:30 UTC on the 14th is already the 15th in China
    expect(countdownDays(evalDay, at('2026-12-14T16:30:00Z'))).toBe(0)
    expect(countdownDays(evalDay, at('2026-12-14T15:59:00Z'))).toBe(1)
  })
  it('spans months and goes negative after the day', () => {
    expect(countdownDays(evalDay, at('2026-11-23T10:00:00+08:00'))).toBe(22)
    expect(countdownDays(evalDay, at('2026-12-17T10:00:00+08:00'))).toBe(-2)
  })
})

describe('milestone overdue rule', () => {
  const due = chinaDate('2026-12-01')
  it('is due by the end of its day (China time)', () => {
    expect(isMilestoneOverdue({ dueDate: due, progress: 40 }, at('2026-12-01T23:59:59+08:00'))).toBe(false)
    expect(isMilestoneOverdue({ dueDate: due, progress: 40 }, at('2026-12-02T00:00:00+08:00'))).toBe(true)
    expect(isMilestoneOverdue({ dueDate: due, progress: 40 }, at('2026-12-01T16:00:00Z'))).toBe(true)
  })
  it('is never overdue once at 100 %', () => {
    expect(isMilestoneOverdue({ dueDate: due, progress: 100 }, at('2027-01-01T00:00:00+08:00'))).toBe(false)
    expect(isMilestoneOverdue({ dueDate: due, progress: 99 }, at('2027-01-01T00:00:00+08:00'))).toBe(true)
  })
  it('days left counts the due day itself', () => {
    expect(milestoneDaysLeft({ dueDate: due, progress: 0 }, at('2026-12-01T08:00:00+08:00'))).toBe(1)
    expect(milestoneDaysLeft({ dueDate: due, progress: 0 }, at('2026-11-29T08:00:00+08:00'))).toBe(3)
  })
})

describe('indicator status and progress', () => {
  const now = at('2026-11-23T10:00:00+08:00')
  const farEval = chinaDate('2027-03-01')
  const m = (day: string, progress: number) => ({ dueDate: chinaDate(day), progress })
  it('done when every milestone is at 100, even past the dates', () => {
    expect(indicatorStatus({ evaluationDate: farEval, milestones: [m('2026-10-01', 100), m('2026-11-01', 100)] }, now)).toBe('done')
  })
  it('overdue when one milestone passed below 100', () => {
    expect(indicatorStatus({ evaluationDate: farEval, milestones: [m('2026-11-22', 90), m('2027-01-01', 0)] }, now)).toBe('overdue')
  })
  it('at risk when a milestone due within 7 days is below 50 %', () => {
    expect(indicatorStatus({ evaluationDate: farEval, milestones: [m('2026-11-29', 49)] }, now)).toBe('at_risk')
    expect(indicatorStatus({ evaluationDate: farEval, milestones: [m('2026-11-29', 50)] }, now)).toBe('on_track')
    expect(indicatorStatus({ evaluationDate: farEval, milestones: [m('2026-11-30', 0)] }, now)).toBe('on_track')
  })
  it('at risk when the evaluation is within 7 days and work remains; no milestones is never done', () => {
    expect(indicatorStatus({ evaluationDate: chinaDate('2026-11-30'), milestones: [m('2026-11-30', 80)] }, now)).toBe('at_risk')
    expect(indicatorStatus({ evaluationDate: farEval, milestones: [] }, now)).toBe('on_track')
  })
  it('progress is the rounded mean of milestones, clamped', () => {
    expect(indicatorProgress([m('2026-12-01', 100), m('2026-12-02', 50), m('2026-12-03', 0)])).toBe(50)
    expect(indicatorProgress([m('2026-12-01', 33), m('2026-12-02', 34)])).toBe(34)
    expect(indicatorProgress([m('2026-12-01', 150)])).toBe(100)
    expect(indicatorProgress([])).toBe(0)
  })
})
