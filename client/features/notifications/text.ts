/** Strings of the notification centre, the 督办单 pages and the 回访 panel. zh-CN first. */
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const notificationsText = defineText({
  zh: {
    'n.bell': '通知', 'n.unread': '{n} 条未读', 'n.none': '暂无通知', 'n.allRead': '全部标为已读', 'n.markRead': '标为已读', 'n.title': '通知',
    's.title': '督办单', 's.list': '督办单列表', 's.none': '暂无督办单', 's.number': '编号', 's.problem': '问题', 's.department': '被督办单位',
    's.deadline': '处置期限', 's.overdue': '超期 {n} 个工作日', 's.issued': '下发时间', 's.replyDue': '回复期限', 's.reply': '回复', 's.status': '状态',
    's.replied': '已回复', 's.waiting': '待回复', 's.escalated': '已提级至文明办', 's.print': '打印', 's.back': '返回列表',
    's.heading': '督 办 通 知 单', 's.to': '{dept}：', 's.lead': '你单位承办的问题 #{id}（{category}，{grid}）处置期限为 {deadline}，至今超期 {n} 个工作日未结案。请高度重视，立即组织整改，并于 {due} 前将整改情况书面回复市文明办。',
    's.desc': '问题描述', 's.issuer': '市创建全国文明城市工作领导小组办公室（市文明办）', 's.replyText': '整改情况', 's.replyBy': '{who} 于 {at} 回复',
    's.send': '提交回复', 's.replyHint': '填写整改措施、进度和完成时限', 's.sent': '已回复督办单', 's.open': '查看督办单',
    'f.title': '回访', 'f.outcome': '回访结果', 'f.satisfied': '满意', 'f.unsatisfied': '不满意', 'f.unreachable': '联系不上', 'f.note': '回访记录',
    'f.reopen': '不满意，重新办理（退回责任部门整改）', 'f.save': '记录回访', 'f.saved': '已记录回访', 'f.none': '尚无回访记录', 'f.reopened': '已重新办理',
    'f.line': '{at} {who}：{outcome}', 'f.afterClose': '结案后由文明办回访上报人',
  },
  en: {
    'n.bell': 'Notifications', 'n.unread': '{n} unread', 'n.none': 'No notifications', 'n.allRead': 'Mark all read', 'n.markRead': 'Mark read', 'n.title': 'Notifications',
    's.title': 'Supervision', 's.list': 'Supervision notices', 's.none': 'No supervision notices', 's.number': 'Number', 's.problem': 'Problem', 's.department': 'Department',
    's.deadline': 'Deadline', 's.overdue': '{n} working days overdue', 's.issued': 'Issued', 's.replyDue': 'Reply by', 's.reply': 'Reply', 's.status': 'Status',
    's.replied': 'Answered', 's.waiting': 'Awaiting reply', 's.escalated': 'Escalated to the leadership', 's.print': 'Print', 's.back': 'Back to the list',
    's.heading': 'Supervision notice', 's.to': 'To {dept}:', 's.lead': 'Problem #{id} ({category}, {grid}) assigned to you was due {deadline} and is {n} working days overdue. Rectify it at once and reply in writing by {due}.',
    's.desc': 'Description', 's.issuer': 'Civilization Office', 's.replyText': 'Rectification', 's.replyBy': 'Answered by {who} at {at}',
    's.send': 'Send reply', 's.replyHint': 'Measures taken, progress and completion date', 's.sent': 'Reply sent', 's.open': 'Open notice',
    'f.title': 'Follow-up', 'f.outcome': 'Outcome', 'f.satisfied': 'Satisfied', 'f.unsatisfied': 'Not satisfied', 'f.unreachable': 'Unreachable', 'f.note': 'Notes',
    'f.reopen': 'Not satisfied: reopen (back to the department)', 'f.save': 'Record follow-up', 'f.saved': 'Follow-up recorded', 'f.none': 'No follow-up yet', 'f.reopened': 'Reopened',
    'f.line': '{at} {who}: {outcome}', 'f.afterClose': 'After closure the office calls the reporter back',
  },
})
