/**
 * The symmetric tridiagonal eigenproblem by the implicit symmetric QR algorithm with
 * Wilkinson shifts (Golub & Van Loan, Matrix Computations, 4th ed., §8.3.5, Algorithms
 * 8.3.2–8.3.3; Parlett, The Symmetric Eigenvalue Problem, ch. 8). It serves both `eigh`
 * (after Householder tridiagonalisation) and Lanczos (whose projected matrix is tridiagonal).
 */
import { CurvatureError } from './errors.js';

const EPS = Number.EPSILON;
/** Below this an off-diagonal entry of the (scaled) matrix counts as zero whatever the diagonal. */
const TINY = 1e-300;
/** LAPACK's dsteqr allows 30 QR sweeps per eigenvalue; none of our tests gets near it. */
const SWEEPS_PER_EIGENVALUE = 30;

/**
 * Diagonalises the symmetric tridiagonal matrix T with diagonal `d[0..n-1]` and off-diagonal
 * `e[0..n-2]` (`e[i]` couples i and i+1), in place: on return `d` holds the eigenvalues (in no
 * particular order) and `e` is overwritten.
 *
 * `rows`, when given, is an n × r row-major block Z; every plane rotation R acting on indices
 * (k, k+1) of T (T ← R T Rᵀ) is applied to rows k and k+1 of Z (Z ← R Z). Starting from
 * Z = I (r = n), row i of the result is the unit eigenvector of `d[i]`; starting from Z = Qᵀ
 * (A = Q T Qᵀ), row i is the eigenvector of A; starting from the column e_{n−1} (r = 1), row i
 * is the last component of the eigenvector of `d[i]` — what Lanczos' residual estimates need,
 * in O(n) work per sweep instead of O(n²).
 *
 * The matrix is scaled by its largest entry first (no overflow in the shift, no underflow in
 * the rotations); an off-diagonal entry is set to zero when |e_i| ≤ ε(|d_i| + |d_{i+1}|) (GVL's
 * deflation criterion), which keeps the eigenvalues' backward error at O(ε‖T‖). More than
 * `maxSweeps` sweeps (LAPACK's limit, 30 per eigenvalue) throw rather than return unconverged values.
 */
export function tridiagonalQR(
  d: Float64Array,
  e: Float64Array,
  rows?: Float64Array,
  r = 0,
  fn = 'tridiagonalQR',
  maxSweeps = SWEEPS_PER_EIGENVALUE * d.length,
): void {
  const n = d.length;
  if (n <= 1) return;
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d[i]!));
  for (let i = 0; i < n - 1; i++) scale = Math.max(scale, Math.abs(e[i]!));
  if (scale === 0) return;
  for (let i = 0; i < n; i++) d[i]! /= scale;
  for (let i = 0; i < n - 1; i++) e[i]! /= scale;

  const negligible = (i: number): boolean => {
    const ei = Math.abs(e[i]!);
    return ei <= EPS * (Math.abs(d[i]!) + Math.abs(d[i + 1]!)) || ei < TINY;
  };
  let sweeps = 0;
  let h = n - 1;
  // the rotations (c_k, s_k) of one sweep, applied to `rows` after it
  const sweepC = new Float64Array(n);
  const sweepS = new Float64Array(n);
  while (h > 0) {
    if (negligible(h - 1)) {
      e[h - 1] = 0;
      h--;
      continue;
    }
    // the unreduced block l..h ending at h
    let l = h - 1;
    while (l > 0 && !negligible(l - 1)) l--;
    if (l > 0) e[l - 1] = 0;
    if (++sweeps > maxSweeps) {
      throw new CurvatureError('no-convergence', fn, `the tridiagonal QR iteration did not converge in ${maxSweeps} sweeps (n = ${n})`);
    }
    qrSweep(d, e, l, h, rows, r, sweepC, sweepS);
  }
  for (let i = 0; i < n; i++) d[i]! *= scale;
}

/**
 * One implicit QR sweep with the Wilkinson shift on the unreduced block l..h (GVL Alg. 8.3.2):
 * the first rotation is that of the shifted QR step, the others chase the bulge it creates
 * below the subdiagonal down and out of the block.
 */
function qrSweep(d: Float64Array, e: Float64Array, l: number, h: number, rows: Float64Array | undefined, r: number, sweepC: Float64Array, sweepS: Float64Array): void {
  // Wilkinson shift: the eigenvalue of the trailing 2×2 block nearer to its last diagonal entry
  const b = e[h - 1]!;
  const delta = (d[h - 1]! - d[h]!) / 2;
  const mu = d[h]! - (b * b) / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, b));
  let x = d[l]! - mu;
  let z = e[l]!;
  for (let k = l; k < h; k++) {
    // the rotation R = [[c, s], [-s, c]] with R (x, z)ᵀ = (ρ, 0)ᵀ
    let c: number;
    let s: number;
    if (z === 0) {
      c = 1;
      s = 0;
    } else if (Math.abs(x) >= Math.abs(z)) {
      const t = z / x;
      c = (x > 0 ? 1 : -1) / Math.sqrt(1 + t * t);
      s = t * c;
    } else {
      const t = x / z;
      s = (z > 0 ? 1 : -1) / Math.sqrt(1 + t * t);
      c = t * s;
    }
    if (k > l) e[k - 1] = c * x + s * z; // the bulge at (k+1, k-1) is annihilated into (k, k-1)
    const dk = d[k]!;
    const dk1 = d[k + 1]!;
    const ek = e[k]!;
    const cc = c * c;
    const ss = s * s;
    const cs2 = 2 * c * s * ek;
    d[k] = cc * dk + cs2 + ss * dk1;
    d[k + 1] = ss * dk - cs2 + cc * dk1;
    e[k] = c * s * (dk1 - dk) + (cc - ss) * ek;
    if (k < h - 1) {
      // the rotation fills (k+2, k) with the new bulge s·e_{k+1}
      x = e[k]!;
      z = s * e[k + 1]!;
      e[k + 1] = c * e[k + 1]!;
    }
    sweepC[k] = c;
    sweepS[k] = s;
  }
  if (rows !== undefined) applySweep(rows, r, l, h, sweepC, sweepS);
}

/**
 * Applies the sweep's rotations k = l..h−1 (rows k, k+1 ← R_k) to `z` in order, four at a time:
 * per column, rows k..k+4 are loaded once, rotated four times in registers and stored, which
 * halves the memory traffic of applying them one by one (the flops are the same: 6 per
 * rotation and column). Each column is independent, so the order within a column is all
 * that matters.
 */
function applySweep(z: Float64Array, r: number, l: number, h: number, cs: Float64Array, ss: Float64Array): void {
  let k = l;
  for (; k + 4 <= h; k += 4) {
    const c0 = cs[k]!, s0 = ss[k]!, c1 = cs[k + 1]!, s1 = ss[k + 1]!;
    const c2 = cs[k + 2]!, s2 = ss[k + 2]!, c3 = cs[k + 3]!, s3 = ss[k + 3]!;
    const o0 = k * r, o1 = o0 + r, o2 = o1 + r, o3 = o2 + r, o4 = o3 + r;
    for (let j = 0; j < r; j++) {
      const x0 = z[o0 + j]!;
      let x1 = z[o1 + j]!;
      let x2 = z[o2 + j]!;
      let x3 = z[o3 + j]!;
      const x4 = z[o4 + j]!;
      z[o0 + j] = c0 * x0 + s0 * x1;
      x1 = c0 * x1 - s0 * x0;
      z[o1 + j] = c1 * x1 + s1 * x2;
      x2 = c1 * x2 - s1 * x1;
      z[o2 + j] = c2 * x2 + s2 * x3;
      x3 = c2 * x3 - s2 * x2;
      z[o3 + j] = c3 * x3 + s3 * x4;
      z[o4 + j] = c3 * x4 - s3 * x3;
    }
  }
  for (; k < h; k++) rotateRows(z, k * r, (k + 1) * r, r, cs[k]!, ss[k]!);
}

/** Rows p and q (offsets into `z`, length r) ← (c p + s q, −s p + c q). */
function rotateRows(z: Float64Array, p: number, q: number, r: number, c: number, s: number): void {
  for (let j = 0; j < r; j++) {
    const a = z[p + j]!;
    const b = z[q + j]!;
    z[p + j] = c * a + s * b;
    z[q + j] = c * b - s * a;
  }
}

/**
 * Eigenvalues (ascending) and unit eigenvectors of the symmetric tridiagonal matrix with
 * diagonal `diagonal` (length n) and off-diagonal `offDiagonal` (length n − 1). `vectors` is
 * n × n row-major with eigenvector j in column j (as `eigh`). The inputs are not modified.
 */
export function tridiagonalEigh(diagonal: ArrayLike<number>, offDiagonal: ArrayLike<number>): { values: Float64Array; vectors: Float64Array } {
  const fn = 'tridiagonalEigh';
  const n = checkTridiagonal(fn, diagonal, offDiagonal);
  const d = Float64Array.from(diagonal);
  const e = Float64Array.from(offDiagonal);
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  tridiagonalQR(d, e, z, n, fn);
  const order = ascendingOrder(d);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j]!;
    values[j] = d[src]!;
    for (let i = 0; i < n; i++) vectors[i * n + j] = z[src * n + i]!;
  }
  return { values, vectors };
}

/** Eigenvalues (ascending) of the symmetric tridiagonal matrix, without eigenvectors: O(n²). */
export function tridiagonalEigenvalues(diagonal: ArrayLike<number>, offDiagonal: ArrayLike<number>): Float64Array {
  checkTridiagonal('tridiagonalEigenvalues', diagonal, offDiagonal);
  const d = Float64Array.from(diagonal);
  tridiagonalQR(d, Float64Array.from(offDiagonal), undefined, 0, 'tridiagonalEigenvalues');
  return d.sort();
}

function checkTridiagonal(fn: string, diagonal: ArrayLike<number>, offDiagonal: ArrayLike<number>): number {
  const n = diagonal.length;
  if (offDiagonal.length !== Math.max(0, n - 1)) {
    throw new CurvatureError('shape', fn, `the off-diagonal must have length n − 1 = ${Math.max(0, n - 1)} for a diagonal of length ${n}, got ${offDiagonal.length}`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(diagonal[i])) throw new CurvatureError('nonfinite', fn, `diagonal entry ${i} is ${diagonal[i]}`);
  }
  for (let i = 0; i < n - 1; i++) {
    if (!Number.isFinite(offDiagonal[i])) throw new CurvatureError('nonfinite', fn, `off-diagonal entry ${i} is ${offDiagonal[i]}`);
  }
  return n;
}

/** Indices sorting `values` ascending; ties keep index order, so the result is deterministic. */
export function ascendingOrder(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
}
