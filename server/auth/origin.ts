/**
 * Which origins this server answers for, and whether it is served over HTTPS.
 *   PUBLIC_ORIGIN   comma-separated origins the app is served at, e.g. "https://grid.example.cn";
 *                   default: the request's own http://<Host> (a plain-HTTP server on a LAN)
 *   COOKIE_SECURE=1 mark the session cookie Secure (and send HSTS) even without an https PUBLIC_ORIGIN
 * Read on each call, so a test or a restart with new settings needs nothing else.
 */
import type http from 'node:http'

/** The configured public origins, normalised ("https://a.example:443" → "https://a.example"); [] when unset. */
export function configuredOrigins(): string[] {
  const out: string[] = []
  for (const raw of (process.env.PUBLIC_ORIGIN ?? '').split(',')) {
    const s = raw.trim()
    if (!s) continue
    try { out.push(new URL(s).origin) } catch { throw new Error(`PUBLIC_ORIGIN: "${s}" is not an origin such as https://grid.example.cn`) }
  }
  return out
}

/** Origins a state-changing request may come from: PUBLIC_ORIGIN, else this request's own http(s)://Host. */
export function allowedOrigins(req: http.IncomingMessage): string[] {
  const configured = configuredOrigins()
  if (configured.length) return configured
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'
  try { return [new URL(`${scheme}://${req.headers.host ?? ''}`).origin] } catch { return [] }
}

/** True when the Origin header names exactly (scheme, host, port) one of the allowed origins. */
export function sameOrigin(req: http.IncomingMessage, origin: string): boolean {
  let o: string
  try { o = new URL(origin).origin } catch { return false }
  return o !== 'null' && allowedOrigins(req).includes(o)
}

/** Served over HTTPS: the socket is TLS, an https PUBLIC_ORIGIN is configured, or COOKIE_SECURE=1. */
export function servedOverHttps(req?: http.IncomingMessage): boolean {
  if (process.env.COOKIE_SECURE === '1') return true
  if ((req?.socket as { encrypted?: boolean } | undefined)?.encrypted) return true
  const configured = configuredOrigins()
  return configured.length > 0 && configured.every((o) => o.startsWith('https:'))
}

export const HSTS = 'max-age=31536000; includeSubDomains'
