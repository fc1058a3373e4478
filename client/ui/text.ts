/** Strings of the shared UI components (client/ui/). */
import { defineText } from '../../server/domain/vocabulary/lang.ts'

export const uiText = defineText({
  zh: {
    'photo.camera': '拍照', 'photo.gallery': '从相册选择', 'photo.preparing': '压缩中…', 'photo.uploading': '上传中…',
    'photo.failed': '上传失败', 'photo.retry': '重试', 'photo.remove': '移除', 'photo.done': '已上传',
    'photo.hint': '照片在手机上压缩（长边不超过 1600 像素）后上传，保留拍摄时间和位置',
  },
  en: {
    'photo.camera': 'Take photo', 'photo.gallery': 'Choose from gallery', 'photo.preparing': 'Compressing…', 'photo.uploading': 'Uploading…',
    'photo.failed': 'Upload failed', 'photo.retry': 'Retry', 'photo.remove': 'Remove', 'photo.done': 'Uploaded',
    'photo.hint': 'Photos are shrunk on the phone (longest side 1,600 px) before upload; capture time and place are kept',
  },
})
