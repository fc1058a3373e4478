/**
 * A file field of ours: a button in the app's style over a visually hidden (but labelled and
 * focusable) file input, and the chosen file's name in the page's language — so the browser's own
 * "Choose File / No file chosen" text, which is English on many systems, never shows.
 * Used for every non-photo upload (boundary files, problem ledgers, the site register); photos have
 * their own picker with camera and gallery buttons (PhotoPicker.tsx).
 */
import { useId, useState } from 'react'
import { useT } from '../i18n.ts'
import { uiText } from './text.ts'

export function FilePicker({ label, accept, onFile, testId, resetAfterPick = false }: {
  label: string
  accept: string
  onFile: (file: File | null) => void
  /** data-testid of the file input itself (tests call setInputFiles on it) */
  testId?: string
  /** clear the choice after each pick (an upload that starts at once) */
  resetAfterPick?: boolean
}) {
  const { t } = useT(uiText)
  const id = useId()
  const [name, setName] = useState<string | null>(null)
  return (
    <div className="file-picker">
      <span className="file-picker-label" id={`${id}-l`}>{label}</span>
      <label className="photo-btn file-btn">
        <input type="file" accept={accept} className="visually-hidden" aria-labelledby={`${id}-l`} data-testid={testId}
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null
            setName(resetAfterPick ? null : f?.name ?? null)
            onFile(f)
            if (resetAfterPick) e.target.value = ''
          }} />
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M6 2h8l6 6v12a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2Zm7 1.5V9h5.5L13 3.5Z" /></svg> {t('file.choose')}
      </label>
      <span className="small muted file-picker-name">{name ?? t('file.none')}</span>
    </div>
  )
}
