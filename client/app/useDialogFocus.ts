/**
 * Keyboard operation of a non-modal dialog or drawer (WCAG 2.1.1, 2.4.3): focus moves into it when
 * it opens, Escape closes it, and focus goes back to where it was (e.g. the list item that opened it).
 * Spread the result on the dialog element.
 */
import { useEffect, useRef, type KeyboardEvent, type RefObject } from 'react'

export function useDialogFocus<E extends HTMLElement>(onClose: () => void, key?: unknown): { ref: RefObject<E | null>; tabIndex: -1; onKeyDown: (e: KeyboardEvent) => void } {
  const ref = useRef<E>(null)
  useEffect(() => {
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null
    ref.current?.focus()
    return () => { if (before?.isConnected) before.focus() }
  }, [key])
  return {
    ref,
    tabIndex: -1,
    onKeyDown: (e) => { if (e.key === 'Escape') { e.stopPropagation(); onClose() } },
  }
}
