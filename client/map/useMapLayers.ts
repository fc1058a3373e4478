/**
 * Layers as data (react-map-gl style): components describe the sources and the ordered layer list
 * they want, this hook diffs that against what it applied last time and makes the smallest changes
 * to the map — add/remove sources and layers, setData, setPaintProperty/setLayoutProperty,
 * setFilter, setLayerZoomRange, moveLayer. Map state thus lives in React; the map follows.
 *
 * Besides sources and layers the hook takes, as data too: the images layers refer to (fill
 * patterns, icons; added before the layers), feature-state per source, and event handlers by layer
 * id (like react-map-gl's `interactiveLayerIds` + `onClick`; a handler without a layer listens to
 * the whole map). Handlers may be new closures on every render: they are read through a ref and
 * re-registered only when the set of (event, layer) pairs changes.
 *
 * Only sources, layers and images passed here are managed; anything else on the map (terra-draw's
 * layers, HTML markers) is left alone. Pass memoised `sources`/`layers` so that unchanged specs are
 * cheap to compare.
 */
import { useEffect, useRef } from 'react'
import type {
  AllLayoutProperties, AllPaintProperties, FeatureIdentifier, LayerSpecification, MapLayerEventType, MapLibreMap,
  MapLayerMouseEvent, MapMouseEvent, SourceSpecification,
} from 'maplibre-gl'

export type SourceSpecs = Record<string, SourceSpecification>

/** An image for `fill-pattern` / `icon-image` (RGBA pixels drawn in code: no sprite server). */
export interface MapImage {
  image: { width: number; height: number; data: Uint8Array | Uint8ClampedArray }
  pixelRatio?: number
}
export type ImageSpecs = Record<string, MapImage>

/** Feature-state to set on one source (`sourceLayer` for vector sources); re-applied when the source is re-created. */
export interface FeatureStateSpec {
  source: string
  sourceLayer?: string
  states: readonly { id: number | string; state: Record<string, unknown> }[]
}

type MouseEventType = { [K in keyof MapLayerEventType]: MapLayerEventType[K] extends MapLayerMouseEvent ? K : never }[keyof MapLayerEventType]

/** A pointer handler, on one layer (`e.features` holds the features hit) or, without `layer`, on the whole map. */
export interface MapEventSpec {
  type: MouseEventType
  layer?: string
  handler: (e: MapLayerMouseEvent | MapMouseEvent) => void
}

export interface MapLayerOptions {
  images?: ImageSpecs
  featureStates?: readonly FeatureStateSpec[]
  events?: readonly MapEventSpec[]
}

interface Applied {
  sources: SourceSpecs
  layers: Map<string, LayerSpecification>
  images?: ImageSpecs
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

export function applyMapLayers(map: MapLibreMap, applied: Applied, sources: SourceSpecs, layers: readonly LayerSpecification[], images?: ImageSpecs): void {
  const nextLayers = new Map(layers.map((l) => [l.id, l]))

  // 0. Images first: a layer may refer to them as soon as it is added.
  if (images || applied.images) {
    const prevImages = applied.images ?? {}
    const nextImages = images ?? {}
    for (const [id, img] of Object.entries(prevImages)) {
      if (nextImages[id] !== img && map.hasImage(id)) map.removeImage(id)
    }
    for (const [id, img] of Object.entries(nextImages)) {
      if (prevImages[id] !== img || !map.hasImage(id)) {
        if (map.hasImage(id)) map.removeImage(id)
        map.addImage(id, img.image, { pixelRatio: img.pixelRatio ?? 1 })
      }
    }
    applied.images = { ...nextImages }
  }

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

/** Sets the declared feature-state (sources not on the map yet are skipped). */
export function applyFeatureStates(map: MapLibreMap, specs: readonly FeatureStateSpec[]): void {
  for (const spec of specs) {
    if (!map.getSource(spec.source)) continue
    for (const { id, state } of spec.states) {
      const f: FeatureIdentifier = { source: spec.source, id, ...(spec.sourceLayer ? { sourceLayer: spec.sourceLayer } : {}) }
      map.setFeatureState(f, state)
    }
  }
}

const eventKey = (e: MapEventSpec) => `${e.type}\u0000${e.layer ?? ''}`

export function useMapLayers(map: MapLibreMap | null, sources: SourceSpecs, layers: readonly LayerSpecification[], options: MapLayerOptions = {}): void {
  const applied = useRef<Applied & { map: MapLibreMap | null }>({ map: null, sources: {}, layers: new Map() })
  const { images, featureStates, events } = options

  useEffect(() => {
    if (!map) return
    // A new map instance starts from nothing.
    if (applied.current.map !== map) applied.current = { map, sources: {}, layers: new Map() }
    applyMapLayers(map, applied.current, sources, layers, images)
  }, [map, sources, layers, images])

  // Feature-state: set when declared, and again when its source's spec changes (a re-created
  // source forgets its states); specs and sources that did not change are not re-applied.
  const statesApplied = useRef(new Map<string, { spec: FeatureStateSpec; source: SourceSpecification; map: MapLibreMap }>())
  useEffect(() => {
    if (!map || !featureStates) return
    const todo = featureStates.filter((spec) => {
      const last = statesApplied.current.get(spec.source)
      return !last || last.spec !== spec || last.source !== sources[spec.source] || last.map !== map
    })
    applyFeatureStates(map, todo)
    for (const spec of todo) if (map.getSource(spec.source)) statesApplied.current.set(spec.source, { spec, source: sources[spec.source]!, map })
  }, [map, featureStates, sources])

  // Event handlers: registered per (event, layer) pair, calling the latest handler.
  const handlers = useRef(events ?? [])
  handlers.current = events ?? []
  const keys = (events ?? []).map(eventKey).join('\u0001')
  useEffect(() => {
    if (!map || !keys) return
    const registered = handlers.current.map((spec, i) => {
      const listener = (e: MapLayerMouseEvent | MapMouseEvent) => handlers.current[i]?.handler(e)
      if (spec.layer) map.on(spec.type, spec.layer, listener)
      else map.on(spec.type as 'click', listener)
      return { spec, listener }
    })
    return () => {
      for (const { spec, listener } of registered) {
        if (spec.layer) map.off(spec.type, spec.layer, listener)
        else map.off(spec.type as 'click', listener)
      }
    }
  }, [map, keys])
}
