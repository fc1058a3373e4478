/**
 * The generated authorization test: every procedure of the router (found by walking it, not listed
 * here) is called over HTTP as anonymous and as every role, and the answer must match the
 * permission matrix. A procedure without a matrix entry, a matrix entry without a procedure, or a
 * procedure whose input cannot be derived and has no sample below fails the test.
 */
import { pointOnFeature } from '@turf/turf'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowed, PERMISSIONS, PUBLIC, ROLES, type Role } from '../../server/api/permissions.ts'
import { startApp, testDatabases, type RunningApp } from '../support/appServer.ts'
import { callProcedure, listProcedures, sampleInput, sessionCookieFor, type CallResult, type Hints, type Proc } from '../support/procedures.ts'

/** One user of each role. */
const LOGIN_OF: Record<Role, string> = { leader: 'leader', department: 'rfb', planner: 'planner', admin: 'admin' }
/** Refusals that mean "authorization said no" (as opposed to scope, input or state). */
const AUTH_REFUSALS = new Set(['NOT_LOGGED_IN', 'ROLE_FORBIDDEN'])

describe('permission matrix ↔ router', () => {
  const procs = listProcedures()
  it('every procedure has a matrix entry', () => {
    expect(procs.length).toBeGreaterThan(10)
    expect(procs.filter((p) => PERMISSIONS[p.path] === undefined).map((p) => p.path)).toEqual([])
  })
  it('every matrix entry names an existing procedure', () => {
    const paths = new Set(procs.map((p) => p.path))
    expect(Object.keys(PERMISSIONS).filter((k) => !paths.has(k))).toEqual([])
  })
  it('every entry is "public" or a non-empty list of known roles', () => {
    for (const [path, rule] of Object.entries(PERMISSIONS)) {
      if (rule === PUBLIC) continue
      expect(rule.length, path).toBeGreaterThan(0)
      for (const r of rule) expect(ROLES, path).toContain(r)
    }
  })
  it('only login, logout, me and the public config are callable anonymously', () => {
    expect(Object.entries(PERMISSIONS).filter(([, r]) => r === PUBLIC).map(([k]) => k).sort()).toEqual(['auth.login', 'auth.logout', 'auth.me', 'meta.config'])
  })
})

/**
 * Facts about other departments every signed-in user may read: who holds a grid (and held it), and
 * which units share an indicator the user's department is responsible for. Anything else carrying
 * another department's `departmentId` is a row of that department.
 */
// the responsibility matrix (who handles which category where: routing.matrix cells and rules, grid.explain's
// handling per group) is public like the holder: every department must know who handles what (docs/routing.md)
const PUBLIC_FACTS = new Set(['holder', 'holderHistory', 'departments', 'cells', 'rules', 'handling'])

/** JSON paths of objects with a departmentId other than `mine`, outside the public facts. */
function foreignRows(data: unknown, mine: number, path = '$'): string[] {
  if (Array.isArray(data)) return data.flatMap((v, i) => foreignRows(v, mine, `${path}[${i}]`))
  if (!data || typeof data !== 'object') return []
  const o = data as Record<string, unknown>
  const here = typeof o.departmentId === 'number' && o.departmentId !== mine ? [`${path} (departmentId ${o.departmentId})`] : []
  return [...here, ...Object.entries(o).filter(([k]) => !PUBLIC_FACTS.has(k)).flatMap(([k, v]) => foreignRows(v, mine, `${path}.${k}`))]
}

describe.each(testDatabases())('every procedure as every role on %s', (db) => {
  let app: RunningApp
  let hints: Hints & { db: string }
  const procs = listProcedures()
  const cookies = new Map<Role, string>()

  beforeAll(async () => {
    app = await startApp({ db })
    for (const role of ROLES) cookies.set(role, await sessionCookieFor(app.url, LOGIN_OF[role]))
    const fc = await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, cookies.get('leader'))
    const f = (fc.data as { features: GeoJSON.Feature<GeoJSON.Polygon>[] }).features[0]!
    const [lng, lat] = pointOnFeature(f).geometry.coordinates as [number, number]
    hints = { lng, lat, now: new Date(), db }
  })
  afterAll(async () => { await app?.stop() })

  const sampleFor = (p: Proc) => sampleInput(p, hints)

  it('every procedure has a valid sample input (derived from its zod schema or in SAMPLES)', () => {
    const missing = procs.filter((p) => p.type !== 'subscription' && !sampleFor(p)).map((p) => p.path)
    expect(missing, 'add these procedures to SAMPLES in tests/support/procedures.ts').toEqual([])
  })

  it('anonymous and each role get exactly what the matrix says', async () => {
    const failures: string[] = []
    const check = (p: Proc, who: Role | 'anonymous', r: CallResult) => {
      const shouldPass = who === 'anonymous' ? PERMISSIONS[p.path] === PUBLIC : allowed(p.path, who)
      if (shouldPass) {
        if (!r.ok && AUTH_REFUSALS.has(r.error!.appCode)) failures.push(`${p.path} as ${who}: refused (${r.error!.appCode}) but the matrix allows it`)
        if (r.status >= 500) failures.push(`${p.path} as ${who}: HTTP ${r.status} ${r.error?.message}`)
      } else {
        const expected = who === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN'
        if (r.ok || r.error!.code !== expected) failures.push(`${p.path} as ${who}: expected ${expected}, got ${r.ok ? 'success' : `${r.status} ${r.error!.code} ${r.error!.appCode}`}`)
      }
    }
    let calls = 0
    for (const p of procs) {
      if (p.type === 'subscription') continue
      const sample = sampleFor(p)
      if (!sample) continue // reported by the test above
      for (const who of ['anonymous', ...ROLES] as const) {
        // logout ends the session it is called with: give it a session of its own
        const cookie = who === 'anonymous' ? undefined : p.path === 'auth.logout' ? await sessionCookieFor(app.url, LOGIN_OF[who]) : cookies.get(who)
        check(p, who, await callProcedure(app.url, p, sample.input, cookie))
        calls++
      }
    }
    expect(failures).toEqual([])
    expect(calls).toBe(procs.filter((p) => p.type !== 'subscription').length * (ROLES.length + 1))
    // the shared sessions survived the run (nothing above logged them out)
    for (const role of ROLES) expect((await callProcedure(app.url, { path: 'auth.me', type: 'query' }, undefined, cookies.get(role))).data).toMatchObject({ role })
  })

  it('a department user reads no row of another department (what each role sees, not only whether it was refused)', async () => {
    const rfb = cookies.get('department')!
    const leader = cookies.get('leader')!
    const me = ((await callProcedure(app.url, { path: 'auth.me', type: 'query' }, undefined, rfb)).data as { departmentId: number }).departmentId
    const fc = (await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, leader)).data as { features: { properties: { id: number; holderDepartmentId: number | null; openProblems: number } }[] }
    // a grid another department holds, with open problems: grid.byId of it has something to leak
    const foreign = fc.features.map((f) => f.properties).find((g) => g.holderDepartmentId !== null && g.holderDepartmentId !== me && g.openProblems > 0)!
    expect(foreign).toBeTruthy()
    const leaks: string[] = []
    const couldLeak: string[] = []
    let reads = 0
    for (const p of procs.filter((x) => x.type === 'query' && allowed(x.path, 'department'))) {
      const sample = sampleFor(p)
      if (!sample) continue
      let input = sample.input
      if (input && typeof input === 'object' && !Array.isArray(input)) {
        const o = { ...(input as Record<string, unknown>) }
        for (const key of Object.keys(o)) if (key === 'gridId' || (p.path.startsWith('grid.') && key === 'id')) o[key] = foreign.id
        input = o
      }
      const r = await callProcedure(app.url, p, input, rfb)
      reads++
      if (r.status >= 500) leaks.push(`${p.path}: HTTP ${r.status}`)
      if (!r.ok) continue // refused: nothing shown
      const rows = foreignRows(r.data, me)
      if (rows.length) leaks.push(`${p.path}: ${rows.slice(0, 3).join(', ')}${rows.length > 3 ? ` (+${rows.length - 3})` : ''}`)
      const asLeader = await callProcedure(app.url, p, input, leader)
      if (asLeader.ok && foreignRows(asLeader.data, me).length) couldLeak.push(p.path)
    }
    expect(leaks).toEqual([])
    expect(reads).toBeGreaterThan(20)
    // the check had something to find: the leader, reading the same, does see other departments' rows
    expect(couldLeak).toEqual(expect.arrayContaining(['grid.byId', 'problem.list', 'inspection.listForMonth']))
  })

  it('a department user cannot write to another department\'s grids and problems', async () => {
    const rfb = cookies.get('department')!
    const me = (await callProcedure(app.url, { path: 'auth.me', type: 'query' }, undefined, rfb)).data as { departmentId: number }
    const fc = (await callProcedure(app.url, { path: 'grid.list', type: 'query' }, { level: 'community' }, cookies.get('leader'))).data as { features: { properties: { id: number; holderDepartmentId: number | null } }[] }
    const foreignGrid = fc.features.find((f) => f.properties.holderDepartmentId !== null && f.properties.holderDepartmentId !== me.departmentId)!.properties
    const foreignDept = foreignGrid.holderDepartmentId!
    const list = (await callProcedure(app.url, { path: 'problem.list', type: 'query' }, { departmentId: foreignDept, open: true }, cookies.get('leader'))).data as { items: { id: number; version: number }[] }
    const [foreignProblem, foreignProblem2] = list.items
    expect(foreignProblem && foreignProblem2).toBeTruthy()

    // every mutation a department may call, with any grid/department/problem reference pointed at someone else's
    const scoped: string[] = []
    const failures: string[] = []
    for (const p of procs.filter((x) => x.type === 'mutation' && allowed(x.path, 'department'))) {
      const sample = sampleFor(p)
      if (!sample || !sample.input || typeof sample.input !== 'object') continue
      const input = { ...(sample.input as Record<string, unknown>) }
      let touched = false
      for (const key of Object.keys(input)) {
        if (key === 'gridId') { input[key] = foreignGrid.id; touched = true }
        if (key === 'departmentId') { input[key] = foreignDept; touched = true }
        if (key === 'problemId' || (p.path.startsWith('problem.') && key === 'id')) { input[key] = foreignProblem!.id; touched = true }
        if (p.path.startsWith('problem.') && key === 'intoId') input[key] = foreignProblem2!.id
        if (p.path.startsWith('problem.') && key === 'version') input[key] = foreignProblem!.version
      }
      if (!touched) continue
      scoped.push(p.path)
      const r = await callProcedure(app.url, p, input, rfb)
      if (r.ok || r.error!.code !== 'FORBIDDEN') failures.push(`${p.path}: expected FORBIDDEN, got ${r.ok ? 'success' : `${r.error!.code} ${r.error!.appCode}`}`)
    }
    expect(failures).toEqual([])
    expect(scoped).toEqual(expect.arrayContaining(['inspection.record', 'problem.transition']))

    // reads of another department's problems are refused too
    const byId = await callProcedure(app.url, { path: 'problem.byId', type: 'query' }, { id: foreignProblem!.id }, rfb)
    expect(byId.error?.code).toBe('FORBIDDEN')
    const other = await callProcedure(app.url, { path: 'problem.list', type: 'query' }, { departmentId: foreignDept }, rfb)
    expect(other.error).toMatchObject({ code: 'FORBIDDEN', appCode: 'NOT_YOUR_DEPARTMENT' })
    // and nothing changed on the foreign problem
    const after = (await callProcedure(app.url, { path: 'problem.byId', type: 'query' }, { id: foreignProblem!.id }, cookies.get('leader'))).data as { version: number }
    expect(after.version).toBe(foreignProblem!.version)
  })
})
