/**
 * Contour lines of a function sampled on a rectangular grid, by marching squares.
 * Each grid cell contributes 0, 1 or 2 segments per level, with the crossing points found by
 * linear interpolation along the cell's edges; the two saddle cases are resolved by the value
 * at the cell's centre (the mean of its corners), so neighbouring cells agree.
 */

/** Values of f on a grid: `values[j * xs.length + i] = f(xs[i], ys[j])`. */
export interface Grid {
  xs: readonly number[];
  ys: readonly number[];
  values: Float64Array;
}

/** Sample f on an nx × ny grid over [x0, x1] × [y0, y1] (nx, ny ≥ 2). */
export function sampleGrid(
  f: (x: number, y: number) => number,
  [x0, x1]: [number, number],
  [y0, y1]: [number, number],
  nx: number,
  ny: number,
): Grid {
  if (nx < 2 || ny < 2) throw new RangeError(`sampleGrid: need at least 2×2 points, got ${nx}×${ny}`);
  const xs = Array.from({ length: nx }, (_, i) => x0 + ((x1 - x0) * i) / (nx - 1));
  const ys = Array.from({ length: ny }, (_, j) => y0 + ((y1 - y0) * j) / (ny - 1));
  const values = new Float64Array(nx * ny);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) values[j * nx + i] = f(xs[i]!, ys[j]!);
  return { xs, ys, values };
}

/** A segment [xa, ya, xb, yb] in data coordinates. */
export type Segment = [number, number, number, number];

/**
 * Segments of the level set {f = level}. Cells with a non-finite corner are skipped (a loss may
 * overflow far from the minimum; no line is better than a wrong one).
 */
export function contourSegments(grid: Grid, level: number): Segment[] {
  const { xs, ys, values } = grid;
  const nx = xs.length;
  const ny = ys.length;
  const out: Segment[] = [];
  // Crossing on the edge between corners (xa, ya, va) and (xb, yb, vb), where va and vb straddle level.
  const cross = (xa: number, ya: number, va: number, xb: number, yb: number, vb: number): [number, number] => {
    const t = (level - va) / (vb - va);
    return [xa + t * (xb - xa), ya + t * (yb - ya)];
  };
  for (let j = 0; j + 1 < ny; j++) {
    for (let i = 0; i + 1 < nx; i++) {
      const x0 = xs[i]!;
      const x1 = xs[i + 1]!;
      const y0 = ys[j]!;
      const y1 = ys[j + 1]!;
      const v00 = values[j * nx + i]!; // (x0, y0)
      const v10 = values[j * nx + i + 1]!; // (x1, y0)
      const v11 = values[(j + 1) * nx + i + 1]!; // (x1, y1)
      const v01 = values[(j + 1) * nx + i]!; // (x0, y1)
      if (!(Number.isFinite(v00) && Number.isFinite(v10) && Number.isFinite(v11) && Number.isFinite(v01))) continue;
      // Corner bits: a corner is "above" when its value is >= level.
      const code = (v00 >= level ? 1 : 0) | (v10 >= level ? 2 : 0) | (v11 >= level ? 4 : 0) | (v01 >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const bottom = (): [number, number] => cross(x0, y0, v00, x1, y0, v10);
      const right = (): [number, number] => cross(x1, y0, v10, x1, y1, v11);
      const top = (): [number, number] => cross(x0, y1, v01, x1, y1, v11);
      const left = (): [number, number] => cross(x0, y0, v00, x0, y1, v01);
      const seg = (a: [number, number], b: [number, number]): void => {
        out.push([a[0], a[1], b[0], b[1]]);
      };
      switch (code) {
        case 1:
        case 14:
          seg(left(), bottom());
          break;
        case 2:
        case 13:
          seg(bottom(), right());
          break;
        case 3:
        case 12:
          seg(left(), right());
          break;
        case 4:
        case 11:
          seg(right(), top());
          break;
        case 6:
        case 9:
          seg(bottom(), top());
          break;
        case 7:
        case 8:
          seg(left(), top());
          break;
        case 5:
        case 10: {
          // Saddle: corners 00 and 11 on one side, 10 and 01 on the other. The centre value
          // decides which pair of opposite corners is connected through the cell.
          const centreAbove = (v00 + v10 + v11 + v01) / 4 >= level;
          const diagonal00Above = code === 5;
          if (centreAbove === diagonal00Above) {
            // The 00–11 diagonal is connected: cut off corners 10 and 01.
            seg(bottom(), right());
            seg(left(), top());
          } else {
            seg(left(), bottom());
            seg(right(), top());
          }
          break;
        }
      }
    }
  }
  return out;
}

/**
 * Contour levels for a loss surface: quantiles of the finite grid values, so the lines are
 * spread over the picture whatever the range of the loss (a loss like ½(1 − ab)² varies over
 * orders of magnitude across a plot; evenly spaced levels would crowd one corner).
 */
export function quantileLevels(grid: Grid, count: number): number[] {
  const finite = Array.from(grid.values).filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return [];
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) {
    // Quantiles weighted toward low values, where the minima and the paths are; none below the
    // 5% quantile, whose level sets are often thinner than a grid cell (broken into dashes).
    const q = 0.05 + 0.95 * (k / (count + 1)) ** 1.4;
    const v = finite[Math.min(finite.length - 1, Math.floor(q * (finite.length - 1)))]!;
    if (levels.length === 0 || v > levels[levels.length - 1]! * (1 + 1e-12) + 1e-300) levels.push(v);
  }
  return levels;
}
