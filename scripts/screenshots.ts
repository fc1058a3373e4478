/**
 * `npm run screenshots`: every main screen of every role at desktop (1280×800) and phone (390×844)
 * into docs/screens/<screen>-<size>.png.
 *
 * Starts GridDuty as the browser tests do (production client build, a real server) on a temporary
 * SQLite database loaded with the demo city, signs in per role (each screen is taken as the first
 * role below that may open it), waits until the screen's data is in and its map is drawn (polling
 * MapLibre's state, no sleeps), and writes the pictures. Nothing is fetched from the network.
 *
 *   npm run screenshots                 all screens
 *   npm run screenshots -- map planner  only these screens
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Page } from 'playwright-core'
import { boot } from '../server/boot.ts'
import { launchChromium } from '../tests/support/browser.ts'
import { ensureClientBuilt } from '../tests/support/appServer.ts'
import { navPaths, openScreen, ROLE_USERS, SCREENS, signInAs, SIZES, trackRequests, type RoleName, type ScreenSpec, type SizeName } from '../tests/browser/screens.ts'

const OUT_DIR = path.resolve('docs/screens')
/** who takes a screen: the first role in this order that may open it */
const ROLE_ORDER: RoleName[] = ['leader', 'department', 'planner', 'admin']
/** the login screen is taken before anyone signs in */
const LOGIN = 'login'

async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2))
  const want = (name: string) => only.size === 0 || only.has(name)
  const staticDir = await ensureClientBuilt()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gridduty-screens-'))
  const { db, server } = await boot({ db: { provider: 'sqlite', file: path.join(tmp, 'demo.db') }, staticDir, seedIfEmpty: true, log: (l) => console.log(l) })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const browser = await launchChromium()
  fs.mkdirSync(OUT_DIR, { recursive: true })
  const written: string[] = []
  const taken = new Set<string>()
  try {
    for (const size of Object.keys(SIZES) as SizeName[]) {
      const shoot = async (page: Page, name: string) => {
        const file = path.join(OUT_DIR, `${name}-${size}.png`)
        await page.screenshot({ path: file })
        written.push(path.relative(process.cwd(), file))
        console.log(`  ${path.relative(process.cwd(), file)}`)
      }
      for (const role of ROLE_ORDER) {
        const context = await browser.newContext({ viewport: SIZES[size], deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
        const page = await context.newPage()
        const inflight = trackRequests(page)
        try {
          if (role === ROLE_ORDER[0] && want(LOGIN)) {
            await page.goto(url)
            await page.getByTestId('login-form').waitFor()
            await shoot(page, LOGIN)
          }
          await signInAs(page, url, role)
          for (const p of await navPaths(page)) {
            const screen: ScreenSpec | undefined = SCREENS[p]
            if (!screen) throw new Error(`no screen described for ${p} (add it to tests/browser/screens.ts)`)
            if (taken.has(`${screen.name}-${size}`) || !want(screen.name)) continue
            taken.add(`${screen.name}-${size}`)
            console.log(`${ROLE_USERS[role]} ${screen.path} ${size}`)
            await openScreen(page, url, screen, inflight)
            await shoot(page, screen.name)
          }
        } finally {
          await context.close()
        }
      }
    }
  } finally {
    await browser.close()
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    await db.$disconnect()
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  console.log(`${written.length} screenshots in ${path.relative(process.cwd(), OUT_DIR)}/`)
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
