/** The audit trail in words: sentences without codes, the changed fields with labels and readable values. */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { auditChanges, auditFieldLabel, auditSentence, auditValue } from '../../server/domain/vocabulary/audit.ts'

describe('audit words', () => {
  it('says who changed a grid holder, and which fields', () => {
    const before = { id: 3, gridId: 7, departmentId: 1, departmentName: '市文明办', cadreName: '王强', cadreTitle: '副主任', contactName: '李丽', contactPhone: '13800000000', validFrom: '2026-01-31T16:00:00.000Z', validTo: null }
    const after = { ...before, id: 4, departmentId: 2, departmentName: '市住建局', cadreName: '赵敏', validFrom: '2026-11-30T16:00:00.000Z' }
    const row = { action: 'holder.assign', entity: 'grid', entityId: '7', actorName: '陈英', targetName: '高新一路社区' }
    expect(auditSentence(row, 'zh-CN')).toBe('陈英 更改了网格「高新一路社区」的包抓部门')
    expect(auditSentence(row, 'en')).toBe('陈英 changed the holder of grid “高新一路社区”')
    const changes = auditChanges(before, after)
    expect(changes.map((c) => c.field)).toEqual(['departmentName', 'cadreName', 'validFrom']) // ids, version: not shown
    expect(changes.map((c) => auditFieldLabel(c.field, 'zh-CN'))).toEqual(['部门', '包抓领导', '起始时间'])
    // a period starts at Beijing midnight: 2026-11-30T16:00Z is 2026-12-01
    expect(auditValue('validFrom', after.validFrom, 'zh-CN')).toBe('2026-12-01')
  })
  it('says which import batch an import was (one audit row per batch)', () => {
    const row = { action: 'problem.import', entity: 'ImportBatch', entityId: '7', actorName: '陈英', targetName: null }
    expect(auditSentence(row, 'zh-CN')).toBe('陈英 导入了问题（导入批次 #7）')
    expect(auditSentence(row, 'en')).toBe('陈英 imported problems (import batch #7)')
  })
  it('words values: statuses, roles, yes/no, empty, Beijing time', () => {
    expect(auditValue('status', 'dispatched', 'zh-CN', 'Problem')).not.toBe('dispatched')
    expect(auditValue('role', 'leader', 'zh-CN')).toBe('领导')
    expect(auditValue('passwordChanged', true, 'zh-CN')).toBe('是')
    expect(auditValue('note', null, 'zh-CN')).toBe('—')
    expect(auditValue('approvedAt', '2026-03-01T02:30:00.000Z', 'zh-CN')).toBe('2026-03-01 10:30')
    expect(auditValue('kind', 'workday', 'zh-CN')).toBe('调休上班')
  })
  it('a created thing lists its fields; a removed one its former fields', () => {
    expect(auditChanges(null, { name: '市教育局', shortName: '教育局', version: 1 }).map((c) => c.field)).toEqual(['name', 'shortName'])
    expect(auditChanges({ kind: 'holiday', name: '元旦' }, null).map((c) => c.field)).toEqual(['kind', 'name'])
  })
  it('has a sentence without codes for every action the services write', () => {
    const dir = path.resolve('server/services')
    const actions = new Set<string>()
    for (const f of fs.readdirSync(dir)) {
      const src = fs.readFileSync(path.join(dir, f), 'utf8')
      for (const m of src.matchAll(/writeAudit(?:Many)?\([^]*?action: '([a-zA-Z.]+)'/g)) actions.add(m[1]!)
    }
    for (const a of ['problem.dispatch', 'problem.verifyPass', 'problem.merge', 'problem.unmerge']) actions.add(a)
    expect(actions.size).toBeGreaterThan(20)
    for (const action of actions) {
      for (const lang of ['zh-CN', 'en'] as const) {
        const s = auditSentence({ action, entity: 'Problem', entityId: '12', actorName: '陈英', targetName: null }, lang)
        expect(s, `${action} (${lang})`).not.toContain(action)
        expect(s, `${action} (${lang})`).not.toMatch(/\{\w+\}/)
        expect(s.startsWith('陈英'), s).toBe(true)
      }
    }
  })
})
