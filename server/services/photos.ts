/**
 * Photos (inspection proof, problem evidence): stored in the database, type-checked from the bytes
 * (JPEG, PNG or WebP — never trusting the name or the declared type) and size-limited.
 * Who uploaded a photo is kept in the audit log (action "photo.upload"), so that only the uploader
 * (or an admin) can attach an unattached photo to an inspection or a problem.
 */
import { createHash } from 'node:crypto'
import type { Db, Prisma } from '../db/client.ts'
import { AppError, badInput, conflict } from '../domain/errors.ts'
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

export interface StoredPhoto { id: number; mime: PhotoMime; size: number; sha256: string }

/**
 * Checks and stores a photo. `declaredMime` (the upload's Content-Type) is compared with the bytes:
 * an image declared as another image type is refused as mislabelled; generic types are ignored.
 */
export async function storePhoto(db: Db, bytes: Buffer, declaredMime?: string, uploaderId?: number): Promise<StoredPhoto> {
  if (bytes.length > PHOTO_MAX_BYTES) throw photoTooLarge()
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
  const row = await db.$transaction(async (tx) => {
    const p = await tx.photo.create({ data: { mime, size: bytes.length, sha256, data: new Uint8Array(bytes) }, select: { id: true } })
    await writeAudit(tx, { actorId: uploaderId ?? null, action: 'photo.upload', entity: 'Photo', entityId: p.id, after: { mime, size: bytes.length, sha256 } })
    return p
  })
  return { id: row.id, mime, size: bytes.length, sha256 }
}

export async function loadPhoto(db: Db, id: number) {
  return db.photo.findUnique({ where: { id }, select: { id: true, mime: true, size: true, data: true, inspectionId: true, problemId: true } })
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
  const photos = await tx.photo.findMany({ where: { id: { in: ids } }, select: { id: true, inspectionId: true, problemId: true } })
  if (photos.length !== ids.length) throw badInput('有照片不存在，请重新上传', 'PHOTO_NOT_FOUND')
  if (photos.some((p) => p.inspectionId !== null || p.problemId !== null)) throw conflict('照片已被使用，请重新上传', 'PHOTO_ALREADY_ATTACHED')
  if (user.role !== 'admin') {
    const owned = await tx.auditLog.findMany({ where: { action: 'photo.upload', entity: 'Photo', entityId: { in: ids.map(String) }, actorId: user.id }, select: { entityId: true } })
    if (new Set(owned.map((o) => o.entityId)).size !== ids.length) throw new AppError('FORBIDDEN', 'PHOTO_NOT_YOURS', '只能使用自己上传的照片')
  }
  const data = 'inspectionId' in target ? { inspectionId: target.inspectionId } : { problemId: target.problemId, stage: target.stage ?? '' }
  const r = await tx.photo.updateMany({ where: { id: { in: ids }, inspectionId: null, problemId: null }, data })
  if (r.count !== ids.length) throw conflict('照片已被使用，请重新上传', 'PHOTO_ALREADY_ATTACHED')
}
