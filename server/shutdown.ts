/**
 * Graceful stop of the HTTP server on SIGTERM/SIGINT, also under keep-alive traffic:
 *   1. stop accepting: the listening socket closes at once (new connections are refused);
 *   2. idle keep-alive connections are closed at once;
 *   3. requests already in flight finish and are answered with `Connection: close`, so their
 *      connection closes after the answer; a request that still arrives on such a connection (a
 *      client that pipelined it) is not started: its connection is closed;
 *   4. when the last connection has closed: `onClosed()` (close the database), exit 0;
 *   5. past `graceMs` (SHUTDOWN_GRACE_MS, default 10 000): remaining connections are cut, exit 1.
 */
import type http from 'node:http'

export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000

export interface ShutdownOptions {
  graceMs: number
  onClosed(): Promise<void>
  log(line: string): void
  exit(code: number): void
}

/** Reads SHUTDOWN_GRACE_MS (a positive number of ms), else the default. */
export function shutdownGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.SHUTDOWN_GRACE_MS)
  return env.SHUTDOWN_GRACE_MS && Number.isFinite(n) && n > 0 ? n : DEFAULT_SHUTDOWN_GRACE_MS
}

/**
 * Wraps the server's request listeners so that it can stop gracefully; returns `stop(signal)`.
 * Call before the server starts listening.
 */
export function gracefulShutdown(server: http.Server, opts: ShutdownOptions): (signal: string) => void {
  const inFlight = new Set<http.ServerResponse>()
  let stopping = false
  const handlers = server.listeners('request') as http.RequestListener[]
  server.removeAllListeners('request')
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (stopping) { req.socket.destroy(); return } // arrived after SIGTERM: never started
    inFlight.add(res)
    res.on('close', () => inFlight.delete(res))
    for (const h of handlers) h.call(server, req, res)
  })
  const closeAfter = (res: http.ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close') // Node then ends the connection after this answer
    else res.on('finish', () => res.socket?.end()) // headers already out: end the connection once it is answered
  }

  return (signal: string) => {
    if (stopping) return
    stopping = true
    opts.log(`${signal}: finishing in-flight requests (${inFlight.size}) …`)
    for (const res of inFlight) closeAfter(res)
    const force = setTimeout(() => {
      opts.log(`${signal}: grace period over, closing ${inFlight.size} unfinished request(s)`)
      server.closeAllConnections()
      opts.exit(1)
    }, opts.graceMs)
    force.unref()
    server.close(() => {
      clearTimeout(force)
      opts.onClosed().then(() => opts.exit(0), (e) => { console.error(e); opts.exit(1) })
    })
    server.closeIdleConnections()
  }
}
