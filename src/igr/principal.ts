/**
 * The principal flow of gradient descent (Rosca, Wu, Qin & Dherin, "On a continuous time model of
 * gradient descent dynamics and instability in deep learning", TMLR 2023):
 *
 *     θ' = Σ_i [log(1 − hλ_i) / (hλ_i)] (∇E·u_i) u_i,      (λ_i, u_i) the eigenpairs of ∇²E(θ)
 *
 * It sums the Hessian part of the modified equation to all orders: for E = ½θᵀAθ gradient descent
 * is θ_{n+1} = (I − hA)θ_n and the principal flow is θ' = (1/h) log(I − hA) θ, whose flow at
 * t = nh is (I − hA)^n θ_0 exactly (DESIGN.md). Expanding log(1 − x)/x = −(1 + x/2 + x²/3 + …)
 * gives −g − (h/2)Hg − (h²/3)H²g − …: the terms of f_2, f_3, … built from the Hessian alone
 * (f_3 also has −(1/12)∇³E[g, g], which the principal flow does not contain).
 *
 * **Where hλ_i ≥ 1** the logarithm is complex: log(1 − hλ) = log|1 − hλ| + iπ. On a quadratic the
 * complex flow in that eigendirection is |1 − hλ|^{t/h} e^{iπt/h}, which at t = nh is
 * |1 − hλ|^n (−1)^n = (1 − hλ)^n: the iπ part is what makes gradient descent flip sign every step.
 * A real flow cannot do that, and a complex one would need the loss at complex θ. We keep the real
 * part, log|1 − hλ_i|/(hλ_i) (`unstable: 'real-part'`, the default): on a quadratic that flow is
 * exact at even n (it is the principal flow of the two-step map GD∘GD, whose multiplier
 * (1 − hλ)² is positive) and at odd n it is gradient descent reflected in the eigendirections
 * with hλ_i > 1. Its coefficient is negative for 1 < hλ < 2 (the flow still contracts, at
 * |1 − hλ|^{t/h}) and positive for hλ > 2 (it grows, as gradient descent diverges): the paper's
 * account of instability. At hλ = 1 exactly gradient descent annihilates the component in one
 * step; the coefficient is −∞ and the field is not finite there. `unstable: 'refuse'` throws
 * instead wherever some hλ_i ≥ 1.
 *
 * The field takes the dense Hessian (m reverse passes) and its eigendecomposition (`eigh`, about
 * 9m³ flops) at every evaluation, so it is for models of at most a few hundred parameters
 * ({@link PRINCIPAL_FLOW_MAX_DIMENSION}).
 */
import { grad, hessian, tensor, type ScalarFn } from '../autodiff/index.js';
import { eigh, eigvalsh } from '../curvature/index.js';
import type { VectorField } from '../ode/index.js';
import { IgrError } from './types.js';

/** Largest model the principal flow accepts by default: m reverse passes and an m × m eigendecomposition per evaluation. */
export const PRINCIPAL_FLOW_MAX_DIMENSION = 400;

/** Below this |hλ| the coefficient comes from its Taylor series (6 terms: relative error < |x|⁶/7 < 2e-19). */
const SERIES_CUTOFF = 1e-3;

/**
 * The principal flow's coefficient r(x) = log|1 − x| / x at x = hλ: −1 at x = 0 (the gradient
 * flow), −∞ at x = 1, positive beyond x = 2. Near 0 the series −(1 + x/2 + x²/3 + x³/4 + x⁴/5 + x⁵/6)
 * (no 0/0); elsewhere log1p(−x)/x for x < 1 (no cancellation in 1 − x) and log(x − 1)/x for
 * x > 1 (x − 1 exact for x ≤ 2).
 */
export function principalCoefficient(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_CUTOFF) return -(1 + x * (1 / 2 + x * (1 / 3 + x * (1 / 4 + x * (1 / 5 + x / 6)))));
  if (x < 1) return Math.log1p(-x) / x;
  if (x === 1) return -Infinity;
  return Math.log(x - 1) / x;
}

/** Options of {@link principalFlow}. */
export interface PrincipalFlowOptions {
  /**
   * Where some hλ_i ≥ 1: use the real part log|1 − hλ_i|/(hλ_i) of the complex coefficient
   * ('real-part', default; see the module comment for what the dropped iπ does), or throw ('refuse').
   */
  unstable?: 'real-part' | 'refuse';
  /** Largest accepted number of parameters; default {@link PRINCIPAL_FLOW_MAX_DIMENSION}. */
  maxDimension?: number;
}

function checkDimension(fn: string, m: number, max: number): void {
  if (m > max) {
    throw new IgrError(
      `${fn}: the model has ${m} parameters, more than the bound ${max}: the principal flow takes the dense ${m} × ${m} Hessian and its eigendecomposition at every evaluation (raise maxDimension to accept it anyway)`,
    );
  }
}

/** The eigendecomposition the principal flow is built on, at one point. */
export interface PrincipalDecomposition {
  /** ∇E(θ). */
  gradient: Float64Array;
  /** Hessian eigenvalues, ascending. */
  eigenvalues: Float64Array;
  /** Coefficient r(hλ_i) per eigenvalue. */
  coefficients: Float64Array;
  /** The principal field Σ_i r(hλ_i) (∇E·u_i) u_i. */
  field: Float64Array;
}

/**
 * The principal flow θ' = Σ_i [log(1 − hλ_i)/(hλ_i)] (∇E·u_i) u_i as an ODE right-hand side
 * (autonomous; t is ignored), for losses of at most `maxDimension` parameters.
 * @throws IgrError for h ≤ 0, an unknown `unstable` mode, a model over the dimension bound, or
 *   (with `unstable: 'refuse'`) an evaluation point where some hλ_i ≥ 1.
 */
export function principalFlow(loss: ScalarFn, h: number, options: PrincipalFlowOptions = {}): VectorField {
  const decompose = principalDecomposition(loss, h, options);
  return (_t, y) => decompose(y).field;
}

/** The principal field at θ with the eigendecomposition behind it (for diagnostics and reports). */
export function principalDecomposition(loss: ScalarFn, h: number, options: PrincipalFlowOptions = {}): (theta: Float64Array) => PrincipalDecomposition {
  const fn = 'principalFlow';
  if (typeof h !== 'number' || !(h > 0) || !Number.isFinite(h)) throw new IgrError(`${fn}: h must be a finite number > 0, got ${String(h)}`);
  const mode = options.unstable ?? 'real-part';
  if (mode !== 'real-part' && mode !== 'refuse') throw new IgrError(`${fn}: unstable must be 'real-part' or 'refuse', got '${String(mode)}'`);
  const max = options.maxDimension ?? PRINCIPAL_FLOW_MAX_DIMENSION;
  if (!(max >= 1)) throw new IgrError(`${fn}: maxDimension must be ≥ 1, got ${String(max)}`);
  const g = grad(loss);
  return (theta) => {
    const m = theta.length;
    checkDimension(fn, m, max);
    const x = tensor(theta, [m]);
    const gradient = Float64Array.from(g(x).data);
    const { values, vectors } = eigh(hessian(loss, x));
    const U = vectors.data; // column i is u_i
    const coefficients = new Float64Array(m);
    const weights = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const hl = h * values[i]!;
      if (mode === 'refuse' && hl >= 1) {
        throw new IgrError(
          `${fn}: hλ = ${hl.toPrecision(4)} ≥ 1 (λ = ${values[i]!.toPrecision(4)}, h = ${h}) at θ = [${Array.from(theta.slice(0, 4), (v) => v.toPrecision(4)).join(', ')}${m > 4 ? ', …' : ''}]: ` +
            `log(1 − hλ) is complex there; use unstable: 'real-part' for its real part log|1 − hλ|`,
        );
      }
      coefficients[i] = principalCoefficient(hl);
      let dot = 0;
      for (let r = 0; r < m; r++) dot += U[r * m + i]! * gradient[r]!;
      weights[i] = coefficients[i]! * dot;
    }
    const field = new Float64Array(m);
    for (let r = 0; r < m; r++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += U[r * m + i]! * weights[i]!;
      field[r] = s;
    }
    return { gradient, eigenvalues: values, coefficients, field };
  };
}

/** The largest Hessian eigenvalue at θ (the sharpness; gradient descent is stable near a minimum for hλ_max < 2). */
export function sharpness(loss: ScalarFn, theta: Float64Array | readonly number[]): number {
  const x = Float64Array.from(theta);
  const values = eigvalsh(hessian(loss, tensor(x, [x.length])));
  return values[values.length - 1]!;
}
