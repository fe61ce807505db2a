/**
 * Richardson error estimate of a fixed-step solution: how accurate is a reference trajectory?
 *
 * For a method of order p, y_N = y(t1) + C h^p + O(h^(p+1)) with h = (t1 - t0)/N, so
 * y_N - y_2N ≈ C h^p (1 - 2^-p) and the error of the finer solution is
 *
 *     y_2N - y(t1) ≈ (y_N - y_2N) / (2^p - 1).
 *
 * Valid in the asymptotic regime (h small enough that the leading term dominates) and above
 * round-off: when |y_N - y_2N| is at the level of a few ulps, the estimate measures rounding.
 */

import { badInput } from './errors.js';
import { integrateWithStats, resolveMethod, type FixedStepOptions, type VectorField } from './rk.js';

/** Result of {@link richardsonError}. */
export interface RichardsonResult {
  /** The finer solution: `2·steps` steps. */
  y: Float64Array;
  /** Estimated max-norm error of `y`: max_i |y_N,i - y_2N,i| / (2^p - 1). */
  errorEstimate: number;
  /** The same estimate divided by max(max_i |y_i|, tiny): the relative max-norm error. */
  relativeErrorEstimate: number;
  /** Signed per-component estimates of the error y - y(t1): (y_N - y_2N) / (2^p - 1). */
  componentErrors: Float64Array;
  /** y - componentErrors: Richardson extrapolation, formally of order p + 1. */
  extrapolated: Float64Array;
  /** The method's declared order p used in the estimate. */
  order: number;
  /** Field evaluations of both solutions: 3 · steps · stages. */
  evaluations: number;
}

/**
 * Solves with `steps` and `2·steps` fixed steps and estimates the error of the finer solution
 * from their difference (Richardson). The norm is the max-norm (largest component error).
 * Options as {@link integrate}, with `t1` (the `dt` form would change the end time between the two).
 * @throws {OdeError} as {@link integrate}.
 */
export function richardsonError(field: VectorField, y0: ArrayLike<number>, options: FixedStepOptions): RichardsonResult {
  const fn = 'richardsonError';
  if (options === null || typeof options !== 'object' || options.t1 === undefined || options.dt !== undefined) {
    throw badInput(fn, 'give the end time t1 (not dt): the estimate compares steps and 2·steps over the same interval');
  }
  if (typeof options.steps !== 'number' || !Number.isInteger(options.steps) || options.steps < 1) {
    throw badInput(fn, `steps must be a positive integer, got ${String(options.steps)}`);
  }
  const p = resolveMethod(options.method, fn).order;
  const coarse = integrateWithStats(field, y0, options);
  const fine = integrateWithStats(field, y0, { ...options, steps: 2 * options.steps });
  const denom = 2 ** p - 1;
  const n = fine.y.length;
  const componentErrors = new Float64Array(n);
  const extrapolated = new Float64Array(n);
  let errorEstimate = 0;
  let scale = 0;
  for (let i = 0; i < n; i++) {
    // y_N - y = C h^p and y_2N - y = C h^p / 2^p  =>  y_2N - y = (y_N - y_2N) / (2^p - 1).
    const d = (coarse.y[i]! - fine.y[i]!) / denom;
    componentErrors[i] = d;
    extrapolated[i] = fine.y[i]! - d;
    errorEstimate = Math.max(errorEstimate, Math.abs(d));
    scale = Math.max(scale, Math.abs(fine.y[i]!));
  }
  return {
    y: fine.y,
    errorEstimate,
    relativeErrorEstimate: errorEstimate / Math.max(scale, Number.MIN_VALUE),
    componentErrors,
    extrapolated,
    order: p,
    evaluations: coarse.evaluations + fine.evaluations,
  };
}
