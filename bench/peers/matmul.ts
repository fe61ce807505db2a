/**
 * Matrix multiply at n = 256, in GFLOP/s (2 n^3 flops per product), beside
 * what one core does with scalar float64 multiply-adds in plain TypeScript,
 * all measured in the same run so machine load affects them alike.
 */
import { BenchRng } from './rng.js';

/** A kernel that does a known number of floating-point operations per call. */
export interface FlopKernel {
  readonly name: string;
  /** Floating-point operations per call (a multiply-add counts 2). */
  readonly flops: number;
  readonly run: () => unknown;
}

export function randomMatrix(n: number, rng: BenchRng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

/**
 * The scalar multiply-add ceiling: dot products of two L1-resident vectors of
 * length n with four independent accumulators (so the loop is bound by
 * multiply-add throughput, not by the latency of one accumulator chain).
 * This is about the fastest a scalar (non-SIMD) float64 loop runs here; a
 * matmul kernel in plain TypeScript is judged against it.
 */
export function scalarMaddKernel(n = 256, reps = 256): FlopKernel {
  if (n % 4 !== 0 || (n & (n - 1)) !== 0) throw new Error(`scalarMaddKernel: n must be a power of two >= 4, got ${n}`);
  const rng = new BenchRng(7);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.normal();
    y[i] = rng.normal();
  }
  const run = (): number => {
    let total = 0;
    for (let r = 0; r < reps; r++) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < n; i += 4) {
        s0 += x[i]! * y[i]!;
        s1 += x[i + 1]! * y[i + 1]!;
        s2 += x[i + 2]! * y[i + 2]!;
        s3 += x[i + 3]! * y[i + 3]!;
      }
      total += s0 + s1 + s2 + s3;
      x[r & (n - 1)] = total * 1e-300; // a data dependence between repetitions, so none can be skipped
    }
    return total;
  };
  return { name: 'scalar multiply-add loop (4 accumulators, L1-resident)', flops: 2 * n * reps, run };
}

/** The textbook i-k-j triple loop over Float64Arrays: what an unblocked kernel gets. */
export function naiveMatmulKernel(n = 256): FlopKernel {
  const rng = new BenchRng(8);
  const A = randomMatrix(n, rng);
  const B = randomMatrix(n, rng);
  const C = new Float64Array(n * n);
  const run = (): Float64Array => {
    C.fill(0);
    for (let i = 0; i < n; i++) {
      const ci = i * n;
      for (let k = 0; k < n; k++) {
        const a = A[ci + k]!;
        const bk = k * n;
        for (let j = 0; j < n; j++) C[ci + j] += a * B[bk + j]!;
      }
    }
    return C;
  };
  return { name: 'naive i-k-j loop (float64)', flops: 2 * n ** 3, run };
}
