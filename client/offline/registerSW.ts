/// <reference types="vite-plugin-pwa/client" />
/**
 * The service worker (built by vite-plugin-pwa with Workbox, vite.config.ts): registered in the
 * production build only; `npm run dev` gets the plugin's no-op. It updates itself (autoUpdate).
 */
import { registerSW } from 'virtual:pwa-register'
import { PHOTO_CACHE, READ_CACHE, TILE_CACHE } from './reads.ts'

let registered = false

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || registered) return
  registered = true
  registerSW({ immediate: true })
}

/**
 * Registers the service worker once the first signed-in screen has settled: `busy()` (e.g. queries in
 * flight) false for `quietMs` in a row, or after `maxMs` at the latest. Its install precaches the whole
 * app (every chunk, ≈ 0.8 MB compressed), which on a phone's slow link must not share the line with the
 * first map (issue 14, target 6). Returns a cancel function (nothing registered if called before).
 */
export function registerServiceWorkerWhenQuiet(busy: () => boolean, opts: { quietMs?: number; maxMs?: number } = {}): () => void {
  if (!('serviceWorker' in navigator) || registered) return () => undefined
  const quietMs = opts.quietMs ?? 1500, maxMs = opts.maxMs ?? 30_000, stepMs = 250
  let quiet = 0, waited = 0
  const timer = setInterval(() => {
    waited += stepMs
    quiet = busy() ? 0 : quiet + stepMs
    if (quiet >= quietMs || waited >= maxMs) {
      clearInterval(timer)
      registerServiceWorker()
    }
  }, stepMs)
  return () => clearInterval(timer)
}

/** Drops the cached reads (the user's data) — at sign-out, so the next user of the phone sees none of it. */
export async function clearOfflineReads(): Promise<void> {
  if (typeof caches === 'undefined') return
  await Promise.all([READ_CACHE, TILE_CACHE, PHOTO_CACHE].map((c) => caches.delete(c).catch(() => false)))
}

/** Calls `cb` when a service worker takes control of this page; returns the unsubscribe function. */
export function onServiceWorkerControl(cb: () => void): () => void {
  if (!('serviceWorker' in navigator)) return () => undefined
  navigator.serviceWorker.addEventListener('controllerchange', cb)
  return () => navigator.serviceWorker.removeEventListener('controllerchange', cb)
}
