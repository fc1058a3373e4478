/** Pick photos, upload each at once, preview them; the parent gets the ids of the uploaded ones. */
import { useEffect, useState } from 'react'
import { uploadPhoto, type UploadedPhoto } from './photos.ts'

/** `onOffline`: with it, a photo picked while offline is not uploaded but kept as a file for the offline queue (client/offline/). */
export function PhotoPicker({ label, onChange, testId, onOffline }: { label: string; onChange: (ids: number[]) => void; testId?: string; onOffline?: (files: File[]) => void }) {
  const [photos, setPhotos] = useState<(UploadedPhoto & { file?: File })[]>([])
  useEffect(() => { onChange(photos.flatMap((p) => (p.id ? [p.id] : []))) }, [photos]) // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => { onOffline?.(photos.flatMap((p) => (p.file && !p.id ? [p.file] : []))) }, [photos]) // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => { for (const p of photos) URL.revokeObjectURL(p.preview) }, []) // eslint-disable-line react-hooks/exhaustive-deps

  const add = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const item: UploadedPhoto = { key: `${file.name}-${file.size}-${Math.random()}`, name: file.name, preview: URL.createObjectURL(file) }
      if (onOffline && !navigator.onLine) { setPhotos((ps) => [...ps, { ...item, file }]); continue }
      setPhotos((ps) => [...ps, item])
      const r = await uploadPhoto(file)
      setPhotos((ps) => ps.map((p) => (p.key === item.key ? { ...p, ...r } : p)))
    }
  }
  return (
    <div className="pp-photos">
      <label>{label}
        <input type="file" accept="image/jpeg,image/png,image/webp" multiple data-testid={testId} onChange={(e) => void add(e.target.files)} />
      </label>
      {photos.length > 0 && (
        <ul className="photo-previews">
          {photos.map((p) => (
            <li key={p.key} className={p.error ? 'bad' : ''}>
              <img src={p.preview} alt={p.name} />
              {p.error && <small className="form-error">{p.error}</small>}
              <button type="button" className="icon-btn" aria-label="remove" onClick={() => setPhotos((ps) => ps.filter((x) => x.key !== p.key))}>×</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
