/** Strings of the planner's boundary import (BoundaryImport.tsx), zh-CN default and English. */
import { useT } from '../../i18n.ts'
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const importText = defineText({
  zh: {
    title: '导入边界', file: '选择文件（GeoJSON、Shapefile 压缩包 .zip、KML/KMZ，≤ 100 MB）', level: '层级', district: '区县', street: '街道', community: '社区',
    encoding: '文字编码', 'enc.auto': '自动检测', 'enc.utf-8': 'UTF-8', 'enc.gb18030': 'GB18030 / GBK',
    'encSource.detected': '自动检测', 'encSource.declared': '文件声明（.cpg / XML）', 'encSource.chosen': '手动选择',
    encodingUsed: '当前编码：{enc}（{how}）', encodingHint: '名称出现乱码时，请换一种编码后重新预览。',
    fields: '字段对应', 'field.name': '名称字段', 'field.code': '编码字段', 'field.level': '层级字段（可选）', 'field.parent': '上级编码字段（可选）', noField: '（不使用）',
    preview: '上传并预览', previewAgain: '按新设置重新预览', uploading: '上传中 {p}%', parsing: '服务器解析中…',
    summary: '{format}：{total} 个要素，可导入 {grids} 个，跳过 {skipped} 个，校验问题 {issues} 个',
    names: '名称预览（前 {n} 个）', prj: '.prj 坐标系：{name}', noPrj: '无 .prj 文件',
    adcode: '此文件带有 adcode 字段：按惯例为 GCJ-02（高德 / DataV 行政区划）',
    skipped: '跳过的要素', skippedItem: '第 {i} 个要素{name}：{reason}',
    onMap: '导入的边界以橙色虚线显示在地图上，与现有网格对照；确认位置无误后再载入草稿。',
    load: '载入草稿（保存前仍可编辑和校验）', loaded: '已载入草稿：{n} 个网格', chooseCoords: '请先选择坐标系', tooLarge: '文件超过 100 MB，请按区县拆分后分批导入',
    'warn.ADCODE_NOT_GCJ02': '文件带有 adcode 字段，通常为 GCJ-02，但选择的是 {chosen}：位置可能偏移约 500 米',
    'warn.PRJ_SAYS_WGS84': '.prj 表明文件为 WGS84 / CGCS2000（{prj}），但选择的是 {chosen}',
    'warn.PRJ_OTHER_DATUM': '.prj 的坐标系“{prj}”不是 WGS84 / CGCS2000（如北京54、西安80），位置可能偏移数十至数百米',
    'warn.PRJ_UNREADABLE': '无法识别 .prj 内容“{prj}”，请确认坐标系',
    'warn.TOPOLOGY_TOO_COMPLEX': '文件过大，未做拓扑构建（吸附、重叠与空隙检查）：{grids} 个边界按原样预览；保存前的边界校验照常进行。可按区县拆分后导入以获得拓扑报告',
    'warn.OFFSET_SUSPECT': '按 {chosen} 导入后，边界与同编码的现有网格相距约 {metres} 米；按 {best} 则约 {bestMetres} 米——坐标系可能选错了',
  },
  en: {
    title: 'Import boundaries', file: 'File (GeoJSON, zipped Shapefile, KML/KMZ, ≤ 100 MB)', level: 'Level', district: 'District', street: 'Street', community: 'Community',
    encoding: 'Text encoding', 'enc.auto': 'Detect', 'enc.utf-8': 'UTF-8', 'enc.gb18030': 'GB18030 / GBK',
    'encSource.detected': 'detected', 'encSource.declared': 'declared by the file (.cpg / XML)', 'encSource.chosen': 'chosen',
    encodingUsed: 'Encoding: {enc} ({how})', encodingHint: 'If names look garbled, choose the other encoding and preview again.',
    fields: 'Field mapping', 'field.name': 'Name field', 'field.code': 'Code field', 'field.level': 'Level field (optional)', 'field.parent': 'Parent code field (optional)', noField: '(none)',
    preview: 'Upload and preview', previewAgain: 'Preview again with these settings', uploading: 'Uploading {p}%', parsing: 'The server is reading the file…',
    summary: '{format}: {total} features, {grids} importable, {skipped} skipped, {issues} validation issues',
    names: 'Names (first {n})', prj: '.prj coordinate system: {name}', noPrj: 'No .prj file',
    adcode: 'This file carries adcode: GCJ-02 by convention (Amap / DataV districts)',
    skipped: 'Features skipped', skippedItem: 'Feature {i}{name}: {reason}',
    onMap: 'The imported outlines are drawn dashed orange over the current grids; check them before loading the draft.',
    load: 'Load as draft (still editable and validated before saving)', loaded: 'Loaded into the draft: {n} grids', chooseCoords: 'Choose the coordinate system first', tooLarge: 'The file is over 100 MB: split it by district',
    'warn.ADCODE_NOT_GCJ02': 'The file carries adcode, usually GCJ-02, but {chosen} is chosen: positions may be about 500 m off',
    'warn.PRJ_SAYS_WGS84': 'The .prj says WGS84 / CGCS2000 ({prj}) but {chosen} is chosen',
    'warn.PRJ_OTHER_DATUM': 'The .prj system "{prj}" is not WGS84 / CGCS2000 (e.g. Beijing 54, Xian 80): positions may be tens to hundreds of metres off',
    'warn.PRJ_UNREADABLE': 'The .prj "{prj}" could not be read: check the coordinate system',
    'warn.TOPOLOGY_TOO_COMPLEX': 'The file is too large for the topology build (snapping, overlap and gap checks): its {grids} outlines are previewed as they are; the checks before saving still run. Split it by district to get a topology report',
    'warn.OFFSET_SUSPECT': 'Read as {chosen}, the outlines sit about {metres} m from the current grids with the same codes; as {best}, about {bestMetres} m — the coordinate system looks wrong',
  },
})
export type ImportKey = keyof typeof importText.zh
export const useImportText = () => useT(importText)
