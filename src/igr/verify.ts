/**
 * The verification of backward error analysis (README.md, "The mathematics"): for a ladder of
 * learning rates h, gradient descent for n = T/h steps against the exact flow of each order-p
 * modified equation; global errors must scale like h^p, one-step errors like h^{p+1}. The
 * measuring (reference integrator, round-off flags, slope fits) is ./compare.ts, shared with the
 * other optimisers.
 */
import type { ScalarFn } from '../autodiff/index.js';
import { tensor } from '../autodiff/index.js';
import { checkOrders, runPrepared, stepCounts, type CandidateFlow, type PreparedVerification } from './compare.js';
import { gradientDescent } from './descent.js';
import { modifiedField, nonGradientPart } from './modified.js';
import {
  IgrError,
  type VerificationJson,
  type VerificationOptions,
  type VerificationProblem,
  type VerificationReport,
} from './types.js';

/**
 * Highest truncation order verified (trees of order 8: 115 of them, 200 up to 8; derivatives of
 * order 8). Set from measurements (BENCHMARKS.md): at order 9 every built-in ladder's errors h^9
 * fall below round-off (not one global point of two-parameter could be fitted), so a run could
 * only report "no fit", while the cost grows 2–3× per order (two-parameter: 7 s of CPU at
 * order 8, 19 s at order 9; the 97-parameter mlp: minutes at order 8, with progress shown).
 * The modified equations themselves go further (MAX_SERIES_ORDER).
 */
export const MAX_ORDER = 8;

function validate(loss: ScalarFn, theta0: Float64Array, options: VerificationOptions): number[] {
  const fn = 'verifyBackwardError';
  const { hs, T, orders } = options;
  if (!(T > 0) || !Number.isFinite(T)) throw new IgrError(`${fn}: T must be a finite number > 0, got ${T}`);
  if (!Array.isArray(hs) || hs.length === 0) throw new IgrError(`${fn}: hs must be a non-empty list of step sizes`);
  checkOrders(fn, orders, MAX_ORDER);
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
  return stepCounts(fn, hs, T);
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
  return runPrepared(prepareBackwardError(loss, theta0, options));
}

/**
 * {@link verifyBackwardError} split for parallel runs: validates the input, and returns the
 * comparison (its (h, order) jobs can be measured in any thread that prepared the same inputs)
 * and the step that turns the assembled report into GD's (orders as given, n = T/h for every h,
 * the non-gradient part of f_3).
 */
export function prepareBackwardError(
  loss: ScalarFn,
  theta0: Float64Array | readonly number[],
  options: VerificationOptions,
): PreparedVerification<VerificationReport> {
  const start = Float64Array.from(theta0);
  const steps = validate(loss, start, options);
  const { hs, T, orders } = options;
  const orderList = [...new Set(orders)]; // a repeated order would be measured twice into one entry
  const flows: Record<number, CandidateFlow> = {};
  for (const p of orderList) {
    flows[p] = { label: `order-${p} modified flow`, field: (h) => modifiedField(loss, h, p), expectedGlobal: p, expectedLocal: p + 1 };
  }
  // GD's iterates per h, computed once for the global (θ_n at T) and local (θ_1 at h) comparisons.
  const stepsOf = new Map(hs.map((h, k) => [h, steps[k]!]));
  let iterates: Float64Array[] = [];
  return {
    comparison: {
      problem: options.name ?? 'custom',
      theta0: start,
      hs,
      T,
      flows,
      global: (h) => {
        const n = stepsOf.get(h)!;
        iterates = gradientDescent(loss, start, h, n); // throws DivergenceError: recorded as diverged
        return { iterate: iterates[n]!, time: T, steps: n };
      },
      local: (h) => ({ iterate: iterates[1]!, time: h, steps: 1 }),
      ...(options.tolerance !== undefined && { tolerance: options.tolerance }),
      ...(options.referenceFactor !== undefined && { referenceFactor: options.referenceFactor }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    },
    finish: (comparison) => {
      // GD's report has no flow labels (its orders say what each flow is).
      const { flows: _labels, ...report } = comparison;
      return {
        ...report,
        orders: orderList,
        steps, // n = T/h also where GD diverged (the comparison records 0 steps there)
        nonGradientPart: { order3: nonGradientPart(loss, start, { seed: options.seed ?? 1, samples: NON_GRADIENT_SAMPLES }), samples: NON_GRADIENT_SAMPLES },
      };
    },
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
  const { problem, T, hs, orders, globalError, localError, globalSlope, localSlope, referenceErrorBound, nonGradientPart, reference } = report;
  return { problem, T, hs, orders, globalError, localError, globalSlope, localSlope, referenceErrorBound, nonGradientPart, ...(reference && { reference }) };
}
