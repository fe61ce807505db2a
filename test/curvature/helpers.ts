/**
 * Test matrices with known spectra and plain dense linear algebra, written independently of
 * src/curvature so that they can judge it: a random orthogonal Q as a product of Householder
 * reflections (orthogonal to a few ε), A = Q diag(λ) Qᵀ, matrix-vector products, norms.
 */
import fc from 'fast-check';
import { Rng } from '../../src/autodiff/index.js';

export const EPS = Number.EPSILON;

/** A random orthogonal m × m matrix (row-major): the product of three Householder reflections I − 2uuᵀ with Gaussian u. */
export function randomOrthogonal(m: number, rng: Rng): Float64Array {
  const q = new Float64Array(m * m);
  for (let i = 0; i < m; i++) q[i * m + i] = 1;
  for (let r = 0; r < 3; r++) {
    const u = new Float64Array(m);
    let s = 0;
    for (let i = 0; i < m; i++) {
      u[i] = rng.normal();
      s += u[i]! * u[i]!;
    }
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < m; i++) u[i]! *= inv;
    // q ← (I − 2uuᵀ) q
    const t = new Float64Array(m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) t[j]! += u[i]! * q[i * m + j]!;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) q[i * m + j]! -= 2 * u[i]! * t[j]!;
  }
  return q;
}

/** A = Q diag(λ) Qᵀ, row-major, symmetrised exactly (entry (i, j) computed once for both triangles). */
export function withSpectrum(q: Float64Array, lambda: ArrayLike<number>): Float64Array {
  const m = lambda.length;
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += q[i * m + k]! * lambda[k]! * q[j * m + k]!;
      a[i * m + j] = s;
      a[j * m + i] = s;
    }
  }
  return a;
}

/** A random symmetric matrix with standard normal entries (the Gaussian orthogonal ensemble up to scaling of the diagonal). */
export function randomSymmetric(m: number, rng: Rng): Float64Array {
  const a = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * m + j] = v;
      a[j * m + i] = v;
    }
  }
  return a;
}

/** y = A x for row-major m × m A. */
export function matVec(a: Float64Array, x: ArrayLike<number>): Float64Array {
  const m = x.length;
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += a[i * m + j]! * x[j]!;
    y[i] = s;
  }
  return y;
}

/** The matrix as a linear operator, counting its applications. */
export function operatorOf(a: Float64Array, m: number): { apply: (v: Float64Array) => Float64Array; calls: () => number } {
  let calls = 0;
  return {
    apply: (v) => {
      calls++;
      if (v.length !== m) throw new Error(`operatorOf: vector of length ${v.length}, expected ${m}`);
      return matVec(a, v);
    },
    calls: () => calls,
  };
}

export function maxAbs(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i]!));
  return s;
}

export function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  return Math.sqrt(s);
}

/** The spectral norm of a symmetric matrix bounded above by its max row sum (‖A‖₂ ≤ ‖A‖_∞). */
export function normInf(a: Float64Array, m: number): number {
  let best = 0;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += Math.abs(a[i * m + j]!);
    best = Math.max(best, s);
  }
  return best;
}

/** Column j of a row-major m × m matrix. */
export function column(v: Float64Array, m: number, j: number): Float64Array {
  const c = new Float64Array(m);
  for (let i = 0; i < m; i++) c[i] = v[i * m + j]!;
  return c;
}

/** The distance from `x` to the nearest entry of `values`. */
export function nearest(values: ArrayLike<number>, x: number): number {
  let best = Infinity;
  for (let i = 0; i < values.length; i++) best = Math.min(best, Math.abs(values[i]! - x));
  return best;
}

/**
 * A spectrum for fast-check: m eigenvalues drawn from a small set of "levels" (so repeated
 * eigenvalues and tight clusters occur often) scaled by a power of ten, plus independent
 * ones: the cases where a symmetric eigensolver tends to break.
 */
export function spectrumArb(minM: number, maxM: number): fc.Arbitrary<number[]> {
  return fc.integer({ min: minM, max: maxM }).chain((m) =>
    fc
      .tuple(
        fc.array(fc.oneof(fc.constantFrom(0, 1, -1, 2, 1 + 1e-9), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: m, maxLength: m }),
        fc.constantFrom(1, 1e-8, 1e8, 1e-150, 1e150),
      )
      .map(([levels, scale]) => levels.map((l) => l * scale)),
  );
}
