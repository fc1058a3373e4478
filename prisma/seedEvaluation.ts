/**
 * Demo evaluation preparation (测评): the task list in data/evaluation/indicators.json (dates
 * relative to `now`) and one past mock evaluation with scores, so readiness and the comparison
 * over time show something. Called from seedDemo inside its transaction.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Prisma } from '../server/db/client.ts'
import { drawSample } from '../server/domain/evaluation/sampling.ts'
import { holderOn } from '../server/domain/holder.ts'
import { mulberry32 } from '../server/domain/random.ts'
import { CHINA_OFFSET_MS } from '../server/domain/time.ts'

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../data/evaluation/indicators.json')
const DAY = 86_400_000

export interface DemoIndicator {
  code: string; name: string; points: number; standard: string; siteTypes: string[]; leadLeader: string; task: string
  departments: { name: string; role: 'lead' | 'assist'; staff: string }[]
  milestones: { title: string; dueInDays: number; progress: number }[]
}
export interface DemoTaskList { evaluationInDays: number; indicators: DemoIndicator[] }

/** Midnight (Asia/Shanghai) of the China calendar day `days` after `now`'s day. */
export function chinaDayAfter(now: Date, days: number): Date {
  const day = Math.floor((now.getTime() + CHINA_OFFSET_MS) / DAY) + days
  return new Date(day * DAY - CHINA_OFFSET_MS)
}

export async function seedEvaluation(tx: Prisma.TransactionClient, now: Date): Promise<{ indicators: number; mockSites: number }> {
  const list = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoTaskList
  const deptId = new Map((await tx.department.findMany({ select: { id: true, name: true } })).map((d) => [d.name, d.id]))
  const year = new Date(now.getTime() + CHINA_OFFSET_MS).getUTCFullYear()
  const evaluationDate = chinaDayAfter(now, list.evaluationInDays)
  const indicatorIds: { id: number; siteTypes: string[]; points: number }[] = []
  for (const ind of list.indicators) {
    const row = await tx.indicator.create({
      data: {
        year, code: ind.code, name: ind.name, standard: ind.standard, points: ind.points, siteTypes: JSON.stringify(ind.siteTypes),
        leadLeader: ind.leadLeader, task: ind.task, evaluationDate,
        departments: { create: ind.departments.map((d) => {
          const id = deptId.get(d.name)
          if (id === undefined) throw new Error(`demo indicators: unknown department "${d.name}"`)
          return { departmentId: id, role: d.role, staff: d.staff }
        }) },
        milestones: { create: ind.milestones.map((m) => ({
          title: m.title, dueDate: chinaDayAfter(now, m.dueInDays), progress: m.progress,
          doneAt: m.progress >= 100 ? new Date(Math.min(now.getTime(), chinaDayAfter(now, m.dueInDays).getTime())) : null,
        })) },
      },
    })
    indicatorIds.push({ id: row.id, siteTypes: ind.siteTypes, points: ind.points })
  }

  // One mock evaluation 30 days ago: 2 sites per type, scored with a seeded PRNG.
  const admin = await tx.user.findFirst({ where: { role: 'leader' } }) ?? await tx.user.findFirst()
  const sites = await tx.evaluationSite.findMany({ include: { grid: { select: { parentId: true, holders: true } } } })
  const when = new Date(now.getTime() - 30 * DAY)
  const params = { by: 'type' as const, perStratum: 2, seed: 2026 }
  const sample = drawSample(sites.map((s) => ({ ...s, streetId: s.grid?.parentId ?? null })), params)
  const evaluation = await tx.mockEvaluation.create({
    data: { name: '第一次模拟测评（演示）', seed: params.seed, params: JSON.stringify({ ...params, types: [], streetIds: [] }), createdById: admin?.id ?? 0, createdAt: when },
  })
  const rand = mulberry32(params.seed)
  for (const { site, stratum } of sample) {
    const ms = await tx.mockEvaluationSite.create({
      data: {
        evaluationId: evaluation.id, siteId: site.id, siteType: site.type, gridId: site.gridId, streetId: site.streetId, stratum,
        departmentId: site.grid ? holderOn(site.grid.holders, when)?.departmentId ?? null : null,
      },
    })
    const checked = indicatorIds.filter((i) => i.siteTypes.includes(site.type))
    await tx.scoreEntry.createMany({ data: checked.map((i) => {
      const r = rand()
      const lost = r < 0.55 ? 0 : r < 0.85 ? Math.round(i.points * 0.25 * 100) / 100 : Math.round(i.points * 0.5 * 100) / 100
      return { mockSiteId: ms.id, indicatorId: i.id, maxPoints: i.points, lostPoints: lost, note: lost > 0 ? '演示：现场发现问题扣分' : '' }
    }) })
  }
  return { indicators: indicatorIds.length, mockSites: sample.length }
}
