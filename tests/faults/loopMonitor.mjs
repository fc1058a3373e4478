/**
 * Preloaded into a server process by the event-loop test (`node --import tsx --import ./tests/faults/loopMonitor.mjs …`):
 * the server's own event-loop delay (perf_hooks.monitorEventLoopDelay). The first SIGUSR2 starts a
 * measurement, the next one writes `[loop] max=<ms> p99=<ms>` to stderr.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'

const delay = monitorEventLoopDelay({ resolution: 10 })
let on = false
process.on('SIGUSR2', () => {
  if (!on) { delay.reset(); delay.enable(); on = true; process.stderr.write('[loop] measuring\n'); return }
  delay.disable()
  on = false
  process.stderr.write(`[loop] max=${(delay.max / 1e6).toFixed(1)} p99=${(delay.percentile(99) / 1e6).toFixed(1)}\n`)
})
