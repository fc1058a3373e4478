import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The client lives in client/; `npm run build` writes dist/client, which `npm start` serves.
// In `npm run dev` the API runs on API_PORT (default 3001) and Vite proxies /trpc, /open311, /api and /tiles to it.
const apiPort = Number(process.env.API_PORT ?? 3001)

export default defineConfig({
  root: 'client',
  plugins: [react()],
  build: { outDir: '../dist/client', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
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
