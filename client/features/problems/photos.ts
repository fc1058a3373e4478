/** Photo upload to POST /api/photos (raw bytes), shared by the report form, the detail drawer and the inspection form. */
export const PHOTO_MAX_BYTES = 5 * 1024 * 1024
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp']

export interface UploadedPhoto { key: string; name: string; preview: string; id?: number; error?: string }

/** POSTs the bytes to /api/photos: the new photo's id, or the server's reason (throws on a network failure). */
export async function postPhoto(file: File): Promise<{ id?: number; error?: string }> {
  const res = await fetch('/api/photos', { method: 'POST', body: file, credentials: 'same-origin', headers: { 'content-type': file.type || 'application/octet-stream' } })
  const body = await res.json() as { id?: number; error?: { message: string } }
  return res.ok ? { id: body.id } : { error: body.error?.message ?? String(res.status) }
}

export async function uploadPhoto(file: File): Promise<{ id?: number; error?: string }> {
  if (file.size > PHOTO_MAX_BYTES) return { error: `${file.name} > 5 MB` }
  if (!PHOTO_TYPES.includes(file.type)) return { error: `${file.name}: JPEG / PNG / WebP` }
  try {
    return await postPhoto(file)
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) }
  }
}
