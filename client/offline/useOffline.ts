/** React hooks of the offline mode: the network state and the signed-in user's queue. */
import { useEffect, useState, useSyncExternalStore } from 'react'
import { listQueue, onQueueChange, type QueueItem } from './queue.ts'

function subscribeOnline(cb: () => void): () => void {
  window.addEventListener('online', cb)
  window.addEventListener('offline', cb)
  return () => { window.removeEventListener('online', cb); window.removeEventListener('offline', cb) }
}

/** navigator.onLine, live. */
export function useOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine, () => true)
}

/** The user's queued entries, oldest first, live (this tab and the others). */
export function useQueue(userId: number): QueueItem[] {
  const [items, setItems] = useState<QueueItem[]>([])
  useEffect(() => {
    let live = true
    const load = () => { void listQueue(userId).then((x) => { if (live) setItems(x) }).catch(() => undefined) }
    load()
    const off = onQueueChange(load)
    return () => { live = false; off() }
  }, [userId])
  return items
}
