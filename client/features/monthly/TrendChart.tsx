/** The 12-month trend (ECharts, tree-shaken to lines). */
import { useEffect, useRef } from 'react'
import * as echarts from 'echarts/core'
import { LineChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'
import type { RouterOutputs } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { monthlyText } from './text.ts'

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer])

export function TrendChart({ data, onPickMonth }: { data: RouterOutputs['stats']['trend']; onPickMonth?: (month: string) => void }) {
  const { t, status } = useT(monthlyText)
  const el = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!el.current) return
    const chart = echarts.init(el.current)
    const p = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10)
    chart.setOption({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 40, right: 40, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: data.months },
      yAxis: [{ type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } }, { type: 'value', minInterval: 1 }],
      series: [
        { name: t('trend.coverage'), type: 'line', data: data.overall.map((x) => p(x.coverage)) },
        { name: t('trend.meetingRate'), type: 'line', data: data.overall.map((x) => p(x.meetingRate)) },
        { name: t('trend.onTimeRate'), type: 'line', data: data.overall.map((x) => p(x.onTimeRate)) },
        { name: t('trend.overdue'), type: 'line', yAxisIndex: 1, data: data.overall.map((x) => x.overdue) },
      ],
    })
    if (onPickMonth) chart.on('click', (e) => { if (typeof e.name === 'string') onPickMonth(e.name) })
    const resize = () => chart.resize()
    window.addEventListener('resize', resize)
    return () => { window.removeEventListener('resize', resize); chart.dispose() }
  }, [data, t, onPickMonth])
  return <div ref={el} className="trend-chart" data-testid="trend-chart" />
}
