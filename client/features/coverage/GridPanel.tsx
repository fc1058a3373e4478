import { useEffect, useState, type ReactNode } from 'react'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useTRPC, type GridDetail, type Me } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { GRID_MONTH_STATUS, gridMonthKey } from '../../../server/domain/vocabulary/status.ts'
import { coverageText } from './text.ts'
import { formatDate, formatDeadline } from '../../../server/domain/time.ts'
import { InspectionRecordForm } from '../monthly/InspectionRecordForm.tsx'
import { PatrolTrackSummary } from './PatrolTrackSummary.tsx'

interface Props {
  gridId: number
  month: string
  currentMonth: string
  me: Me
  onClose: () => void
}

function Section({ title, count, children, testId }: { title: string; count?: number; children: ReactNode; testId?: string }) {
  return (
    <section className="panel-section" data-testid={testId}>
      <h3>{title}{count !== undefined && <span className="count">{count}</span>}</h3>
      {children}
    </section>
  )
}

function StatusChip({ grid, term }: { grid: GridDetail; term: (t: (typeof GRID_MONTH_STATUS)[keyof typeof GRID_MONTH_STATUS]) => string }) {
  const key = gridMonthKey(grid.inspectionStatus, grid.holder !== null)
  return (
    <span className={`status-chip status-${key}`} data-testid="panel-status" style={{ ['--chip' as string]: GRID_MONTH_STATUS[key].colour }}>
      {term(GRID_MONTH_STATUS[key])}
    </span>
  )
}

export function GridPanel({ gridId, month, currentMonth, me, onClose }: Props) {
  const { t, term, siteType, status, errorText } = useT(coverageText)
  const trpc = useTRPC()
  const [recording, setRecording] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const q = useQuery(trpc.grid.byId.queryOptions({ id: gridId, month }, { placeholderData: keepPreviousData }))
  useEffect(() => { setRecording(false); setNotice(null) }, [gridId])

  const g = q.data
  const stale = q.isPlaceholderData
  const canRecord = !!g && me.role === 'department' && me.departmentId !== null &&
    g.holder?.departmentId === me.departmentId && month === currentMonth

  return (
    <aside className={`panel ${stale ? 'stale' : ''}`} data-testid="grid-panel" aria-live="polite">
      <div className="panel-grip" aria-hidden="true" />
      <header className="panel-head">
        <div>
          <h2 data-testid="panel-name">{g?.name ?? '…'}</h2>
          {g && (
            <p className="muted">
              {t(`level.${g.level}`)} · <span data-testid="panel-code">{g.code}</span>
            </p>
          )}
        </div>
        <button type="button" className="icon-btn" aria-label={t('panel.close')} data-testid="panel-close" onClick={onClose}>×</button>
      </header>

      {q.isPending && <p className="muted pad">{t('panel.loading')}</p>}
      {q.isError && <p className="form-error pad">{errorText(q.error)}</p>}

      {g && (
        <div className="panel-body">
          <div className="status-row">
            <span className="muted">{t('panel.statusMonth', { month: g.month })}</span>
            <StatusChip grid={g} term={term} />
          </div>

          <dl className="facts">
            {g.parentName && (<><dt>{t('panel.street')}</dt><dd data-testid="panel-street">{g.parentName}</dd></>)}
            <dt>{t('panel.holder')}</dt>
            <dd data-testid="holder-department" className={g.holder ? 'strong' : 'unheld'}>
              {g.holder?.departmentName ?? term(GRID_MONTH_STATUS.unheld)}
            </dd>
            {g.holder && (
              <>
                <dt>{t('panel.cadre')}</dt>
                <dd data-testid="holder-cadre">{g.holder.cadreName} <span className="muted">{g.holder.cadreTitle}</span></dd>
                <dt>{t('panel.contact')}</dt>
                <dd data-testid="holder-contact">
                  {g.holder.contactName} <a href={`tel:${g.holder.contactPhone}`}>{g.holder.contactPhone}</a>
                </dd>
              </>
            )}
            <dt>{t('panel.area')}</dt>
            <dd>{t('panel.areaKm2', { n: (g.area / 1e6).toFixed(2) })}</dd>
          </dl>

          {canRecord && !recording && (
            <button type="button" className="btn-primary wide" data-testid="record-inspection" onClick={() => { setNotice(null); setRecording(true) }}>
              {t('panel.recordInspection')}
            </button>
          )}
          {notice && !recording && <p className="notice small" role="status" data-testid="panel-notice">{notice}</p>}
          {canRecord && recording && (
            <>
              <InspectionRecordForm me={me} month={month} grids={[{ id: g.id, name: g.name }]} gridId={g.id} onDone={(message) => { setNotice(message); setRecording(false) }} />
              <button type="button" className="btn-quiet wide" data-testid="record-cancel" onClick={() => setRecording(false)}>{t('form.cancel')}</button>
            </>
          )}

          <Section title={t('panel.inspections')} count={g.inspections.length} testId="panel-inspections">
            {g.inspections.length === 0 ? <p className="muted">{t('panel.noInspections')}</p> : (
              <ul className="list">
                {g.inspections.map((i) => (
                  <li key={i.id}>
                    <div className="row">
                      <strong>{formatDate(i.date)}</strong>
                      <span>{i.inspector} · {i.departmentName}</span>
                      {i.onSite !== null && <span className={`tag ${i.onSite ? 'ok' : 'warn'}`}>{i.onSite ? t('panel.onSite') : t('panel.offSite')}</span>}
                    </div>
                    <p>{i.findings}</p>
                  </li>
                ))}
              </ul>
            )}
          </Section>

          <PatrolTrackSummary gridId={g.id} month={month} />

          <Section title={t('panel.problems')} count={g.openProblems.length} testId="panel-problems">
            {g.openProblems.length === 0 ? <p className="muted">{t('panel.noProblems')}</p> : (
              <ul className="list">
                {g.openProblems.map((p) => (
                  <li key={p.id} className={p.overdue ? 'overdue' : ''} data-overdue={p.overdue}>
                    <div className="row">
                      <strong>{p.categoryName}</strong>
                      <span className="tag">{status('problem', p.status)}</span>
                      {p.overdue && <span className="tag bad">{t('panel.overdue')}</span>}
                    </div>
                    <p>{p.description}</p>
                    {p.deadline && <p className="muted small">{t('panel.deadline', { date: formatDeadline(p.deadline) })}</p>}
                  </li>
                ))}
              </ul>
            )}
          </Section>

          <Section title={t('panel.sites')} count={g.sites.length} testId="panel-sites">
            {g.sites.length === 0 ? <p className="muted">{t('panel.noSites')}</p> : (
              <ul className="list compact">
                {g.sites.map((s) => (
                  <li key={s.id}><span>{s.name}</span> <span className="tag">{siteType(s.type)}</span></li>
                ))}
              </ul>
            )}
          </Section>

          <Section title={t('panel.history')} count={g.holderHistory.length} testId="panel-history">
            <ul className="list compact history">
              {g.holderHistory.map((h) => (
                <li key={`${h.departmentId}-${h.validFrom}`}>
                  <span className="muted small">{formatDate(h.validFrom)} – {h.validTo ? formatDate(h.validTo) : t('panel.current')}</span>
                  <span>{h.departmentName} · {h.cadreName}（{h.cadreTitle}）</span>
                </li>
              ))}
            </ul>
          </Section>
        </div>
      )}
    </aside>
  )
}
