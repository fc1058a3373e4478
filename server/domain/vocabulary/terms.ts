/** Fixed vocabularies that are words, not statuses: roles and evaluation-site types. Pure. */
import type { SITE_TYPES } from '../evaluation/siteRows.ts'
import type { Lang, Term } from './lang.ts'

const word = (zh: string, en: string): Term => ({ 'zh-CN': zh, en })

/** User roles (角色); the permission table is server/api/permissions.ts. */
export const ROLE = {
  leader: word('领导', 'Leader'),
  department: word('部门', 'Department'),
  planner: word('规划', 'Planner'),
  admin: word('管理员', 'Admin'),
} as const satisfies Record<string, Term>
export type RoleName = keyof typeof ROLE

export function roleLabel(role: string, lang: Lang): string {
  return (ROLE as Record<string, Term | undefined>)[role]?.[lang] ?? role
}

/** Evaluation-site types (测评点位类型, ../evaluation/siteRows.ts): the Chinese name is the value. */
export const SITE_TYPE: Readonly<Record<(typeof SITE_TYPES)[number], Term>> = {
  农贸市场: word('农贸市场', 'Farmers’ market'),
  老旧小区: word('老旧小区', 'Old compound'),
  背街小巷: word('背街小巷', 'Back alley'),
  交通路口: word('交通路口', 'Intersection'),
  学校: word('学校', 'School'),
  医院: word('医院', 'Hospital'),
  公园广场: word('公园广场', 'Park / square'),
  车站: word('车站', 'Station'),
  河道: word('河道', 'River'),
  政务服务大厅: word('政务服务大厅', 'Service hall'),
  窗口单位: word('窗口单位', 'Service window'),
  景区: word('景区', 'Scenic area'),
  商业大街: word('商业大街', 'Shopping street'),
  社区: word('社区', 'Community'),
}

/** A site type in a language; an unknown type as it is. */
export function siteTypeLabel(type: string, lang: Lang): string {
  return (SITE_TYPE as Record<string, Term | undefined>)[type]?.[lang] ?? type
}
