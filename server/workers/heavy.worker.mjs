// Worker-thread entry of the heavy-task pool (server/services/heavy.ts). The server runs TypeScript
// through tsx without a build step, and a worker thread does not inherit the main thread's loader
// hooks: register tsx's loader in this thread, then load the tasks.
import { register } from 'tsx/esm/api'

register()
const tasks = await import('./heavyTasks.ts')
export default tasks.default
