/**
 * Layers as data: applyMapLayers (behind useMapLayers) turns a change of declared sources/layers
 * into the smallest set of map calls. Checked against a fake map that records the calls
 * (no browser needed), and the layer specs against the style spec validator.
 */
import { describe, expect, it } from 'vitest'
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec'
import type { LayerSpecification, MapLibreMap, SourceSpecification } from 'maplibre-gl'
import { applyMapLayers, type SourceSpecs } from '../../client/map/useMapLayers.ts'
import { HATCH, PLANNER_IMAGES, PLANNER_LAYERS, plannerSources } from '../../client/features/planner/plannerLayers.ts'
import { PROBLEM_CLUSTER_SOURCE, PROBLEM_LAYERS, PROBLEM_TILE_SOURCE_LAYER, PROBLEM_TILE_THRESHOLD, problemSource, problemTileSource } from '../../client/features/problems/mapLayers.ts'
import { PROBLEM_TILE_LAYER, PROBLEM_TILE_MAX_ZOOM } from '../../server/services/problemTiles.ts'
import { baseStyle, COLOUR_MODES, departmentColours, HATCH_IMAGE, hatchImage, LAYER, mapLayers, mapSources, SRC, type LayerState } from '../../client/map/layers.ts'

function fakeMap() {
  const calls: string[] = []
  const sources = new Map<string, SourceSpecification & { setData?: (d: unknown) => void }>()
  let order: string[] = []
  const layers = new Map<string, LayerSpecification>()
  const images = new Set<string>()
  const map = {
    addSource(id: string, spec: SourceSpecification) {
      calls.push(`addSource ${id}`)
      sources.set(id, { ...spec, setData: () => calls.push(`setData ${id}`) })
    },
    getSource: (id: string) => sources.get(id),
    removeSource(id: string) { calls.push(`removeSource ${id}`); sources.delete(id) },
    addLayer(spec: LayerSpecification) { calls.push(`addLayer ${spec.id}`); layers.set(spec.id, spec); order.push(spec.id) },
    getLayer: (id: string) => layers.get(id),
    removeLayer(id: string) { calls.push(`removeLayer ${id}`); layers.delete(id); order = order.filter((x) => x !== id) },
    setPaintProperty: (id: string, k: string, v: unknown) => calls.push(`paint ${id} ${k} ${JSON.stringify(v)}`),
    setLayoutProperty: (id: string, k: string, v: unknown) => calls.push(`layout ${id} ${k} ${JSON.stringify(v)}`),
    setFilter: (id: string, f: unknown) => calls.push(`filter ${id} ${JSON.stringify(f)}`),
    setLayerZoomRange: (id: string, a: number, b: number) => calls.push(`zoom ${id} ${a}-${b}`),
    getLayersOrder: () => [...order],
    moveLayer(id: string) { calls.push(`move ${id}`); order = [...order.filter((x) => x !== id), id] },
    hasImage: (id: string) => images.has(id),
    addImage(id: string) { calls.push(`addImage ${id}`); images.add(id) },
    removeImage(id: string) { calls.push(`removeImage ${id}`); images.delete(id) },
  }
  return { map: map as unknown as MapLibreMap, calls, order: () => order }
}

const fc = (n: number) => ({ type: 'FeatureCollection', features: Array.from({ length: n }, () => ({})) }) as never

const state: LayerState = {
  level: 'community', colourMode: 'status', selectedId: null, showProblems: true, showSites: true, basemap: false,
  departmentColours: departmentColours([3, 1, 2]),
}

describe('applyMapLayers', () => {
  it('adds everything once, then changes only what changed', () => {
    const { map, calls, order } = fakeMap()
    const applied = { sources: {} as SourceSpecs, layers: new Map<string, LayerSpecification>() }
    const sources = mapSources({ grids: fc(2) })
    const layers = mapLayers(state)
    applyMapLayers(map, applied, sources, layers)
    expect(calls.filter((c) => c.startsWith('addSource'))).toHaveLength(5) // grids, grid-labels (the names' points), streets, problems, sites
    expect(order()).toEqual(layers.map((l) => l.id))

    // same specs again: nothing to do
    calls.length = 0
    applyMapLayers(map, applied, sources, mapLayers(state))
    expect(calls).toEqual([])

    // select a grid and hide the problems: a filter and a layout property, no re-adding
    calls.length = 0
    applyMapLayers(map, applied, sources, mapLayers({ ...state, selectedId: 7, showProblems: false }))
    expect(calls).toEqual([
      `filter ${LAYER.gridSelected} ${JSON.stringify(['==', ['id'], 7])}`,
      `layout ${LAYER.problems} visibility "none"`,
    ])

    // new data for the grids: setData, nothing else
    calls.length = 0
    applyMapLayers(map, applied, { ...sources, [SRC.grids]: { type: 'geojson', data: fc(3) } }, mapLayers({ ...state, selectedId: 7, showProblems: false }))
    expect(calls).toEqual([`setData ${SRC.grids}`])
  })

  it('colour mode changes a paint property; a basemap adds a source and a layer underneath', () => {
    const { map, calls, order } = fakeMap()
    const applied = { sources: {} as SourceSpecs, layers: new Map<string, LayerSpecification>() }
    applyMapLayers(map, applied, mapSources({}), mapLayers(state))
    calls.length = 0
    applyMapLayers(map, applied, mapSources({}), mapLayers({ ...state, colourMode: 'department' }))
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatch(new RegExp(`^paint ${LAYER.gridFill} fill-color `))

    calls.length = 0
    const withBasemap = mapSources({ config: { basemapTiles: 'https://tiles.example/{z}/{x}/{y}.png', basemapAttribution: '© example', month: '2026-11' } })
    const layers = mapLayers({ ...state, basemap: true })
    applyMapLayers(map, applied, withBasemap, layers)
    expect(calls).toContain(`addSource ${SRC.basemap}`)
    expect(calls).toContain(`addLayer ${LAYER.basemap}`)
    expect(order()[0]).toBe(LAYER.basemap)
    expect(order()).toEqual(layers.map((l) => l.id))

    // and away again
    calls.length = 0
    applyMapLayers(map, applied, mapSources({}), mapLayers(state))
    expect(calls.slice(0, 2)).toEqual([`removeLayer ${LAYER.basemap}`, `removeSource ${SRC.basemap}`])
    expect(calls.slice(2).every((c) => c.startsWith(`paint ${LAYER.gridFill} fill-opacity`))).toBe(true) // grids are more opaque without a basemap
  })

  it('declared images are added once, before the layers that use them, and removed when no longer declared', () => {
    const { map, calls } = fakeMap()
    const applied = { sources: {} as SourceSpecs, layers: new Map<string, LayerSpecification>() }
    const images = { [HATCH_IMAGE]: { image: hatchImage(), pixelRatio: 2 } }
    applyMapLayers(map, applied, mapSources({}), mapLayers(state), images)
    expect(calls.filter((c) => c.startsWith('addImage'))).toEqual([`addImage ${HATCH_IMAGE}`])
    expect(calls.indexOf(`addImage ${HATCH_IMAGE}`)).toBeLessThan(calls.indexOf(`addLayer ${LAYER.gridHatch}`))
    calls.length = 0
    applyMapLayers(map, applied, mapSources({}), mapLayers(state), images)
    expect(calls).toEqual([])
    applyMapLayers(map, applied, mapSources({}), mapLayers(state), {})
    expect(calls).toEqual([`removeImage ${HATCH_IMAGE}`])
  })

  it('every combination of state is a valid MapLibre style', () => {
    for (const level of ['street', 'community'] as const) {
      for (const colourMode of COLOUR_MODES) {
        for (const basemap of [false, true]) {
          const style = baseStyle()
          const sources = mapSources({ config: basemap ? { basemapTiles: 'https://t.example/{z}/{x}/{y}.png', basemapAttribution: null, month: '2026-11' } : undefined })
          style.sources = sources
          style.layers.push(...mapLayers({ ...state, level, colourMode, basemap, selectedId: 5 }))
          expect(validateStyleMin(style).map((e) => e.message)).toEqual([])
        }
      }
    }
  })

  it('the planner map\'s declared layers and sources are a valid MapLibre style', () => {
    const grid = { key: '1', id: 1, numId: 1, code: 'c', name: 'n', level: 'community' as const, parentKey: null, geometry: { type: 'Polygon' as const, coordinates: [[[107, 34], [107.01, 34], [107.01, 34.01], [107, 34]]] } }
    const style = baseStyle()
    style.sources = plannerSources({ state: { grids: [grid], retire: [] }, selected: '1', changedKeys: new Set(['1']), issues: [], preview: null })
    style.layers.push(...PLANNER_LAYERS)
    expect(validateStyleMin(style).map((e) => e.message)).toEqual([])
    // every layer's source is declared, and the hatch pattern is among the declared images
    for (const l of PLANNER_LAYERS) expect(Object.keys(style.sources)).toContain((l as { source: string }).source)
    expect(Object.keys(PLANNER_IMAGES)).toEqual([HATCH])
  })

  it('problems from the server\'s cluster tiles: every mode draws from the vector source, the plain points stay hidden, and the style is valid', () => {
    const info = { version: 'abc123', tileMaxZoom: PROBLEM_TILE_MAX_ZOOM }
    const tiles = problemTileSource('http://127.0.0.1:1', info)
    expect(tiles).toMatchObject({ type: 'vector', maxzoom: PROBLEM_TILE_MAX_ZOOM, tiles: ['http://127.0.0.1:1/tiles/problems/{z}/{x}/{y}.pbf?v=abc123'] })
    expect(PROBLEM_TILE_SOURCE_LAYER).toBe(PROBLEM_TILE_LAYER) // the client reads the layer the server writes
    for (const problemMode of [undefined, 'clusters', 'heatmap'] as const) {
      const style = baseStyle()
      style.sources = mapSources({ problemTiles: tiles, clusterProblems: problemMode === 'clusters' })
      const layers = mapLayers({ ...state, problemMode, problemTiles: true })
      style.layers.push(...layers)
      expect(validateStyleMin(style).map((e) => e.message)).toEqual([])
      expect(style.sources[PROBLEM_CLUSTER_SOURCE]).toBe(tiles)
      const plain = layers.find((l) => l.id === LAYER.problems)!
      expect(plain.layout).toMatchObject({ visibility: 'none' })
      const drawn = layers.filter((l) => 'source' in l && l.source === PROBLEM_CLUSTER_SOURCE)
      expect(drawn.map((l) => l.id)).toEqual(problemMode === 'heatmap' ? [PROBLEM_LAYERS.heat] : [PROBLEM_LAYERS.clusters, PROBLEM_LAYERS.clusterCount, PROBLEM_LAYERS.points])
      for (const l of drawn) expect(l).toMatchObject({ 'source-layer': PROBLEM_TILE_SOURCE_LAYER, layout: { visibility: 'visible' } })
    }
    // hidden problems hide the tile layers too
    for (const l of mapLayers({ ...state, showProblems: false, problemTiles: true }).filter((x) => 'source' in x && x.source === PROBLEM_CLUSTER_SOURCE)) expect(l.layout).toMatchObject({ visibility: 'none' })
  })

  it('a district keeps problem.map\'s points; a city above the threshold gets tiles; the URL can force either', () => {
    expect(problemSource(undefined, null)).toBeNull()
    expect(problemSource({ count: 120 }, null)).toBe('geojson')
    expect(problemSource({ count: PROBLEM_TILE_THRESHOLD }, null)).toBe('geojson')
    expect(problemSource({ count: PROBLEM_TILE_THRESHOLD + 1 }, null)).toBe('tiles')
    expect(problemSource({ count: 120 }, 'tiles')).toBe('tiles')
    expect(problemSource(undefined, 'geojson')).toBe('geojson')
    // the demo's look: plain points on the GeoJSON source, no tile source declared
    const sources = mapSources({ problems: fc(3) })
    expect(sources[PROBLEM_CLUSTER_SOURCE]).toBeUndefined()
    expect(mapLayers(state).find((l) => l.id === LAYER.problems)).toMatchObject({ source: SRC.problems, layout: { visibility: 'visible' } })
  })
})
