/**
 * Working-day deadlines through the real API: a problem reported the day before 国庆 2026 is due after the
 * holiday and its 调休 Saturday; an admin's new holiday moves the next deadline; only admins edit the calendar.
 */
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorOf, loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { createAppServer } from '../../server/http.ts'

describe.each(testDatabases())('working-day deadlines on %s', (db) => {
  let app: RunningApp
  let clocked: Server
  let clockedUrl: string
  // Wed 30 Sep 2026, 10:00 Beijing time
  const reportedAt = new Date('2026-09-30T02:00:00Z')
  beforeAll(async () => {
    app = await startApp({ db })
    // a second server on the same database whose clock reads 30 Sep 2026
    clocked = createAppServer({ db: app.db, catalog: app.catalog, now: () => reportedAt })
    await new Promise<void>((r) => clocked.listen(0, '127.0.0.1', r))
    clockedUrl = `http://127.0.0.1:${(clocked.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    clocked?.closeAllConnections()
    await new Promise((r) => clocked?.close(r))
    await app?.stop()
  })

  const report = async () => {
    const leader = await loggedIn(clockedUrl, 'leader')
    const fc = await leader.grid.list.query({ level: 'community' })
    const [lng, lat] = pointOnFeature(fc.features.find((x) => x.properties.name === '南面滩社区')!).geometry.coordinates as [number, number]
    return leader.problem.create.mutate({ lng, lat, categoryCode: 'XX02', description: '测试：国庆前上报的小广告' })
  }

  it('counts 3 working days past 国庆 and its 调休 Saturday', async () => {
    const leader = await loggedIn(clockedUrl, 'leader')
    const cat = (await leader.problem.categories.query()).find((c) => c.code === 'XX02')!
    expect(cat.limit.normal.workingDays).toBe(3)
    const p = await report()
    // State Council 2026 notice: 10月1日至7日放假调休，10月10日（周六）上班.
    // Day 0 = Wed 30 Sep; Thu 1 … Wed 7 Oct off; Thu 8 Oct = 1, Fri 9 Oct = 2, Sat 10 Oct (调休上班) = 3;
    // due at the end of 10 Oct, Beijing time = 15:59:59.999 UTC.
    expect(p.deadline).toBe('2026-10-10T15:59:59.999Z')
  })

  it('an admin adds a holiday and the next deadline moves; removing it moves it back', async () => {
    const admin = await loggedIn(clockedUrl, 'admin')
    const after = await admin.calendar.set.mutate({ day: '2026-10-09', kind: 'holiday', name: '测试假日' })
    expect(after.days).toContainEqual({ day: '2026-10-09', kind: 'holiday', name: '测试假日' })
    // Thu 8 Oct = 1, Fri 9 Oct now off, Sat 10 Oct = 2, Sun 11 Oct off, Mon 12 Oct = 3
    expect((await report()).deadline).toBe('2026-10-12T15:59:59.999Z')
    const audit = await app.db.auditLog.findFirst({ where: { action: 'calendar.set', entityId: '2026-10-09' } })
    expect(audit).not.toBeNull()
    await admin.calendar.remove.mutate({ day: '2026-10-09' })
    expect((await report()).deadline).toBe('2026-10-10T15:59:59.999Z')
    expect(await app.db.auditLog.count({ where: { action: 'calendar.remove', entityId: '2026-10-09' } })).toBe(1)
  })

  it('refuses a weekday as 调休上班 and removing a day not in the calendar', async () => {
    const admin = await loggedIn(app.url, 'admin')
    expect(await errorOf(admin.calendar.set.mutate({ day: '2026-10-14', kind: 'workday', name: '错误' }))).toMatchObject({ code: 'BAD_REQUEST', appCode: 'CALENDAR_WORKDAY_NOT_WEEKEND' })
    expect(await errorOf(admin.calendar.remove.mutate({ day: '2026-10-14' }))).toMatchObject({ code: 'NOT_FOUND', appCode: 'CALENDAR_DAY_NOT_FOUND' })
  })

  it('lists a year; a department may read but not edit the calendar', async () => {
    const rfb = await loggedIn(app.url, 'rfb')
    const y = await rfb.calendar.list.query({ year: 2026 })
    expect(y).toMatchObject({ known: true, provisional: false })
    expect(y.days).toContainEqual({ day: '2026-10-10', kind: 'workday', name: expect.any(String) })
    expect(y.days).toContainEqual({ day: '2026-10-01', kind: 'holiday', name: expect.any(String) })
    expect(await errorOf(rfb.calendar.set.mutate({ day: '2026-10-09', kind: 'holiday', name: '部门' }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    expect(await errorOf(rfb.calendar.remove.mutate({ day: '2026-10-01' }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
    expect(await app.db.calendarDay.count({ where: { day: '2026-10-01' } })).toBe(1)
  })

  it('an admin marks a year official or provisional (audited); a department cannot', async () => {
    const admin = await loggedIn(app.url, 'admin')
    expect((await admin.calendar.list.query({ year: 2027 })).provisional).toBe(true)
    const y = await admin.calendar.setYear.mutate({ year: 2027, provisional: false, source: '国务院办公厅关于2027年部分节假日安排的通知' })
    expect(y).toMatchObject({ known: true, provisional: false, source: '国务院办公厅关于2027年部分节假日安排的通知' })
    expect(app.catalog.holidays.calendar.years.get(2027)!.provisional).toBe(false)
    expect(await app.db.auditLog.count({ where: { action: 'calendar.setYear', entityId: '2027' } })).toBe(1)
    const rfb = await loggedIn(app.url, 'rfb')
    expect(await errorOf(rfb.calendar.setYear.mutate({ year: 2027, provisional: true, source: '' }))).toMatchObject({ code: 'FORBIDDEN', appCode: 'ROLE_FORBIDDEN' })
  })

  it('another server on the same database picks up an edit on its watch poll', async () => {
    const admin = await loggedIn(app.url, 'admin')
    const other = await startApp({ shareDb: app.config })
    try {
      await admin.calendar.set.mutate({ day: '2026-10-09', kind: 'holiday', name: '测试假日' })
      expect(await other.catalog.reloadIfChanged(other.db)).toBeTypeOf('boolean')
      expect(other.catalog.holidays.calendar.years.get(2026)!.holidays.get('2026-10-09')).toBe('测试假日')
    } finally {
      await admin.calendar.remove.mutate({ day: '2026-10-09' })
      await other.stop()
    }
  })
})
