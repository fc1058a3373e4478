/** Shared zod input pieces. */
import { z } from 'zod'
import { MONTH_PATTERN } from '../domain/time.ts'

export const id = z.number().int().positive().max(2 ** 31 - 1)
/** A row's version number for optimistic locking (an INTEGER column: beyond 2^31-1 PostgreSQL failed with 500). */
export const rowVersion = z.number().int().min(1).max(2 ** 31 - 1)
export const month = z.string().regex(MONTH_PATTERN, '月份格式应为 YYYY-MM')
export const lng = z.number().finite().min(-180).max(180)
export const lat = z.number().finite().min(-90).max(90)
export const isoDateTime = z.string().datetime({ offset: true, message: '日期时间应为 ISO 8601 格式' })
export const text = (max: number) => z.string().trim().max(max)
export const level = z.enum(['street', 'community'])
