/**
 * The symmetric tridiagonal QR solver on its own: closed forms, and agreement with the dense
 * path (Householder is the identity on a tridiagonal matrix, so both run the same sweeps) and
 * with independent spectra. Bounds as in eigh.test.ts: backward stability gives O(nε‖T‖).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, tensor } from '../../src/autodiff/index.js';
import { eigvalsh, tridiagonalEigenvalues, tridiagonalEigh } from '../../src/curvature/index.js';
import { EPS, column, maxAbs } from './helpers.js';

function dense(d: ArrayLike<number>, e: ArrayLike<number>): Float64Array {
  const n = d.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = d[i]!;
    if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = e[i - 1]!;
  }
  return a;
}

describe('tridiagonalEigh', () => {
  it('tridiag(1, 0, 1) (n = 40): λ_k = 2cos(kπ/(n+1)) to 10·n·ε·2', () => {
    const n = 40;
    const values = tridiagonalEigenvalues(new Float64Array(n), new Float64Array(n - 1).fill(1));
    const exact = Array.from({ length: n }, (_, k) => 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))).sort((a, b) => a - b);
    for (let k = 0; k < n; k++) expect(Math.abs(values[k]! - exact[k]!)).toBeLessThanOrEqual(10 * n * EPS * 2);
  });

  it('property: T v = λ v and VᵀV = I to 10·n·ε, values equal to the dense path\'s eigvalsh to 10·n·ε·‖T‖', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (n, seed, withZeros) => {
        const rng = new Rng(seed);
        const d = Array.from({ length: n }, () => rng.normal());
        // zeros in the off-diagonal: a reducible matrix, whose blocks deflate at once
        const e = Array.from({ length: n - 1 }, () => (withZeros && rng.uniform() < 0.3 ? 0 : rng.normal()));
        const { values, vectors } = tridiagonalEigh(d, e);
        const a = dense(d, e);
        const norm = maxAbs(values);
        for (let j = 0; j < n; j++) {
          const v = column(vectors, n, j);
          for (let i = 0; i < n; i++) {
            const tv = d[i]! * v[i]! + (i > 0 ? e[i - 1]! * v[i - 1]! : 0) + (i < n - 1 ? e[i]! * v[i + 1]! : 0);
            expect(Math.abs(tv - values[j]! * v[i]!)).toBeLessThanOrEqual(10 * n * EPS * norm);
          }
          for (let l = 0; l < n; l++) {
            let s = 0;
            for (let i = 0; i < n; i++) s += v[i]! * vectors[i * n + l]!;
            expect(Math.abs(s - (j === l ? 1 : 0))).toBeLessThanOrEqual(10 * n * EPS);
          }
        }
        const viaDense = eigvalsh(tensor(a, [n, n]));
        for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - viaDense[i]!)).toBeLessThanOrEqual(10 * n * EPS * norm);
        expect(Array.from(tridiagonalEigenvalues(d, e))).toEqual(Array.from(values));
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('graded and tiny entries: diag(1, 1e-10, 1e-20, …) with off-diagonal 1e-5·…: eigenvalues to 10·n·ε·‖T‖', () => {
    const n = 8;
    const d = Array.from({ length: n }, (_, i) => 10 ** (-10 * i));
    const e = Array.from({ length: n - 1 }, (_, i) => 10 ** (-10 * i - 5));
    const values = tridiagonalEigh(d, e).values;
    const dv = eigvalsh(tensor(dense(d, e), [n, n]));
    for (let i = 0; i < n; i++) expect(Math.abs(values[i]! - dv[i]!)).toBeLessThanOrEqual(10 * n * EPS);
    // and the largest is 1 + 1e-10 (second order in the coupling 1e-5) to ε
    expect(Math.abs(values[n - 1]! - (1 + 1e-10))).toBeLessThanOrEqual(4 * EPS);
    expect(tridiagonalEigh([], []).values.length).toBe(0);
    expect(Array.from(tridiagonalEigh([5], []).values)).toEqual([5]);
  });
});
