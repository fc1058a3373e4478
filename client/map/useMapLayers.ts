/**
 * Layers as data (react-map-gl style): components describe the sources and the ordered layer list
 * they want, this hook diffs that against what it applied last time and makes the smallest changes
 * to the map — add/remove sources and layers, setData, setPaintProperty/setLayoutProperty,
 * setFilter, setLayerZoomRange, moveLayer. Map state thus lives in React; the map follows.
 *
 * Only sources and layers passed here are managed; anything else on the map is left alone.
 * Pass memoised `sources`/`layers` so that unchanged specs are cheap to compare.
 */
import { useEffect, useRef } from 'react'
import type { AllLayoutProperties, AllPaintProperties, LayerSpecification, MapLibreMap, SourceSpecification } from 'maplibre-gl'

export type SourceSpecs = Record<string, SourceSpecification>

interface Applied {
  sources: SourceSpecs
  layers: Map<string, LayerSpecification>
}

type AnyProps = Record<string, unknown>

const same = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b)

function sourceOf(layer: LayerSpecification): string | undefined {
  return 'source' in layer ? (layer.source as string) : undefined
}

/** Sources whose spec changed in a way setData cannot express must be re-created. */
function needsRecreate(prev: SourceSpecification, next: SourceSpecification): boolean {
  if (prev.type !== next.type) return true
  if (prev.type === 'geojson' && next.type === 'geojson') {
    const { data: _a, ...restPrev } = prev
    const { data: _b, ...restNext } = next
    return !same(restPrev, restNext)
  }
  return !same(prev, next)
}

function diffProps(
  prev: AnyProps | undefined,
  next: AnyProps | undefined,
  set: (name: string, value: unknown) => void,
): void {
  const p = prev ?? {}
  const n = next ?? {}
  for (const key of new Set([...Object.keys(p), ...Object.keys(n)])) {
    if (!same(p[key], n[key])) set(key, n[key])
  }
}

export function applyMapLayers(map: MapLibreMap, applied: Applied, sources: SourceSpecs, layers: readonly LayerSpecification[]): void {
  const nextLayers = new Map(layers.map((l) => [l.id, l]))

  // Sources that must be re-created drag their layers with them.
  const recreate = new Set<string>()
  for (const [id, prev] of Object.entries(applied.sources)) {
    const next = sources[id]
    if (!next || needsRecreate(prev, next)) recreate.add(id)
  }

  // 1. Remove layers that went away, changed type/source, or sit on a source being re-created.
  for (const [id, prev] of applied.layers) {
    const next = nextLayers.get(id)
    const src = sourceOf(prev)
    const gone = !next || next.type !== prev.type || sourceOf(next) !== src ||
      (src !== undefined && recreate.has(src)) ||
      ('source-layer' in prev && 'source-layer' in next && prev['source-layer'] !== next['source-layer'])
    if (gone) {
      if (map.getLayer(id)) map.removeLayer(id)
      applied.layers.delete(id)
    }
  }

  // 2. Sources: remove, add, update data.
  for (const id of recreate) {
    if (map.getSource(id)) map.removeSource(id)
    delete applied.sources[id]
  }
  for (const [id, spec] of Object.entries(sources)) {
    const prev = applied.sources[id]
    if (!prev) {
      map.addSource(id, spec)
    } else if (spec.type === 'geojson' && prev.type === 'geojson' && prev.data !== spec.data) {
      const src = map.getSource(id) as unknown as { setData(d: unknown): unknown } | undefined
      src?.setData(spec.data)
    }
    applied.sources[id] = spec
  }

  // 3. Layers: add new ones, update the rest in place.
  for (const layer of layers) {
    const prev = applied.layers.get(layer.id)
    if (!prev) {
      map.addLayer(layer)
    } else if (prev !== layer) {
      const id = layer.id
      diffProps(prev.paint as AnyProps, layer.paint as AnyProps, (k, v) => map.setPaintProperty(id, k as keyof AllPaintProperties, v as never))
      diffProps(prev.layout as AnyProps, layer.layout as AnyProps, (k, v) => map.setLayoutProperty(id, k as keyof AllLayoutProperties, v as never))
      const prevFilter = 'filter' in prev ? prev.filter : undefined
      const nextFilter = 'filter' in layer ? layer.filter : undefined
      if (!same(prevFilter, nextFilter)) map.setFilter(id, nextFilter ?? null)
      if (prev.minzoom !== layer.minzoom || prev.maxzoom !== layer.maxzoom) {
        map.setLayerZoomRange(id, layer.minzoom ?? 0, layer.maxzoom ?? 24)
      }
    }
    applied.layers.set(layer.id, layer)
  }

  // 4. Order: our layers in the order given (others keep their place underneath).
  const ours = new Set(layers.map((l) => l.id))
  const current = map.getLayersOrder().filter((id) => ours.has(id))
  if (current.some((id, i) => id !== layers[i]?.id)) {
    for (const layer of layers) map.moveLayer(layer.id)
  }
}

export function useMapLayers(map: MapLibreMap | null, sources: SourceSpecs, layers: readonly LayerSpecification[]): void {
  const applied = useRef<Applied & { map: MapLibreMap | null }>({ map: null, sources: {}, layers: new Map() })

  useEffect(() => {
    if (!map) return
    // A new map instance starts from nothing.
    if (applied.current.map !== map) applied.current = { map, sources: {}, layers: new Map() }
    applyMapLayers(map, applied.current, sources, layers)
  }, [map, sources, layers])
}
