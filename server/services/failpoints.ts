/**
 * Fault-injection points for the crash tests (tests/faults). Inert unless GRIDDUTY_FAILPOINTS is set,
 * e.g. GRIDDUTY_FAILPOINTS="holder.bulkAssign=20": each step of that operation then waits 20 ms and
 * the halfway step prints "failpoint <name> halfway" on stderr, so a test can SIGKILL the server
 * in the middle of the write. Never set in production.
 */
const config = new Map(
  (process.env.GRIDDUTY_FAILPOINTS ?? '').split(',').filter(Boolean).map((s) => {
    const [name, ms] = s.split('=')
    return [name!.trim(), Number(ms ?? 0)] as const
  }),
)

export async function failpoint(name: string, step: number, total: number): Promise<void> {
  const ms = config.get(name)
  if (ms === undefined) return
  if (step === Math.floor(total / 2)) process.stderr.write(`failpoint ${name} halfway ${step}/${total}\n`)
  if (ms > 0) await new Promise((r) => setTimeout(r, ms))
}
