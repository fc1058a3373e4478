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
    pickGrid: '选择网格…', conflict: '数据已被他人修改，已刷新，请重试',
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
    pickGrid: 'Pick a grid…', conflict: 'Changed by someone else: reloaded, please retry',
  },
})
