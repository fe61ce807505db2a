/**
 * Stochastic trace estimation from operator applications: Hutchinson's estimator with
 * Rademacher probes (Hutchinson 1990; PyHessian's `hessian.trace`) and Hutch++ (Meyer, Musco,
 * Musco & Woodruff, "Hutch++: Optimal Stochastic Trace Estimation", SOSA 2021), which takes the
 * trace of a low-rank sketch exactly and Hutchinson's estimate only of what is left.
 */
import { Rng, type ScalarFn, type Tensor } from '../autodiff/index.js';
import { CurvatureError } from './errors.js';
import { checkInteger, checkSeed, checkedOperator, dot, hessianCheckedOperator, norm, rademacherVector, scaleInPlace, type CheckedOperator, type LinearOperator } from './operator.js';

/** Options of the trace estimators. */
export interface TraceOptions {
  /** Operator applications to spend (default 100): probes for Hutchinson (≥ 2); for Hutch++ (≥ 4) split as ⌊samples/3⌋ sketch vectors, as many applications to the sketch's basis, and the rest as probes. */
  samples?: number;
  seed?: number;
}

/** A trace estimate with its standard error. */
export interface TraceResult {
  estimate: number;
  /** The standard error of `estimate` (see each estimator for how it is computed). */
  stderr: number;
  /** Operator applications used. */
  hvps: number;
  /** The per-probe values zᵀAz that were averaged (for Hutch++, those of the deflated residual). */
  probes: Float64Array;
}

/** Hutch++ reports the split of its estimate. */
export interface HutchPlusPlusResult extends TraceResult {
  /** tr(QᵀAQ) over the orthonormal basis Q of the sketch A·S: exact, no variance given Q. */
  sketchTrace: number;
  /** Rank of the sketch (columns of Q; fewer than requested when A·S is rank-deficient). */
  sketchRank: number;
  /** Hutchinson's estimate of tr((I − QQᵀ) A (I − QQᵀ)). */
  residualTrace: number;
}

export const traceMethods = ['hutchinson', 'hutch++'] as const;
export type TraceMethod = (typeof traceMethods)[number];

/**
 * Hutchinson's estimator tr(A) ≈ (1/n) Σ z_iᵀ A z_i with independent Rademacher z_i (each entry
 * ±1): unbiased, variance 2(‖A‖_F² − Σ A_jj²)/n. The standard error is the sample standard
 * deviation of the z_iᵀAz_i over √n.
 */
export function hutchinsonTrace(apply: LinearOperator, dim: number, options: TraceOptions = {}): TraceResult {
  return runHutchinson('hutchinsonTrace', checkedOperator('hutchinsonTrace', apply, dim), options);
}

/**
 * Hutch++: with s = ⌊samples/3⌋ Rademacher vectors S, Q = orth(A S) (s applications), the
 * exact part tr(QᵀAQ) (one application per column of Q) and Hutchinson's estimate of
 * tr((I − QQᵀ)A(I − QQᵀ)) from the remaining g = samples − 2s ≥ s Rademacher probes projected off
 * Q. Unbiased for every Q; its error falls as 1/samples (not 1/√samples) when the spectrum decays.
 *
 * The standard error is conditional on the sketch: the sample standard deviation of the g
 * deflated quadratic forms over √g. The exact part carries no variance given Q; the randomness
 * of Q only changes how much is left to estimate, not the bias, so across seeds the error is
 * still within a few of these standard errors (tested).
 */
export function hutchPlusPlusTrace(apply: LinearOperator, dim: number, options: TraceOptions = {}): HutchPlusPlusResult {
  return runHutchPlusPlus('hutchPlusPlusTrace', checkedOperator('hutchPlusPlusTrace', apply, dim), options);
}

/**
 * The trace of the Hessian of `f` at `x` by Hutchinson (default) or Hutch++, from exact HVPs.
 *
 * ```ts
 * const { estimate, stderr, hvps } = hessianTrace(loss, theta, { samples: 100, method: 'hutch++' });
 * ```
 */
export function hessianTrace(
  f: ScalarFn,
  x: Tensor | Float64Array | readonly number[],
  options: TraceOptions & { method?: TraceMethod } = {},
): TraceResult {
  const fn = 'hessianTrace';
  const method = options.method ?? 'hutchinson';
  if (!traceMethods.includes(method)) {
    throw new CurvatureError('bad-input', fn, `unknown method ${JSON.stringify(method)}; valid: ${traceMethods.map((m) => `'${m}'`).join(', ')}`);
  }
  const op = hessianCheckedOperator(fn, f, x);
  return method === 'hutchinson' ? runHutchinson(fn, op, options) : runHutchPlusPlus(fn, op, options);
}

function meanAndStderr(values: Float64Array): { mean: number; stderr: number } {
  const n = values.length;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, stderr: Math.sqrt(ss / (n - 1) / n) };
}

function runHutchinson(fn: string, op: CheckedOperator, options: TraceOptions): TraceResult {
  const samples = checkInteger(fn, 'samples', options.samples ?? 100, 2, Infinity, ' (a standard error needs two probes)');
  const rng = new Rng(checkSeed(fn, options.seed ?? 0));
  const probes = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const z = rademacherVector(rng, op.dim);
    probes[i] = dot(z, op.apply(z));
  }
  const { mean, stderr } = meanAndStderr(probes);
  return { estimate: mean, stderr, hvps: op.count, probes };
}

function runHutchPlusPlus(fn: string, op: CheckedOperator, options: TraceOptions): HutchPlusPlusResult {
  const samples = checkInteger(fn, 'samples', options.samples ?? 100, 4, Infinity, ' (Hutch++ needs a sketch vector and two probes)');
  const rng = new Rng(checkSeed(fn, options.seed ?? 0));
  const dim = op.dim;
  const s = Math.floor(samples / 3);
  const g = samples - 2 * s;
  // Q = orth(A S) by Gram–Schmidt twice; a column that is (numerically) in the span of the
  // previous ones is dropped, so Q stays orthonormal when A S is rank-deficient (dim < s, low rank)
  const basis: Float64Array[] = [];
  for (let i = 0; i < s; i++) {
    const y = op.apply(rademacherVector(rng, dim));
    const before = norm(y);
    project(y, basis);
    const after = norm(y);
    if (after > 1e-10 * before && after > 0) {
      scaleInPlace(y, 1 / after);
      basis.push(y);
    }
  }
  let sketchTrace = 0;
  for (const q of basis) sketchTrace += dot(q, op.apply(q));
  if (basis.length === dim) {
    // Q spans R^dim: tr(QᵀAQ) is tr(A) itself, nothing is left to estimate
    return { estimate: sketchTrace, stderr: 0, hvps: op.count, probes: new Float64Array(0), sketchTrace, sketchRank: dim, residualTrace: 0 };
  }
  const probes = new Float64Array(g);
  for (let i = 0; i < g; i++) {
    const z = rademacherVector(rng, dim);
    project(z, basis);
    probes[i] = dot(z, op.apply(z));
  }
  const { mean, stderr } = meanAndStderr(probes);
  return { estimate: sketchTrace + mean, stderr, hvps: op.count, probes, sketchTrace, sketchRank: basis.length, residualTrace: mean };
}

/** v ← (I − QQᵀ) v by modified Gram–Schmidt, twice (the second pass removes what round-off left). */
function project(v: Float64Array, basis: readonly Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (const q of basis) {
      const c = dot(q, v);
      for (let l = 0; l < v.length; l++) v[l]! -= c * q[l]!;
    }
  }
}
