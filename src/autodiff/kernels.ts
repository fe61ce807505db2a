/**
 * Raw float64 kernels on plain arrays: no tracing, no allocation beyond the result.
 * Broadcasting follows numpy: shapes are aligned on the right, a dimension of 1 stretches.
 */
import { fmtShape, sameShape, shapeSize, type Shape } from './tensor.js';

/** Thrown when the shapes given to an operation do not fit; the message names the operation and the shapes. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/** The broadcast shape of `a` and `b`, or a {@link ShapeError} naming `op` and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i - (n - a.length) >= 0 ? a[i - (n - a.length)]! : 1;
    const db = i - (n - b.length) >= 0 ? b[i - (n - b.length)]! : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Row-major strides of `shape` aligned to `out`, with 0 on broadcast (stretched or missing) axes. */
export function broadcastStrides(shape: Shape, out: Shape): number[] {
  const n = out.length;
  const s = new Array<number>(n).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = i + n - shape.length;
    s[j] = shape[i] === 1 && out[j] !== 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return s;
}

/** Binary kernel selector (plain numbers: cheap to switch on in the inner loop). */
export type Bin = 0 | 1 | 2 | 3 | 4;
export const Bin = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  /** Copy of the first operand (broadcastTo). */
  First: 4,
} as const;

function innerLoop(
  kind: Bin,
  out: Float64Array,
  o: number,
  A: Float64Array,
  a0: number,
  sa: number,
  B: Float64Array,
  b0: number,
  sb: number,
  n: number,
): void {
  let ia = a0;
  let ib = b0;
  switch (kind) {
    case Bin.Add:
      for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = A[ia]! + B[ib]!;
      break;
    case Bin.Sub:
      for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = A[ia]! - B[ib]!;
      break;
    case Bin.Mul:
      for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = A[ia]! * B[ib]!;
      break;
    case Bin.Div:
      for (let i = 0; i < n; i++, ia += sa, ib += sb) out[o + i] = A[ia]! / B[ib]!;
      break;
    case Bin.First:
      for (let i = 0; i < n; i++, ia += sa) out[o + i] = A[ia]!;
      break;
  }
}

/**
 * `A op B` with broadcasting into a new array of shape `outShape` (which the caller got
 * from {@link broadcastShapes}). Same shapes and scalars take one flat loop; otherwise the
 * last axis is the inner loop and an odometer walks the others (rows, columns and
 * scalars all stay fast).
 */
export function binaryKernel(kind: Bin, A: Float64Array, aShape: Shape, B: Float64Array, bShape: Shape, outShape: Shape): Float64Array {
  const size = shapeSize(outShape);
  const out = new Float64Array(size);
  if (size === 0) return out;
  if (A.length === size && B.length === size && sameShape(aShape, bShape)) {
    innerLoop(kind, out, 0, A, 0, 1, B, 0, 1, size);
    return out;
  }
  if (B.length === 1 && A.length === size) {
    innerLoop(kind, out, 0, A, 0, 1, B, 0, 0, size);
    return out;
  }
  if (A.length === 1 && B.length === size) {
    innerLoop(kind, out, 0, A, 0, 0, B, 0, 1, size);
    return out;
  }
  const nd = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const inner = outShape[nd - 1]!;
  const ia = sa[nd - 1]!;
  const ib = sb[nd - 1]!;
  const rows = size / inner;
  const idx = new Array<number>(nd).fill(0);
  let offA = 0;
  let offB = 0;
  for (let r = 0, o = 0; r < rows; r++, o += inner) {
    innerLoop(kind, out, o, A, offA, ia, B, offB, ib, inner);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      offA += sa[d]!;
      offB += sb[d]!;
      if (idx[d]! < outShape[d]!) break;
      offA -= sa[d]! * outShape[d]!;
      offB -= sb[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Sums `X` (shape `xShape`) down to `shape`, which broadcasts to `xShape` (the adjoint of
 * broadcasting). Walks `X` in order, accumulating into the output at broadcast strides.
 */
export function sumToKernel(X: Float64Array, xShape: Shape, shape: Shape): Float64Array {
  const out = new Float64Array(shapeSize(shape));
  const size = X.length;
  if (size === 0) return out;
  if (out.length === 1) {
    let s = 0;
    for (let i = 0; i < size; i++) s += X[i]!;
    out[0] = s;
    return out;
  }
  const nd = xShape.length;
  const so = broadcastStrides(shape, xShape);
  const inner = xShape[nd - 1]!;
  const io = so[nd - 1]!;
  const rows = size / inner;
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  for (let r = 0, x = 0; r < rows; r++, x += inner) {
    if (io === 0) {
      let s = 0;
      for (let i = 0; i < inner; i++) s += X[x + i]!;
      out[off] += s;
    } else {
      for (let i = 0; i < inner; i++) out[off + i] += X[x + i]!;
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      off += so[d]!;
      if (idx[d]! < xShape[d]!) break;
      off -= so[d]! * xShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Splits `shape` around `axis` into (outer, n, inner) counts for axis-wise loops. */
export function axisSplit(shape: Shape, axis: number): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[axis]!, inner];
}

/** Maximum along `axis` (shape with that axis removed) and, per reduced slot, the flat index of the first maximum. */
export function maxAxisKernel(X: Float64Array, shape: Shape, axis: number): { values: Float64Array; argIndex: Int32Array } {
  const [outer, n, inner] = axisSplit(shape, axis);
  const values = new Float64Array(outer * inner);
  const argIndex = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity;
      let at = o * n * inner + i;
      for (let k = 0; k < n; k++) {
        const j = (o * n + k) * inner + i;
        const v = X[j]!;
        // NaN propagates: a NaN is taken as the maximum
        if (v > best || v !== v) {
          best = v;
          at = j;
          if (v !== v) break;
        }
      }
      values[o * inner + i] = best;
      argIndex[o * inner + i] = at;
    }
  }
  return { values, argIndex };
}

/** Transpose of a row-major `[n, m]` matrix. */
export function transposeKernel(A: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  const B = 32; // cache blocking
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 < m; j0 += B) {
      const j1 = Math.min(m, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * n + i] = A[i * m + j]!;
      }
    }
  }
  return out;
}

/**
 * `C = op(A) op(B)` for row-major matrices, `op(A): [n, k]`, `op(B): [k, m]`, where op is
 * the transpose when `ta` / `tb` is set (then `A` is stored `[k, n]`, `B` `[m, k]`). The
 * transposed products are the backward pass of a matrix product (`g Bᵀ`, `Aᵀ g`): reading
 * the stored layout directly instead of materialising a transpose saves a pass over the
 * operand and its allocation (bench/peers/profile.ts: transposes were 5% of the large
 * MLP's gradient). Every entry of C is summed over p = 0..k-1 in the same order whatever
 * the flags, so the result does not depend on them, bit for bit.
 *
 * Register blocking: each 3×4 block of C lives in 12 local accumulators while k runs, so
 * every loaded element of A feeds four multiply-adds and every element of B three. 3×4
 * rather than 4×4: 12 accumulators, 4 values of B and one of A fit the 16 float registers
 * of x86-64, and measured 15-20% faster than 4×4 (which spills) at n = 256. Each 4-column
 * panel of op(B) is first packed into a contiguous [k, 4] buffer so the inner loop reads
 * it sequentially; for `tb` the panel is four rows of the stored B.
 */
export function matmulKernel(A: Float64Array, B: Float64Array, n: number, k: number, m: number, ta = false, tb = false): Float64Array {
  const C = new Float64Array(n * m);
  const n3 = n - (n % 3);
  const m4 = m - (m % 4);
  // op(A)[i, p] = A[i * ra + p * ca]; op(B)[p, j] = B[p * rb + j * cb]
  const ra = ta ? 1 : k;
  const ca = ta ? n : 1;
  const rb = tb ? 1 : m;
  const cb = tb ? k : 1;
  const ra2 = 2 * ra;
  const P = new Float64Array(k * 4);
  for (let j = 0; j < m4; j += 4) {
    const b0s = j * cb;
    const b1s = b0s + cb;
    const b2s = b1s + cb;
    const b3s = b2s + cb;
    for (let p = 0, bp = 0, q = 0; p < k; p++, bp += rb, q += 4) {
      P[q] = B[b0s + bp]!;
      P[q + 1] = B[b1s + bp]!;
      P[q + 2] = B[b2s + bp]!;
      P[q + 3] = B[b3s + bp]!;
    }
    for (let i = 0; i < n3; i += 3) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      for (let p = 0, q = 0, ia = i * ra; p < k; p++, q += 4, ia += ca) {
        const b0 = P[q]!, b1 = P[q + 1]!, b2 = P[q + 2]!, b3 = P[q + 3]!;
        const a0 = A[ia]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        const a1 = A[ia + ra]!;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        const a2 = A[ia + ra2]!;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
      }
      let o = i * m + j;
      C[o] = c00; C[o + 1] = c01; C[o + 2] = c02; C[o + 3] = c03;
      o += m;
      C[o] = c10; C[o + 1] = c11; C[o + 2] = c12; C[o + 3] = c13;
      o += m;
      C[o] = c20; C[o + 1] = c21; C[o + 2] = c22; C[o + 3] = c23;
    }
    for (let i = n3; i < n; i++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, q = 0, ia = i * ra; p < k; p++, q += 4, ia += ca) {
        const a = A[ia]!;
        c0 += a * P[q]!; c1 += a * P[q + 1]!; c2 += a * P[q + 2]!; c3 += a * P[q + 3]!;
      }
      const o = i * m + j;
      C[o] = c0; C[o + 1] = c1; C[o + 2] = c2; C[o + 3] = c3;
    }
  }
  // the last m % 4 columns: dot products, four rows at a time so that four independent
  // sums are in flight (one sum alone waits on the add latency at every step: the
  // [256,128]·[128,10] output layer ran at 3.7 GFLOP/s against 5.9 for square products);
  // each sum still runs over p = 0..k-1 in order, so the result is unchanged to the bit
  const n4 = n - (n % 4);
  const ra3 = 3 * ra;
  for (let j = m4; j < m; j++) {
    for (let i = 0; i < n4; i += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let p = 0, ia = i * ra, bp = j * cb; p < k; p++, ia += ca, bp += rb) {
        const b = B[bp]!;
        c0 += A[ia]! * b; c1 += A[ia + ra]! * b; c2 += A[ia + ra2]! * b; c3 += A[ia + ra3]! * b;
      }
      C[i * m + j] = c0; C[(i + 1) * m + j] = c1; C[(i + 2) * m + j] = c2; C[(i + 3) * m + j] = c3;
    }
    for (let i = n4; i < n; i++) {
      let c = 0;
      for (let p = 0, ia = i * ra, bp = j * cb; p < k; p++, ia += ca, bp += rb) c += A[ia]! * B[bp]!;
      C[i * m + j] = c;
    }
  }
  return C;
}

// tanhKernel constants. LN2_HI has trailing zero bits, so k·LN2_HI is exact for |k| < 2^11
// (the Cody-Waite split of fdlibm's expm1).
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e0;
/** 1.5·2^52: (v + RND) - RND rounds |v| < 2^51 to the nearest integer without a branch. */
const RND = 6755399441055744;
/** 2^-j, j = 0..59 (exact): the scale 2^k of the reduction, looked up without a branch. */
const POW2NEG = Float64Array.from({ length: 60 }, (_, j) => 2 ** -j);
// Taylor coefficients 1/n! of expm1(r) = r + r²(1/2 + r/3! + ... + r^11/13!); |r| ≤ ln2/2,
// so the first omitted term is below r·0.347^13/14! ≈ 1.2e-17·r (under 0.1 ulp).
const C2 = 1 / 2, C3 = 1 / 6, C4 = 1 / 24, C5 = 1 / 120, C6 = 1 / 720, C7 = 1 / 5040, C8 = 1 / 40320;
const C9 = 1 / 362880, C10 = 1 / 3628800, C11 = 1 / 39916800, C12 = 1 / 479001600, C13 = 1 / 6227020800;

/**
 * `out[i] = tanh(X[i])` without branches, to within 2 ulp of `Math.tanh` (test/autodiff/
 * tanh.test.ts; measured on 10^6 uniform arguments in [0, 8): within 1 ulp except 0.6% of
 * those in [0, 1), never more than 2 ulp).
 *
 * Why not Math.tanh: V8's tanh (fdlibm) branches on |x| < 1, and on a network's
 * pre-activations (|z| spread around 0.5-1) the branch is unpredictable: Math.tanh took
 * 1.03 ms on the medium MLP's 65 536 pre-activations but 0.54 ms on the same values sorted
 * (bench/autodiff-tanh.ts). This loop does the same arithmetic for every argument.
 *
 * Method: with a = min(|x|, 20) (tanh(20) rounds to 1) and u = −2a, tanh a = −em / (em + 2)
 * where em = expm1(u) = 2^k (expm1(r) + 1) − 1, u = k ln2 + r, |r| ≤ ln2/2 (Cody-Waite).
 * expm1(r) is a Taylor polynomial (Horner for the leading terms, Estrin for the tail to
 * shorten the dependency chain); the rounding errors of the reduction, of r + r²q and of
 * 2^k expm1(r) + (2^k − 1) are carried as low parts (Fast2Sum: the larger term is known
 * in each sum) and applied as a first-order correction to the quotient. The sign is
 * restored by multiplying by sign(x), which keeps tanh(±0) = ±0 and NaN → NaN.
 */
export function tanhKernel(X: Float64Array, out: Float64Array): void {
  for (let i = 0; i < X.length; i++) {
    const x = X[i]!;
    const a = Math.min(Math.abs(x), 20);
    const u = -2 * a;
    const k = (u * INV_LN2 + RND) - RND; // k ∈ [-58, 0]
    const hi = u - k * LN2_HI; // exact
    const kl = k * LN2_LO;
    const r = hi - kl;
    const rlo = (hi - r) - kl;
    const r2 = r * r;
    const r4 = r2 * r2;
    const tail = ((C4 + C5 * r) + (C6 + C7 * r) * r2) + r4 * (((C8 + C9 * r) + (C10 + C11 * r) * r2) + r4 * (C12 + C13 * r));
    const w = r2 * (C2 + r * (C3 + r * tail));
    const p = r + w; // expm1(r); |w| < |r|
    const plo = (w - (p - r)) + rlo * (1 + r);
    const T = POW2NEG[-k | 0]!;
    const s = T - 1; // exact for k ≥ -53; |s| ≥ |T p| when k ≤ -1, s = 0 when k = 0
    const t = T * p; // exact (power-of-two scaling, no underflow)
    const e = s + t; // expm1(u)
    const elo = (t - (e - s)) + T * plo;
    const d = e + 2; // |e| < 2
    const dlo = ((2 - d) + e) + elo;
    const y = -e / d;
    out[i] = Math.sign(x) * Math.abs(y - (elo + y * dlo) * (1 / d));
  }
}
