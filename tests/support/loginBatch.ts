/**
 * The hostile login batch of issue 17: one POST carrying `calls` auth.login calls for one login,
 * all with wrong passwords except the last (the right one, `<login>123` as in the demo data).
 * Returns what `fetch` takes, so a test can fire it alone or while it measures something else.
 */
export function loginBatchRequest(baseUrl: string, opts: { login?: string; calls?: number; rightPassword?: string | null } = {}): { url: string; init: RequestInit } {
  const login = opts.login ?? 'planner'
  const calls = opts.calls ?? 300
  const right = opts.rightPassword === undefined ? `${login}123` : opts.rightPassword
  const body: Record<string, { login: string; password: string }> = {}
  for (let i = 0; i < calls; i++) body[i] = { login, password: i === calls - 1 && right !== null ? right : `wrong-${i}` }
  return {
    url: `${baseUrl}/trpc/${Array(calls).fill('auth.login').join(',')}?batch=1`,
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  }
}
