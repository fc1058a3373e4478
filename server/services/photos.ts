/**
 * Photos (inspection proof, problem evidence): stored in the database, type-checked from the bytes
 * (JPEG, PNG or WebP — never trusting the name or the declared type) and size-limited.
 * Who uploaded a photo is stored on the row (`uploadedById`; rows older than that column: the
 * "photo.upload" audit row), so that only the uploader (or an admin) can attach an unattached photo
 * to an inspection or a problem.
 *
 * Evidence checks (docs/evidence.md): on upload the EXIF time and GPS position are read
 * (domain/photo/exif.ts) and the difference hash computed (domain/photo/dhash.ts; WebP is not decoded,
 * its hash is null). When photos are attached, each is compared with its record (taken more than
 * DEFAULT_PHOTO_MAX_TIME_GAP_HOURS before/after the record's date, or farther than
 * DEFAULT_PHOTO_MAX_DISTANCE_M from its point) and with the photos of every OTHER inspection or
 * problem (dHash within PHOTO_REUSE_DISTANCE bits); the warnings are stored in `evidenceFlags`, on
 * both photos for a reuse.
 */
import { createHash } from 'node:crypto'
import type { Db, Prisma } from '../db/client.ts'
import { AppError, badInput, conflict } from '../domain/errors.ts'
import { hammingDistance } from '../domain/photo/dhash.ts'
import { deviceExifFacts, photoMismatches, type ExifFields, type PhotoMismatch } from '../domain/photo/exif.ts'
import { runHeavy } from './heavy.ts'
import type { SessionUser } from '../domain/user.ts'
import { writeAudit } from './audit.ts'
import { departmentScope } from './scope.ts'

export const PHOTO_MAX_BYTES = 5 * 1024 * 1024
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const
export type PhotoMime = (typeof PHOTO_TYPES)[number]

/** The image type from the file's magic bytes, or null for anything else. */
export function sniffImage(bytes: Uint8Array): PhotoMime | null {
  const b = bytes
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v)) return 'image/png'
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to))
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp'
  return null
}

export const photoTooLarge = () =>
  new AppError('TOO_LARGE', 'PHOTO_TOO_LARGE', `照片不能超过 ${PHOTO_MAX_BYTES / 1024 / 1024} MB`)

export interface StoredPhoto {
  id: number; mime: PhotoMime; size: number; sha256: string
  /** the EXIF facts stored (ISO instant / WGS-84), and where they came from: the file, or the phone (read before re-encoding) */
  takenAt: string | null; exifLng: number | null; exifLat: number | null; exifSource: 'file' | 'device' | null
}

/**
 * Checks and stores a photo. `declaredMime` (the upload's Content-Type) is compared with the bytes:
 * an image declared as another image type is refused as mislabelled; generic types are ignored.
 */
export async function storePhoto(db: Db, bytes: Buffer, declaredMime?: string, uploaderId?: number, device?: ExifFields): Promise<StoredPhoto> {
  if (bytes.length > PHOTO_MAX_BYTES) throw photoTooLarge()
  const deviceFacts = device ? deviceExifFacts(device) : null
  if (device && !deviceFacts) throw badInput('照片的拍摄时间或位置格式有误', 'PHOTO_EXIF_INVALID')
  if (bytes.length === 0) throw badInput('照片为空', 'PHOTO_EMPTY')
  const mime = sniffImage(bytes)
  if (!mime) throw badInput('只能上传 JPEG、PNG 或 WebP 图片', 'PHOTO_TYPE')
  const declared = declaredMime?.split(';')[0]?.trim().toLowerCase()
  const normalised = declared === 'image/jpg' || declared === 'image/pjpeg' ? 'image/jpeg' : declared
  if (normalised && normalised.startsWith('image/') && normalised !== mime) {
    throw badInput(`文件声明为 ${declared}，实际内容为 ${mime}，请重新选择图片`, 'PHOTO_TYPE')
  }
  if (normalised && !normalised.startsWith('image/') && normalised !== 'application/octet-stream') {
    throw badInput('只能上传 JPEG、PNG 或 WebP 图片', 'PHOTO_TYPE')
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const facts = withDeviceExif(await photoFacts(bytes), deviceFacts)
  const row = await db.$transaction(async (tx) => {
    const p = await tx.photo.create({ data: { mime, size: bytes.length, sha256, data: new Uint8Array(bytes), uploadedById: uploaderId ?? null, ...facts }, select: { id: true } })
    await writeAudit(tx, { actorId: uploaderId ?? null, action: 'photo.upload', entity: 'Photo', entityId: p.id, after: { mime, size: bytes.length, sha256, ...facts } })
    return p
  })
  return { id: row.id, mime, size: bytes.length, sha256, takenAt: facts.takenAt?.toISOString() ?? null, exifLng: facts.exifLng, exifLat: facts.exifLat, exifSource: facts.exifSource }
}

/**
 * The file's own EXIF wins field by field; what it lacks is taken from the phone's reading of the
 * original (a downscaled, re-encoded photo has no EXIF). `exifSource` says which one was used.
 */
function withDeviceExif(
  file: Awaited<ReturnType<typeof photoFacts>>,
  device: { takenAt: Date | null; lng: number | null; lat: number | null } | null,
) {
  const fileHas = file.takenAt !== null || file.exifLng !== null
  const takenAt = file.takenAt ?? device?.takenAt ?? null
  const [exifLng, exifLat] = file.exifLng !== null ? [file.exifLng, file.exifLat] : [device?.lng ?? null, device?.lat ?? null]
  const exifSource: 'file' | 'device' | null = fileHas ? 'file' : takenAt !== null || exifLng !== null ? 'device' : null
  return { ...file, takenAt, exifLng, exifLat, exifSource }
}

/**
 * What the server reads from a photo's bytes: EXIF time and place, and the difference hash (null for
 * WebP/undecodable). Decoding a large image blocks for seconds, so it runs in the heavy-task pool.
 */
export async function photoFacts(bytes: Uint8Array): Promise<{ takenAt: Date | null; exifLng: number | null; exifLat: number | null; dhash: string | null }> {
  return runHeavy('photoFacts', [new Uint8Array(bytes)])
}

export async function loadPhoto(db: Db, id: number) {
  return db.photo.findUnique({ where: { id }, select: { id: true, mime: true, size: true, data: true, inspectionId: true, problemId: true, uploadedById: true } })
}

/**
 * A photo as `user` may read it, else null (the caller answers 404 either way, so ids reveal nothing):
 * leaders and admins read every photo; others a photo of a problem or inspection in their department
 * scope (what problem.byId / inspection.listForMonth would show them), and an unattached photo only
 * if they uploaded it.
 */
export async function readablePhoto(db: Db, user: Pick<SessionUser, 'id' | 'role' | 'departmentId'>, id: number) {
  const photo = await loadPhoto(db, id)
  if (!photo) return null
  if (user.role === 'leader' || user.role === 'admin') return photo
  const scope = departmentScope(user)
  if (photo.problemId !== null) {
    const p = await db.problem.findUnique({ where: { id: photo.problemId }, select: { departmentId: true } })
    return p && scope.sees(p.departmentId) ? photo : null
  }
  if (photo.inspectionId !== null) {
    const i = await db.inspection.findUnique({ where: { id: photo.inspectionId }, select: { departmentId: true } })
    return i && scope.sees(i.departmentId) ? photo : null
  }
  if (photo.uploadedById !== null) return photo.uploadedById === user.id ? photo : null
  const uploaded = await db.auditLog.findFirst({ where: { action: 'photo.upload', entity: 'Photo', entityId: String(id), actorId: user.id }, select: { id: true } })
  return uploaded ? photo : null
}

type Tx = Prisma.TransactionClient

/**
 * Attaches unattached photos to an inspection or a problem, inside the caller's transaction.
 * Each photo must exist, be unattached and have been uploaded by `user` (admins may attach any).
 */
export async function attachPhotos(
  tx: Tx | Db,
  photoIds: readonly number[],
  target: { inspectionId: number } | { problemId: number; stage?: string },
  user: { id: number; role: string },
): Promise<void> {
  const ids = [...new Set(photoIds)]
  if (ids.length === 0) return
  const photos = await tx.photo.findMany({ where: { id: { in: ids } }, select: { id: true, inspectionId: true, problemId: true, uploadedById: true } })
  if (photos.length !== ids.length) throw badInput('有照片不存在，请重新上传', 'PHOTO_NOT_FOUND')
  if (photos.some((p) => p.inspectionId !== null || p.problemId !== null)) throw conflict('照片已被使用，请重新上传', 'PHOTO_ALREADY_ATTACHED')
  if (user.role !== 'admin') {
    if (photos.some((p) => p.uploadedById !== null && p.uploadedById !== user.id)) throw new AppError('FORBIDDEN', 'PHOTO_NOT_YOURS', '只能使用自己上传的照片')
    const legacy = photos.filter((p) => p.uploadedById === null).map((p) => String(p.id)) // rows from before uploadedById: the audit row
    if (legacy.length > 0) {
      const owned = await tx.auditLog.findMany({ where: { action: 'photo.upload', entity: 'Photo', entityId: { in: legacy }, actorId: user.id }, select: { entityId: true } })
      if (new Set(owned.map((o) => o.entityId)).size !== legacy.length) throw new AppError('FORBIDDEN', 'PHOTO_NOT_YOURS', '只能使用自己上传的照片')
    }
  }
  const data = 'inspectionId' in target ? { inspectionId: target.inspectionId } : { problemId: target.problemId, stage: target.stage ?? '' }
  const r = await tx.photo.updateMany({ where: { id: { in: ids }, inspectionId: null, problemId: null }, data })
  if (r.count !== ids.length) throw conflict('照片已被使用，请重新上传', 'PHOTO_ALREADY_ATTACHED')
  await flagAttachedPhotos(tx, ids, target)
}

// ---- evidence warnings ----

/** Two photos whose difference hashes differ in at most this many bits are the same picture. */
export const PHOTO_REUSE_DISTANCE = 6

/** A warning about a photo's evidence, stored in Photo.evidenceFlags (JSON array). */
export type PhotoFlag =
  | { kind: Exclude<PhotoMismatch, 'takenFarAway'>; hours: number }
  | { kind: 'takenFarAway'; metres: number }
  | { kind: 'reused'; otherPhotoId: number; inspectionId: number | null; problemId: number | null; bits: number }

/** The stored warnings of a photo (malformed text → none). */
export function parsePhotoFlags(text: string | null | undefined): PhotoFlag[] {
  try {
    const v: unknown = JSON.parse(text ?? '[]')
    return Array.isArray(v) ? v.filter((f): f is PhotoFlag => typeof f === 'object' && f !== null && typeof (f as { kind?: unknown }).kind === 'string') : []
  } catch { return [] }
}

/**
 * Compares freshly attached photos with their record (EXIF time/place) and with the photos of every
 * other inspection or problem (dHash), storing the warnings on the photos — and, for a reuse, on the
 * earlier photo too. The record of a problem photo is the problem's point, and its report time for
 * the "report" stage, otherwise the upload time (a rectification photo should be taken when sent).
 */
async function flagAttachedPhotos(tx: Tx | Db, ids: number[], target: { inspectionId: number } | { problemId: number; stage?: string }) {
  const photos = await tx.photo.findMany({ where: { id: { in: ids } }, select: { id: true, takenAt: true, exifLng: true, exifLat: true, dhash: true, createdAt: true, evidenceFlags: true } })
  let record: { date: Date | null; lng: number | null; lat: number | null } | null
  if ('inspectionId' in target) {
    record = await tx.inspection.findUnique({ where: { id: target.inspectionId }, select: { date: true, lng: true, lat: true } })
  } else {
    const p = await tx.problem.findUnique({ where: { id: target.problemId }, select: { reportedAt: true, lng: true, lat: true } })
    record = p && { date: ['report', 'submit', ''].includes(target.stage ?? '') ? p.reportedAt : null, lng: p.lng, lat: p.lat }
  }
  const hashed = photos.filter((p) => p.dhash)
  const here = 'inspectionId' in target ? { inspectionId: target.inspectionId, problemId: null } : { inspectionId: null, problemId: target.problemId }
  const others = (hashed.length === 0 ? [] : await tx.photo.findMany({
    where: { dhash: { not: null }, id: { notIn: ids }, OR: [{ inspectionId: { not: null } }, { problemId: { not: null } }] },
    select: { id: true, dhash: true, inspectionId: true, problemId: true, evidenceFlags: true },
  })).filter((o) => !(here.inspectionId !== null ? o.inspectionId === here.inspectionId : o.problemId === here.problemId)) // photos of the same record are not a reuse
  const extraOnOthers = new Map<number, PhotoFlag[]>()
  for (const p of photos) {
    const flags = parsePhotoFlags(p.evidenceFlags)
    if (record) {
      const cmp = photoMismatches({ takenAt: p.takenAt, lng: p.exifLng, lat: p.exifLat }, { date: record.date ?? p.createdAt, lng: record.lng, lat: record.lat })
      for (const m of cmp.mismatches) {
        if (m === 'takenFarAway') flags.push({ kind: m, metres: Math.round(cmp.distanceM ?? 0) })
        else flags.push({ kind: m, hours: Math.round(Math.abs(cmp.timeGapHours ?? 0) * 10) / 10 })
      }
    }
    if (p.dhash) {
      for (const o of others) {
        const bits = hammingDistance(p.dhash, o.dhash!)
        if (bits > PHOTO_REUSE_DISTANCE) continue
        flags.push({ kind: 'reused', otherPhotoId: o.id, inspectionId: o.inspectionId, problemId: o.problemId, bits })
        extraOnOthers.set(o.id, [...(extraOnOthers.get(o.id) ?? []), { kind: 'reused', otherPhotoId: p.id, ...here, bits }])
      }
    }
    if (flags.length > 0) await tx.photo.update({ where: { id: p.id }, data: { evidenceFlags: JSON.stringify(flags) } })
  }
  for (const [id, extra] of extraOnOthers) {
    const o = others.find((x) => x.id === id)!
    await tx.photo.update({ where: { id }, data: { evidenceFlags: JSON.stringify([...parsePhotoFlags(o.evidenceFlags), ...extra]) } })
  }
}

/** The evidence warnings of the photos of one record, for leaders' detail views. */
export async function photoWarnings(db: Db | Tx, where: { inspectionId: number } | { problemId: number }) {
  const rows = await db.photo.findMany({ where, select: { id: true, evidenceFlags: true, takenAt: true, dhash: true }, orderBy: { id: 'asc' } })
  return rows.flatMap((r) => parsePhotoFlags(r.evidenceFlags).map((flag) => ({ ...flag, photoId: r.id })))
}
