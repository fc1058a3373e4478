import { useEffect, useState } from 'react'
import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useTRPC, type SearchHit } from '../../api.ts'
import { useT } from '../../i18n.ts'
import { coverageText } from './text.ts'

/** Find a grid by name or code (grid.search); picking one hands it to the parent to fly to. */
export function SearchBox({ onPick }: { onPick: (hit: SearchHit) => void }) {
  const { t } = useT(coverageText)
  const trpc = useTRPC()
  const [text, setText] = useState('')
  const [q, setQ] = useState('')
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(0)

  useEffect(() => {
    const h = setTimeout(() => setQ(text.trim()), 200)
    return () => clearTimeout(h)
  }, [text])

  const search = useQuery(trpc.grid.search.queryOptions({ q }, { enabled: q.length > 0, placeholderData: keepPreviousData }))
  const hits = q.length > 0 ? (search.data ?? []) : []

  const pick = (hit: SearchHit) => {
    onPick(hit)
    setText(hit.name)
    setOpen(false)
  }

  return (
    <div className="search" data-testid="search">
      <input
        type="search"
        data-testid="search-input"
        placeholder={t('search.placeholder')}
        aria-label={t('search.placeholder')}
        value={text}
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
      {open && q.length > 0 && text.trim().length > 0 && (
        <ul className="search-results" role="listbox" data-testid="search-results">
          {hits.length === 0 && !search.isFetching && <li className="muted">{t('search.none')}</li>}
          {hits.map((h, i) => (
            <li
              key={h.id}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => { e.preventDefault(); pick(h) }}
            >
              <span>{h.name}</span>
              <span className="muted">{t(`level.${h.level}`)} · {h.code}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
