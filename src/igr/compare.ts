/**
 * The measuring machine of backward error analysis, shared by gradient descent
 * (`verifyBackwardError`, ./verify.ts) and the other optimisers (./optimizers): for a ladder of
 * step sizes, an optimiser's iterate against the exact flows of candidate modified equations.
 *
 * The exact flows are computed by RK4 with step doubling until the Richardson estimate of its own
 * error sits `referenceFactor` (100) times below the error it measures ({@link referenceFlow}),
 * and the global endpoint is cross-checked by Dormand–Prince 5(4) at a tight tolerance. Points
 * where no such reference exists (round-off floor) are flagged and left out of the least-squares
 * fits of log(error) against log(h) ({@link fitSlope}), not hidden.
 *
 * What differs between optimisers is only which iterate is compared with which flow over which
 * time, so that is what an {@link OptimizerComparison} supplies to {@link compareWithFlows}.
 */
import { dormandPrince, integrate, OdeError, type VectorField } from '../ode/index.js';
import { DivergenceError } from './descent.js';
import { IgrError, type SlopeFit, type VerificationReport } from './types.js';

/** Largest RK4 step count the reference integrator may double up to. */
const MAX_REFERENCE_STEPS = 1 << 14;

/** RK4 steps of the coarsest reference solution (doubled from there). */
export const REFERENCE_START_STEPS = 4;

/** Safety factor on the round-off floor (steps + 1) · ε · max(1, |θ|∞). */
export const ROUNDOFF_SAFETY = 100;

function norm2(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function maxAbs(a: Float64Array): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

/** Least squares of log(error) on log(h); `null` with fewer than two usable points. */
export function fitSlope(hs: readonly number[], errors: readonly (number | null)[], expected: number, tolerance: number): SlopeFit | null {
  const xs: number[] = [];
  const ys: number[] = [];
  hs.forEach((h, i) => {
    const e = errors[i];
    if (e !== null && e !== undefined && e > 0 && Number.isFinite(e)) {
      xs.push(Math.log(h));
      ys.push(Math.log(e));
    }
  });
  const n = xs.length;
  if (n < 2) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    syy += (ys[i]! - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2, used: n, expected, pass: Math.abs(slope - expected) <= tolerance, tolerance };
}

/** The result of {@link referenceFlow}: the flow's endpoint by RK4, doubled until its Richardson estimate is `factor` below `error(y)`. */
export interface Reference {
  y: Float64Array;
  /** Richardson estimate ‖y_2N − y_N‖₂ / 15 of the returned (finer) solution. */
  estimate: number;
  steps: number;
  /** The estimate reached factor · estimate ≤ error in the asymptotic regime. */
  converged: boolean;
}

/** RK4 over [0, t] in `steps` steps; `null` when the flow leaves the finite range at that resolution. */
function rk4(field: VectorField, theta0: Float64Array, t: number, steps: number): Float64Array | null {
  try {
    return integrate(field, theta0, { t0: 0, t1: t, steps, method: 'rk4' });
  } catch (e) {
    if (e instanceof OdeError && e.kind !== 'bad-input') return null; // too coarse, or a genuine blow-up
    throw e;
  }
}

/**
 * The flow of `field` from θ0 over [0, t] by RK4, doubling the steps until its Richardson estimate
 * sits `factor` below `error(y)`; `null` when no resolution within budget gives a finite solution
 * (the truncated modified flow itself blows up).
 */
export function referenceFlow(field: VectorField, theta0: Float64Array, t: number, startSteps: number, factor: number, error: (y: Float64Array) => number): Reference | null {
  let n = Math.max(1, startSteps);
  let coarse = rk4(field, theta0, t, n);
  let previous = Infinity;
  for (;;) {
    const fine = rk4(field, theta0, t, 2 * n);
    let estimate = Infinity;
    if (coarse !== null && fine !== null) {
      estimate = norm2(coarse, fine) / 15; // RK4: y_2N − y ≈ (y_N − y_2N)/(2^4 − 1)
      // Trust the estimate only in the asymptotic regime: it fell by about 2^4 = 16 since the last
      // doubling (≥ 8 allows for the next term of the error expansion).
      const asymptotic = previous !== Infinity && previous >= 8 * estimate;
      // At the round-off floor the difference of the two solutions is rounding, which then bounds
      // the truncation error as well (a one-step reference over a tiny h lands here at once).
      const floor = 16 * 2 * n * Number.EPSILON * Math.max(1, maxAbs(fine));
      if (estimate === 0 || ((asymptotic || estimate <= floor) && factor * estimate <= error(fine))) {
        return { y: fine, estimate, steps: 2 * n, converged: true };
      }
      // Stalled near the round-off floor: doubling no longer helps, report what we have.
      if (previous !== Infinity && estimate > previous / 2 && estimate <= 1e4 * floor) {
        return { y: fine, estimate, steps: 2 * n, converged: false };
      }
    }
    if (4 * n > MAX_REFERENCE_STEPS) return fine === null ? null : { y: fine, estimate, steps: 2 * n, converged: false };
    previous = estimate;
    coarse = fine;
    n *= 2;
  }
}

/**
 * The most optimiser steps T/h one step size of a verification may take: the work (and the
 * iterates kept) are bounded before anything runs. The built-in ladders take at most a few
 * hundred; T = 1e300, or h = 1e-300, would otherwise run (and allocate) without end.
 */
export const MAX_OPTIMIZER_STEPS = 100_000;

/**
 * The step count T/h for every h of a ladder, checked before any work: an h that is not > 0, an
 * h listed twice (two fits points at one h, or a map from h that loses one), a T/h above
 * {@link MAX_OPTIMIZER_STEPS} or not whole (to 1e-9) is an IgrError naming `fn`.
 */
export function stepCounts(fn: string, hs: readonly number[], T: number): number[] {
  if (!Array.isArray(hs) || hs.length === 0) throw new IgrError(`${fn}: hs must be a non-empty list of step sizes`);
  return hs.map((h, i) => {
    if (!(h > 0) || !Number.isFinite(h)) throw new IgrError(`${fn}: every h must be a finite number > 0, got ${h}`);
    if (hs.indexOf(h) !== i) throw new IgrError(`${fn}: the step size h = ${h} is listed twice; the h of a ladder must be distinct`);
    const ratio = T / h;
    if (ratio > MAX_OPTIMIZER_STEPS) {
      throw new IgrError(
        `${fn}: T/h = ${ratio.toPrecision(3)} steps at h = ${h} (T = ${T}) is more than the ${MAX_OPTIMIZER_STEPS} optimizer steps a verification takes per step size (MAX_OPTIMIZER_STEPS); use a larger h or a smaller T`,
      );
    }
    const n = Math.round(ratio);
    if (n < 1 || Math.abs(ratio - n) > 1e-9 * Math.max(1, n)) {
      throw new IgrError(`${fn}: T/h must be a whole number of steps, but T = ${T}, h = ${h} gives T/h = ${ratio}`);
    }
    return n;
  });
}

/** Truncation orders: a non-empty list of integers in 1..max, else an IgrError naming `fn`. */
export function checkOrders(fn: string, orders: readonly number[], max: number): void {
  if (!Array.isArray(orders) || orders.length === 0) throw new IgrError(`${fn}: orders must be a non-empty list`);
  for (const p of orders) {
    if (!Number.isInteger(p) || p < 1 || p > max) throw new IgrError(`${fn}: order ${p} is outside 1..${max} (orders must be integers)`);
  }
}

/** One candidate flow, keyed by a small integer (its truncation order, for the modified equations). */
export interface CandidateFlow {
  /** What the flow is, in one line (shown in reports and JSON). */
  label: string;
  /** Its vector field for step size h. */
  field: (h: number) => VectorField;
  /** Where the flow starts for the global comparison (default θ0). */
  start?: (h: number) => Float64Array;
  /** Slope of log(global error) against log(h) that backward error analysis predicts. */
  expectedGlobal: number;
  /** Slope of log(local error) against log(h) that it predicts. */
  expectedLocal: number;
}

/** An iterate of the optimiser and the flow time it is compared at. */
export interface TimedIterate {
  iterate: Float64Array;
  /** Flow time: the iterate is compared with the flow at this time. */
  time: number;
  /** Optimiser steps taken to get there (for the round-off floor). */
  steps: number;
  /**
   * Standard error of the iterate when it is a sampled mean (‖·‖₂ of the componentwise standard
   * errors). A point whose error is not 10 times above it is flagged: the sampling error then
   * moves log(error) by less than log(1.1) ≈ 0.1 on every fitted point.
   */
  standardError?: number;
}

/** What one optimiser's verification must supply to {@link compareWithFlows}. */
export interface OptimizerComparison {
  problem: string;
  theta0: Float64Array;
  hs: readonly number[];
  /** Nominal final time (reported as `T`). */
  T: number;
  flows: Record<number, CandidateFlow>;
  /** The optimiser's iterate for the global comparison; throws `DivergenceError` when it diverges. */
  global: (h: number) => TimedIterate;
  /**
   * The optimiser's iterate for the local comparison against a given flow (its history may come
   * from that flow, as for a two-step method), compared with the flow from θ0 over `time`.
   * Called after `global(h)` for the same h (and not when that diverged), so a run may be shared.
   */
  local: (h: number, field: VectorField, order: number) => TimedIterate | null;
  /** Allowed |fitted − expected| slope; default 0.1. */
  tolerance?: number;
  /** The reference integrator must sit this many times below each measured error; default 100. */
  referenceFactor?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * A {@link VerificationReport} whose orders are the keys of candidate flows, with their labels.
 * `nonGradientPart` is not measured here (`order3: null`, `samples: 0`): it is about GD's f_3.
 */
export interface ComparisonReport extends VerificationReport {
  /** Label of each candidate flow, by key. */
  flows: Record<number, string>;
}

/** One measured point: the error, and whether it is on the round-off / reference-accuracy floor. */
interface Point {
  error: number | null;
  flagged: boolean;
  richardson: number;
  dormand: number;
  ratio: number;
  /**
   * Error bound of this point's own reference: max(Richardson estimate, Dormand–Prince distance)
   * (the estimate alone where there is no cross-check); `null` where there is no reference or
   * the bound is not finite (a reference that never reached the asymptotic regime).
   */
  bound: number | null;
}

/** A point with no reference: nothing measured, flagged. */
const UNMEASURED: Point = { error: null, flagged: true, richardson: 0, dormand: 0, ratio: 0, bound: null };

/**
 * ‖iterate − φ_time(start)‖₂ for the flow of `field`, with the reference integrator of
 * {@link referenceFlow} (and, when `crossCheck`, the Dormand–Prince endpoint check).
 */
function measurePoint(field: VectorField, start: Float64Array, it: TimedIterate, factor: number, startSteps: number, crossCheck: boolean): Point {
  const ref = referenceFlow(field, start, it.time, startSteps, factor, (y) => norm2(it.iterate, y));
  if (ref === null) return UNMEASURED;
  const error = norm2(it.iterate, ref.y);
  let dp = 0;
  if (crossCheck) {
    try {
      // Tolerance tied to what is measured: a tenth of the accuracy demanded of RK4, so the
      // cross-check costs little for large errors and is tight (down to 1e-13) for small ones.
      const rtol = Math.min(1e-8, Math.max(1e-13, error / (10 * factor * Math.max(1, maxAbs(it.iterate)))));
      dp = norm2(dormandPrince(field, start, { t0: 0, t1: it.time, rtol, atol: rtol }).y, ref.y);
    } catch {
      dp = Infinity;
    }
  }
  const bound = Math.max(ref.estimate, dp);
  const floor = ROUNDOFF_SAFETY * (it.steps + 1) * Number.EPSILON * Math.max(1, maxAbs(it.iterate));
  const noisy = it.standardError !== undefined && error < 10 * it.standardError;
  const flagged = !ref.converged || error <= floor || factor * bound > error || noisy;
  return {
    error,
    flagged,
    richardson: Number.isFinite(ref.estimate) ? ref.estimate : 0,
    dormand: Number.isFinite(dp) ? dp : 0,
    ratio: flagged ? 0 : bound / error,
    bound: Number.isFinite(bound) ? bound : null,
  };
}

/**
 * Measures an optimiser against candidate flows: per h and per flow, the global error (the
 * optimiser's `global` iterate against the flow from its start) and the local error (its `local`
 * iterate against the flow from θ0), flagged points left out of the fits, slopes fitted against
 * log h with the expected values of each flow. A diverging h is recorded in `diverged`.
 */
export function compareWithFlows(spec: OptimizerComparison): ComparisonReport {
  const started = performance.now();
  const factor = spec.referenceFactor ?? 100;
  const tolerance = spec.tolerance ?? 0.1;
  const orders = Object.keys(spec.flows).map(Number).sort((a, b) => a - b);
  const globalError: Record<number, (number | null)[]> = {};
  const localError: Record<number, (number | null)[]> = {};
  const roundoff = { global: {} as Record<number, boolean[]>, local: {} as Record<number, boolean[]> };
  const referenceBound = { global: {} as Record<number, (number | null)[]>, local: {} as Record<number, (number | null)[]> };
  for (const p of orders) {
    globalError[p] = [];
    localError[p] = [];
    roundoff.global[p] = [];
    roundoff.local[p] = [];
    referenceBound.global[p] = [];
    referenceBound.local[p] = [];
  }
  const diverged: { h: number; step: number }[] = [];
  const steps: number[] = [];
  let richardson = 0;
  let dormand = 0;
  let worst = 0;
  const record = (point: Point): void => {
    richardson = Math.max(richardson, point.richardson);
    dormand = Math.max(dormand, point.dormand);
    worst = Math.max(worst, point.ratio);
  };

  spec.hs.forEach((h, k) => {
    let it: TimedIterate | null = null;
    try {
      it = spec.global(h);
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      diverged.push({ h, step: e.step });
    }
    steps.push(it?.steps ?? 0);
    for (const p of orders) {
      if (it === null) {
        globalError[p]!.push(null);
        localError[p]!.push(null);
        roundoff.global[p]!.push(false);
        roundoff.local[p]!.push(false);
        referenceBound.global[p]!.push(null);
        referenceBound.local[p]!.push(null);
        continue;
      }
      const flow = spec.flows[p]!;
      const field = flow.field(h);
      const g = measurePoint(field, flow.start?.(h) ?? spec.theta0, it, factor, REFERENCE_START_STEPS, true);
      record(g);
      // A local iterate that cannot be formed (a two-step method's history off a flow that blows up
      // backwards) is a flagged gap, like a reference that cannot be computed.
      const localIterate = spec.local(h, field, p);
      const l: Point = localIterate === null ? UNMEASURED : measurePoint(field, spec.theta0, localIterate, factor, 1, false);
      record(l);
      globalError[p]!.push(g.error);
      localError[p]!.push(l.error);
      roundoff.global[p]!.push(g.flagged);
      roundoff.local[p]!.push(l.flagged);
      referenceBound.global[p]!.push(g.bound);
      referenceBound.local[p]!.push(l.bound);
    }
    spec.onProgress?.(k + 1, spec.hs.length);
  });

  const kept = (errors: (number | null)[], flags: boolean[]): (number | null)[] => errors.map((e, i) => (flags[i] ? null : e));
  const globalSlope: Record<number, SlopeFit | null> = {};
  const localSlope: Record<number, SlopeFit | null> = {};
  const flows: Record<number, string> = {};
  for (const p of orders) {
    const flow = spec.flows[p]!;
    flows[p] = flow.label;
    globalSlope[p] = fitSlope(spec.hs, kept(globalError[p]!, roundoff.global[p]!), flow.expectedGlobal, tolerance);
    localSlope[p] = fitSlope(spec.hs, kept(localError[p]!, roundoff.local[p]!), flow.expectedLocal, tolerance);
  }
  return {
    problem: spec.problem,
    dimension: spec.theta0.length,
    theta0: Array.from(spec.theta0),
    T: spec.T,
    hs: [...spec.hs],
    orders,
    steps,
    globalError,
    localError,
    roundoff,
    globalSlope,
    localSlope,
    referenceErrorBound: { richardson, dormandPrince: dormand, ratioToSmallestError: worst },
    referenceBound,
    diverged,
    nonGradientPart: { order3: null, samples: 0 },
    pass: orders.every((p) => globalSlope[p]?.pass === true && localSlope[p]?.pass === true),
    seconds: (performance.now() - started) / 1000,
    flows,
  };
}
