/**
 * The verification of backward error analysis (DESIGN.md, "The verification"): for a ladder of
 * learning rates h, gradient descent for n = T/h steps against the exact flow of each order-p
 * modified equation; global errors must scale like h^p, one-step errors like h^{p+1}.
 *
 * The exact flows are computed by RK4 with step doubling until the Richardson estimate of its own
 * error sits `referenceFactor` (100) times below the error it measures, and the endpoint is
 * cross-checked by Dormand–Prince 5(4) at tight tolerance. Points where no such reference exists
 * (round-off floor) are flagged and left out of the least-squares fits, not hidden.
 */
import type { ScalarFn } from '../autodiff/index.js';
import { tensor } from '../autodiff/index.js';
import { dormandPrince, integrate, OdeError, type VectorField } from '../ode/index.js';
import { DivergenceError, gradientDescent } from './descent.js';
import { modifiedField, nonGradientPart } from './modified.js';
import {
  IgrError,
  type SlopeFit,
  type VerificationJson,
  type VerificationOptions,
  type VerificationProblem,
  type VerificationReport,
} from './types.js';

/** Highest truncation order accepted (trees of order 8: 115 of them, derivatives of order 8). */
export const MAX_ORDER = 8;

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

/** The flow of `field` from θ0 over [0, t] by RK4, doubled until its Richardson estimate is `factor` below `error(y)`. */
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
export function reference(field: VectorField, theta0: Float64Array, t: number, startSteps: number, factor: number, error: (y: Float64Array) => number): Reference | null {
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

function validate(loss: ScalarFn, theta0: Float64Array, options: VerificationOptions): number[] {
  const fn = 'verifyBackwardError';
  const { hs, T, orders } = options;
  if (!(T > 0) || !Number.isFinite(T)) throw new IgrError(`${fn}: T must be a finite number > 0, got ${T}`);
  if (!Array.isArray(hs) || hs.length === 0) throw new IgrError(`${fn}: hs must be a non-empty list of step sizes`);
  if (!Array.isArray(orders) || orders.length === 0) throw new IgrError(`${fn}: orders must be a non-empty list`);
  for (const p of orders) {
    if (!Number.isInteger(p) || p < 1 || p > MAX_ORDER) {
      throw new IgrError(`${fn}: order ${p} is outside 1..${MAX_ORDER} (orders must be integers)`);
    }
  }
  const { tolerance, referenceFactor } = options;
  if (tolerance !== undefined && !(tolerance > 0 && Number.isFinite(tolerance))) {
    throw new IgrError(`${fn}: tolerance must be a finite number > 0, got ${tolerance}`);
  }
  if (referenceFactor !== undefined && !(referenceFactor >= 1 && Number.isFinite(referenceFactor))) {
    throw new IgrError(`${fn}: referenceFactor must be a finite number ≥ 1, got ${referenceFactor}`);
  }
  theta0.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new IgrError(`${fn}: θ0[${i}] = ${v} is not finite`);
  });
  const value = loss(tensor(Array.from(theta0), [theta0.length]));
  if (value.shape.length !== 0) {
    throw new IgrError(`${fn}: the loss must return a scalar (shape []), got shape [${value.shape.join(', ')}]`);
  }
  if (!Number.isFinite(value.item())) throw new IgrError(`${fn}: the loss at θ0 is ${value.item()}, not finite`);
  return hs.map((h) => {
    if (!(h > 0) || !Number.isFinite(h)) throw new IgrError(`${fn}: every h must be a finite number > 0, got ${h}`);
    const ratio = T / h;
    const n = Math.round(ratio);
    if (n < 1 || Math.abs(ratio - n) > 1e-9 * Math.max(1, n)) {
      throw new IgrError(`${fn}: T/h must be a whole number of steps, but T = ${T}, h = ${h} gives T/h = ${ratio}`);
    }
    return n;
  });
}

/**
 * Measures gradient descent against the exact flows of its truncated modified equations.
 * For each h: n = T/h GD steps; for each order p: global error ‖θ_n − θ_p(T)‖₂ and local error
 * ‖θ_1 − φ_{p,h}(θ0)‖₂; then slope fits of log error against log h (expected p and p + 1).
 * A diverging h is reported in `diverged` (its errors are `null`), the rest is still measured.
 */
export function verifyBackwardError(
  loss: ScalarFn,
  theta0: Float64Array | readonly number[],
  options: VerificationOptions,
): VerificationReport {
  const started = performance.now();
  const start = Float64Array.from(theta0);
  const steps = validate(loss, start, options);
  const { hs, T, orders } = options;
  const tolerance = options.tolerance ?? 0.1;
  const factor = options.referenceFactor ?? 100;
  const orderList = [...new Set(orders)]; // a repeated order would be measured twice into one entry

  const globalError: Record<number, (number | null)[]> = {};
  const localError: Record<number, (number | null)[]> = {};
  const roundoff = { global: {} as Record<number, boolean[]>, local: {} as Record<number, boolean[]> };
  for (const p of orderList) {
    globalError[p] = [];
    localError[p] = [];
    roundoff.global[p] = [];
    roundoff.local[p] = [];
  }
  const diverged: { h: number; step: number }[] = [];
  let richardson = 0;
  let dormand = 0;
  let worstRatio = 0;

  hs.forEach((h, k) => {
    const n = steps[k]!;
    let iterates: Float64Array[] | null = null;
    try {
      iterates = gradientDescent(loss, start, h, n);
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      diverged.push({ h, step: e.step });
    }
    for (const p of orderList) {
      if (iterates === null) {
        globalError[p]!.push(null);
        localError[p]!.push(null);
        roundoff.global[p]!.push(false);
        roundoff.local[p]!.push(false);
        continue;
      }
      const field = modifiedField(loss, h, p);
      const thetaN = iterates[n]!;
      const theta1 = iterates[1]!;

      // Global: θ_p(T) with RK4 starting from one step per GD step; cross-check by Dormand–Prince.
      const g = reference(field, start, T, REFERENCE_START_STEPS, factor, (y) => norm2(thetaN, y));
      let gErr: number | null = null;
      let gFlag = true;
      if (g !== null) {
        gErr = norm2(thetaN, g.y);
        let dp: number;
        try {
          // Tolerance tied to what is measured: a tenth of the accuracy demanded of RK4, so the
          // cross-check costs little for large errors and is tight (down to 1e-13) for small ones.
          const rtol = Math.min(1e-8, Math.max(1e-13, gErr / (10 * factor * Math.max(1, maxAbs(thetaN)))));
          dp = norm2(dormandPrince(field, start, { t0: 0, t1: T, rtol, atol: rtol }).y, g.y);
        } catch {
          dp = Infinity; // the adaptive solver could not reach T: the cross-check fails, the point is flagged
        }
        const bound = Math.max(g.estimate, dp);
        const floor = ROUNDOFF_SAFETY * (n + 1) * Number.EPSILON * Math.max(1, maxAbs(thetaN));
        gFlag = !g.converged || gErr <= floor || factor * bound > gErr;
        if (Number.isFinite(g.estimate)) richardson = Math.max(richardson, g.estimate);
        if (Number.isFinite(dp)) dormand = Math.max(dormand, dp);
        if (!gFlag) worstRatio = Math.max(worstRatio, bound / gErr);
      }

      // Local: the order-p flow over one step [0, h], against the first GD iterate.
      const l = reference(field, start, h, 1, factor, (y) => norm2(theta1, y));
      let lErr: number | null = null;
      let lFlag = true;
      if (l !== null) {
        lErr = norm2(theta1, l.y);
        const floor = ROUNDOFF_SAFETY * 2 * Number.EPSILON * Math.max(1, maxAbs(theta1));
        lFlag = !l.converged || lErr <= floor || factor * l.estimate > lErr;
        if (Number.isFinite(l.estimate)) richardson = Math.max(richardson, l.estimate);
        if (!lFlag) worstRatio = Math.max(worstRatio, l.estimate / lErr);
      }

      globalError[p]!.push(gErr);
      localError[p]!.push(lErr);
      roundoff.global[p]!.push(gFlag);
      roundoff.local[p]!.push(lFlag);
    }
    options.onProgress?.(k + 1, hs.length);
  });

  const fitted = (errors: (number | null)[], flags: boolean[]): (number | null)[] => errors.map((e, i) => (flags[i] ? null : e));
  const globalSlope: Record<number, SlopeFit | null> = {};
  const localSlope: Record<number, SlopeFit | null> = {};
  for (const p of orderList) {
    globalSlope[p] = fitSlope(hs, fitted(globalError[p]!, roundoff.global[p]!), p, tolerance);
    localSlope[p] = fitSlope(hs, fitted(localError[p]!, roundoff.local[p]!), p + 1, tolerance);
  }
  const pass = orderList.every((p) => globalSlope[p]?.pass === true && localSlope[p]?.pass === true);

  return {
    problem: options.name ?? 'custom',
    dimension: start.length,
    theta0: Array.from(start),
    T,
    hs: [...hs],
    orders: orderList,
    steps,
    globalError,
    localError,
    roundoff,
    globalSlope,
    localSlope,
    referenceErrorBound: { richardson, dormandPrince: dormand, ratioToSmallestError: worstRatio },
    diverged,
    nonGradientPart: { order3: nonGradientPart(loss, start, { seed: options.seed ?? 1, samples: NON_GRADIENT_SAMPLES }), samples: NON_GRADIENT_SAMPLES },
    pass,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Random (u, v) pairs of the non-gradient measure reported beside each verification. */
const NON_GRADIENT_SAMPLES = 4;

/** Runs a built-in problem with its default ladder, orders 1–3, unless overridden. */
export function verifyProblem(problem: VerificationProblem, overrides: Partial<VerificationOptions> = {}): VerificationReport {
  return verifyBackwardError(problem.loss, problem.theta0, {
    hs: problem.hs,
    T: problem.T,
    orders: [1, 2, 3],
    ...overrides,
    name: problem.name,
  });
}

/** The `igr verify --json` object of one report: the report's own fields, keys in the documented order. */
export function verificationJson(report: VerificationReport): VerificationJson {
  const { problem, T, hs, orders, globalError, localError, globalSlope, localSlope, referenceErrorBound, nonGradientPart } = report;
  return { problem, T, hs, orders, globalError, localError, globalSlope, localSlope, referenceErrorBound, nonGradientPart };
}
