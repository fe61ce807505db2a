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
 * The scalar multiply-add references, defined as in the autodiff benchmark
 * (bench/autodiff.bench.ts) so the two reports compare alike: `s += x[i] * y[i]`
 * over two L1-resident vectors of 1024 float64s, repeated to `flops` in total.
 * - 1 accumulator: the issue-2 target reference ("matmul ≥ 45% of the loop").
 *   Each add waits for the previous one, so it is bound by add latency.
 * - 8 accumulators: independent chains, bound by multiply-add throughput: about
 *   the fastest any scalar (non-SIMD) float64 loop goes here. A stricter yardstick.
 */
export function scalarMaddKernel(accumulators: 1 | 8, flops: number, length = 1024): FlopKernel {
  const rng = new BenchRng(7);
  const x = new Float64Array(length);
  const y = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    x[i] = rng.normal();
    y[i] = rng.normal();
  }
  const reps = Math.max(1, Math.round(flops / (2 * length)));
  const one = (): number => {
    let s = 0;
    for (let r = 0; r < reps; r++) for (let i = 0; i < length; i++) s += x[i]! * y[i]!;
    return s;
  };
  const eight = (): number => {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0; // prettier-ignore
    for (let r = 0; r < reps; r++) {
      for (let i = 0; i < length; i += 8) {
        s0 += x[i]! * y[i]!;
        s1 += x[i + 1]! * y[i + 1]!;
        s2 += x[i + 2]! * y[i + 2]!;
        s3 += x[i + 3]! * y[i + 3]!;
        s4 += x[i + 4]! * y[i + 4]!;
        s5 += x[i + 5]! * y[i + 5]!;
        s6 += x[i + 6]! * y[i + 6]!;
        s7 += x[i + 7]! * y[i + 7]!;
      }
    }
    return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
  };
  return {
    name: `scalar multiply-add loop, ${accumulators} accumulator${accumulators === 1 ? '' : 's'}`,
    flops: 2 * length * reps,
    run: accumulators === 1 ? one : eight,
  };
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
