/**
 * Where the expansion ends: optimal truncation of the modified equation (issue 14).
 *
 * The modified equation θ' = f_1 + h f_2 + h² f_3 + … of gradient descent is an asymptotic series,
 * not a convergent one: the f_j grow roughly like j! (M/R)^j (Hairer–Lubich–Wanner, Geometric
 * Numerical Integration, IX.7; Benettin–Giorgilli 1994; Reich 1999). For a fixed h the distance of
 * gradient descent from the order-p truncated flow first falls as p grows and then rises; the
 * best order is p* ≈ c′/h and the error there is exponentially small, ~ e^(−c/h) (one step:
 * ~ h e^(−c/h)). {@link truncationStudy} measures this: for each h of a ladder, the distance after
 * n steps and after one step to every order-p flow, p = 1..P, the optimal order and the minimal
 * error per h, and a least-squares fit of log(minimal error) against 1/h (slope −c).
 *
 * The minimal errors are tiny (1e-4 … 1e-13), so the reference flows come from {@link preciseFlow}:
 * DOP853 (order 8) at fixed steps, doubled until the Richardson estimate ‖y_N − y_2N‖/(2^8 − 1) is
 * in its asymptotic regime and `referenceFactor` below the error it resolves, its own rounding
 * (2N ε |y|) counted in the bound; every optimum is cross-checked by adaptive DOP853 at a
 * tolerance tied to the error, and the point's bound is the largest of the three. An optimum
 * below the round-off floor of gradient descent itself (ROUNDOFF_SAFETY · (n + 1) ε max(1, |θ|∞),
 * as in ./compare.ts) or above its own reference bound is flagged and not fitted.
 *
 * Browser-safe core: no `node:` import, no dependency.
 */
import { tensor, type ScalarFn, type Tensor } from '../autodiff/index.js';
import { integrate, integrateAdaptive, OdeError, type VectorField } from '../ode/index.js';
import { DivergenceError, divergenceThreshold, gradientDescent } from './descent.js';
import { modifiedTermsTensor } from './modified.js';
import { treesOfOrder } from './trees.js';
import { IgrError } from './types.js';

/** Coefficient vectors f_1..f_order of the modified equation at θ (`VerificationProblem.closedForm`'s signature). */
export type ModifiedTermsProvider = (theta: Float64Array, order: number) => Float64Array[];

/** Highest truncation order for terms from trees (order 12 alone has 4,766 trees; the substitution law for it takes about a minute). */
export const MAX_TREE_TRUNCATION_ORDER = 12;

/** Highest truncation order for closed-form terms. */
export const MAX_CLOSED_FORM_TRUNCATION_ORDER = 100;

/** Default bound on the work of one study, in units of (tree × parameter × GD step) evaluations: see {@link truncationWork}. */
export const DEFAULT_TRUNCATION_WORK = 200_000;

/** Safety factor on gradient descent's round-off floor (steps + 1) ε max(1, |θ|∞): the same as the verification's. */
export const TRUNCATION_ROUNDOFF_SAFETY = 100;

/**
 * Default factor between an error and its reference bound. The fit is of log(error) over several
 * decades; a bound 10× below moves log10(error) by at most log10(1.1) ≈ 0.04.
 */
export const TRUNCATION_REFERENCE_FACTOR = 10;

/** DOP853 steps the reference may double up to (default of {@link preciseFlow}). */
const MAX_PRECISE_STEPS = 1 << 13;

/**
 * In a study, DOP853 steps per gradient-descent step the reference may double up to. The flows
 * that resolve within it need 2–64 (hλ ≤ 2 per step, order 8); a truncation far past its optimum
 * is stiff (its last term ~ (hλ)^(p−1) λ) and is left unresolved rather than refined for minutes.
 */
const MAX_STEPS_PER_GD_STEP = 128;

/**
 * Once this many consecutive orders have flows that blow up before the comparison time, the
 * higher orders at that h are not integrated (their terms only grow): recorded as blown up.
 */
const BLOWUPS_BEFORE_SKIP = 2;

const EPS = Number.EPSILON;

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

// ---- the reference flow --------------------------------------------------------------------

/** Options of {@link preciseFlow}. */
export interface PreciseFlowOptions {
  /** DOP853 steps of the coarsest solution (doubled from there); default 1. */
  startSteps?: number;
  /** The estimate must sit this many times below `target(y)`; default {@link TRUNCATION_REFERENCE_FACTOR}. */
  factor?: number;
  /** What the reference must resolve, as a function of the solution (the error it is compared with). */
  target: (y: Float64Array) => number;
  /** Largest step count tried; default 2^13. */
  maxSteps?: number;
  /** A state component beyond this magnitude counts as blow-up; default 1e100. */
  blowup?: number;
}

/** The flow's endpoint by DOP853 with step doubling, and what bounds its error. */
export interface PreciseFlow {
  y: Float64Array;
  /** Richardson estimate ‖y_N − y_2N‖₂ / (2^8 − 1) of the returned (finer, 2N-step) solution. */
  richardson: number;
  /** The reference's own rounding, 2N ε max(1, |y|∞) (each step rounds the state once). */
  rounding: number;
  /** max(richardson, rounding): the bound before any cross-check. */
  bound: number;
  steps: number;
  evaluations: number;
  /** In the asymptotic regime (or at its own rounding) with factor · bound ≤ target(y). */
  converged: boolean;
}

/** A fixed-step DOP853 solution, or the time at which it left the finite range (too coarse, or a genuine blow-up). */
function dop853(field: VectorField, y0: Float64Array, t: number, steps: number, blowup: number): { y: Float64Array } | { failedAt: number } {
  try {
    return { y: integrate(field, y0, { t0: 0, t1: t, steps, method: 'dop853', blowup }) };
  } catch (e) {
    if (e instanceof OdeError && e.kind !== 'bad-input') return { failedAt: e.t ?? t };
    throw e;
  }
}

/**
 * The flow of `field` from y0 over [0, t] by DOP853 at fixed steps, doubling from `startSteps`
 * until the Richardson estimate has fallen by ≥ 128 = 2^8/2 since the previous doubling (the
 * asymptotic regime of an order-8 method; half of 2^8 allows for the next term) or reached the
 * rounding of the solution, and factor · max(estimate, rounding) ≤ target(y). Returns the best
 * solution with `converged: false` when the budget runs out or doubling stalls at rounding, and
 * `null` when no resolution gives a finite solution (the flow itself blows up on [0, t]).
 */
export function preciseFlow(field: VectorField, y0: Float64Array, t: number, options: PreciseFlowOptions): PreciseFlow | null {
  const factor = options.factor ?? TRUNCATION_REFERENCE_FACTOR;
  const maxSteps = options.maxSteps ?? MAX_PRECISE_STEPS;
  const blowup = options.blowup ?? 1e100;
  let evaluations = 0;
  const counted: VectorField = (time, y) => {
    evaluations++;
    return field(time, y);
  };
  let n = Math.max(1, options.startSteps ?? 1);
  const first = dop853(counted, y0, t, n, blowup);
  let coarse = 'y' in first ? first.y : null;
  let failedAt = 'y' in first ? null : first.failedAt;
  let previous = Infinity;
  for (;;) {
    const solved = dop853(counted, y0, t, 2 * n, blowup);
    const fine = 'y' in solved ? solved.y : null;
    if (!('y' in solved)) {
      // Two resolutions that fail within a coarse step of each other: the flow itself leaves the
      // finite range there (a truncation past its optimum at large h); refining cannot help.
      if (failedAt !== null && Math.abs(solved.failedAt - failedAt) <= t / n) return null;
      failedAt = solved.failedAt;
    } else {
      failedAt = null;
    }
    if (fine !== null) {
      const rounding = 2 * n * EPS * Math.max(1, maxAbs(fine));
      const richardson = coarse === null ? Infinity : distance(coarse, fine) / 255;
      const bound = Math.max(richardson, rounding);
      const result = (converged: boolean): PreciseFlow => ({ y: fine, richardson, rounding, bound, steps: 2 * n, evaluations, converged });
      const asymptotic = previous !== Infinity && previous >= 128 * richardson;
      const atRounding = richardson <= 16 * rounding;
      if ((asymptotic || atRounding) && factor * bound <= options.target(fine)) return result(true);
      // Doubling no longer helps: the estimate stalled near the solution's rounding.
      if (previous !== Infinity && richardson > previous / 2 && richardson <= 1e4 * rounding) return result(false);
      if (4 * n > maxSteps) return result(false);
      previous = richardson;
    } else if (4 * n > maxSteps) {
      return null;
    }
    coarse = fine;
    n *= 2;
  }
}

/**
 * An independent endpoint: adaptive DOP853 (its own step-size control, embedded order 5) at a
 * relative tolerance tied to the error being resolved, between 1e-14 and 1e-8. `null` when it fails.
 */
export function crossCheckFlow(field: VectorField, y0: Float64Array, t: number, target: number, factor: number): Float64Array | null {
  const scale = Math.max(1, maxAbs(y0));
  const rtol = Math.min(1e-8, Math.max(1e-14, target / (10 * factor * scale)));
  try {
    return integrateAdaptive(field, y0, { t1: t, method: 'dop853', rtol, atol: rtol * scale, maxSteps: 200_000 }).y;
  } catch (e) {
    if (e instanceof OdeError && e.kind !== 'bad-input') return null;
    throw e;
  }
}

// ---- the study -----------------------------------------------------------------------------

/** Options of {@link truncationStudy}: `hs`, `maxOrder`, and exactly one of `T` or `steps`. */
export interface TruncationOptions {
  /** Ladder of GD step sizes, each > 0. */
  hs: readonly number[];
  /** Highest truncation order P: the flows of orders 1..P are compared (P ≥ 2). */
  maxOrder: number;
  /** Final time: n = T/h steps per h (T/h whole to 1e-9). */
  T?: number;
  /** Or: the same number of steps n for every h. */
  steps?: number;
  /**
   * f_1..f_order at θ in closed form (e.g. {@link polynomialModifiedTerms} for a 1-D polynomial
   * loss); default: the B-series over trees (`modifiedTermsTensor`), at most order
   * {@link MAX_TREE_TRUNCATION_ORDER}.
   */
  terms?: ModifiedTermsProvider;
  /** An error must be this many times above its reference bound; default 10. */
  referenceFactor?: number;
  /** Safety factor of the round-off floor; default 100. */
  roundoffSafety?: number;
  /** Which points the adaptive cross-check also measures: the optima (default), every point, or none. */
  crossCheck?: 'minima' | 'all' | 'none';
  /** Bound on {@link truncationWork}; default {@link DEFAULT_TRUNCATION_WORK}. */
  maxWork?: number;
  /** Problem name in the report; default 'custom'. */
  name?: string;
  /** Called after each step size. */
  onProgress?: (done: number, total: number) => void;
}

/** Where the minimum over p lies for one h. */
export type TruncationOptimum =
  /** p* < P, resolved by the reference, above the round-off floor: fitted. */
  | 'interior'
  /** The smallest error is at p = P: the optimum may lie beyond P (not fitted). */
  | 'at-max-order'
  /**
   * The flow of order p* + 1 blows up before the comparison time: the errors fall until the
   * truncated flows stop existing (where hλ > 1 the Hessian part of the series diverges
   * geometrically), not the turn of an asymptotic series (not fitted).
   */
  | 'before-blowup'
  /** The smallest error is on gradient descent's round-off floor (not fitted). */
  | 'round-off'
  /** The reference could not certify the smallest error (bound not referenceFactor below it; not fitted). */
  | 'unresolved'
  /** Gradient descent diverged at this h. */
  | 'diverged';

/** Least squares of log(minimal error) = intercept − c/h over the interior optima. */
export interface ExponentialFit {
  /** The constant of e^(−c/h): minus the fitted slope of log(error) against 1/h (natural logs). */
  c: number;
  intercept: number;
  r2: number;
  /** Number of step sizes fitted. */
  points: number;
  /** The step sizes fitted. */
  hs: number[];
}

/** Least squares of p* = slope/h + intercept over the interior optima (theory: p* ≈ c′/h). */
export interface OrderFit {
  slope: number;
  intercept: number;
  r2: number;
  points: number;
}

/** One kind of distance (after n steps, or after one step) for every h and order. */
export interface TruncationSide {
  /**
   * Per order p (1..P), per h: ‖θ_k − φ_p(kh)‖₂; `null` where GD diverged or the order-p flow blew
   * up before the time (after two consecutive orders that blew up, higher orders are not integrated
   * and are `null` too).
   */
  error: Record<number, (number | null)[]>;
  /** Per order, per h: the error bound of that point's reference (max of Richardson, rounding and, where measured, the cross-check). */
  bound: Record<number, (number | null)[]>;
  /** Per order, per h: on the round-off floor or not certified by its reference. */
  flagged: Record<number, boolean[]>;
  /** Per h: the order with the smallest error (`null` where nothing was measured). */
  optimalOrder: (number | null)[];
  /** Per h: that smallest error. */
  minimalError: (number | null)[];
  /** Per h: what kind of minimum it is; only 'interior' ones are fitted. */
  optimum: TruncationOptimum[];
  /** Per h: GD's round-off floor for this comparison. */
  floor: number[];
  exponentialFit: ExponentialFit | null;
  orderFit: OrderFit | null;
  /**
   * The same from the envelope ê_p = max(e_{p−1}, e_p, e_{p+1}) of three consecutive truncations,
   * so that an accidental zero of one order's (signed) error does not count as the optimum:
   * `optimalOrder` is the centre order of the best window, `minimalError` its ê.
   */
  envelope: EnvelopeOptimum;
}

/** The optimum per h from the envelope of three consecutive truncations, and its fits. */
export interface EnvelopeOptimum {
  optimalOrder: (number | null)[];
  minimalError: (number | null)[];
  optimum: TruncationOptimum[];
  exponentialFit: ExponentialFit | null;
  orderFit: OrderFit | null;
}

/** The result of {@link truncationStudy}. */
export interface TruncationReport {
  problem: string;
  dimension: number;
  theta0: number[];
  hs: number[];
  /** n per h (the global comparison's step count). */
  steps: number[];
  /** The global comparison's time n·h per h. */
  times: number[];
  maxOrder: number;
  /** Where f_j came from. */
  terms: 'trees' | 'closed form';
  /** After n steps. */
  global: TruncationSide;
  /** After one step (the cleanest measure of the series' asymptotic nature: no propagation along a path). */
  local: TruncationSide;
  diverged: { h: number; step: number }[];
  referenceFactor: number;
  /** The work estimate the study was bounded by, and the bound. */
  work: { estimate: number; limit: number };
  /** Field evaluations of every reference and cross-check. */
  evaluations: number;
  seconds: number;
}

/**
 * The work of a study in (tree × parameter × GD step) units: Σ_h (n_h + 1) · Σ_{p ≤ P} c(p) · m,
 * with c(p) the number of trees of order ≤ p (each an elementary differential per field
 * evaluation) or, for closed-form terms, p. A reference costs a few hundred field evaluations
 * per GD step, so one unit is roughly 1–5 ms on the problems here (two-parameter, P = 8, n = 4,
 * six h: about 21,000 units).
 */
export function truncationWork(stepsPerH: readonly number[], maxOrder: number, dimension: number, closedForm: boolean): number {
  let perStep = 0;
  let trees = 0;
  for (let p = 1; p <= maxOrder; p++) {
    trees += closedForm ? 1 : treesOfOrder(p).length;
    perStep += closedForm ? p : trees;
  }
  return stepsPerH.reduce((s, n) => s + (n + 1), 0) * perStep * dimension;
}

function validate(fn: string, loss: ScalarFn, theta0: Float64Array, options: TruncationOptions): number[] {
  if (options === null || typeof options !== 'object') throw new IgrError(`${fn}: options { hs, maxOrder, T | steps } are required`);
  const { hs, maxOrder, T, steps } = options;
  if (!Array.isArray(hs) || hs.length === 0) throw new IgrError(`${fn}: hs must be a non-empty list of step sizes`);
  for (const h of hs) if (typeof h !== 'number' || !(h > 0) || !Number.isFinite(h)) throw new IgrError(`${fn}: every h must be a finite number > 0, got ${String(h)}`);
  const cap = options.terms ? MAX_CLOSED_FORM_TRUNCATION_ORDER : MAX_TREE_TRUNCATION_ORDER;
  if (!Number.isInteger(maxOrder) || maxOrder < 2 || maxOrder > cap) {
    throw new IgrError(
      `${fn}: maxOrder must be an integer in 2..${cap}${options.terms ? ' (closed-form terms)' : ' (terms from trees; give closed-form terms for higher orders)'}, got ${String(maxOrder)}`,
    );
  }
  if ((T === undefined) === (steps === undefined)) throw new IgrError(`${fn}: give exactly one of T (n = T/h steps) or steps (the same n for every h)`);
  let counts: number[];
  if (steps !== undefined) {
    if (!Number.isInteger(steps) || steps < 1) throw new IgrError(`${fn}: steps must be an integer ≥ 1, got ${String(steps)}`);
    counts = hs.map(() => steps);
  } else {
    if (typeof T !== 'number' || !(T > 0) || !Number.isFinite(T)) throw new IgrError(`${fn}: T must be a finite number > 0, got ${String(T)}`);
    counts = hs.map((h) => {
      const ratio = T / h;
      const n = Math.round(ratio);
      if (n < 1 || Math.abs(ratio - n) > 1e-9 * Math.max(1, n)) throw new IgrError(`${fn}: T/h must be a whole number of steps, but T = ${T}, h = ${h} gives T/h = ${ratio}`);
      return n;
    });
  }
  const { referenceFactor, roundoffSafety, crossCheck, maxWork } = options;
  if (referenceFactor !== undefined && !(referenceFactor >= 1 && Number.isFinite(referenceFactor))) throw new IgrError(`${fn}: referenceFactor must be a finite number ≥ 1, got ${referenceFactor}`);
  if (roundoffSafety !== undefined && !(roundoffSafety >= 1 && Number.isFinite(roundoffSafety))) throw new IgrError(`${fn}: roundoffSafety must be a finite number ≥ 1, got ${roundoffSafety}`);
  if (crossCheck !== undefined && !['minima', 'all', 'none'].includes(crossCheck)) throw new IgrError(`${fn}: crossCheck must be 'minima', 'all' or 'none', got '${String(crossCheck)}'`);
  if (maxWork !== undefined && !(maxWork > 0)) throw new IgrError(`${fn}: maxWork must be a number > 0, got ${maxWork}`);
  if (theta0.length === 0) throw new IgrError(`${fn}: θ0 must have at least one component`);
  theta0.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new IgrError(`${fn}: θ0[${i}] = ${v} is not finite`);
  });
  const value = loss(tensor(Array.from(theta0), [theta0.length]));
  if (value.shape.length !== 0) throw new IgrError(`${fn}: the loss must return a scalar (shape []), got shape [${value.shape.join(', ')}]`);
  if (!Number.isFinite(value.item())) throw new IgrError(`${fn}: the loss at θ0 is ${value.item()}, not finite`);
  if (options.terms) {
    const fs = options.terms(theta0, maxOrder);
    if (!Array.isArray(fs) || fs.length !== maxOrder) throw new IgrError(`${fn}: terms(θ0, ${maxOrder}) must return ${maxOrder} coefficient vectors, got ${Array.isArray(fs) ? fs.length : typeof fs}`);
    fs.forEach((f, j) => {
      if (!f || f.length !== theta0.length) throw new IgrError(`${fn}: terms(θ0, ${maxOrder})[${j}] (f_${j + 1}) has length ${f?.length}, expected ${theta0.length} (θ0's length)`);
    });
  }
  return counts;
}

/** The order-p truncated field f_1 + h f_2 + … + h^{p−1} f_p from a terms provider (Horner in h). */
function truncatedField(terms: (y: Float64Array) => Float64Array[], h: number): VectorField {
  return (_t, y) => {
    const fs = terms(y);
    const out = new Float64Array(y.length);
    for (let j = fs.length - 1; j >= 0; j--) {
      const d = fs[j]!;
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * h + d[i]!;
    }
    return out;
  };
}

/** The order-p fields of a study, for each p: from trees (cached per order) or from the closed form. */
function fieldFactory(loss: ScalarFn, terms: ModifiedTermsProvider | undefined): (h: number, p: number) => VectorField {
  if (terms) return (h, p) => truncatedField((y) => terms(y, p), h);
  const byOrder = new Map<number, (theta: Tensor) => Tensor[]>();
  return (h, p) => {
    let t = byOrder.get(p);
    if (!t) byOrder.set(p, (t = modifiedTermsTensor(loss, p)));
    const tt = t;
    return truncatedField((y) => tt(tensor(y, [y.length])).map((x) => x.data), h);
  };
}

function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } | null {
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
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Least squares of log(minimal error) against 1/h over the interior optima; `null` with fewer than two. */
export function fitExponential(hs: readonly number[], minimalError: readonly (number | null)[], optimum: readonly TruncationOptimum[]): ExponentialFit | null {
  const used = hs.filter((_, i) => optimum[i] === 'interior' && (minimalError[i] ?? 0) > 0);
  const fit = linearFit(
    used.map((h) => 1 / h),
    used.map((h) => Math.log(minimalError[hs.indexOf(h)]!)),
  );
  return fit === null ? null : { c: -fit.slope, intercept: fit.intercept, r2: fit.r2, points: used.length, hs: used };
}

function fitOrders(hs: readonly number[], optimalOrder: readonly (number | null)[], optimum: readonly TruncationOptimum[]): OrderFit | null {
  const idx = hs.map((_, i) => i).filter((i) => optimum[i] === 'interior');
  const fit = linearFit(
    idx.map((i) => 1 / hs[i]!),
    idx.map((i) => optimalOrder[i]!),
  );
  return fit === null ? null : { ...fit, points: idx.length };
}

interface Measured {
  error: number | null;
  bound: number | null;
  flagged: boolean;
  /** The reference endpoint (for a later cross-check). */
  y: Float64Array | null;
}

function emptySide(orders: number[]): TruncationSide {
  const rec = <T>(): Record<number, T[]> => Object.fromEntries(orders.map((p) => [p, [] as T[]]));
  return {
    error: rec(),
    bound: rec(),
    flagged: rec(),
    optimalOrder: [],
    minimalError: [],
    optimum: [],
    floor: [],
    exponentialFit: null,
    orderFit: null,
    envelope: { optimalOrder: [], minimalError: [], optimum: [], exponentialFit: null, orderFit: null },
  };
}

/**
 * For each h: gradient descent for n steps (n = T/h, or `steps`), and for each order p = 1..P the
 * distance of θ_n from the order-p truncated flow at time nh and of θ_1 from it at time h, each
 * against a reference accurate far below it; the optimal order and the minimal error per h;
 * fits of log(minimal error) against 1/h (constant c) and of p* against 1/h. The work
 * (maxOrder × trees × steps × parameters, {@link truncationWork}) is bounded before anything runs.
 *
 * @throws IgrError on bad input (naming it) or when the work estimate exceeds `maxWork`.
 */
export function truncationStudy(loss: ScalarFn, theta0: Float64Array | readonly number[], options: TruncationOptions): TruncationReport {
  const fn = 'truncationStudy';
  const started = performance.now();
  const start = Float64Array.from(theta0);
  const counts = validate(fn, loss, start, options);
  const { hs, maxOrder } = options;
  const limit = options.maxWork ?? DEFAULT_TRUNCATION_WORK;
  const estimate = truncationWork(counts, maxOrder, start.length, options.terms !== undefined);
  if (estimate > limit) {
    throw new IgrError(
      `${fn}: the study would take about ${estimate.toExponential(2)} (tree × parameter × step) units of work, above the bound ${limit.toExponential(2)} ` +
        `(maxOrder ${maxOrder}, ${start.length} parameters, ${hs.length} step sizes, up to ${Math.max(...counts)} steps); lower maxOrder, steps or the number of h, or raise maxWork`,
    );
  }
  const factor = options.referenceFactor ?? TRUNCATION_REFERENCE_FACTOR;
  const safety = options.roundoffSafety ?? TRUNCATION_ROUNDOFF_SAFETY;
  const crossCheck = options.crossCheck ?? 'minima';
  const fieldOf = fieldFactory(loss, options.terms);
  const orders = Array.from({ length: maxOrder }, (_, k) => k + 1);
  const global = emptySide(orders);
  const local = emptySide(orders);
  const diverged: { h: number; step: number }[] = [];
  const blowup = divergenceThreshold(start);
  let evaluations = 0;

  const measure = (field: VectorField, iterate: Float64Array, time: number, startSteps: number, floor: number): Measured => {
    const target = (y: Float64Array): number => distance(iterate, y);
    const ref = preciseFlow(field, start, time, { startSteps, factor, target, blowup, maxSteps: MAX_STEPS_PER_GD_STEP * startSteps });
    if (ref === null) return { error: null, bound: null, flagged: true, y: null };
    evaluations += ref.evaluations;
    const error = target(ref.y);
    let bound = ref.bound;
    if (crossCheck === 'all') {
      const other = crossCheckFlow(countEvaluations(field), start, time, error, factor);
      bound = Math.max(bound, other === null ? Infinity : distance(other, ref.y));
    }
    const flagged = !ref.converged || error <= floor || factor * bound > error;
    return { error, bound: Number.isFinite(bound) ? bound : null, flagged, y: ref.y };
  };
  const countEvaluations = (field: VectorField): VectorField => (t, y) => {
    evaluations++;
    return field(t, y);
  };

  hs.forEach((h, k) => {
    const n = counts[k]!;
    let iterates: Float64Array[] | null = null;
    try {
      iterates = gradientDescent(loss, start, h, n);
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      diverged.push({ h, step: e.step });
    }
    const sides: [TruncationSide, number, number][] = [
      [global, n, n * h],
      [local, 1, h],
    ];
    for (const [side, steps, time] of sides) {
      if (iterates === null) {
        for (const p of orders) {
          side.error[p]!.push(null);
          side.bound[p]!.push(null);
          side.flagged[p]!.push(false);
        }
        for (const target of [side, side.envelope]) {
          target.optimalOrder.push(null);
          target.minimalError.push(null);
          target.optimum.push('diverged');
        }
        side.floor.push(0);
        continue;
      }
      const iterate = iterates[steps]!;
      let scale = 0;
      for (let s = 0; s <= steps; s++) scale = Math.max(scale, maxAbs(iterates[s]!));
      const floor = safety * (steps + 1) * EPS * Math.max(1, scale);
      side.floor.push(floor);
      const points: Measured[] = [];
      let blowups = 0;
      for (const p of orders) {
        // The one-step comparison of a one-step global comparison is the same measurement.
        const point =
          side === local && n === 1
            ? pointsOfGlobal(global, p, k)
            : blowups >= BLOWUPS_BEFORE_SKIP
              ? { error: null, bound: null, flagged: true, y: null }
              : measure(fieldOf(h, p), iterate, time, Math.max(1, steps), floor);
        blowups = point.error === null ? blowups + 1 : 0;
        points.push(point);
        side.error[p]!.push(point.error);
        side.bound[p]!.push(point.bound);
        side.flagged[p]!.push(point.flagged);
      }
      if (side === local && n === 1) {
        // Shared with the global side, whose optima were cross-checked already.
        for (const key of ['optimalOrder', 'minimalError', 'optimum'] as const) {
          (side[key] as unknown[]).push(global[key][k]);
          (side.envelope[key] as unknown[]).push(global.envelope[key][k]);
        }
        continue;
      }
      // An optimum is only fitted once an independent integrator agrees with its reference.
      const certify = (q: number): boolean => {
        const pt = points[q - 1]!;
        if (crossCheck !== 'minima' || pt.y === null || certified.has(q)) return certified.get(q) ?? true;
        const other = crossCheckFlow(countEvaluations(fieldOf(h, q)), start, time, pt.error!, factor);
        const bound = Math.max(pt.bound ?? Infinity, other === null ? Infinity : distance(other, pt.y));
        side.bound[q]![k] = Number.isFinite(bound) ? bound : null;
        const ok = factor * bound <= pt.error!;
        if (!ok) side.flagged[q]![k] = true;
        certified.set(q, ok);
        return ok;
      };
      const certified = new Map<number, boolean>();
      const raw = rawOptimum(points, maxOrder, floor);
      if (raw.status === 'interior' && !certify(raw.order!)) raw.status = 'unresolved';
      side.optimalOrder.push(raw.order);
      side.minimalError.push(raw.error);
      side.optimum.push(raw.status);
      const env = envelopeOptimum(points, maxOrder, floor);
      if (env.status === 'interior' && !certify(env.decisive!)) env.status = 'unresolved';
      side.envelope.optimalOrder.push(env.order);
      side.envelope.minimalError.push(env.error);
      side.envelope.optimum.push(env.status);
    }
    options.onProgress?.(k + 1, hs.length);
  });

  for (const side of [global, local]) {
    side.exponentialFit = fitExponential(hs, side.minimalError, side.optimum);
    side.orderFit = fitOrders(hs, side.optimalOrder, side.optimum);
    side.envelope.exponentialFit = fitExponential(hs, side.envelope.minimalError, side.envelope.optimum);
    side.envelope.orderFit = fitOrders(hs, side.envelope.optimalOrder, side.envelope.optimum);
  }
  return {
    problem: options.name ?? 'custom',
    dimension: start.length,
    theta0: Array.from(start),
    hs: [...hs],
    steps: counts,
    times: hs.map((h, k) => h * counts[k]!),
    maxOrder,
    terms: options.terms ? 'closed form' : 'trees',
    global,
    local,
    diverged,
    referenceFactor: factor,
    work: { estimate, limit },
    evaluations,
    seconds: (performance.now() - started) / 1000,
  };
}

/** What kind of minimum the point at order q (1-based) is, before any cross-check. */
function classify(points: Measured[], q: number, maxOrder: number, floor: number): TruncationOptimum {
  const pt = points[q - 1]!;
  if (pt.flagged) return pt.error! <= floor ? 'round-off' : 'unresolved';
  if (q === maxOrder) return 'at-max-order';
  return points[q]!.error === null ? 'before-blowup' : 'interior';
}

/** The smallest measured error over p (an order whose flow blew up counts as +∞). */
function rawOptimum(points: Measured[], maxOrder: number, floor: number): { order: number | null; error: number | null; status: TruncationOptimum } {
  let best = -1;
  points.forEach((pt, i) => {
    if (pt.error !== null && (best < 0 || pt.error < points[best]!.error!)) best = i;
  });
  if (best < 0) return { order: null, error: null, status: 'unresolved' };
  return { order: best + 1, error: points[best]!.error, status: classify(points, best + 1, maxOrder, floor) };
}

/**
 * The envelope optimum: the order p minimising ê_p = max(e_{p−1}, e_p, e_{p+1}) over the orders
 * whose three flows exist. Where the error changes sign between orders (in one dimension it does
 * whenever the coefficients do) a single order can land on an accidental zero far below the
 * envelope of the errors; three consecutive truncations all below ê rule that out. `decisive` is
 * the order whose error is ê (the point to certify).
 */
function envelopeOptimum(points: Measured[], maxOrder: number, floor: number): { order: number | null; error: number | null; decisive: number | null; status: TruncationOptimum } {
  let best: { order: number; error: number; decisive: number } | null = null;
  for (let p = 1; p <= maxOrder; p++) {
    let worst = -1;
    let decisive = p;
    let exists = true;
    for (let q = Math.max(1, p - 1); q <= Math.min(maxOrder, p + 1); q++) {
      const e = points[q - 1]!.error;
      if (e === null) {
        exists = false;
        break;
      }
      if (e > worst) {
        worst = e;
        decisive = q;
      }
    }
    if (exists && (best === null || worst < best.error)) best = { order: p, error: worst, decisive };
  }
  if (best === null) return { order: null, error: null, decisive: null, status: 'unresolved' };
  // The optimum may lie beyond P once the window reaches it; a window whose next order blows up is not a turn.
  let status = classify(points, best.decisive, maxOrder, floor);
  if (status === 'interior' && best.order + 1 >= maxOrder) status = 'at-max-order';
  if (status === 'interior' && points[best.order + 1]?.error === null) status = 'before-blowup';
  return { ...best, status };
}

/** A global point re-read as the local one (n = 1: the same comparison). */
function pointsOfGlobal(global: TruncationSide, p: number, k: number): Measured {
  return { error: global.error[p]![k]!, bound: global.bound[p]![k]!, flagged: global.flagged[p]![k]!, y: null };
}

/** The `igr verify --truncation --json` object of one study (keys in this order). */
export function truncationJson(report: TruncationReport): object {
  const side = (s: TruncationSide): object => ({
    optimalOrder: s.optimalOrder,
    minimalError: s.minimalError,
    optimum: s.optimum,
    exponentialFit: s.exponentialFit,
    orderFit: s.orderFit,
    envelope: s.envelope,
    error: s.error,
    bound: s.bound,
    flagged: s.flagged,
    floor: s.floor,
  });
  const g = report.global;
  return {
    problem: report.problem,
    dimension: report.dimension,
    theta0: report.theta0,
    hs: report.hs,
    steps: report.steps,
    maxOrder: report.maxOrder,
    terms: report.terms,
    optimalOrder: g.optimalOrder,
    minimalError: g.minimalError,
    optimum: g.optimum,
    exponentialFit: g.exponentialFit,
    orderFit: g.orderFit,
    envelopeFit: g.envelope.exponentialFit,
    global: side(g),
    local: side(report.local),
    diverged: report.diverged,
    referenceFactor: report.referenceFactor,
    evaluations: report.evaluations,
  };
}
