/**
 * Gradient-descent iterates and the modified flows from the same start, sampled at the same
 * times t_k = k h: the data behind the phase portraits of the report (the paper's Figure 1)
 * and of the browser explorer. One function, so the explorer's numbers and the ones a test
 * computes in Node come from the same code.
 */
import type { ScalarFn } from '../autodiff/index.js';
import { integrate, type ButcherTableau, type VectorField } from '../ode/index.js';
// Module files, not the layer index: this file is bundled for the browser explorer, and the
// index also re-exports the experiments (which load data sets from disk).
import { DivergenceError, gradientDescent } from '../igr/descent.js';
import { modifiedField } from '../igr/modified.js';

export interface DescentPathsOptions {
  /** Learning rate (GD step) h; the modified flows are those of this h. */
  h: number;
  /** GD steps n; the flows are integrated over [0, n h]. */
  steps: number;
  /** Truncation orders p of the modified flows to integrate (1: gradient flow, 2: IGR flow, …). */
  orders: readonly number[];
  /**
   * RK4 substeps per GD step for the flows. RK4's global error is O((h/s)^4): with s = 8 and
   * h ≤ 0.25 that is below 1e-6 relative, far under the O(h^p) distances being shown.
   */
  substeps?: number;
  /** A path leaving this radius counts as diverged (default 1e6: far outside any plot). */
  blowup?: number;
}

/** Where a path stopped being finite or bounded: the 1-based step, and why. */
export interface PathDivergence {
  step: number;
  message: string;
}

export interface FlowPath {
  order: number;
  /** θ_p(k h) for k = 0..(last finite step). */
  points: Float64Array[];
  /** ‖θ_k^GD − θ_p(k h)‖₂ for k = 0..min(both lengths) − 1. */
  distances: number[];
  /** Distance at the final step n; null when GD or this flow diverged before it. */
  distance: number | null;
  diverged: PathDivergence | null;
}

export interface DescentPaths {
  h: number;
  steps: number;
  theta0: Float64Array;
  /** GD iterates θ_0 .. θ_n (fewer when GD diverged). */
  gd: Float64Array[];
  gdDiverged: PathDivergence | null;
  flows: FlowPath[];
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isBad(v: Float64Array, blowup: number): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return true;
  return norm(v) > blowup;
}

/**
 * GD iterates at step h and the order-p modified flows of that h from θ0, sampled at t = k h,
 * k = 0..steps, with the distance between GD and each flow at every sample. Divergence of GD or
 * of a flow is recorded (with its step), never thrown: a caller draws what is finite and says
 * what diverged.
 */
export function descentPaths(loss: ScalarFn, theta0: ArrayLike<number>, opts: DescentPathsOptions): DescentPaths {
  const { h, steps, orders } = opts;
  const substeps = opts.substeps ?? 8;
  const blowup = opts.blowup ?? 1e6;
  if (!(h > 0 && Number.isFinite(h))) throw new RangeError(`descentPaths: h must be a positive number, got ${h}`);
  if (!(Number.isInteger(steps) && steps >= 1)) throw new RangeError(`descentPaths: steps must be a positive integer, got ${steps}`);
  if (!(Number.isInteger(substeps) && substeps >= 1)) throw new RangeError(`descentPaths: substeps must be a positive integer, got ${substeps}`);
  const start: Float64Array = Float64Array.from(theta0);

  // Gradient descent, with the igr layer's own routine (explicit Euler with dt = h).
  let gd: Float64Array[];
  let gdDiverged: PathDivergence | null = null;
  try {
    gd = gradientDescent(loss, start, h, steps);
  } catch (error) {
    const step = (error as { step?: number }).step;
    gdDiverged = { step: step ?? 1, message: `gradient descent diverged${step !== undefined ? ` at step ${step}` : ''}: ${errorMessage(error)}` };
    // The finite part θ_0..θ_{step−1}, so the picture shows where GD went before it blew up.
    gd = error instanceof DivergenceError && error.iterates !== null && error.iterates.length > 0 ? error.iterates : [start];
  }
  if (gdDiverged === null) {
    const k = gd.findIndex((v) => isBad(v, blowup));
    if (k >= 0) {
      gdDiverged = { step: k, message: `gradient descent diverged at step ${k}: |θ| exceeded ${blowup}` };
      gd = gd.slice(0, k);
    }
  }

  const flows: FlowPath[] = orders.map((order) => {
    const { points, diverged } = sampleFlow(modifiedField(loss, h, order), start, h, steps, { substeps, blowup, name: `order-${order} flow` });
    const n = Math.min(points.length, gd.length);
    const distances: number[] = [];
    for (let k = 0; k < n; k++) distances.push(distance(gd[k]!, points[k]!));
    const complete = points.length === steps + 1 && gd.length === steps + 1;
    return { order, points, distances, distance: complete ? distances[steps]! : null, diverged };
  });

  return { h, steps, theta0: start, gd, gdDiverged, flows };
}

/**
 * The flow of `field` from `start`, sampled at t = k h for k = 0..steps (RK4 with `substeps` per
 * interval, or the given method: with one substep, its iterates at step h). Stops at the first sample that is not finite or leaves |θ| ≤ blowup, and says where
 * (`name` begins the message), so a caller draws the finite part.
 */
export function sampleFlow(
  field: VectorField,
  start: Float64Array,
  h: number,
  steps: number,
  opts: { substeps: number; blowup: number; name: string; method?: ButcherTableau },
): { points: Float64Array[]; diverged: PathDivergence | null } {
  const points: Float64Array[] = [start];
  let y: Float64Array = start;
  for (let k = 1; k <= steps; k++) {
    try {
      y = integrate(field, y, { t0: (k - 1) * h, t1: k * h, steps: opts.substeps, method: opts.method ?? 'rk4', blowup: opts.blowup });
    } catch (error) {
      return { points, diverged: { step: k, message: `${opts.name} diverged near t = ${formatT(k * h)}: ${errorMessage(error)}` } };
    }
    if (isBad(y, opts.blowup)) {
      return { points, diverged: { step: k, message: `${opts.name} diverged near t = ${formatT(k * h)}: |θ| exceeded ${opts.blowup}` } };
    }
    points.push(y);
  }
  return { points, diverged: null };
}

function formatT(t: number): string {
  return Number(t.toPrecision(6)).toString();
}
