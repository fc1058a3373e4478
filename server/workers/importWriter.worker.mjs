// Worker-thread entry of the SQLite import writer (server/workers/importWriterThread.ts): register
// tsx's loader in this thread (a worker does not inherit the main thread's), then run the writer.
import { register } from 'tsx/esm/api'

register()
await import('./importWriterThread.ts')
