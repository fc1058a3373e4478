import { describe, expect, it } from 'vitest'
import { decodeImage, dHash, dHashOfFile, hammingDistance, PhotoError, sniffFormat } from '../../server/domain/photo/dhash.ts'
import { parseExifTime, photoMismatches, readExif } from '../../server/domain/photo/exif.ts'
import { exifSegment, scene, shrink, toJpeg, toPng, withExif } from './photoImages.ts'

describe('difference hash', () => {
  const a = scene(1), b = scene(2), c = scene(3)
  const hA = dHash(a)
  it('is 16 hex digits and stable', () => {
    expect(hA).toMatch(/^[0-9a-f]{16}$/)
    expect(dHash(a)).toBe(hA)
  })
  it('a re-encoded, resized copy stays within distance 6', () => {
    const reencoded = dHashOfFile(toJpeg(a, 35))
    const resized = dHashOfFile(toJpeg(shrink(a, 2), 60))
    const png = dHashOfFile(toPng(shrink(a, 4)))
    for (const h of [reencoded, resized, png]) expect(hammingDistance(hA, h)).toBeLessThanOrEqual(6)
  })
  it('different pictures are more than 20 apart', () => {
    const hashes = [hA, dHash(b), dHash(c)]
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) expect(hammingDistance(hashes[i]!, hashes[j]!)).toBeGreaterThan(20)
  })
  it('hamming distance: known values and malformed input', () => {
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64)
    expect(hammingDistance('0000000000000000', '0000000000000101')).toBe(2)
    expect(() => hammingDistance('xyz', '0000000000000000')).toThrow()
  })
  it('a horizontal gradient brightening to the right has all bits 0, darkening all bits 1', () => {
    const grad = (up: boolean) => {
      const w = 90, h = 8, data = new Uint8Array(w * h * 4)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const v = up ? x * 2 : 255 - x * 2; data.set([v, v, v, 255], (y * w + x) * 4) }
      return { width: w, height: h, data }
    }
    expect(dHash(grad(true))).toBe('0000000000000000')
    expect(dHash(grad(false))).toBe('ffffffffffffffff')
  })
  it('recognises formats; refuses WebP and garbage with a stable code', () => {
    expect(sniffFormat(toJpeg(a, 80))).toBe('jpeg')
    expect(sniffFormat(toPng(a))).toBe('png')
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')])
    expect(sniffFormat(webp)).toBe('webp')
    expect(() => decodeImage(webp)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_IMAGE' }))
    expect(() => decodeImage(Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]))).toThrow(PhotoError)
    expect(() => decodeImage(Buffer.from('hello'))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_IMAGE' }))
  })
})

describe('EXIF time and GPS', () => {
  const img = toJpeg(scene(4, 32, 24), 80)
  it('reads DateTimeOriginal with its offset and the GPS position', async () => {
    const f = await readExif(withExif(img, exifSegment({ dateTimeOriginal: '2026:10:18 09:30:00', offset: '+08:00', lat: 34.305, lng: 107.105 })))
    expect(f.takenAt?.toISOString()).toBe('2026-10-18T01:30:00.000Z')
    expect(f.timeAssumed).toBe(false)
    expect(f.lat).toBeCloseTo(34.305, 5)
    expect(f.lng).toBeCloseTo(107.105, 5)
  })
  it('without an offset the time is read as Beijing time and flagged; west/south references are negative', async () => {
    const f = await readExif(withExif(img, exifSegment({ dateTimeOriginal: '2026:10:18 09:30:00', lat: -33.9, lng: -70.6 })))
    expect(f.takenAt?.toISOString()).toBe('2026-10-18T01:30:00.000Z')
    expect(f.timeAssumed).toBe(true)
    expect(f.lat).toBeCloseTo(-33.9, 5)
    expect(f.lng).toBeCloseTo(-70.6, 5)
  })
  it('a photo without EXIF, or not an image, gives nulls', async () => {
    expect(await readExif(img)).toEqual({ takenAt: null, timeAssumed: false, lng: null, lat: null })
    expect(await readExif(Buffer.from('not an image'))).toEqual({ takenAt: null, timeAssumed: false, lng: null, lat: null })
  })
  it('placeholder times are ignored', () => {
    expect(parseExifTime('0000:00:00 00:00:00', null)).toBeNull()
    expect(parseExifTime('2026:10:18 09:30:00', '-05:00')?.at.toISOString()).toBe('2026-10-18T14:30:00.000Z')
  })
  it('compares with the record: more than a day earlier, or far away, is a mismatch', () => {
    const record = { date: new Date('2026-10-20T10:00:00+08:00'), lng: 107.105, lat: 34.305 }
    const ok = photoMismatches({ takenAt: new Date('2026-10-20T09:40:00+08:00'), lng: 107.1052, lat: 34.3051 }, record)
    expect(ok.mismatches).toEqual([])
    const old = photoMismatches({ takenAt: new Date('2026-10-18T09:30:00+08:00'), lng: 107.16, lat: 34.305 }, record)
    expect(old.mismatches).toEqual(['takenEarlier', 'takenFarAway'])
    expect(old.timeGapHours).toBeCloseTo(48.5, 5)
    expect(old.distanceM).toBeGreaterThan(4900)
    expect(photoMismatches({ takenAt: null, lng: null, lat: null }, record).mismatches).toEqual([])
  })
})
