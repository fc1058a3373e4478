/// <reference types="vite-plugin-pwa/client" />
/**
 * The service worker (built by vite-plugin-pwa with Workbox, vite.config.ts): registered in the
 * production build only; `npm run dev` gets the plugin's no-op. It updates itself (autoUpdate).
 */
import { registerSW } from 'virtual:pwa-register'
import { PHOTO_CACHE, READ_CACHE, TILE_CACHE } from './reads.ts'

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return
  registerSW({ immediate: true })
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
