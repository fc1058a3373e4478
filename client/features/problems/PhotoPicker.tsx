/** Pick photos, upload each at once, preview them; the parent gets the ids of the uploaded ones. */
import { useEffect, useState } from 'react'
import { uploadPhoto, type UploadedPhoto } from './photos.ts'

export function PhotoPicker({ label, onChange, testId }: { label: string; onChange: (ids: number[]) => void; testId?: string }) {
  const [photos, setPhotos] = useState<UploadedPhoto[]>([])
  useEffect(() => { onChange(photos.flatMap((p) => (p.id ? [p.id] : []))) }, [photos]) // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => { for (const p of photos) URL.revokeObjectURL(p.preview) }, []) // eslint-disable-line react-hooks/exhaustive-deps

  const add = async (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const item: UploadedPhoto = { key: `${file.name}-${file.size}-${Math.random()}`, name: file.name, preview: URL.createObjectURL(file) }
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
