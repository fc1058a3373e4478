import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import { VitePWA } from 'vite-plugin-pwa'
import { offlineReadPattern, PHOTO_CACHE, READ_CACHE, TILE_CACHE } from './client/offline/reads.ts'
import { BRAND_COLOUR } from './server/domain/vocabulary/palette.ts'
import { precompress } from './scripts/precompress.ts'

// The client lives in client/; `npm run build` writes dist/client, which `npm start` serves.
// In `npm run dev` the API runs on API_PORT (default 3001) and Vite proxies /trpc, /open311, /api and /tiles to it.
const apiPort = Number(process.env.API_PORT ?? 3001)

// Installable and offline (issue 16, docs/offline.md): the manifest and a Workbox service worker
// (generateSW) that precaches the app shell and keeps the department's reads NetworkFirst. The
// service worker exists in the build only; `npm run dev` runs without one.
const pwa = VitePWA({
  registerType: 'autoUpdate',
  injectRegister: false, // client/offline/registerSW.ts registers it
  manifestFilename: 'manifest.webmanifest',
  includeManifestIcons: false, // the globs below take every icon once
  manifest: {
    id: '/',
    name: '网格责任地图',
    short_name: '网格地图',
    description: '文明城市网格化管理：网格责任、月度检查与问题整改 GridDuty',
    lang: 'zh-CN',
    start_url: '/#/workspace',
    scope: '/',
    display: 'standalone',
    orientation: 'portrait',
    theme_color: BRAND_COLOUR,
    background_color: '#ffffff',
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  workbox: {
    globPatterns: ['**/*.{js,css,html,svg,png,woff2}'],
    maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
    navigateFallback: 'index.html',
    navigateFallbackDenylist: [/^\/(trpc|api|tiles|open311|healthz)/],
    cleanupOutdatedCaches: true,
    clientsClaim: true,
    skipWaiting: true,
    runtimeCaching: [
      {
        urlPattern: offlineReadPattern(),
        handler: 'NetworkFirst',
        options: { cacheName: READ_CACHE, networkTimeoutSeconds: 6, expiration: { maxEntries: 400, maxAgeSeconds: 14 * 24 * 3600 }, cacheableResponse: { statuses: [200] } },
      },
      {
        urlPattern: /\/tiles\/(grids|problems)\//,
        handler: 'NetworkFirst',
        options: { cacheName: TILE_CACHE, networkTimeoutSeconds: 6, expiration: { maxEntries: 2000, maxAgeSeconds: 14 * 24 * 3600 }, cacheableResponse: { statuses: [200] } },
      },
      {
        urlPattern: /\/api\/photos\/\d+/,
        handler: 'CacheFirst',
        options: { cacheName: PHOTO_CACHE, expiration: { maxEntries: 300, maxAgeSeconds: 30 * 24 * 3600 }, cacheableResponse: { statuses: [200] } },
      },
    ],
  },
  devOptions: { enabled: false },
})

export default defineConfig({
  root: 'client',
  // precompress: .br and .gz beside every text asset, served by Accept-Encoding (server/http.ts)
  plugins: [react(), pwa, precompress()],
  // manifest: the chunk graph, read by tests/api/staticAssets.test.ts (what the map route loads)
  build: { outDir: '../dist/client', emptyOutDir: true, chunkSizeWarningLimit: 2000, manifest: true },
  server: {
    port: Number(process.env.PORT ?? 3000),
    proxy: {
      '/trpc': `http://127.0.0.1:${apiPort}`,
      '/open311': `http://127.0.0.1:${apiPort}`,
      '/api': `http://127.0.0.1:${apiPort}`,
      '/tiles': `http://127.0.0.1:${apiPort}`,
    },
  },
})
