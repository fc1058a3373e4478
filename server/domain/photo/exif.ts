/**
 * EXIF facts of a photo — when and where the camera says it was taken — read with `exifr` (pure JS),
 * and the comparison with the record the photo is attached to. Pure: takes the file's bytes.
 *
 * Time: DateTimeOriginal (else CreateDate, else DateTime). EXIF stores local wall-clock time; when
 * OffsetTimeOriginal/OffsetTime is present it is used, otherwise the time is read as Beijing time
 * (UTC+8) — the devices of this app are in China — and `timeAssumed` says so.
 * Place: GPSLatitude/GPSLongitude with their N/S E/W references, WGS-84 as the phone writes them.
 */
import { CHINA_OFFSET_MS } from '../time.ts'
import exifr from 'exifr'
import { distance } from '@turf/turf'

/** What the photo's EXIF says. Every field null when absent or unreadable. */
export interface ExifFacts {
  takenAt: Date | null
  /** true when no time-zone offset was stored and Beijing time was assumed */
  timeAssumed: boolean
  lng: number | null
  lat: number | null
}

const NONE: ExifFacts = { takenAt: null, timeAssumed: false, lng: null, lat: null }
const EXIF_TIME = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/
const OFFSET = /^([+-])(\d{2}):(\d{2})$/

/** Parse an EXIF "YYYY:MM:DD HH:MM:SS" wall-clock time with an optional UTC offset tag (Beijing time when absent). */
export function parseExifTime(text: unknown, offset: unknown): { at: Date; assumed: boolean } | null {
  if (typeof text !== 'string') return null
  const m = EXIF_TIME.exec(text.trim())
  if (!m) return null
  const o = typeof offset === 'string' ? OFFSET.exec(offset.trim()) : null
  const offsetMin = o ? (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) : CHINA_OFFSET_MS / 60_000
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) - offsetMin * 60_000
  if (Number.isNaN(utc) || Number(m[1]) < 1990) return null // "0000:00:00 00:00:00" and other placeholders
  return { at: new Date(utc), assumed: !o }
}

/** Read the EXIF time and GPS position of a JPEG (or other exifr-supported) file; never throws. */
export async function readExif(bytes: Uint8Array): Promise<ExifFacts> {
  const fields = await readExifFields(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  return fields ? deviceExifFacts(fields) ?? NONE : NONE
}

/** What exifr reads: the time and GPS tags only, raw (no revived dates, no translated values). */
const EXIFR_OPTIONS = {
  tiff: true, exif: true, gps: true, ifd1: false, interop: false, xmp: false, icc: false, iptc: false, jfif: false,
  reviveValues: false, translateValues: false,
} as const

/** The EXIF time and GPS fields of an image (bytes, or a File/Blob in the browser); null when none can be read. Never throws. */
export async function readExifFields(input: Uint8Array | ArrayBuffer | Blob): Promise<ExifFields | null> {
  try {
    const tags = await exifr.parse(input, EXIFR_OPTIONS) as Record<string, unknown> | undefined
    return tags ? exifFieldsOfTags(tags) : null
  } catch {
    return null
  }
}

/**
 * The EXIF fields a phone reads from the ORIGINAL photo before it downscales and re-encodes it (the
 * re-encoded JPEG has no EXIF): the raw wall-clock time with its offset tag, and the GPS position in
 * decimal degrees. Sent with the upload as the X-Exif-* headers (EXIF_HEADERS) and turned into facts by
 * the same rule as the file's own EXIF (`deviceExifFacts`).
 */
export interface ExifFields {
  /** "YYYY:MM:DD HH:MM:SS" as the camera wrote it */
  time?: string
  /** "+08:00" (OffsetTimeOriginal / OffsetTimeDigitized / OffsetTime), when the camera wrote one */
  offset?: string
  lng?: number
  lat?: number
}

/** The upload headers carrying ExifFields (POST /api/photos). */
export const EXIF_HEADERS = { time: 'x-exif-time', offset: 'x-exif-offset', lng: 'x-exif-lng', lat: 'x-exif-lat' } as const

/** Picks the time (DateTimeOriginal, else CreateDate, else DateTime) and the signed GPS position from raw exifr tags (reviveValues: false). */
export function exifFieldsOfTags(tags: Record<string, unknown>): ExifFields {
  const out: ExifFields = {}
  const candidates: [unknown, unknown][] = [[tags.DateTimeOriginal, tags.OffsetTimeOriginal], [tags.CreateDate, tags.OffsetTimeDigitized], [tags.DateTime ?? tags.ModifyDate, tags.OffsetTime]]
  for (const [time, offset] of candidates) {
    if (parseExifTime(time, offset)) {
      out.time = String(time).trim()
      if (typeof offset === 'string' && OFFSET.test(offset.trim())) out.offset = offset.trim()
      break
    }
  }
  const lat = gpsCoordinate(tags.GPSLatitude, tags.GPSLatitudeRef, 90)
  const lng = gpsCoordinate(tags.GPSLongitude, tags.GPSLongitudeRef, 180)
  if (lat !== null && lng !== null) { out.lat = lat; out.lng = lng }
  return out
}

/** The facts of ExifFields; null when a field is present but malformed (time unreadable, position out of range or only half of it). */
export function deviceExifFacts(f: ExifFields): ExifFacts | null {
  let takenAt: Date | null = null, timeAssumed = false
  if (f.time !== undefined) {
    if (f.offset !== undefined && !OFFSET.test(f.offset)) return null
    const t = parseExifTime(f.time, f.offset)
    if (!t) return null
    takenAt = t.at; timeAssumed = t.assumed
  }
  if ((f.lng === undefined) !== (f.lat === undefined)) return null
  if (f.lng !== undefined && f.lat !== undefined) {
    if (!Number.isFinite(f.lng) || !Number.isFinite(f.lat) || Math.abs(f.lng) > 180 || Math.abs(f.lat) > 90) return null
  }
  return { takenAt, timeAssumed, lng: f.lng ?? null, lat: f.lat ?? null }
}

function gpsCoordinate(value: unknown, ref: unknown, max: number): number | null {
  let deg: number | null = null
  if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    deg = (value[0] as number) + (value[1] as number) / 60 + (value[2] as number) / 3600
  } else if (typeof value === 'number' && Number.isFinite(value)) deg = value
  if (deg === null) return null
  if (ref === 'S' || ref === 'W') deg = -deg
  return Math.abs(deg) <= max ? deg : null
}

/** Thresholds of the photo-versus-record comparison (documented in docs/integrity.md). */
export interface PhotoMismatchThresholds {
  /** a photo taken more than this many hours before (or after) its record is flagged; default 24 */
  maxTimeGapHours?: number
  /** a photo taken more than this many metres from the record's point is flagged; default 500 */
  maxDistanceM?: number
}
/** Default: 24 h. */
export const DEFAULT_PHOTO_MAX_TIME_GAP_HOURS = 24
/** Default: 500 m. */
export const DEFAULT_PHOTO_MAX_DISTANCE_M = 500

/** Why a photo does not match its record. */
export type PhotoMismatch = 'takenEarlier' | 'takenLater' | 'takenFarAway'

/**
 * Compare a photo's EXIF with its record (date and point). Missing EXIF fields are not mismatches
 * (many phones strip them); the caller may report their absence separately.
 */
export function photoMismatches(
  exif: Pick<ExifFacts, 'takenAt' | 'lng' | 'lat'>,
  record: { date: Date; lng?: number | null; lat?: number | null },
  t: PhotoMismatchThresholds = {},
): { mismatches: PhotoMismatch[]; timeGapHours: number | null; distanceM: number | null } {
  const out: PhotoMismatch[] = []
  const maxH = t.maxTimeGapHours ?? DEFAULT_PHOTO_MAX_TIME_GAP_HOURS
  const maxM = t.maxDistanceM ?? DEFAULT_PHOTO_MAX_DISTANCE_M
  let timeGapHours: number | null = null
  if (exif.takenAt) {
    timeGapHours = (record.date.getTime() - exif.takenAt.getTime()) / 3_600_000
    if (timeGapHours > maxH) out.push('takenEarlier')
    else if (timeGapHours < -maxH) out.push('takenLater')
  }
  let distanceM: number | null = null
  if (exif.lng != null && exif.lat != null && record.lng != null && record.lat != null) {
    distanceM = distance([exif.lng, exif.lat], [record.lng, record.lat], { units: 'meters' })
    if (distanceM > maxM) out.push('takenFarAway')
  }
  return { mismatches: out, timeGapHours, distanceM }
}
