/**
 * Where each continuous model stops tracking gradient descent (issue 14, part 2): for step sizes
 * from small up to GD's stability limit (h·λ_max → 2), the distance of the GD iterates from the
 * order-1…3 modified flows and from the principal flow (./principal.ts), step by step.
 *
 * Definition. For one h, with θ_0..θ_n the GD iterates and φ(t) a flow from θ_0,
 *
 *     r(h) = max_{k ≤ n} ‖θ_k − φ(kh)‖₂ / max_{k ≤ n} ‖θ_k − θ_0‖₂
 *
 * is the flow's largest distance from gradient descent relative to the distance gradient descent
 * travelled. The flow *tracks* gradient descent at h while r(h) ≤ threshold (default 0.1), and
 * *stops tracking* at the smallest h of the ladder where r(h) exceeds it (or where the flow
 * itself blows up). Since no real flow follows gradient descent's sign flips where hλ > 1, the
 * same ratio over the even steps k only, r_even(h), is reported beside it (the real-part principal
 * flow is exact at even k on a quadratic).
 *
 * The flows are integrated by DOP853 through the grid t = kh with S substeps per GD step, S
 * doubled until the Richardson estimate of the largest distance is below `accuracy` (default
 * 1e-3) of it: enough to place r(h) against a 10% threshold; the bound is reported per point.
 */
import type { ScalarFn } from '../autodiff/index.js';
import { integrateTrajectory, OdeError, type VectorField } from '../ode/index.js';
import { DivergenceError, divergenceThreshold, gradientDescent } from './descent.js';
import { modifiedField } from './modified.js';
import { PRINCIPAL_FLOW_MAX_DIMENSION, principalFlow, sharpness } from './principal.js';
import { IgrError } from './types.js';

/** Options of {@link trackingStudy}: give `hs` or `hLambda`. */
export interface TrackingOptions {
  /** Step sizes, ascending or not (the report sorts them ascending). */
  hs?: readonly number[];
  /** Or step sizes as multiples of 1/λ_max(θ0): h = x/λ_max(θ0) (x in (0, 2) reaches GD's stability limit at θ0). */
  hLambda?: readonly number[];
  /** GD steps n per h; default 20. */
  steps?: number;
  /** Orders of the modified flows compared; default [1, 2, 3]. */
  orders?: readonly number[];
  /** Compare the principal flow too (default true; at most {@link PRINCIPAL_FLOW_MAX_DIMENSION} parameters). */
  principal?: boolean;
  /** r(h) beyond which a flow has stopped tracking; default 0.1. */
  threshold?: number;
  /** Relative accuracy of each flow's largest distance; default 1e-3. */
  accuracy?: number;
  name?: string;
  onProgress?: (done: number, total: number) => void;
}

/** Where a flow first exceeds the threshold on the ascending ladder. */
export interface TrackingLimit {
  /** Index into the report's (ascending) `hs`. */
  index: number;
  h: number;
  /** h·λ_max(θ0). */
  hLambda0: number;
  /** h·max over the GD path of λ_max (what gradient descent actually met). */
  hLambdaPath: number | null;
  /** The last h before it that still tracked, if any. */
  lastTracking: { h: number; hLambda0: number } | null;
}

/** One compared flow. */
export interface TrackedFlow {
  /** 'order 1', 'order 2', 'order 3', 'principal'. */
  key: string;
  label: string;
  /** Per h: r(h); `null` where GD diverged or the flow blew up (see `failure`). */
  relative: (number | null)[];
  /** Per h: r over the even steps only. */
  relativeEven: (number | null)[];
  /** Per h: ‖θ_n − φ(nh)‖₂. */
  final: (number | null)[];
  /** Per h: the reference's Richardson estimate of the largest distance (max over k). */
  bound: (number | null)[];
  /** Per h: why there is no distance (the flow blew up, …), else `null`. */
  failure: (string | null)[];
  stopsTracking: TrackingLimit | null;
  stopsTrackingEven: TrackingLimit | null;
}

/** The result of {@link trackingStudy}. */
export interface TrackingReport {
  problem: string;
  dimension: number;
  theta0: number[];
  /** Ascending. */
  hs: number[];
  steps: number;
  /** λ_max of the Hessian at θ0. */
  lambda0: number;
  /** Per h: h·λ_max(θ0). */
  hLambda0: number[];
  /** Per h: h·max_k λ_max(θ_k) over the GD iterates (`null` where GD diverged). */
  hLambdaPath: (number | null)[];
  /** Per h: max_k ‖θ_k − θ_0‖₂, the distance gradient descent travelled. */
  travelled: (number | null)[];
  diverged: { h: number; step: number }[];
  flows: TrackedFlow[];
  threshold: number;
  seconds: number;
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

/** A flow sampled at t = kh, k = 0..n, with S substeps per step; or where it failed. */
function sample(field: VectorField, theta0: Float64Array, h: number, n: number, S: number, blowup: number): Float64Array[] | { failedAt: number; message: string } {
  try {
    return integrateTrajectory(field, theta0, { t0: 0, t1: n * h, steps: n * S, every: S, method: 'dop853', blowup }).states;
  } catch (e) {
    if (e instanceof OdeError && e.kind !== 'bad-input') return { failedAt: e.t ?? NaN, message: e.message };
    throw e;
  }
}

/** Largest substep count per GD step. */
const MAX_SUBSTEPS = 256;

interface FlowSample {
  states: Float64Array[] | null;
  bound: number | null;
  failure: string | null;
}

/**
 * The flow at t = kh by DOP853 with doubled substeps, to `accuracy` of its largest distance from
 * the iterates, but never finer than 1e-12 of the distance `travelled` (a flow that follows GD
 * to round-off, like the principal flow on a quadratic, has r ≈ 1e-16 that no reference resolves).
 */
function trackFlow(field: VectorField, iterates: Float64Array[], h: number, accuracy: number, blowup: number, travelled: number): FlowSample {
  const n = iterates.length - 1;
  const theta0 = iterates[0]!;
  let S = 1;
  let coarse = sample(field, theta0, h, n, S, blowup);
  let previous = Infinity;
  for (;;) {
    const fine = sample(field, theta0, h, n, 2 * S, blowup);
    if (Array.isArray(fine) && Array.isArray(coarse)) {
      let estimate = 0;
      let largest = 0;
      for (let k = 0; k <= n; k++) {
        estimate = Math.max(estimate, dist(coarse[k]!, fine[k]!) / 255);
        largest = Math.max(largest, dist(fine[k]!, iterates[k]!));
      }
      const asymptotic = previous !== Infinity && previous >= 32 * estimate;
      const needed = accuracy * Math.max(largest, 1e-9 * travelled);
      if ((asymptotic || estimate <= 1e-13 * (1 + largest)) && estimate <= needed) return { states: fine, bound: estimate, failure: null };
      if (2 * S >= MAX_SUBSTEPS) return { states: fine, bound: estimate, failure: null };
      previous = estimate;
    } else if (!Array.isArray(fine) && !Array.isArray(coarse) && Math.abs(fine.failedAt - coarse.failedAt) <= h / S) {
      // Both resolutions fail at the same time: the flow itself leaves the finite range.
      return { states: null, bound: null, failure: `the flow blew up at t = ${fine.failedAt.toPrecision(3)} (step ${Math.ceil(fine.failedAt / h)} of ${n})` };
    } else if (2 * S >= MAX_SUBSTEPS) {
      return { states: null, bound: null, failure: Array.isArray(fine) ? 'no converged reference' : `the flow blew up at t = ${fine.failedAt.toPrecision(3)}` };
    }
    coarse = fine;
    S *= 2;
  }
}

function limitOf(values: (number | null)[], hs: number[], hLambda0: number[], hLambdaPath: (number | null)[], threshold: number, tracked: boolean[]): TrackingLimit | null {
  for (let i = 0; i < hs.length; i++) {
    if (!tracked[i]) continue; // GD diverged there: no verdict
    const r = values[i];
    if (r === null || r === undefined || r > threshold) {
      let last: { h: number; hLambda0: number } | null = null;
      for (let j = i - 1; j >= 0; j--) {
        if (tracked[j]) {
          last = { h: hs[j]!, hLambda0: hLambda0[j]! };
          break;
        }
      }
      return { index: i, h: hs[i]!, hLambda0: hLambda0[i]!, hLambdaPath: hLambdaPath[i] ?? null, lastTracking: last };
    }
  }
  return null;
}

/**
 * For each h: n GD steps from θ0, and the distance of every iterate θ_k from the order-p modified
 * flows (orders 1..3 by default) and from the principal flow at t = kh; r(h) per flow and the
 * smallest h at which each stops tracking gradient descent (module comment).
 * @throws IgrError on bad input (an empty ladder, h ≤ 0, a model too large for the principal flow, …).
 */
export function trackingStudy(loss: ScalarFn, theta0: Float64Array | readonly number[], options: TrackingOptions): TrackingReport {
  const fn = 'trackingStudy';
  const started = performance.now();
  const start = Float64Array.from(theta0);
  start.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new IgrError(`${fn}: θ0[${i}] = ${v} is not finite`);
  });
  if (options === null || typeof options !== 'object') throw new IgrError(`${fn}: options { hs | hLambda, steps } are required`);
  const { steps = 20, orders = [1, 2, 3], principal = true, threshold = 0.1, accuracy = 1e-3 } = options;
  if ((options.hs === undefined) === (options.hLambda === undefined)) throw new IgrError(`${fn}: give exactly one of hs (step sizes) or hLambda (multiples of 1/λ_max(θ0))`);
  const ladder = (options.hs ?? options.hLambda)!;
  const what = options.hs ? 'h' : 'hLambda';
  if (!Array.isArray(ladder) || ladder.length === 0) throw new IgrError(`${fn}: ${what} must be a non-empty list`);
  for (const x of ladder) if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x)) throw new IgrError(`${fn}: every ${what} must be a finite number > 0, got ${String(x)}`);
  if (!Number.isInteger(steps) || steps < 2) throw new IgrError(`${fn}: steps must be an integer ≥ 2, got ${String(steps)}`);
  if (!Array.isArray(orders)) throw new IgrError(`${fn}: orders must be a list of integers in 1..8`);
  for (const p of orders) if (!Number.isInteger(p) || p < 1 || p > 8) throw new IgrError(`${fn}: order ${String(p)} is outside 1..8`);
  if (!(threshold > 0) || !Number.isFinite(threshold)) throw new IgrError(`${fn}: threshold must be a finite number > 0, got ${String(threshold)}`);
  if (!(accuracy > 0 && accuracy < 1)) throw new IgrError(`${fn}: accuracy must be in (0, 1), got ${String(accuracy)}`);
  if (principal && start.length > PRINCIPAL_FLOW_MAX_DIMENSION) {
    throw new IgrError(
      `${fn}: the model has ${start.length} parameters, more than the principal flow's bound ${PRINCIPAL_FLOW_MAX_DIMENSION} (a dense Hessian and its eigendecomposition per evaluation); compare without it (principal: false)`,
    );
  }
  if (orders.length === 0 && !principal) throw new IgrError(`${fn}: nothing to compare: give orders or principal: true`);
  const lambda0 = sharpness(loss, start);
  if (options.hLambda && !(lambda0 > 0)) throw new IgrError(`${fn}: hLambda needs λ_max(θ0) > 0, but λ_max(θ0) = ${lambda0}; give hs instead`);
  const hs = [...(options.hs ?? options.hLambda!.map((x) => x / lambda0))].sort((a, b) => a - b);
  const keys = [...new Set(orders)].sort((a, b) => a - b).map((p) => `order ${p}`);
  if (principal) keys.push('principal');
  const flows: TrackedFlow[] = keys.map((key) => ({
    key,
    label: key === 'principal' ? 'principal flow' : key === 'order 1' ? 'order 1 (gradient flow)' : key === 'order 2' ? 'order 2 (IGR flow)' : `${key} modified flow`,
    relative: [],
    relativeEven: [],
    final: [],
    bound: [],
    failure: [],
    stopsTracking: null,
    stopsTrackingEven: null,
  }));
  const hLambdaPath: (number | null)[] = [];
  const travelled: (number | null)[] = [];
  const diverged: { h: number; step: number }[] = [];
  const tracked: boolean[] = [];
  const blowup = divergenceThreshold(start);
  hs.forEach((h, i) => {
    let iterates: Float64Array[] | null = null;
    try {
      iterates = gradientDescent(loss, start, h, steps);
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      diverged.push({ h, step: e.step });
    }
    tracked.push(iterates !== null);
    if (iterates === null) {
      hLambdaPath.push(null);
      travelled.push(null);
      for (const f of flows) {
        f.relative.push(null);
        f.relativeEven.push(null);
        f.final.push(null);
        f.bound.push(null);
        f.failure.push('gradient descent diverged');
      }
      options.onProgress?.(i + 1, hs.length);
      return;
    }
    const its = iterates;
    let lmax = -Infinity;
    for (const it of its) lmax = Math.max(lmax, sharpness(loss, it));
    hLambdaPath.push(h * lmax);
    const D = Math.max(...its.map((it) => dist(it, start)));
    travelled.push(D);
    for (const f of flows) {
      const field = f.key === 'principal' ? principalFlow(loss, h) : modifiedField(loss, h, Number(f.key.slice(6)));
      const s = trackFlow(field, its, h, accuracy, blowup, D);
      if (s.states === null) {
        f.relative.push(null);
        f.relativeEven.push(null);
        f.final.push(null);
        f.bound.push(null);
        f.failure.push(s.failure);
        continue;
      }
      let worst = 0;
      let worstEven = 0;
      for (let k = 0; k <= steps; k++) {
        const d = dist(its[k]!, s.states[k]!);
        worst = Math.max(worst, d);
        if (k % 2 === 0) worstEven = Math.max(worstEven, d);
      }
      f.relative.push(D > 0 ? worst / D : null);
      f.relativeEven.push(D > 0 ? worstEven / D : null);
      f.final.push(dist(its[steps]!, s.states[steps]!));
      f.bound.push(s.bound);
      f.failure.push(s.failure);
    }
    options.onProgress?.(i + 1, hs.length);
  });
  const hLambda0 = hs.map((h) => h * lambda0);
  for (const f of flows) {
    f.stopsTracking = limitOf(f.relative, hs, hLambda0, hLambdaPath, threshold, tracked);
    f.stopsTrackingEven = limitOf(f.relativeEven, hs, hLambda0, hLambdaPath, threshold, tracked);
  }
  return {
    problem: options.name ?? 'custom',
    dimension: start.length,
    theta0: Array.from(start),
    hs,
    steps,
    lambda0,
    hLambda0,
    hLambdaPath,
    travelled,
    diverged,
    flows,
    threshold,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The `igr verify --principal --json` object of one study. */
export function trackingJson(report: TrackingReport): object {
  return {
    problem: report.problem,
    dimension: report.dimension,
    theta0: report.theta0,
    hs: report.hs,
    steps: report.steps,
    lambda0: report.lambda0,
    hLambda0: report.hLambda0,
    hLambdaPath: report.hLambdaPath,
    travelled: report.travelled,
    threshold: report.threshold,
    flows: report.flows.map((f) => ({
      key: f.key,
      label: f.label,
      stopsTracking: f.stopsTracking,
      stopsTrackingEven: f.stopsTrackingEven,
      relative: f.relative,
      relativeEven: f.relativeEven,
      final: f.final,
      bound: f.bound,
      failure: f.failure,
    })),
    diverged: report.diverged,
  };
}
