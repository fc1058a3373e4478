/**
 * Demo city generator for GridDuty (网格责任地图).
 *
 * Builds a fictional district (county code 610399) around 107.1 E, 34.36 N:
 * street grids (街道) tiled by community grids (社区) with exactly shared,
 * realistically wiggly borders, plus departments, holders (包抓), problem
 * categories, evaluation sites (测评点位), problems, inspections and demo
 * users. Fully deterministic: `npx tsx data/generate.ts` rewrites
 * `data/demo/*` byte for byte.
 *
 * Geometry recipe: Poisson-disk seeds -> one Lloyd step -> Voronoi
 * (d3-delaunay) -> keep cells whose seed lies in an irregular district shape
 * -> snap Voronoi vertices into a shared vertex table -> densify every edge
 * with jittered points keyed by its (sorted, rounded) endpoints, so both
 * neighbours get the very same border -> streets grown over the community
 * adjacency graph -> street and district outlines built topologically
 * (edges used twice cancel out), reusing the community vertices exactly.
 */
import { Delaunay } from 'd3-delaunay';
import { featureCollection, polygon as turfPolygon, union as turfUnion } from '@turf/turf';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mulberry32 } from '../server/domain/random.ts';

// ---------------------------------------------------------------------------
// Basics
// ---------------------------------------------------------------------------

type XY = [number, number];
type LngLat = [number, number];
type Rand = () => number;

const BASE_SEED = 20260301;
const CENTER_LNG = 107.1;
const CENTER_LAT = 34.36;
const M_PER_DEG_LAT = 110_950;
const M_PER_DEG_LNG = 111_320 * Math.cos((CENTER_LAT * Math.PI) / 180);
const COUNTY_CODE = '610399';
/**
 * Districts (区县) grouping the streets, in street order: the first `streets` streets of the order
 * go to the first district, and so on. County codes look like GB/T 2260 codes (6103xx, 宝鸡);
 * street codes restart at 001 inside each district.
 */
const DISTRICTS = [
  { code: COUNTY_CODE, name: '高新区', streets: 4 },
  { code: '610398', name: '渭河新区', streets: 3 },
] as const;

/** Half extents of the district shape (metres): about 12 km x 9 km. */
const SHAPE_RX = 6_300;
const SHAPE_RY = 3_800;
/** Seed box (metres), well beyond the shape so kept cells are never clipped. */
const BOX_HALF_W = 9_500;
const BOX_HALF_H = 8_000;

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

function toLngLat(p: XY): LngLat {
  return [round6(CENTER_LNG + p[0] / M_PER_DEG_LNG), round6(CENTER_LAT + p[1] / M_PER_DEG_LAT)];
}

function toXY(p: LngLat): XY {
  return [(p[0] - CENTER_LNG) * M_PER_DEG_LNG, (p[1] - CENTER_LAT) * M_PER_DEG_LAT];
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function get<T>(arr: readonly T[], i: number): T {
  const v = arr[i];
  if (v === undefined) throw new Error(`index ${i} out of range (${arr.length})`);
  return v;
}

function pick<T>(rand: Rand, arr: readonly T[]): T {
  return get(arr, Math.floor(rand() * arr.length));
}

function randInt(rand: Rand, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

function gauss(rand: Rand): number {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function shuffle<T>(rand: Rand, arr: T[]): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
  return arr;
}

function signedArea(ring: readonly (readonly [number, number])[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const p = ring[i]!;
    const q = ring[j]!;
    a += (q[0] - p[0]) * (q[1] + p[1]);
  }
  return a / 2; // positive = counter-clockwise (y up)
}

function polygonCentroid(ring: readonly XY[]): XY {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const p = ring[j]!;
    const q = ring[i]!;
    const f = p[0] * q[1] - q[0] * p[1];
    a += f;
    cx += (p[0] + q[0]) * f;
    cy += (p[1] + q[1]) * f;
  }
  return [cx / (3 * a), cy / (3 * a)];
}

// ---------------------------------------------------------------------------
// Segment geometry (validation and point tests, on the final rounded rings)
// ---------------------------------------------------------------------------

function orient(a: LngLat, b: LngLat, c: LngLat): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(a: LngLat, b: LngLat, p: LngLat): boolean {
  return (
    Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) &&
    Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1])
  );
}

function segmentsTouch(a: LngLat, b: LngLat, c: LngLat, d: LngLat): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  if (o1 === 0 && onSegment(a, b, c)) return true;
  if (o2 === 0 && onSegment(a, b, d)) return true;
  if (o3 === 0 && onSegment(c, d, a)) return true;
  if (o4 === 0 && onSegment(c, d, b)) return true;
  return false;
}

/** A closed ring (first == last) is simple: no repeated points, no crossings. */
function ringIsSimple(ring: readonly LngLat[]): boolean {
  const n = ring.length - 1;
  if (n < 3) return false;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const k = `${ring[i]![0]},${ring[i]![1]}`;
    if (seen.has(k)) return false;
    seen.add(k);
  }
  for (let i = 0; i < n; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    for (let j = i + 1; j < n; j++) {
      const c = ring[j]!;
      const d = ring[j + 1]!;
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) {
        // Adjacent segments share one endpoint; they must not fold back.
        const shared = j === i + 1 ? b : a;
        const other1 = j === i + 1 ? a : b;
        const other2 = j === i + 1 ? d : c;
        if (orient(other1, shared, other2) === 0) {
          const dot = (other1[0] - shared[0]) * (other2[0] - shared[0]) + (other1[1] - shared[1]) * (other2[1] - shared[1]);
          if (dot > 0) return false;
        }
        continue;
      }
      if (segmentsTouch(a, b, c, d)) return false;
    }
  }
  return true;
}

function pointInRing(p: LngLat, ring: readonly LngLat[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a[1] > p[1] !== b[1] > p[1] && p[0] < ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0]) {
      inside = !inside;
    }
  }
  return inside;
}

/** Distance in metres from a point to a ring's boundary (local plane). */
function distanceToRing(p: LngLat, ring: readonly LngLat[]): number {
  const P = toXY(p);
  let best = Infinity;
  for (let i = 0; i + 1 < ring.length; i++) {
    const A = toXY(ring[i]!);
    const B = toXY(ring[i + 1]!);
    const dx = B[0] - A[0];
    const dy = B[1] - A[1];
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((P[0] - A[0]) * dx + (P[1] - A[1]) * dy) / len2));
    const d = Math.hypot(P[0] - (A[0] + t * dx), P[1] - (A[1] + t * dy));
    if (d < best) best = d;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Geometry: communities, streets, district
// ---------------------------------------------------------------------------

interface Topology {
  seed: number;
  /** Snapped Voronoi vertices (metres). */
  vertices: XY[];
  /** Community rings as vertex ids, counter-clockwise, not closed. */
  cells: number[][];
  centers: XY[];
  adjacency: number[][];
  /** street index per community */
  streetOf: number[];
  streetCount: number;
  /** Rings (vertex ids, CCW, not closed) of the street outlines and district. */
  streetRings: number[][];
  districtRing: number[];
}

function inDistrictShape(p: XY, shape: number[]): boolean {
  const [x, y] = p;
  const u = x / SHAPE_RX;
  const v = y / SHAPE_RY;
  const theta = Math.atan2(v, u);
  const r = Math.hypot(u, v);
  const [a1, p1, a2, p2, a3, p3] = shape as [number, number, number, number, number, number];
  const edge = 0.97 + a1 * Math.sin(2 * theta + p1) + a2 * Math.sin(3 * theta + p2) + a3 * Math.sin(5 * theta + p3);
  return r < edge;
}

function sampleSeeds(rand: Rand): XY[] {
  const pts: XY[] = [];
  const minDist = (p: XY): number => 530 + 720 * Math.min(1.3, Math.hypot(p[0] / SHAPE_RX, p[1] / SHAPE_RY));
  for (let tries = 0; tries < 9000; tries++) {
    const p: XY = [(rand() * 2 - 1) * BOX_HALF_W, (rand() * 2 - 1) * BOX_HALF_H];
    const r = minDist(p);
    let ok = true;
    for (const q of pts) {
      if (Math.hypot(p[0] - q[0], p[1] - q[1]) < r) {
        ok = false;
        break;
      }
    }
    if (ok) pts.push(p);
  }
  // One Lloyd step: more even cells, still irregular.
  const vor = Delaunay.from(pts).voronoi([-BOX_HALF_W, -BOX_HALF_H, BOX_HALF_W, BOX_HALF_H]);
  return pts.map((p, i) => {
    const poly = vor.cellPolygon(i);
    if (!poly) return p;
    const ring = poly.slice(0, -1).map((q) => [q[0], q[1]] as XY);
    const c = polygonCentroid(ring);
    return [(p[0] + 2 * c[0]) / 3, (p[1] + 2 * c[1]) / 3];
  });
}

/** Outline of a set of cells: directed edges whose reverse is absent, chained. Null if not one simple ring. */
function outline(cells: readonly number[][], members: readonly number[]): number[] | null {
  const directed = new Set<string>();
  const order: [number, number][] = [];
  for (const c of members) {
    const ring = get(cells, c);
    for (let i = 0; i < ring.length; i++) {
      const u = ring[i]!;
      const v = ring[(i + 1) % ring.length]!;
      directed.add(`${u}>${v}`);
      order.push([u, v]);
    }
  }
  const next = new Map<number, number>();
  for (const [u, v] of order) {
    if (directed.has(`${v}>${u}`)) continue;
    if (next.has(u)) return null; // pinch vertex
    next.set(u, v);
  }
  const first = order.find(([u, v]) => !directed.has(`${v}>${u}`));
  if (!first) return null;
  const ring: number[] = [first[0]];
  let cur = next.get(first[0]);
  while (cur !== undefined && cur !== first[0]) {
    ring.push(cur);
    if (ring.length > next.size) return null;
    cur = next.get(cur);
  }
  if (cur === undefined || ring.length !== next.size) return null; // holes or several pieces
  return ring;
}

function buildTopology(seed: number, streetCount: number): Topology | null {
  const rand = mulberry32(seed);
  const shape = [
    0.05 + rand() * 0.07, rand() * 6.283,
    0.04 + rand() * 0.06, rand() * 6.283,
    0.02 + rand() * 0.04, rand() * 6.283,
  ];
  const seeds = sampleSeeds(rand);
  const vor = Delaunay.from(seeds).voronoi([-BOX_HALF_W, -BOX_HALF_H, BOX_HALF_W, BOX_HALF_H]);

  // Snap Voronoi vertices into one table (merging those closer than 10 m).
  const vertices: XY[] = [];
  const buckets = new Map<string, number[]>();
  const SNAP = 10;
  const vertexId = (p: XY): number => {
    const bx = Math.floor(p[0] / SNAP);
    const by = Math.floor(p[1] / SNAP);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const id of buckets.get(`${bx + dx},${by + dy}`) ?? []) {
          const q = get(vertices, id);
          if (Math.hypot(q[0] - p[0], q[1] - p[1]) < SNAP) return id;
        }
      }
    }
    vertices.push([p[0], p[1]]);
    const key = `${bx},${by}`;
    const list = buckets.get(key) ?? [];
    list.push(vertices.length - 1);
    buckets.set(key, list);
    return vertices.length - 1;
  };

  const cells: number[][] = [];
  const centers: XY[] = [];
  for (let i = 0; i < seeds.length; i++) {
    const s = get(seeds, i);
    if (!inDistrictShape(s, shape)) continue;
    const poly = vor.cellPolygon(i);
    if (!poly) return null;
    const pts = poly.slice(0, -1).map((q) => [q[0], q[1]] as XY);
    if (pts.some((q) => Math.abs(q[0]) > BOX_HALF_W - 500 || Math.abs(q[1]) > BOX_HALF_H - 500)) return null;
    if (signedArea(pts) < 0) pts.reverse();
    const ids: number[] = [];
    for (const q of pts) {
      const id = vertexId(q);
      if (ids[ids.length - 1] !== id) ids.push(id);
    }
    while (ids.length > 1 && ids[0] === ids[ids.length - 1]) ids.pop();
    if (ids.length < 3) return null;
    cells.push(ids);
    centers.push(polygonCentroid(pts));
  }
  const n = cells.length;
  if (n < 44 || n > 58) return null;

  // Adjacency via shared (reversed) directed edges.
  const edgeOwner = new Map<string, number>();
  cells.forEach((ring, c) => {
    ring.forEach((u, i) => edgeOwner.set(`${u}>${ring[(i + 1) % ring.length]}`, c));
  });
  const adjacency: number[][] = cells.map(() => []);
  cells.forEach((ring, c) => {
    ring.forEach((u, i) => {
      const v = ring[(i + 1) % ring.length]!;
      const other = edgeOwner.get(`${v}>${u}`);
      if (other !== undefined && !get(adjacency, c).includes(other)) get(adjacency, c).push(other);
    });
  });

  const districtRing = outline(cells, cells.map((_, i) => i));
  if (!districtRing) return null;

  // Streets: k-means on community centres, then balanced contiguous growth.
  let means: XY[] = [];
  const firstIdx = Math.floor(rand() * n);
  means.push(get(centers, firstIdx));
  while (means.length < streetCount) {
    let best = 0;
    let bestD = -1;
    centers.forEach((c, i) => {
      const d = Math.min(...means.map((m) => Math.hypot(m[0] - c[0], m[1] - c[1])));
      if (d > bestD) {
        bestD = d;
        best = i;
      }
    });
    means.push(get(centers, best));
  }
  for (let iter = 0; iter < 25; iter++) {
    const sums = means.map(() => [0, 0, 0]);
    centers.forEach((c) => {
      let k = 0;
      let bd = Infinity;
      means.forEach((m, j) => {
        const d = Math.hypot(m[0] - c[0], m[1] - c[1]);
        if (d < bd) {
          bd = d;
          k = j;
        }
      });
      const s = get(sums, k);
      s[0]! += c[0];
      s[1]! += c[1];
      s[2]! += 1;
    });
    means = means.map((m, j) => {
      const s = get(sums, j);
      return s[2]! > 0 ? [s[0]! / s[2]!, s[1]! / s[2]!] : m;
    });
  }
  const streetOf: number[] = new Array<number>(n).fill(-1);
  const size: number[] = new Array<number>(streetCount).fill(0);
  const nearestCell = (m: XY): number => {
    let best = -1;
    let bd = Infinity;
    centers.forEach((c, i) => {
      const d = Math.hypot(m[0] - c[0], m[1] - c[1]);
      if (streetOf[i] === -1 && d < bd) {
        bd = d;
        best = i;
      }
    });
    return best;
  };
  means.forEach((m, s) => {
    const c = nearestCell(m);
    if (c < 0) return;
    streetOf[c] = s;
    size[s] = 1;
  });
  if (size.some((v) => v !== 1)) return null;
  for (let assigned = streetCount; assigned < n; assigned++) {
    const order = [...size.keys()].sort((a, b) => get(size, a) - get(size, b) || a - b);
    let done = false;
    for (const s of order) {
      let best = -1;
      let bd = Infinity;
      for (let c = 0; c < n; c++) {
        if (streetOf[c] !== s) continue;
        for (const nb of get(adjacency, c)) {
          if (streetOf[nb] !== -1) continue;
          const d = Math.hypot(get(centers, nb)[0] - get(means, s)[0], get(centers, nb)[1] - get(means, s)[1]);
          if (d < bd || (d === bd && nb < best)) {
            bd = d;
            best = nb;
          }
        }
      }
      if (best >= 0) {
        streetOf[best] = s;
        size[s] = get(size, s) + 1;
        done = true;
        break;
      }
    }
    if (!done) return null;
  }
  if (size.some((v) => v < 4 || v > 9)) return null;

  const streetRings: number[][] = [];
  for (let s = 0; s < streetCount; s++) {
    const members = streetOf.flatMap((v, i) => (v === s ? [i] : []));
    const ring = outline(cells, members);
    if (!ring) return null;
    streetRings.push(ring);
  }
  return { seed, vertices, cells, centers, adjacency, streetOf, streetCount, streetRings, districtRing };
}

/** Realised geometry: every ring in rounded lng/lat, closed, CCW. */
interface Geometry {
  topo: Topology;
  communityRings: LngLat[][];
  streetRingsLL: LngLat[][];
  districtRingLL: LngLat[];
}

function realise(topo: Topology): Geometry | null {
  const vLL = topo.vertices.map(toLngLat);
  const edgeCache = new Map<string, LngLat[]>();

  /** Intermediate points from vertex u to vertex v (exclusive), identical for both neighbours. */
  const edgePoints = (u: number, v: number): LngLat[] => {
    const ku = `${get(vLL, u)[0].toFixed(6)},${get(vLL, u)[1].toFixed(6)}`;
    const kv = `${get(vLL, v)[0].toFixed(6)},${get(vLL, v)[1].toFixed(6)}`;
    const forward = ku < kv;
    const key = forward ? `${ku}|${kv}` : `${kv}|${ku}`;
    let pts = edgeCache.get(key);
    if (!pts) {
      const a = get(topo.vertices, forward ? u : v);
      const b = get(topo.vertices, forward ? v : u);
      const rand = mulberry32(fnv1a(key) ^ topo.seed);
      const dx = b[0] - a[0];
      const dy = b[1] - a[1];
      const len = Math.hypot(dx, dy);
      const count = Math.min(14, Math.floor(len / 110));
      const c1 = (rand() * 2 - 1) * 0.05;
      const c2 = (rand() * 2 - 1) * 0.025;
      const c3 = (rand() * 2 - 1) * 0.012;
      const nx = -dy / len;
      const ny = dx / len;
      pts = [];
      for (let k = 1; k <= count; k++) {
        const t = (k + (rand() - 0.5) * 0.5) / (count + 1);
        const taper = Math.sin(Math.PI * t);
        const off =
          len * (c1 * taper + c2 * Math.sin(2 * Math.PI * t) + c3 * Math.sin(3 * Math.PI * t)) +
          Math.min(12, len * 0.01) * (rand() * 2 - 1) * taper;
        pts.push(toLngLat([a[0] + dx * t + nx * off, a[1] + dy * t + ny * off]));
      }
      edgeCache.set(key, pts);
    }
    return forward ? pts : [...pts].reverse();
  };

  const ringLL = (ids: readonly number[]): LngLat[] | null => {
    const out: LngLat[] = [];
    ids.forEach((u, i) => {
      const v = ids[(i + 1) % ids.length]!;
      out.push(get(vLL, u), ...edgePoints(u, v));
    });
    const dedup: LngLat[] = [];
    for (const p of out) {
      const last = dedup[dedup.length - 1];
      if (!last || last[0] !== p[0] || last[1] !== p[1]) dedup.push(p);
    }
    dedup.push(get(dedup, 0));
    if (signedArea(dedup) <= 0) return null;
    if (!ringIsSimple(dedup)) return null;
    return dedup;
  };

  const communityRings: LngLat[][] = [];
  for (const cell of topo.cells) {
    const r = ringLL(cell);
    if (!r) return null;
    communityRings.push(r);
  }
  const streetRingsLL: LngLat[][] = [];
  for (const sr of topo.streetRings) {
    const r = ringLL(sr);
    if (!r) return null;
    streetRingsLL.push(r);
  }
  const districtRingLL = ringLL(topo.districtRing);
  if (!districtRingLL) return null;
  return { topo, communityRings, streetRingsLL, districtRingLL };
}

export function buildGeometry(streetCount: number): Geometry {
  for (let attempt = 0; attempt < 500; attempt++) {
    const topo = buildTopology(BASE_SEED + attempt * 7919, streetCount);
    if (!topo) continue;
    const geo = realise(topo);
    if (geo) return geo;
  }
  throw new Error('no valid district geometry found');
}

// ---------------------------------------------------------------------------
// Names and reference data
// ---------------------------------------------------------------------------

const STREET_NAMES = ['高新街道', '渭滨街道', '金陵街道', '清姜街道', '姜谭街道', '桥南街道', '马营街道', '神农街道', '石鼓街道'];

const GAOXIN_FIXED = ['均家滩社区', '北面滩社区', '南面滩社区'];

const COMMUNITY_NAMES = [
  '高新一路社区', '科技新城社区', '滨河南路社区', '公园路社区', '石油社区', '东岭社区', '西关社区', '经二路社区',
  '宝钛社区', '红旗路社区', '火炬路社区', '清姜路社区', '益门社区', '茵香河社区', '姜城堡社区', '引渭路社区',
  '宝光社区', '长乐塬社区', '烽火社区', '营门口社区', '旭光社区', '星光社区', '机床厂社区', '峪泉社区',
  '龙山社区', '英达社区', '滨河社区', '新建路社区', '槐树社区', '文化路社区', '建国路社区', '胜利社区',
  '和平社区', '团结社区', '光明社区', '友谊社区', '秦岭社区', '凤鸣社区', '渭河社区', '金台观社区',
  '大庆路社区', '高家村社区', '东风路社区', '玉涧堡社区', '塔稍社区', '蟠龙社区', '陈仓园社区', '天王社区',
  '新福社区', '植物园社区', '河堤路社区', '谭家村社区', '马营东社区', '清水社区', '铁新社区', '西岭社区',
  '南坡社区', '金河社区', '紫藤社区', '桥南新村社区',
];

const ROADS = [
  '高新大道', '滨河南路', '渭滨大道', '经二路', '清姜路', '宝光路', '红旗路', '火炬路', '姜谭路', '马营路',
  '金陵路', '公园路', '东风路', '建设路', '文化路', '石鼓路', '引渭路', '烽火路', '神农路', '益门路',
];

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙段雷钱汤尹黎易常武乔贺赖龚文';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏辉建文斌宇浩凯健俊帆旭宁龙林欣雪琳晨博思佳嘉怡婷雯倩晶海波峰鑫昊瑞蕾颖振国庆卫东志新荣兵亮成立锋春梅兰';

class NameMaker {
  private readonly used = new Set<string>();
  constructor(private readonly rand: Rand) {}
  person(): string {
    for (;;) {
      const s = SURNAMES.charAt(Math.floor(this.rand() * SURNAMES.length));
      const g1 = GIVEN.charAt(Math.floor(this.rand() * GIVEN.length));
      const g2 = this.rand() < 0.6 ? GIVEN.charAt(Math.floor(this.rand() * GIVEN.length)) : '';
      const name = s + g1 + g2;
      if (g1 !== g2 && !this.used.has(name)) {
        this.used.add(name);
        return name;
      }
    }
  }
}

class PhoneMaker {
  private readonly used = new Set<string>();
  constructor(private readonly rand: Rand) {}
  next(): string {
    for (;;) {
      const p = `0917-${randInt(this.rand, 2, 3)}${String(randInt(this.rand, 0, 999_999)).padStart(6, '0')}`;
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
  }
}

interface DepartmentDef {
  name: string;
  shortName: string;
  login: string;
  cadreTitle: string;
  holdsGrids: boolean;
}

const DEPARTMENTS: DepartmentDef[] = [
  { name: '市人防办', shortName: '人防办', login: 'rfb', cadreTitle: '副主任', holdsGrids: true },
  { name: '市城管局', shortName: '城管局', login: 'cgj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市交通运输局', shortName: '交通运输局', login: 'jtj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市生态环境局', shortName: '生态环境局', login: 'sthjj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市市场监管局', shortName: '市场监管局', login: 'scjgj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市住建局', shortName: '住建局', login: 'zjj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市水利局', shortName: '水利局', login: 'slj', cadreTitle: '调研员', holdsGrids: true },
  { name: '市民政局', shortName: '民政局', login: 'mzj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市卫健委', shortName: '卫健委', login: 'wjw', cadreTitle: '副主任', holdsGrids: true },
  { name: '市教育局', shortName: '教育局', login: 'jyj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市文旅局', shortName: '文旅局', login: 'wlj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市公安局交警支队', shortName: '交警支队', login: 'jjzd', cadreTitle: '副支队长', holdsGrids: true },
  { name: '市自然资源局', shortName: '自然资源局', login: 'zrzyj', cadreTitle: '调研员', holdsGrids: true },
  { name: '市商务局', shortName: '商务局', login: 'swj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市司法局', shortName: '司法局', login: 'sfj', cadreTitle: '副局长', holdsGrids: true },
  { name: '市财政局', shortName: '财政局', login: 'czj', cadreTitle: '调研员', holdsGrids: true },
  { name: '市文明办', shortName: '文明办', login: 'wmb', cadreTitle: '副主任', holdsGrids: false },
];

interface CategoryDef {
  code: string;
  name: string;
  group: string;
  kind: '部件' | '事件';
  deadlineDays: number;
  templates: string[];
}

const CATEGORIES: CategoryDef[] = [
  { code: 'LJ01', name: '暴露垃圾', group: '全域无垃圾', kind: '事件', deadlineDays: 2, templates: [
    '{p}绿化带内积存生活垃圾约{n}袋，未及时清运', '{p}散落塑料袋、外卖餐盒等垃圾，地面脏污', '{p}垃圾桶满溢，周边散落垃圾', '{p}烟头、纸屑积存，保洁不到位', '{p}树坑内堆积落叶和垃圾，有异味'] },
  { code: 'LJ02', name: '垃圾箱（桶）破损', group: '全域无垃圾', kind: '部件', deadlineDays: 5, templates: [
    '{p}垃圾桶桶盖缺失，桶身破损', '{p}分类垃圾桶标识脱落，{n}个桶混投混放', '{p}果皮箱锈蚀破损，需更换', '{p}垃圾收集点围挡破损，污水外渗'] },
  { code: 'LJ03', name: '建筑垃圾乱倒', group: '全域无垃圾', kind: '事件', deadlineDays: 5, templates: [
    '{p}空地倾倒建筑垃圾约{n}方，未覆盖', '{p}装修垃圾堆放在楼道口，影响通行', '{p}渣土车沿路抛洒，路面污染约{n}0米'] },
  { code: 'XX01', name: '乱堆乱放', group: '背街小巷与社区环境', kind: '事件', deadlineDays: 3, templates: [
    '{p}堆放废旧家具、纸箱等杂物', '{p}私搭简易棚架，堆放杂物', '{p}居民占用公共绿地种菜、晾晒', '{p}废品收购点占道堆放，气味较大'] },
  { code: 'XX02', name: '小广告乱贴乱画', group: '背街小巷与社区环境', kind: '事件', deadlineDays: 3, templates: [
    '{p}墙面、电线杆张贴小广告{n}处', '{p}墙面乱涂乱画，喷涂办证电话', '{p}公益广告牌被小广告覆盖', '{p}配电箱表面张贴开锁、通下水道广告'] },
  { code: 'LM01', name: '路面破损', group: '背街小巷路面破损', kind: '部件', deadlineDays: 15, templates: [
    '{p}路面坑洼破损约{n}平方米，雨后积水', '{p}窨井盖松动，周边路面塌陷', '{p}人行道地砖松动缺失{n}块', '{p}巷道路面开挖后未恢复，坑槽裸露'] },
  { code: 'JT01', name: '机动车乱停乱放', group: '交通秩序', kind: '事件', deadlineDays: 2, templates: [
    '{p}机动车占用人行道停放{n}辆', '{p}车辆占用消防通道停放', '{p}出租车、网约车违停揽客', '{p}接送车辆双排停放，造成拥堵'] },
  { code: 'JT02', name: '非机动车乱停放', group: '交通秩序', kind: '事件', deadlineDays: 2, templates: [
    '{p}共享单车堆积{n}0余辆，阻塞盲道', '{p}电动自行车乱停乱放，占用人行道', '{p}非机动车停放区线外停放严重'] },
  { code: 'JT03', name: '交通设施缺损', group: '交通秩序', kind: '部件', deadlineDays: 10, templates: [
    '{p}斑马线标线磨损模糊', '{p}交通指示牌被树枝遮挡', '{p}隔离护栏缺失{n}节', '{p}信号灯倒计时显示故障'] },
  { code: 'WM01', name: '交通陋习', group: '文明交通', kind: '事件', deadlineDays: 7, templates: [
    '{p}行人闯红灯现象突出，缺少文明劝导', '{p}电动车骑行不戴头盔、逆行较多', '{p}机动车不礼让斑马线', '{p}早高峰行人翻越护栏横穿马路'] },
  { code: 'KQ01', name: '扬尘污染', group: '空气质量', kind: '事件', deadlineDays: 3, templates: [
    '{p}建筑工地裸土未覆盖，扬尘明显', '{p}工地出口未冲洗车辆，带泥上路', '{p}道路清扫未洒水，扬尘较大'] },
  { code: 'KQ02', name: '露天焚烧与烧烤', group: '空气质量', kind: '事件', deadlineDays: 1, templates: [
    '{p}有人露天焚烧落叶、垃圾', '{p}露天烧烤油烟扰民', '{p}商户在店外使用燃煤炉灶'] },
  { code: 'CK01', name: '窗口服务不规范', group: '窗口服务', kind: '事件', deadlineDays: 7, templates: [
    '{p}服务窗口无人值守，群众排队等候', '{p}办事指南、收费标准未公示', '{p}工作人员未佩戴工作牌，服务用语不规范', '{p}意见簿、监督电话未公示'] },
  { code: 'SX01', name: '诚信经营问题', group: '重点失信领域', kind: '事件', deadlineDays: 10, templates: [
    '{p}商户价格标签缺失，存在价格欺诈投诉', '{p}诚信经营承诺未公示', '{p}“红黑榜”公示栏内容未更新', '{p}电子秤未检定，群众反映缺斤短两'] },
  { code: 'NM01', name: '农贸市场环境卫生', group: '农贸市场', kind: '事件', deadlineDays: 3, templates: [
    '{p}地面湿滑、污水横流，排水沟堵塞', '{p}水产区异味明显，垃圾未日产日清', '{p}公共卫生间脏污，无人保洁', '{p}活禽区未隔离，卫生条件差', '{p}摊位“门前三包”责任牌缺失，垃圾桶满溢'] },
  { code: 'NM02', name: '市场占道经营', group: '农贸市场', kind: '事件', deadlineDays: 2, templates: [
    '{p}流动摊贩占道经营{n}处', '{p}商户出店经营，货物摆放超出门前线', '{p}早市散场后遗留菜叶、垃圾'] },
  { code: 'LX01', name: '老旧小区环境', group: '老旧小区', kind: '事件', deadlineDays: 5, templates: [
    '{p}楼道内堆放杂物，存在消防隐患', '{p}电动车飞线充电，存在安全隐患', '{p}垃圾分类设施不足，垃圾堆积', '{p}院内私搭乱建鸡舍、库房'] },
  { code: 'LX02', name: '老旧小区设施破损', group: '老旧小区', kind: '部件', deadlineDays: 15, templates: [
    '{p}单元门禁损坏，楼道灯不亮', '{p}健身器材损坏未维修', '{p}宣传栏破旧，内容过期', '{p}化粪池盖板破损，存在安全隐患'] },
  { code: 'HD01', name: '河道漂浮物', group: '河道', kind: '事件', deadlineDays: 3, templates: [
    '{p}河面漂浮垃圾、水草，未及时打捞', '{p}河堤护坡堆放生活垃圾', '{p}河滩有人倾倒装修垃圾'] },
  { code: 'HD02', name: '河道排口异常', group: '河道', kind: '事件', deadlineDays: 7, templates: [
    '{p}排污口有污水直排，水体发黑发臭', '{p}雨水口晴天排水，疑似雨污混接', '{p}河边洗车废水流入河道'] },
  { code: 'LP01', name: '立面破旧', group: '立面破旧', kind: '部件', deadlineDays: 20, templates: [
    '{p}沿街建筑外墙瓷砖脱落，立面破旧', '{p}门头招牌破损、字体缺失', '{p}防盗网锈蚀，外挂空调架破旧', '{p}沿街围墙墙皮脱落、污渍明显'] },
  { code: 'XL01', name: '空中线缆杂乱', group: '空中线缆', kind: '部件', deadlineDays: 20, templates: [
    '{p}通信线缆杂乱垂落，形成“蜘蛛网”', '{p}废弃线缆未拆除，悬挂高度不足', '{p}私拉电线跨越道路'] },
  { code: 'WZ01', name: '无障碍设施缺损', group: '无障碍设施', kind: '部件', deadlineDays: 10, templates: [
    '{p}盲道被占用、中断', '{p}无障碍坡道缺失，轮椅无法通行', '{p}无障碍卫生间被挪作他用', '{p}盲道砖破损松动{n}块'] },
];

type SiteType = '农贸市场' | '老旧小区' | '背街小巷' | '交通路口' | '学校' | '医院' | '公园广场' | '车站' | '河道' | '政务服务大厅';

/** Which categories show up around which kind of site. */
const SITE_CATEGORIES: Record<SiteType, string[]> = {
  农贸市场: ['NM01', 'NM02', 'LJ01', 'LJ02', 'SX01'],
  老旧小区: ['LX01', 'LX02', 'XL01', 'LP01', 'XX01'],
  背街小巷: ['XX01', 'XX02', 'LM01', 'LP01', 'XL01'],
  交通路口: ['JT01', 'JT02', 'JT03', 'WM01', 'WZ01'],
  学校: ['JT01', 'WM01', 'JT02', 'XX02'],
  医院: ['JT01', 'JT02', 'WZ01', 'CK01', 'LJ01'],
  公园广场: ['LJ01', 'LJ02', 'WZ01', 'XX02', 'KQ02'],
  车站: ['JT01', 'JT02', 'LJ01', 'CK01', 'SX01'],
  河道: ['HD01', 'HD02', 'LJ03'],
  政务服务大厅: ['CK01', 'WZ01', 'SX01'],
};

/** Categories that only make sense next to a site of this type. */
const SITE_BOUND: Record<string, SiteType> = {
  NM01: '农贸市场', NM02: '农贸市场', HD01: '河道', HD02: '河道', CK01: '政务服务大厅',
};

const SITE_PLAN: [SiteType, number][] = [
  ['农贸市场', 5], ['老旧小区', 7], ['背街小巷', 6], ['交通路口', 6], ['学校', 5],
  ['医院', 3], ['公园广场', 4], ['车站', 2], ['河道', 3], ['政务服务大厅', 3],
];

const THEMES: { offset: number; theme: string; findings: string[] }[] = [
  { offset: -2, theme: '公共场所吸烟与烟头', findings: [
    '围绕“公共场所吸烟与烟头”主题检查{c}，{place}烟头较多，已反馈社区组织清理并增设提示牌',
    '检查{c}{place}，发现室内禁烟标识缺失{n}处，已督促商户张贴',
    '{c}{place}有人吸烟，现场劝导，社区承诺加强巡查',
    '{c}整体情况良好，{place}禁烟提示到位，未发现明显问题',
    '检查{c}{place}，烟蒂收集设施不足，已建议增设{n}处',
  ] },
  { offset: -1, theme: '随地吐痰与乱扔垃圾', findings: [
    '围绕“随地吐痰与乱扔垃圾”主题检查{c}，{place}地面有痰迹和纸屑，已反馈保洁单位',
    '检查{c}{place}，垃圾桶满溢{n}处，已督促环卫当日清运',
    '{c}{place}乱扔垃圾现象较多，建议设置文明劝导岗',
    '{c}环境整洁，{place}宣传氛围浓厚，未发现明显问题',
    '检查{c}{place}，发现绿化带内白色垃圾，已交办社区整改',
  ] },
  { offset: 0, theme: '交通陋习', findings: [
    '围绕“交通陋习”主题检查{c}，{place}电动车不戴头盔{n}人次，已现场劝导',
    '检查{c}{place}，行人闯红灯较多，已联系交警增派劝导员',
    '{c}{place}机动车乱停放，已反馈社区和交警中队',
    '{c}交通秩序良好，{place}文明劝导岗在岗，未发现明显问题',
    '检查{c}{place}，非机动车停放混乱，已督促物业划线规范',
  ] },
];

const INSPECT_PLACES = ['主干道沿线', '农贸市场周边', '公交站台', '小区出入口', '广场', '学校门口', '背街小巷', '商业街'];
const DIRECTIONS = ['东门', '西门', '南门', '北门', '东侧', '西侧', '南侧', '北侧', '东北角', '西南角', '门口', '停车场旁'];
const SITE_SPOTS: Partial<Record<SiteType, string[]>> = {
  交通路口: ['东北角', '西南角', '东南角', '西北角', '人行横道处', '公交站台'],
  河道: ['北岸河堤', '南岸河堤', '桥下', '亲水平台', '排洪渠口'],
  背街小巷: ['巷口', '中段', '东头', '西头', '拐角处'],
  老旧小区: ['东门', '西门', '院内', '3号楼下', '车棚旁', '后院'],
};

// ---------------------------------------------------------------------------
// Output records
// ---------------------------------------------------------------------------

interface GridFeature {
  code: string;
  name: string;
  level: 'district' | 'street' | 'community';
  parentCode: string | null;
  ring: LngLat[];
}

interface HolderRecord {
  gridCode: string;
  department: string;
  cadreName: string;
  cadreTitle: string;
  contactName: string;
  contactPhone: string;
  validFrom: string;
  validTo: string | null;
}

interface SiteRecord {
  name: string;
  type: SiteType;
  lng: number;
  lat: number;
}

interface ProblemRecord {
  lng: number;
  lat: number;
  category: string;
  description: string;
  status: 'reported' | 'registered' | 'dispatched' | 'rectifying' | 'submitted' | 'closed' | 'voided';
  reporter: string;
  reportedDaysAgo: number;
  deadlineDaysAfterReport: number;
  closedDaysAgo: number | null;
}

interface InspectionRecord {
  gridCode: string;
  department: string;
  monthOffset: number;
  day: number;
  inspector: string;
  findings: string;
  onSite: boolean;
  offsetMeters: number;
}

// ---------------------------------------------------------------------------
// Serialisation
// ---------------------------------------------------------------------------

function geojsonText(features: GridFeature[]): string {
  const lines = ['{', '  "type": "FeatureCollection",', '  "features": ['];
  features.forEach((f, i) => {
    const props = JSON.stringify({ code: f.code, name: f.name, level: f.level, parentCode: f.parentCode });
    lines.push(
      '    {',
      '      "type": "Feature",',
      `      "properties": ${props},`,
      '      "geometry": {',
      '        "type": "Polygon",',
      '        "coordinates": [',
      `          ${JSON.stringify(f.ring)}`,
      '        ]',
      '      }',
      `    }${i < features.length - 1 ? ',' : ''}`,
    );
  });
  lines.push('  ]', '}', '');
  return lines.join('\n');
}

/** Arrays of flat records: one record per line, readable and diff-friendly. */
function recordsText(records: readonly object[]): string {
  if (records.length === 0) return '[]\n';
  return `[\n${records.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n]\n`;
}

// ---------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------

const STREET_COUNT = 7;

export function generateDemo(): Record<string, string> {
  const geo = buildGeometry(STREET_COUNT);
  const { topo } = geo;
  const rand = mulberry32(BASE_SEED ^ 0x5eed);
  const names = new NameMaker(rand);
  const phones = new PhoneMaker(rand);

  // --- Streets and communities: names and codes -------------------------
  const streetCentroid = topo.streetRings.map((ring) => polygonCentroid(ring.map((id) => get(topo.vertices, id))));
  // 高新街道 is the dense core: the street whose centroid is nearest the centre.
  const core = [...streetCentroid.keys()].sort(
    (a, b) => Math.hypot(...get(streetCentroid, a)) - Math.hypot(...get(streetCentroid, b)),
  )[0]!;
  const others = [...streetCentroid.keys()]
    .filter((s) => s !== core)
    .sort((a, b) => {
      const ca = get(streetCentroid, a);
      const cb = get(streetCentroid, b);
      return Math.atan2(cb[1], cb[0]) - Math.atan2(ca[1], ca[0]); // clockwise from the west
    });
  const streetOrder = [core, ...others];

  const features: GridFeature[] = [];
  const streetCode = new Map<number, string>();
  const streetName = new Map<number, string>();
  const districtOf = new Map<number, (typeof DISTRICTS)[number]>();
  let first = 0;
  for (const d of DISTRICTS) {
    for (const s of streetOrder.slice(first, first + d.streets)) districtOf.set(s, d);
    first += d.streets;
  }
  if (first !== streetOrder.length) throw new Error(`DISTRICTS hold ${first} streets, the city has ${streetOrder.length}`);
  streetOrder.forEach((s, k) => {
    const d = districtOf.get(s)!;
    const seq = streetOrder.filter((x) => districtOf.get(x) === d).indexOf(s) + 1;
    const code = `${d.code}${String(seq).padStart(3, '0')}000`;
    streetCode.set(s, code);
    streetName.set(s, get(STREET_NAMES, k));
  });

  interface Community { cell: number; code: string; name: string; street: number; ring: LngLat[]; center: XY }
  const communities: Community[] = [];
  let nameIdx = 0;
  for (const s of streetOrder) {
    const members = topo.streetOf.flatMap((v, i) => (v === s ? [i] : []));
    // Order members along a walk around the street centre (neighbours get neighbouring codes).
    const c0 = get(streetCentroid, s);
    members.sort((a, b) => {
      const pa = get(topo.centers, a);
      const pb = get(topo.centers, b);
      return Math.atan2(pb[1] - c0[1], pb[0] - c0[0]) - Math.atan2(pa[1] - c0[1], pa[0] - c0[0]);
    });
    const memberNames: string[] = [];
    if (s === core) {
      // 北面滩 to the north, 南面滩 to the south, 均家滩 the westernmost of the rest.
      const byY = [...members].sort((a, b) => get(topo.centers, b)[1] - get(topo.centers, a)[1]);
      const north = byY[0]!;
      const south = byY[byY.length - 1]!;
      const rest = members.filter((m) => m !== north && m !== south);
      const west = [...rest].sort((a, b) => get(topo.centers, a)[0] - get(topo.centers, b)[0])[0]!;
      const ordered = [west, north, south, ...members.filter((m) => m !== north && m !== south && m !== west)];
      members.splice(0, members.length, ...ordered);
      memberNames.push(...GAOXIN_FIXED);
    }
    while (memberNames.length < members.length) memberNames.push(get(COMMUNITY_NAMES, nameIdx++));
    members.forEach((cell, k) => {
      communities.push({
        cell,
        code: `${streetCode.get(s)!.slice(0, 9)}${String(k + 1).padStart(3, '0')}`,
        name: get(memberNames, k),
        street: s,
        ring: get(geo.communityRings, cell),
        center: get(topo.centers, cell),
      });
    });
  }
  for (const d of DISTRICTS) {
    // a district's outline is the union of its streets' (their shared borders are bit-identical)
    const members = streetOrder.filter((s) => districtOf.get(s) === d).map((s) => turfPolygon([get(geo.streetRingsLL, s)]));
    const merged = members.length === 1 ? members[0]! : turfUnion(featureCollection(members));
    if (!merged || merged.geometry.type !== 'Polygon' || merged.geometry.coordinates.length !== 1) throw new Error(`district ${d.name}: its streets do not form one polygon without holes`);
    features.push({ code: d.code, name: d.name, level: 'district', parentCode: null, ring: merged.geometry.coordinates[0] as LngLat[] });
  }
  for (const s of streetOrder) {
    features.push({ code: streetCode.get(s)!, name: streetName.get(s)!, level: 'street', parentCode: districtOf.get(s)!.code, ring: get(geo.streetRingsLL, s) });
  }
  for (const c of communities) {
    features.push({ code: c.code, name: c.name, level: 'community', parentCode: streetCode.get(c.street)!, ring: c.ring });
  }

  // --- Departments --------------------------------------------------------
  const departments = DEPARTMENTS.map((d) => ({ name: d.name, shortName: d.shortName, contactPerson: names.person(), phone: phones.next() }));
  const cadre = new Map(DEPARTMENTS.map((d) => [d.name, { name: names.person(), title: d.cadreTitle }]));
  const holding = DEPARTMENTS.filter((d) => d.holdsGrids).map((d) => d.name);

  // --- Holders ------------------------------------------------------------
  const holders: HolderRecord[] = [];
  const contactFor = new Map<string, { name: string; phone: string }>();
  const contact = (dept: string, street: number): { name: string; phone: string } => {
    const key = `${dept}|${street}`;
    let c = contactFor.get(key);
    if (!c) {
      c = { name: names.person(), phone: phones.next() };
      contactFor.set(key, c);
    }
    return c;
  };
  const hold = (gridCode: string, dept: string, street: number, validFrom: string, validTo: string | null): void => {
    const cd = cadre.get(dept)!;
    const ct = contact(dept, street);
    holders.push({ gridCode, department: dept, cadreName: cd.name, cadreTitle: cd.title, contactName: ct.name, contactPhone: ct.phone, validFrom, validTo });
  };

  // Two communities stay unheld: the last of the 3rd street and the last of the 6th.
  const unheld = new Set<string>();
  for (const k of [2, 5]) {
    const s = get(streetOrder, k);
    const list = communities.filter((c) => c.street === s);
    unheld.add(list[list.length - 1]!.code);
  }
  const currentHolder = new Map<string, string>();
  let deptCursor = 1; // 0 is 市人防办, placed by hand
  const nextDept = (): string => {
    const d = get(holding, deptCursor % holding.length);
    deptCursor++;
    return d === '市人防办' ? nextDept() : d;
  };
  streetOrder.forEach((s, k) => {
    const list = communities.filter((c) => c.street === s && !unheld.has(c.code));
    const chunks: Community[][] = [];
    if (k === 0) {
      chunks.push(list.slice(0, 3));
      const rest = list.slice(3);
      if (rest.length > 0) chunks.push(rest);
    } else {
      const parts = Math.max(1, Math.round(list.length / 3));
      for (let p = 0; p < parts; p++) {
        chunks.push(list.slice(Math.round((p * list.length) / parts), Math.round(((p + 1) * list.length) / parts)));
      }
    }
    chunks.forEach((chunk, ci) => {
      const dept = k === 0 && ci === 0 ? '市人防办' : nextDept();
      if (ci === 0) {
        hold(streetCode.get(s)!, dept, s, '2025-01-01', null);
        currentHolder.set(streetCode.get(s)!, dept);
      }
      for (const c of chunk) currentHolder.set(c.code, dept);
    });
  });
  // ~5 communities changed hands on 2026-03-01 (never 市人防办's three).
  const fixed = new Set(communities.filter((c) => GAOXIN_FIXED.includes(c.name)).map((c) => c.code));
  const heldCommunities = communities.filter((c) => currentHolder.has(c.code) && !fixed.has(c.code));
  const changed = new Set(shuffle(rand, [...heldCommunities]).slice(0, 5).map((c) => c.code));
  for (const c of communities) {
    const dept = currentHolder.get(c.code);
    if (!dept) continue;
    if (changed.has(c.code)) {
      const idx = holding.indexOf(dept);
      let earlier = get(holding, (idx + 3) % holding.length);
      if (earlier === '市人防办') earlier = get(holding, (idx + 4) % holding.length);
      hold(c.code, earlier, c.street, '2025-01-01', '2026-03-01');
      hold(c.code, dept, c.street, '2026-03-01', null);
    } else {
      hold(c.code, dept, c.street, '2025-01-01', null);
    }
  }
  // One of the two unheld communities lost its holder in the 2026-03-01 reshuffle.
  const lostHolder = communities.find((c) => c.code === [...unheld][0])!;
  hold(lostHolder.code, get(holding, 5), lostHolder.street, '2025-01-01', '2026-03-01');
  holders.sort((a, b) => (a.gridCode < b.gridCode ? -1 : a.gridCode > b.gridCode ? 1 : a.validFrom < b.validFrom ? -1 : 1));

  // --- Point placement ----------------------------------------------------
  const communityAt = (p: LngLat, margin: number): Community | null => {
    const hits = communities.filter((c) => pointInRing(p, c.ring));
    if (hits.length !== 1) return null;
    const c = hits[0]!;
    return distanceToRing(p, c.ring) >= margin ? c : null;
  };
  const districtBox = geo.districtRingLL.reduce<[number, number, number, number]>(
    (b, p) => [Math.min(b[0], p[0]), Math.min(b[1], p[1]), Math.max(b[2], p[0]), Math.max(b[3], p[1])],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
  const stem = (name: string): string => name.replace(/社区$/, '');

  // --- Sites --------------------------------------------------------------
  const sites: SiteRecord[] = [];
  const siteCommunity: Community[] = [];
  const siteNames = new Set<string>();
  const roadPairs = new Set<string>();
  const weightedCommunity = (): Community => {
    // Denser near the centre: pick by inverse distance.
    for (;;) {
      const c = pick(rand, communities);
      const d = Math.hypot(c.center[0], c.center[1]);
      if (rand() < 1.2 - d / 7000) return c;
    }
  };
  for (const [type, count] of SITE_PLAN) {
    let made = 0;
    let guard = 0;
    while (made < count) {
      if (++guard > 5000) throw new Error(`cannot place sites of type ${type}`);
      const c = weightedCommunity();
      const st = stem(c.name);
      let name: string;
      switch (type) {
        case '农贸市场': name = pick(rand, [`${st}农贸市场`, `${st}便民市场`, `${st}菜市场`]); break;
        case '老旧小区': name = pick(rand, [`${st}家属院`, `${st}小区`, `${st}${pick(rand, ['一', '二', '三'])}号院`, `${pick(rand, ['机械厂', '纺织厂', '印刷厂', '粮站', '电厂', '仪表厂'])}生活区`]); break;
        case '背街小巷': name = `${st}${pick(rand, ['东巷', '西巷', '后街', '南巷', '北巷', '中巷'])}`; break;
        case '交通路口': {
          const r1 = pick(rand, ROADS);
          const r2 = pick(rand, ROADS);
          const key = [r1, r2].sort().join('|');
          if (r1 === r2 || roadPairs.has(key)) continue;
          roadPairs.add(key);
          name = `${r1}与${r2}十字`;
          break;
        }
        case '学校': name = `${st}${pick(rand, ['小学', '中学', '幼儿园', '实验小学'])}`; break;
        case '医院': name = pick(rand, ['区人民医院', '区中医医院', '区妇幼保健院', `${st}社区卫生服务中心`]); break;
        case '公园广场': name = pick(rand, [`${st}公园`, `${st}广场`, '渭水之星广场', '文化艺术中心广场', '滨河公园']); break;
        case '车站': name = pick(rand, ['汽车客运站', '高铁站站前广场', `${st}公交枢纽站`]); break;
        case '河道':
          if (st.endsWith('河')) continue;
          name = `${pick(rand, ['清水河', '金陵河', '茵香河'])}（${st}段）`;
          break;
        case '政务服务大厅': name = pick(rand, ['区政务服务中心', `${streetName.get(c.street)!}便民服务中心`, '不动产登记服务大厅']); break;
      }
      if (siteNames.has(name)) continue;
      // A point well inside the chosen community.
      let placed: LngLat | null = null;
      for (let t = 0; t < 200 && !placed; t++) {
        const p = toLngLat([c.center[0] + gauss(rand) * 250, c.center[1] + gauss(rand) * 250]);
        if (communityAt(p, 60) === c) placed = p;
      }
      if (!placed) continue;
      siteNames.add(name);
      sites.push({ name, type, lng: placed[0], lat: placed[1] });
      siteCommunity.push(c);
      made++;
    }
  }

  // --- Problems -----------------------------------------------------------
  const PROBLEM_COUNT = 264;
  const catCodes = CATEGORIES.map((c) => c.code);
  const problemCats: string[] = [];
  for (const code of catCodes) for (let i = 0; i < 6; i++) problemCats.push(code);
  const busyWeights = CATEGORIES.map((c) => (['LJ01', 'JT01', 'JT02', 'XX01', 'XX02', 'NM01', 'WM01'].includes(c.code) ? 3 : 1));
  const totalW = busyWeights.reduce((a, b) => a + b, 0);
  while (problemCats.length < PROBLEM_COUNT) {
    let r = rand() * totalW;
    let k = 0;
    while (r >= get(busyWeights, k)) r -= get(busyWeights, k++);
    problemCats.push(get(catCodes, k));
  }
  shuffle(rand, problemCats);

  const statuses: ProblemRecord['status'][] = [];
  const statusPlan: [ProblemRecord['status'], number][] = [
    ['closed', 93], ['voided', 13], ['reported', 22], ['registered', 24], ['dispatched', 30], ['rectifying', 55], ['submitted', 27],
  ];
  for (const [s, n] of statusPlan) for (let i = 0; i < n; i++) statuses.push(s);
  if (statuses.length !== PROBLEM_COUNT) throw new Error('status plan does not add up');
  shuffle(rand, statuses);

  const reporterPool = Array.from({ length: 18 }, () => names.person());
  const descriptions = new Set<string>();
  const problems: ProblemRecord[] = [];
  const busyCentres: XY[] = [[0, 0], ...sites.filter((s) => s.type === '车站' || s.type === '农贸市场').map((s) => toXY([s.lng, s.lat]))];
  for (let i = 0; i < PROBLEM_COUNT; i++) {
    const code = get(problemCats, i);
    const cat = CATEGORIES.find((c) => c.code === code)!;
    const bound = SITE_BOUND[code];
    const related = sites.map((s, k) => k).filter((k) => (bound ? get(sites, k).type === bound : SITE_CATEGORIES[get(sites, k).type].includes(code)));
    const nearSite = related.length > 0 && (bound !== undefined || rand() < 0.35);
    let point: LngLat | null = null;
    let community: Community | null = null;
    let place = '';
    for (let t = 0; t < 400 && !point; t++) {
      let p: LngLat;
      let candidatePlace: string;
      if (nearSite) {
        const site = get(sites, pick(rand, related));
        const sp = toXY([site.lng, site.lat]);
        p = toLngLat([sp[0] + gauss(rand) * 170, sp[1] + gauss(rand) * 170]);
        candidatePlace = `${site.name}${pick(rand, SITE_SPOTS[site.type] ?? DIRECTIONS)}`;
      } else if (rand() < 0.5) {
        const bc = pick(rand, busyCentres);
        const sd = bc[0] === 0 && bc[1] === 0 ? 2600 : 600;
        p = toLngLat([bc[0] + gauss(rand) * sd, bc[1] + gauss(rand) * sd]);
        candidatePlace = '';
      } else {
        p = [round6(districtBox[0] + rand() * (districtBox[2] - districtBox[0])), round6(districtBox[1] + rand() * (districtBox[3] - districtBox[1]))];
        candidatePlace = '';
      }
      const c = communityAt(p, 25);
      if (!c) continue;
      if (!candidatePlace) {
        const st = stem(c.name);
        candidatePlace = pick(rand, [
          `${c.name}${randInt(rand, 1, 28)}号楼${pick(rand, ['东侧', '西侧', '南侧', '北侧', '楼下'])}`,
          `${pick(rand, ROADS)}（${st}段）${pick(rand, ['东侧', '西侧', '南侧', '北侧'])}人行道`,
          `${st}${pick(rand, ['东巷', '西巷', '后街', '南巷', '北巷'])}${randInt(rand, 1, 60)}号${pick(rand, ['门前', '附近', '对面'])}`,
          `${c.name}${pick(rand, ['活动中心', '党群服务中心', '健身广场', '停车场', '公交站'])}${pick(rand, ['旁', '门口', '北侧'])}`,
        ]);
      }
      point = p;
      community = c;
      place = candidatePlace;
    }
    if (!point || !community) throw new Error(`cannot place problem ${i} (${code})`);
    let description = '';
    for (let t = 0; t < 20; t++) {
      description = pick(rand, cat.templates).replace('{p}', place).replace('{n}', String(randInt(rand, 2, 12)));
      if (!descriptions.has(description)) break;
    }
    descriptions.add(description);

    const status = get(statuses, i);
    const deadline = cat.deadlineDays;
    let reportedDaysAgo: number;
    let closedDaysAgo: number | null = null;
    const earliest: Record<ProblemRecord['status'], number> = {
      reported: 0, registered: 0, dispatched: 1, rectifying: 1, submitted: 2, closed: 3, voided: 2,
    };
    if (status === 'closed') {
      reportedDaysAgo = randInt(rand, 3, 88);
      const late = rand() < 0.18;
      const took = late ? deadline + randInt(rand, 1, 8) : randInt(rand, Math.min(1, deadline), deadline);
      closedDaysAgo = Math.max(0, reportedDaysAgo - took);
    } else if (status === 'voided') {
      reportedDaysAgo = randInt(rand, 2, 75);
    } else if (status === 'reported') {
      reportedDaysAgo = randInt(rand, 0, 2);
    } else if (rand() < 0.3) {
      // overdue: still open after the deadline
      reportedDaysAgo = deadline + randInt(rand, 1, 20);
    } else {
      reportedDaysAgo = randInt(rand, Math.min(earliest[status], deadline), deadline);
    }
    const reporterRoll = rand();
    const reporter =
      reporterRoll < 0.5 ? pick(rand, reporterPool)
      : reporterRoll < 0.7 ? '第三方测评组'
      : reporterRoll < 0.85 ? '12345市民热线'
      : reporterRoll < 0.93 ? '市文明办督查组'
      : '随手拍群众举报';
    problems.push({
      lng: point[0], lat: point[1], category: code, description, status, reporter,
      reportedDaysAgo, deadlineDaysAfterReport: deadline, closedDaysAgo,
    });
  }
  const overdueOpen = problems.filter((p) => !['closed', 'voided'].includes(p.status) && p.reportedDaysAgo > p.deadlineDaysAfterReport).length;
  if (overdueOpen < 10) throw new Error(`too few overdue problems: ${overdueOpen}`);

  // --- Inspections --------------------------------------------------------
  const inspections: InspectionRecord[] = [];
  const inspectorsOf = new Map<string, string[]>();
  const inspectorFor = (dept: string): string => {
    let list = inspectorsOf.get(dept);
    if (!list) {
      list = [names.person(), names.person(), cadre.get(dept)!.name];
      inspectorsOf.set(dept, list);
    }
    return pick(rand, list);
  };
  const heldGrids = [
    ...streetOrder.map((s) => ({ code: streetCode.get(s)!, name: streetName.get(s)! })),
    ...communities.map((c) => ({ code: c.code, name: c.name })),
  ].filter((g) => currentHolder.has(g.code));
  for (const { offset, findings } of THEMES) {
    const rate = offset === 0 ? 0.5 : offset === -1 ? 0.86 : 0.92;
    for (const g of heldGrids) {
      if (rand() >= rate) continue;
      const dept = currentHolder.get(g.code)!;
      const visits = offset < 0 && rand() < 0.08 ? 2 : 1;
      const days = Array.from({ length: visits }, () => (offset === 0 ? randInt(rand, 1, 12) : randInt(rand, 1, 28))).sort((a, b) => a - b);
      for (const day of days) {
        const onSite = rand() >= 0.06;
        inspections.push({
          gridCode: g.code,
          department: dept,
          monthOffset: offset,
          day,
          inspector: inspectorFor(dept),
          findings: pick(rand, findings).replace('{c}', g.name).replace('{place}', pick(rand, INSPECT_PLACES)).replace('{n}', String(randInt(rand, 2, 9))),
          onSite,
          offsetMeters: onSite ? 0 : randInt(rand, 15, 90) * 10,
        });
      }
    }
  }
  inspections.sort((a, b) => a.monthOffset - b.monthOffset || a.day - b.day || (a.gridCode < b.gridCode ? -1 : a.gridCode > b.gridCode ? 1 : 0));

  // --- Users --------------------------------------------------------------
  const users = [
    { login: 'leader', password: 'leader123', displayName: '王主任', role: 'leader', department: '市文明办' },
    { login: 'admin', password: 'admin123', displayName: '系统管理员', role: 'admin', department: null },
    { login: 'planner', password: 'planner123', displayName: names.person(), role: 'planner', department: '市文明办' },
    ...DEPARTMENTS.filter((d) => d.holdsGrids).map((d) => ({
      login: d.login, password: `${d.login}123`, displayName: departments.find((x) => x.name === d.name)!.contactPerson, role: 'department', department: d.name,
    })),
  ];

  const categories = CATEGORIES.map(({ code, name, group, kind, deadlineDays }) => ({ code, name, group, kind, deadlineDays }));

  return {
    'grids.geojson': geojsonText(features),
    'departments.json': recordsText(departments),
    'holders.json': recordsText(holders),
    'categories.json': recordsText(categories),
    'sites.json': recordsText(sites),
    'problems.json': recordsText(problems),
    'inspections.json': recordsText(inspections),
    'users.json': recordsText(users),
    'README.md': README,
  };
}

const README = `# Demo city (演示数据)

Everything here is **fictional**: the two districts (区县: 高新区, county code
\`610399\`, and 渭河新区, \`610398\`), their
street (街道) and community (社区) boundaries, the holders, cadres, contact
people, phone numbers, sites, problems and inspections. Street and community
names are borrowed for flavour only; the boundaries are not official grids and
the people are not real people.

Regenerate (byte-for-byte deterministic, seeded PRNG):

    npx tsx data/generate.ts        # or: npm run demo:generate

\`tests/domain/demoData.test.ts\` checks the files and that regeneration is exact.

| File | Holds |
| --- | --- |
| \`grids.geojson\` | District, street and community grids (WGS84 polygons); \`properties: { code, name, level, parentCode }\`. Communities tile their street, streets tile their district (its outline is the union of its streets), shared borders are bit-identical. Codes: district 6 digits, street = district + 3 digits + \`000\`, community = the street's first 9 digits + 3 digits. |
| \`departments.json\` | Municipal departments \`{ name, shortName, contactPerson, phone }\` (市文明办 is listed for the leader and planner logins and holds no grid). |
| \`holders.json\` | Responsibility (包抓) \`{ gridCode, department, cadreName, cadreTitle, contactName, contactPhone, validFrom, validTo }\`; \`validTo: null\` = current. Two communities have no current holder; a few changed hands on 2026-03-01. |
| \`categories.json\` | Problem categories \`{ code, name, group, kind, deadlineDays }\` (group = breakthrough action / evaluation short board, kind = 部件 or 事件). |
| \`sites.json\` | Evaluation sites (测评点位) \`{ name, type, lng, lat }\`. |
| \`problems.json\` | Problems \`{ lng, lat, category, description, status, reporter, reportedDaysAgo, deadlineDaysAfterReport, closedDaysAgo }\`. |
| \`inspections.json\` | Monthly inspections \`{ gridCode, department, monthOffset, day, inspector, findings, onSite, offsetMeters }\`; the seeder derives the check-in point from the grid (\`offsetMeters\` 0 = inside). |
| \`users.json\` | Demo logins \`{ login, password, displayName, role, department }\`. |

Dates in problems and inspections are **relative** (days ago, month offsets
from the moment the database is seeded), so the demo stays alive in any month.
Holder dates (\`validFrom\`/\`validTo\`) are absolute.
`;

function main(): void {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out = path.join(here, 'demo');
  mkdirSync(out, { recursive: true });
  const files = generateDemo();
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(out, name), text);
  console.log(`wrote ${Object.keys(files).length} files to ${out}`);
}

const invoked = process.argv[1];
if (invoked && import.meta.url === pathToFileURL(path.resolve(invoked)).href) main();
