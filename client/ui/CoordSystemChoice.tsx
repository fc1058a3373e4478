/**
 * The coordinate-system choice of every import screen (boundaries, problems): the same radio group,
 * the same labels (server/domain/geometry/coordSystems.ts), the same hint while nothing is chosen.
 * A screen may show a note under it (e.g. "this file carries adcode: GCJ-02 by convention").
 */
import { useId, type ReactNode } from 'react'
import { COORD_SYSTEMS, type CoordSystem } from '../../server/domain/geometry/coordSystems.ts'
import { useT } from '../i18n.ts'
import { uiText } from './text.ts'

export function CoordSystemChoice({ value, onChange, testId = 'coords', note }: {
  value: CoordSystem | null
  onChange: (c: CoordSystem) => void
  /** data-testid of the group; each radio is `${testId}-${system}` */
  testId?: string
  note?: ReactNode
}) {
  const { t } = useT(uiText)
  const name = useId()
  return (
    <fieldset className="coord-choice" data-testid={testId} data-value={value ?? ''}>
      <legend>{t('coords.legend')}</legend>
      {COORD_SYSTEMS.map((c) => (
        <label key={c} className="coord-option">
          <input type="radio" name={name} value={c} checked={value === c} onChange={() => onChange(c)} data-testid={`${testId}-${c}`} />
          <span>{t(`coords.${c}`)}</span>
        </label>
      ))}
      {value === null && <p className="coord-hint small" role="note">{t('coords.required')}</p>}
      {note}
    </fieldset>
  )
}
