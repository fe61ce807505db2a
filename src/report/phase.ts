/**
 * A phase portrait like Figure 1 of Barrett & Dherin (2021): loss contours, GD iterates at a
 * small and at a moderate learning rate, and from the same start the gradient flow (order 1)
 * and the modified flows of orders 2 (IGR) and 3 of the moderate learning rate. At the small h
 * GD sits on the gradient flow; at the moderate h it leaves it and follows the modified flows.
 */
import { hessian, tensor, type ScalarFn } from '../autodiff/index.js';
import { contourSegments, quantileLevels, sampleGrid } from './contour.js';
import { descentPaths, type DescentPaths } from './paths.js';
import { Plot, orderColor } from './svg.js';

export interface PhasePortraitOptions {
  /** Small learning rate: GD should sit on the gradient flow. */
  hSmall: number;
  /** Moderate learning rate: GD visibly leaves the gradient flow; its modified flows are drawn. */
  hModerate: number;
  /** Final time: GD runs T/h steps at each h (rounded to the nearest integer). */
  T: number;
  orders?: readonly number[];
  /** Axis labels (default θ₁, θ₂). */
  labels?: [string, string];
  id?: string;
  title?: string;
  /** Contour grid resolution per axis (default 70). */
  grid?: number;
}

export interface PhasePortrait {
  svg: string;
  small: DescentPaths;
  moderate: DescentPaths;
  /** Names of the data series drawn (contours excluded). */
  series: string[];
  /** What diverged, if anything (shown under the plot). */
  notes: string[];
}

/** Evaluate a two-parameter loss at (x, y); non-finite values are kept (the contour routine skips them). */
export function lossAt(loss: ScalarFn, x: number, y: number): number {
  return loss(tensor([x, y])).item();
}

/** Bounds of a set of 2-D points, padded by `pad` of the larger extent on every side. */
export function paddedBounds(points: readonly Float64Array[], pad = 0.15): { x: [number, number]; y: [number, number] } {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (const p of points) {
    if (!Number.isFinite(p[0]!) || !Number.isFinite(p[1]!)) continue;
    x0 = Math.min(x0, p[0]!);
    x1 = Math.max(x1, p[0]!);
    y0 = Math.min(y0, p[1]!);
    y1 = Math.max(y1, p[1]!);
  }
  const span = Math.max(x1 - x0, y1 - y0, 1e-3);
  return { x: [x0 - pad * span, x1 + pad * span], y: [y0 - pad * span, y1 + pad * span] };
}

/** Contour lines of the loss over the given box, as a plot layer. */
export function lossContours(loss: ScalarFn, box: { x: [number, number]; y: [number, number] }, n = 70, count = 14) {
  const grid = sampleGrid((a, b) => lossAt(loss, a, b), box.x, box.y, n, n);
  const levels = quantileLevels(grid, count).map((level) => ({ level, segments: contourSegments(grid, level) }));
  return { name: 'loss contours', color: '#9aa0a6', levels };
}

/**
 * Learning rates and time that make the portrait informative: GD's stability limit at θ0 is
 * h = 2/|λ|max of the Hessian, and the modified series converges for h|λ| < 1 (README.md, "The mathematics": the
 * quadratic case). The moderate h is 0.5/|λ|max — far enough from the gradient flow to see GD
 * leave it, safely stable — the small h an eighth of it, and T is 40 moderate steps.
 * Returns null when the Hessian at θ0 vanishes or is not finite (no curvature scale).
 */
export function suggestPhaseSettings(loss: ScalarFn, theta0: ArrayLike<number>): { hSmall: number; hModerate: number; T: number } | null {
  const H = hessian(loss, tensor(Array.from(theta0))).data;
  const [a, b, c, d] = [H[0]!, H[1]!, H[2]!, H[3]!];
  // Eigenvalues of the symmetric 2×2 matrix [[a, b], [c, d]] (b = c up to round-off).
  const mean = (a + d) / 2;
  const radius = Math.hypot((a - d) / 2, (b + c) / 2);
  const lambda = Math.max(Math.abs(mean + radius), Math.abs(mean - radius));
  if (!(Number.isFinite(lambda) && lambda > 0)) return null;
  const hModerate = Number((0.5 / lambda).toPrecision(2));
  return { hSmall: Number((hModerate / 8).toPrecision(2)), hModerate, T: Number((40 * hModerate).toPrecision(3)) };
}

/** Compute and draw the portrait for a two-parameter loss. */
export function phasePortrait(loss: ScalarFn, theta0: ArrayLike<number>, opts: PhasePortraitOptions): PhasePortrait {
  if (theta0.length !== 2) throw new RangeError(`phasePortrait: needs a two-parameter start point, got ${theta0.length} parameters`);
  const orders = opts.orders ?? [1, 2, 3];
  const stepsOf = (h: number): number => Math.max(1, Math.round(opts.T / h));
  const small = descentPaths(loss, theta0, { h: opts.hSmall, steps: stepsOf(opts.hSmall), orders: [] });
  const moderate = descentPaths(loss, theta0, { h: opts.hModerate, steps: stepsOf(opts.hModerate), orders });
  const [lx, ly] = opts.labels ?? ['θ₁', 'θ₂'];
  // The box follows GD and the flows that stayed bounded; diverged tails are clipped by the frame.
  const box = paddedBounds([...small.gd, ...moderate.gd, ...moderate.flows.flatMap((f) => (f.diverged ? [] : f.points))]);
  const plot = new Plot({
    title: opts.title ?? 'Phase portrait: GD and the modified flows',
    x: { kind: 'linear', label: lx, domain: box.x },
    y: { kind: 'linear', label: ly, domain: box.y },
    id: opts.id,
    width: 520,
    height: 440,
  });
  plot.contour(lossContours(loss, box, opts.grid ?? 70));
  const pts = (ps: readonly Float64Array[]): [number, number][] => ps.map((p) => [p[0]!, p[1]!]);
  const names: string[] = [];
  const flowName = (p: number): string => (p === 1 ? 'gradient flow (p=1)' : p === 2 ? `IGR flow (p=2), h=${opts.hModerate}` : `order-${p} flow, h=${opts.hModerate}`);
  for (const f of moderate.flows) {
    const name = flowName(f.order);
    names.push(name);
    plot.add({ name, points: pts(f.points), color: orderColor(f.order), width: f.order === 1 ? 2.4 : 1.8, dash: f.order === 3 ? '5 3' : undefined, kind: 'flow' });
  }
  const gdSmall = `GD h=${opts.hSmall}`;
  const gdModerate = `GD h=${opts.hModerate}`;
  names.push(gdSmall, gdModerate);
  // Many small steps: a thin line through all iterates, markers on at most ~40 of them.
  const every = Math.max(1, Math.ceil(small.gd.length / 40));
  plot.add({ name: gdSmall, points: pts(small.gd), color: '#555', width: 0.8, kind: 'gd', legend: false });
  plot.add({ name: gdSmall, points: pts(small.gd.filter((_, k) => k % every === 0)), color: '#555', marker: 'circle', markerSize: 2.5, width: 0.8, kind: 'gd-markers' });
  plot.add({ name: gdModerate, points: pts(moderate.gd), color: '#000', marker: 'square', hollow: true, line: false, kind: 'gd' });
  plot.add({ name: 'start', points: [[theta0[0]!, theta0[1]!]], color: '#000', marker: 'diamond', line: false, kind: 'start' });
  names.push('start');
  for (const d of [small.gdDiverged, moderate.gdDiverged, ...moderate.flows.map((f) => f.diverged)]) if (d) plot.note(d.message);
  return { svg: plot.toSvg(), small, moderate, series: names, notes: plot.notes };
}
