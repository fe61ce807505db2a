/**
 * eigh and eigvalsh against matrices with known spectra (A = QΛQᵀ), closed forms, and the
 * defining properties on random symmetric matrices: AV = VΛ and VᵀV = I to O(mε).
 *
 * Bounds. Householder tridiagonalisation and the implicit QR algorithm are backward stable:
 * the computed eigenpairs are exact for A + E with ‖E‖₂ ≤ p(m)·ε·‖A‖₂, p a modest polynomial
 * (Golub & Van Loan §8.3.5; LAPACK's tests accept ‖AV − VΛ‖/(m ε ‖A‖) up to 30). We allow
 * 10·m·ε·‖A‖ entrywise for residuals and 10·m·ε for orthonormality; measured values are ~10×
 * below (m = 500: residual 26 ε‖A‖, orthonormality 183 ε). A wrong eigenpair misses by O(‖A‖).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, hessian, tensor, type Tensor } from '../../src/autodiff/index.js';
import { eigh, eigvalsh } from '../../src/curvature/index.js';
import { problems } from '../../src/igr/problems.js';
import { EPS, column, matVec, maxAbs, randomOrthogonal, randomSymmetric, spectrumArb, withSpectrum } from './helpers.js';

/** Max over columns of ‖A v_j − λ_j v_j‖_∞ and max |VᵀV − I|, for row-major A. */
function quality(a: Float64Array, m: number, values: Float64Array, vectors: Tensor): { residual: number; orthogonality: number } {
  const v = vectors.data;
  let residual = 0;
  let orthogonality = 0;
  for (let j = 0; j < m; j++) {
    const vj = column(v, m, j);
    const av = matVec(a, vj);
    for (let i = 0; i < m; i++) residual = Math.max(residual, Math.abs(av[i]! - values[j]! * vj[i]!));
    for (let l = 0; l < m; l++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += v[i * m + j]! * v[i * m + l]!;
      orthogonality = Math.max(orthogonality, Math.abs(s - (j === l ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('eigh on matrices with known spectra', () => {
  it('property: the eigenvalues of Q diag(λ) Qᵀ are sort(λ) to 10·m·ε·max|λ| (repeated, clustered, tiny and huge spectra)', () => {
    // Weyl: |λ_i(A + E) − λ_i(A)| ≤ ‖E‖₂. E is the rounding in forming QΛQᵀ (each entry a sum of
    // m products, ≤ m ε max|λ| with Σ_k |q_ik q_jk| ≤ 1) plus eigh's backward error: 10·m·ε·max|λ|.
    fc.assert(
      fc.property(spectrumArb(1, 24), fc.integer({ min: 0, max: 2 ** 31 }), (lambda, seed) => {
        const m = lambda.length;
        const a = withSpectrum(randomOrthogonal(m, new Rng(seed)), lambda);
        const { values, vectors } = eigh(tensor(a, [m, m]));
        const expected = Float64Array.from(lambda).sort();
        const scale = maxAbs(lambda);
        for (let i = 0; i < m; i++) expect(Math.abs(values[i]! - expected[i]!)).toBeLessThanOrEqual(10 * m * EPS * scale);
        const { residual, orthogonality } = quality(a, m, values, vectors);
        expect(residual).toBeLessThanOrEqual(10 * m * EPS * scale);
        expect(orthogonality).toBeLessThanOrEqual(10 * m * EPS);
        // eigvalsh is the same computation without the vectors: identical values
        expect(Array.from(eigvalsh(tensor(a, [m, m])))).toEqual(Array.from(values));
      }),
      { numRuns: 150, seed: 20261201 },
    );
  });

  it('tridiag(−1, 2, −1) (n = 60): λ_k = 2 − 2cos(kπ/(n+1)), v_k ∝ sin(jkπ/(n+1)), the closed forms', () => {
    const n = 60;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const { values, vectors } = eigh(tensor(a, [n, n]));
    let minGap = Infinity;
    for (let k = 1; k <= n; k++) {
      const exact = 2 - 2 * Math.cos((k * Math.PI) / (n + 1));
      // ‖A‖ ≤ 4; backward error 10·n·ε·‖A‖ as above
      expect(Math.abs(values[k - 1]! - exact)).toBeLessThanOrEqual(10 * n * EPS * 4);
      if (k > 1) minGap = Math.min(minGap, values[k - 1]! - values[k - 2]!);
    }
    // Davis–Kahan: an eigenvector is off by at most residual / gap; residual ≤ 10·n·ε·4 ≈ 5e-13,
    // gap ≥ 2.6e-3 here, so 1e-9 holds with room while a wrong vector is off by O(1).
    for (let k = 1; k <= n; k++) {
      const v = column(vectors.data, n, k - 1);
      const exact = Array.from({ length: n }, (_, j) => Math.sqrt(2 / (n + 1)) * Math.sin(((j + 1) * k * Math.PI) / (n + 1)));
      const sign = Math.sign(v[0]! * exact[0]!) || 1;
      for (let j = 0; j < n; j++) expect(Math.abs(v[j]! - sign * exact[j]!)).toBeLessThanOrEqual((10 * n * EPS * 4) / minGap);
    }
    expect(minGap).toBeGreaterThan(2.6e-3);
  });

  it('2 × 2: the closed form (a + c)/2 ± √(((a − c)/2)² + b²)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), (p, b, c) => {
        const { values } = eigh(tensor([[p, b], [b, c]]));
        const mid = (p + c) / 2;
        const rad = Math.hypot((p - c) / 2, b);
        const scale = Math.max(Math.abs(p), Math.abs(b), Math.abs(c));
        // both sides are a few roundings of quantities ≤ 2·scale
        expect(Math.abs(values[0]! - (mid - rad))).toBeLessThanOrEqual(16 * EPS * scale);
        expect(Math.abs(values[1]! - (mid + rad))).toBeLessThanOrEqual(16 * EPS * scale);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('degenerate inputs: empty, 1 × 1, zero, identity, diagonal, already tridiagonal', () => {
    const empty = eigh(tensor(new Float64Array(0), [0, 0]));
    expect(empty.values.length).toBe(0);
    expect(empty.vectors.shape).toEqual([0, 0]);
    expect(Array.from(eigh(tensor([[-3]])).values)).toEqual([-3]);
    expect(Array.from(eigh(tensor([[-3]])).vectors.data)).toEqual([1]);
    const zero = eigh(tensor(new Float64Array(9), [3, 3]));
    expect(Array.from(zero.values)).toEqual([0, 0, 0]);
    expect(Array.from(zero.vectors.data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const eye = eigh(tensor([[2, 0, 0], [0, 2, 0], [0, 0, 2]]));
    expect(Array.from(eye.values)).toEqual([2, 2, 2]);
    const diag = eigh(tensor([[3, 0, 0], [0, -1, 0], [0, 0, 2]]));
    expect(Array.from(diag.values)).toEqual([-1, 2, 3]);
    // columns are the permuted unit vectors, exactly (no rotation was needed)
    expect(Array.from(diag.vectors.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });
});

describe('eigh on random symmetric matrices', () => {
  it('property: A v_j = λ_j v_j to 10·m·ε·‖A‖ and VᵀV = I to 10·m·ε, values ascending', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.constantFrom(1, 1e-200, 1e200), (m, seed, scale) => {
        const a = randomSymmetric(m, new Rng(seed)).map((x) => x * scale);
        const { values, vectors } = eigh(tensor(a, [m, m]));
        for (let i = 1; i < m; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
        const normA = Math.max(Math.abs(values[0]!), Math.abs(values[m - 1]!));
        const { residual, orthogonality } = quality(a, m, values, vectors);
        expect(residual).toBeLessThanOrEqual(10 * m * EPS * normA);
        expect(orthogonality).toBeLessThanOrEqual(10 * m * EPS);
      }),
      { numRuns: 100, seed: 31 },
    );
  });

  it('m = 200 (the size of the principal flow): residual and orthonormality within the same bounds', () => {
    const m = 200;
    const a = randomSymmetric(m, new Rng(200));
    const { values, vectors } = eigh(tensor(a, [m, m]));
    const normA = Math.max(Math.abs(values[0]!), Math.abs(values[m - 1]!));
    const { residual, orthogonality } = quality(a, m, values, vectors);
    expect(residual).toBeLessThanOrEqual(10 * m * EPS * normA);
    expect(orthogonality).toBeLessThanOrEqual(10 * m * EPS);
    // trace and Frobenius norm are preserved by the similarity: Σλ = tr A, Σλ² = ‖A‖_F²
    let tr = 0;
    let fro = 0;
    for (let i = 0; i < m; i++) tr += a[i * m + i]!;
    for (const x of a) fro += x * x;
    expect(Math.abs(values.reduce((s, x) => s + x, 0) - tr)).toBeLessThanOrEqual(10 * m * EPS * normA);
    expect(Math.abs(values.reduce((s, x) => s + x * x, 0) - fro)).toBeLessThanOrEqual(10 * m * EPS * fro);
  });

  it('is deterministic, and fixes each eigenvector\'s sign so its largest-magnitude entry is positive', () => {
    const m = 12;
    const A = tensor(randomSymmetric(m, new Rng(5)), [m, m]);
    const r1 = eigh(A);
    const r2 = eigh(A);
    expect(Array.from(r2.values)).toEqual(Array.from(r1.values));
    expect(Array.from(r2.vectors.data)).toEqual(Array.from(r1.vectors.data));
    for (let j = 0; j < m; j++) {
      const v = column(r1.vectors.data, m, j);
      let big = 0;
      for (let i = 1; i < m; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
      expect(v[big]!).toBeGreaterThan(0);
    }
  });

  it('uses the symmetric part of a matrix asymmetric within the tolerance', () => {
    const sym = [[2, 1], [1, 3]];
    const skew = [[2, 1 + 1e-12], [1 - 1e-12, 3]];
    expect(Array.from(eigh(tensor(skew)).values)).toEqual(Array.from(eigh(tensor(sym)).values));
    // an asymmetry of 0.01 is accepted only when the caller says so
    expect(() => eigh(tensor([[2, 1.01], [0.99, 3]]))).toThrow('not symmetric');
    expect(Array.from(eigh(tensor([[2, 1.01], [0.99, 3]]), { symmetryTolerance: 0.01 }).values)).toEqual(Array.from(eigh(tensor(sym)).values));
  });
});

describe('eigh of Hessians computed by autodiff', () => {
  it('the Hessians of the built-in problems are accepted (symmetric to round-off) and decomposed to 10·m·ε·‖H‖', () => {
    for (const p of problems) {
      const H = hessian(p.loss, tensor(p.theta0));
      const m = H.shape[0]!;
      const { values, vectors } = eigh(H);
      const normH = Math.max(Math.abs(values[0]!), Math.abs(values[m - 1]!));
      const { residual, orthogonality } = quality(H.data, m, values, vectors);
      expect(residual, p.name).toBeLessThanOrEqual(10 * m * EPS * normH);
      expect(orthogonality, p.name).toBeLessThanOrEqual(10 * m * EPS);
    }
  });
});
