/**
 * Dense symmetric eigensolver in float64: Householder tridiagonalisation (Golub & Van Loan,
 * Matrix Computations, 4th ed., Alg. 8.3.1) followed by the implicit symmetric QR algorithm
 * with Wilkinson shifts (tridiagonal.ts), both backward stable: the computed eigenpairs are
 * exact for A + E with ‖E‖ = O(ε‖A‖), so residuals ‖Av − λv‖ and the loss of orthonormality
 * are O(ε‖A‖) and O(ε) (times a modest function of m).
 */
import { Tensor } from '../autodiff/index.js';
import { CurvatureError } from './errors.js';
import { checkSymmetryTolerance, signOfLargest } from './operator.js';
import { ascendingOrder, tridiagonalQR } from './tridiagonal.js';

/** Options of {@link eigh} and {@link eigvalsh}. */
export interface EighOptions {
  /**
   * Largest accepted |A_ij − A_ji| relative to max |A_ij| (default 1e-10). A Hessian computed by
   * `hessian()` is symmetric to round-off (its rows are separate reverse passes), ~1e-16 relative;
   * a larger asymmetry means the matrix is not what the caller thinks it is. The solver uses the
   * symmetric part (A + Aᵀ)/2.
   */
  symmetryTolerance?: number;
}

/** Eigenvalues ascending; `vectors` [m, m] with column j the unit eigenvector of `values[j]`. */
export interface EighResult {
  values: Float64Array;
  vectors: Tensor;
}

export const DEFAULT_SYMMETRY_TOLERANCE = 1e-10;

/**
 * All eigenvalues (ascending) and orthonormal eigenvectors of the symmetric matrix `A` ([m, m]);
 * column j of `vectors` belongs to `values[j]` (numpy's `eigh` convention). Each eigenvector's
 * sign is fixed so that its entry of largest magnitude (the first such) is positive, so the
 * result is a deterministic function of `A`. Throws {@link CurvatureError} for a non-square
 * or non-2-D input (naming the shape), a non-finite entry (naming it) or an asymmetric one
 * (naming the worst pair and the tolerance). Cost ≈ 9m³ flops (m = 500: see BENCHMARKS.md).
 */
export function eigh(A: Tensor, options: EighOptions = {}): EighResult {
  const { a, m, scale } = readSymmetric('eigh', A, options);
  const { values, vectors } = symmetricEigenInPlace(a, m, true, 'eigh');
  for (let i = 0; i < m; i++) values[i]! *= scale;
  return { values, vectors: new Tensor([m, m], vectors!) };
}

/** The eigenvalues of the symmetric matrix `A`, ascending, without eigenvectors (≈ 2m³ flops). Validated like {@link eigh}. */
export function eigvalsh(A: Tensor, options: EighOptions = {}): Float64Array {
  const { a, m, scale } = readSymmetric('eigvalsh', A, options);
  const { values } = symmetricEigenInPlace(a, m, false, 'eigvalsh');
  for (let i = 0; i < m; i++) values[i]! *= scale;
  return values;
}

/** Checks shape, finiteness and symmetry; returns the symmetric part divided by max |A_ij| (so no square overflows). */
function readSymmetric(fn: string, A: Tensor, options: EighOptions): { a: Float64Array; m: number; scale: number } {
  if (!(A instanceof Tensor)) {
    throw new CurvatureError('bad-input', fn, `expected a Tensor of shape [m, m], got ${A === null ? 'null' : typeof A}${Array.isArray(A) ? ' (an array: wrap it with tensor(...))' : ''}`);
  }
  if (A.ndim !== 2 || A.shape[0] !== A.shape[1]) {
    throw new CurvatureError('shape', fn, `expected a square matrix of shape [m, m], got shape [${A.shape.join(', ')}]`);
  }
  const tol = checkSymmetryTolerance(fn, options.symmetryTolerance ?? DEFAULT_SYMMETRY_TOLERANCE);
  const m = A.shape[0]!;
  const src = A.data;
  let scale = 0;
  for (let i = 0; i < m * m; i++) {
    const v = src[i]!;
    if (!Number.isFinite(v)) throw new CurvatureError('nonfinite', fn, `entry A[${Math.floor(i / m)}, ${i % m}] is ${v}`);
    scale = Math.max(scale, Math.abs(v));
  }
  let worst = 0;
  let wi = 0;
  let wj = 0;
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const gap = Math.abs(src[i * m + j]! - src[j * m + i]!);
      if (gap > worst) {
        worst = gap;
        wi = i;
        wj = j;
      }
    }
  }
  if (worst > tol * scale) {
    throw new CurvatureError(
      'asymmetric',
      fn,
      `the matrix is not symmetric: A[${wi}, ${wj}] = ${src[wi * m + wj]} but A[${wj}, ${wi}] = ${src[wj * m + wi]} ` +
        `(|difference| ${worst.toPrecision(3)} exceeds symmetryTolerance ${tol} × max|A| = ${(tol * scale).toPrecision(3)})`,
    );
  }
  const a = new Float64Array(m * m);
  if (scale === 0) return { a, m, scale: 1 };
  const inv = 1 / scale;
  for (let i = 0; i < m; i++) {
    a[i * m + i] = src[i * m + i]! * inv;
    for (let j = i + 1; j < m; j++) {
      const s = 0.5 * (src[i * m + j]! + src[j * m + i]!) * inv;
      a[i * m + j] = s;
      a[j * m + i] = s;
    }
  }
  return { a, m, scale };
}

/**
 * Eigen-decomposition of the symmetric n × n row-major matrix `a` (full storage, destroyed),
 * unvalidated: the kernel behind {@link eigh} and the Lanczos projections. Values ascending;
 * `vectors` row-major with eigenvector j in column j and the sign convention of {@link eigh}.
 */
export function symmetricEigenInPlace(a: Float64Array, n: number, wantVectors: boolean, fn: string): { values: Float64Array; vectors: Float64Array | null } {
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  const betas = new Float64Array(n);
  householderTridiagonalize(a, n, d, e, betas);
  if (!wantVectors) {
    tridiagonalQR(d, e, undefined, 0, fn);
    return { values: d.sort(), vectors: null };
  }
  const z = accumulateQTransposed(a, n, betas);
  tridiagonalQR(d, e, z, n, fn);
  const order = ascendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const row = order[j]! * n;
    values[j] = d[order[j]!]!;
    const sign = signOfLargest(z.subarray(row, row + n));
    for (let i = 0; i < n; i++) vectors[i * n + j] = sign * z[row + i]!;
  }
  return { values, vectors };
}

/**
 * A = Q T Qᵀ with Q = H_0 H_1 ⋯ H_{n−3}, H_k = I − β_k v_k v_kᵀ acting on indices k+1..n−1
 * (GVL Alg. 8.3.1). Works on the lower triangle of `a` only (≈ 4n³/3 flops): each step reads
 * column k below the diagonal, forms p = β B v for the trailing block B by a symmetric
 * product over B's lower triangle (row by row, so every inner loop is contiguous),
 * w = p − (β pᵀv / 2) v, and updates the lower triangle by B ← B − v wᵀ − w vᵀ. On return
 * `d`, `e` hold T; v_k is stored in the otherwise unused upper part of row k (columns
 * k+1..n−1) and `betas[k]` = β_k (0 when column k needed no reflection).
 */
function householderTridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array, betas: Float64Array): void {
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const rowK = k * n;
    d[k] = a[rowK + k]!;
    // x = column k below the diagonal, copied into row k's upper part (where v_k will live)
    let tail = 0;
    for (let i = k + 1; i < n; i++) {
      const x = a[i * n + k]!;
      a[rowK + i] = x;
      if (i > k + 1) tail += x * x;
    }
    const x0 = a[rowK + k + 1]!;
    if (tail === 0) {
      // already tridiagonal in this column: H_k = I
      e[k] = x0;
      betas[k] = 0;
      continue;
    }
    const norm = Math.sqrt(x0 * x0 + tail);
    const v0 = x0 >= 0 ? x0 + norm : x0 - norm; // no cancellation: v0 has the sign of x0
    e[k] = x0 >= 0 ? -norm : norm;
    a[rowK + k + 1] = v0;
    const beta = 2 / (v0 * v0 + tail);
    betas[k] = beta;
    // p = B v from the lower triangle: B_ij (j < i) contributes to p_i and to p_j
    p.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const rowI = i * n;
      const vi = a[rowK + i]!;
      let s = a[rowI + i]! * vi;
      for (let j = k + 1; j < i; j++) {
        const bij = a[rowI + j]!;
        s += bij * a[rowK + j]!;
        p[j]! += bij * vi;
      }
      p[i]! += s;
    }
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      p[i]! *= beta;
      pv += p[i]! * a[rowK + i]!;
    }
    const half = 0.5 * beta * pv;
    for (let i = k + 1; i < n; i++) p[i]! -= half * a[rowK + i]!; // p is now w
    for (let i = k + 1; i < n; i++) {
      const rowI = i * n;
      const vi = a[rowK + i]!;
      const wi = p[i]!;
      for (let j = k + 1; j <= i; j++) a[rowI + j]! -= vi * p[j]! + wi * a[rowK + j]!;
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2]!;
    e[n - 2] = a[(n - 1) * n + n - 2]!;
  }
  if (n >= 1) d[n - 1] = a[n * n - 1]!;
}

/**
 * Qᵀ as an n × n row-major array (row i = column i of Q), from the reflectors left in `a` by
 * {@link householderTridiagonalize}. Backward accumulation (GVL §5.1.6): Q = H_0(H_1(⋯H_{n−3})),
 * where each product touches only the trailing block that is not yet the identity.
 */
function accumulateQTransposed(a: Float64Array, n: number, betas: Float64Array): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const u = new Float64Array(n);
  for (let k = n - 3; k >= 0; k--) {
    const beta = betas[k]!;
    if (beta === 0) continue;
    const rowK = k * n;
    // u = vᵀ Q_sub over columns k+1..n−1, then Q_sub −= β v uᵀ
    u.fill(0, k + 1);
    for (let i = k + 1; i < n; i++) {
      const vi = a[rowK + i]!;
      const rowI = i * n;
      for (let j = k + 1; j < n; j++) u[j]! += vi * q[rowI + j]!;
    }
    for (let i = k + 1; i < n; i++) {
      const bvi = beta * a[rowK + i]!;
      const rowI = i * n;
      for (let j = k + 1; j < n; j++) q[rowI + j]! -= bvi * u[j]!;
    }
  }
  // transpose in place
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = q[i * n + j]!;
      q[i * n + j] = q[j * n + i]!;
      q[j * n + i] = t;
    }
  }
  return q;
}
