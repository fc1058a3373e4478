/** Strings of the offline mode (banner, queue list, queued-record messages). */
import { defineText } from '../../server/domain/vocabulary/lang.ts'

export const offlineText = defineText({
  zh: {
    offline: '离线：记录保存在本机，联网后自动同步', online: '已联网',
    waiting: '{n} 条记录待同步', none: '没有待同步的记录', syncNow: '立即同步', syncing: '同步中…',
    show: '查看', hide: '收起', queuedAt: '保存于 {at}',
    'state.waiting': '待同步', 'state.syncing': '同步中', 'state.failed': '未通过', 'state.conflict': '冲突',
    photo: '照片 {p}', retry: '重试', discard: '放弃', confirmDiscard: '确定放弃这条记录？放弃后无法恢复。',
    conflict: '该问题已被他人更新（{reason}），本条操作未覆盖他人的修改。请打开问题查看最新状态后重新操作，或放弃本条。',
    openProblem: '打开问题', lateReason: '补录原因', fixAndRetry: '补充后重试',
    queuedInspection: '已离线保存，联网后自动提交（检查 · {grid}）', queuedStep: '已离线保存：{action}，联网后自动提交',
    kind_inspection: '检查', kind_problem: '上报问题', kind_transition: '问题 #{id} · {action}',
    photoOffline: '离线：照片保存在本机，随记录一起同步',
  },
  en: {
    offline: 'Offline: records are kept on this phone and sync when the network returns', online: 'Online',
    waiting: '{n} records waiting to sync', none: 'Nothing waiting to sync', syncNow: 'Sync now', syncing: 'Syncing…',
    show: 'Show', hide: 'Hide', queuedAt: 'saved {at}',
    'state.waiting': 'waiting', 'state.syncing': 'syncing', 'state.failed': 'refused', 'state.conflict': 'conflict',
    photo: 'photo {p}', retry: 'Retry', discard: 'Discard', confirmDiscard: 'Discard this record? It cannot be recovered.',
    conflict: 'The problem was changed by someone else ({reason}); this step did not overwrite it. Open the problem to see where it stands and act again, or discard this step.',
    openProblem: 'Open the problem', lateReason: 'Reason for the late entry', fixAndRetry: 'Save and retry',
    queuedInspection: 'Saved offline; it is sent when the network returns (inspection · {grid})', queuedStep: 'Saved offline: {action}; it is sent when the network returns',
    kind_inspection: 'Inspection', kind_problem: 'New problem', kind_transition: 'Problem #{id} · {action}',
    photoOffline: 'Offline: the photo is kept on this phone and syncs with the record',
  },
})
