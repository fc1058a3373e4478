/**
 * The district choice (区县筛选) of the dashboard (ranking) and the bulletin: the districts in force,
 * or the whole city. The server checks the id (stats.*, report.* take `districtId`); a city without
 * districts shows no choice.
 */
import { useQuery } from '@tanstack/react-query'
import { defineText } from '../../server/domain/vocabulary/lang.ts'
import { useTRPC } from '../api.ts'
import { useT } from '../i18n.ts'

const text = defineText({
  zh: { label: '区县', all: '全市' },
  en: { label: 'District', all: 'Whole city' },
})

export function DistrictSelect({ value, onChange, testId = 'district-filter' }: { value: number | null; onChange: (id: number | null) => void; testId?: string }) {
  const { t } = useT(text)
  const trpc = useTRPC()
  const districts = useQuery(trpc.grid.labels.queryOptions({ level: 'district' }, { staleTime: 10 * 60_000 }))
  const list = districts.data?.features ?? []
  if (list.length === 0) return null
  return (
    <label>{t('label')}{' '}
      <select value={value ?? ''} data-testid={testId} onChange={(e) => onChange(e.target.value ? Number(e.target.value) : null)}>
        <option value="">{t('all')}</option>
        {list.map((f) => <option key={f.properties.id} value={f.properties.id}>{f.properties.name}</option>)}
      </select>
    </label>
  )
}
