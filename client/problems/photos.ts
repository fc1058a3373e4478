/** Photo upload to POST /api/photos (raw bytes), shared by the report form and the detail drawer. */
export const PHOTO_MAX_BYTES = 5 * 1024 * 1024
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp']

export interface UploadedPhoto { key: string; name: string; preview: string; id?: number; error?: string }

export async function uploadPhoto(file: File): Promise<{ id?: number; error?: string }> {
  if (file.size > PHOTO_MAX_BYTES) return { error: `${file.name} > 5 MB` }
  if (!PHOTO_TYPES.includes(file.type)) return { error: `${file.name}: JPEG / PNG / WebP` }
  try {
    const res = await fetch('/api/photos', { method: 'POST', body: file, credentials: 'same-origin', headers: { 'content-type': file.type } })
    const body = await res.json() as { id?: number; error?: { message: string } }
    return res.ok ? { id: body.id } : { error: body.error?.message ?? String(res.status) }
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) }
  }
}
