/**
 * The heavy-task pool: CPU- or memory-hungry work on request data (geometry checks, boundary draft
 * validation, spreadsheet and boundary-file parsing, workbooks) runs in worker threads (tinypool), so
 * the event loop keeps serving every other request. Each task has a time limit and its thread a heap
 * limit (`resourceLimits`); a task over either is killed (the thread is terminated and replaced) and
 * answered with the caller's clear error (GEOMETRY_TOO_COMPLEX, IMPORT_TOO_LARGE, …). At most
 * WORKER_POOL_SIZE tasks run at once and HEAVY_TASK_QUEUE wait; beyond that a request is refused with
 * a retryable SERVER_BUSY (503). The work itself is in server/workers/heavyTasks.ts.
 */
import { BroadcastChannel } from 'node:worker_threads'
import Tinypool from 'tinypool'
import { AppError, type ErrorKind } from '../domain/errors.ts'
import type { TaskMessage, TaskName, TaskReply, Tasks } from '../workers/heavyTasks.ts'

/** the same name as START_CHANNEL in heavyTasks.ts (not imported: that module is the workers' own) */
const START_CHANNEL = 'gridduty-heavy-task-started'
/** a thread that cannot start within this long is given up on */
const STARTUP_ALLOWANCE_MS = 120_000

const envInt = (name: string, dflt: number, min: number) => {
  const v = Number(process.env[name])
  return Number.isInteger(v) && v >= min ? v : dflt
}

export interface HeavyConfig { size: number; timeoutMs: number; memoryMb: number; queue: number }

/** Settings (environment): WORKER_POOL_SIZE, HEAVY_TASK_TIMEOUT_MS, HEAVY_TASK_MEMORY_MB, HEAVY_TASK_QUEUE. */
export function heavyConfig(): HeavyConfig {
  return {
    size: envInt('WORKER_POOL_SIZE', 2, 1),
    timeoutMs: envInt('HEAVY_TASK_TIMEOUT_MS', 20_000, 100),
    memoryMb: envInt('HEAVY_TASK_MEMORY_MB', 512, 64),
    queue: envInt('HEAVY_TASK_QUEUE', 16, 0),
  }
}

let pool: Tinypool | null = null
let cfg: HeavyConfig | null = null
let running = 0
const waiting: (() => void)[] = []
let nextId = 1
const onStart = new Map<number, () => void>()
let startChannel: BroadcastChannel | null = null

function thePool(warm = false): Tinypool {
  if (!pool) {
    cfg = heavyConfig()
    startChannel = new BroadcastChannel(START_CHANNEL)
    startChannel.unref()
    startChannel.onmessage = (ev) => onStart.get((ev as { data: number }).data)?.()
    pool = new Tinypool({
      filename: new URL('../workers/heavy.worker.mjs', import.meta.url).href,
      minThreads: warm ? cfg.size : 0, maxThreads: cfg.size, idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: cfg.memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(16, cfg.memoryMb >> 3)) },
    })
  }
  return pool
}

export const serverBusy = () => new AppError('UNAVAILABLE', 'SERVER_BUSY', '服务器繁忙，请稍后重试')

/** What a caller answers when its task is killed for time or memory. */
export type TooHeavy = () => AppError

export const geometryTooComplex: TooHeavy = () => new AppError('BAD_INPUT', 'GEOMETRY_TOO_COMPLEX', '边界过于复杂，无法在限定时间和内存内校验，请简化后重试')
export const importTooLarge: TooHeavy = () => new AppError('TOO_LARGE', 'IMPORT_TOO_LARGE', '文件过大或过于复杂，无法在限定时间和内存内读取，请拆分后导入')
export const taskTooHeavy: TooHeavy = () => new AppError('UNAVAILABLE', 'TASK_TOO_HEAVY', '任务过大，无法在限定时间和内存内完成，请缩小范围后重试')

/**
 * Runs a task in the pool. The time limit counts from the task's start (queued tasks wait for a free
 * thread first); a full queue refuses at once with SERVER_BUSY.
 */
export async function runHeavy<K extends TaskName>(
  task: K, args: Parameters<Tasks[K]>, tooHeavy: TooHeavy = taskTooHeavy,
  /** `timeoutFactor`: this task may run this many times HEAVY_TASK_TIMEOUT_MS (a big upload: its size over a base) */
  opts: { timeoutFactor?: number; transferList?: readonly (ArrayBuffer | import('node:worker_threads').MessagePort)[] } = {},
): Promise<Awaited<ReturnType<Tasks[K]>>> {
  const p = thePool()
  const c = cfg!
  const timeoutMs = Math.round(c.timeoutMs * Math.max(1, opts.timeoutFactor ?? 1))
  if (running < c.size) running++
  else {
    if (waiting.length >= c.queue) throw serverBusy()
    await new Promise<void>((resolve) => waiting.push(resolve)) // the finishing task hands its slot over
  }
  let reply: TaskReply
  const id = nextId++
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const ceiling = setTimeout(() => abort.abort(), timeoutMs + STARTUP_ALLOWANCE_MS)
  onStart.set(id, () => { timer = setTimeout(() => abort.abort(), timeoutMs) })
  try {
    const msg: TaskMessage = { id, task, args }
    reply = await p.run(msg, { signal: abort.signal, transferList: opts.transferList as never }) as TaskReply
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string }
    if (err.name === 'AbortError' || err.code === 'ERR_WORKER_OUT_OF_MEMORY' || /out of memory|Terminating worker/i.test(err.message ?? '')) {
      console.warn(`[heavy] task ${task} killed: ${err.code ?? err.name ?? ''} ${err.message ?? ''}`.trim())
      throw tooHeavy()
    }
    throw e
  } finally {
    clearTimeout(timer)
    clearTimeout(ceiling)
    onStart.delete(id)
    const next = waiting.shift()
    if (next) next()
    else running--
  }
  if (!reply.ok) throw new AppError(reply.error.kind as ErrorKind, reply.error.appCode, reply.error.message, reply.error.details)
  return reply.value as Awaited<ReturnType<Tasks[K]>>
}

/** Tasks running and waiting now (for tests and health reporting). */
export function heavyLoad(): { running: number; waiting: number } {
  return { running, waiting: waiting.length }
}

/** Starts the threads now (server start-up), so the first request does not wait for them to load. */
export function warmHeavyPool(): void {
  thePool(true)
}

/** Stops the threads (server shutdown). */
export async function closeHeavyPool(): Promise<void> {
  const p = pool
  pool = null
  startChannel?.close()
  startChannel = null
  if (p) await p.destroy()
}
