/**
 * The installed app's icons (issue 16): renders client/public/icons/icon.svg to PNG with the local
 * Chromium (no network, no native image library) — 192 and 512 px "any", and a 512 px "maskable"
 * one whose artwork sits inside the 80 % safe zone on the brand colour. The PNGs are committed;
 * run again after changing the SVG:  npx tsx scripts/icons.ts
 */
import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { BRAND_COLOUR } from '../server/domain/vocabulary/palette.ts'

const dir = path.resolve('client/public/icons')
const svg = fs.readFileSync(path.join(dir, 'icon.svg'), 'utf8')
const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
try {
  for (const { name, size, maskable } of [
    { name: 'icon-192.png', size: 192, maskable: false },
    { name: 'icon-512.png', size: 512, maskable: false },
    { name: 'icon-maskable-512.png', size: 512, maskable: true },
  ]) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 })
    const inner = maskable ? Math.round(size * 0.8) : size
    await page.setContent(`<html><body style="margin:0;background:${maskable ? BRAND_COLOUR : 'transparent'};display:grid;place-items:center;width:${size}px;height:${size}px">`
      + `<img src="${dataUrl}" width="${inner}" height="${inner}"></body></html>`)
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode())
    await page.screenshot({ path: path.join(dir, name), omitBackground: !maskable })
    await page.close()
    console.log(`wrote ${name}`)
  }
} finally {
  await browser.close()
}
