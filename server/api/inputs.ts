/** Shared zod input pieces. */
import { z } from 'zod'
import { isIsoDay, isIsoMonth, isWellFormedText, parseIsoInstant, YEAR_MAX, YEAR_MIN } from '../domain/inputRules.ts'
import { MONTH_PATTERN } from '../domain/time.ts'
import { GRID_LEVELS } from '../domain/grid/levels.ts'

export const id = z.number().int().positive().max(2 ** 31 - 1)
/** A row's version number for optimistic locking (an INTEGER column: beyond 2^31-1 PostgreSQL failed with 500). */
export const rowVersion = z.number().int().min(1).max(2 ** 31 - 1)
export const month = z.string().regex(MONTH_PATTERN, '月份格式应为 YYYY-MM').refine(isIsoMonth, `月份应在 ${YEAR_MIN}–${YEAR_MAX} 年之间`)
/** A calendar day "YYYY-MM-DD" that exists (no 30 February) within YEAR_MIN..YEAR_MAX. */
export const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD').refine(isIsoDay, `日期无效（须为 ${YEAR_MIN}–${YEAR_MAX} 年间真实存在的日期）`)
export const lng = z.number().finite().min(-180).max(180)
export const lat = z.number().finite().min(-90).max(90)
export const isoDateTime = z.string().datetime({ offset: true, message: '日期时间应为 ISO 8601 格式' })
  .refine((s) => parseIsoInstant(s) !== null, `日期无效（须为 ${YEAR_MIN}–${YEAR_MAX} 年间真实存在的日期时间）`)
/** Text that can be stored as UTF-8 without loss: lone UTF-16 surrogates are refused (BAD_INPUT). */
export const wellFormed = z.string().refine(isWellFormedText, '文本含无效字符（不成对的 UTF-16 代理项）')
export const text = (max: number) => z.string().trim().max(max).refine(isWellFormedText, '文本含无效字符（不成对的 UTF-16 代理项）')
export const level = z.enum(GRID_LEVELS)
