/**
 * Assignment benchmark: point → grid on a synthetic city.
 *   npx tsx bench/assignment.ts [--points 1000000] [--sizes 2000,20000]
 *   (or BENCH_POINTS=100000 npx tsx bench/assignment.ts for a quick run)
 * For each size: index build time and memory, update() after one boundary
 * edit, throughput of GridDuty's index, of turf booleanPointInPolygon over
 * flatbush bbox candidates (the baseline: first candidate that contains the
 * point) and of which-polygon, ratios against the baseline measured in the
 * same process, and agreement with the exact rule (flatbush + turf + rule).
 * Every method gets the same treatment: five interleaved rounds (methods in
 * rotating order), in each one untimed pass over the points right before its
 * timed pass over the same points, each through its own loop; ratios are the
 * median of the per-round ratios.
 */
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import os from 'node:os'
import v8 from 'node:v8'
import vm from 'node:vm'
import Flatbush from 'flatbush'
import { booleanPointInPolygon } from '@turf/turf'
import type { FeatureCollection, Polygon, Position } from 'geojson'
import { GridIndex, type IndexedGrid } from '../server/domain/geometry/gridIndex.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { moveSharedVertex, syntheticCity } from './syntheticCity.ts'
import { formatTargets, recordTarget } from './targets.ts'

const require = createRequire(import.meta.url)
const whichPolygon = require('which-polygon') as (fc: FeatureCollection) => (p: [number, number]) => { id: number } | null

export interface AssignmentBenchOptions {
  sizes?: number[]
  points?: number
  /** points sampled exactly on vertices and edge midpoints */
  boundaryPoints?: number
  seed?: number
  log?: (line: string) => void
}

export interface MethodResult {
  method: string
  /** points / median wall time of the timed rounds */
  pointsPerSecond: number
  /** points / median process CPU time of the same rounds (the machine is shared: time slices elsewhere do not count) */
  cpuPointsPerSecond?: number
  /** wall / process CPU seconds of the timed pass in each round (round k is roundOrders[k] of the size) */
  roundSeconds?: number[]
  roundCpuSeconds?: number[]
  /**
   * Median over the rounds of (this method's rate ÷ the baseline's rate in the same round). For the exact
   * rule, timed once outside the rounds, its rate ÷ the baseline's median rate.
   */
  ratioToBaseline: number
  /** median over the rounds of (this method's rate ÷ which-polygon's rate in the same round); absent for the exact rule */
  ratioToWhichPolygon?: number
  /** answers different from the exact rule, on the random points (none lie on a boundary) */
  disagreements: number
  /** answers different from the exact rule, on points lying exactly on vertices / edges */
  boundaryDisagreements: number
}

export interface AssignmentSizeResult {
  polygons: number
  medianVertices: number
  points: number
  insideShare: number
  cityMs: number
  build: { ms: number; heapDeltaMB: number; arrayBuffersDeltaMB: number; indexTypedArraysMB: number; cells: number; cellsWithEdges: number; slowCells: number }
  update: { ms: number; edits: number }
  methods: MethodResult[]
  /** the timed methods in the order each round ran them */
  roundOrders: string[][]
  /** 1-minute load average of the machine when this size started and ended (the machine is shared) */
  loadAverage: [number, number]
}

export interface AssignmentBenchResult {
  node: string
  seed: number
  sizes: AssignmentSizeResult[]
}

let gcFn: (() => void) | null = null
function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc')
    gcFn = vm.runInNewContext('gc') as () => void
  }
  gcFn()
  gcFn()
}

function memory(): { heap: number; ab: number } {
  const m = process.memoryUsage()
  return { heap: m.heapUsed, ab: m.arrayBuffers }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/**
 * Every method is timed the same way: ROUNDS interleaved rounds; each round runs every method once over the
 * same points, the methods in rotating order (round k starts with method k), and for each method one untimed
 * pass over all points (JIT and caches warm, as in a steady state) right before its timed pass over the same
 * points, after a full garbage collection (no other method's garbage is collected during its passes); a timed
 * pass is repeated until it lasted MIN_SECONDS. A ratio between two methods is the median over the rounds of
 * their ratio within a round: both were timed minutes apart at most, so a change of the machine's load
 * between rounds (it is shared) moves both. (Timing one method right after another's pass would measure it with
 * the other method's data in the caches; timing one method cold and another warm would favour the warm one.)
 */
const ROUNDS = 5
/** A timed pass is repeated until it lasted this long (wall), so that a fast method is not timed over a few time slices only. */
const MIN_SECONDS = 1

/** Seconds (wall, process CPU) per call of pass, over as many calls as fill MIN_SECONDS. */
function timed(pass: () => unknown): { s: number; cpu: number } {
  const c = process.cpuUsage(), t = performance.now()
  let k = 0, s = 0
  do { pass(); k++; s = (performance.now() - t) / 1000 } while (s < MIN_SECONDS)
  const u = process.cpuUsage(c)
  return { s: s / k, cpu: (u.user + u.system) / 1e6 / k }
}

const countDiff = (a: Int32Array, b: Int32Array) => a.reduce((s, v, i) => s + (v !== b[i] ? 1 : 0), 0)

/** A method's pass over interleaved points [x0, y0, x1, y1, …], writing its answers (-1 = none) into ids. */
type PointLoop = (coords: Float64Array, ids: Int32Array) => void


async function benchSize(polygons: number, nPoints: number, nBoundary: number, seed: number, log: (s: string) => void): Promise<AssignmentSizeResult> {
  const load0 = os.loadavg()[0]!
  let t = performance.now()
  const city = syntheticCity(polygons, seed)
  const cityMs = performance.now() - t
  const grids = city.grids
  const verts = grids.map((g) => g.geometry.coordinates[0]!.length - 1)

  // points: uniform over the city bbox grown by 10% per side; boundary points on vertices / edge midpoints
  const r = mulberry32(seed * 7919 + polygons)
  const [x0, y0, x1, y1] = city.bbox, dx = x1 - x0, dy = y1 - y0
  const coords = new Float64Array(2 * nPoints)
  for (let i = 0; i < nPoints; i++) {
    coords[2 * i] = x0 - 0.1 * dx + 1.2 * dx * r()
    coords[2 * i + 1] = y0 - 0.1 * dy + 1.2 * dy * r()
  }
  const onEdges = new Float64Array(2 * nBoundary)
  for (let i = 0; i < nBoundary; i++) {
    const ring = grids[Math.floor(r() * grids.length)]!.geometry.coordinates[0]!
    const j = Math.floor(r() * (ring.length - 1)), a = ring[j]!, b = ring[j + 1]!
    const mid = i % 2 === 1
    onEdges[2 * i] = mid ? (a[0]! + b[0]!) / 2 : a[0]!
    onEdges[2 * i + 1] = mid ? (a[1]! + b[1]!) / 2 : a[1]!
  }

  // build
  gc()
  const m0 = memory()
  t = performance.now()
  const index = GridIndex.build(grids)
  const buildMs = performance.now() - t
  gc()
  const m1 = memory()
  const stats = index.stats()
  const typedMB = index.memoryBytes() / 1e6

  // baseline: flatbush over bboxes + turf, first candidate containing the point
  const tree = new Flatbush(grids.length)
  for (const g of grids) {
    let bx0 = Infinity, by0 = Infinity, bx1 = -Infinity, by1 = -Infinity
    for (const p of g.geometry.coordinates[0]!) {
      bx0 = Math.min(bx0, p[0]!); by0 = Math.min(by0, p[1]!); bx1 = Math.max(bx1, p[0]!); by1 = Math.max(by1, p[1]!)
    }
    tree.add(bx0, by0, bx1, by1)
  }
  tree.finish()
  const baseline = (x: number, y: number): number | null => {
    const pt = [x, y]
    for (const i of tree.search(x, y, x, y)) if (booleanPointInPolygon(pt, grids[i]!.geometry)) return grids[i]!.id
    return null
  }
  const wp = whichPolygon({ type: 'FeatureCollection', features: city.features })
  const which = (x: number, y: number) => wp([x, y])?.id ?? null

  /*
   * One loop per method, each written out: V8 keeps a call site's feedback per function literal (closures made by
   * one factory share it), so one loop shared by all methods — or closures from one factory — sees several
   * targets at its call, goes megamorphic and inlines none of them (measured on this machine: the index lost
   * a quarter to a third of its points/s, which-polygon ~2 %; with a factory, --trace-deopt showed its loop
   * deoptimised for "wrong call target" once it had seen a second method). Here each loop's call sees one
   * method only, the same for every method, so the comparison stays fair.
   */
  const locateLoop: PointLoop = (c, ids) => { for (let i = 0; i < ids.length; i++) ids[i] = index.locate(c[2 * i]!, c[2 * i + 1]!) ?? -1 }
  const baselineLoop: PointLoop = (c, ids) => { for (let i = 0; i < ids.length; i++) ids[i] = baseline(c[2 * i]!, c[2 * i + 1]!) ?? -1 }
  const whichLoop: PointLoop = (c, ids) => { for (let i = 0; i < ids.length; i++) ids[i] = wp([c[2 * i]!, c[2 * i + 1]!])?.id ?? -1 }
  const exactLoop: PointLoop = (c, ids) => { for (let i = 0; i < ids.length; i++) ids[i] = index.locateExact(c[2 * i]!, c[2 * i + 1]!) ?? -1 }
  const answers = (loop: PointLoop, c: Float64Array) => { const ids = new Int32Array(c.length >> 1); loop(c, ids); return ids }

  // exact rule (the reference the index must equal): flatbush + turf + rule; timed once, cold (a reference, not a contender)
  const exactIds = new Int32Array(nPoints)
  t = performance.now()
  exactLoop(coords, exactIds)
  const exactS = (performance.now() - t) / 1000
  const exactB = answers(exactLoop, onEdges)

  // the bulk form over typed arrays (what the import uses): same points, same answers
  const xs = new Float64Array(nPoints), ys = new Float64Array(nPoints)
  for (let i = 0; i < nPoints; i++) { xs[i] = coords[2 * i]!; ys[i] = coords[2 * i + 1]! }
  const bx = new Float64Array(nBoundary), by = new Float64Array(nBoundary)
  for (let i = 0; i < nBoundary; i++) { bx[i] = onEdges[2 * i]!; by[i] = onEdges[2 * i + 1]! }

  // each method fills its own answer array (allocated here, outside the timing)
  const methods: { name: string; ids: Int32Array; pass: () => void; onBoundary: () => Int32Array }[] = [
    { name: 'GridDuty GridIndex.locate', ids: new Int32Array(nPoints), pass() { locateLoop(coords, this.ids) }, onBoundary: () => answers(locateLoop, onEdges) },
    { name: 'flatbush + turf booleanPointInPolygon (baseline)', ids: new Int32Array(nPoints), pass() { baselineLoop(coords, this.ids) }, onBoundary: () => answers(baselineLoop, onEdges) },
    { name: 'which-polygon', ids: new Int32Array(nPoints), pass() { whichLoop(coords, this.ids) }, onBoundary: () => answers(whichLoop, onEdges) },
    { name: 'GridDuty GridIndex.locateMany (Float64Array xs/ys → Int32Array)', ids: new Int32Array(nPoints), pass() { index.locateMany(xs, ys, this.ids) }, onBoundary: () => index.locateMany(bx, by) },
  ]
  const BASE = 1, WHICH = 2
  const wall = methods.map(() => [] as number[]), cpu = methods.map(() => [] as number[]), roundOrders: string[][] = []
  for (let k = 0; k < ROUNDS; k++) {
    const order = methods.map((_, j) => (j + k) % methods.length)
    roundOrders.push(order.map((j) => methods[j]!.name))
    for (const j of order) {
      const m = methods[j]!
      gc() // no other method's garbage left to collect during this one's passes
      m.pass() // untimed pass (its answers are checked below; every pass gives the same ones)
      const res = timed(() => m.pass())
      wall[j]!.push(res.s); cpu[j]!.push(res.cpu)
      if (process.env.BENCH_DEBUG) log(`round ${k + 1} ${m.name}: ${res.s.toFixed(3)} s wall, ${res.cpu.toFixed(3)} s CPU`)
    }
  }
  /** median over the rounds of (rate of a ÷ rate of b) in the same round = median of b's seconds ÷ a's seconds */
  const roundRatio = (a: number, b: number) => median(wall[a]!.map((s, k) => wall[b]![k]! / s))
  const results: MethodResult[] = methods.map((m, j) => ({
    method: m.name, pointsPerSecond: nPoints / median(wall[j]!), cpuPointsPerSecond: nPoints / median(cpu[j]!),
    roundSeconds: wall[j]!, roundCpuSeconds: cpu[j]!, ratioToBaseline: roundRatio(j, BASE), ratioToWhichPolygon: roundRatio(j, WHICH),
    disagreements: countDiff(m.ids, exactIds), boundaryDisagreements: countDiff(m.onBoundary(), exactB),
  }))
  results.push({
    method: 'exact rule: flatbush + turf + rule (GridIndex.locateExact)', pointsPerSecond: nPoints / exactS,
    ratioToBaseline: nPoints / exactS / results[BASE]!.pointsPerSecond, disagreements: 0, boundaryDisagreements: 0,
  })

  // update after a boundary edit (median of several edits), then check it against the exact path
  let editGrids = grids.slice()
  const er = mulberry32(seed + 1), upd: number[] = []
  for (let e = 0; e < 7; e++) {
    const edit = moveSharedVertex(editGrids, er)
    editGrids = edit.grids
    t = performance.now()
    index.update(edit.edited)
    upd.push(performance.now() - t)
  }
  let afterUpdate = 0
  for (let i = 0; i < Math.min(nPoints, 100_000); i++) if (index.locate(coords[2 * i]!, coords[2 * i + 1]!) !== index.locateExact(coords[2 * i]!, coords[2 * i + 1]!)) afterUpdate++
  if (afterUpdate) log(`!! ${afterUpdate} disagreements after update()`)

  const inside = exactIds.reduce((s, v) => s + (v >= 0 ? 1 : 0), 0) / nPoints
  return {
    polygons,
    medianVertices: median(verts),
    points: nPoints,
    insideShare: inside,
    cityMs,
    build: {
      ms: buildMs, heapDeltaMB: (m1.heap - m0.heap) / 1e6, arrayBuffersDeltaMB: (m1.ab - m0.ab) / 1e6,
      indexTypedArraysMB: typedMB, cells: stats.nx * stats.ny, cellsWithEdges: stats.cellsWithEdges, slowCells: stats.slowCells,
    },
    update: { ms: median(upd), edits: upd.length },
    methods: results,
    roundOrders,
    loadAverage: [load0, os.loadavg()[0]!],
  }
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`
  return n.toFixed(0)
}

/** a's rate ÷ b's rate in each round (wall, or process CPU time), from the seconds of their timed passes */
function perRoundRatios(a: MethodResult, b: MethodResult, clock: 'wall' | 'cpu' = 'wall'): number[] {
  const sa = (clock === 'wall' ? a.roundSeconds : a.roundCpuSeconds) ?? [], sb = (clock === 'wall' ? b.roundSeconds : b.roundCpuSeconds) ?? []
  return sa.map((s, k) => sb[k]! / s)
}

const methodOf = (s: AssignmentSizeResult, prefix: string) => s.methods.find((m) => m.method.startsWith(prefix))

export function formatAssignment(res: AssignmentBenchResult): string {
  const out: string[] = []
  for (const s of res.sizes) {
    out.push(`\n## ${s.polygons} polygons (median ${s.medianVertices} vertices), ${fmt(s.points)} random points (${(100 * s.insideShare).toFixed(0)}% inside)`)
    out.push(`index build ${s.build.ms.toFixed(0)} ms; memory +${s.build.heapDeltaMB.toFixed(1)} MB heap, +${s.build.arrayBuffersDeltaMB.toFixed(1)} MB array buffers` +
      ` (typed arrays ${s.build.indexTypedArraysMB.toFixed(1)} MB; ${s.build.cells} cells, ${s.build.cellsWithEdges} with edges, ${s.build.slowCells} slow);` +
      ` update() after one boundary edit ${s.update.ms.toFixed(1)} ms (median of ${s.update.edits}); load average ${s.loadAverage[0].toFixed(1)} → ${s.loadAverage[1].toFixed(1)}`)
    out.push(`points/s: points ÷ median timed pass of ${s.roundOrders.length} rounds; × baseline, × which-polygon: median of the per-round ratios`)
    out.push('| method | points/s | × baseline | × which-polygon | points/s of CPU time | ≠ rule (random) | ≠ rule (on boundary) |')
    out.push('|---|---|---|---|---|---|---|')
    for (const m of s.methods) out.push(`| ${m.method} | ${fmt(m.pointsPerSecond)} | ${m.ratioToBaseline.toFixed(1)} | ${m.ratioToWhichPolygon?.toFixed(1) ?? '–'} | ${m.cpuPointsPerSecond ? fmt(m.cpuPointsPerSecond) : '–'} | ${m.disagreements} | ${m.boundaryDisagreements} |`)
    const which = methodOf(s, 'which-polygon')
    for (const name of ['GridDuty GridIndex.locate', 'GridDuty GridIndex.locateMany']) {
      const m = s.methods.find((x) => x.method === name || x.method.startsWith(`${name} `))
      if (m && which) out.push(`${name} ÷ which-polygon per round: ${perRoundRatios(m, which).map((r) => r.toFixed(1)).join(', ')}`)
    }
  }
  return out.join('\n')
}

export async function benchAssignment(opts: AssignmentBenchOptions = {}): Promise<AssignmentBenchResult> {
  const sizes = opts.sizes ?? [2000, 20000]
  const points = opts.points ?? 1_000_000
  const seed = opts.seed ?? 20260101
  const log = opts.log ?? (() => {})
  const out: AssignmentBenchResult = { node: process.version, seed, sizes: [] }
  for (const n of sizes) {
    log(`assignment: ${n} polygons, ${points} points…`)
    out.sizes.push(await benchSize(n, points, opts.boundaryPoints ?? 20_000, seed, log))
  }
  recordIndexTargets(out)
  return out
}

/**
 * Issue 14, target 5: at 20,000 grids, GridIndex.locate ≥ 25× which-polygon (both timed in this run,
 * same points) with at most half of the previous index memory: the previous encoding held 75.56 MB
 * of typed arrays at this city (75,561,888 bytes), so the goal is ≤ 37.8 MB (tests/domain/gridIndexCompact.test.ts
 * asserts the byte count).
 */
export const PREVIOUS_INDEX_MB = 75.561888
export function recordIndexTargets(res: AssignmentBenchResult): void {
  const s = res.sizes.find((x) => x.polygons === 20_000)
  if (!s) return
  const locate = s.methods.find((x) => x.method === 'GridDuty GridIndex.locate')!, which = methodOf(s, 'which-polygon')!, many = methodOf(s, 'GridDuty GridIndex.locateMany')
  const exact = locate.disagreements + locate.boundaryDisagreements + (many ? many.disagreements + many.boundaryDisagreements : 0)
  const rounds = perRoundRatios(locate, which)
  recordTarget({
    section: 'index', name: 'GridIndex.locate ÷ which-polygon, 20,000 grids', measured: locate.ratioToWhichPolygon!, goal: 25, compare: '≥', unit: '×',
    note: `${fmt(s.points)} points, ${rounds.length} interleaved rounds (rotating order), each method in its own loop and timed right after its own untimed pass (≥ ${MIN_SECONDS} s);` +
      ` median of the per-round ratios (${rounds.map((r) => r.toFixed(1)).join(', ')}); ratio of the median rates ${(locate.pointsPerSecond / which.pointsPerSecond).toFixed(1)}×` +
      ` (${fmt(locate.pointsPerSecond)} vs ${fmt(which.pointsPerSecond)} pts/s); process CPU time ${median(perRoundRatios(locate, which, 'cpu')).toFixed(1)}×` +
      `; locateMany ${many ? `${fmt(many.pointsPerSecond)} pts/s = ${many.ratioToWhichPolygon!.toFixed(1)}×` : '–'}; ${exact} answers ≠ exact rule; load average ${s.loadAverage[0].toFixed(1)} → ${s.loadAverage[1].toFixed(1)} (2 cores)`,
  })
  recordTarget({
    section: 'index', name: 'index memory (typed arrays), 20,000 grids', measured: s.build.indexTypedArraysMB, goal: PREVIOUS_INDEX_MB / 2, compare: '≤', unit: 'MB',
    note: `was ${PREVIOUS_INDEX_MB.toFixed(1)} MB; heap +${s.build.heapDeltaMB.toFixed(1)} MB, array buffers +${s.build.arrayBuffersDeltaMB.toFixed(1)} MB at build (incl. the grids' ring copies)`,
  })
  recordTarget({ section: 'index', name: 'answers ≠ exact rule (random + boundary points), 20,000 grids', measured: exact, goal: 0, compare: '≤', unit: '' })
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? process.argv[i + 1] : undefined
  }
  const points = Number(arg('points') ?? process.env.BENCH_POINTS ?? 1_000_000)
  const sizes = (arg('sizes') ?? process.env.BENCH_SIZES ?? '2000,20000').split(',').map(Number)
  const res = await benchAssignment({ points, sizes, log: (s) => console.error(s) })
  console.log(formatAssignment(res))
  if (process.argv.includes('--json')) console.log(JSON.stringify(res, null, 2))
  console.log('\n' + formatTargets())
  const bad = res.sizes.some((s) => s.methods.some((m) => m.method.startsWith('GridDuty') && m.disagreements + m.boundaryDisagreements > 0))
  process.exitCode = bad ? 1 : 0
}
