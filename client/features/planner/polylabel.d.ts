declare module 'polylabel' {
  /** The pole of inaccessibility of a polygon (rings of [x, y]); `distance` is its distance to the border. */
  export default function polylabel(polygon: number[][][], precision?: number, debug?: boolean): [number, number] & { distance: number }
}
