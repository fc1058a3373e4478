/**
 * 我的网格 — a department's month at a glance (phone first): its grids with this month's state,
 * last month's misses, days left, open/overdue problems, evaluation sites, the theme and the meeting;
 * record an inspection or the month's meeting from here.
 */
import { useMemo, useState } from 'react'
import { useQuery } from '@tanstack/react-query'
import { useTRPC, type Me } from '../../api.ts'
import { InspectionRecordForm } from './InspectionRecordForm.tsx'
import { MeetingForm } from './MeetingForm.tsx'
import { formatDate } from '../../../server/domain/time.ts'
import { CoverageSvg } from './CoverageSvg.tsx'
import { useT } from '../../i18n.ts'
import { statusColour } from '../../../server/domain/vocabulary/status.ts'
import { monthlyText } from './text.ts'
import './monthly.css'
import { badgeColours } from '../../../server/domain/vocabulary/contrast.ts'

type Mode = { kind: 'list' } | { kind: 'inspect'; gridId?: number } | { kind: 'meeting' }

export function WorkspacePage({ me }: { me: Me }) {
  const { t, status, errorText } = useT(monthlyText)
  const trpc = useTRPC()
  const [mode, setMode] = useState<Mode>({ kind: 'list' })
  const [notice, setNotice] = useState<string | null>(null)
  const ws = useQuery(trpc.workspace.mine.queryOptions({}))
  const month = ws.data?.month
  const communities = useQuery(trpc.grid.list.queryOptions({ level: 'community', month }, { enabled: !!month }))
  const streets = useQuery(trpc.grid.list.queryOptions({ level: 'street', month }, { enabled: !!month }))
  const mine = useMemo(() => new Set(ws.data?.grids.map((g) => g.id) ?? []), [ws.data])
  const svgGrids = useMemo(() => [...(streets.data?.features ?? []), ...(communities.data?.features ?? [])]
    .filter((f) => mine.has(f.properties.id) && (f.properties.level === 'community' || !communities.data?.features.some((c) => c.properties.parentId === f.properties.id && mine.has(c.properties.id))))
    .map((f) => ({ id: f.properties.id, name: f.properties.name, geometry: f.geometry, fill: statusColour('gridMonth', f.properties.inspectionStatus), title: `${f.properties.name}：${status('gridMonth', f.properties.inspectionStatus)}`,
      label: f.properties.labelPoint, legend: status('gridMonth', f.properties.inspectionStatus), level: f.properties.level, state: f.properties.inspectionStatus })),
  [communities.data, streets.data, mine, t])

  if (ws.isPending) return <div className="splash">{t('common.loading')}</div>
  if (ws.isError) return <div className="splash">{t('common.error')}：{errorText(ws.error)}</div>
  const w = ws.data
  const done = (message: string) => { setNotice(message); setMode({ kind: 'list' }) }

  if (mode.kind !== 'list') {
    return (
      <main className="monthly-page workspace" data-testid="workspace-form">
        <button type="button" className="btn-quiet back" onClick={() => setMode({ kind: 'list' })}>← {t('form.cancel')}</button>
        {mode.kind === 'inspect'
          ? <InspectionRecordForm me={me} month={w.month} grids={w.grids.map((g) => ({ id: g.id, name: g.name }))} gridId={mode.gridId} onDone={done} />
          : <MeetingForm onDone={done} />}
      </main>
    )
  }

  return (
    <main className="monthly-page workspace" data-testid="workspace">
      <section className="ws-head card">
        <h1>{t('ws.title')} <span className="muted">{w.department.name} · {w.month}</span></h1>
        <p className="ws-days" data-testid="ws-days-left">{w.running ? t('ws.daysLeft', { n: w.daysLeft }) : t('ws.monthOver')}</p>
        <p>{t('ws.summary', { done: w.summary.done, total: w.summary.total })}{w.summary.unverified > 0 && <> · <span className="bad" data-testid="ws-unverified">{t('ws.unverified', { n: w.summary.unverified })}</span></>}{w.summary.lastMonthMissed > 0 && <> · <span className="bad">{t('ws.lastMissed')} {w.summary.lastMonthMissed}</span></>}</p>
        <p className="small"><b>{t('ws.theme')}</b>：{w.theme.title}</p>
        <p className={w.meetingHeld ? 'ok small' : 'bad small'} data-testid="ws-meeting">{w.meetingHeld ? t('ws.meetingHeld') : t('ws.meetingMissing')}</p>
        <div className="row">
          <button type="button" className="btn-primary" onClick={() => setMode({ kind: 'inspect' })} data-testid="ws-record">{t('ws.record')}</button>
          <button type="button" className="btn-quiet" onClick={() => setMode({ kind: 'meeting' })} data-testid="ws-meeting-record">{t('ws.recordMeeting')}</button>
          <a className="btn-quiet" href="#/">{t('ws.openMap')}</a>
        </div>
        {notice && <p className="notice" role="status" data-testid="ws-notice">{notice}</p>}
      </section>
      {svgGrids.length > 0 && <section className="card"><CoverageSvg grids={svgGrids} width={480} testId="ws-map" statusMonth={month} onPick={(id) => setMode({ kind: 'inspect', gridId: id })} /></section>}
      {w.grids.length === 0 && <p className="muted pad">{t('ws.noGrids')}</p>}
      <ul className="ws-grids">
        {w.grids.map((g) => (
          <li key={g.id} className="card" data-testid="ws-grid" data-grid-id={g.id} data-status={g.status}>
            <div className="ws-grid-head">
              <b>{g.name}</b>
              <span className="chip" style={badgeColours(statusColour('gridMonth', g.status))} data-testid="ws-grid-status">{status('gridMonth', g.status)}</span>
              {g.lastMonthStatus === 'missed' && <span className="chip" style={badgeColours(statusColour('gridMonth', 'missed'))}>{t('ws.lastMissed')}</span>}
            </div>
            <div className="small muted">{g.parentName ?? ''} {g.code}{g.cadre ? ` · ${g.cadre}` : ''}</div>
            <div className="ws-figures small">
              <span>{t('ws.open')} <b>{g.openProblems}</b></span>
              <span className={g.overdueProblems > 0 ? 'bad' : ''}>{t('ws.overdue')} <b>{g.overdueProblems}</b></span>
              <span>{t('ws.lastInspection')}：{g.lastOnSiteInspection ? formatDate(g.lastOnSiteInspection) : '—'}</span>
            </div>
            {g.sites.length > 0 && <details className="small"><summary>{t('ws.sites')}（{g.sites.length}）</summary><ul>{g.sites.map((s) => <li key={s.id}>{s.name} <span className="muted">{s.type}</span></li>)}</ul></details>}
            <button type="button" className="btn-quiet" onClick={() => setMode({ kind: 'inspect', gridId: g.id })} data-testid="ws-grid-record">{t('ws.record')}</button>
          </li>
        ))}
      </ul>
    </main>
  )
}
