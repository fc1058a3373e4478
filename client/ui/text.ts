/** Strings of the shared controls in client/ui (zh-CN default, English): date picker, confirmation, photo picker. */
import { defineText } from '../../server/domain/vocabulary/lang.ts'
import { COORD_SYSTEM_LABELS as CS } from '../../server/domain/geometry/coordSystems.ts'

export const uiText = defineText({
  zh: {
    'date.open': '打开日历',
    'date.dialog': '选择日期',
    'date.prevMonth': '上个月',
    'date.nextMonth': '下个月',
    'date.today': '今天',
    'date.clear': '清除',
    'date.close': '关闭',
    'date.placeholder': '年-月-日',
    'date.invalid': '请按 年-月-日 填写，如 2026-03-01',
    'date.outOfRange': '日期超出可选范围',
    'date.month': '{y}年{mon}',
    'date.day': '{y}年{mon}{d}日 星期{w}',
    'date.weekdays': '一,二,三,四,五,六,日',
    'confirm.ok': '确定',
    'confirm.cancel': '取消',
    'photo.camera': '拍照', 'photo.gallery': '从相册选择', 'photo.preparing': '压缩中…', 'photo.uploading': '上传中…',
    'photo.failed': '上传失败', 'photo.retry': '重试', 'photo.remove': '移除', 'photo.done': '已上传',
    'photo.hint': '照片在手机上压缩（长边不超过 1600 像素）后上传，保留拍摄时间和位置',
    'file.choose': '选择文件', 'file.none': '未选择文件',
    'coords.legend': '文件的坐标系', 'coords.wgs84': CS.wgs84.zh, 'coords.gcj02': CS.gcj02.zh, 'coords.bd09': CS.bd09.zh,
    'coords.required': '请选择文件使用的坐标系：选错会使位置偏移约 500 米',
  },
  en: {
    'date.open': 'Open calendar', 'date.dialog': 'Choose a date', 'date.prevMonth': 'Previous month', 'date.nextMonth': 'Next month',
    'date.today': 'Today', 'date.clear': 'Clear', 'date.close': 'Close', 'date.placeholder': 'yyyy-mm-dd',
    'date.invalid': 'Enter the date as yyyy-mm-dd, e.g. 2026-03-01', 'date.outOfRange': 'The date is outside the allowed range',
    'date.month': '{mon} {y}', 'date.day': '{w} {d} {mon} {y}', 'date.weekdays': 'Mon,Tue,Wed,Thu,Fri,Sat,Sun',
    'confirm.ok': 'OK', 'confirm.cancel': 'Cancel',
    'photo.camera': 'Take photo', 'photo.gallery': 'Choose from gallery', 'photo.preparing': 'Compressing…', 'photo.uploading': 'Uploading…',
    'photo.failed': 'Upload failed', 'photo.retry': 'Retry', 'photo.remove': 'Remove', 'photo.done': 'Uploaded',
    'photo.hint': 'Photos are shrunk on the phone (longest side 1,600 px) before upload; capture time and place are kept',
    'file.choose': 'Choose file', 'file.none': 'No file chosen',
    'coords.legend': 'Coordinate system of the file', 'coords.wgs84': CS.wgs84.en, 'coords.gcj02': CS.gcj02.en, 'coords.bd09': CS.bd09.en,
    'coords.required': 'Choose the file\'s coordinate system: a wrong one shifts positions by about 500 m',
  },
})
