/**
 * Heavy-ball momentum and its first-order modified flow.
 *
 *     θ_{n+1} = θ_n − h ∇E(θ_n) + β (θ_n − θ_{n−1}),   0 ≤ β < 1,   θ_{−1} = θ_0      (HB)
 *
 * ## Derivation (backward error analysis of a two-step recurrence)
 * Seek a flow y' = F(y) = F_1 + h F_2 + O(h²) with θ_n ≈ y(nh). Taylor-expand both differences
 * about t = nh:
 *
 *     y(t + h) − y(t) = h y' + (h²/2) y'' + O(h³),   y(t) − y(t − h) = h y' − (h²/2) y'' + O(h³),
 *
 * so (HB) becomes (1 − β) h y' + (1 + β)(h²/2) y'' = −h g + O(h³), g = ∇E, with y'' = F_1′F_1 + O(h).
 * Order h:  F_1 = −g/(1 − β)  (gradient flow with the effective rate h/(1 − β)).
 * Order h²: (1 − β) F_2 = −((1 + β)/2) F_1′F_1 = −((1 + β)/2) H g/(1 − β)², H = ∇²E, so
 *
 *     θ' = −(1/(1 − β)) [ g + h (1 + β)/(2 (1 − β)²) H g ] = −(1/(1 − β)) ∇Ẽ,
 *     Ẽ = E + h (1 + β)/(4 (1 − β)²) |∇E|².                                                (M)
 *
 * Compared with gradient descent at the same effective rate h_eff = h/(1 − β), whose modified loss
 * is E + (h_eff/4)|∇E|², the penalty in (M) is larger by the factor (1 + β)/(1 − β). That is the
 * published statement of Ghosh, Lyu, Zhang & Wang, "Implicit regularization in heavy-ball
 * momentum accelerated stochastic gradient descent", ICLR 2023 (arXiv:2302.00849, abstract:
 * "this implicit regularizer for (GD+M) is stronger than that of (GD) by factor of (1+β)/(1−β)").
 * At β = 0 (M) is the IGR flow of gradient descent.
 *
 * ## The initial condition and its transient
 * A two-step recurrence has a second, parasitic solution: linearised, the error d_n = θ_n − y(nh)
 * obeys d_{n+1} − d_n = β (d_n − d_{n−1}) + O(h d, h³), whose solutions are a slow mode (≈ constant)
 * and a fast mode ∝ β^n. With θ_{−1} = θ_0 the first step is plain gradient descent, θ_1 = θ_0 − h g,
 * while the flow from θ_0 moves by −h g/(1 − β): the start carries zero "velocity". Writing
 * d_n = A + B β^n with d_0 = θ_0 − y(0), d_{−1} = θ_0 − y(−h) ≈ d_0 − h g/(1 − β) gives
 * B = −h β g/(1 − β)², and the slow part A vanishes only if the flow starts at
 *
 *     y(0) = θ_0 + h β/(1 − β)² ∇E(θ_0) + O(h²).                                            (S)
 *
 * So the iterates lag the flow from θ_0 by a permanent O(h) offset (the fast mode decays like β^n,
 * the offset it leaves does not); measured from θ_0, even (M) is only O(h) accurate. From (S), the
 * global error of (M) over a fixed time T is O(h²) + O(h β^{T/h}) — the second term is the
 * transient, negligible once β^{T/h} ≪ h. Cattaneo & Shigida (arXiv:2509.08483) describe the same
 * thing geometrically: HB is plain GD with a modified loss on an attractive invariant manifold,
 * and (S) is the projection of the start onto it to first order. {@link verifyMomentum} measures
 * both starts.
 *
 * The local error is measured with the history on the flow (θ_{−1} = y(−h), θ_0 = y(0)): one step
 * of (HB) against y(h), O(h²) for F_1 and O(h³) for (M).
 */
import { add, grad, mul, sum, square, tensor, type ScalarFn } from '../../autodiff/index.js';
import { integrate, OdeError, type VectorField } from '../../ode/index.js';
import { DivergenceError, divergenceThreshold } from '../descent.js';
import { modifiedField } from '../modified.js';
import { IgrError } from '../types.js';
import { runPrepared, stepCounts, type CandidateFlow, type ComparisonReport, type OptimizerComparison, type PreparedVerification } from '../compare.js';
import { checkLossAndStart } from './rk.js';

/** Checks 0 ≤ β < 1 (β = 1 has no gradient flow: the effective rate h/(1 − β) is infinite). */
export function checkBeta(beta: number, fn: string): void {
  if (!(beta >= 0 && beta < 1) || !Number.isFinite(beta)) {
    throw new IgrError(`${fn}: the momentum β must be in [0, 1), got ${beta}`);
  }
}

/**
 * `steps` heavy-ball steps (HB) from θ0 with θ_{−1} = θ_0 unless `previous` (θ_{−1}) is given:
 * the iterates θ_0 … θ_steps.
 * @throws DivergenceError as gradient descent does (non-finite or beyond 1e6 · (1 + max|θ0_i|)).
 */
export function heavyBall(loss: ScalarFn, theta0: Float64Array | readonly number[], h: number, beta: number, steps: number, previous?: Float64Array): Float64Array[] {
  const fn = 'heavyBall';
  if (!(h > 0) || !Number.isFinite(h)) throw new IgrError(`${fn}: h must be a finite number > 0, got ${h}`);
  checkBeta(beta, fn);
  if (!Number.isInteger(steps) || steps < 0) throw new IgrError(`${fn}: steps must be an integer ≥ 0, got ${steps}`);
  const start = Float64Array.from(theta0);
  if (previous !== undefined && previous.length !== start.length) {
    throw new IgrError(`${fn}: θ_{−1} has length ${previous.length} but θ0 has length ${start.length}`);
  }
  const blowup = divergenceThreshold(start);
  const g = grad(loss);
  const out = [start];
  let prev = previous ?? start;
  let cur = start;
  for (let n = 1; n <= steps; n++) {
    const d = g(tensor(Array.from(cur), [cur.length])).data;
    const next = new Float64Array(cur.length);
    for (let i = 0; i < cur.length; i++) {
      next[i] = cur[i]! - h * d[i]! + beta * (cur[i]! - prev[i]!);
      if (!Number.isFinite(next[i]!)) throw new DivergenceError(h, n, 'the iterate is not finite', out);
      if (Math.abs(next[i]!) > blowup) throw new DivergenceError(h, n, `an iterate left |θ_i| ≤ ${blowup.toExponential(1)}`, out);
    }
    out.push(next);
    prev = cur;
    cur = next;
  }
  return out;
}

/** The modified loss (M) of heavy-ball momentum: E + h(1 + β)/(4(1 − β)²) |∇E|². */
export function momentumModifiedLoss(loss: ScalarFn, h: number, beta: number): ScalarFn {
  checkBeta(beta, 'momentumModifiedLoss');
  const g = grad(loss);
  const c = (h * (1 + beta)) / (4 * (1 - beta) ** 2);
  return (theta) => add(loss(theta), mul(c, sum(square(g(theta)))));
}

/**
 * The order-p modified field of heavy-ball momentum, p = 1 or 2: −∇E/(1 − β) (p = 1) or
 * −∇Ẽ/(1 − β) with Ẽ from (M) (p = 2), as 1/(1 − β) times the Euler modified field at the
 * rescaled rate h(1 + β)/(1 − β)² (f_1 + k f_2 with f_2 = −½ H g and k = h(1 + β)/(1 − β)²).
 */
export function momentumField(loss: ScalarFn, h: number, beta: number, order: 1 | 2): VectorField {
  checkBeta(beta, 'momentumField');
  if (order !== 1 && order !== 2) throw new IgrError(`momentumField: order must be 1 or 2 (the first-order modified flow), got ${order}`);
  const inner = modifiedField(loss, (h * (1 + beta)) / (1 - beta) ** 2, order);
  const scale = 1 / (1 - beta);
  return (t, y) => inner(t, y).map((v) => v * scale);
}

/** The start (S) of the modified flow that the iterates from θ_{−1} = θ_0 follow: θ_0 + hβ/(1 − β)² ∇E(θ_0). */
export function momentumStart(loss: ScalarFn, theta0: Float64Array | readonly number[], h: number, beta: number): Float64Array {
  checkBeta(beta, 'momentumStart');
  const g = grad(loss)(tensor(Array.from(theta0), [theta0.length])).data;
  const c = (h * beta) / (1 - beta) ** 2;
  return Float64Array.from(theta0, (v, i) => v + c * g[i]!);
}

/** Options of {@link verifyMomentum}. */
export interface MomentumVerificationOptions {
  beta: number;
  hs: readonly number[];
  T: number;
  /** Start the flows at (S) (default) or at θ_0 (to see the O(h) offset the transient leaves). */
  shiftedStart?: boolean;
  name?: string;
  tolerance?: number;
  referenceFactor?: number;
  onProgress?: (done: number, total: number) => void;
}

/** A momentum verification: the comparison report plus β and the start used. */
export interface MomentumReport extends ComparisonReport {
  optimizer: { name: 'momentum'; beta: number; start: 'shifted' | 'theta0' };
}

/**
 * Heavy-ball iterates after T/h steps against the flow of −∇E/(1 − β) (key 1, expected global
 * slope 1) and of the modified flow (M) (key 2, expected 2); local errors with the history on
 * each flow (expected 2 and 3). With `shiftedStart: false` both global slopes are expected to be
 * 1 (the transient's offset, see the module comment).
 */
export function verifyMomentum(loss: ScalarFn, theta0: Float64Array | readonly number[], options: MomentumVerificationOptions): MomentumReport {
  return runPrepared(prepareMomentum(loss, theta0, options));
}

/** {@link verifyMomentum} split for parallel runs (see `prepareBackwardError`). */
export function prepareMomentum(loss: ScalarFn, theta0: Float64Array | readonly number[], options: MomentumVerificationOptions): PreparedVerification<MomentumReport> {
  const fn = 'verifyMomentum';
  const { beta } = options;
  checkBeta(beta, fn);
  const start = Float64Array.from(theta0);
  checkLossAndStart(fn, loss, start, options.T);
  const counts = stepCounts(fn, options.hs, options.T);
  const stepsOf = new Map(options.hs.map((h, i) => [h, counts[i]!]));
  const shifted = options.shiftedStart ?? true;
  const flowStart = (h: number): Float64Array => (shifted ? momentumStart(loss, start, h, beta) : start);
  const flow = (order: 1 | 2, label: string): CandidateFlow => ({
    label,
    field: (h) => momentumField(loss, h, beta, order),
    start: flowStart,
    expectedGlobal: shifted ? order : 1,
    expectedLocal: order + 1,
  });
  const comparison: OptimizerComparison = {
    problem: options.name ?? 'custom',
    theta0: start,
    hs: options.hs,
    T: options.T,
    flows: {
      1: flow(1, 'θ\' = −∇E/(1 − β)  (gradient flow at the effective rate h/(1 − β))'),
      2: flow(2, 'θ\' = −∇Ẽ/(1 − β),  Ẽ = E + h(1 + β)/(4(1 − β)²)|∇E|²  (first-order modified flow)'),
    },
    global: (h) => {
      const n = stepsOf.get(h)!;
      return { iterate: heavyBall(loss, start, h, beta, n)[n]!, time: options.T, steps: n };
    },
    local: (h, field) => {
      // History on the flow: θ_{−1} = y(−h) by RK4 backwards in 16 substeps (error ~ (h/16)^4 h,
      // far below the O(h^3) local error measured), θ_0 = y(0) = θ0.
      let back: Float64Array;
      try {
        back = integrate(field, start, { t0: 0, t1: -h, steps: 16, method: 'rk4' });
      } catch (e) {
        if (e instanceof OdeError && e.kind !== 'bad-input') return null; // the flow blows up backwards: no history
        throw e;
      }
      return { iterate: heavyBall(loss, start, h, beta, 1, back)[1]!, time: h, steps: 1 };
    },
    ...(options.tolerance !== undefined && { tolerance: options.tolerance }),
    ...(options.referenceFactor !== undefined && { referenceFactor: options.referenceFactor }),
    ...(options.onProgress && { onProgress: options.onProgress }),
  };
  return { comparison, finish: (report) => ({ ...report, optimizer: { name: 'momentum', beta, start: shifted ? 'shifted' : 'theta0' } }) };
}
