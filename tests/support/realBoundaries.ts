/**
 * The real district boundaries (../shared/data/real-boundaries, outside the repository). Tests that
 * read them use `itWithRealBoundaries`: when the folder is there they run; when it is missing they
 * FAIL in CI (CI=true: a missing data set must not turn into a green run) and are skipped, with the
 * reason, on a developer's machine.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { it } from 'vitest'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
/** REAL_BOUNDARIES_DIR overrides the place (e.g. to check that CI fails without it) */
export const REAL_BOUNDARIES = path.resolve(repo, process.env.REAL_BOUNDARIES_DIR ?? '../shared/data/real-boundaries')

export const inCI = () => process.env.CI === 'true'

/** The .geojson files of the real boundaries ([] when the folder is missing). */
export function realBoundaryFiles(): string[] {
  return fs.existsSync(REAL_BOUNDARIES) ? fs.readdirSync(REAL_BOUNDARIES).filter((f) => f.endsWith('.geojson')).sort() : []
}

/** `it` for a test that needs the real boundaries (see the file comment). */
export function itWithRealBoundaries(name: string, fn: () => unknown, timeout?: number): void {
  if (realBoundaryFiles().length) { it(name, fn, timeout); return }
  const reason = `real boundaries not found in ${REAL_BOUNDARIES}`
  if (inCI()) it(name, () => { throw new Error(`${reason}: CI must provide ../shared/data/real-boundaries`) })
  else it.skip(`${name} (${reason}: skipped outside CI)`, () => {})
}
