/** The demo data's problem history names workflow actions (register, dispatch, …), like the workflow writes them, never the state reached. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ACTION_TYPES, TRANSITIONS } from '../../server/domain/problem/workflow.ts'
import { PROBLEM_ACTION } from '../../server/domain/vocabulary/status.ts'
import { loggedIn } from '../support/apiClient.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'

describe.each(testDatabases())('seeded problem events on %s', (db) => {
  let app: RunningApp
  beforeAll(async () => { app = await startApp({ db }) })
  afterAll(async () => { await app?.stop() })

  it('store action names, each leading from its fromStatus to its toStatus as the workflow says', async () => {
    const leader = await loggedIn(app.url, 'leader')
    const closed = await leader.problem.list.query({ status: 'closed' })
    const voided = await leader.problem.list.query({ status: 'voided' })
    const ids = [...closed.items.slice(0, 3), ...voided.items.slice(0, 2)].map((p) => p.id)
    expect(closed.items.length).toBeGreaterThan(0)
    expect(voided.items.length).toBeGreaterThan(0)
    expect([closed.total, voided.total]).toEqual([await app.db.problem.count({ where: { status: 'closed' } }), await app.db.problem.count({ where: { status: 'voided' } })])
    for (const id of ids) {
      const p = await leader.problem.byId.query({ id })
      expect(p.events[0]).toMatchObject({ action: 'report', toStatus: 'reported' })
      for (const e of p.events.slice(1)) {
        expect(Object.keys(PROBLEM_ACTION), `#${id} ${e.action}`).toContain(e.action)
        const rule = TRANSITIONS[e.action as (typeof ACTION_TYPES)[number]]
        expect(rule.to, `#${id} ${e.action}`).toBe(e.toStatus)
        expect(rule.from as readonly string[], `#${id} ${e.action}`).toContain(e.fromStatus)
      }
    }
    const closedOne = await leader.problem.byId.query({ id: closed.items[0]!.id })
    expect(closedOne.events.map((e) => e.action)).toEqual(['report', 'register', 'dispatch', 'accept', 'submit', 'verifyPass'])
  })
})
