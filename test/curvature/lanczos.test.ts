/**
 * Lanczos (lanczosEigs, hessianEigs, lanczosTridiagonal) against eigh/eigvalsh of the dense
 * matrix, on the built-in problems, MLPs, and random symmetric matrices given as linear maps.
 *
 * What is asserted and why:
 * - agreement: values[i] is the i-th eigenvalue in `which` order to 1e-10·max|λ|. With the
 *   default tol = 1e-10 every Ritz pair's residual is ≤ ~1e-10·max|λ|, which bounds the
 *   eigenvalue error (and it is usually far smaller, residual²/gap).
 * - the certificate: |values[i] − nearest eigenvalue| ≤ residuals[i] (Kahan/Parlett: for
 *   symmetric A and unit u, some eigenvalue lies within ‖Au − ρu‖ of ρ), up to the oracle's
 *   own error 10·m·ε·‖A‖ (eigh.test.ts) which also covers the rounding of the final HVP.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, add, hessian, mul, slice, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import { eigvalsh, hessianEigs, lanczosEigs, lanczosTridiagonal, tridiagonalEigenvalues, type EigsResult, type Which } from '../../src/curvature/index.js';
import { problems } from '../../src/igr/problems.js';
import { lossFunction, mlp, twoMoons, type Activation } from '../../src/nn/index.js';
import { EPS, matVec, maxAbs, nearest, norm2, randomOrthogonal, randomSymmetric, withSpectrum } from './helpers.js';

/** The exact eigenvalues (ascending) in `which` order. */
function inOrder(exact: Float64Array, which: Which): number[] {
  const a = Array.from(exact);
  if (which === 'largest') return a.reverse();
  if (which === 'smallest') return a;
  return a.sort((x, y) => Math.abs(y) - Math.abs(x));
}

/** Agreement with the oracle to `rel`·max|λ| and every certificate, as described in the header. */
function expectAgreement(label: string, r: EigsResult, exact: Float64Array, which: Which, rel = 1e-10): void {
  const m = exact.length;
  const scale = Math.max(Math.abs(exact[0]!), Math.abs(exact[m - 1]!));
  const slack = 10 * m * EPS * scale;
  const ordered = inOrder(exact, which);
  expect(r.converged, label).toBe(true);
  r.values.forEach((v, i) => {
    // ties in |λ| make the 'magnitude' order ambiguous between λ and −λ: compare magnitudes there
    const want = which === 'magnitude' ? Math.abs(ordered[i]!) : ordered[i]!;
    const got = which === 'magnitude' ? Math.abs(v) : v;
    expect(Math.abs(got - want), `${label}: value ${i}`).toBeLessThanOrEqual(rel * scale + slack);
    expect(nearest(exact, v), `${label}: certificate ${i}`).toBeLessThanOrEqual(r.residuals[i]! + slack);
  });
}

describe('hessianEigs on every built-in problem agrees with eigh(hessian(f, x))', () => {
  for (const p of problems) {
    it(`${p.name}: largest, smallest and magnitude, k = min(3, m); every certificate holds`, () => {
      const exact = eigvalsh(hessian(p.loss, tensor(p.theta0)));
      const k = Math.min(3, exact.length);
      for (const which of ['largest', 'smallest', 'magnitude'] as const) {
        const r = hessianEigs(p.loss, p.theta0, { k, which });
        expectAgreement(`${p.name} ${which}`, r, exact, which);
        expect(r.hvps).toBe(r.iterations + k);
      }
    });
  }
});

describe('hessianEigs on MLPs agrees with eigvalsh(hessian(f, x))', () => {
  const moons = twoMoons({ n: 64, seed: 1 });
  const cases: { sizes: number[]; activation: Activation }[] = [
    { sizes: [2, 16, 16, 2], activation: 'tanh' }, // 354 parameters
    { sizes: [2, 12, 12, 2], activation: 'softplus' }, // 218
    { sizes: [2, 32, 32, 2], activation: 'tanh' }, // 1,218
  ];
  for (const { sizes, activation } of cases) {
    const model = mlp({ sizes, activation });
    it(`${sizes.join('-')} ${activation} (${model.numParams} parameters, cross-entropy on 64 moons): top 4, bottom 2, magnitude 3`, () => {
      const loss = lossFunction(model, moons);
      const theta = model.init(3);
      const exact = eigvalsh(hessian(loss, tensor(theta)));
      for (const [which, k] of [['largest', 4], ['smallest', 2], ['magnitude', 3]] as const) {
        const r = hessianEigs(loss, theta, { k, which, seed: 1 });
        expectAgreement(`${sizes.join('-')} ${which}`, r, exact, which);
        // matrix-free: far fewer HVPs than the m reverse passes of the dense Hessian
        expect(r.hvps).toBeLessThan(Math.max(150, model.numParams / 2));
      }
    });
  }
});

describe('lanczosEigs on random symmetric matrices given as linear maps', () => {
  it('property: converged pairs agree with eigvalsh, vectors are orthonormal, residuals are the true ‖Au − λu‖ and certify', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.constantFrom<Which>('largest', 'smallest', 'magnitude'),
        fc.integer({ min: 1, max: 4 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (m, seed, which, kWanted, basisFraction) => {
          const k = Math.min(kWanted, m);
          // small bases force thick restarts; 2k + 1 is the smallest allowed
          const lo = Math.min(m, 2 * k + 1);
          const basisSize = lo + Math.floor(basisFraction * (m - lo));
          const a = randomSymmetric(m, new Rng(seed));
          const exact = eigvalsh(tensor(a, [m, m]));
          const r = lanczosEigs((v) => matVec(a, v), m, { k, which, seed, basisSize });
          expect(r.values.length).toBe(k);
          // GOE spectra are well separated (gaps ~ ‖A‖/m), so the order-wise agreement holds at 1e-9
          expectAgreement(`m=${m} ${which} k=${k} basis=${basisSize}`, r, exact, which, 1e-9);
          const scale = maxAbs(exact);
          r.vectors.forEach((u, i) => {
            const au = matVec(a, u);
            const res = norm2(au.map((x, l) => x - r.values[i]! * u[l]!));
            // the returned residual is the same computation up to the rounding of one matvec
            expect(Math.abs(res - r.residuals[i]!)).toBeLessThanOrEqual(10 * m * EPS * scale);
            // converged means the Lanczos estimate met tol·max|θ|; the true residual is that to O(ε)
            expect(r.residuals[i]!).toBeLessThanOrEqual(2e-10 * scale + 10 * m * EPS * scale);
            r.vectors.forEach((w, l) => {
              let s = 0;
              for (let t = 0; t < m; t++) s += u[t]! * w[t]!;
              // Ritz vectors Q y: Q orthonormal to O(ε) by reorthogonalisation, Y orthonormal to O(Jε)
              expect(Math.abs(s - (i === l ? 1 : 0))).toBeLessThanOrEqual(100 * m * EPS);
            });
          });
        },
      ),
      { numRuns: 120, seed: 424242 },
    );
  });

  it('property: Ritz values interlace as Lanczos proceeds (Cauchy: T_j is the leading block of T_{j+1}) and lie in [λ_min, λ_max]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 }), (m, seed) => {
        const a = randomSymmetric(m, new Rng(seed));
        const exact = eigvalsh(tensor(a, [m, m]));
        const scale = maxAbs(exact);
        const t = lanczosTridiagonal((v) => matVec(a, v), m, { steps: m, seed, keepBasis: true });
        const s = t.alpha.length;
        // each T_j is exactly the leading j × j block of T_s, so interlacing holds up to the
        // eigenvalue solver's error 10·j·ε·‖T‖ for each of the two spectra compared
        const slack = 20 * m * EPS * scale;
        let prev = tridiagonalEigenvalues(t.alpha.subarray(0, 1), []);
        for (let j = 2; j <= s; j++) {
          const next = tridiagonalEigenvalues(t.alpha.subarray(0, j), t.beta.subarray(0, j - 1));
          for (let i = 0; i < j - 1; i++) {
            expect(next[i]!).toBeLessThanOrEqual(prev[i]! + slack);
            expect(prev[i]!).toBeLessThanOrEqual(next[i + 1]! + slack);
          }
          expect(next[0]!).toBeGreaterThanOrEqual(exact[0]! - slack);
          expect(next[j - 1]!).toBeLessThanOrEqual(exact[m - 1]! + slack);
          prev = next;
        }
        // the basis is orthonormal and QᵀAQ = T: full reorthogonalisation keeps both at O(mε)
        const q = t.basis!;
        for (let i = 0; i < s; i++) {
          const aq = matVec(a, q[i]!);
          for (let l = 0; l < s; l++) {
            let g = 0;
            let h = 0;
            for (let c = 0; c < m; c++) {
              g += q[i]![c]! * q[l]![c]!;
              h += q[l]![c]! * aq[c]!;
            }
            const tEntry = l === i ? t.alpha[i]! : Math.abs(l - i) === 1 ? t.beta[Math.min(i, l)]! : 0;
            expect(Math.abs(g - (i === l ? 1 : 0))).toBeLessThanOrEqual(10 * m * EPS);
            expect(Math.abs(h - tEntry)).toBeLessThanOrEqual(10 * m * EPS * scale);
          }
        }
        // run to s = m steps, T_m is similar to A: its eigenvalues are A's
        if (s === m) {
          const all = tridiagonalEigenvalues(t.alpha, t.beta);
          for (let i = 0; i < m; i++) expect(Math.abs(all[i]! - exact[i]!)).toBeLessThanOrEqual(slack);
        }
      }),
      { numRuns: 60, seed: 99 },
    );
  });

  it('restarts keep the memory bound and still converge: m = 150, basisSize = 8 for k = 3', () => {
    const m = 150;
    const a = randomSymmetric(m, new Rng(150));
    const exact = eigvalsh(tensor(a, [m, m]));
    const r = lanczosEigs((v) => matVec(a, v), m, { k: 3, basisSize: 8, maxIter: 5000 });
    expect(r.restarts).toBeGreaterThan(5);
    expectAgreement('restarted', r, exact, 'largest');
    const unrestarted = lanczosEigs((v) => matVec(a, v), m, { k: 3, basisSize: m });
    expect(unrestarted.restarts).toBe(0);
    expectAgreement('unrestarted', unrestarted, exact, 'largest');
  });
});

describe('repeated eigenvalues and exhausted Krylov spaces', () => {
  it('diag(5, 5, 5, 1): all three copies of 5 (one Krylov space holds only one)', () => {
    const a = new Float64Array(16);
    [5, 5, 5, 1].forEach((d, i) => (a[i * 4 + i] = d));
    const r = lanczosEigs((v) => matVec(a, v), 4, { k: 3 });
    expect(r.converged).toBe(true);
    expect(r.values.map((v) => Math.abs(v - 5) < 1e-14)).toEqual([true, true, true]);
  });

  it('property: Q diag(λ) Qᵀ with eigenvalues of multiplicity up to 4, formed in floating point: every wanted copy is found', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (m, seed, mult, k) => {
        // levels −3, −1, 0, 1, 2 with the top level repeated `mult` times and the rest spread
        const lambda = Array.from({ length: m }, (_, i) => (i < mult ? 2 : [-3, -1, 0, 1][i % 4]!));
        const a = withSpectrum(randomOrthogonal(m, new Rng(seed)), lambda);
        const exact = eigvalsh(tensor(a, [m, m]));
        const r = lanczosEigs((v) => matVec(a, v), m, { k, seed });
        expectAgreement(`m=${m} mult=${mult} k=${k}`, r, exact, 'largest');
      }),
      { numRuns: 60, seed: 5 },
    );
  });

  it('the identity on R^1000 and the zero operator: converged at once (a random vector that is an eigenvector means c·I)', () => {
    const id = lanczosEigs((v) => v, 1000, { k: 3 });
    // ρ = uᵀu for a unit u: a sum of 1000 products, exact to 1000ε at worst
    id.values.forEach((v) => expect(Math.abs(v - 1)).toBeLessThanOrEqual(1000 * EPS));
    id.residuals.forEach((r) => expect(r).toBeLessThanOrEqual(1000 * EPS));
    expect(id.hvps).toBe(6);
    const zero = lanczosEigs((v) => new Float64Array(v.length), 1000, { k: 2, which: 'smallest' });
    expect(zero.values).toEqual([0, 0]);
    expect(zero.residuals).toEqual([0, 0]);
    expect(zero.hvps).toBe(4);
  });

  it('a loss of 3 of 300 parameters (rank-3 Hessian): its nonzero eigenvalues from a handful of HVPs, and zeros at the bottom', () => {
    // f = x0² + 2 x1² + x0 x2 + 3 x2²: H restricted to (x0, x1, x2) is [[2, 0, 1], [0, 4, 0], [1, 0, 6]]
    const f = (x: Tensor): Tensor => {
      const [x0, x1, x2] = [slice(x, 0, 1), slice(x, 1, 2), slice(x, 2, 3)];
      return sum(add(add(square(x0), mul(2, square(x1))), add(mul(x0, x2), mul(3, square(x2)))));
    };
    const x = new Float64Array(300).fill(0.5);
    const r = hessianEigs(f, x, { k: 3 });
    const exact = [4 + Math.sqrt(5), 4, 4 - Math.sqrt(5)];
    r.values.forEach((v, i) => expect(Math.abs(v - exact[i]!)).toBeLessThanOrEqual(1e-13));
    expect(r.hvps).toBeLessThanOrEqual(12);
    const bottom = hessianEigs(f, x, { k: 2, which: 'smallest' });
    bottom.values.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(1e-13));
  });

  it('a start vector orthogonal to the top eigenvector still finds it (the invariant space is left by a random vector)', () => {
    const a = new Float64Array(9);
    [1, 2, 3].forEach((d, i) => (a[i * 3 + i] = d));
    const r = lanczosEigs((v) => matVec(a, v), 3, { k: 1, start: [1, 1, 0] });
    expect(r.values[0]).toBeCloseTo(3, 14);
  });
});

describe('budgets, seeds and determinism', () => {
  it('maxIter runs out: converged false, the best pairs so far, their certificates still valid', () => {
    const m = 300;
    const a = randomSymmetric(m, new Rng(17));
    const exact = eigvalsh(tensor(a, [m, m]));
    const r = lanczosEigs((v) => matVec(a, v), m, { k: 2, maxIter: 12 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(12);
    expect(r.hvps).toBe(14);
    const slack = 10 * m * EPS * maxAbs(exact);
    r.values.forEach((v, i) => {
      expect(Number.isFinite(v)).toBe(true);
      expect(nearest(exact, v)).toBeLessThanOrEqual(r.residuals[i]! + slack);
      expect(r.residuals[i]!).toBeGreaterThan(1e-6); // not converged, and the certificate says so
    });
  });

  it('the same seed gives bit-identical results; another seed the same eigenvalues to tol', () => {
    const m = 80;
    const a = randomSymmetric(m, new Rng(3));
    const run = (seed: number) => lanczosEigs((v) => matVec(a, v), m, { k: 3, seed, basisSize: 12 });
    const r1 = run(7);
    const r2 = run(7);
    expect(r2.values).toEqual(r1.values);
    expect(r2.residuals).toEqual(r1.residuals);
    expect(r2.vectors.map((v) => Array.from(v))).toEqual(r1.vectors.map((v) => Array.from(v)));
    const r3 = run(8);
    expect(r3.residuals).not.toEqual(r1.residuals); // another start vector: another run
    r3.values.forEach((v, i) => expect(Math.abs(v - r1.values[i]!)).toBeLessThanOrEqual(1e-9 * maxAbs(r1.values)));
  });
});
