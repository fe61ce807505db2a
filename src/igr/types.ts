/**
 * Types of the backward-error verification (README.md, "The mathematics").
 *
 * Consumers: `src/cli/commands/verify.ts` (human table and `--json`), `src/report`.
 * The values live in
 *  - `src/igr/problems.ts`: `export const problems: readonly VerificationProblem[]`
 *    and `findProblem(name): VerificationProblem` (throws `IgrError` listing the valid names);
 *  - `src/igr/verify.ts`: `verifyBackwardError(loss, theta0, options): VerificationReport`,
 *    `verifyProblem(problem, overrides?): VerificationReport` and
 *    `verificationJson(report): VerificationJson` (the `--json` object, keys in order).
 */
import type { ScalarFn } from '../autodiff/index.js';

/** Least-squares fit of log(error) against log(h) over the points not flagged as round-off or diverged. */
export interface SlopeFit {
  /** Fitted slope d log(error) / d log(h). */
  slope: number;
  /** Intercept of the fit in natural logs: log(error) ≈ intercept + slope · log(h). */
  intercept: number;
  /** Coefficient of determination of the fit (1 for a perfect power law). */
  r2: number;
  /** Number of points the fit used (at least 2, otherwise there is no fit and the slope is `null`). */
  used: number;
  /** The slope backward error analysis predicts: p for the global error, p + 1 for the local error. */
  expected: number;
  /** |slope − expected| ≤ tolerance. */
  pass: boolean;
  tolerance: number;
}

/** Options of `verifyBackwardError`; every field but `hs`, `T`, `orders` has a default. */
export interface VerificationOptions {
  /** Ladder of GD step sizes (learning rates), each > 0, with T/h an integer within 1e-9. */
  hs: readonly number[];
  /** Final time: GD runs n = T/h steps, the modified flows are integrated over [0, T]. */
  T: number;
  /** Truncation orders p of the modified equation (f_1 + h f_2 + … + h^{p−1} f_p), each ≥ 1. */
  orders: readonly number[];
  /** Allowed |fitted slope − expected slope|; default 0.1. */
  tolerance?: number;
  /**
   * The reference integrator must sit this many times below each error it measures (its
   * Richardson estimate, and for global points the adaptive cross-check); default 100.
   * Points where it does not are flagged, not fitted.
   */
  referenceFactor?: number;
  /** Seed of the random vectors of the non-gradient measure; default 1. */
  seed?: number;
  /** Problem name put in the report; default 'custom'. */
  name?: string;
  /** Called after each (h, order) measurement with the number done and the total (the CLI shows progress with it; core never prints). */
  onProgress?: (done: number, total: number) => void;
}

/** One built-in verification problem: one entry in the `problems` list. */
export interface VerificationProblem {
  /** Identifier used by `igr verify --problem NAME`. */
  name: string;
  /** One line: what the loss is and where it starts. */
  description: string;
  /** Number of parameters m. */
  dimension: number;
  /** E : R^m → R, written with autodiff operations (differentiable to any order). */
  loss: ScalarFn;
  /** Start point θ0, length m. */
  theta0: readonly number[];
  /** Default ladder of step sizes. */
  hs: readonly number[];
  /** Default final time. */
  T: number;
  /**
   * Ladders for integrators of higher order q (`igr verify --optimizer rk:<name>`), where the GD
   * ladder leaves errors of size h^q on the round-off floor or in the pre-asymptotic range; the
   * entry with the largest `fromOrder` ≤ q applies (see `ladderFor`), else `hs` and `T`.
   */
  higherOrder?: readonly HigherOrderLadder[];
  /**
   * For problems whose modified equation is known in closed form: the coefficient vectors
   * f_1..f_order at θ (the quadratic: f_j = −A^j θ / j, from (1/h) log(I − hA) θ).
   */
  closedForm?: (theta: Float64Array, order: number) => Float64Array[];
}

/** A step-size ladder and final time for methods of order ≥ `fromOrder`, and why it differs from GD's. */
export interface HigherOrderLadder {
  fromOrder: number;
  hs: readonly number[];
  T: number;
  /** One line: what goes wrong with the GD ladder at this order (shown in docs and reports). */
  reason: string;
}

/** Result of one verification run; `verificationJson` projects it onto the CLI's JSON keys. */
export interface VerificationReport {
  problem: string;
  dimension: number;
  theta0: number[];
  T: number;
  hs: number[];
  orders: number[];
  /** n = T/h per step size. */
  steps: number[];
  /**
   * Per order, per h: ‖θ_n − θ_p(T)‖₂; `null` where GD diverged (see `diverged`) or where the
   * truncated modified flow itself could not be integrated to T (then also flagged in `roundoff`).
   */
  globalError: Record<number, (number | null)[]>;
  /** Per order, per h: ‖θ_1 − φ_{p,h}(θ0)‖₂ (one GD step against the order-p flow over time h). */
  localError: Record<number, (number | null)[]>;
  /**
   * Points at the round-off floor ((steps + 1) · ε · |θ| · 100), or whose reference bound is not
   * 100× below the error: reported, excluded from the fits.
   */
  roundoff: { global: Record<number, boolean[]>; local: Record<number, boolean[]> };
  /** Slope fits per order; `null` when fewer than two points survive. */
  globalSlope: Record<number, SlopeFit | null>;
  localSlope: Record<number, SlopeFit | null>;
  /**
   * Accuracy of the reference integrator. `richardson`: largest Richardson estimate of a point's
   * reference (DOP853 or RK4, over h, order, global and local); `dormandPrince`: largest distance
   * of a global reference endpoint to the adaptive Dormand–Prince solve that cross-checks it
   * (DOP853 with its own error control, since issue 13; Dormand–Prince 5(4) before; run on the
   * points the fit could use); `ratioToSmallestError`: the largest ratio, over the fitted
   * points, of a point's reference bound to the error it measures (≤ 1/referenceFactor = 0.01 by
   * construction; points where that could not be reached are flagged instead).
   */
  referenceErrorBound: { richardson: number; dormandPrince: number; ratioToSmallestError: number };
  /**
   * Per kind, per order, per h: the error bound of the reference flow that very point was measured
   * against (the reference is refined per point until it sits `referenceFactor` below that point's
   * error, so a small error has a correspondingly accurate reference; `referenceMethod` names its
   * integrator). Global points: the larger of the Richardson estimate and the distance to the
   * adaptive cross-check's endpoint (the estimate alone for a point left out of the fit anyway,
   * which is not cross-checked); local points: the Richardson estimate. `null` where nothing was measured (GD diverged, no finite reference)
   * or the bound is not finite. Fitted points have bound ≤ error / referenceFactor; the scalar
   * `referenceErrorBound` summarises these (its `richardson` and `dormandPrince` are the maxima).
   * Present in every report `verifyBackwardError` and `compareWithFlows` make; optional so that
   * reports built elsewhere (older JSON, hand-made fixtures) still type-check — a report without
   * it draws no per-point bound.
   */
  referenceBound?: { global: Record<number, (number | null)[]>; local: Record<number, (number | null)[]> };
  /**
   * Which reference integrators the points used and what they cost (present in every report the
   * comparison makes; optional for older JSON and hand-made fixtures).
   */
  reference?: ReferenceSummary;
  /** Per kind, per order, per h: the integrator of the reference each point was measured against (`null`: none). */
  referenceMethod?: { global: Record<number, (string | null)[]>; local: Record<number, (string | null)[]> };
  /** Step sizes for which gradient descent diverged (non-finite or exploding), with the step. */
  diverged: { h: number; step: number }[];
  /**
   * Non-gradient part of f_3 at θ0: max over seeded random pairs (u, v) of
   * |uᵀJv − vᵀJu| / (|uᵀJv| + |vᵀJu|), J = ∂f_3/∂θ (0 iff J is symmetric on those directions,
   * i.e. f_3 is locally a gradient). `null` when the order-3 term vanishes (e.g. a linear loss).
   */
  nonGradientPart: { order3: number | null; samples: number };
  /** Every fitted slope within tolerance and at least one fit per order. */
  pass: boolean;
  /** Wall-clock time of the run. */
  seconds: number;
}

/** The reference integrators of one verification and their cost. */
export interface ReferenceSummary {
  /** Global points per integrator ('dop853', 'rk4'): how many were measured against each. */
  global: Record<string, number>;
  /** Local (one-step) points per integrator. */
  local: Record<string, number>;
  /** The cross-check of the global endpoints ('dop853-adaptive') and how many points it checked (those the fit could use). */
  crossCheck: { method: string; points: number };
  /** Field evaluations of the modified flows: global references, local references, cross-checks. */
  evaluations: { global: number; local: number; crossCheck: number };
}

/** The `igr verify --json` object for one problem, keys in this order. */
export type VerificationJson = Pick<
  VerificationReport,
  | 'problem'
  | 'T'
  | 'hs'
  | 'orders'
  | 'globalError'
  | 'localError'
  | 'globalSlope'
  | 'localSlope'
  | 'referenceErrorBound'
  | 'nonGradientPart'
  | 'reference'
>;

/** Bad input to the igr layer (unknown problem, method or order, a ladder whose T/h is not an integer, …). */
export class IgrError extends Error {
  override name = 'IgrError';
}

/**
 * A name as an error message quotes it: `'name'`, or its first 60 characters and its length, so a
 * 100 KB name given by mistake is not echoed back whole.
 */
export function quoteName(name: string): string {
  return name.length <= 60 ? `'${name}'` : `'${name.slice(0, 60)}…' (${name.length} characters)`;
}
