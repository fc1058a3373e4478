/**
 * Table-driven fixture tests: one folder per case under tests/fixtures/<suite>/<case>/ holding
 * input.json and expected.json. `REGEN=1 npx vitest run tests/domain/<file>` rewrites expected.json
 * from the current output (review the diff before committing!); otherwise output must equal expected.
 */
import fs from 'node:fs'
import path from 'node:path'
import { expect, it } from 'vitest'

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

/** JSON.parse reviver turning ISO instants into Dates. */
export const reviveDates = (_k: string, v: unknown) => (typeof v === 'string' && ISO.test(v) ? new Date(v) : v)

/** Register one `it` per fixture folder of `suite`; fails when the suite has no case. */
export function fixtureTable<I>(suite: string, run: (input: I) => unknown, minCases = 1): void {
  const dir = path.resolve('tests/fixtures', suite)
  const cases = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'input.json'))).sort() : []
  it(`${suite}: has at least ${minCases} fixture cases`, () => { expect(cases.length).toBeGreaterThanOrEqual(minCases) })
  for (const name of cases) {
    it(`${suite}/${name}`, () => {
      const input = JSON.parse(fs.readFileSync(path.join(dir, name, 'input.json'), 'utf8'), reviveDates) as I
      const output = JSON.parse(JSON.stringify(run(input)))
      const expectedFile = path.join(dir, name, 'expected.json')
      if (process.env.REGEN === '1') fs.writeFileSync(expectedFile, JSON.stringify(output, null, 2) + '\n')
      else expect(output).toEqual(JSON.parse(fs.readFileSync(expectedFile, 'utf8')))
    })
  }
}
