/**
 * Matrix multiply at n = 256, in GFLOP/s (2 n^3 flops per product), beside
 * what one core does with scalar float64 multiply-adds in plain TypeScript,
 * all measured in the same run so machine load affects them alike.
 */
import { timeIt, keep, type Timing } from './timing.js';
import { BenchRng } from './rng.js';

export interface Rate {
  readonly name: string;
  readonly gflops: number;
  readonly timing: Timing;
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
 * This is the fastest a scalar (non-SIMD) float64 loop runs here; a matmul
 * kernel in plain TypeScript is judged against it.
 */
export function scalarMaddRate(n = 256, reps = 256): Rate {
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
      x[r & (n - 1)] = total * 1e-300; // a data dependence between repetitions, so none is skipped
    }
    return total;
  };
  const timing = timeIt(run, { budgetMs: 800 });
  return { name: 'scalar multiply-add loop (4 accumulators, L1)', gflops: (2 * n * reps) / (timing.medianMs * 1e6), timing };
}

/** The textbook i-k-j triple loop: what an unblocked kernel gets. */
export function naiveMatmulRate(n = 256): Rate {
  const rng = new BenchRng(8);
  const A = randomMatrix(n, rng);
  const B = randomMatrix(n, rng);
  const C = new Float64Array(n * n);
  const timing = timeIt(
    () => {
      C.fill(0);
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < n; k++) {
          const a = A[i * n + k]!;
          const ci = i * n;
          const bk = k * n;
          for (let j = 0; j < n; j++) C[ci + j] += a * B[bk + j]!;
        }
      }
      return C;
    },
    { budgetMs: 800 },
  );
  return { name: 'naive i-k-j loop', gflops: (2 * n ** 3) / (timing.medianMs * 1e6), timing };
}

/** Rate of a library's matmul given a function that multiplies two n x n matrices and finishes. */
export function libraryMatmulRate(name: string, n: number, multiply: () => unknown): Rate {
  const timing = timeIt(() => keep(multiply()), { budgetMs: 800 });
  return { name, gflops: (2 * n ** 3) / (timing.medianMs * 1e6), timing };
}
