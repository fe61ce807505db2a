/**
 * Backward error analysis of any explicit Runge–Kutta method applied to a gradient flow
 * θ' = f(θ) = −∇E(θ) — the general question of which gradient descent (explicit Euler) is a case.
 *
 * The modified equation θ' = f_1 + h f_2 + h² f_3 + … of a method with coefficients Φ(τ) over
 * rooted trees is the B-series whose coefficients b solve the substitution law Φ = b ⋆ e
 * (../trees.ts; Chartier, Hairer & Vilmart, Found. Comput. Math. 10 (2010)); `modifiedTerms(loss,
 * order, method)` evaluates it with elementary differentials from nested autodiff.
 *
 * For a method of order q, Φ(τ) = e(τ) = 1/γ(τ) on every tree with |τ| ≤ q, so b(•) = 1 and
 * b(τ) = 0 for 2 ≤ |τ| ≤ q: f_2 = … = f_q = 0 and the first correction is h^q f_{q+1}
 * (Hairer, Lubich & Wanner, *Geometric Numerical Integration*, IX.1, Thm. 1.2). Hence:
 *  - truncations after f_1 … f_q are all the plain gradient flow: global error O(h^q);
 *  - the truncation after f_p, p ≥ q, has global error O(h^p) and one-step error O(h^{p+1}).
 * {@link verifyRungeKutta} measures exactly these slopes; {@link modifiedTermNorms} measures the
 * vanishing terms.
 */
import { grad, tensor, type ScalarFn } from '../../autodiff/index.js';
import { integrate, integrateTrajectory, methodNames, OdeError, tableaus, type ButcherTableau } from '../../ode/index.js';
import { DivergenceError, divergenceThreshold, gradientFlow } from '../descent.js';
import { elementaryDifferentials, modifiedField, modifiedSeries, modifiedTerms, sumModifiedTerms } from '../modified.js';
import { checkSeriesOrder, elementaryWeight, exactCoefficient, treesOfOrder, type RungeKuttaWeights } from '../trees.js';
import { IgrError, quoteName } from '../types.js';
import { MAX_ORDER } from '../verify.js';
import { checkOrders, runPrepared, stepCounts, type CandidateFlow, type ComparisonReport, type PreparedVerification } from '../compare.js';

/** The built-in tableau names `--optimizer rk:<name>` accepts (those of the ODE module). */
export const rungeKuttaNames = methodNames;

/** A built-in tableau by name; the error lists the valid names. */
export function findTableau(name: string): ButcherTableau {
  const t = Object.hasOwn(tableaus, name) ? (tableaus as Record<string, ButcherTableau>)[name] : undefined;
  if (!t) throw new IgrError(`unknown Runge–Kutta tableau ${quoteName(name)}; valid tableaus are ${rungeKuttaNames.join(', ')}`);
  return t;
}

/** Highest tree order checked when the order of a tableau is computed from its coefficients. */
const MAX_CHECKED_ORDER = 8;

/**
 * The order q of an explicit Runge–Kutta method, from its coefficients: the largest q with
 * Φ(τ) = 1/γ(τ) for every tree |τ| ≤ q (to 1e-12; the weights are sums of products of O(1)
 * numbers, so a satisfied condition is met to a few ulps and a violated one by far more).
 */
export function rungeKuttaOrder(method: RungeKuttaWeights): number {
  let q = 0;
  for (let n = 1; n <= MAX_CHECKED_ORDER; n++) {
    const ok = treesOfOrder(n).every((t) => Math.abs(elementaryWeight(t, method) - exactCoefficient(t)) <= 1e-12);
    if (!ok) break;
    q = n;
  }
  return q;
}

/**
 * The size of each modified-equation term f_j at θ beside the size it would have without
 * cancellation, Σ_{|τ|=j} |F(τ)|/σ(τ): a ratio at rounding level (~1e-16) means f_j vanishes.
 */
export function modifiedTermSizes(loss: ScalarFn, theta: Float64Array | readonly number[], order: number, method: ButcherTableau | keyof typeof tableaus): { norm: number; scale: number }[] {
  // One set of elementary differentials serves both the terms and their uncancelled sizes.
  const F = elementaryDifferentials(loss, tensor(theta, [theta.length]));
  const fs = sumModifiedTerms(modifiedSeries(order, method, 'modifiedTermSizes'), F, theta.length);
  return fs.map((f, j) => ({ norm: euclidean(f.data), scale: treesOfOrder(j + 1).reduce((s, t) => s + Math.hypot(...F(t).data) / t.symmetry, 0) }));
}

function euclidean(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** Euclidean norms |f_1|, …, |f_order| of the modified-equation terms of a method at θ. */
export function modifiedTermNorms(loss: ScalarFn, theta: Float64Array | readonly number[], order: number, method: ButcherTableau | keyof typeof tableaus): number[] {
  checkSeriesOrder(order, 'modifiedTermNorms');
  return modifiedTerms(loss, order, method)(Float64Array.from(theta)).map(euclidean);
}

/**
 * `steps` steps of an explicit Runge–Kutta method with step h on θ' = −∇E from θ0 (the ODE
 * module's fixed-step integrator): the final iterate. Explicit Euler is gradient descent.
 * @throws DivergenceError with the step at which an iterate became non-finite or exploded.
 */
export function rungeKuttaDescent(loss: ScalarFn, theta0: Float64Array | readonly number[], h: number, steps: number, method: ButcherTableau): Float64Array {
  if (!(h > 0) || !Number.isFinite(h)) throw new IgrError(`rungeKuttaDescent: h must be a finite number > 0, got ${h}`);
  if (!Number.isInteger(steps) || steps < 1) throw new IgrError(`rungeKuttaDescent: steps must be an integer ≥ 1, got ${steps}`);
  const start = Float64Array.from(theta0);
  const blowup = divergenceThreshold(start);
  try {
    const tr = integrateTrajectory(gradientFlow(loss), start, { t0: 0, dt: h, steps, method, blowup, every: steps });
    return tr.states[tr.states.length - 1]!;
  } catch (e) {
    if (e instanceof OdeError && e.kind !== 'bad-input' && e.step !== undefined) {
      throw new DivergenceError(h, e.step, `${method.name} left |θ_i| ≤ ${blowup.toExponential(1)} or became non-finite`);
    }
    throw e;
  }
}

/** Options of {@link verifyRungeKutta}. */
export interface RungeKuttaVerificationOptions {
  /** The method: a built-in tableau name or a tableau. */
  method: keyof typeof tableaus | ButcherTableau;
  hs: readonly number[];
  T: number;
  /** Truncation orders p of the method's modified equation, each in 1..MAX_ORDER. */
  orders: readonly number[];
  name?: string;
  tolerance?: number;
  referenceFactor?: number;
  onProgress?: (done: number, total: number) => void;
}

/** A Runge–Kutta verification: the comparison report plus the method and its order. */
export interface RungeKuttaReport extends ComparisonReport {
  optimizer: {
    name: 'rk';
    tableau: string;
    order: number;
    stages: number;
    /** |f_j| and |f_j| / Σ_{|τ|=j} |F(τ)|/σ(τ) at θ0 for j = 1..q+1: rounding level for 2 ≤ j ≤ q. */
    termNorms: number[];
    relativeTermNorms: number[];
  };
}

/** Checks T, θ0 and that the loss is a finite scalar at θ0 (shared by the optimiser verifications). */
export function checkLossAndStart(fn: string, loss: ScalarFn, theta0: Float64Array, T: number): void {
  if (!(T > 0) || !Number.isFinite(T)) throw new IgrError(`${fn}: T must be a finite number > 0, got ${T}`);
  theta0.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new IgrError(`${fn}: θ0[${i}] = ${v} is not finite`);
  });
  const g = grad(loss)(tensor(Array.from(theta0), [theta0.length]));
  if (g.data.some((v) => !Number.isFinite(v))) throw new IgrError(`${fn}: the gradient of the loss at θ0 is not finite`);
}

/**
 * Measures an explicit Runge–Kutta method of order q on θ' = −∇E against its truncated modified
 * flows: expected global slope max(p, q) and local slope max(p, q) + 1 for the truncation after f_p.
 */
export function verifyRungeKutta(loss: ScalarFn, theta0: Float64Array | readonly number[], options: RungeKuttaVerificationOptions): RungeKuttaReport {
  return runPrepared(prepareRungeKutta(loss, theta0, options));
}

/** {@link verifyRungeKutta} split for parallel runs (see `prepareBackwardError`). */
export function prepareRungeKutta(loss: ScalarFn, theta0: Float64Array | readonly number[], options: RungeKuttaVerificationOptions): PreparedVerification<RungeKuttaReport> {
  const fn = 'verifyRungeKutta';
  const tableau = typeof options.method === 'string' ? findTableau(options.method) : options.method;
  const start = Float64Array.from(theta0);
  checkLossAndStart(fn, loss, start, options.T);
  const counts = stepCounts(fn, options.hs, options.T);
  checkOrders(fn, options.orders, MAX_ORDER);
  const q = rungeKuttaOrder(tableau);
  const vanishing = q === 2 ? ' (f_2 vanishes)' : q > 2 ? ` (f_2..f_${q} vanish)` : '';
  const flows: Record<number, CandidateFlow> = {};
  for (const p of options.orders) {
    const effective = Math.max(p, q);
    flows[p] = {
      label: p <= q ? `truncation after f_${p} = the gradient flow${vanishing}` : `truncation after f_${p}`,
      field: (h) => modifiedField(loss, h, p, tableau),
      expectedGlobal: effective,
      expectedLocal: effective + 1,
    };
  }
  const stepsOf = new Map(options.hs.map((h, i) => [h, counts[i]!]));
  return {
    comparison: {
      problem: options.name ?? 'custom',
      theta0: start,
      hs: options.hs,
      T: options.T,
      flows,
      global: (h) => ({ iterate: rungeKuttaDescent(loss, start, h, stepsOf.get(h)!, tableau), time: options.T, steps: stepsOf.get(h)! }),
      local: (h) => ({ iterate: integrate(gradientFlow(loss), start, { t0: 0, dt: h, steps: 1, method: tableau }), time: h, steps: 1 }),
      ...(options.tolerance !== undefined && { tolerance: options.tolerance }),
      ...(options.referenceFactor !== undefined && { referenceFactor: options.referenceFactor }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    },
    finish: (report) => {
      const sizes = modifiedTermSizes(loss, start, q + 1, tableau);
      return {
        ...report,
        optimizer: {
          name: 'rk',
          tableau: tableau.name,
          order: q,
          stages: tableau.b.length,
          termNorms: sizes.map((s) => s.norm),
          relativeTermNorms: sizes.map((s) => (s.scale === 0 ? 0 : s.norm / s.scale)),
        },
      };
    },
  };
}
