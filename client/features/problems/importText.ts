/**
 * Strings only the import page uses for big files (its own module, so the shared problems text in
 * the map route's bundle does not grow). zh-CN first.
 */
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const importText = defineText({
  zh: {
    'i.reading': '已读取并检查 {read} 行，有效 {valid} 行', 'i.placing': '正在分派网格：{read} / {total} 行，有效 {valid} 行',
    'i.omitted': '下表只列出前 {listed} 行；另有 {ok} 行可导入、{bad} 行有问题未列出（计数见上）', 'i.reasons': '问题行按原因',
  },
  en: {
    'i.reading': 'Read and checked {read} rows, {valid} valid', 'i.placing': 'Assigning grids: {read} / {total} rows, {valid} valid',
    'i.omitted': 'Only the first {listed} rows are listed; {ok} more good rows and {bad} more rows with problems are not (counted above)', 'i.reasons': 'Rows with problems by reason',
  },
})
