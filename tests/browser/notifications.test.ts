/**
 * The notification bell in a real browser: an overdue problem of 市人防办 gets a 督办单 from the
 * reminder rules; the department's user sees one unread notice on the bell, marks it read (the badge
 * goes), opens the notice from the list and answers the 督办单 on its printable page.
 * No console errors, no failed requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { RunningApp } from '../support/appServer.ts'
import { signedInSession, startBrowserApp, stopBrowserApp } from '../support/browser.ts'
import { evaluateReminders } from '../../server/services/scheduler.ts'

let app: RunningApp
let browser: Browser

beforeAll(async () => { ({ app, browser } = await startBrowserApp()) }, 180_000)
afterAll(() => stopBrowserApp({ app, browser }))

describe('notification bell', () => {
  it('shows an unread 督办 notice, marks it read, and the notice is answered on its page', async () => {
    const db = app.db
    const dept = await db.department.findFirstOrThrow({ where: { name: '市人防办' } })
    const p = await db.problem.findFirstOrThrow({ where: { departmentId: dept.id, status: { in: ['dispatched', 'rectifying'] } }, orderBy: { id: 'asc' } })
    await db.problem.update({ where: { id: p.id }, data: { deadline: new Date(Date.now() - 30 * 86_400_000) } })
    await evaluateReminders(db, app.catalog.holidays.calendar, new Date())
    const notice = await db.supervisionNotice.findFirstOrThrow({ where: { problemId: p.id } })
    const user = await db.user.findFirstOrThrow({ where: { login: 'rfb' } })
    // everything else the rules sent this user is read already: one unread notice remains
    await db.notification.updateMany({ where: { userId: user.id, OR: [{ supervisionId: null }, { supervisionId: { not: notice.id } }] }, data: { readAt: new Date() } })
    expect(await db.notification.count({ where: { userId: user.id, readAt: null } })).toBe(1)

    const { context, page, problems } = await signedInSession(browser, app.url, 'rfb')

    const badge = page.getByTestId('notification-unread')
    await expect.poll(() => badge.textContent(), { timeout: 30_000 }).toBe('1')
    await page.getByTestId('notification-bell').click()
    const item = page.getByTestId('notification-item').filter({ hasText: '督办〔' })
    await item.waitFor()
    expect(await item.getAttribute('data-read')).toBe('0')
    expect(await item.textContent()).toContain(`#${p.id}`)
    await item.getByTestId('notification-mark-read').click()
    await expect.poll(() => item.getAttribute('data-read'), { timeout: 15_000 }).toBe('1')
    await expect.poll(() => badge.count(), { timeout: 15_000 }).toBe(0)
    expect(await db.notification.count({ where: { userId: user.id, readAt: null } })).toBe(0)

    // the notice's printable page, from the notification
    await item.locator('a').click()
    await expect.poll(() => page.getByTestId('supervision-number').textContent(), { timeout: 30_000 }).toMatch(/^督办〔\d{4}〕第\d+号$/)
    await page.getByTestId('supervision-reply-text').fill('已组织清理，三日内完成')
    await page.getByRole('button', { name: '提交回复' }).click()
    await expect.poll(() => page.getByTestId('supervision-reply').textContent(), { timeout: 15_000 }).toBe('已组织清理，三日内完成')
    expect((await db.supervisionNotice.findUniqueOrThrow({ where: { id: notice.id } })).repliedById).toBe(user.id)
    expect(problems).toEqual([])
    await context.close()
  }, 240_000)
})
