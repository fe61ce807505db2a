/**
 * Hutchinson and Hutch++ against exact traces (of dense Hessians and matrices).
 *
 * Statistics. The z-score (estimate − tr)/stderr of one seed is approximately N(0, 1) (a t-like
 * statistic of n = 60 skewed quadratic forms: its tails are somewhat heavier; over 300 seeds
 * 0.7–2% of the z-scores exceeded 3, against 0.27% for a normal). So "within 3 standard
 * errors across seeds" is tested as what it is, a coverage rate: of 30 fixed seeds at most 2 may
 * fall outside 3 standard errors (a normal gives 0.1 on average; P(> 2) < 1e-4), none outside
 * 6 (a gross error), and the rms of the z-scores must lie in [0.6, 1.6] (a standard error off
 * by 2× either way fails that). For Hutchinson the variance itself is checked against its closed
 * form Var(zᵀAz) = 2(‖A‖_F² − Σ A_ii²) for Rademacher z.
 */
import { describe, expect, it } from 'vitest';
import { Rng, add, hessian, mul, slice, square, sum, tensor, type ScalarFn, type Tensor } from '../../src/autodiff/index.js';
import { hessianOperator, hessianTrace, hutchPlusPlusTrace, hutchinsonTrace, type TraceResult } from '../../src/curvature/index.js';
import { problems } from '../../src/igr/problems.js';
import { lossFunction, mlp, twoMoons } from '../../src/nn/index.js';
import { matVec, randomOrthogonal, randomSymmetric, withSpectrum } from './helpers.js';

/** tr H and Hutchinson's exact single-probe variance 2(‖H‖_F² − Σ H_ii²). */
function exactTrace(loss: ScalarFn, x: ArrayLike<number>): { trace: number; variance: number } {
  const H = hessian(loss, tensor(Float64Array.from(x)));
  const m = H.shape[0]!;
  let trace = 0;
  let offDiagonal = 0;
  for (let i = 0; i < m; i++) {
    trace += H.data[i * m + i]!;
    for (let j = 0; j < m; j++) if (i !== j) offDiagonal += H.data[i * m + j]! ** 2;
  }
  return { trace, variance: 2 * offDiagonal };
}

/** The coverage criterion of the header. */
function expectCalibrated(label: string, results: TraceResult[], exact: number): void {
  const z = results.map((r) => (r.estimate - exact) / r.stderr);
  expect(z.filter((zi) => Math.abs(zi) > 3).length, `${label}: seeds outside 3 standard errors (z = ${z.map((x) => x.toFixed(2)).join(', ')})`).toBeLessThanOrEqual(2);
  z.forEach((zi, i) => expect(Math.abs(zi), `${label} seed ${i}`).toBeLessThanOrEqual(6));
  const rms = Math.sqrt(z.reduce((s, x) => s + x * x, 0) / z.length);
  expect(rms, `${label} rms z`).toBeGreaterThanOrEqual(0.6);
  expect(rms, `${label} rms z`).toBeLessThanOrEqual(1.6);
}

const moons = twoMoons({ n: 32, seed: 2 });
const net = mlp({ sizes: [2, 8, 8, 2], activation: 'tanh' });
const cases: { name: string; loss: ScalarFn; x: Float64Array | readonly number[] }[] = [
  ...problems.filter((p) => p.dimension > 2).map((p) => ({ name: p.name, loss: p.loss, x: p.theta0 })),
  { name: `mlp 2-8-8-2 (${net.numParams} parameters, 32 moons)`, loss: lossFunction(net, moons), x: net.init(4) },
];

describe('Hutchinson: within 3 standard errors of the exact trace across seeds', () => {
  for (const c of cases) {
    it(`${c.name}: 30 seeds × 60 Rademacher probes; the standard error matches the closed-form variance`, () => {
      const { trace, variance } = exactTrace(c.loss, c.x);
      const results = Array.from({ length: 30 }, (_, seed) => hessianTrace(c.loss, c.x, { samples: 60, seed }));
      results.forEach((r) => expect(r.hvps).toBe(60));
      expectCalibrated(c.name, results, trace);
      // n·stderr² is the sample variance of the probes; averaged over 30 seeds (1,800 probes) its
      // relative sd is √((κ − 1)/1800) ≤ 0.09 for a kurtosis κ ≤ 15: 0.3 is 3.4 of those
      const meanVariance = results.reduce((s, r) => s + 60 * r.stderr ** 2, 0) / results.length;
      expect(Math.abs(meanVariance / variance - 1), c.name).toBeLessThanOrEqual(0.3);
    });
  }

  it('is exact on a diagonal matrix (zᵀDz = Σ d_i z_i² = tr D for ±1 entries), standard error 0', () => {
    const d = [3, -1, 0.5, 7, 2];
    const r = hutchinsonTrace((v) => v.map((x, i) => d[i]! * x), 5, { samples: 10 });
    expect(r.estimate).toBe(11.5);
    expect(r.stderr).toBe(0);
    expect(Array.from(r.probes)).toEqual(new Array(10).fill(11.5));
  });

  it('the same seed gives bit-identical results; hessianTrace is hutchinsonTrace on hessianOperator', () => {
    const p = problems.find((q) => q.name === 'logistic')!;
    const a = hessianTrace(p.loss, p.theta0, { samples: 20, seed: 5 });
    const b = hutchinsonTrace(hessianOperator(p.loss, p.theta0).apply, p.dimension, { samples: 20, seed: 5 });
    expect(b).toEqual(a);
    expect(hessianTrace(p.loss, p.theta0, { samples: 20, seed: 6 }).estimate).not.toBe(a.estimate);
  });
});

describe('Hutch++ (Meyer, Musco, Musco & Woodruff 2021)', () => {
  for (const c of cases) {
    it(`${c.name}: within 3 (conditional) standard errors across 30 seeds, 60 HVPs each`, () => {
      const exact = exactTrace(c.loss, c.x).trace;
      const results = Array.from({ length: 30 }, (_, seed) => hessianTrace(c.loss, c.x, { samples: 60, seed, method: 'hutch++' }));
      // a problem of dimension ≤ 20 is spanned by the 20-vector sketch: exact, standard error 0
      if (c.x.length <= 20) {
        results.forEach((r) => expect(Math.abs(r.estimate - exact)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(exact))));
      } else {
        expectCalibrated(c.name, results, exact);
      }
      results.forEach((r) => expect(r.hvps).toBeLessThanOrEqual(60));
    });
  }

  it('is exact when the sketch spans the range: a rank-3 Hessian in R^300 from 12 HVPs', () => {
    // f = x0² + 2 x1² + x0 x2 + 3 x2²: tr H = 2 + 4 + 6 = 12
    const f = (x: Tensor): Tensor => {
      const [x0, x1, x2] = [slice(x, 0, 1), slice(x, 1, 2), slice(x, 2, 3)];
      return sum(add(add(square(x0), mul(2, square(x1))), add(mul(x0, x2), mul(3, square(x2)))));
    };
    // 10 sketch vectors: their restrictions to (x0, x1, x2) are ±1 triples, which span R³ unless all 10 fall in a plane
    const r = hutchPlusPlusTrace(hessianOperator(f, new Float64Array(300)).apply, 300, { samples: 30 });
    expect(r.sketchRank).toBe(3);
    expect(Math.abs(r.estimate - 12)).toBeLessThanOrEqual(1e-13);
    expect(Math.abs(r.residualTrace)).toBeLessThanOrEqual(1e-13);
    expect(r.hvps).toBe(10 + 3 + 10);
  });

  it('beats Hutchinson at equal cost on a decaying spectrum (λ_i = 1/i², m = 200): mean |error| over 20 seeds at least 5× smaller', () => {
    const m = 200;
    const lambda = Array.from({ length: m }, (_, i) => 1 / (i + 1) ** 2);
    const a = withSpectrum(randomOrthogonal(m, new Rng(8)), lambda);
    const exact = lambda.reduce((s, x) => s + x, 0);
    const apply = (v: Float64Array) => matVec(a, v);
    let errH = 0;
    let errPP = 0;
    for (let seed = 0; seed < 20; seed++) {
      errH += Math.abs(hutchinsonTrace(apply, m, { samples: 60, seed }).estimate - exact);
      errPP += Math.abs(hutchPlusPlusTrace(apply, m, { samples: 60, seed }).estimate - exact);
    }
    // the 20-vector sketch captures the eigenvalues above ~1/400; what is left has ‖·‖_F ≈ 1e-3,
    // against ‖A‖_F ≈ 1.04 for Hutchinson: the expected ratio is in the hundreds
    expect(errPP * 5).toBeLessThan(errH);
  });

  it('on a random dense matrix the estimate is unbiased: mean over 40 seeds within 3 standard errors of the mean', () => {
    const m = 40;
    const a = randomSymmetric(m, new Rng(12));
    let exact = 0;
    for (let i = 0; i < m; i++) exact += a[i * m + i]!;
    const estimates = Array.from({ length: 40 }, (_, seed) => hutchPlusPlusTrace((v) => matVec(a, v), m, { samples: 30, seed }).estimate);
    const mean = estimates.reduce((s, x) => s + x, 0) / estimates.length;
    const sd = Math.sqrt(estimates.reduce((s, x) => s + (x - mean) ** 2, 0) / (estimates.length - 1));
    expect(Math.abs(mean - exact)).toBeLessThanOrEqual((3 * sd) / Math.sqrt(estimates.length));
  });
});
