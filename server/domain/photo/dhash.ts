/**
 * Perceptual difference hash (dHash, 64 bits) of a photo, to find the same picture reused on another
 * record even after it was re-encoded or resized. Pure: decoding takes the file's bytes, no I/O.
 *
 * Algorithm: luminance (Rec. 601) → area-averaged down-scale to 9×8 → for each of the 8 rows, 8 bits
 * "this cell is brighter than its right neighbour". Bits are read row by row, most significant first,
 * and written as 16 lowercase hex digits. Two photos are "the same picture" when the Hamming distance
 * of their hashes is at most a small threshold (DEFAULT_REUSE_DISTANCE, see docs/integrity.md).
 *
 * Decoding: JPEG with `jpeg-js`, PNG with `pngjs` (both pure JavaScript, no native binaries, nothing
 * downloaded at install). WebP is not decoded (no maintained pure-JS decoder; `sharp` would need a
 * native binary): `decodeImage` refuses it with UNSUPPORTED_IMAGE so the caller stores no hash.
 */
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'

/** Decoded pixels, RGBA 8-bit, row-major. */
export interface Pixels { width: number; height: number; data: Uint8Array | Buffer }

/** Stable codes of photo decoding refusals. */
export type PhotoErrorCode = 'UNSUPPORTED_IMAGE' | 'BAD_IMAGE'

/** A photo that cannot be decoded, with a stable code. */
export class PhotoError extends Error {
  constructor(readonly code: PhotoErrorCode, message: string) {
    super(message)
    this.name = 'PhotoError'
  }
}

/** Image formats recognised by their first bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'unknown'

/** The format of an image file from its magic bytes. */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png'
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'webp'
  return 'unknown'
}

/** Largest image decoded, in megapixels (protects the server from decompression bombs). */
export const MAX_DECODE_MEGAPIXELS = 50

/** Decode a JPEG or PNG file to RGBA pixels; WebP and unknown formats → PhotoError UNSUPPORTED_IMAGE. */
export function decodeImage(bytes: Uint8Array): Pixels {
  const format = sniffFormat(bytes)
  try {
    if (format === 'jpeg') {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_DECODE_MEGAPIXELS, maxMemoryUsageInMB: 1024 })
      return { width: img.width, height: img.height, data: img.data }
    }
    if (format === 'png') {
      const img = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      if (img.width * img.height > MAX_DECODE_MEGAPIXELS * 1e6) throw new PhotoError('BAD_IMAGE', 'image too large to decode')
      return { width: img.width, height: img.height, data: img.data }
    }
  } catch (e) {
    if (e instanceof PhotoError) throw e
    throw new PhotoError('BAD_IMAGE', `cannot decode ${format} image: ${(e as Error).message}`)
  }
  throw new PhotoError('UNSUPPORTED_IMAGE', format === 'webp' ? 'WebP photos are not decoded (no perceptual hash)' : 'unknown image format')
}

/** Area-averaged luminance of the image on a `w`×`h` grid, row-major. */
export function luminanceGrid(p: Pixels, w: number, h: number): Float64Array {
  if (p.width < 1 || p.height < 1 || p.data.length < p.width * p.height * 4) throw new PhotoError('BAD_IMAGE', 'empty or truncated pixel data')
  const sum = new Float64Array(w * h)
  const count = new Float64Array(w * h)
  for (let y = 0; y < p.height; y++) {
    const gy = Math.min(h - 1, Math.floor((y * h) / p.height))
    for (let x = 0; x < p.width; x++) {
      const gx = Math.min(w - 1, Math.floor((x * w) / p.width))
      const i = (y * p.width + x) * 4
      sum[gy * w + gx]! += 0.299 * p.data[i]! + 0.587 * p.data[i + 1]! + 0.114 * p.data[i + 2]!
      count[gy * w + gx]! += 1
    }
  }
  // images smaller than the grid: a cell without a pixel takes its nearest source pixel
  for (let gy = 0; gy < h; gy++) for (let gx = 0; gx < w; gx++) {
    const k = gy * w + gx
    if (count[k] === 0) {
      const x = Math.min(p.width - 1, Math.floor(((gx + 0.5) * p.width) / w)), y = Math.min(p.height - 1, Math.floor(((gy + 0.5) * p.height) / h))
      const i = (y * p.width + x) * 4
      sum[k] = 0.299 * p.data[i]! + 0.587 * p.data[i + 1]! + 0.114 * p.data[i + 2]!
      count[k] = 1
    }
  }
  for (let k = 0; k < w * h; k++) sum[k]! /= count[k]!
  return sum
}

/** The 64-bit difference hash of decoded pixels, as 16 lowercase hex digits. */
export function dHash(p: Pixels): string {
  const g = luminanceGrid(p, 9, 8)
  let bits = 0n
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits = (bits << 1n) | (g[y * 9 + x]! > g[y * 9 + x + 1]! ? 1n : 0n)
  return bits.toString(16).padStart(16, '0')
}

/** The difference hash of an image file (JPEG or PNG); PhotoError when it cannot be decoded. */
export function dHashOfFile(bytes: Uint8Array): string {
  return dHash(decodeImage(bytes))
}

const HASH_PATTERN = /^[0-9a-f]{16}$/

/** Number of differing bits between two 64-bit hashes (hex). Throws on a malformed hash. */
export function hammingDistance(a: string, b: string): number {
  if (!HASH_PATTERN.test(a) || !HASH_PATTERN.test(b)) throw new Error(`a hash is 16 lowercase hex digits, got "${a}", "${b}"`)
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`)
  let n = 0
  while (x) { n += Number(x & 1n); x >>= 1n }
  return n
}
