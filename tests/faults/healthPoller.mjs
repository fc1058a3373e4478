/**
 * Polls `${url}/healthz` every 50 ms from its own process (so the test process's work cannot delay
 * the measurement) until its parent sends 'stop'; then replies { max, count, failures } and exits.
 * Started with child_process.fork(…, [url]).
 */
const url = process.argv[2]
let stop = false, max = 0, count = 0, failures = 0
process.on('message', (m) => { if (m === 'stop') stop = true })
process.send?.('ready')
while (!stop) {
  const t0 = performance.now()
  try {
    const res = await fetch(`${url}/healthz`)
    await res.text()
    if (res.status !== 200) failures++
  } catch { failures++ }
  max = Math.max(max, performance.now() - t0)
  count++
  await new Promise((r) => setTimeout(r, 50))
}
process.send?.({ max, count, failures }, () => process.exit(0))
