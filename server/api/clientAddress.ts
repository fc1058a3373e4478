/**
 * The client's address (for the login limiter): the socket's peer, unless that peer is one of the
 * configured trusted reverse proxies (TRUSTED_PROXIES, comma-separated IPs and CIDRs; none by
 * default). Only then is X-Forwarded-For read, from the right, skipping the trusted hops: the first
 * untrusted hop is the client. A header sent by anyone else is ignored, so it cannot be spoofed.
 */
import type http from 'node:http'
import net from 'node:net'

/** Unwraps IPv4-mapped IPv6 (`::ffff:1.2.3.4`) and brackets / ports a proxy may have added. */
function normalise(raw: string): string | null {
  let a = raw.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a)
  if (bracketed) a = bracketed[1]!
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'))
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)
  if (mapped) a = mapped[1]!
  return net.isIP(a) ? a : null
}

/** Parses TRUSTED_PROXIES; a malformed entry is an error (at start-up), never silently ignored. */
export function parseTrustedProxies(spec: string | undefined): net.BlockList | null {
  const entries = (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  if (!entries.length) return null
  const list = new net.BlockList()
  for (const entry of entries) {
    const [ip = '', bits, extra] = entry.split('/')
    const address = normalise(ip)
    const family = address && net.isIPv4(address) ? 'ipv4' : 'ipv6'
    const prefix = bits === undefined ? null : Number(bits)
    if (!address || extra !== undefined || (prefix !== null && (!/^\d+$/.test(bits!) || prefix > (family === 'ipv4' ? 32 : 128)))) {
      throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`)
    }
    if (prefix === null) list.addAddress(address, family)
    else list.addSubnet(address, prefix, family)
  }
  return list
}

function trustedBy(list: net.BlockList, address: string): boolean {
  return list.check(address, net.isIPv4(address) ? 'ipv4' : 'ipv6')
}

/** The client address given the socket peer and the X-Forwarded-For header(s). */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: net.BlockList | null): string {
  let address = normalise(peer ?? '') ?? (peer ?? '')
  if (!trusted || !forwardedFor || !net.isIP(address)) return address
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',')
  while (trustedBy(trusted, address) && hops.length) {
    const hop = normalise(hops.pop()!)
    if (!hop) break // garbage from a trusted proxy: stop at the proxy itself
    address = hop
  }
  return address
}

/** Reads TRUSTED_PROXIES once and answers the client address of each request. */
export function clientAddressResolver(env: NodeJS.ProcessEnv = process.env): (req: http.IncomingMessage) => string {
  const trusted = parseTrustedProxies(env.TRUSTED_PROXIES)
  return (req) => clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted)
}
