/**
 * A photo as it leaves the phone: the EXIF time and GPS of the ORIGINAL are read first (the
 * re-encoded JPEG carries none), then the image is decoded with its orientation applied, scaled so
 * that its longest side is at most PHOTO_MAX_SIDE and re-encoded as JPEG at PHOTO_JPEG_QUALITY.
 * An image the browser cannot decode (HEIC on some browsers) is sent as it is; the server checks it.
 *
 * The result is what the upload sends (POST /api/photos: the JPEG bytes + X-Exif-* headers, see
 * problems/photos.ts `postPhoto`) and what an offline queue can store (a Blob and a small object).
 */
import { readExifFields, type ExifFields } from '../../server/domain/photo/exif.ts'

export const PHOTO_MAX_SIDE = 1600
export const PHOTO_JPEG_QUALITY = 0.8

export interface PreparedPhoto {
  /** the bytes to upload: a JPEG at most PHOTO_MAX_SIDE on its longest side (or the original when undecodable) */
  blob: Blob
  name: string
  /** EXIF time/GPS of the original, null when it had none */
  exif: ExifFields | null
  width: number | null
  height: number | null
}

/** The size an image of w × h is scaled to (never enlarged). */
export function fittedSize(w: number, h: number, max = PHOTO_MAX_SIDE): { width: number; height: number } {
  const k = Math.min(1, max / Math.max(w, h))
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) }
}

type Decoded = { image: CanvasImageSource; width: number; height: number; close: () => void }

/** Decodes the photo upright: createImageBitmap (EXIF orientation applied), else an <img> (browsers apply it there too). */
async function decode(file: File): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    for (const opts of [{ imageOrientation: 'from-image' } as ImageBitmapOptions, undefined]) {
      try {
        const b = await createImageBitmap(file, opts)
        return { image: b, width: b.width, height: b.height, close: () => b.close() }
      } catch { /* an older engine refuses the option value, or cannot decode: try the next way */ }
    }
  }
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    img.src = url
    await img.decode()
    return { image: img, width: img.naturalWidth, height: img.naturalHeight, close: () => URL.revokeObjectURL(url) }
  } catch (e) {
    URL.revokeObjectURL(url)
    throw e
  }
}

async function encode(d: Decoded, width: number, height: number): Promise<Blob> {
  if (typeof OffscreenCanvas !== 'undefined') {
    const c = new OffscreenCanvas(width, height)
    const ctx = c.getContext('2d')
    if (ctx) {
      ctx.drawImage(d.image, 0, 0, width, height)
      return c.convertToBlob({ type: 'image/jpeg', quality: PHOTO_JPEG_QUALITY })
    }
  }
  const c = document.createElement('canvas')
  c.width = width; c.height = height
  c.getContext('2d')!.drawImage(d.image, 0, 0, width, height)
  return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('toBlob'))), 'image/jpeg', PHOTO_JPEG_QUALITY))
}

export async function preparePhoto(file: File): Promise<PreparedPhoto> {
  const exif = await readExifFields(file)
  const keep = exif && Object.keys(exif).length > 0 ? exif : null
  let decoded: Decoded
  try {
    decoded = await decode(file)
  } catch {
    return { blob: file, name: file.name, exif: keep, width: null, height: null }
  }
  try {
    const { width, height } = fittedSize(decoded.width, decoded.height)
    const blob = await encode(decoded, width, height)
    return { blob, name: file.name.replace(/\.\w+$/, '') + '.jpg', exif: keep, width, height }
  } finally {
    decoded.close()
  }
}
