/** The admin page's strings (zh-CN first). Roles are shared words: server/domain/vocabulary/terms.ts. */
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const adminText = defineText({
  zh: {
    title: '系统管理', users: '用户', departments: '部门', holders: '包抓分配', audit: '审计日志',
    login: '登录名', name: '姓名', role: '角色', department: '所属部门', password: '密码', newPassword: '新密码（留空不改）',
    create: '新建', save: '保存', cancel: '取消', edit: '编辑', none: '（无）', loading: '加载中…',
    shortName: '简称', contact: '联系人', phone: '电话', version: '版本', grids: '包抓网格数',
    grid: '网格', current: '当前包抓', history: '历史', from: '起始时间', to: '结束', cadre: '包抓领导', cadreTitle: '职务',
    contactName: '联系人', contactPhone: '联系电话', assign: '分配', stillHolds: '至今',
    at: '时间', actor: '操作人', action: '操作', entity: '对象', before: '修改前', after: '修改后', more: '更多',
    saved: '已保存',
    changedFields: '修改的字段', field: '字段',
    pickGrid: '选择网格…', conflict: '数据已被他人修改，已刷新，请重试',
    calendar: '节假日日历',
    'cal.intro': '处置时限按工作日计算：法定节假日（含调休放假）不计，调休上班的周末计入。国务院办公厅每年发布次年安排后，请在此录入。',
    'cal.year': '年份', 'cal.day': '日期', 'cal.kind': '类型', 'cal.name': '名称', 'cal.remove': '删除',
    'cal.holiday': '放假', 'cal.workday': '调休上班', 'cal.markOfficial': '标记为已按通知录入', 'cal.markProvisional': '标记为暂定',
    'cal.official': '已按国务院通知录入', 'cal.provisional': '暂定（尚无国务院通知，仅含固定日期节日）', 'cal.unknown': '该年尚未录入：周一至周五按工作日计算',
  },
  en: {
    title: 'Administration', users: 'Users', departments: 'Departments', holders: 'Holders', audit: 'Audit log',
    login: 'Login', name: 'Name', role: 'Role', department: 'Department', password: 'Password', newPassword: 'New password (blank: keep)',
    create: 'Create', save: 'Save', cancel: 'Cancel', edit: 'Edit', none: '(none)', loading: 'Loading…',
    shortName: 'Short name', contact: 'Contact', phone: 'Phone', version: 'Version', grids: 'Grids held',
    grid: 'Grid', current: 'Current holder', history: 'History', from: 'From', to: 'To', cadre: 'Cadre', cadreTitle: 'Title',
    contactName: 'Contact', contactPhone: 'Contact phone', assign: 'Assign', stillHolds: 'now',
    at: 'When', actor: 'Who', action: 'Action', entity: 'Entity', before: 'Before', after: 'After', more: 'More',
    saved: 'Saved',
    changedFields: 'Changed fields', field: 'Field',
    pickGrid: 'Pick a grid…', conflict: 'Changed by someone else: reloaded, please retry',
    calendar: 'Holiday calendar',
    'cal.intro': 'Deadlines count working days: statutory holidays (with their bridging days) do not count, adjusted working weekends (调休) do. Enter each year once the State Council publishes it.',
    'cal.year': 'Year', 'cal.day': 'Day', 'cal.kind': 'Kind', 'cal.name': 'Name', 'cal.remove': 'Remove',
    'cal.holiday': 'Day off', 'cal.workday': 'Working weekend day', 'cal.markOfficial': 'Mark as entered from the notice', 'cal.markProvisional': 'Mark as provisional',
    'cal.official': 'Entered from the State Council notice', 'cal.provisional': 'Provisional (no notice yet; fixed-date holidays only)', 'cal.unknown': 'Not entered: Monday–Friday count as working days',
  },
})
