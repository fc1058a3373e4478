/** Small images and EXIF segments generated for the photo-evidence tests (no binary fixtures needed). */
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import type { Pixels } from '../../server/domain/photo/dhash.ts'

/** A deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0
  return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296 }
}

/** A "scene": a smooth random landscape (bilinear over a 12×9 grid of random colours), different for each seed. */
export function scene(seed: number, width = 160, height = 120): Pixels {
  const r = rng(seed)
  const gw = 12, gh = 9
  const grid = Array.from({ length: gw * gh }, () => [r() * 255, r() * 255, r() * 255])
  const at = (gx: number, gy: number) => grid[Math.min(gh - 1, gy) * gw + Math.min(gw - 1, gx)]!
  const data = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const fx = (x / (width - 1)) * (gw - 1), fy = (y / (height - 1)) * (gh - 1)
    const x0 = Math.floor(fx), y0 = Math.floor(fy), tx = fx - x0, ty = fy - y0
    const i = (y * width + x) * 4
    for (let c = 0; c < 3; c++) {
      const top = at(x0, y0)[c]! * (1 - tx) + at(x0 + 1, y0)[c]! * tx
      const bottom = at(x0, y0 + 1)[c]! * (1 - tx) + at(x0 + 1, y0 + 1)[c]! * tx
      data[i + c] = top * (1 - ty) + bottom * ty
    }
    data[i + 3] = 255
  }
  return { width, height, data }
}

/** Box down-scale by an integer factor. */
export function shrink(p: Pixels, f: number): Pixels {
  const w = Math.floor(p.width / f), h = Math.floor(p.height / f)
  const data = new Uint8Array(w * h * 4)
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 4; c++) {
    let s = 0
    for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += p.data[((y * f + dy) * p.width + x * f + dx) * 4 + c]!
    data[(y * w + x) * 4 + c] = Math.round(s / (f * f))
  }
  return { width: w, height: h, data }
}

export const toJpeg = (p: Pixels, quality: number): Buffer => jpeg.encode({ width: p.width, height: p.height, data: Buffer.from(p.data) }, quality).data
export function toPng(p: Pixels): Buffer {
  const png = new PNG({ width: p.width, height: p.height })
  Buffer.from(p.data).copy(png.data)
  return PNG.sync.write(png)
}

/** EXIF APP1 segment (little-endian TIFF) with DateTimeOriginal, optional offset, and optional GPS. */
export function exifSegment(opts: { dateTimeOriginal?: string; offset?: string; lat?: number; lng?: number }): Buffer {
  type Entry = { tag: number; type: number; count: number; value: Buffer } // value: raw bytes
  const ascii = (s: string) => Buffer.from(s + '\0', 'latin1')
  const long = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b }
  const rationals = (deg: number) => {
    const a = Math.abs(deg), d = Math.floor(a), m = Math.floor((a - d) * 60), s = Math.round(((a - d) * 60 - m) * 60 * 10000)
    const b = Buffer.alloc(24)
    b.writeUInt32LE(d, 0); b.writeUInt32LE(1, 4); b.writeUInt32LE(m, 8); b.writeUInt32LE(1, 12); b.writeUInt32LE(s, 16); b.writeUInt32LE(10000, 20)
    return b
  }
  const exifEntries: Entry[] = []
  if (opts.dateTimeOriginal) exifEntries.push({ tag: 0x9003, type: 2, count: 20, value: ascii(opts.dateTimeOriginal) })
  if (opts.offset) exifEntries.push({ tag: 0x9011, type: 2, count: 7, value: ascii(opts.offset) })
  const gpsEntries: Entry[] = []
  if (opts.lat !== undefined && opts.lng !== undefined) {
    gpsEntries.push({ tag: 1, type: 2, count: 2, value: ascii(opts.lat >= 0 ? 'N' : 'S') })
    gpsEntries.push({ tag: 2, type: 5, count: 3, value: rationals(opts.lat) })
    gpsEntries.push({ tag: 3, type: 2, count: 2, value: ascii(opts.lng >= 0 ? 'E' : 'W') })
    gpsEntries.push({ tag: 4, type: 5, count: 3, value: rationals(opts.lng) })
  }
  const ifdSize = (n: number) => 2 + n * 12 + 4
  const ifd0Entries = 2
  const ifd0At = 8, exifAt = ifd0At + ifdSize(ifd0Entries), gpsAt = exifAt + ifdSize(exifEntries.length)
  let dataAt = gpsAt + ifdSize(gpsEntries.length)
  const chunks: Buffer[] = []
  const writeIfd = (entries: Entry[]) => {
    const b = Buffer.alloc(ifdSize(entries.length))
    b.writeUInt16LE(entries.length, 0)
    entries.forEach((e, k) => {
      const o = 2 + k * 12
      b.writeUInt16LE(e.tag, o); b.writeUInt16LE(e.type, o + 2); b.writeUInt32LE(e.count, o + 4)
      if (e.value.length <= 4) e.value.copy(b, o + 8)
      else { b.writeUInt32LE(dataAt, o + 8); chunks.push(e.value); dataAt += e.value.length }
    })
    return b
  }
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0])
  const ifd0 = writeIfd([{ tag: 0x8769, type: 4, count: 1, value: long(exifAt) }, { tag: 0x8825, type: 4, count: 1, value: long(gpsAt) }])
  const tiff = Buffer.concat([header, ifd0, writeIfd(exifEntries), writeIfd(gpsEntries), ...chunks])
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const len = Buffer.alloc(2); len.writeUInt16BE(body.length + 2)
  return Buffer.concat([Buffer.from([0xff, 0xe1]), len, body])
}

/** A JPEG with the EXIF segment inserted right after SOI. */
export const withExif = (jpegBytes: Buffer, app1: Buffer) => Buffer.concat([jpegBytes.subarray(0, 2), app1, jpegBytes.subarray(2)])
