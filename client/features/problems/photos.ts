/**
 * Photo upload to POST /api/photos (raw bytes), used by the shared photo picker (client/ui/PhotoPicker.tsx)
 * and by anything that replays a queued photo. `exif`: the time and GPS the phone read from the original
 * before re-encoding it (client/ui/photoPrep.ts), sent as the X-Exif-* headers (server/api/photoHttp.ts).
 */
import { EXIF_HEADERS, type ExifFields } from '../../../server/domain/photo/exif.ts'

export const PHOTO_MAX_BYTES = 5 * 1024 * 1024
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp']

export interface UploadedPhoto { key: string; name: string; preview: string; id?: number; error?: string }

/** The X-Exif-* headers of the fields that are present. */
export function exifHeaders(exif: ExifFields | null | undefined): Record<string, string> {
  const h: Record<string, string> = {}
  if (!exif) return h
  if (exif.time !== undefined) h[EXIF_HEADERS.time] = exif.time
  if (exif.offset !== undefined) h[EXIF_HEADERS.offset] = exif.offset
  if (exif.lng !== undefined && exif.lat !== undefined) { h[EXIF_HEADERS.lng] = String(exif.lng); h[EXIF_HEADERS.lat] = String(exif.lat) }
  return h
}

/** POSTs the bytes to /api/photos: the new photo's id, or the server's reason (throws on a network failure). */
export async function postPhoto(file: Blob, exif?: ExifFields | null): Promise<{ id?: number; error?: string }> {
  const res = await fetch('/api/photos', { method: 'POST', body: file, credentials: 'same-origin', headers: { 'content-type': file.type || 'application/octet-stream', ...exifHeaders(exif) } })
  const body = await res.json().catch(() => ({})) as { id?: number; error?: { message: string } }
  return res.ok ? { id: body.id } : { error: body.error?.message ?? String(res.status) }
}
