/** A tRPC HTTP client for tests that keeps cookies like a browser (one jar per client). */
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client'
import type { AppRouter } from '../../server/api/root.ts'

export function apiClient(baseUrl: string) {
  const jar = new Map<string, string>()
  const fetchWithCookies: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers)
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(input, { ...init, headers })
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';')
      const [k, v = ''] = pair!.split('=')
      if (attrs.some((a) => /max-age=0$/i.test(a.trim())) || v === '') jar.delete(k!.trim())
      else jar.set(k!.trim(), v)
    }
    return res
  }
  const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${baseUrl}/trpc`, fetch: fetchWithCookies })] })
  return Object.assign(client, { cookies: jar })
}

export async function loggedIn(baseUrl: string, login: string, password = `${login}123`) {
  const c = apiClient(baseUrl)
  await c.auth.login.mutate({ login, password })
  return c
}

/** The stable application code of a failed call, e.g. "NOT_YOUR_GRID". */
export async function errorOf(call: Promise<unknown>): Promise<{ code: string; appCode: string; message: string }> {
  try {
    await call
  } catch (e) {
    if (e instanceof TRPCClientError) {
      const data = e.data as { code: string; appCode: string }
      return { code: data.code, appCode: data.appCode, message: e.message }
    }
    throw e
  }
  throw new Error('expected the call to fail, it succeeded')
}
