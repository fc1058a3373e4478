/**
 * Precompressed static assets (issue 14, target 6): after `vite build`, every text asset of
 * dist/client over 1 KB gets a brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside it,
 * written once at build time; server/http.ts serves the copy the browser accepts (Accept-Encoding).
 * Used as a Vite plugin (vite.config.ts) and runnable alone: `npx tsx scripts/precompress.ts [dir]`.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

/** Extensions worth compressing (images and fonts are compressed already). */
export const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt|map)$/
const MIN_BYTES = 1024

export function precompressDir(dir: string): { files: number; bytes: number; br: number; gz: number } {
  const out = { files: 0, bytes: 0, br: 0, gz: 0 }
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const file = path.join(d, e.name)
      if (e.isDirectory()) { walk(file); continue }
      if (!COMPRESSIBLE.test(e.name) || e.name.endsWith('.map')) continue
      const buf = fs.readFileSync(file)
      if (buf.length < MIN_BYTES) continue
      const br = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length } })
      const gz = zlib.gzipSync(buf, { level: 9 })
      // a copy only when it is smaller
      if (br.length < buf.length) fs.writeFileSync(`${file}.br`, br)
      if (gz.length < buf.length) fs.writeFileSync(`${file}.gz`, gz)
      out.files++; out.bytes += buf.length; out.br += br.length; out.gz += gz.length
    }
  }
  walk(dir)
  return out
}

/** The Vite plugin: runs after every other plugin's closeBundle (the service worker is written by then). */
export function precompress(): { name: string; apply: 'build'; closeBundle: { order: 'post'; sequential: true; handler(): void } } {
  let outDir = ''
  return {
    name: 'gridduty-precompress',
    apply: 'build',
    configResolved(config: { build: { outDir: string }; root: string }) { outDir = path.resolve(config.root, config.build.outDir) },
    closeBundle: { order: 'post', sequential: true, handler() { if (outDir) precompressDir(outDir) } },
  } as never
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = precompressDir(path.resolve(process.argv[2] ?? 'dist/client'))
  console.log(`${r.files} files, ${(r.bytes / 1024).toFixed(0)} KB → brotli ${(r.br / 1024).toFixed(0)} KB, gzip ${(r.gz / 1024).toFixed(0)} KB`)
}
