/**
 * A confirmation before a destructive change (delete, revoke, reassign): `const [dialog, confirm] =
 * useConfirm()`, render `{dialog}`, then `if (await confirm({ title, body })) …`. A modal dialog with
 * the focus on 取消 (the safe choice), Escape cancels, the confirming button in the danger style.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react'
import { useT } from '../i18n.ts'
import { uiText } from './text.ts'
import './ui.css'

export interface ConfirmRequest { title: string; body?: string; confirmLabel?: string }

export function useConfirm(): [ReactNode, (r: ConfirmRequest) => Promise<boolean>] {
  const [req, setReq] = useState<(ConfirmRequest & { resolve: (ok: boolean) => void }) | null>(null)
  const ask = useCallback((r: ConfirmRequest) => new Promise<boolean>((resolve) => setReq({ ...r, resolve })), [])
  const done = (ok: boolean) => { req?.resolve(ok); setReq(null) }
  return [req ? <ConfirmDialog request={req} onDone={done} /> : null, ask]
}

function ConfirmDialog({ request, onDone }: { request: ConfirmRequest; onDone: (ok: boolean) => void }) {
  const { t } = useT(uiText)
  const cancel = useRef<HTMLButtonElement>(null)
  const before = useRef<Element | null>(null)
  useEffect(() => {
    before.current = document.activeElement
    cancel.current?.focus()
    return () => { (before.current as HTMLElement | null)?.focus?.() }
  }, [])
  return (
    <div className="confirm-backdrop" onKeyDown={(e) => { if (e.key === 'Escape') onDone(false) }}>
      <div className="confirm-box" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby={request.body ? 'confirm-body' : undefined} data-testid="confirm-dialog">
        <h2 id="confirm-title">{request.title}</h2>
        {request.body && <p id="confirm-body">{request.body}</p>}
        <div className="form-actions">
          <button type="button" className="btn-quiet" ref={cancel} onClick={() => onDone(false)} data-testid="confirm-cancel">{t('confirm.cancel')}</button>
          <button type="button" className="btn-danger" onClick={() => onDone(true)} data-testid="confirm-ok">{request.confirmLabel ?? t('confirm.ok')}</button>
        </div>
      </div>
    </div>
  )
}
