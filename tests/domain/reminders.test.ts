/**
 * The timed reminder rules (server/domain/reminders/rules.ts) on fixtures across weekends, the 2026
 * National Day holiday and its 调休 working Saturday (2026-10-10), and month ends. Expected values are
 * worked out by hand from the 2026 State Council calendar, not taken from the code.
 */
import { describe, expect, it } from 'vitest'
import { bundledCalendar, endOfBeijingDay } from '../../server/domain/calendar/workingDays.ts'
import { applyTransition, ACTION_TYPES } from '../../server/domain/problem/workflow.ts'
import { satisfactionByDepartment } from '../../server/domain/problem/followUp.ts'
import { backoffMs, dueNotices, reminderConfigFrom, supervisionNumber, type ReminderProblem } from '../../server/domain/reminders/rules.ts'
import { chinaInstant } from '../../server/domain/time.ts'

const cal = bundledCalendar()
const at = (day: string, time = '12:00') => chinaInstant(day, time)
const problem = (deadlineDay: string, over: Partial<ReminderProblem> = {}): ReminderProblem => ({ id: 7, status: 'rectifying', departmentId: 3, deadline: endOfBeijingDay(deadlineDay), ...over })
const rules = (p: ReminderProblem, now: Date) => dueNotices({ problems: [p] }, now, cal).map((n) => n.rule)

describe('deadline approaching: from the start of the last working day before the deadline day', () => {
  const cases: [string, string, string, string, string[]][] = [
    // deadline day, now day, now time, why, expected rules
    ['2026-11-30', '2026-11-26', '23:59', 'Monday deadline, Thursday night: not yet', []],
    ['2026-11-30', '2026-11-27', '00:00', 'Monday deadline: Friday is the working day before', ['deadlineSoon']],
    ['2026-11-30', '2026-11-29', '10:00', 'over the weekend it stays due', ['deadlineSoon']],
    ['2026-11-30', '2026-11-30', '23:00', 'the deadline day itself', ['deadlineSoon']],
    ['2026-10-08', '2026-09-29', '12:00', 'after National Day: not on the Tuesday before', []],
    ['2026-10-08', '2026-09-30', '08:00', 'after National Day: the last working day before the holiday', ['deadlineSoon']],
    ['2026-10-12', '2026-10-09', '12:00', 'Monday deadline after a 调休 Saturday: not on Friday', []],
    ['2026-10-12', '2026-10-10', '09:00', 'the 调休 Saturday is the working day before', ['deadlineSoon']],
  ]
  for (const [deadline, day, time, why, expected] of cases) {
    it(`${why} (deadline ${deadline}, now ${day} ${time})`, () => expect(rules(problem(deadline), at(day, time))).toEqual(expected))
  }
})

describe('overdue and 督办 (after 3 working days overdue)', () => {
  const cases: [string, string, string, string[]][] = [
    ['2026-11-27', '2026-11-28', 'Friday deadline, Saturday: overdue only', ['overdue']],
    ['2026-11-27', '2026-12-01', 'Tuesday: 2 working days overdue', ['overdue']],
    ['2026-11-27', '2026-12-02', 'Wednesday: 3 working days overdue → 督办', ['overdue', 'supervision']],
    ['2026-09-30', '2026-10-07', 'over National Day no working day passes', ['overdue']],
    ['2026-09-30', '2026-10-09', 'Oct 8 and 9: 2 working days', ['overdue']],
    ['2026-09-30', '2026-10-10', 'the 调休 Saturday is the third working day → 督办', ['overdue', 'supervision']],
  ]
  for (const [deadline, day, why, expected] of cases) {
    it(`${why} (deadline ${deadline}, now ${day})`, () => expect(rules(problem(deadline), at(day, '10:00'))).toEqual(expected))
  }
  it('the 督办单 carries the working days overdue and a reply deadline of 2 working days (Saturday 10-10 → Tuesday 10-13)', () => {
    const n = dueNotices({ problems: [problem('2026-09-30')] }, at('2026-10-10', '10:00'), cal).find((x) => x.rule === 'supervision')
    expect(n).toMatchObject({ daysOverdue: 3, replyDue: endOfBeijingDay('2026-10-13'), key: `supervision:problem:7:${endOfBeijingDay('2026-09-30').toISOString()}` })
  })
  it('N is configurable (SUPERVISION_AFTER_WORKING_DAYS=1)', () => {
    const config = reminderConfigFrom({ SUPERVISION_AFTER_WORKING_DAYS: '1' })
    expect(dueNotices({ problems: [problem('2026-11-27')] }, at('2026-11-30', '10:00'), cal, config).map((n) => n.rule)).toEqual(['overdue', 'supervision'])
  })
  it('only problems in the department\'s hands; submitted, closed, unassigned are not chased', () => {
    for (const over of [{ status: 'submitted' }, { status: 'closed' }, { status: 'registered' }, { departmentId: null }, { deadline: null }]) {
      expect(rules(problem('2026-11-27', over), at('2026-12-10'))).toEqual([])
    }
    expect(rules(problem('2026-11-27', { status: 'dispatched' }), at('2026-12-10'))).toEqual(['overdue', 'supervision'])
  })
  it('a moved deadline (extension) is a new period with new keys', () => {
    const a = dueNotices({ problems: [problem('2026-11-27')] }, at('2026-11-30'), cal)[0]!
    const b = dueNotices({ problems: [problem('2026-11-28')] }, at('2026-11-30'), cal)[0]!
    expect(a.key).not.toBe(b.key)
    expect(a.key).toBe(`overdue:problem:7:${endOfBeijingDay('2026-11-27').toISOString()}`)
  })
})

describe('escalation of an unanswered 督办单', () => {
  const notice = { id: 4, problemId: 7, departmentId: 3, replyDue: endOfBeijingDay('2026-10-13'), repliedAt: null as Date | null, level: 1 }
  const esc = (n: typeof notice, now: Date) => dueNotices({ problems: [], notices: [n] }, now, cal).map((x) => x.key)
  it('not before the reply deadline has passed', () => expect(esc(notice, at('2026-10-13', '23:59'))).toEqual([]))
  it('one level up the day after', () => expect(esc(notice, at('2026-10-14', '00:00'))).toEqual(['supervisionEscalated:notice:4']))
  it('answered or already escalated: nothing', () => {
    expect(esc({ ...notice, repliedAt: at('2026-10-13') }, at('2026-10-20'))).toEqual([])
    expect(esc({ ...notice, level: 2 }, at('2026-10-20'))).toEqual([])
  })
})

describe('a month\'s inspection not done 5 days before the month ends', () => {
  const grids = [
    { gridId: 3, departmentId: 1, state: 'pending' }, { gridId: 1, departmentId: 1, state: 'pending' }, { gridId: 2, departmentId: 1, state: 'done' },
    { gridId: 5, departmentId: 2, state: 'pending' }, { gridId: 6, departmentId: 2, state: 'unverified' }, { gridId: 9, departmentId: null, state: 'pending' },
  ]
  it('on 26 November (5 days left counting today) one notice per department with its pending grids', () => {
    expect(dueNotices({ problems: [], gridMonths: grids }, at('2026-11-26', '10:00'), cal)).toEqual([
      { rule: 'inspectionDue', key: 'inspectionDue:department:1:2026-11', departmentId: 1, month: '2026-11', gridIds: [1, 3] },
      { rule: 'inspectionDue', key: 'inspectionDue:department:2:2026-11', departmentId: 2, month: '2026-11', gridIds: [5] },
    ])
  })
  it('not on 25 November (6 days left)', () => expect(dueNotices({ problems: [], gridMonths: grids }, at('2026-11-25', '10:00'), cal)).toEqual([]))
  it('February 2026 (28 days): from the 24th', () => {
    expect(dueNotices({ problems: [], gridMonths: grids }, at('2026-02-23', '10:00'), cal)).toEqual([])
    expect(dueNotices({ problems: [], gridMonths: grids }, at('2026-02-24', '10:00'), cal).map((n) => n.key)).toEqual(['inspectionDue:department:1:2026-02', 'inspectionDue:department:2:2026-02'])
  })
})

describe('numbers, backoff, satisfaction, reopen', () => {
  it('督办单 numbers', () => expect(supervisionNumber(2026, 7)).toBe('督办〔2026〕第7号'))
  it('exponential backoff, capped', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a, 1000))).toEqual([1000, 2000, 4000, 8000])
    expect(backoffMs(30, 1000, 60_000)).toBe(60_000)
  })
  it('satisfaction counts each problem\'s latest 回访; unreachable is not in the rate', () => {
    const r = satisfactionByDepartment([
      { id: 1, problemId: 1, departmentId: 3, outcome: 'unsatisfied', at: at('2026-11-01') },
      { id: 2, problemId: 1, departmentId: 3, outcome: 'satisfied', at: at('2026-11-05') },
      { id: 3, problemId: 2, departmentId: 3, outcome: 'unsatisfied', at: at('2026-11-02') },
      { id: 4, problemId: 3, departmentId: 3, outcome: 'unreachable', at: at('2026-11-02') },
      { id: 5, problemId: 4, departmentId: 4, outcome: 'unreachable', at: at('2026-11-02') },
    ])
    expect(r).toEqual([
      { departmentId: 3, satisfied: 1, unsatisfied: 1, unreachable: 1, satisfactionRate: 0.5 },
      { departmentId: 4, satisfied: 0, unsatisfied: 0, unreachable: 1, satisfactionRate: null },
    ])
  })
  it('reopen: closed → rectifying by the leadership with a note, counted, fresh limit; not a plain action', () => {
    const p = { status: 'closed', departmentId: 3, gridId: 1, priority: 'normal', deadline: endOfBeijingDay('2026-11-02'), limit: { normal: { workingDays: 3 }, urgent: { hours: 24 } }, reworkCount: 0, extensionCount: 0, pendingExtension: null, reopenCount: 1 }
    const lead = { id: 1, role: 'leader' as const, departmentId: null }
    const r = applyTransition(p, { type: 'reopen', note: '回访不满意' }, lead, at('2026-11-27', '10:00'), cal)
    // Friday 27 Nov + 3 working days = Mon 30, Tue 1, Wed 2 December
    expect(r).toMatchObject({ ok: true, changes: { status: 'rectifying', closedAt: null, reopenCount: 2, deadline: endOfBeijingDay('2026-12-02') }, event: { action: 'reopen', fromStatus: 'closed', toStatus: 'rectifying' } })
    expect(applyTransition(p, { type: 'reopen' }, lead, at('2026-11-27'), cal)).toMatchObject({ ok: false, code: 'NOTE_REQUIRED' })
    expect(applyTransition(p, { type: 'reopen', note: 'x' }, { id: 2, role: 'department', departmentId: 3 }, at('2026-11-27'), cal)).toMatchObject({ ok: false, code: 'ROLE_FORBIDDEN' })
    expect(applyTransition({ ...p, status: 'rectifying' }, { type: 'reopen', note: 'x' }, lead, at('2026-11-27'), cal)).toMatchObject({ ok: false, code: 'ILLEGAL_TRANSITION' })
    expect(ACTION_TYPES).not.toContain('reopen')
  })
})
