/**
 * Find a grid of the draft by name or code (new grids too, so it searches the session, not the
 * server): ↑/↓ move through the hits, Enter or a click selects the grid and flies the map to it.
 */
import { useId, useMemo, useState } from 'react'
import type { DG } from './plannerDraft.ts'
import { usePlannerText } from './text.ts'

export function PlannerSearch({ grids, onPick }: { grids: readonly DG[]; onPick: (g: DG) => void }) {
  const { t } = usePlannerText()
  const [text, setText] = useState('')
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(0)
  const listId = useId()
  const q = text.trim().toLowerCase()
  const hits = useMemo(() => {
    if (!q) return []
    const found = grids.filter((g) => g.name.toLowerCase().includes(q) || g.code.toLowerCase().includes(q))
    // names that start with the query first, then streets before communities
    return found.sort((a, b) => Number(!a.name.toLowerCase().startsWith(q)) - Number(!b.name.toLowerCase().startsWith(q)) || (a.level === b.level ? a.name.localeCompare(b.name, 'zh-CN') : a.level === 'street' ? -1 : 1)).slice(0, 12)
  }, [grids, q])
  const pick = (g: DG) => { onPick(g); setText(g.name); setOpen(false) }
  return (
    <div className="search" data-testid="planner-search">
      <input
        type="search" role="combobox" aria-expanded={open && q.length > 0} aria-controls={listId} aria-autocomplete="list"
        aria-activedescendant={open && hits[active] ? `${listId}-${active}` : undefined}
        aria-label={t('searchLabel')} placeholder={t('searchPlaceholder')} value={text} data-testid="planner-search-input"
        onChange={(e) => { setText(e.target.value); setOpen(true); setActive(0) }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => Math.min(a + 1, hits.length - 1)) }
          else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)) }
          else if (e.key === 'Enter' && hits[active]) { e.preventDefault(); pick(hits[active]) }
          else if (e.key === 'Escape') setOpen(false)
        }}
      />
      {open && q.length > 0 && (
        <ul className="search-results" role="listbox" id={listId} data-testid="planner-search-results">
          {hits.length === 0 && <li className="muted" role="presentation">{t('searchNone')}</li>}
          {hits.map((g, i) => (
            <li key={g.key} id={`${listId}-${i}`} role="option" aria-selected={i === active} className={i === active ? 'active' : ''}
              onMouseDown={(e) => { e.preventDefault(); pick(g) }}>
              <span>{g.name}</span>
              <span className="muted">{t(g.level === 'street' ? 'street' : 'community')} · {g.code}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
