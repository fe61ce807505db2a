/**
 * The measuring machine of backward error analysis, shared by gradient descent
 * (`verifyBackwardError`, ./verify.ts) and the other optimisers (./optimizers): for a ladder of
 * step sizes, an optimiser's iterate against the exact flows of candidate modified equations.
 *
 * The exact flows come from a fixed-step reference integrator doubled until its Richardson
 * estimate sits `referenceFactor` (100) times below the error it measures, in the asymptotic
 * regime ({@link referenceFlow}): DOP853 (order 8) for the flows to time T, RK4 or DOP853 for the
 * one-step flows, whichever needs fewer field evaluations ({@link measurePoint}). Every global
 * endpoint that could be fitted is cross-checked by a second solve, adaptive DOP853 at a
 * tolerance tied to the error ({@link CROSS_CHECK_METHOD}), and a point's bound is the larger of
 * the two. Points where no such reference exists (round-off floor) are flagged and left out of the
 * least-squares fits of log(error) against log(h) ({@link fitSlope}), not hidden.
 *
 * What differs between optimisers is only which iterate is compared with which flow over which
 * time, so that is what an {@link OptimizerComparison} supplies. A comparison is a list of
 * (h, flow) jobs ({@link comparisonJobs}), each measured independently ({@link comparisonMeasurer})
 * and assembled into the report ({@link assembleComparison}); {@link compareWithFlows} does the
 * three in one thread, the CLI farms the jobs out to worker threads (this module imports no
 * `node:` module).
 */
import { integrate, integrateAdaptive, OdeError, type VectorField } from '../ode/index.js';
import { DivergenceError } from './descent.js';
import { IgrError, type SlopeFit, type VerificationReport } from './types.js';

/**
 * The fixed-step methods the reference integrator doubles: classical RK4 (cheapest for the short
 * one-step flows of the local errors at low order) and DOP853, Dormand–Prince 8(5,3) of order 8
 * (the global flows, and local flows RK4 cannot resolve cheaply). The Richardson estimate of the
 * finer of N and 2N steps is ‖y_N − y_2N‖₂ / (2^q − 1) for a method of order q.
 */
export const REFERENCE_METHODS = {
  rk4: { name: 'rk4', label: 'RK4', order: 4, maxSteps: 1 << 14 },
  dop853: { name: 'dop853', label: 'DOP853', order: 8, maxSteps: 1 << 12 },
} as const;

/** A reference integrator's name. */
export type ReferenceMethod = keyof typeof REFERENCE_METHODS;

/**
 * The cross-check of the global reference endpoints: the same Dormand–Prince 8(5,3) pair run by
 * the adaptive driver with Hairer's blended error estimate, at a tolerance tied to the error — a
 * different discretisation (its own step sequence, chosen by embedded error estimates instead of
 * doubling) by different code, whose distance to the reference is part of each point's bound.
 * Measured against Dormand–Prince 5(4) in that role (BENCHMARKS.md): the same distances to the
 * reference (worst distance / error 6.4e-3 against 6.5e-3 on the built-in problems at orders
 * 1–4), 1.77× fewer field evaluations. The coefficients both share are proven by their order
 * conditions; what the cross-check guards against is a Richardson estimate fooled by a
 * pre-asymptotic run of errors, which it caught wherever that happened (BENCHMARKS.md).
 */
export const CROSS_CHECK_METHOD = 'dop853-adaptive';

/** RK4 steps of the coarsest reference solution (doubled from there) where RK4 is the reference. */
export const REFERENCE_START_STEPS = 1;

/**
 * DOP853 steps of the coarsest global reference solution. From one step, the asymptotic check
 * compares against a solution so coarse that it passed while the Richardson estimate was up to
 * 3.2× below the true error (16 of 100 global points of the built-in problems at orders 1–4,
 * against 512-step solutions; the cross-check caught them); from two, the true
 * error never exceeded 1.03× the estimate (BENCHMARKS.md).
 */
export const DOP853_START_STEPS = 2;

/**
 * The local reference tries RK4 up to this many steps (1, 2, 4: 28 field evaluations) before it
 * switches to DOP853 (whose own minimum is 36: 1 and 2 steps). Measured on the built-in problems:
 * RK4 settles one-step flows of orders 1–4 within that budget (12–28 evaluations against DOP853's
 * 36–84), while at orders ≥ 5 it needs 60–508 where DOP853 needs 36 (BENCHMARKS.md).
 */
export const LOCAL_RK4_STEPS = 4;

/** RK4's start and largest step count for a global flow of expected order 1 (112 evaluations: 4, 8, 16 steps), before DOP853 takes over. */
export const GLOBAL_RK4_STEPS: readonly [number, number] = [4, 16];

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

/** The result of {@link referenceFlow}: the flow's endpoint, doubled until its Richardson estimate is `factor` below `error(y)`. */
export interface Reference {
  y: Float64Array;
  /** Richardson estimate ‖y_2N − y_N‖₂ / (2^q − 1) of the returned (finer) solution, q the method's order. */
  estimate: number;
  steps: number;
  /** The estimate reached factor · estimate ≤ error in the asymptotic regime. */
  converged: boolean;
  /** The integrator that produced `y`. */
  method: ReferenceMethod;
  /** Field evaluations spent, all solutions of the doubling included. */
  evaluations: number;
}

/** `steps` fixed steps of `method` over [0, t]; `null` when the flow leaves the finite range at that resolution. */
function fixedSteps(field: VectorField, theta0: Float64Array, t: number, steps: number, method: ReferenceMethod): Float64Array | null {
  try {
    return integrate(field, theta0, { t0: 0, t1: t, steps, method });
  } catch (e) {
    if (e instanceof OdeError && e.kind !== 'bad-input') return null; // too coarse, or a genuine blow-up
    throw e;
  }
}

/**
 * The flow of `field` from θ0 over [0, t] by a fixed-step method (RK4 by default, or DOP853),
 * doubling the steps from `startSteps` until its Richardson estimate sits `factor` below
 * `error(y)` in the asymptotic regime, at most up to `maxSteps` (default: the method's budget,
 * 2^14 steps of RK4, 2^12 of DOP853); `null` when no resolution within budget gives a finite
 * solution (the truncated modified flow itself blows up).
 */
export function referenceFlow(
  field: VectorField,
  theta0: Float64Array,
  t: number,
  startSteps: number,
  factor: number,
  error: (y: Float64Array) => number,
  method: ReferenceMethod = 'rk4',
  maxSteps: number = REFERENCE_METHODS[method].maxSteps,
): Reference | null {
  const { order } = REFERENCE_METHODS[method];
  const denominator = 2 ** order - 1;
  let evaluations = 0;
  const counted: VectorField = (time, y) => {
    evaluations++;
    return field(time, y);
  };
  let n = Math.max(1, startSteps);
  let coarse = fixedSteps(counted, theta0, t, n, method);
  let previous = Infinity;
  for (;;) {
    const fine = fixedSteps(counted, theta0, t, 2 * n, method);
    const result = (converged: boolean, estimate: number): Reference => ({ y: fine!, estimate, steps: 2 * n, converged, method, evaluations });
    let estimate = Infinity;
    if (coarse !== null && fine !== null) {
      estimate = norm2(coarse, fine) / denominator; // y_2N − y ≈ (y_N − y_2N)/(2^q − 1)
      // Trust the estimate only in the asymptotic regime: it fell by about 2^q since the last
      // doubling (≥ 2^q / 2 allows for the next term of the error expansion: 8 for RK4, 128 for DOP853).
      const asymptotic = previous !== Infinity && previous >= (2 ** order / 2) * estimate;
      // At the round-off floor the difference of the two solutions is rounding, which then bounds
      // the truncation error as well (a one-step reference over a tiny h lands here at once).
      const floor = 16 * 2 * n * Number.EPSILON * Math.max(1, maxAbs(fine));
      if (estimate === 0 || ((asymptotic || estimate <= floor) && factor * estimate <= error(fine))) return result(true, estimate);
      // Stalled near the round-off floor: doubling no longer helps, report what we have.
      if (previous !== Infinity && estimate > previous / 2 && estimate <= 1e4 * floor) return result(false, estimate);
    }
    if (4 * n > maxSteps) return fine === null ? null : result(false, estimate);
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
  /** Anything the optimiser wants back with the measurement of this iterate (plain data: it may cross threads). */
  detail?: unknown;
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
   * Called right after `global(h)` for the same h (and not when that diverged), so a run may be
   * shared; `global(h)` may be called again for the next flow of the same h.
   */
  local: (h: number, field: VectorField, order: number) => TimedIterate | null;
  /** Allowed |fitted − expected| slope; default 0.1. */
  tolerance?: number;
  /** The reference integrator must sit this many times below each measured error; default 100. */
  referenceFactor?: number;
  /** Called after each (h, flow) measurement with the number done and the total (step sizes × flows). */
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

/** One measured point: the error, and whether it is on the round-off / reference-accuracy floor. Plain data (it crosses to worker threads). */
export interface PointMeasurement {
  error: number | null;
  flagged: boolean;
  /** Richardson estimate of this point's reference (0 where there is none or it is not finite). */
  richardson: number;
  /** Distance of the reference endpoint to the adaptive cross-check (0 where none was run). */
  dormand: number;
  /** bound / error for a fitted point, 0 for a flagged one. */
  ratio: number;
  /**
   * Error bound of this point's own reference: max(Richardson estimate, cross-check distance)
   * (the estimate alone where there is no cross-check); `null` where there is no reference or
   * the bound is not finite (a reference that never reached the asymptotic regime).
   */
  bound: number | null;
  /** The integrator of the reference this point was measured against; `null` where there is none. */
  method: ReferenceMethod | null;
  /** Field evaluations of the reference (every doubling, and the RK4 attempt a DOP853 reference replaced). */
  evaluations: number;
  /** Field evaluations of the adaptive cross-check; 0 where none was run. */
  crossCheckEvaluations: number;
  /** Whether the cross-check was run (global points that could be fitted). */
  crossChecked: boolean;
}

/** A point with no reference: nothing measured, flagged. */
const UNMEASURED: PointMeasurement = {
  error: null, flagged: true, richardson: 0, dormand: 0, ratio: 0, bound: null, method: null, evaluations: 0, crossCheckEvaluations: 0, crossChecked: false,
};

/**
 * ‖iterate − φ_time(start)‖₂ for the flow of `field`, with the reference integrator of
 * {@link referenceFlow}, whichever needs fewer field evaluations where that was measured
 * (BENCHMARKS.md; per five points of a ladder on the built-in problems):
 *  - a global point: DOP853 from {@link DOP853_START_STEPS} steps (840–1800 evaluations at
 *    orders 1–4, against RK4's 560–15792), except for a flow whose global error is expected to be
 *    first order (GD's gradient flow), where RK4 from 4 steps settles by 16 (112 per point,
 *    2968 against DOP853's 5160 over the five problems) and DOP853 takes over only if it does not;
 *    when the point could be fitted, the adaptive cross-check of its endpoint;
 *  - a local point (one optimiser step, a flow over a short time): RK4 up to
 *    {@link LOCAL_RK4_STEPS} steps (12–28 evaluations at orders ≤ 4, against DOP853's 36–84),
 *    then DOP853 from one step if RK4 has not settled (36, where RK4 needs 60–508 at order 6).
 */
export function measurePoint(field: VectorField, start: Float64Array, it: TimedIterate, factor: number, kind: 'global' | 'local', expectedGlobal: number): PointMeasurement {
  const error = (y: Float64Array): number => norm2(it.iterate, y);
  // The optimiser's own round-off after `steps` steps: an error at or below it is flagged whatever
  // the reference says, so the reference need not be refined below factor × less than it.
  const floor = ROUNDOFF_SAFETY * (it.steps + 1) * Number.EPSILON * Math.max(1, maxAbs(it.iterate));
  const target = (y: Float64Array): number => Math.max(error(y), floor);
  let ref: Reference | null;
  let spent = 0;
  const then = (first: Reference | null, method: ReferenceMethod, steps: number): Reference | null => {
    if (first !== null && first.converged) return first;
    spent = first?.evaluations ?? 0;
    return referenceFlow(field, start, it.time, steps, factor, target, method);
  };
  if (kind === 'global') {
    ref =
      expectedGlobal <= 1
        ? then(referenceFlow(field, start, it.time, GLOBAL_RK4_STEPS[0], factor, target, 'rk4', GLOBAL_RK4_STEPS[1]), 'dop853', DOP853_START_STEPS)
        : referenceFlow(field, start, it.time, DOP853_START_STEPS, factor, target, 'dop853');
  } else {
    ref = then(referenceFlow(field, start, it.time, REFERENCE_START_STEPS, factor, target, 'rk4', LOCAL_RK4_STEPS), 'dop853', 1);
  }
  if (ref === null) return { ...UNMEASURED, evaluations: spent };
  const e = error(ref.y);
  const noisy = it.standardError !== undefined && e < 10 * it.standardError;
  // A point the fit leaves out whatever the cross-check says (its reference did not settle, its
  // error is on the round-off floor or below its sampling noise) is not cross-checked.
  const fittable = ref.converged && e > floor && !noisy && factor * ref.estimate <= e;
  let dp = 0;
  let crossCheckEvaluations = 0;
  const crossChecked = kind === 'global' && fittable;
  if (crossChecked) {
    let calls = 0;
    const counted: VectorField = (t, y) => {
      calls++;
      return field(t, y);
    };
    try {
      // Tolerance tied to what is measured: a tenth of the accuracy demanded of the reference, so
      // the cross-check costs little for large errors and is tight (down to 1e-13) for small ones.
      const rtol = Math.min(1e-8, Math.max(1e-13, e / (10 * factor * Math.max(1, maxAbs(it.iterate)))));
      dp = norm2(integrateAdaptive(counted, start, { t0: 0, t1: it.time, rtol, atol: rtol, method: 'dop853' }).y, ref.y);
    } catch {
      dp = Infinity;
    }
    crossCheckEvaluations = calls;
  }
  const bound = Math.max(ref.estimate, dp);
  const flagged = !fittable || factor * bound > e;
  return {
    error: e,
    flagged,
    richardson: Number.isFinite(ref.estimate) ? ref.estimate : 0,
    dormand: Number.isFinite(dp) ? dp : 0,
    ratio: flagged ? 0 : bound / e,
    bound: Number.isFinite(bound) ? bound : null,
    method: ref.method,
    evaluations: spent + ref.evaluations,
    crossCheckEvaluations,
    crossChecked,
  };
}

/** One (step size, flow) job of a comparison: its indices into `hs` and the flow's key. */
export interface ComparisonJob {
  hIndex: number;
  order: number;
}

/** The result of one {@link ComparisonJob}: plain data, so that it can be measured on a worker thread. */
export interface FlowPointMeasurement extends ComparisonJob {
  /** The step at which the optimiser diverged at this h, or `null`. */
  diverged: number | null;
  /** Optimiser steps of the global iterate (0 where it diverged). */
  steps: number;
  global: PointMeasurement;
  local: PointMeasurement;
  /** Standard error of the global iterate when it is a sampled mean. */
  standardError?: number;
  /** What the optimiser attached to its global iterate (`TimedIterate.detail`). */
  detail?: unknown;
}

/** The jobs of a comparison, step size by step size, each step size's flows in increasing key order. */
export function comparisonJobs(spec: Pick<OptimizerComparison, 'hs' | 'flows'>): ComparisonJob[] {
  const orders = flowKeys(spec);
  return spec.hs.flatMap((_, hIndex) => orders.map((order) => ({ hIndex, order })));
}

function flowKeys(spec: Pick<OptimizerComparison, 'flows'>): number[] {
  return Object.keys(spec.flows).map(Number).sort((a, b) => a - b);
}

/**
 * A measurer of the jobs of one comparison: `(job) => FlowPointMeasurement`. It keeps the
 * optimiser's global run of the last step size, so consecutive flows of one h share it.
 */
export function comparisonMeasurer(spec: OptimizerComparison): (job: ComparisonJob) => FlowPointMeasurement {
  const factor = spec.referenceFactor ?? 100;
  let last: { h: number; it: TimedIterate | null; diverged: number | null } | null = null;
  return ({ hIndex, order }) => {
    const h = spec.hs[hIndex];
    const flow = spec.flows[order];
    if (h === undefined || flow === undefined) throw new IgrError(`comparisonMeasurer: no job (h index ${hIndex}, flow ${order}) in this comparison`);
    if (last === null || last.h !== h) {
      last = { h, it: null, diverged: null };
      try {
        last.it = spec.global(h);
      } catch (e) {
        if (!(e instanceof DivergenceError)) throw e;
        last.diverged = e.step;
      }
    }
    const it = last.it;
    if (it === null) return { hIndex, order, diverged: last.diverged, steps: 0, global: UNMEASURED, local: UNMEASURED };
    const field = flow.field(h);
    const g = measurePoint(field, flow.start?.(h) ?? spec.theta0, it, factor, 'global', flow.expectedGlobal);
    // A local iterate that cannot be formed (a two-step method's history off a flow that blows up
    // backwards) is a flagged gap, like a reference that cannot be computed.
    const localIterate = spec.local(h, field, order);
    const l = localIterate === null ? UNMEASURED : measurePoint(field, spec.theta0, localIterate, factor, 'local', flow.expectedGlobal);
    return {
      hIndex,
      order,
      diverged: null,
      steps: it.steps,
      global: g,
      local: l,
      ...(it.standardError !== undefined && { standardError: it.standardError }),
      ...(it.detail !== undefined && { detail: it.detail }),
    };
  };
}

/**
 * The report of a comparison from the measurements of all its jobs (any order, e.g. as workers
 * finish them): errors, flags and bounds per flow and h, slopes fitted against log h with the
 * expected values of each flow, diverged step sizes, and what the reference integrator spent.
 * The same measurements give the same report bit for bit, however they were scheduled.
 */
export function assembleComparison(
  spec: Pick<OptimizerComparison, 'problem' | 'theta0' | 'hs' | 'T' | 'flows' | 'tolerance'>,
  measurements: readonly FlowPointMeasurement[],
  seconds: number,
): ComparisonReport {
  const tolerance = spec.tolerance ?? 0.1;
  const orders = flowKeys(spec);
  const at = new Map(measurements.map((m) => [`${m.hIndex}:${m.order}`, m]));
  const table = <T>(value: (m: FlowPointMeasurement) => T): Record<number, T[]> =>
    Object.fromEntries(
      orders.map((p) => [
        p,
        spec.hs.map((_, k) => {
          const m = at.get(`${k}:${p}`);
          if (m === undefined) throw new IgrError(`assembleComparison: no measurement for h = ${spec.hs[k]}, flow ${p}`);
          return value(m);
        }),
      ]),
    );
  const isDiverged = (m: FlowPointMeasurement): boolean => m.diverged !== null;
  const globalError = table((m) => (isDiverged(m) ? null : m.global.error));
  const localError = table((m) => (isDiverged(m) ? null : m.local.error));
  const roundoff = { global: table((m) => !isDiverged(m) && m.global.flagged), local: table((m) => !isDiverged(m) && m.local.flagged) };
  const referenceBound = { global: table((m) => m.global.bound), local: table((m) => m.local.bound) };
  const referenceMethod = { global: table((m) => m.global.method), local: table((m) => m.local.method) };
  const first = orders[0]!;
  const diverged: { h: number; step: number }[] = [];
  const steps: number[] = [];
  spec.hs.forEach((h, k) => {
    const m = at.get(`${k}:${first}`)!;
    if (m.diverged !== null) diverged.push({ h, step: m.diverged });
    steps.push(m.steps);
  });
  let richardson = 0;
  let dormand = 0;
  let worst = 0;
  const used = { global: {} as Record<string, number>, local: {} as Record<string, number> };
  const evaluations = { global: 0, local: 0, crossCheck: 0 };
  let crossChecked = 0;
  // Sum in job order (h-major), so the totals do not depend on the order measurements arrived in.
  for (let k = 0; k < spec.hs.length; k++) {
    for (const p of orders) {
      const m = at.get(`${k}:${p}`)!;
      for (const kind of ['global', 'local'] as const) {
        const point = m[kind];
        richardson = Math.max(richardson, point.richardson);
        dormand = Math.max(dormand, point.dormand);
        worst = Math.max(worst, point.ratio);
        evaluations[kind] += point.evaluations;
        if (point.method !== null) used[kind][point.method] = (used[kind][point.method] ?? 0) + 1;
      }
      evaluations.crossCheck += m.global.crossCheckEvaluations;
      if (m.global.crossChecked) crossChecked++;
    }
  }
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
    seconds,
    reference: { global: used.global, local: used.local, crossCheck: { method: CROSS_CHECK_METHOD, points: crossChecked }, evaluations },
    referenceMethod,
    flows,
  };
}

/**
 * Measures an optimiser against candidate flows: per h and per flow, the global error (the
 * optimiser's `global` iterate against the flow from its start) and the local error (its `local`
 * iterate against the flow from θ0), flagged points left out of the fits, slopes fitted against
 * log h with the expected values of each flow. A diverging h is recorded in `diverged`.
 * In one thread, job by job ({@link comparisonJobs}, {@link comparisonMeasurer},
 * {@link assembleComparison}); the CLI runs the same jobs on worker threads.
 */
export function compareWithFlows(spec: OptimizerComparison): ComparisonReport {
  return runPrepared({ comparison: spec, finish: (report) => report });
}

/**
 * A verification split for parallel runs: the comparison whose jobs can be measured anywhere
 * (in this thread, or on workers that rebuild the same comparison), and how its assembled report
 * becomes the optimiser's own report (extra fields, measurements of its own).
 */
export interface PreparedVerification<R extends VerificationReport = VerificationReport> {
  comparison: OptimizerComparison;
  /** The final report from the assembled one and the job measurements it came from. */
  finish: (report: ComparisonReport, measurements: readonly FlowPointMeasurement[]) => R;
}

/** Runs a prepared verification in this thread, job by job; `seconds` is the whole run's wall time. */
export function runPrepared<R extends VerificationReport>(prepared: PreparedVerification<R>): R {
  const started = performance.now();
  const spec = prepared.comparison;
  const jobs = comparisonJobs(spec);
  const measure = comparisonMeasurer(spec);
  const measurements = jobs.map((job, i) => {
    const m = measure(job);
    spec.onProgress?.(i + 1, jobs.length);
    return m;
  });
  const report = prepared.finish(assembleComparison(spec, measurements, 0), measurements);
  return { ...report, seconds: (performance.now() - started) / 1000 };
}
