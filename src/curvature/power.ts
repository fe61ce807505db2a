/**
 * Power iteration with deflation, as PyHessian computes "the top eigenvalues" of a Hessian
 * (Yao, Gholami, Keutzer & Mahoney, PyHessian, 2020; `hessian.eigenvalues`): for each new
 * eigenpair, a random start, orthogonalised against the eigenvectors found so far before every
 * HVP, stopped when the Rayleigh quotient changes by less than tol relative. Kept beside
 * Lanczos for comparison (bench/curvature.bench.ts): it converges to the eigenvalues largest in
 * magnitude, at a rate |λ₂/λ₁| per HVP, and its stopping rule is not a certificate, so each pair
 * here also carries the residual ‖Av − θv‖ of the HVP that produced it.
 */
import { Rng, type ScalarFn, type Tensor } from '../autodiff/index.js';
import type { EigsResult } from './lanczos.js';
import { checkInteger, checkPositive, checkSeed, checkedOperator, dot, gaussianVector, hessianCheckedOperator, norm, scaleInPlace, signOfLargest, type CheckedOperator, type LinearOperator } from './operator.js';

/** Options of {@link powerIteration} and {@link hessianPowerIteration}; defaults are PyHessian's. */
export interface PowerIterationOptions {
  /** Eigenpairs to find, one after another (default 1). */
  k?: number;
  /** Stop when |θ_n − θ_{n−1}| / (|θ_{n−1}| + 1e-6) < tol (default 1e-3, PyHessian's). */
  tol?: number;
  /** Most HVPs per eigenpair (default 100, PyHessian's). */
  maxIter?: number;
  seed?: number;
}

/**
 * The k eigenpairs of largest magnitude of the symmetric operator `apply` on R^dim by power
 * iteration with deflation (PyHessian's algorithm). Each value is the Rayleigh quotient θ = vᵀAv
 * of a unit v, returned with that v (PyHessian returns the next iterate Av/‖Av‖ instead) and
 * the residual ‖Av − θv‖ of the same application, so the certificate costs nothing extra.
 * `estimates` are the final relative changes; `converged` is false when an eigenpair used all
 * maxIter HVPs. Values are ordered by magnitude, largest first.
 */
export function powerIteration(apply: LinearOperator, dim: number, options: PowerIterationOptions = {}): EigsResult {
  return runPowerIteration('powerIteration', checkedOperator('powerIteration', apply, dim), options);
}

/** {@link powerIteration} on the Hessian of `f` at `x`, by exact HVPs. */
export function hessianPowerIteration(f: ScalarFn, x: Tensor | Float64Array | readonly number[], options: PowerIterationOptions = {}): EigsResult {
  return runPowerIteration('hessianPowerIteration', hessianCheckedOperator('hessianPowerIteration', f, x), options);
}

function runPowerIteration(fn: string, op: CheckedOperator, options: PowerIterationOptions): EigsResult {
  const dim = op.dim;
  const k = checkInteger(fn, 'k', options.k ?? 1, 1, dim, ` (the dimension is ${dim})`);
  const tol = checkPositive(fn, 'tol', options.tol ?? 1e-3, 1);
  const maxIter = checkInteger(fn, 'maxIter', options.maxIter ?? 100, 1);
  const rng = new Rng(checkSeed(fn, options.seed ?? 0));
  const found: { value: number; vector: Float64Array; residual: number; estimate: number; converged: boolean }[] = [];
  for (let i = 0; i < k; i++) {
    let v: Float64Array = gaussianVector(rng, dim);
    let previous: number | null = null;
    let change = Infinity;
    let converged = false;
    // the last unit iterate u, its image Au and Rayleigh quotient uᵀAu: the pair reported
    let u: Float64Array = v;
    let au: Float64Array = new Float64Array(dim);
    let value = 0;
    for (let it = 0; it < maxIter; it++) {
      // deflation: orthogonalise the iterate against the eigenvectors found so far (once, as PyHessian)
      for (const f of found) {
        const c = dot(v, f.vector);
        for (let l = 0; l < dim; l++) v[l]! -= c * f.vector[l]!;
      }
      const nv = norm(v);
      if (nv === 0) {
        // the iterate fell into the span of the found vectors: start afresh (k ≤ dim leaves room)
        v = gaussianVector(rng, dim);
        continue;
      }
      scaleInPlace(v, 1 / nv);
      u = v;
      au = op.apply(u);
      value = dot(u, au);
      if (previous !== null) {
        change = Math.abs(previous - value) / (Math.abs(previous) + 1e-6);
        if (change < tol) {
          converged = true;
          break;
        }
      }
      previous = value;
      const n = norm(au);
      if (n === 0) {
        // u is in the null space: (0, u) is an exact eigenpair
        converged = true;
        change = 0;
        break;
      }
      v = Float64Array.from(au);
      scaleInPlace(v, 1 / n);
    }
    const r = Float64Array.from(au, (x, l) => x - value * u[l]!);
    scaleInPlace(u, signOfLargest(u));
    found.push({ value, vector: u, residual: norm(r), estimate: change, converged });
  }
  const order = found.map((_, i) => i).sort((a, b) => Math.abs(found[b]!.value) - Math.abs(found[a]!.value) || a - b);
  return {
    values: order.map((i) => found[i]!.value),
    vectors: order.map((i) => found[i]!.vector),
    residuals: order.map((i) => found[i]!.residual),
    estimates: order.map((i) => found[i]!.estimate),
    hvps: op.count,
    iterations: op.count,
    converged: found.every((f) => f.converged),
    restarts: 0,
  };
}
