/**
 * The raw kernels behind the speed work of issue 7: the transposed matrix products read
 * their operands in place, and must agree bit for bit with materialising the transpose
 * first (every entry is the same sum in the same order), for shapes that exercise the
 * 3×4 blocks and both remainders (n % 3, m % 4).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulKernel, transposeKernel } from '../../src/autodiff/kernels.js';

function naive(A: Float64Array, B: Float64Array, n: number, k: number, m: number): Float64Array {
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let c = 0;
      for (let p = 0; p < k; p++) c += A[i * k + p]! * B[p * m + j]!;
      C[i * m + j] = c;
    }
  return C;
}

const dims = fc.record({ n: fc.integer({ min: 1, max: 11 }), k: fc.integer({ min: 1, max: 9 }), m: fc.integer({ min: 1, max: 13 }), seed: fc.integer() });

function fill(len: number, seed: number): Float64Array {
  const out = new Float64Array(len);
  let s = seed | 0;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    out[i] = (s >>> 8) / (1 << 23) - 1;
  }
  return out;
}

describe('matmulKernel', () => {
  it('equals the naive triple loop in the same summation order, bit for bit', () => {
    fc.assert(
      fc.property(dims, ({ n, k, m, seed }) => {
        const A = fill(n * k, seed);
        const B = fill(k * m, seed + 1);
        expect(matmulKernel(A, B, n, k, m)).toEqual(naive(A, B, n, k, m));
      }),
    );
  });

  it('reads transposed operands in place: same bits as transposing first, for every flag combination', () => {
    fc.assert(
      fc.property(dims, fc.boolean(), fc.boolean(), ({ n, k, m, seed }, ta, tb) => {
        const A = fill(n * k, seed); // op(A) as [n, k]
        const B = fill(k * m, seed + 1); // op(B) as [k, m]
        const storedA = ta ? transposeKernel(A, n, k) : A; // [k, n] when ta
        const storedB = tb ? transposeKernel(B, k, m) : B; // [m, k] when tb
        expect(matmulKernel(storedA, storedB, n, k, m, ta, tb)).toEqual(naive(A, B, n, k, m));
      }),
    );
  });
});
