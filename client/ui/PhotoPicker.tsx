/**
 * THE photo picker (inspection form, problem report, problem submit/rectification): two buttons of
 * ours — 拍照 (the camera: accept="image/*" capture="environment") and 从相册选择 (the gallery) —
 * over visually hidden but labelled file inputs, so no browser "Choose Files" text shows.
 * Each photo gets a thumbnail at once, is shrunk on the phone (photoPrep.ts: EXIF read first, longest
 * side 1,600 px, JPEG 0.8) and uploaded on its own; a failed one shows 重试 and can be retried or
 * removed without touching the others.
 *
 * The parent gets the ids of the uploaded photos (the shape inspection.record / problem.create /
 * problem.transition take as `photoIds`) and whether any photo is still being prepared or uploaded.
 * With `onKept` (forms that can queue offline, client/offline/): a photo picked with no network is
 * shrunk but not uploaded — it is kept on the phone (state 'kept', with its EXIF) and handed to the
 * parent to go into the offline queue with the record.
 */
import { useEffect, useRef, useState } from 'react'
import { useT } from '../i18n.ts'
import { postPhoto } from '../features/problems/photos.ts'
import { preparePhoto, type PreparedPhoto } from './photoPrep.ts'
import { uiText } from './text.ts'
import { isNetworkFailure, type FormPhoto } from '../offline/send.ts'
import { offlineText } from '../offline/text.ts'

type State = 'preparing' | 'uploading' | 'done' | 'failed' | 'kept'
export interface PickedPhoto { key: string; name: string; preview: string; state: State; id?: number; error?: string; prepared?: PreparedPhoto }

export function PhotoPicker({ label, onChange, testId, onKept }: {
  label: string
  /** ids of the uploaded photos, and whether some photo is still on its way */
  onChange: (ids: number[], busy: boolean) => void
  /** data-testid of the gallery input; the camera input gets `${testId}-camera` */
  testId?: string
  /** photos kept on the phone for the offline queue (only forms that can queue pass this) */
  onKept?: (photos: FormPhoto[]) => void
}) {
  const { t, errorText } = useT(uiText)
  const off = useT(offlineText)
  const kept = useRef(onKept)
  kept.current = onKept
  const [photos, setPhotos] = useState<PickedPhoto[]>([])
  const urls = useRef(new Set<string>())
  /** the original of each photo, to prepare again if preparing failed */
  const retryFiles = useRef(new Map<string, File>())
  const report = useRef(onChange)
  report.current = onChange

  useEffect(() => {
    report.current(photos.flatMap((p) => (p.state === 'done' && p.id ? [p.id] : [])), photos.some((p) => p.state === 'preparing' || p.state === 'uploading'))
    kept.current?.(photos.flatMap((p) => (p.state === 'kept' && p.prepared ? [{ name: p.name, file: p.prepared.blob, exif: p.prepared.exif }] : [])))
  }, [photos])
  useEffect(() => () => { for (const u of urls.current) URL.revokeObjectURL(u) }, [])

  const objectUrl = (b: Blob) => { const u = URL.createObjectURL(b); urls.current.add(u); return u }
  const patch = (key: string, p: Partial<PickedPhoto>) => setPhotos((ps) => ps.map((x) => (x.key === key ? { ...x, ...p } : x)))

  const upload = async (key: string, prepared: PreparedPhoto) => {
    // no network and the form can queue: keep the shrunk photo on the phone for the queue
    if (kept.current && !navigator.onLine) { patch(key, { state: 'kept', error: undefined }); return }
    patch(key, { state: 'uploading', error: undefined })
    try {
      const r = await postPhoto(prepared.blob, prepared.exif)
      patch(key, r.id ? { state: 'done', id: r.id } : { state: 'failed', error: r.error })
    } catch (e) {
      // the phone went offline meanwhile: keep it for the queue; any other failure (a request cut while
      // online, a refusal) is shown with 重试 so that this photo alone can be sent again
      patch(key, kept.current && !navigator.onLine ? { state: 'kept', error: undefined } : { state: 'failed', error: isNetworkFailure(e) ? t('photo.failed') : errorText(e) })
    }
  }

  const prepareAndUpload = async (key: string, file: File) => {
    patch(key, { state: 'preparing', error: undefined })
    let prepared: PreparedPhoto
    try {
      prepared = await preparePhoto(file)
    } catch (e) {
      patch(key, { state: 'failed', error: errorText(e) })
      return
    }
    patch(key, { prepared })
    await upload(key, prepared)
  }

  const add = (files: FileList | null) => {
    const list = Array.from(files ?? [])
    const items = list.map((file) => ({ file, item: { key: `${file.name}-${file.size}-${Math.random()}`, name: file.name, preview: objectUrl(file), state: 'preparing' as State } }))
    setPhotos((ps) => [...ps, ...items.map((x) => x.item)])
    // one after another: a phone has little memory for several decoded 12-megapixel images
    void (async () => { for (const { file, item } of items) await prepareAndUpload(item.key, file) })()
    for (const { file, item } of items) retryFiles.current.set(item.key, file)
  }

  const retry = (p: PickedPhoto) => {
    if (p.prepared) void upload(p.key, p.prepared)
    else { const f = retryFiles.current.get(p.key); if (f) void prepareAndUpload(p.key, f) }
  }

  const input = (camera: boolean) => (
    <label className="photo-btn">
      <input
        type="file" accept="image/*" className="visually-hidden"
        {...(camera ? { capture: 'environment' as const } : { multiple: true })}
        data-testid={camera ? (testId ? `${testId}-camera` : undefined) : testId}
        onChange={(e) => { add(e.target.files); e.target.value = '' }}
      />
      {camera ? <CameraIcon /> : <GalleryIcon />} {camera ? t('photo.camera') : t('photo.gallery')}
    </label>
  )

  return (
    <div className="photo-picker" role="group" aria-label={label}>
      <span className="photo-picker-label">{label}</span>
      <div className="photo-picker-buttons">{input(true)}{input(false)}</div>
      <p className="small muted">{t('photo.hint')}</p>
      {photos.length > 0 && (
        <ul className="photo-previews">
          {photos.map((p) => (
            <li key={p.key} className={p.state === 'failed' ? 'bad' : ''} data-state={p.state} data-photo-id={p.id ?? ''}>
              <img src={p.preview} alt={p.name} />
              {p.state === 'preparing' && <span className="small muted">{t('photo.preparing')}</span>}
              {p.state === 'uploading' && <span className="small muted">{t('photo.uploading')}</span>}
              {p.state === 'kept' && <span className="small muted" data-testid="photo-offline">{off.t('photoOffline')}</span>}
              {p.state === 'failed' && <>
                <span className="form-error small">{p.error ?? t('photo.failed')}</span>
                <button type="button" className="btn-quiet small" onClick={() => retry(p)} data-testid="photo-retry">{t('photo.retry')}</button>
              </>}
              <button type="button" className="icon-btn" aria-label={t('photo.remove')} onClick={() => setPhotos((ps) => ps.filter((x) => x.key !== p.key))}>×</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

// drawn icons (emoji fonts are missing on many Linux and government desktops: they show as boxes)
const CameraIcon = () => (
  <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M9 4 7.2 6H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-3.2L15 4H9Zm3 4.5a4.5 4.5 0 1 1 0 9 4.5 4.5 0 0 1 0-9Zm0 2a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z" /></svg>
)
const GalleryIcon = () => (
  <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2Zm0 2v9.6l4.3-4.3a1 1 0 0 1 1.4 0l3.3 3.3 2.3-2.3a1 1 0 0 1 1.4 0L20 15.6V6H4Zm11.5 1.5a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Z" /></svg>
)
